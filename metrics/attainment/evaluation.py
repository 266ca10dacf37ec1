"""Goal evaluation, the orchestration: reads the engine's exact rows for a goal and its parts
(one query per indicator where it can), applies ``rules`` over the periods ``comparisons`` chose
and fills the ``results``."""

from __future__ import annotations

from datetime import date

import polars as pl

from data.warehouse import Warehouse
from metrics import catalog, completeness, engine, periods
from metrics.attainment.comparisons import (
    _common_months,
    _series_years,
    check_period,
    comparison,
    in_progress,
    official_period,
)
from metrics.attainment.results import GoalResult, Measure, Preliminary
from metrics.attainment.rules import (
    _combined_status,
    _on_track,
    children_gap,
    progress_of,
    significance,
    status_of,
    target_level,
)
from metrics.goals import GoalConfig, ResolvedGoal
from metrics.periods import Period


def _measure(row: dict, label: str, period: str | None = None) -> Measure:
    return Measure(period=period or row["period"], label=label, value=row["value"],
                   numerator=row["numerator"], denominator=row["denominator"],
                   ci_low=row["ci_low"], ci_high=row["ci_high"], suppressed=row["suppressed"])


def _incomplete(wh: Warehouse, r: ResolvedGoal, source: str, ps: list[Period], restricted: bool) -> str:
    """What is missing in the compared periods, in the goal's own schools."""
    found = completeness.relevant(wh, source, ps, completeness.schools_matching(wh, r.filter))
    text = completeness.summary(found)
    if text and restricted:
        text += " Jämförelsen görs på de månader som finns båda åren."
    return text


class _Rows:
    """Engine rows for the parts of one goal. Parts on the same indicator whose filters differ in
    one dimension only, one value each (grundskola and gymnasieskola), are read in one query broken
    down by it (``each_alone``: every row as its own filtered query would give it); anything
    else is read part by part. The first part's request reads its siblings' rows too.

    Example: BUN's goal, filters {operator: [kommunal], school_form: [grundskola]} and
    {…, school_form: [gymnasieskola]} -> one query with by=[school_form], filter {operator: [kommunal]}."""

    def __init__(self, wh: Warehouse, siblings: list[ResolvedGoal]):
        self.wh = wh
        self.dim: str | None = None
        self._cache: dict[tuple, pl.DataFrame] = {}
        filters = [s.filter for s in siblings]
        if len(siblings) < 2 or len({s.indicator for s in siblings}) != 1 or len({frozenset(f) for f in filters}) != 1:
            return
        differing = [k for k in filters[0] if len({repr(f[k]) for f in filters}) > 1]
        if len(differing) != 1:
            return
        dim = differing[0]
        if dim not in catalog.get(siblings[0].indicator).dims or not all(
                isinstance(f[dim], list) and len(f[dim]) == 1 for f in filters):
            return
        self.dim, self.indicator = dim, siblings[0].indicator
        self.common = {k: v for k, v in filters[0].items() if k != dim}
        self.values = {f[dim][0] for f in filters}

    def get(self, indicator: str, wanted: list[Period], filters: dict) -> dict[str, dict]:
        """period code -> engine row, for ``indicator`` filtered by ``filters``."""
        value = (filters.get(self.dim) or [None])[0] if self.dim else None
        batched = (self.dim is not None and indicator == self.indicator and value in self.values
                  and {k: v for k, v in filters.items() if k != self.dim} == self.common)
        if not batched:
            return self._alone(indicator, wanted, filters)
        key = tuple(p.code for p in wanted)
        if key not in self._cache:
            self._cache[key] = engine.evaluate(self.wh, indicator, wanted, by=[self.dim], filters=self.common,
                                               exact=True, each_alone=True)
        part = self._cache[key].filter(pl.col(self.dim) == value).drop(self.dim)
        rows = {row["period"]: row for row in part.iter_rows(named=True)}
        # a value with no rows in some period (no such pupils at all): ask for it alone
        return rows if len(rows) == len(key) else self._alone(indicator, wanted, filters)

    def _alone(self, indicator: str, wanted: list[Period], filters: dict) -> dict[str, dict]:
        df = engine.evaluate(self.wh, indicator, wanted, filters=filters, exact=True)  # goal level: exact
        return {row["period"]: row for row in df.iter_rows(named=True)}


