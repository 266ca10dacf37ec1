"""Where the change came from: the shift-share decomposition against hand computations, the
exact variant against the goal's exact change, the published variant against its own table,
and the status × change grid."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl
import pytest
import yaml

from metrics import attainment, decomposition, goals
from metrics.goals import Target
from tests.conftest import SCHOOLS, absence_rows, build_warehouse
from ui import change_views


def table(rows: list[tuple], total: tuple | None = None) -> pl.DataFrame:
    """A unit table by hand: (unit, name, k0, n0, hidden0, k1, n1, hidden1)."""
    schema = {"unit": pl.String, "name": pl.String, "k0": pl.Int64, "n0": pl.Int64, "hidden0": pl.Boolean,
              "k1": pl.Int64, "n1": pl.Int64, "hidden1": pl.Boolean}
    if total is not None:
        rows = [*rows, (None, None, *total)]
    return pl.DataFrame(rows, schema=schema, orient="row")


def contributions(d) -> dict[str, tuple[float, float]]:
    return {r["name"]: (r["within"], r["composition"]) for r in d.units.iter_rows(named=True)}


def test_two_schools_by_hand():
    # A 10/100 -> 10/50, B 30/100 -> 30/150: P 20 % -> 20 %, P̄ = 0.2.
    # A: within (0.5 + 0.25)/2 * (0.2 - 0.1) = 0.0375; composition (0.15 - 0.2) * (0.25 - 0.5) = 0.0125
    # B: within (0.5 + 0.75)/2 * (0.2 - 0.3) = -0.0625; composition (0.25 - 0.2) * (0.75 - 0.5) = 0.0125
    d = decomposition.decompose(table([("A", "A", 10, 100, False, 10, 50, False),
                                       ("B", "B", 30, 100, False, 30, 150, False)]), exact=True)
    got = contributions(d)
    assert got["A"] == pytest.approx((0.0375, 0.0125), abs=1e-15)
    assert got["B"] == pytest.approx((-0.0625, 0.0125), abs=1e-15)
    assert d.total == 0 and d.within == pytest.approx(-0.025) and d.composition == pytest.approx(0.025)


def test_new_and_closed_units_are_composition_only():
    # A 10/100 -> 10/50 (p 0.1 -> 0.2); C closes (20/100 -> none); N opens (none -> 25/50).
    # P0 = 30/200 = 0.15, P1 = 35/100 = 0.35, P̄ = 0.25, change +0.20.
    # A: within (0.5 + 0.5)/2 * 0.1 = 0.05; composition (0.15 - 0.25) * (0.5 - 0.5) = 0
    # C: composition (0.2 - 0.25) * (0 - 0.5) = +0.025
    # N: composition (0.5 - 0.25) * (0.5 - 0) = +0.125
    d = decomposition.decompose(table([("A", "A", 10, 100, False, 10, 50, False),
                                       ("C", "C", 20, 100, False, 0, 0, False),
                                       ("N", "N", 0, 0, False, 25, 50, False)]), exact=True)
    got = contributions(d)
    assert got["A"] == pytest.approx((0.05, 0.0), abs=1e-15)
    assert got["C"] == pytest.approx((0.0, 0.025), abs=1e-15)
    assert got["N"] == pytest.approx((0.0, 0.125), abs=1e-15)
    kinds = dict(zip(d.units["name"], d.units["kind"], strict=True))
    assert kinds == {"A": "enhet", "C": "upphörd", "N": "ny"}
    assert d.total == pytest.approx(0.20, abs=1e-15)
    assert d.units["name"].to_list() == ["N", "A", "C"]  # largest contribution first


def test_published_table_adds_up_to_its_own_change_and_names_hidden_units():
    # Rounded, published counts: the total row says 15/80 -> 15/90, but the decomposition's
    # population is its shown units: G1 10/40 -> 5/20 and G2 5/40 -> 10/65; G9 hidden now.
    t = table([("G1", "Alfa", 10, 40, False, 5, 20, False), ("G2", "Beta", 5, 40, False, 10, 65, False),
               ("G9", "Gamma", 0, 0, False, None, None, True)], total=(15, 80, False, 15, 90, False))
    d = decomposition.decompose(t, exact=False)
    p0, p1 = Fraction(15, 80), Fraction(15, 85)
    assert d.baseline_share == float(p0) and d.current_share == float(p1)
    assert d.total == pytest.approx(float(p1 - p0), abs=1e-15)
    mean = (p0 + p1) / 2
    w = {"Alfa": (Fraction(40, 80), Fraction(20, 85)), "Beta": (Fraction(40, 80), Fraction(65, 85))}
    p = {"Alfa": (Fraction(10, 40), Fraction(5, 20)), "Beta": (Fraction(5, 40), Fraction(10, 65))}
    for name in ("Alfa", "Beta"):
        (w0, w1), (q0, q1) = w[name], p[name]
        within, comp = (w0 + w1) / 2 * (q1 - q0), ((q0 + q1) / 2 - mean) * (w1 - w0)
        assert contributions(d)[name] == pytest.approx((float(within), float(comp)), abs=1e-15)
    assert d.within + d.composition == pytest.approx(d.total, abs=1e-15)
    assert d.hidden == ("Gamma",)
    from metrics.goals import Target

    def leaf(kind: str, value: float) -> decomposition.Leaf:
        return decomposition.Leaf(id="g", title="G", indicator="high_absence_share", filter={}, baseline="2022/23",
                                  current="2025/26", baseline_value=0.20, target_value=None, change=-0.02,
                                  target=Target(kind=kind, value=value))

    text = " ".join(change_views.decomposition_text(d, "school", leaf("absolute_change", -2.0)))
    assert "samma publicerade tabell" in text and "1 enhet visas inte" in text and "Gamma" in text
    assert "räknad på exakta antal (−2,00 procentenheter)" in text
    assert "från 18,8 % till 17,6 %, −1,10 procentenheter" in text  # 15/80 and 15/85
    # a relative goal's change is stated in per cent, the percentage points in brackets
    text = " ".join(change_views.decomposition_text(d, "school", leaf("relative_change", -20)))
    assert "från 18,8 % till 17,6 %, −5,9 % (−1,1 procentenheter)" in text  # (15/85) / (15/80) − 1
    assert "räknad på exakta antal (−10,0 % (−2,0 procentenheter))" in text  # −0.02 / 0.20


GOALS = {
    "mandate_period": {"start": 2023, "end": 2026},
    "committees": [{"id": "BUN", "name": "Barn- och utbildningsnämnden"}],
    "goals": [{"id": "g", "committee": "BUN", "title": "Hög frånvaro ska minska", "indicator": "high_absence_share",
               "baseline_period": "2022/23", "target": {"kind": "absolute_change", "value": -2.0},
               "filter": {"operator": ["kommunal"], "school_form": ["grundskola"]}}],
}


def _pupils(prefix: str, school: str, month: date, n: int, high: int) -> list[tuple]:
    """n pupils in a school for one month, the first ``high`` with 20 % absence, the rest 5 %."""
    rows = []
    for i in range(n):
        rows += absence_rows(f"{prefix}{school}{i}", school, "5", "flicka", [(month, 1000, 200 if i < high else 50)])
    return rows


@pytest.fixture
def change_wh(tmp_path):
    # Baseline August 2022, current June 2024 (official: 2023/24). G3 is independent and Y1 a
    # gymnasium: outside the goal's population. G5 opens in 2023/24.
    schools = [*SCHOOLS, ("G5", "Nyskolan", "grundskola", "Söder", "kommunal")]
    b, c = date(2022, 8, 1), date(2024, 6, 1)
    rows = (_pupils("a", "G1", b, 20, 4) + _pupils("b", "G1", c, 10, 3) + _pupils("a", "G2", b, 20, 2)
            + _pupils("b", "G2", c, 30, 6) + _pupils("b", "G5", c, 10, 5) + _pupils("a", "G3", b, 15, 15)
            + _pupils("b", "Y1", c, 12, 1))
    wh = build_warehouse(tmp_path / "w.duckdb", schools=schools, absence=rows)
    path = tmp_path / "goals.yaml"
    path.write_text(yaml.safe_dump(GOALS, allow_unicode=True), encoding="utf-8")
    return wh, goals.load(path)


def test_exact_parts_add_up_to_the_goals_exact_change(change_wh):
    wh, cfg = change_wh
    results = attainment.evaluate_all(wh, cfg)
    (leaf,) = decomposition.leaves(results)
    assert (leaf.baseline, leaf.current) == ("2022/23", "2023/24")
    # by hand: P0 = 6/40 = 0.15, P1 = (3 + 6 + 5)/50 = 0.28 -> +0.13; P̄ = 0.215
    assert leaf.change == pytest.approx(0.13, abs=1e-12)
    by_school = decomposition.decompose(decomposition.unit_table(wh, leaf, "school", exact=True), exact=True)
    assert by_school.total == pytest.approx(0.13, abs=1e-15)
    assert by_school.within + by_school.composition == pytest.approx(leaf.change, abs=1e-15)
    got = contributions(by_school)
    # G1 (w 0.5 -> 0.2, p 0.2 -> 0.3): within 0.35 * 0.1 = 0.035, composition (0.25 - 0.215) * -0.3
    assert got["Alfaskolan"] == pytest.approx((0.035, -0.0105), abs=1e-15)
    # G2 (w 0.5 -> 0.6, p 0.1 -> 0.2): within 0.55 * 0.1 = 0.055, composition (0.15 - 0.215) * 0.1
    assert got["Betaskolan"] == pytest.approx((0.055, -0.0065), abs=1e-15)
    # G5 new (p 0.5, w 0 -> 0.2): composition (0.5 - 0.215) * 0.2
    assert got["Nyskolan"] == pytest.approx((0.0, 0.057), abs=1e-15)
    assert set(got) == {"Alfaskolan", "Betaskolan", "Nyskolan"}  # G3 and Y1 are outside the goal
    # by area: Norr = G1, Söder = G2 + G5 (7 of 20 -> 11 of 40)
    by_area = contributions(decomposition.decompose(decomposition.unit_table(wh, leaf, "area", exact=True), True))
    # Söder: w 0.5 -> 0.8, p 0.1 -> 0.275: within 0.65 * 0.175, composition (0.1875 - 0.215) * 0.3
    assert by_area["Söder"] == pytest.approx((0.11375, -0.00825), abs=1e-15)
    assert sum(sum(v) for v in by_area.values()) == pytest.approx(0.13, abs=1e-15)


def test_published_variant_is_suppressed_and_rounded(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", "5")
    schools = [*SCHOOLS, ("G5", "Nyskolan", "grundskola", "Söder", "kommunal"),
               ("G6", "Sexskolan", "grundskola", "Norr", "kommunal"), ("G7", "Sjuskolan", "grundskola", "Norr", "kommunal")]
    b, c = date(2022, 8, 1), date(2024, 6, 1)
    rows = (_pupils("a", "G1", b, 20, 4) + _pupils("b", "G1", c, 21, 6) + _pupils("a", "G2", b, 61, 12)
            + _pupils("b", "G2", c, 58, 9) + _pupils("a", "G6", b, 52, 11) + _pupils("b", "G6", c, 49, 13)
            + _pupils("a", "G7", b, 44, 16) + _pupils("b", "G7", c, 47, 12) + _pupils("b", "G5", c, 33, 10))
    wh = build_warehouse(tmp_path / "w.duckdb", schools=schools, absence=rows)
    path = tmp_path / "goals.yaml"
    path.write_text(yaml.safe_dump(GOALS, allow_unicode=True), encoding="utf-8")
    (leaf,) = decomposition.leaves(attainment.evaluate_all(wh, goals.load(path)))
    t = decomposition.unit_table(wh, leaf, "school")
    rows = {r["name"]: r for r in t.iter_rows(named=True)}
    assert rows["Alfaskolan"]["hidden0"]  # 4 of 20 is a small count
    d = decomposition.decompose(t, exact=False)
    assert "Alfaskolan" in d.hidden and "Alfaskolan" not in d.units["name"].to_list()
    shown = t.filter(pl.col("unit").is_not_null() & ~pl.col("hidden0") & ~pl.col("hidden1"))
    assert all(v % 5 == 0 for v in shown["k0"].to_list() + shown["k1"].to_list() + shown["n1"].to_list())
    assert d.total == pytest.approx(shown["k1"].sum() / shown["n1"].sum() - shown["k0"].sum() / shown["n0"].sum())


def _leaf(target_value=0.12, baseline_value=0.14, target=Target(kind="absolute_change", value=-2.0)):
    return decomposition.Leaf(id="g", title="Grundskolan", indicator="high_absence_share", filter={},
                              baseline="2022/23", current="2025/26", baseline_value=baseline_value,
                              target_value=target_value, change=None, target=target)


def test_grid_levels_and_significant_changes():
    t = table([
        ("A", "A", 50, 100, False, 10, 100, False),   # 50 % -> 10 %: at target, clearly better
        ("B", "B", 13, 100, False, 13, 100, False),   # 13 % -> 13 %: between, no change
        ("C", "C", 5, 100, False, 40, 100, False),    # 5 % -> 40 %: above baseline, clearly worse
        ("D", "D", 12, 100, False, 12, 100, False),   # exactly the target level: at target
        ("E", "E", 10, 100, False, None, None, True),  # hidden now: not placed
    ], total=(90, 500, False, 75, 400, False))
    g = decomposition.grid(t, _leaf())
    placed = {r["name"]: (r["level"], r["change_class"]) for r in g.iter_rows(named=True)}
    assert placed == {"A": ("at_target", "better"), "B": ("between", "not_significant"),
                      "C": ("above_baseline", "worse"), "D": ("at_target", "not_significant"), "E": (None, None)}
    counts = decomposition.grid_counts(g)
    assert sum(counts.values()) == 4 and len(counts) == 9
    assert counts[("at_target", "better")] == 1 and counts[("at_target", "not_significant")] == 1
    fig, export, display = change_views.status_grid(g, "school", "Nivå och förändring")
    texts = [a.text for a in fig.layout.annotations]
    assert any(t.startswith("<b>1 skolenhet</b><br>A") for t in texts)
    assert sum(t.startswith("<b>0 skolenheter</b>") for t in texts) == 5
    assert display.filter(pl.col("Skolenhet") == "E")["Nivå nu"].to_list() == ["Visas ej"]
    assert display.filter(pl.col("Skolenhet") == "A")["Andel nu"].to_list() == ["10,0 %"]


def test_grid_uses_the_goals_own_interval_for_a_relative_target():
    # A relative target's significance is the MOVER ratio interval, as on the goal card: 40 % -> 35 %
    # of 100 each is not significant by it (nor by Newcombe); 40 % -> 20 % of 200 each is.
    rel = Target(kind="relative_change", value=-20)
    t = table([("A", "A", 40, 100, False, 35, 100, False), ("B", "B", 80, 200, False, 40, 200, False)],
              total=(120, 300, False, 75, 300, False))
    g = decomposition.grid(t, _leaf(target_value=0.32, baseline_value=0.40, target=rel))
    got = {r["name"]: (r["level"], r["change_class"]) for r in g.iter_rows(named=True)}
    assert got == {"A": ("between", "not_significant"), "B": ("at_target", "better")}
    b = g.filter(pl.col("name") == "B").row(0, named=True)
    ratio = attainment.stats.mover_ratio(80, 200, 40, 200)
    assert (b["ci_low"], b["ci_high"]) == pytest.approx((ratio[0] - 1, ratio[1] - 1))


def test_decomposition_chart_and_exports():
    d = decomposition.decompose(table([("A", "Alfa", 10, 100, False, 10, 50, False),
                                       ("B", "Beta", 30, 100, False, 30, 150, False)]), exact=True)
    fig, export, display = change_views.decomposition(d, "school", "Bidrag till förändringen")
    assert [t.name for t in fig.data] == ["Förändring inom enheten", "Förskjutning mellan enheterna", "Bidrag (summa)"]
    assert fig.data[1].marker.pattern.shape == "/"  # composition is hatched, not colour alone
    # the biggest contribution first (on top of a horizontal chart: last in y), the total above it
    # (Alfa +0,05 and Beta −0,05 are as large: by name then)
    assert list(fig.data[0].y)[::-1] == ["Hela förändringen", "Alfa", "Beta"]
    assert list(fig.data[2].text)[::-1] == ["0,00 p.e.", "+5,00 p.e.", "−5,00 p.e."]
    assert list(fig.data[2].textposition)[::-1] == ["middle right", "middle right", "middle left"]
    assert export["Bidrag till förändringen"].to_list() == pytest.approx([0.05, -0.05, 0.0])
    assert display["Bidrag"].to_list() == ["+5,00 p.e.", "−5,00 p.e.", "0,00 p.e."]
    assert display["Skolenhet"].to_list()[-1] == "Totalt"
