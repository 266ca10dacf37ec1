"""Goal attainment: baseline, current value, target, progress, status, significance, on-track.

* ``progress`` is the share of the required change achieved: 1.0 = exactly on target, 0.5 = half
  way, negative = the wrong direction. It is computed with exact fractions of the counts, so a
  fall of exactly 2.0 percentage points against a target of -2.0 is ``achieved``, not 0.9999.
* ``status``: ``achieved`` (progress >= 1), ``partly`` (progress >= the configured threshold,
  default 0.5), ``not_achieved``, or ``no_data`` (a value is missing or suppressed).
* ``significant``: whether the change from baseline is distinguishable from zero (95 % Newcombe
  interval for a difference of proportions; MOVER interval for a ratio for relative targets).
* ``on_track``: the school-year series from the baseline, projected linearly to the last school
  year of the mandate period, meets the target (the actual value once that year is complete).

A goal with parts is achieved only when every part is.

Comparison: school year against school year. While a school year is in progress, the latest
term so far is compared with the same months of the same term in the baseline year, and the
result says so in ``comparison_note``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

import polars as pl

from data.warehouse import Warehouse
from metrics import catalog, completeness, engine, goals, periods, stats
from metrics.goals import GoalConfig, ResolvedGoal, Target
from metrics.periods import Period

STATUS_LABELS = {
    "achieved": "Uppnått",
    "partly": "Delvis uppnått",
    "not_achieved": "Ej uppnått",
    "no_data": "Underlag saknas",
    # no status at all: the last complete school year is the baseline itself, or lies before it
    "baseline": "Basår",
    "before_baseline": "Före basåret",
}
NO_STATUS = ("baseline", "before_baseline")


@dataclass(frozen=True)
class Measure:
    period: str
    label: str
    value: float | None
    numerator: int | None
    denominator: int | None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False

    def to_json(self) -> dict:
        return {"period": self.period, "label": self.label, "value": self.value,
                "numerator": self.numerator, "denominator": self.denominator,
                "ci_low": self.ci_low, "ci_high": self.ci_high, "suppressed": self.suppressed}


@dataclass
class Preliminary:
    """The school year in progress, term to date against the same months of the baseline term:
    a signal, labelled as such, that never replaces or changes the official status."""
    period: str  # the school year in progress, e.g. '2026/27'
    label: str  # what is compared, e.g. 'höstterminen 2026 t.o.m. oktober'
    note: str
    status: str
    progress: float | None = None
    change: float | None = None  # in the target's unit, as GoalResult.change
    change_ci: tuple[float, float] | None = None
    baseline: Measure | None = None  # None for a goal with parts (see each part)
    current: Measure | None = None
    incomplete: str = ""  # as GoalResult.incomplete
    difference: float | None = None  # as GoalResult.difference
    target_value: float | None = None  # the level the term so far must reach (same months)
    children_gap: float | None = None  # as GoalResult.children_gap
    significant: bool | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def to_json(self) -> dict:
        return {"period": self.period, "label": self.label, "comparison": self.note, "status": self.status,
                "incomplete": self.incomplete or None,
                "progress": self.progress, "change": self.change,
                "change_ci": list(self.change_ci) if self.change_ci else None,
                "difference": self.difference, "target_level": self.target_value,
                "children_gap": self.children_gap, "significant": self.significant,
                "baseline": self.baseline.to_json() if self.baseline else None,
                "current": self.current.to_json() if self.current else None}


@dataclass
class GoalResult:
    id: str
    committee: list[str]
    title: str
    description: str
    indicator: str | None
    target: Target | None
    status: str
    progress: float | None
    significant: bool | None
    on_track: bool | None
    baseline: Measure | None = None
    current: Measure | None = None
    target_value: float | None = None  # the level the current value must reach (a fraction)
    change: float | None = None  # in the target's unit: absolute and level: p2 - p1; relative: p2 / p1 - 1
    # p2 - p1 whatever the target's kind (a relative goal's change in percentage points)
    difference: float | None = None
    # How many units (pupils) must leave the numerator (lower is better; enter it when higher is
    # better) for the current value to reach the target level at the current population:
    # k2 - level * n2. A projection, not a count: > 0 still needed, <= 0 met with that margin.
    # Example: 1 390 of 10 000 pupils against a level of 12.0 % -> 190. None: not computable.
    children_gap: float | None = None
    change_ci: tuple[float, float] | None = None
    comparison_note: str = ""
    series: list[Measure] = field(default_factory=list)
    parts: list[GoalResult] = field(default_factory=list)
    as_of: date | None = None
    filter: dict = field(default_factory=dict)  # the population filter the goal is measured on
    preliminary: Preliminary | None = None  # while a school year is in progress
    # Why no status can be given although there is data (Swedish, with a hint), e.g. a relative
    # target on a zero baseline. None: no such problem.
    problem: str | None = None
    population: str | None = None  # who is counted (Swedish), see GoalConfig.resolved
    # 'Underlaget är ofullständigt: …' naming what is missing in the compared periods; '' = complete
    incomplete: str = ""

    @property
    def selection(self) -> str:
        """The goal's filter in words: 'Huvudman: Kommunal; Skolform: Grundskola'."""
        return goals.filter_text(self.filter)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def to_json(self) -> dict:
        empty = {"period": None, "value": None, "numerator": None, "denominator": None}
        return {
            "id": self.id,
            "committee": self.committee[0] if len(self.committee) == 1 else self.committee,
            "title": self.title,
            "status": self.status,
            "progress": self.progress,
            "significant": self.significant,
            "on_track": self.on_track,
            "baseline": self.baseline.to_json() if self.baseline else empty,
            "current": self.current.to_json() if self.current else empty,
            "target": ({"kind": self.target.kind, "value": self.target.value, "level": self.target_value}
                       if self.target else None),
            "change": self.change,
            "change_ci": list(self.change_ci) if self.change_ci else None,
            "difference": self.difference,
            "children_gap": self.children_gap,
            "comparison": self.comparison_note,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "series": [m.to_json() for m in self.series],
            "preliminary": self.preliminary.to_json() if self.preliminary else None,
            "problem": self.problem,
            "population": self.population,
            "incomplete": self.incomplete or None,
            "filter": self.filter,
            "parts": [p.to_json() for p in self.parts],
        }


