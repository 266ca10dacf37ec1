"""Small-count suppression: the primary rules and the secondary-suppression property."""

from __future__ import annotations

import itertools

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import suppression
from metrics.suppression import Thresholds

T = Thresholds(min_count=5, min_denominator=10)


def _table(rows):
    return pl.DataFrame(rows, schema={"a": pl.String, "numerator": pl.Int64, "denominator": pl.Int64},
                        orient="row")


def test_primary_rules_for_shares():
    df = _table([("x", 0, 50), ("y", 3, 50), ("z", 5, 9), ("w", 5, 10), ("v", 4, 4), (None, 17, 123)])
    flags = suppression.primary(df, "share", T).to_list()
    # zero is shown; 1-4 is hidden; a denominator below 10 is hidden; 5 of 10 is shown
    assert flags == [False, True, True, False, True, False]


def test_primary_rules_for_counts_rates_means():
    df = _table([("x", 0, None), ("y", 4, None), ("z", 5, None)])
    assert suppression.primary(df, "count", T).to_list() == [False, True, False]
    rate = _table([("x", 3, 100000), ("y", 7, 3)])
    assert suppression.primary(rate, "rate", T).to_list() == [True, False]  # residents are public
    mean = _table([("x", 300, 9), ("y", 3, 10)])
    assert suppression.primary(mean, "mean", T).to_list() == [True, False]  # numerator is days


def test_secondary_suppression_protects_a_lone_cell():
    df = _table([("x", 3, 40), ("y", 20, 60), ("z", 30, 80), (None, 53, 180)])
    out = suppression.apply(df.with_columns(value=pl.col("numerator") / pl.col("denominator")),
                            "share", ["a"], T)
    hidden = out.filter(pl.col("suppressed"))["a"].to_list()
    # x is small; y (the smallest other cell) is hidden too so x cannot be recovered from the total
    assert hidden == ["x", "y"]
    assert out.filter(pl.col("a") == "y")["numerator"].to_list() == [None]


def test_line_with_a_single_cell_hides_its_total():
    df = _table([("x", 3, 40), (None, 3, 40)])
    out = suppression.apply(df, "share", ["a"], T)
    assert out["suppressed"].to_list() == [True, True]


def _cube(cells: dict[tuple[str, str], tuple[int, int]]) -> pl.DataFrame:
    rows = []
    keys_a = sorted({a for a, _ in cells})
    keys_b = sorted({b for _, b in cells})
    for a, b in itertools.product([*keys_a, None], [*keys_b, None]):
        members = [v for (ca, cb), v in cells.items() if (a is None or ca == a) and (b is None or cb == b)]
        if not members:
            continue
        rows.append((a, b, sum(m[0] for m in members), sum(m[1] for m in members)))
    return pl.DataFrame(rows, schema={"a": pl.String, "b": pl.String, "numerator": pl.Int64,
                                      "denominator": pl.Int64}, orient="row")


counts = st.integers(min_value=0, max_value=40)


@settings(max_examples=300, deadline=None)
@given(
    n_a=st.integers(1, 4), n_b=st.integers(1, 4),
    data=st.data(),
)
def test_no_line_of_a_table_with_totals_has_exactly_one_suppressed_cell(n_a, n_b, data):
    cells = {}
    for i, j in itertools.product(range(n_a), range(n_b)):
        num = data.draw(counts)
        extra = data.draw(counts)
        cells[(f"a{i}", f"b{j}")] = (num, num + extra)
    df = _cube(cells)
    out = suppression.apply(df, "share", ["a", "b"], T)
    flags = {(r["a"], r["b"]): r["suppressed"] for r in out.iter_rows(named=True)}
    # every primary candidate is suppressed
    for r in df.iter_rows(named=True):
        small = 0 < r["numerator"] < 5 or 0 < r["denominator"] < 10
        if small:
            assert flags[(r["a"], r["b"])]
    # every row and column (with its margin) has none or at least two suppressed cells
    a_keys = {k[0] for k in flags}
    b_keys = {k[1] for k in flags}
    for a in a_keys:
        line = [flags[(a, b)] for b in b_keys if (a, b) in flags]
        assert sum(line) != 1, (a, line)
    for b in b_keys:
        line = [flags[(a, b)] for a in a_keys if (a, b) in flags]
        assert sum(line) != 1, (b, line)
    # suppressed rows carry no numbers
    hidden = out.filter(pl.col("suppressed"))
    assert hidden["numerator"].null_count() == hidden.height


def test_rounding_protects_a_line_except_near_zero():
    # base 5 and min_count 5 protect a line; base 3 and base 1 do not
    assert suppression.rounding_protects(5, T) and not suppression.rounding_protects(3, T)
    assert not suppression.rounding_protects(1, T)
    # the municipality by gender, very high absence (by hand): 90 = 45 girls + 40 boys + 1-4
    # others. Rounded, 88..92 - 43..47 - 38..42 leaves the others 0..11: nothing more is hidden
    wide = pl.DataFrame({"g": ["annat", "flicka", "pojke", None], "numerator": [3, 45, 40, 88],
                         "denominator": [165, 10505, 10754, 21424]})
    assert suppression.flags(wide, "share", ["g"], T, base=5).to_list() == [True, False, False, False]
    # with exact counts (base 1) the same line hides the smallest other cell too
    assert suppression.flags(wide, "share", ["g"], T, base=1).to_list() == [True, True, False, False]
    # a school's month: 57 = 23 + 34 + 0 others with 7 pupils. Rounded, 53..57 - 23..27 - 33..37
    # leaves the others' count 0..1, which other tables can pin: the girls are hidden as well
    narrow = pl.DataFrame({"g": ["annat", "flicka", "pojke", None], "numerator": [0, 23, 34, 57],
                           "denominator": [7, 314, 361, 682]})
    assert suppression.flags(narrow, "share", ["g"], T, base=5).to_list() == [True, True, False, False]
