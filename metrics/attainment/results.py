"""What a goal's evaluation gives back: the measures, the preliminary result and the goal's
result (with its parts), their Swedish status labels, and the table of all of them (``frame``).
Types only: the rules that fill them are in ``rules``, the periods in ``comparisons`` and the
work in ``evaluation``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from metrics import catalog, goals
from metrics.goals import Target


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
