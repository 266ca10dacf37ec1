"""Where a goal's change came from: change within units and shifts between them, and each unit's
status and change on one grid.

A share over a population of units (areas or schools) is P = Σ w_u p_u, with w_u = n_u / N the
unit's share of the pupils and p_u its own share. Between the baseline (0) and now (1) the
change splits exactly (Kitagawa's symmetric shift-share):

    P1 − P0 = Σ w̄_u (p1_u − p0_u)            change within the units
            + Σ (p̄_u − P̄)(w1_u − w0_u)        shift in composition

with w̄, p̄ the means of the two periods and P̄ = (P0 + P1) / 2 (since Σ w1 = Σ w0 = 1, centring
changes no total, but it makes a unit's own composition term read right: a school that grows
raises the share only if its level is above the average). A unit without pupils in one period
(new or closed) has only a composition term: its whole contribution, (p − P̄) times the weight
it gained or lost.

Two variants, from the one evaluation path (``engine.evaluate``):

* **exact** (``exact=True, suppress=False``: the goal level's exact counts, every unit): the parts
  add up to the goal's exact change. For analysts only, marked as exact, never published.
* **published** (suppressed, counts rounded to ``SAMVERKAN_ROUNDING_BASE``): the parts add up
  to the change computed from the same published table, P = Σ k̃_u / Σ ñ_u over its units,
  which can differ a little from the goal's exact change (the counts are rounded). A unit
  hidden in either period cannot be decomposed: it is left out of both periods and named.

Contributions are computed with exact fractions of the counts, so the exact variant's parts
add up to the goal's change without floating-point residue.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from data.warehouse import Warehouse
from metrics import attainment, catalog, engine
from metrics.attainment import GoalResult

DIMS = ("area", "school")

# Level of a unit's current share against the goal's levels, best first (grid rows).
LEVELS = ("at_target", "between", "above_baseline")
LEVEL_LABELS = {"at_target": "Når målnivån", "between": "Mellan målnivå och basvärde",
                "above_baseline": "Sämre än basvärdet"}
# Change since the baseline by the goal's own interval (grid columns), best first.
CHANGES = ("better", "not_significant", "worse")
CHANGE_LABELS = {"better": "Signifikant bättre", "not_significant": "Ingen säker förändring",
                 "worse": "Signifikant sämre"}


@dataclass(frozen=True)
class Leaf:
    """A goal (or part) with its own value: what is decomposed."""
    id: str
    title: str
    indicator: str
    filter: dict
    baseline: str  # school-year code, e.g. '2022/23'
    current: str  # the official school year compared with it
    baseline_value: float | None  # the goal's (exact) values, for the grid's levels
    target_value: float | None
    change: float | None  # the goal's exact change (absolute, in fraction points)
    target: object | None = None  # metrics.goals.Target (the grid uses its interval)


def leaves(results: list[GoalResult], committee: str | None = None) -> list[Leaf]:
    """The goals and parts that can be decomposed: an indicator of their own and an official
    comparison (not the baseline year itself). ``committee``: only that committee's goals."""
    out = []
    for r in attainment.flatten(results):
        if committee and committee not in r.committee:
            continue
        if r.parts or not r.indicator or r.baseline is None or r.current is None:
            continue
        if r.status in attainment.NO_STATUS or r.current.period == r.baseline.period:
            continue
        change = None
        if r.baseline.numerator is not None and r.current.numerator is not None \
                and r.baseline.denominator and r.current.denominator:
            change = r.current.numerator / r.current.denominator - r.baseline.numerator / r.baseline.denominator
        out.append(Leaf(id=r.id, title=r.title, indicator=r.indicator, filter=dict(r.filter),
                        baseline=r.baseline.period, current=r.current.period,
                        baseline_value=r.baseline.value, target_value=r.target_value, change=change,
                        target=r.target))
    return out


