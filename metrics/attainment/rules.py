"""The pure rules of goal attainment, on counts and exact fractions: progress, the one status
rule (``status_of``, used by goals and through their parts' statuses by goals with parts), the
target level, significance, the projection to the mandate's last year, the gap in children and a
goal's status history. No warehouse and no engine: each rule is a function of its arguments."""

from __future__ import annotations

from fractions import Fraction

from metrics import catalog, periods, stats
from metrics.attainment.results import NO_STATUS, GoalResult, Measure
from metrics.goals import GoalConfig, ResolvedGoal, Target


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