def _evaluate_leaf(wh: Warehouse, cfg: GoalConfig, r: ResolvedGoal, until: date | None,
                   period: str | None, with_series: bool = True, shared: _Rows | None = None) -> GoalResult:
    ind = catalog.get(r.indicator)
    cmp = comparison(r.baseline_period, until, period)
    full_base, full_cur = cmp.baseline, cmp.current
    base_p, cur_p = _common_months(wh, ind.source, cmp.baseline, cmp.current)
    series_p = _series_years(periods.parse(r.baseline_period), until, cmp.current) if with_series else []
    wanted = list(dict.fromkeys([base_p, cur_p, *series_p]))
    rows = (shared or _Rows(wh, [])).get(ind.name, wanted, r.filter)
    restricted = cur_p is not cmp.current
    # the period stays the school year's code (the JSON contract); the label says what is left out
    baseline = _measure(rows[base_p.code], base_p.label if restricted else cmp.baseline_label, cmp.baseline.code)
    current = _measure(rows[cur_p.code], cur_p.label if restricted else cmp.current_label, cmp.current.code)
    series = [_measure(rows[p.code], p.label) for p in series_p]
    if current.denominator == 0 and period is None and series:
        # The in-progress term has no school months yet (e.g. July): use the last full year.
        cmp = comparison(r.baseline_period, series_p[-1].end, None)
        full_base, full_cur = cmp.baseline, cmp.current
        baseline, current = _measure(rows[cmp.baseline.code], cmp.baseline_label), series[-1]
    result = GoalResult(
        id=r.goal.id, committee=r.committee, title=r.goal.title, description=r.goal.description,
        indicator=ind.name, target=r.target, status="no_data", progress=None, significant=None,
        on_track=None, baseline=baseline, current=current, comparison_note=cmp.note, series=series,
        as_of=until, filter=dict(r.filter), population=r.population,
        incomplete=_incomplete(wh, r, ind.source, [full_base, full_cur], restricted))
    result.target_value = target_level(r.target, baseline.value)
    if baseline.suppressed or current.suppressed or baseline.value is None or current.value is None:
        return result
    if r.target.kind == "relative_change" and baseline.numerator == 0:
        result.target_value = None
        result.problem = (f"Basvärdet ({baseline.label}) är 0 %, så en förändring i procent av det kan inte "
                          f"räknas. Ange målet som förändring i procentenheter (absolute_change) eller som "
                          f"nivå (level) i målfilen.")
        return result
    k1, n1, k2, n2 = baseline.numerator, baseline.denominator, current.numerator, current.denominator
    prog = progress_of(r.target, k1, n1, k2, n2, ind.polarity)
    result.progress = float(prog) if prog is not None else None
    result.status = status_of(prog, cfg.partly_threshold)
    result.significant, result.change_ci = significance(r.target, k1, n1, k2, n2)
    p1, p2 = k1 / n1, k2 / n2
    result.change = (p2 / p1 - 1 if p1 else None) if r.target.kind == "relative_change" else p2 - p1
    result.difference = p2 - p1
    result.children_gap = children_gap(result.target_value, k2, n2, ind.polarity)
    result.on_track = _on_track(cfg, r, series, baseline, ind.polarity)
    return result


def _combine(goal, committees: list[str], parts: list[GoalResult], cfg: GoalConfig) -> GoalResult:
    status, progress = _combined_status([p.status for p in parts], [p.progress for p in parts])

    def all_of(values):
        return None if any(v is None for v in values) else all(values)

    first = parts[0]
    return GoalResult(
        id=goal.id, committee=committees, title=goal.title, description=goal.description,
        indicator=goal.indicator or first.indicator, target=goal.target or first.target,
        status=status, progress=progress,
        significant=all_of([p.significant for p in parts]),
        on_track=all_of([p.on_track for p in parts]),
        comparison_note=first.comparison_note, parts=parts, as_of=first.as_of,
        baseline=None, current=None,
        incomplete=" ".join(dict.fromkeys(p.incomplete for p in parts if p.incomplete)))


