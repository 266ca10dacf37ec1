"""Published figures above a school are sums of the published school cells (DISCLOSURE.md).

With counts rounded on their own, every level of the place hierarchy (a school, an area, a school
form, an area's municipal schools, the municipality) is an independently rounded sum of the same
pupils. Chains of seven or eight such figures can leave a hidden group inside 1-4 (the
integer-programming attacker in ``bench/attacker.py`` found 966 of 49 082 hidden pupil values on
the demo). Here, instead, only a school's own cells are rounded from the truth – each school by
breakdown value and its total, the *cells* – and every figure above a school is computed from
what those cells publish, so it tells a reader nothing the cells do not:

* a shown cell contributes its rounded counts;
* a hidden cell contributes a fixed *stand-in* for each count its rule hides, never its truth
  (2.5 for a count of 1-4, 7 for a share's or mean's denominator of 5-9: the middle of the
  range, so a sum of many is right on average), and its rounded value
  for a count that is not hidden (a school's 300 pupils beside its 3 with high absence: the 300
  is no secret, and leaving it out would take 295 pupils from the area);
* a share's numerator beside a hidden denominator, and a mean's hidden sum of days, count at
  the ratio of the sum's shown cells (a function of published figures again);
* only the primary rule hides a school cell: secondary suppression would hide cells that every
  sum publishes rounded anyway, and rounding protects the line (``metrics.suppression``).

A sum is hidden ('..') when every cell in it is hidden, when more of it is imputed than
rounded, or when it holds a hidden cell and would show 0 or a count the primary rule hides.
The sums are rounded again to the base, which adds nothing (a function of published figures).
The cost: a sum is within half the base of the truth *per school cell*, and a stand-in is off
by up to 2 (DISCLOSURE.md, rule 3).

Example (base 5): Centrum's schools A (300 pupils, 3 with high absence: hidden), B (120, 14)
and C (80, 0). A contributes 300 and 2.5, B 120 and 15, C 80 and 0: Centrum is 17.5 -> 20 of
500 (the truth 17 of 500).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from itertools import combinations

import polars as pl

from metrics import kinds, suppression


@functools.cache
def _hidden_when(kind: str, part: str, t: suppression.Thresholds) -> tuple[int, ...]:
    """The values of one count the kind's rule hides, the other count out of the way (a
    numerator beside a huge denominator, a denominator beside a zero numerator). Example
    (share, 5 and 10): numerator 1-4, denominator 1-9; a mean's numerator (days): none."""
    rule = kinds.SPECS[kinds.Kind(kind)].suppress(t.min_count, t.min_denominator)
    top = max(t.min_count, t.min_denominator)
    values = list(range(top + 1))
    other = "denominator" if part == "numerator" else "numerator"
    probe = pl.DataFrame({part: values, other: [10 ** 9 if part == "numerator" else 0] * len(values)},
                         schema={part: pl.Int64, other: pl.Int64})
    flags = probe.select(rule.fill_null(False).alias("h"))["h"].to_list()
    return tuple(v for v, h in zip(values, flags, strict=True) if h)


def stand_in(value: pl.Expr, t: suppression.Thresholds) -> pl.Expr:
    """The fixed value a hidden count contributes in place of ``value``: the middle of the range
    it is hidden in, never anything that depends on where in that range it lies. Example (5 and
    10): a count of 1-4 -> 2.5; a share's or mean's denominator of 5-9 -> 7."""
    return pl.when(value < t.min_count).then(pl.lit(t.min_count / 2)) \
        .otherwise(pl.lit((t.min_count + t.min_denominator - 1) / 2))


