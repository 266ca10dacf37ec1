"""Which periods a goal compares: the baseline and the current school year or term, the same
months of the baseline while a school year is in progress, the months left out where data is
missing in either year, the trend's school years and the periods a goal can be followed up for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from data.warehouse import Warehouse
from metrics import completeness, periods
from metrics.goals import GoalConfig
from metrics.periods import Period


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
