"""Peers from files an analyst downloads: the Kolada, SCB and CSN importers on fixtures in each
source's documented shape, their Swedish refusals naming the place, the comparison file, and
SCB's population as the municipality's total for the per-1,000 rate."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from data import external, importer, peers
from metrics import engine
from tests.conftest import ROOT, build_warehouse

FIX = ROOT / "tests" / "fixtures" / "external"


def rows(kind: str, path) -> pl.DataFrame:
    df, problems, total = external.parse(kind, path.read_bytes(), path.name)
    assert total == 0, [str(p) for p in problems]
    return df


def one(df: pl.DataFrame, **key) -> dict:
    found = df.filter(pl.all_horizontal(pl.col(k) == v for k, v in key.items()))
    assert found.height == 1, (key, found)
    return found.row(0, named=True)


def test_kolada_v3_values_per_gender_groups_and_missing_values():
    df = rows("kolada", FIX / "kolada.json")
    assert df.height == 6
    assert one(df, measure="N33900", region="1283", gender="K")["value"] == 23.9
    assert one(df, measure="N33900", region="0000")["value"] == 23.8  # the whole country
    missing = one(df, measure="N33009", region="1281")
    assert missing["value"] is None and missing["status"] == "Missing"
    group = one(df, region="G124356")
    assert group["group_count"] == 7 and group["period"] == "2024" and group["value"] == 1812.5


def test_scb_tab638_sums_residents_0_to_20_over_sex_and_marital_status():
    df = rows("scb", FIX / "scb_tab638.json")
    # each cell is base + age + sex + marital status (0/1): over ages 0–20 (21), two sexes and two
    # marital statuses, 84 * base + 4 * (0 + … + 20) + 42 + 42 = 84 * base + 924; age 21 is left out
    assert one(df, region="1283", period="2025")["value"] == 84 * 10 + 924
    assert one(df, region="0000", period="2025")["value"] == 84 * 1000 + 924
    assert "12" not in df["region"].to_list()  # a county: not a municipality
    assert set(df["measure"]) == {external.SCB_MEASURE}


def test_csn_pxweb_json_suppressed_counts_make_the_share_missing_not_zero():
    df = rows("csn", external.EXAMPLES / "csn_sushsvl10.json")
    national = one(df, region="0000", period="2024/25")
    assert national["value"] == pytest.approx(0.108) and national["denominator"] > 0
    # Höganäs 2022/23: withdrawn '..' and a share of 0.0 beside it -> missing, suppressed
    hoganas = one(df, region="1284", period="2022/23")
    assert hoganas["value"] is None and hoganas["status"] == "prickad" and hoganas["numerator"] is None
    assert hoganas["denominator"] is not None  # the grant holders are shown
    assert not {"12", "-1"} & set(df["region"])  # a county and 'not registered in Sweden' are left out
    # the measure as a variable ('Mått', one value per row) and decimal commas: the same rules
    alt = rows("csn", FIX / "csn_matt.json")
    assert one(alt, region="1283")["value"] == pytest.approx(0.12)
    assert one(alt, region="1283")["numerator"] == 600 and one(alt, region="1283")["denominator"] == 5000
    assert one(alt, region="1284")["value"] is None and one(alt, region="1284")["status"] == "prickad"


BAD = {
    "kolada": ({"values": [{"kpi": "X1", "municipality": "9999", "period": "20x4",
                            "values": [{"gender": "Q", "value": "a", "count": -1}]}]},
               ["values[0].kpi: 'X1' – ett Kolada-id", "values[0].municipality: '9999' – en kommunkod",
                "values[0].period: '20x4' – ett år", "values[0].values[0].gender: 'Q' – T (totalt), K (kvinnor) eller M",
                "values[0].values[0].value: 'a' – ett tal eller null", "values[0].values[0].count: -1 – ett heltal"]),
    "scb": ({"version": "2.0", "class": "dataset", "id": ["Region", "Alder", "Tid"], "size": [1, 2, 1],
             "dimension": {"Region": {"category": {"index": {"1283": 0}}},
                           "Alder": {"category": {"index": {"0": 0, "1": 1}}},
                           "Tid": {"category": {"index": {"2025": 0}}}}, "value": [1, 2]},
            ["dimension.Alder: åldrar [0, 1]… – alla ettåriga åldrar 0–20"]),
    "csn": ({"columns": [{"code": "Kommun", "text": "folkbokföring län/kommun", "type": "d"},
                         {"code": "Lasar", "text": "läsår", "type": "t"},
                         {"code": "A", "text": "Antal personer med studiehjälp", "type": "c"}],
             "data": [{"key": ["1283", "2024/2025"], "values": ["12"]}]},
            ["columns – alla tre måtten behövs"]),
}


@pytest.mark.parametrize("kind", BAD)
def test_malformed_files_are_refused_naming_the_place_and_change_nothing(kind, db, tmp_path):
    data, expected = BAD[kind]
    before = importer.ledger(db).height
    plan = importer.prepare(kind, json.dumps(data).encode(), f"fel-{kind}.json", db)
    text = [str(p) for p in plan.problems]
    for e in expected:
        assert any(e in t for t in text), (e, text)
    assert all(t.startswith(f"fel-{kind}.json") for t in text)
    with pytest.raises(importer.ImportRefused):
        importer.apply(plan, db)
    assert importer.ledger(db).height == before


def test_not_json_is_refused_with_line_and_column(db):
    plan = importer.prepare("kolada", b'{"values": [1, 2,', "trasig.json", db)
    assert len(plan.problems) == 1
    assert str(plan.problems[0]).startswith("trasig.json: rad 1, tecken 18 – ogiltig JSON")


def test_import_is_idempotent_and_a_new_file_replaces_the_same_figures(db, tmp_path):
    path = FIX / "kolada.json"
    plan = importer.prepare("kolada", path.read_bytes(), path.name, db)
    assert plan.ok and plan.period == "2024"
    assert importer.apply(plan, db).rows_added == 6
    assert importer.prepare("kolada", path.read_bytes(), path.name, db).already_imported
    changed = json.loads(path.read_text(encoding="utf-8"))
    changed["values"][1]["values"][0]["value"] = 24.0  # the country, corrected
    plan = importer.prepare("kolada", json.dumps(changed).encode(), "kolada-rättad.json", db)
    assert plan.changes.row(0, named=True) == {"period": "2024", "rows_added": 6, "rows_replaced": 6}
    result = importer.apply(plan, db)
    assert result.rows_replaced == 6
    stored = importer.warehouse.Warehouse(db).sql("SELECT * FROM external_figures")
    assert stored.height == 6 and one(stored, region="0000")["value"] == 24.0


def test_scb_population_can_be_the_total_for_the_per_1000_rate(tmp_path, monkeypatch):
    reports = [(f"r{i}", f"c{i}", date(2025, 3, 1), None, None, "skola", None, "Norr" if i < 12 else "Söder",
                "ej_bedomd", None, None, None, None, None) for i in range(30)]
    population = [(2025, "Norr", 0, 20, 500), (2025, "Söder", 0, 20, 700)]
    wh = build_warehouse(tmp_path / "w.duckdb", population=population, reports=reports)
    def rate(by=()):
        return engine.evaluate(wh, "report_rate_per_1000", "2025", by=list(by))
    assert rate()["denominator"][0] == 1200  # the areas' sum
    cfg = tmp_path / "peers.yaml"
    cfg.write_text('municipality: "1283"\npeers: ["1280"]\nscb_population_for_total: true\n', encoding="utf-8")
    monkeypatch.setenv("SAMVERKAN_PEERS", str(cfg))
    path = FIX / "scb_tab638.json"
    plan = importer.prepare("scb", path.read_bytes(), path.name, wh.path)
    assert plan.ok, [str(p) for p in plan.problems]
    importer.apply(plan, wh.path)
    total = rate()
    assert total["denominator"][0] == 1764  # SCB's residents 0–20 of 1283 (see the SCB test)
    assert total["value"][0] == pytest.approx(30 / 1764 * 1000)
    by_area = {r["area"]: r["denominator"] for r in rate(["area"]).iter_rows(named=True) if r["area"]}
    assert by_area == {"Norr": 500, "Söder": 700}  # the areas keep the population table


PEERS_BAD = [
    ('municipality: "9999"\n', "municipality: '9999' är ingen kommunkod"),
    ('municipality: "1283"\npeers: ["1280", "1280", "12"]\n', "peers: okända kommunkoder: 12"),
    ('municipality: "1283"\npeers: ["1280", "1280"]\n', "peers: samma kommun står flera gånger (1280)"),
    ('municipality: "1283"\npeers: ["1283"]\n', "kommunen själv (1283) står bland jämförelsekommunerna"),
    ('municipality: "1283"\nkolada:\n  - id: N15419\n', "kolada → 0: ange label (en svensk benämning) för N15419"),
    ('municipality: "1283"\nkolada:\n  - id: X15419\n    label: x\n', "kolada → 0 → id: 'X15419' är inget Kolada-id"),
    ('municipality: "1283"\njamforelse: []\n', "jamforelse: okänt fält (stavfel?)"),
    ('peers: ["1280"]\n', "municipality: saknas"),
]


@pytest.mark.parametrize(("text", "expected"), PEERS_BAD)
def test_the_comparison_file_is_validated_with_its_place(tmp_path, text, expected):
    path = tmp_path / "peers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(peers.PeersConfigError) as err:
        peers.load(path)
    assert expected in str(err.value)


def test_shipped_comparison_file_and_municipality_list():
    cfg = peers.load(ROOT / "config" / "peers.yaml")
    assert cfg.municipality == "1283" and peers.name(cfg.municipality) == "Helsingborg"
    assert [k.id for k in cfg.kolada] == ["N33900", "N33009"] and cfg.kolada[0].label == "Andel invånare 0–20 år"
    codes = peers.municipalities()
    assert len(codes) == 291 and codes["0000"] == "Riket" and codes["2584"] == "Kiruna" and codes["0180"] == "Stockholm"
    assert all(len(c) == 4 and c.isdigit() for c in codes)