def _fraction(x: float) -> Fraction:
    # via str: -2.0 -> Fraction(-2), 0.1 -> 1/10 (not the binary float 0.1000000000000000055...)
    return Fraction(str(x))


def progress_of(target: Target, k1: int, n1: int, k2: int, n2: int,
                polarity: str = "lower_better") -> Fraction | None:
    """Share of the required change achieved; None when it cannot be computed.

    Example: baseline 140/1000 = 14.0 %, current 139/1000 = 13.9 %, target -2.0 pp:
    change -0.1 pp -> progress 0.05.
    """
    if n1 <= 0 or n2 <= 0:
        return None
    p1, p2 = Fraction(k1, n1), Fraction(k2, n2)
    required = _fraction(target.value) / 100
    if target.kind == "absolute_change":
        return (p2 - p1) / required if required else None
    if target.kind == "relative_change":
        if p1 == 0 or not required:
            return None
        return ((p2 - p1) / p1) / required
    # level: the value should reach the level (at most for lower-better, at least otherwise)
    sign = 1 if polarity != "higher_better" else -1
    p1, p2, level = sign * p1, sign * p2, sign * required
    if p2 <= level:  # met
        return max(Fraction(1), (p1 - p2) / (p1 - level)) if p1 > level else Fraction(1)
    if p1 == level:
        return Fraction(0)
    return (p1 - p2) / abs(p1 - level)


# The statuses of a progress from worst to best: status_of is monotone in the progress, so the
# status of the smallest progress of several is the worst of their statuses (_combined_status).
_STATUS_ORDER = ("not_achieved", "partly", "achieved")


def status_of(progress: Fraction | float | None, partly_threshold: float) -> str:
    """The one status rule, on exact fractions (the threshold too: 0.3 is 3/10, not the binary
    float below it): achieved at progress >= 1, partly at >= the threshold, else not achieved.
    A goal with parts applies it through its parts' statuses (``_combined_status``)."""
    if progress is None:
        return "no_data"
    if progress >= 1:
        return "achieved"
    if progress >= _fraction(partly_threshold):
        return "partly"
    return "not_achieved"


def target_level(target: Target, baseline: float | None) -> float | None:
    """The value the current period must reach, e.g. baseline 14.0 % and -2.0 pp -> 12.0 %."""
    if target.kind == "level":
        return target.value / 100
    if baseline is None:
        return None
    if target.kind == "absolute_change":
        return baseline + target.value / 100
    return baseline * (1 + target.value / 100)