def _preliminary(wh: Warehouse, cfg: GoalConfig, r: ResolvedGoal, until: date,
                 shared: _Rows | None = None) -> Preliminary | None:
    """The term to date against the same months of the baseline term, when it has school months."""
    p = _evaluate_leaf(wh, cfg, r, until, None, with_series=False, shared=shared)
    if p.current is None or not p.current.denominator:
        return None  # e.g. July: the new school year has no school months yet
    return Preliminary(period=periods.school_year_of(until).code, label=p.current.label, note=p.comparison_note,
                       status=p.status, progress=p.progress, change=p.change, change_ci=p.change_ci,
                       baseline=p.baseline, current=p.current, incomplete=p.incomplete,
                       difference=p.difference, target_value=p.target_value, children_gap=p.children_gap,
                       significant=p.significant)


def evaluate_goal(wh: Warehouse, cfg: GoalConfig, goal, parent=None, period: str | None = None,
                  until: date | None = None, with_series: bool = True, shared: _Rows | None = None) -> GoalResult:
    """The official status (a complete period: ``period``, or by default the last complete school
    year) and, by default while a school year is in progress, the preliminary result apart.

    ``with_series=False`` skips the trend (and so ``on_track``): for a status comparison.
    ``shared``: the engine rows shared with sibling parts (see ``_Rows``); None reads alone."""
    r = cfg.resolved(goal, parent)
    if until is None and r.indicator:
        until = engine.data_until(wh, catalog.get(r.indicator).source)
    if period is not None:
        official, preliminary = check_period(cfg, r.baseline_period, period, until), False
    else:
        official, preliminary = official_period(until), in_progress(until)
    base = periods.parse(r.baseline_period) if r.baseline_period else None
    if base is not None and preliminary and periods.school_year_of(until).end <= base.end:
        preliminary = False  # the school year in progress is the baseline or before it
    if not goal.parts:
        result = _evaluate_leaf(wh, cfg, r, until, official.code if official else None, with_series, shared)
        if base is not None and official is not None and official.end <= base.end:
            _no_status_yet(result, official, base)
        if preliminary:
            result.preliminary = _preliminary(wh, cfg, r, until, shared)
        return result
    resolved_parent = cfg.as_parent(goal)
    # parts sharing an indicator (BUN: grundskola, gymnasieskola) are read in one query each time
    shared = _Rows(wh, [cfg.resolved(part, resolved_parent) for part in goal.parts])
    parts = [evaluate_goal(wh, cfg, part, resolved_parent, period, until, with_series, shared)
             for part in goal.parts]
    result = _combine(goal, r.committee, parts, cfg)
    if official is not None:
        result.current = Measure(period=official.code, label=official.label, value=None, numerator=None,
                                 denominator=None)
    pre = [p.preliminary for p in parts]
    if pre and all(pre):
        status, progress = _combined_status([p.status for p in pre], [p.progress for p in pre])
        result.preliminary = Preliminary(period=pre[0].period, label=pre[0].label, note=pre[0].note,
                                         status=status, progress=progress,
                                         incomplete=" ".join(dict.fromkeys(p.incomplete for p in pre if p.incomplete)))
    return result


def _no_status_yet(result: GoalResult, official: Period, base: Period) -> None:
    """The last complete school year is the baseline or earlier: no status, and saying so."""
    result.status = "baseline" if official == base else "before_baseline"
    result.progress = result.significant = result.on_track = result.change = result.change_ci = None
    result.target_value = None
    first = base.shift_years(1)
    result.comparison_note = (f"Ingen status ännu: målen jämförs med basåret {base.code}, och {first.label} "
                              f"är det första läsåret som kan få en status.")


def evaluate_all(wh: Warehouse, cfg: GoalConfig, period: str | None = None,
                 until: date | None = None, with_series: bool = True) -> list[GoalResult]:
    """Attainment of every configured goal: officially for the last complete school year (or the
    complete ``period`` asked for) with the data up to ``until`` (default: all data), and the
    school year in progress as ``preliminary``."""
    return [evaluate_goal(wh, cfg, g, period=period, until=until, with_series=with_series)
            for g in cfg.goals]
