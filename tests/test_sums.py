"""Published figures above a school are sums of the published school cells (metrics.sums).

Hand-written schools with the expected contributions and sums worked out by hand from the rule
in DISCLOSURE.md ("Summor"), never from the module's own output.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from metrics import sums
from metrics.suppression import Thresholds

T = Thresholds(5, 10)


def cells(rows: list[tuple], count: bool = False) -> pl.DataFrame:
    """(area, school, gender or None, numerator, denominator) for period 2024/25."""
    return pl.DataFrame(
        {"period": ["2024/25"] * len(rows), "area": [r[0] for r in rows], "school": [r[1] for r in rows],
         "gender": [r[2] for r in rows], "numerator": [r[3] for r in rows],
         "denominator": [None if count else r[4] for r in rows]},
        schema={"period": pl.String, "area": pl.String, "school": pl.String, "gender": pl.String,
                "numerator": pl.Int64, "denominator": pl.Int64})


def published(rows, kind="share", by=("area",), dims=(), count=False) -> dict[tuple, dict]:
    c = sums.contributions(cells(rows, count), kind, T, 5)
    out = sums.sums(c, kind, ["2024/25"], list(by), list(dims), T, 5)
    return {tuple(r[d] for d in by): r for r in out.iter_rows(named=True)}


def test_a_hidden_school_adds_its_large_denominator_and_a_stand_in_for_its_small_numerator():
    # A: 3 of 300 (hidden: 3 is 1-4) -> 2.5 and 300; B: 14 of 120 -> 15 and 120; C: 0 of 80.
    # Centrum: 2.5 + 15 + 0 = 17.5 -> 20 of 500; the truth is 17 of 500.
    t = published([("Centrum", "A", None, 3, 300), ("Centrum", "B", None, 14, 120), ("Centrum", "C", None, 0, 80),
                   ("Norr", "D", None, 41, 212)])
    assert (t[("Centrum",)]["numerator"], t[("Centrum",)]["denominator"]) == (20, 500)
    assert not t[("Centrum",)]["suppressed"]
    # the municipality: 2.5 + 15 + 0 + 40 = 57.5 -> 60 of 300 + 120 + 80 + 210 = 710
    assert (t[(None,)]["numerator"], t[(None,)]["denominator"]) == (60, 710)


def test_a_hidden_share_adds_its_denominator_rounded_and_its_numerator_at_the_ratio():
    # E: 7 of 8 (hidden: 8 < 10): the 8 is no count of 1-4 and goes in as 10, as the pupil or
    # report count publishes it; its 7 at the ratio of the shown F, 30 of 200: 10 * 0.15 = 1.5.
    # Väster: 31.5 -> 30 of 210 (never 7 of 8's 87,5 %)
    t = published([("Väster", "E", None, 7, 8), ("Väster", "F", None, 31, 199)])
    assert (t[("Väster",)]["numerator"], t[("Väster",)]["denominator"]) == (30, 210)


def test_a_sum_of_hidden_cells_only_or_mostly_is_hidden():
    t = published([("Norr", "G", None, 2, 40), ("Söder", "M", None, 1, 40), ("Söder", "N", None, 2, 50),
                   ("Söder", "O", None, 0, 60)])
    assert t[("Norr",)]["suppressed"]  # its only cell is hidden
    # Söder: 2.5 + 2.5 stand-ins against a rounded 0 in its numerator: it would rest on them
    assert t[("Söder",)]["suppressed"]
    # a count: one hidden school (stand-in 2.5) beside a shown zero is all stand-in: hidden, not 5
    c = published([("Öster", "J", None, 3, None), ("Öster", "K", None, 0, None)], kind="count", count=True)
    assert c[("Öster",)]["suppressed"]


def test_only_the_primary_rule_hides_a_school_cell():
    # School X: 57 reports, 23 girls, 33 boys, 1 of another gender (hidden: stand-in 2.5). The
    # girls are not hidden beside it (every sum publishes them rounded anyway): 25. School Y: 40
    # girls.
    rows = [("Centrum", "X", None, 57, None), ("Centrum", "X", "flicka", 23, None), ("Centrum", "X", "pojke", 33, None),
            ("Centrum", "X", "annat", 1, None),
            ("Centrum", "Y", None, 40, None), ("Centrum", "Y", "flicka", 40, None), ("Centrum", "Y", "pojke", 0, None)]
    c = sums.contributions(cells(rows, True), "count", T, 5)
    by = {(r["school"], r["gender"]): r for r in c.iter_rows(named=True)}
    assert not by[("X", "flicka")]["suppressed"] and by[("X", "flicka")]["numerator"] == 25
    assert by[("X", "annat")]["suppressed"] and by[("X", "annat")]["numerator"] == 2.5
    t = published(rows, kind="count", by=("gender",), dims=("gender",), count=True)
    assert t[("flicka",)]["numerator"] == 65  # 25 + 40 (truth 63)
    assert t[("annat",)]["suppressed"]  # one hidden cell only
    assert t[(None,)]["numerator"] == 95  # 55 + 40


def test_stand_ins_and_known_parts_follow_the_kinds_rules():
    assert sums.stand_in(T) == 2.5
    assert sums.known_parts("share", 3, 300, T) == {"numerator": False, "denominator": True}
    assert sums.known_parts("share", 7, 8, T) == {"numerator": False, "denominator": True}
    assert sums.known_parts("share", 0, 30, T) == {"numerator": True, "denominator": True}
    assert sums.known_parts("share", 1, 3, T) == {"numerator": False, "denominator": False}
    assert sums.known_parts("share", 0, 3, T) == {"numerator": False, "denominator": False}
    assert sums.known_parts("count", 3, None, T) == {"numerator": False, "denominator": True}
    assert sums.known_parts("mean", 40.0, 12, T)["numerator"] is False  # days: at the shown mean


@pytest.mark.parametrize("kind", ["share", "count"])
def test_every_period_gets_a_total_even_without_cells(kind):
    empty = cells([], count=kind == "count")
    c = sums.contributions(empty, kind, T, 5)
    out = sums.sums(c, kind, ["2024/25"], ["area"], [], T, 5)
    total = out.row(0, named=True)
    assert (total["area"], total["numerator"], total["suppressed"]) == (None, 0, False)


# --- the premise, on the demo: every published figure above a school is a sum of its cells -----

def _r5(x: float) -> int:
    return 5 * math.floor((2 * x + 5) / 10)


def _by_hand(cells_rows: list[dict], group) -> dict[tuple, tuple[int, int | None] | None]:
    """The rule of DISCLOSURE.md (rule 3), written out again in plain Python for shares and
    counts: each cell's contribution, summed per ``group(row)``, rounded; None = hidden."""
    acc: dict[tuple, dict] = {}
    for r in cells_rows:
        num, den = r["numerator"], r["denominator"]
        share = den is not None
        hidden = 1 <= num <= 4 or (share and 1 <= den <= 9)
        a = acc.setdefault(group(r), dict.fromkeys(
            ("num", "den", "n", "hidden", "stand_num", "round_num", "stand_den", "round_den", "open",
             "shown_num", "shown_den"), 0.0))
        a["share"] = share
        a["n"] += 1
        a["hidden"] += hidden
        if not hidden:
            a["shown_num"] += _r5(num)
            a["shown_den"] += _r5(den) if share else 0
        open_num = share and 1 <= den <= 9  # a hidden share's pupils: at the shown cells' ratio
        for part, x in (("num", None if open_num else num), ("den", den if share else None)):
            if x is None:
                continue
            if 1 <= x <= 4:  # the stand-in
                a[part] += 2.5
                a["stand_" + part] += 2.5
            else:
                a[part] += _r5(x)
                a["round_" + part] += _r5(x)
        if open_num:
            a["open"] += 2.5 if den <= 4 else _r5(den)
    out = {}
    for key, a in acc.items():
        share = a["share"]
        ratio = a["shown_num"] / a["shown_den"] if share and a["shown_den"] else 0
        shown_num = _r5(a["num"] + a["open"] * ratio)
        shown_den = _r5(a["den"]) if share else None
        hidden = (a["hidden"] == a["n"] or a["stand_num"] > a["round_num"]
                  or (share and a["stand_den"] > a["round_den"]))
        if a["hidden"]:
            hidden |= shown_num == 0 or (share and shown_den < 10)
        out[key] = None if hidden else (shown_num, shown_den)
    return out