def unit_table(wh: Warehouse, leaf: Leaf, dim: str, exact: bool = False) -> pl.DataFrame:
    """The leaf's indicator by ``dim`` for the baseline and the current school year (the same
    months as the goal compares: a month missing in either year is left out of both), with
    the totals. ``exact``: exact counts and nothing suppressed (analysts only).

    Columns: unit (null = total), name, k0, n0, hidden0, k1, n1, hidden1."""
    if dim not in DIMS:
        raise ValueError(f"dim must be one of {DIMS}")
    source = catalog.get(leaf.indicator).source
    cmp = attainment.comparison(leaf.baseline, None, leaf.current)
    base, cur = attainment._common_months(wh, source, cmp.baseline, cmp.current)
    df = engine.evaluate(wh, leaf.indicator, [base, cur], by=[dim], filters=leaf.filter,
                         exact=exact, suppress=not exact)
    name = pl.col("school_name") if dim == "school" else pl.col(dim)
    df = df.with_columns(unit=pl.col(dim), name=name)

    def side(code: str, i: int) -> pl.DataFrame:
        return df.filter(pl.col("period") == code).select(
            "unit", "name", pl.col("numerator").cast(pl.Int64).alias(f"k{i}"),
            pl.col("denominator").cast(pl.Int64).alias(f"n{i}"), pl.col("suppressed").alias(f"hidden{i}"))

    out = side(base.code, 0).join(side(cur.code, 1), on="unit", how="full", coalesce=True, nulls_equal=True)
    out = out.with_columns(name=pl.coalesce("name", "name_right")).drop("name_right")
    # a unit without rows in a period had no pupils then: zero, not hidden
    out = out.with_columns(pl.col("hidden0", "hidden1").fill_null(False))
    for i in (0, 1):
        out = out.with_columns(pl.when(~pl.col(f"hidden{i}")).then(pl.col(f"k{i}").fill_null(0)).alias(f"k{i}"),
                               pl.when(~pl.col(f"hidden{i}")).then(pl.col(f"n{i}").fill_null(0)).alias(f"n{i}"))
    return out.sort(pl.col("unit").is_null(), "name", nulls_last=True).select(
        "unit", "name", "k0", "n0", "hidden0", "k1", "n1", "hidden1")


@dataclass(frozen=True)
class Decomposition:
    units: pl.DataFrame  # one row per unit: see ``decompose``
    total: float  # P1 − P0 over the units decomposed (exact: the goal's change)
    within: float
    composition: float
    baseline_share: float  # P0, P1 over the units decomposed
    current_share: float
    hidden: tuple[str, ...]  # units left out: hidden in either period (published variant)
    exact: bool


def decompose(table: pl.DataFrame, exact: bool) -> Decomposition | None:
    """The contributions of every unit of a ``unit_table``; None when no unit has pupils in
    both periods.

    The population is the units that are shown in both periods (a unit without pupils in one
    of them counts, as new or closed): P_t = Σ k_u / Σ n_u over them. On an exact table that
    is every unit, so P is the goal's own share and the parts add up to the goal's exact
    change; on a published table it is the change computed from the table's own (rounded)
    counts, and the units hidden in either period are named in ``hidden``.

    ``units`` columns: unit, name, kind ('enhet', 'ny', 'upphörd'), p0, p1 (the unit's shares),
    n0, n1, within, composition, contribution (their sum), largest contribution first.
    Example: two schools, A 10/100 → 10/50 and B 30/100 → 30/150 (P 20 % → 20 %): A within
    +0,0375 and composition +0,0125, B within −0,0625 and composition +0,0125; they add up to 0."""
    cells = table.filter(pl.col("unit").is_not_null())
    hidden = cells.filter(pl.col("hidden0") | pl.col("hidden1"))
    used = cells.filter(~(pl.col("hidden0") | pl.col("hidden1")) & ((pl.col("n0") > 0) | (pl.col("n1") > 0)))
    big_n0, big_n1 = int(used["n0"].sum()), int(used["n1"].sum())
    if not big_n0 or not big_n1:
        return None
    big_p0, big_p1 = Fraction(int(used["k0"].sum()), big_n0), Fraction(int(used["k1"].sum()), big_n1)
    mean_p = (big_p0 + big_p1) / 2
    rows = []
    within_sum = comp_sum = Fraction(0)
    for r in used.iter_rows(named=True):
        n0, n1 = r["n0"], r["n1"]
        w0, w1 = Fraction(n0, big_n0), Fraction(n1, big_n1)
        p0 = Fraction(r["k0"], n0) if n0 else None
        p1 = Fraction(r["k1"], n1) if n1 else None
        if p0 is not None and p1 is not None:
            kind = "enhet"
            within = (w0 + w1) / 2 * (p1 - p0)
            comp = ((p0 + p1) / 2 - mean_p) * (w1 - w0)
        else:  # new or closed: the whole contribution is a shift in composition
            kind = "ny" if p0 is None else "upphörd"
            within = Fraction(0)
            comp = ((p1 if p1 is not None else p0) - mean_p) * (w1 - w0)
        within_sum += within
        comp_sum += comp
        rows.append({"unit": r["unit"], "name": r["name"], "kind": kind,
                     "p0": float(p0) if p0 is not None else None, "p1": float(p1) if p1 is not None else None,
                     "n0": n0, "n1": n1, "within": float(within), "composition": float(comp),
                     "contribution": float(within + comp)})
    # an identity (see the module docstring): the parts add up to the change, exactly
    assert within_sum + comp_sum == big_p1 - big_p0
    schema = {"unit": pl.String, "name": pl.String, "kind": pl.String, "p0": pl.Float64, "p1": pl.Float64,
              "n0": pl.Int64, "n1": pl.Int64, "within": pl.Float64, "composition": pl.Float64,
              "contribution": pl.Float64}
    units = pl.DataFrame(rows, schema=schema).sort(pl.col("contribution").abs(), "name", descending=[True, False])
    return Decomposition(units=units, total=float(big_p1 - big_p0), within=float(within_sum),
                         composition=float(comp_sum), baseline_share=float(big_p0), current_share=float(big_p1),
                         hidden=tuple(hidden["name"].to_list()), exact=exact)