def significance(target: Target, k1: int, n1: int, k2: int, n2: int) -> tuple[bool | None, tuple[float, float] | None]:
    """Whether the change is distinguishable from zero, and its 95 % interval."""
    if target.kind == "relative_change":
        ratio = stats.mover_ratio(k1, n1, k2, n2)
        if ratio is None:
            return None, None
        ci = (ratio[0] - 1, ratio[1] - 1)
    else:
        ci = stats.newcombe_difference(k1, n1, k2, n2)
        if ci is None:
            return None, None
    return (ci[0] > 0 or ci[1] < 0), ci


@dataclass(frozen=True)
class Comparison:
    baseline: Period
    baseline_label: str
    current: Period
    current_label: str
    note: str


def comparison(baseline_code: str, until: date | None, period: str | None = None) -> Comparison:
    """Which baseline and current periods a goal compares, with Swedish labels and a note."""
    base = periods.parse(baseline_code)
    if period is not None:
        p = periods.parse(period)
        if p.kind == "school_year":
            return Comparison(base, base.label, p, p.label,
                              f"{p.label.capitalize()} jämförs med basåret {base.code}.")
        if p.kind == "term":
            b = periods.term_of(base.start if p.autumn else base.end)  # the same term of the baseline year
            return Comparison(b, b.label, p, p.label, f"{p.label} jämförs med {b.label} (basåret {base.code}).")
        raise periods.PeriodError("Målen följs upp per läsår eller termin, t.ex. 2024/25 eller HT2024.")
    if until is None:
        return Comparison(base, base.label, base, base.label, "")
    sy = periods.school_year_of(until)
    if until >= sy.end:
        return Comparison(base, base.label, sy, sy.label,
                          f"{sy.label.capitalize()} jämförs med basåret {base.code}.")
    term = periods.term_of(until)
    years = sy.start.year - base.start.year
    current = term.clip(until)
    baseline = term.shift_years(-years).clip(periods.add_years(until, -years))
    upto = f" t.o.m. {periods.MONTHS_SV[until.month - 1]}" if current != term else ""
    label = f"{term.label}{upto}"
    base_label = f"samma månader {term.shift_years(-years).label}"
    note = f"{sy.label.capitalize()} pågår: {label} jämförs med {base_label} (basåret {base.code})."
    return Comparison(baseline, base_label, current, label, note)


def _measure(row: dict, label: str, period: str | None = None) -> Measure:
    return Measure(period=period or row["period"], label=label, value=row["value"],
                   numerator=row["numerator"], denominator=row["denominator"],
                   ci_low=row["ci_low"], ci_high=row["ci_high"], suppressed=row["suppressed"])


def _series_years(base: Period, until: date | None, current: Period) -> list[Period]:
    """School years for the trend: from three years before the baseline to the current school
    year when it is a whole school year, else to the last complete one before ``until``."""
    if current.kind == "school_year":
        last = current
    elif current.kind == "term":  # never data after the evaluated term
        last = periods.last_complete_school_year(current.end)
    elif until is None:
        return [base]
    else:
        last = periods.last_complete_school_year(until)
    first = base.shift_years(-3)
    years = []
    p = first
    while p.start <= last.start:
        years.append(p)
        p = p.shift_years(1)
    return years


def _on_track(cfg: GoalConfig, r: ResolvedGoal, series: list[Measure], base: Measure,
              polarity: str) -> bool | None:
    """Linear projection of the school-year series to the mandate period's last school year."""
    if base.numerator is None or not base.denominator:
        return None
    end_year = periods.school_year(cfg.mandate_period.end - 1)
    base_year = periods.parse(r.baseline_period)
    pts = [(periods.parse(m.period).start.year, m.value) for m in series
           if m.value is not None and periods.parse(m.period).start >= base_year.start]
    if not pts:
        return None
    if pts[-1][0] >= end_year.start.year:
        actual = next(v for y, v in pts if y == end_year.start.year)
        projected = actual
    elif len(pts) < MIN_YEARS_FOR_PROJECTION:
        return None  # a line through two points says nothing about a trend
    else:
        n = len(pts)
        mx = sum(x for x, _ in pts) / n
        my = sum(y for _, y in pts) / n
        sxx = sum((x - mx) ** 2 for x, _ in pts)
        slope = sum((x - mx) * (y - my) for x, y in pts) / sxx
        projected = my + slope * (end_year.start.year - mx)
    p1 = base.numerator / base.denominator
    # Compare the projection with the target level in the indicator's direction.
    level = target_level(r.target, p1)
    if level is None:
        return None
    higher = polarity == "higher_better" if r.target.kind == "level" else r.target.value > 0
    return projected >= level if higher else projected <= level