def school_cells(atoms: pl.DataFrame, kind: str, keys: Sequence[str], cells: Sequence[str],
                 t: suppression.Thresholds, base: int) -> pl.DataFrame:
    """What each school cell contributes to the sums above it, from its exact counts.

    ``atoms``: one row per period, school (``keys``: the school and the places it belongs to)
    and breakdown value or total (``cells``, null = total), with exact ``numerator`` and
    ``denominator``. Returns the same rows with the contributions in ``numerator`` and
    ``denominator`` (rounded, or stand-ins; null for a numerator that counts at the ratio of the
    shown cells, ``sums``), ``suppressed`` (the primary rule hides it) and ``imputed`` (its
    cases are stand-ins or its numerator is left to the ratio).

    Only the primary rule hides a cell here: a cell that secondary suppression would hide beside
    it has no small count, and every sum it is in, and a filter on its value, publishes it
    rounded anyway (``metrics.suppression`` explains why rounding protects the line)."""
    spec = kinds.SPECS[kinds.Kind(kind)]
    none = pl.Series([False] * atoms.height, dtype=pl.Boolean)
    parts = [p for p in spec.rounded if p in atoms.columns and atoms[p].dtype != pl.Null]
    # hidden by the kind's rule: a share's numerator of 1-4, its denominator of 1-9
    small = {p: atoms[p].is_in(list(_hidden_when(kind, p, t))).fill_null(False) if p in parts else none
             for p in ("numerator", "denominator")}
    hidden = (small["numerator"] | small["denominator"]).alias("suppressed")
    # a share's pupils or a mean's days go with their cases: beside a hidden denominator the
    # numerator is left to the ratio of the sum's shown cells, so 1-9 pupils of another gender
    # do not count as 2.5 of 7; a mean's hidden days always are
    paired = spec.numerator_within_denominator
    open_numerator = (small["denominator"] if paired else none) | (hidden if spec.numerator_is_sum else none)
    out = atoms.with_columns(hidden, _open=open_numerator)
    for p in parts:
        rounded = suppression.rounded(pl.col(p), base)
        value = pl.when(pl.Series(small[p])).then(stand_in(pl.col(p), t)).otherwise(rounded)
        if p == "numerator":
            value = pl.when(pl.col("_open")).then(None).otherwise(value)
        out = out.with_columns(value.cast(pl.Float64).alias(p))  # a stand-in of 2.5
    main = "denominator" if "denominator" in parts else "numerator"
    return out.with_columns(imputed=pl.Series(small[main]) | pl.col("_open")).drop("_open")


def sums(cells_df: pl.DataFrame, kind: str, period_codes: Sequence[str], by: Sequence[str],
         cells: Sequence[str], t: suppression.Thresholds, base: int) -> pl.DataFrame:
    """The published table: ``period``, ``by`` (null = total, every combination as GROUP BY
    CUBE), ``numerator``, ``denominator`` (rounded sums of the contributions of ``school_cells``)
    and ``suppressed``. Every period gets a grand total, 0 when it has no cells."""
    spec = kinds.SPECS[kinds.Kind(kind)]
    den = cells_df["denominator"] if "denominator" in cells_df.columns else None
    has_den = den is not None and den.dtype != pl.Null and den.null_count() < cells_df.height
    main = "denominator" if has_den else "numerator"  # what "how much of the sum" is measured in
    shown, imputed = ~pl.col("suppressed"), pl.col("imputed")

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
                # the denominators whose numerator is left to the shown cells' ratio
                open_den=total("denominator", pl.col("numerator").is_null()),
                imputed_part=total(main, imputed), rounded_part=total(main, ~imputed),
                n=pl.len(), n_hidden=pl.col("suppressed").sum())
            if spec.numerator_within_denominator:
                # e.g. shown cells 30 of 200: a stood-in denominator of 7 adds 7 * 0.15 = 1.05
                ratio = pl.when(pl.col("shown_den") > 0).then(pl.col("shown_num") / pl.col("shown_den"))
                g = g.with_columns(numerator=pl.col("numerator") + pl.col("open_den") * ratio.fill_null(0))
            frames.append(g.with_columns([pl.lit(None, pl.String).alias(d) for d in by if d not in chosen])
                          .select("period", *by, "numerator", "denominator", "n", "n_hidden",
                                  mostly_imputed=pl.col("imputed_part") > pl.col("rounded_part")))
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
    """Which exact counts of a hidden school cell go into the sums above it rounded (``True``),
    rather than as a stand-in or at the shown cells' ratio: what a reader of the sums can know
    of the cell (the attacker in ``bench/attacker.py`` models it as published).

    Example (share, 5 and 10): 3 of 300 -> numerator False, denominator True; 7 of 8 -> both
    False (the 8 stands in as 7, the 7 at the ratio)."""
    spec = kinds.SPECS[kinds.Kind(kind)]
    small_num = numerator is not None and int(round(numerator)) in _hidden_when(kind, "numerator", t)
    small_den = denominator is not None and denominator in _hidden_when(kind, "denominator", t)
    open_num = spec.numerator_is_sum or (spec.numerator_within_denominator and small_den)
    return {"numerator": not small_num and not open_num, "denominator": not small_den}
