"""Published figures are sums of published cells (DISCLOSURE.md, rule 3).

With counts rounded on their own, every level of the place hierarchy (a school, an area, a school
form, an area's municipal schools, the municipality) is an independently rounded sum of the same
pupils. Chains of seven or eight such figures can leave a hidden group inside 1-4 (the
integer-programming attacker in ``bench/attacker.py`` found 966 of 49 082 hidden pupil values on
the demo). Here, instead, only the smallest published places are rounded from the truth – the
*cells*: each school for pupils, each area for concern reports and interventions
(``catalog.Source.cells``), by breakdown value and total – and every figure above them is
computed from what the cells publish, so it tells a reader nothing the cells do not:

* every count of a cell goes in rounded to the base, but a count of 1-4, which the cell hides,
  goes in as a fixed *stand-in*, 2.5 (the middle of 1-4, so a sum of many is right on average),
  never as its truth. One rule for every count, so a count is the same whichever indicator
  publishes it (a share's denominator of all reports is the report count);
* a mean's hidden sum of days, and a share's numerator beside a denominator under 10, count at
  the ratio of the sum's shown cells (0 of 7 pupils says as much about them as 7 of 7);
* only the primary rule hides a cell: secondary suppression would hide cells that every sum
  publishes rounded anyway, and rounding protects the line (``metrics.suppression``).

A sum is hidden ('..') when every cell in it is hidden, when more of it is stand-ins than
rounded counts (its value would rest on them), or when it holds a hidden cell and would show 0
or a count the primary rule hides. The sums are rounded again to the base, which adds nothing
(a function of published figures). The cost: a sum is within half the base of the truth *per
cell*, a stand-in is off by up to 1.5, and the parts of a table need not add up to its total.

Example (base 5): Centrum's schools A (300 pupils, 3 with high absence: hidden), B (120, 14)
and C (80, 0). A contributes 300 and 2.5, B 120 and 15, C 80 and 0: Centrum is 17.5 -> 20 of
500 (the truth 17 of 500).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import polars as pl

from metrics import kinds, suppression


def stand_in(t: suppression.Thresholds) -> float:
    """The fixed value a hidden count of 1 to ``min_count - 1`` contributes: the middle of that
    range, never anything that depends on where in it the count lies. Example: 1-4 -> 2.5."""
    return t.min_count / 2


def contributions(atoms: pl.DataFrame, kind: str, t: suppression.Thresholds, base: int) -> pl.DataFrame:
    """What each cell contributes to the sums above it, from its exact counts.

    ``atoms``: one row per period, place (e.g. the school and the places it belongs to) and
    breakdown value or total, with exact ``numerator`` and ``denominator``. Returns the same rows with the contributions in ``numerator`` and
    ``denominator`` (rounded, or the stand-in; null for a mean's hidden days, which count at the
    shown cells' mean, ``sums``), ``suppressed`` (the primary rule hides the cell) and
    ``imputed_numerator`` / ``imputed_denominator`` (that count is a stand-in, or a mean's days
    are left to the shown cells).

    Only the primary rule hides a cell here: a cell that secondary suppression would hide beside
    it has no small count, and every sum it is in, and a filter on its value, publishes it
    rounded anyway (``metrics.suppression`` explains why rounding protects the line)."""
    spec = kinds.SPECS[kinds.Kind(kind)]
    none = pl.Series([False] * atoms.height, dtype=pl.Boolean)
    parts = [p for p in spec.rounded if p in atoms.columns and atoms[p].dtype != pl.Null]
    hidden = suppression.primary(atoms, kind, t).alias("suppressed")
    # a count of 1-4 (a mean's days are a sum, never a count of children)
    few = {p: atoms[p].is_between(1, t.min_count - 1).fill_null(False)
           if p in parts and not (p == "numerator" and spec.numerator_is_sum) else none
           for p in ("numerator", "denominator")}
    # a numerator left to the sum's shown cells: a mean's hidden days, and a share's pupils beside
    # a denominator under 10, which the share hides (0 of 7 pupils of another gender with high
    # absence says as much about them as 7 of 7)
    paired = hidden & atoms["denominator"].is_between(1, t.min_denominator - 1).fill_null(False) \
        if spec.numerator_within_denominator and "denominator" in parts else none
    out = atoms.with_columns(hidden, _open=(hidden if spec.numerator_is_sum else none) | paired)
    for p in parts:
        rounded = suppression.rounded(pl.col(p), base)
        value = pl.when(pl.Series(few[p])).then(pl.lit(stand_in(t))).otherwise(rounded)
        if p == "numerator":
            value = pl.when(pl.col("_open")).then(None).otherwise(value)
        out = out.with_columns(value.cast(pl.Float64).alias(p))  # a stand-in of 2.5
    return out.with_columns(imputed_numerator=pl.Series(few["numerator"]) | pl.col("_open"),
                            imputed_denominator=pl.Series(few["denominator"])).drop("_open")


def sums(cells_df: pl.DataFrame, kind: str, period_codes: Sequence[str], by: Sequence[str],
         cells: Sequence[str], t: suppression.Thresholds, base: int) -> pl.DataFrame:
    """The published table: ``period``, ``by`` (null = total, every combination as GROUP BY
    CUBE), ``numerator``, ``denominator`` (rounded sums of the ``contributions`` in ``cells_df``)
    and ``suppressed``. ``cells`` are the breakdown columns of ``cells_df`` (null = the cell's
    total); the place columns of ``by`` are grouped directly. Every period gets a grand total, 0
    when it has no cells."""
    spec = kinds.SPECS[kinds.Kind(kind)]
    den = cells_df["denominator"] if "denominator" in cells_df.columns else None
    has_den = den is not None and den.dtype != pl.Null and den.null_count() < cells_df.height
    shown = ~pl.col("suppressed")
    days = "denominator" if spec.numerator_is_sum else "numerator"

    def total(col: str, where: pl.Expr | None = None) -> pl.Expr:
        if col == "denominator" and not has_den:
            return pl.lit(0.0)
        x = pl.col(col) if where is None else pl.col(col).filter(where)
        return x.sum().cast(pl.Float64)

    frames = []
    for size in range(len(by), -1, -1):
        for chosen in combinations(by, size):
            # the cells of this grouping: a breakdown column chosen is a value, one not chosen a total
            keep = pl.lit(True)
            for d in cells:
                keep = keep & (pl.col(d).is_not_null() if d in chosen else pl.col(d).is_null())
            g = cells_df.filter(keep).group_by(["period", *chosen]).agg(
                numerator=total("numerator"), denominator=total("denominator"),
                shown_num=total("numerator", shown), shown_den=total("denominator", shown),
                # the cases whose numerator (a mean's days) is left to the shown cells' ratio
                open_den=total("denominator", pl.col("numerator").is_null()),
                # how much of each count is stand-ins (a mean's days: measured in its cases)
                imputed_num=total(days, pl.col("imputed_numerator")),
                rounded_num=total(days, ~pl.col("imputed_numerator")),
                imputed_den=total("denominator", pl.col("imputed_denominator")),
                rounded_den=total("denominator", ~pl.col("imputed_denominator")),
                n=pl.len(), n_hidden=pl.col("suppressed").sum())
            if spec.numerator_within_denominator:
                # e.g. shown cells with 30 of 200 pupils: a hidden cell's 10 pupils add 10 * 0.15 = 1.5;
                # shown cells with 300 days over 25 cases: a hidden cell's 7 cases add 7 * 12 = 84 days
                ratio = pl.when(pl.col("shown_den") > 0).then(pl.col("shown_num") / pl.col("shown_den"))
                g = g.with_columns(numerator=pl.col("numerator") + pl.col("open_den") * ratio.fill_null(0))
            frames.append(g.with_columns([pl.lit(None, pl.String).alias(d) for d in by if d not in chosen])
                          .select("period", *by, "numerator", "denominator", "n", "n_hidden",
                                  mostly_imputed=(pl.col("imputed_num") > pl.col("rounded_num"))
                                  | (pl.col("imputed_den") > pl.col("rounded_den"))))
    df = pl.concat(frames, how="vertical")
    totals = pl.DataFrame({"period": list(period_codes)}).with_columns(
        [pl.lit(None, pl.String).alias(d) for d in by])
    missing = totals.join(df.select("period", *by), on=["period", *by], how="anti", nulls_equal=True)
    if missing.height:
        empty = missing.with_columns(numerator=pl.lit(0.0), denominator=pl.lit(0.0), n=pl.lit(0, pl.UInt32),
                                     n_hidden=pl.lit(0, pl.UInt32), mostly_imputed=pl.lit(False))
        df = pl.concat([df, empty.select(df.columns)], how="vertical_relaxed")
    num_type = pl.Float64 if spec.numerator_is_sum else pl.Int64
    df = df.with_columns(numerator=suppression.rounded(pl.col("numerator"), base).cast(num_type),
                         denominator=suppression.rounded(pl.col("denominator"), base).cast(pl.Int64)
                         if has_den else pl.lit(None, pl.Int64))
    # A sum is hidden when every cell in it is hidden; when more of it is imputed than rounded
    # (its value would rest on stand-ins: the whole municipality's 164 pupils of another gender,
    # most of them in cells of 1-9); or when it holds a hidden cell and would show a count the
    # rule hides, or 0 (never a zero beside a '..').
    rule = spec.suppress(t.min_count, t.min_denominator).fill_null(False)
    zero = pl.col("denominator") == 0 if has_den else pl.lit(False)
    if not spec.numerator_is_sum:
        zero = zero | (pl.col("numerator") == 0)
    all_hidden = (pl.col("n") > 0) & (pl.col("n_hidden") == pl.col("n"))
    hide = all_hidden | pl.col("mostly_imputed") | ((pl.col("n_hidden") > 0) & (rule | zero))
    return df.with_columns(suppressed=hide.fill_null(False)).drop("n", "n_hidden", "mostly_imputed")


def known_parts(kind: str, numerator: float | None, denominator: int | None,
                t: suppression.Thresholds) -> dict[str, bool]:
    """Which exact counts of a hidden cell go into the sums above it rounded (``True``), rather
    than as the stand-in or at the shown cells' mean: what a reader of the sums can know of the
    cell (the attacker in ``bench/attacker.py`` models it as published).

    Example (share, 5 and 10): 3 of 300 -> numerator False, denominator True; 7 of 8 -> the
    numerator False (at the shown cells' ratio), the denominator True (10); 0 of 3 -> both False."""
    spec = kinds.SPECS[kinds.Kind(kind)]

    def few(x) -> bool:
        return x is not None and 1 <= int(round(x)) < t.min_count

    small_den = denominator is not None and 1 <= denominator < t.min_denominator
    open_numerator = spec.numerator_is_sum or (spec.numerator_within_denominator and small_den)
    return {"numerator": not open_numerator and not few(numerator), "denominator": not few(denominator)}