MIN_YEARS_FOR_PROJECTION = 3


def _common_months(wh: Warehouse, source: str, base: Period, cur: Period) -> tuple[Period, Period]:
    """Both periods without the months missing for the whole municipality in either (monthly
    absence only): a missing March 2025 leaves March out of 2022/23 too, so the comparison is
    of the same months."""
    if source != "pupils":
        return base, cur
    missing = completeness.missing_months(wh, "absence")
    years = cur.start.year - base.start.year
    left_out = {m for m in cur.months() if m in missing or periods.add_years(m, -years) in missing}
    if not left_out:
        return base, cur
    return (periods.without_months(base, {periods.add_years(m, -years) for m in left_out}),
            periods.without_months(cur, left_out))


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


def children_gap(level: float | None, k: int, n: int, polarity: str = "lower_better") -> float | None:
    """Units that must leave (lower is better) or enter (higher is better) the numerator for k
    of n to reach ``level``: k - level * n, or level * n - k. > 0: still needed; <= 0: met, with
    that margin. Example: level 0.12, 1 390 of 10 000 -> 190.0; level 0.184, 1 799 of 10 000 -> -41.0."""
    if level is None or not n:
        return None
    gap = k - level * n
    return -gap if polarity == "higher_better" else gap


def _combined_status(statuses: list[str], progresses: list[float | None]) -> tuple[str, float | None]:
    """A goal with parts is achieved only when every part is; its progress is the smallest.

    Its status is ``status_of`` of the smallest exact progress, which is the worst of the parts'
    statuses (each already ``status_of`` of its exact progress): the float progresses are for
    display only and never compared with the threshold (a part whose exact progress is just below
    it, but whose float rounds up to it, is not partly, and neither is the goal)."""
    progress = None if any(p is None for p in progresses) else min(progresses)
    for quiet in NO_STATUS:
        if quiet in statuses:
            return quiet, None
    if "no_data" in statuses:
        return "no_data", progress
    return min(statuses, key=_STATUS_ORDER.index), progress


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


def official_period(until: date | None) -> Period | None:
    """The last complete school year with data up to ``until``: what an official status is on."""
    return None if until is None else periods.last_complete_school_year(until)


def in_progress(until: date | None) -> bool:
    return until is not None and until < periods.school_year_of(until).end


def mandate_last_year(cfg: GoalConfig) -> Period:
    """The mandate period's last school year (2023-2026: 2025/26)."""
    return periods.school_year(cfg.mandate_period.end - 1)


def check_period(cfg: GoalConfig, baseline_code: str, period: str, until: date | None) -> Period:
    """A period a goal status may be given for: a complete school year or term after the
    baseline and within the mandate period. Raises PeriodError (Swedish) otherwise."""
    p = periods.parse(period)
    base = periods.parse(baseline_code)
    if p.kind not in ("school_year", "term"):
        raise periods.PeriodError("Målen följs upp per läsår eller termin, t.ex. 2024/25 eller VT2025.")
    if p.end <= base.end:
        what = "är basåret" if p.start >= base.start else "ligger före basåret"
        raise periods.PeriodError(
            f"{p.label.capitalize()} {what} ({base.label}): målen jämförs med basåret och får ingen status "
            f"för det eller tidigare perioder. Välj ett läsår efter {base.code}.")
    if p.start > mandate_last_year(cfg).end:
        raise periods.PeriodError(f"{p.label.capitalize()} ligger efter mandatperioden "
                                  f"({cfg.mandate_period.start}–{cfg.mandate_period.end}).")
    if until is not None and p.end > until:
        raise periods.PeriodError(
            f"{p.label.capitalize()} är inte avslutat (data t.o.m. {until.isoformat()}). En status ges bara "
            f"för hela perioder; utan --period visas det pågående läsåret som preliminärt.")
    return p


def goal_periods(cfg: GoalConfig, until: date | None) -> list[str]:
    """Complete school years a status can be asked for, newest first (after the earliest
    baseline, within the mandate period, with data)."""
    last = official_period(until)
    bases = [periods.parse(cfg.resolved(g).baseline_period) for g in cfg.goals if cfg.resolved(g).baseline_period]
    if last is None or not bases:
        return []
    last = min(last, mandate_last_year(cfg), key=lambda p: p.start)
    out, p = [], last
    while p.start > min(bases).start:
        out.append(p.code)
        p = p.shift_years(-1)
    return out


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