@pytest.mark.parametrize("name,period,dim", [
    ("high_absence_share", "2024/25", "gender"),
    ("very_high_absence_share", "2025-02", "grade"),
    ("report_count", "HT2025", "decision"),
])
def test_the_demos_published_sums_are_the_rule_applied_to_the_cells(demo_wh, name, period, dim):
    from bench import attacker
    from metrics import catalog, engine

    keys = engine.cell_keys(catalog.get(name))  # a school for pupils, an area for reports
    tru = attacker.truth(demo_wh, name, period, by=[*keys, dim])
    cells_rows = [r for r in tru.iter_rows(named=True) if all(r[k] is not None for k in keys)]
    if name == "report_count":
        for r in cells_rows:
            r["denominator"] = None
    pub = attacker.published(demo_wh, attacker.Rules(base=5), name, period, by=["area", dim])
    expected = _by_hand(cells_rows, lambda r: (r["area"], r[dim]))
    expected.update(_by_hand(cells_rows, lambda r: (None, r[dim])))
    checked = hidden = 0
    for r in pub.iter_rows(named=True):
        key = (r["area"], r[dim])
        want = expected.get(key, (0, 0 if name != "report_count" else None))
        got = None if r["suppressed"] else (r["numerator"], r["denominator"])
        assert got == want, (key, got, want)
        checked += 1
        hidden += got is None
    assert checked > 20 and hidden >= 1, (checked, hidden)
