"""The command line: documented JSON on the demo warehouse, Swedish errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import cli
from metrics import catalog
from tests.conftest import ROOT


def run(*args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_status_json_on_the_demo(demo_db):
    out = run("status", "--db", str(demo_db), "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [g["id"] for g in data] == ["bun-hog-franvaro", "sn-hog-franvaro-insats"]
    assert {g["committee"] for g in data} == {"BUN", "SN"}
    for goal in [data[1], *data[0]["parts"]]:
        for key in ("baseline", "current"):
            assert {"period", "value", "numerator", "denominator"} <= set(goal[key])
            assert 0 < goal[key]["value"] < 1  # a fraction, not a percentage
        assert goal["status"] in ("achieved", "partly", "not_achieved", "no_data")
        assert goal["target"]["kind"] in ("absolute_change", "relative_change")


def test_status_table_and_period(demo_db):
    out = run("status", "--db", str(demo_db), "--period", "2023/24")
    assert out.returncode == 0, out.stderr
    assert "bun-hog-franvaro" in out.stdout and "Uppnått" in out.stdout
    # one block per goal, headed by its title, that reads in a terminal of 100 columns
    from data import settings as app_settings
    from metrics import goals as goal_config

    titles = [g.title for g in goal_config.load(app_settings.goals_path()).goals]
    assert all(f"{t} (" in out.stdout for t in titles), titles
    assert max(len(line) for line in out.stdout.splitlines()) <= 100


def test_metric_list_names_every_indicator():
    out = run("metric", "--list")
    for ind in catalog.INDICATORS:
        assert ind.name in out.stdout and ind.label in out.stdout


def test_metric_json_for_every_indicator(demo_db, capsys):
    for ind in catalog.INDICATORS:
        rc = cli.main(["metric", ind.name, "--period", "2024/25", "--by", ind.dims[0], "--db",
                       str(demo_db), "--format", "json"])
        assert rc == 0, ind.name
        data = json.loads(capsys.readouterr().out)
        assert data["metric"] == ind.name and data["period"] == "2024/25"
        for row in data["rows"]:
            assert {ind.dims[0], "numerator", "denominator", "value", "ci_low", "ci_high",
                    "suppressed"} <= set(row)
            if row["suppressed"]:
                assert row["value"] is None and row["numerator"] is None


def test_metric_csv_and_filter(demo_db):
    out = run("metric", "high_absence_share", "--period", "HT2024", "--by", "area", "--filter",
              "school_form=grundskola", "--db", str(demo_db), "--format", "csv")
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0]
    assert header == "area,numerator,denominator,value,ci_low,ci_high,suppressed,coverage,covered_from,covered_until,missing"


@pytest.mark.parametrize("args,message", [
    (["metric", "nope"], "Okänd indikator 'nope'"),
    (["metric", "report_count", "--by", "grade"], "kan inte delas upp på grade"),
    (["metric", "report_count", "--period", "hösten"], "Okänd period 'hösten'"),
    (["status", "--goals", "/nonexistent/goals.yaml"], "Målfilen /nonexistent/goals.yaml finns inte"),
    # a filter value nothing matches would give an empty row that reads like a zero
    (["metric", "high_absence_share", "--filter", "school_form=grundskolan"],
     "Filtret 'school_form' har okända värden (grundskolan). Möjliga: forskola, grundskola, gymnasieskola."),
    (["metric", "high_absence_share", "--filter", "area=norr"], "Filtret 'area' har okända värden (norr)."),
    (["metric", "report_count", "--filter", "school=X99"], "Filtret 'school' har okända värden (X99)."),
])
def test_errors_are_swedish_without_traceback(demo_db, args, message):
    out = run(*args, "--db", str(demo_db))
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_a_yes_no_filter_takes_ja_or_nej(demo_db):
    """with_intervention=ja is the pupils with an intervention (the same figures as the engine's
    true); a word that is neither is refused in Swedish, not an internal conversion error."""
    from data.warehouse import Warehouse
    from metrics import engine

    rows = {}
    for word in ("ja", "nej"):
        out = run("metric", "high_absence_share", "--period", "2024/25", "--filter", f"with_intervention={word}",
                  "--db", str(demo_db), "--format", "json")
        assert out.returncode == 0, out.stderr
        rows[word] = json.loads(out.stdout)["rows"][0]
    wh = Warehouse(demo_db)
    for word, flag in (("ja", True), ("nej", False)):
        want = engine.evaluate(wh, "high_absence_share", "2024/25", filters={"with_intervention": flag}).row(0, named=True)
        assert (rows[word]["numerator"], rows[word]["denominator"]) == (want["numerator"], want["denominator"])
    assert rows["ja"]["denominator"] < rows["nej"]["denominator"]  # few pupils have an intervention
    out = run("metric", "high_absence_share", "--filter", "with_intervention=kanske", "--db", str(demo_db))
    assert out.returncode == 2 and "Filtret 'with_intervention' är ja eller nej" in out.stderr
    assert "Traceback" not in out.stderr and "Conversion" not in out.stderr


def test_a_period_outside_the_data_says_so(demo_db):
    """An empty row is not zeros: the table says the period has no data and where the data lie."""
    from data.warehouse import Warehouse
    from metrics import engine

    first, last = engine.data_span(Warehouse(demo_db), "pupils")
    out = run("metric", "high_absence_share", "--period", "HT2030", "--db", str(demo_db))
    assert out.returncode == 0, out.stderr
    assert (f"Underlaget har inga data för perioden (data finns från {first.isoformat()} till "
            f"{last.isoformat()}).") in out.stdout
    inside = run("metric", "high_absence_share", "--period", "HT2024", "--db", str(demo_db))
    assert "inga data för perioden" not in inside.stdout


def test_missing_database_says_how_to_build_it(tmp_path):
    out = run("status", "--db", str(tmp_path / "none.duckdb"))
    assert out.returncode == 2 and "python cli.py demo" in out.stderr


def test_explain_prints_the_sql_that_gives_the_number(demo_db):
    out = run("metric", "report_count", "--period", "2025", "--by", "area", "--filter", "reporter_category=skola",
              "--explain", "--db", str(demo_db))
    assert out.returncode == 0, out.stderr
    sql = "\n".join(line for line in out.stdout.splitlines() if not line.startswith("--"))
    assert "GROUP BY period, CUBE(area)" in sql and "-- parametrar (?): ['skola']" in out.stdout
    from data.warehouse import Warehouse

    wh = Warehouse(demo_db)
    rows = wh.sql(sql, params=["skola"])
    total = rows.filter(rows["area"].is_null())["numerator"][0]
    plain = wh.fetchone("SELECT count(*) FROM reports WHERE year(received_date) = 2025 "
                        "AND reporter_category = 'skola'")[0]
    assert total == plain


@pytest.fixture(scope="module")
def stockholm_2014(tmp_path_factory):
    """DOMAIN.md's Stockholm audit, 2014, two districts: Farsta 12,716 residents aged 0-20, 1,424
    reports, 808 of them investigated (56.7 %); Hässelby-Vällingby 18,744 / 2,559 / 1,385."""
    from datetime import date, timedelta

    from tests.conftest import build_warehouse

    rows = []
    for area, n, opened in (("Farsta", 1424, 808), ("Hässelby-Vällingby", 2559, 1385)):
        for i in range(n):
            day = date(2014, 1, 1) + timedelta(days=i % 365)
            decision = "utredning_inleds" if i < opened else ("utredning_inleds_ej", "pagaende_utredning")[i % 2]
            rows.append((f"{area[:2]}{i}", f"{area[:2]}C{i}", day, "flicka" if i % 2 else "pojke", i % 21, "skola",
                         None, area, decision, day, None, None, None, None))
    population = [(2014, "Farsta", 0, 20, 12716), (2014, "Hässelby-Vällingby", 0, 20, 18744)]
    return build_warehouse(tmp_path_factory.mktemp("stockholm") / "w.duckdb", reports=rows,
                           population=population).path


def test_exact_figures_reproduce_the_source_system_and_are_logged(stockholm_2014, tmp_path):
    import os

    from data import store
    from ui import format as fmt

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    env = {**os.environ, "SAMVERKAN_ROUNDING_BASE": "5", "SAMVERKAN_STORE_URL": url}

    def farsta(name, *extra):
        out = run("metric", name, "--period", "2014", "--by", "area", "--format", "json", *extra,
                  "--db", str(stockholm_2014), env=env)
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        return data, next(r for r in data["rows"] if r["area"] == "Farsta")

    # published: rounded counts, and a share that does not match the annual report
    _, shown = farsta("investigation_share_all")
    assert (shown["numerator"], shown["denominator"]) == (810, 1425) and fmt.pct(shown["value"]) == "56,8 %"
    assert not store.audit_events(url, action="exact")
    data, exact = farsta("investigation_share_all", "--exact", "--user", "analytiker@kommun.se")
    assert (exact["numerator"], exact["denominator"]) == (808, 1424) and fmt.pct(exact["value"]) == "56,7 %"
    assert data["exact"] is True and data["note"] == fmt.EXACT_NOTE
    _, rate = farsta("report_rate_per_1000", "--exact")
    assert rate["numerator"] == 1424 and rate["denominator"] == 12716
    assert fmt.decimal(rate["value"], 1) == "112,0"  # 1 424 / 12 716 × 1 000 = 111,98
    _, rounded_rate = farsta("report_rate_per_1000")
    assert fmt.decimal(rounded_rate["value"], 1) == "112,1"  # 1 425 / 12 716 × 1 000
    logged = store.audit_events(url, action="exact")
    assert len(logged) == 2 and logged[-1].user_id == "analytiker@kommun.se"
    assert "cli.py metric investigation_share_all --period 2014 --by area --exact" == logged[-1].detail
    table = run("metric", "investigation_share_all", "--period", "2014", "--by", "area", "--exact",
                "--db", str(stockholm_2014), env=env)
    assert fmt.EXACT_NOTE in table.stdout
    # the text table reads as the page does: 56,7 % of 1 424 reports, not the fraction 0.5674
    farsta = next(line for line in table.stdout.splitlines() if line.startswith("Farsta"))
    assert farsta.split()[1:3] == ["56,7", "%"] and fmt.number(808) in farsta and fmt.number(1424) in farsta
    rates = run("metric", "report_rate_per_1000", "--period", "2014", "--by", "area", "--exact",
                "--db", str(stockholm_2014), env=env)
    farsta = next(line for line in rates.stdout.splitlines() if line.startswith("Farsta"))
    assert farsta.split()[1] == "112,0" and fmt.number(12716) in farsta, farsta