# --- status and change on one grid -----------------------------------------------------------

def _level(p: float, leaf: Leaf, lower_better: bool) -> str | None:
    """Where a share lies against the goal's target level and baseline value."""
    if leaf.target_value is None or leaf.baseline_value is None:
        return None
    sign = 1 if lower_better else -1
    if sign * p <= sign * leaf.target_value:
        return "at_target"
    if sign * p <= sign * leaf.baseline_value:
        return "between"
    return "above_baseline"


def grid(table: pl.DataFrame, leaf: Leaf) -> pl.DataFrame:
    """Each unit's level (against the goal's target level and baseline value) and its own
    change since the baseline, significant or not by the goal's own interval (Newcombe for
    an absolute or level target, MOVER for a relative one: ``attainment.significance``).

    Columns: unit, name, p0, p1, change, ci_low, ci_high, level, change_class (null where the
    unit is hidden or has no pupils in either year: it is not placed)."""
    lower = catalog.get(leaf.indicator).polarity != "higher_better"
    rows = []
    for r in table.filter(pl.col("unit").is_not_null()).iter_rows(named=True):
        placed = not (r["hidden0"] or r["hidden1"]) and r["n0"] and r["n1"]
        p0 = r["k0"] / r["n0"] if placed else None
        p1 = r["k1"] / r["n1"] if placed else None
        level = change_class = ci = None
        if placed:
            level = _level(p1, leaf, lower)
            significant, ci = attainment.significance(leaf.target, r["k0"], r["n0"], r["k1"], r["n1"]) \
                if leaf.target is not None else (None, None)
            if significant is None:
                change_class = None
            elif not significant:
                change_class = "not_significant"
            else:
                improved = (ci[1] < 0) if lower else (ci[0] > 0)
                change_class = "better" if improved else "worse"
        rows.append({"unit": r["unit"], "name": r["name"], "p0": p0, "p1": p1,
                     "change": (p1 - p0) if placed else None,
                     "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None,
                     "level": level, "change_class": change_class})
    return pl.DataFrame(rows, schema={"unit": pl.String, "name": pl.String, "p0": pl.Float64, "p1": pl.Float64,
                                      "change": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
                                      "level": pl.String, "change_class": pl.String})


def grid_counts(g: pl.DataFrame) -> dict[tuple[str, str], int]:
    """Units per (level, change) cell; every cell present (0 where empty)."""
    counts = {(lv, ch): 0 for lv in LEVELS for ch in CHANGES}
    for r in g.iter_rows(named=True):
        if r["level"] is not None and r["change_class"] is not None:
            counts[(r["level"], r["change_class"])] += 1
    return counts


def goal_leaf(results: list[GoalResult], goal_id: str) -> Leaf | None:
    return next((lf for lf in leaves(results) if lf.id == goal_id), None)


def unit_change(wh: Warehouse, results: list[GoalResult], goal_id: str, dim: str,
                exact: bool = False) -> pl.DataFrame | None:
    """The unit table of one goal or part (None: no such leaf): what the BUN page's first view
    needs for both the decomposition and the grid, cached and precomputed as one frame."""
    leaf = goal_leaf(results, goal_id)
    return None if leaf is None else unit_table(wh, leaf, dim, exact)
