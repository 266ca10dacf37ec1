"""Small-count suppression with secondary suppression.

Primary rules (thresholds from configuration, defaults 5 and 10):
* a count (numerator or denominator) from 1 to ``min_count - 1`` is not shown; 0 is shown;
* a share or mean whose denominator is from 1 to ``min_denominator - 1`` is not shown.

Secondary rule, only where rounding does not protect (``rounding_protects``): the engine
returns tables with totals (GROUP BY CUBE): for every dimension, a *line* is the set of rows that
agree on all other dimensions, its cells (the dimension's values) plus its margin (the
dimension's total, a null). Numerators and denominators add up along a line, so with exact
counts a line with exactly one suppressed row would let anyone recover that row by subtraction.
Until no line has exactly one suppressed row, the smallest other row of such a line is
suppressed too (the margin only when the line has no other cell).

With counts rounded to a base of 5, subtraction along a line gives a range of at least nine
values around a multiple of 5 (each published count is within 2 of the truth), never one value
and never a range inside 1-4 without 0: rounding protects the line, and hiding a large cell
beside a small one (the whole municipality's girls beside a group of 1-4 of another gender)
protects nothing more. Near zero the range is clipped and short (0-1), and other tables can pin
it: such a line still gets a second hidden row (``line_leaves_ambiguous``).
``tests/test_disclosure.py`` checks this against an integer-programming attacker over everything
published (DISCLOSURE.md). Under such a base most indicators publish sums of their cells instead
(``metrics.sums``, DISCLOSURE.md rule 3), where only the primary rule hides a cell; the rest of
this module then serves the indicator that does not add up (children with an active
intervention) and the base 1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from metrics import kinds


@dataclass(frozen=True)
class Thresholds:
    min_count: int = 5
    min_denominator: int = 10


small = kinds.small


def primary(df: pl.DataFrame, kind: str, t: Thresholds) -> pl.Series:
    """Primary suppression flags for an indicator kind (the rule is ``metrics.kinds.SPECS``)."""
    rule = kinds.SPECS[kinds.Kind(kind)].suppress(t.min_count, t.min_denominator)
    return df.select(rule.fill_null(False).alias("s"))["s"]


def secondary(df: pl.DataFrame, dims: Sequence[str], suppressed: pl.Series,
              group_cols: Sequence[str] = (), size_col: str = "denominator",
              ambiguous: Callable[[list[int], int], bool] | None = None) -> pl.Series:
    """Extend ``suppressed`` so that no line of the table has exactly one suppressed row
    (``ambiguous``: except a line whose one hidden row the published rows leave ambiguous
    enough, ``line_leaves_ambiguous``).

    ``dims`` are the breakdown columns, where null marks a total (margin). ``group_cols``
    (e.g. the period) separate independent tables in the same frame. Among the candidates of a
    line the row with the smallest ``size_col`` (then the smallest numerator) is chosen, so the
    least information is hidden.
    """
    flags = suppressed.to_list()
    if not dims or not any(flags):
        return suppressed
    keys = df.select([*group_cols, *dims]).rows()
    size = df[size_col].fill_null(0).to_list() if size_col in df.columns else [0] * df.height
    numer = df["numerator"].fill_null(0).to_list() if "numerator" in df.columns else [0] * df.height
    ng = len(group_cols)
    # A line: (position of the varying dimension in the key, the rows on the line).
    lines: list[tuple[int, list[int]]] = []
    for j in range(len(dims)):
        pos = ng + j
        by_line: dict[tuple, list[int]] = defaultdict(list)
        for i, key in enumerate(keys):
            by_line[key[:pos] + key[pos + 1:]].append(i)
        lines.extend((pos, rows) for rows in by_line.values() if len(rows) > 1)
    changed = True
    while changed:
        changed = False
        for pos, rows in lines:
            hidden = [i for i in rows if flags[i]]
            if len(hidden) != 1 or (ambiguous is not None and ambiguous(rows, hidden[0])):
                continue
            cells = [i for i in rows if not flags[i] and keys[i][pos] is not None]
            margins = [i for i in rows if not flags[i] and keys[i][pos] is None]
            # Prefer a non-empty cell: a zero is often known to be zero, so hiding it protects
            # little; a zero (then the margin) is taken only when nothing else is left.
            nonzero = [i for i in cells if size[i] > 0]
            pool = nonzero or cells or margins
            pick = min(pool, key=lambda i: (size[i], numer[i], i))
            flags[pick] = True
            changed = True
    return pl.Series(suppressed.name, flags, dtype=pl.Boolean)


def rounding_protects(base: int, t: Thresholds) -> bool:
    """Whether rounding to ``base`` alone keeps a line's one hidden cell ambiguous.

    A line's hidden cell h is its total minus its k >= 1 published cells. Each published count
    r says the truth lies in [r - base//2, r + base//2] (raised to the threshold where smaller
    values would have been hidden, never above r). With d = the published total minus the
    published cells, h can be as low as d - k * (base//2) and as high as d + base//2, so its range
    spans at least (k + 1) * (base//2) + 1 values: never one value, and never inside
    1 .. min_count - 1 once 2 * (base//2) >= min_count - 1 (below 0 it is clipped to 0, which then
    belongs to the range).

    Example: base 5 and min_count 5 protect (4 >= 4); base 3 (2 >= 4 fails) and base 1 do not."""
    return base > 1 and 2 * (base // 2) >= t.min_count - 1


def line_leaves_ambiguous(df: pl.DataFrame, kind: str, dims: Sequence[str], base: int, t: Thresholds,
                          group_cols: Sequence[str] = ()) -> Callable[[list[int], int], bool]:
    """Whether a line's published rows, rounded to ``base``, leave its one hidden row at least
    ``min_count`` possible values in every rounded count (numerator, denominator).

    A published count r means [r - base//2, r + base//2], raised to the threshold below which it
    would have been hidden (r = 0 means exactly 0). The hidden cell is the margin minus the other
    cells (or, hidden margin, the sum of the cells), clipped at 0. Near zero the clipping makes
    the range short: a school's 55 pupils with high absence in a month, 25 girls and 35 boys
    (53-57, 23-27, 33-37) leave its pupils of another gender 0-1, which other tables can pin to
    0. Such a line gets a second hidden row; a long range (the municipality's girls beside 1-4
    pupils of another gender) does not.

    Example: margin 55, cells 25 and 35 (base 5): hidden cell 0..1, two values < 5: not ambiguous."""
    half = base // 2
    ng = len(group_cols)
    keys = df.select([*group_cols, *dims]).rows()
    spec = kinds.SPECS[kinds.Kind(kind)]
    parts = []
    for part in spec.rounded:
        if part not in df.columns:
            continue
        floor = t.min_denominator if part == "denominator" and kind in ("share", "mean") else t.min_count
        if spec.numerator_is_sum and part == "numerator":
            floor = 0  # a sum of days: nothing is hidden for being small
        exact = df[part].fill_null(0).to_list()
        shown = [base * ((2 * int(x) + base) // (2 * base)) for x in exact]
        lows = [0 if r == 0 else max(r - half, floor) for r in shown]
        parts.append((lows, [r + half for r in shown]))

    def ambiguous(rows: list[int], hidden: int) -> bool:
        pos = next(p for p in range(ng, ng + len(dims)) if len({keys[i][p] for i in rows}) > 1)
        margin_hidden = keys[hidden][pos] is None
        for lows, highs in parts:
            others = [i for i in rows if i != hidden]
            if margin_hidden:
                lo, hi = sum(lows[i] for i in others), sum(highs[i] for i in others)
            else:
                m = next(i for i in others if keys[i][pos] is None)
                cells = [i for i in others if i != m]
                lo = lows[m] - sum(highs[i] for i in cells)
                hi = highs[m] - sum(lows[i] for i in cells)
            if max(hi, 0) - max(lo, 0) + 1 < t.min_count:
                return False
        return True

    return ambiguous


def flags(df: pl.DataFrame, kind: str, dims: Sequence[str], t: Thresholds,
          group_cols: Sequence[str] = (), base: int = 1) -> pl.Series:
    """Primary suppression flags, decided on the exact counts, and secondary suppression where
    rounding to ``base`` does not protect a line: every such line with base 1, and with a
    protecting base only a line whose hidden row the others leave too few values
    (``line_leaves_ambiguous``)."""
    first = primary(df, kind, t).alias("suppressed")
    if not rounding_protects(base, t):
        return secondary(df, dims, first, group_cols)
    if not dims or not first.any():
        return first
    return secondary(df, dims, first, group_cols,
                     ambiguous=line_leaves_ambiguous(df, kind, dims, base, t, group_cols))


def rounded(x: pl.Expr, base: int) -> pl.Expr:
    """Round a count half up to a multiple of ``base``: base 5 -> 7 -> 5, 8 -> 10, 12 -> 10.

    Published counts are multiples of the base, so any sum or difference of published counts is
    too: a hidden count from 1 to base - 1 can never be the result (DISCLOSURE.md)."""
    if base <= 1:
        return x
    return ((x * 2 + base) // (2 * base) * base).cast(pl.Int64)


def blank(df: pl.DataFrame, suppressed: pl.Series) -> pl.DataFrame:
    """Add ``suppressed`` and blank numerator, denominator, value and interval where it is true."""
    out = df.with_columns(suppressed=suppressed)
    hide = [c for c in ("numerator", "denominator", "value", "ci_low", "ci_high") if c in out.columns]
    return out.with_columns([pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
                             for c in hide])


def apply(df: pl.DataFrame, kind: str, dims: Sequence[str], t: Thresholds,
          group_cols: Sequence[str] = (), base: int = 1) -> pl.DataFrame:
    """Suppression on the exact counts in ``df`` (published with rounding ``base``): flags, then
    blanks."""
    return blank(df, flags(df, kind, dims, t, group_cols, base))