def status_history(r: GoalResult, cfg: GoalConfig) -> list[tuple[str, str, float | None]]:
    """(school year, official status, progress) for every school year after the baseline up to
    the evaluated one, from the goal's own series; a goal with parts combines them per year."""
    if r.parts:
        per_part = [{y: (st, pr) for y, st, pr in status_history(p, cfg)} for p in r.parts]
        years = sorted(set.intersection(*(set(h) for h in per_part)))
        return [(y, *_combined_status([h[y][0] for h in per_part], [h[y][1] for h in per_part]))
                for y in years]
    b = r.baseline
    if b is None or r.target is None or b.numerator is None or not b.denominator or r.current is None:
        return []
    ind = catalog.get(r.indicator)
    out = []
    for m in r.series:
        if m.period <= b.period or m.period > r.current.period:
            continue
        prog = None if m.numerator is None or not m.denominator else progress_of(
            r.target, b.numerator, b.denominator, m.numerator, m.denominator, ind.polarity)
        out.append((m.period, status_of(prog, cfg.partly_threshold), float(prog) if prog is not None else None))
    return out


def status_since(r: GoalResult, cfg: GoalConfig) -> str | None:
    """The first school year of the unbroken run of the current official status (None: unknown)."""
    history = status_history(r, cfg)
    if not history or history[-1][1] != r.status:
        return None
    since = history[-1][0]
    for period, status, _progress in reversed(history):
        if status != r.status:
            break
        since = period
    return since


def flatten(results: list[GoalResult]) -> list[GoalResult]:
    """Every goal and part, parents before their parts."""
    out = []
    for r in results:
        out.append(r)
        out.extend(flatten(r.parts))
    return out


def frame(results: list[GoalResult]) -> pl.DataFrame:
    """One row per goal and part: an analyst's table of the results."""
    rows = []

    def add(r: GoalResult, parent: str | None):
        rows.append({
            "goal_id": r.id, "parent_id": parent, "title": r.title,
            "committee": ", ".join(r.committee), "status": r.status,
            "progress": r.progress, "significant": r.significant, "on_track": r.on_track,
            "baseline_period": r.baseline.period if r.baseline else None,
            "baseline_value": r.baseline.value if r.baseline else None,
            "current_period": r.current.period if r.current else None,
            "current_label": r.current.label if r.current else None,
            "current_value": r.current.value if r.current else None,
            "target_value": r.target_value,
            "incomplete": r.incomplete or (r.preliminary.incomplete if r.preliminary else "") or None,
            "preliminary_label": r.preliminary.label if r.preliminary else None,
            "preliminary_status": r.preliminary.status if r.preliminary else None,
            "preliminary_value": (r.preliminary.current.value
                                  if r.preliminary and r.preliminary.current else None),
            # what the sentences need: the change in the target's unit and in percentage points,
            # the population's size (a small one shows its children) and significance
            "target_kind": r.target.kind if r.target else None,
            "polarity": catalog.get(r.indicator).polarity.value if r.indicator else None,
            "change": r.change, "difference": r.difference,
            "current_numerator": r.current.numerator if r.current else None,
            "current_denominator": r.current.denominator if r.current else None,
            "children_gap": r.children_gap,
            "preliminary_change": r.preliminary.change if r.preliminary else None,
            "preliminary_difference": r.preliminary.difference if r.preliminary else None,
            "preliminary_significant": r.preliminary.significant if r.preliminary else None,
        })
        for p in r.parts:
            add(p, r.id)

    for r in results:
        add(r, None)
    return pl.DataFrame(rows, schema_overrides={
        "target_kind": pl.String, "polarity": pl.String, "change": pl.Float64, "difference": pl.Float64,
        "current_numerator": pl.Int64, "current_denominator": pl.Int64, "children_gap": pl.Float64,
        "preliminary_change": pl.Float64, "preliminary_difference": pl.Float64,
        "preliminary_significant": pl.Boolean, "significant": pl.Boolean, "on_track": pl.Boolean,
        "preliminary_label": pl.String, "preliminary_status": pl.String,
                                                "preliminary_value": pl.Float64, "current_period": pl.String, "current_label": pl.String,
                                                "incomplete": pl.String,
                                                "current_value": pl.Float64, "baseline_value": pl.Float64,
                                                "target_value": pl.Float64, "progress": pl.Float64})
