"""Goal configuration as data: a YAML file validated by pydantic.

A bad file raises ``GoalConfigError`` whose message names the file and every field that is wrong,
in Swedish, e.g. ``goals → 1 → target → kind: ska vara en av absolute_change, relative_change,
level (fick 'percent')``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from metrics import catalog, periods

TARGET_KINDS = ("absolute_change", "relative_change", "level")
TARGET_KIND_LABELS = {
    "absolute_change": "förändring i procentenheter",
    "relative_change": "förändring i procent av utgångsvärdet",
    "level": "nivå",
}


_JOIN = " ¦ "  # joins the problems of the cross-field check; split again for the message


class GoalConfigError(ValueError):
    """The goal file is missing, not YAML, or does not validate. Message in Swedish."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Model):
    kind: Literal["absolute_change", "relative_change", "level"]
    # absolute_change: percentage points (-2.0); relative_change: percent (-20); level: percent (12.5)
    value: float


class Committee(_Model):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)


class MandatePeriod(_Model):
    start: int = Field(ge=2000, le=2100)
    end: int = Field(ge=2000, le=2100)

    @model_validator(mode="after")
    def _ordered(self) -> MandatePeriod:
        if self.end < self.start:
            raise ValueError("end får inte vara före start")
        return self


FilterValue = list[str] | bool


class Goal(_Model):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    committee: list[str] = Field(default_factory=list)
    description: str = ""
    # Who is counted, in the committee's words (shown on the goal card); None: inherited from the
    # parent goal, else the indicator's population. The filter is always shown beside it.
    population: str | None = None
    indicator: str | None = None
    filter: dict[str, FilterValue] = Field(default_factory=dict)
    baseline_period: str | None = None
    target: Target | None = None
    parts: list[Goal] = Field(default_factory=list)

    @field_validator("committee", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @field_validator("indicator")
    @classmethod
    def _known_indicator(cls, v: str | None) -> str | None:
        if v is not None and v not in catalog.BY_NAME:
            raise ValueError(f"okänd indikator '{v}'; kända: {', '.join(catalog.BY_NAME)}")
        return v

    @field_validator("baseline_period")
    @classmethod
    def _school_year(cls, v: str | None) -> str | None:
        if v is None:
            return v
        p = periods.parse(v)
        if p.kind != "school_year":
            raise ValueError(f"ska vara ett läsår, t.ex. 2022/23 (fick '{v}')")
        return p.code


class GoalConfig(_Model):
    mandate_period: MandatePeriod
    partly_threshold: float = Field(default=0.5, gt=0, lt=1)
    committees: list[Committee] = Field(min_length=1)
    goals: list[Goal] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> GoalConfig:
        known = {c.id for c in self.committees}
        seen: set[str] = set()
        problems: list[str] = []
        for i, goal in enumerate(self.goals):
            if not goal.committee:
                problems.append(f"goals → {i} → committee: saknas (ange t.ex. {sorted(known)[0]})")
            for c in goal.committee:
                if c not in known:
                    problems.append(f"goals → {i} → committee: okänd nämnd '{c}'; kända: {', '.join(sorted(known))}")
            for loc, g, parent in _walk(goal, f"goals → {i}"):
                if g.id in seen:
                    problems.append(f"{loc} → id: '{g.id}' förekommer mer än en gång")
                seen.add(g.id)
                problems.extend(_check_resolved(loc, g, parent))
        if problems:
            raise ValueError(_JOIN.join(problems))
        return self

    def resolved(self, goal: Goal, parent: Goal | None = None) -> ResolvedGoal:
        """A goal with indicator, baseline, target and filter inherited from its parent."""
        ind = goal.indicator or (parent.indicator if parent else None)
        base = goal.baseline_period or (parent.baseline_period if parent else None)
        target = goal.target or (parent.target if parent else None)
        flt = {**(parent.filter if parent else {}), **goal.filter}
        committees = goal.committee or (parent.committee if parent else [])
        population = goal.population or (parent.population if parent else None)
        if population is None and ind in catalog.BY_NAME:
            population = catalog.BY_NAME[ind].population
        return ResolvedGoal(goal=goal, indicator=ind, baseline_period=base, target=target,
                            filter=flt, committee=committees, population=population)

    def as_parent(self, goal: Goal) -> Goal:
        """A goal with what it inherits filled in, to resolve its parts against."""
        r = self.resolved(goal)
        return goal.model_copy(update={
            "indicator": r.indicator, "baseline_period": r.baseline_period, "target": r.target,
            "filter": r.filter, "committee": r.committee, "population": r.population})

    def leaves(self) -> list[tuple[ResolvedGoal, bool]]:
        """Every goal without parts and every part, resolved, with whether it is a part:
        BUN's two parts and SN's goal in the shipped goal file."""
        out = []
        for goal in self.goals:
            if goal.parts:
                parent = self.as_parent(goal)
                out.extend((self.resolved(part, parent), True) for part in goal.parts)
            else:
                out.append((self.resolved(goal), False))
        return out

    def committee_name(self, cid: str) -> str:
        return next((c.name for c in self.committees if c.id == cid), cid)


class ResolvedGoal(BaseModel):
    model_config = ConfigDict(frozen=True)
    goal: Goal
    indicator: str | None
    baseline_period: str | None
    target: Target | None
    filter: dict[str, FilterValue]
    committee: list[str]
    population: str | None = None


def _walk(goal: Goal, loc: str, parent: Goal | None = None):
    yield loc, goal, parent
    for j, part in enumerate(goal.parts):
        yield from _walk(part, f"{loc} → parts → {j}", goal)


def _check_resolved(loc: str, g: Goal, parent: Goal | None) -> list[str]:
    """A goal without parts must have (or inherit) indicator, baseline and target."""
    if g.parts:
        return []
    problems = []
    for field in ("indicator", "baseline_period", "target"):
        if getattr(g, field) is None and (parent is None or getattr(parent, field) is None):
            problems.append(f"{loc} → {field}: saknas (ange det på målet eller på dess överordnade mål)")
    ind = g.indicator or (parent.indicator if parent else None)
    if ind not in catalog.BY_NAME:
        return problems
    flt = {**(parent.filter if parent else {}), **g.filter}
    target = g.target or (parent.target if parent else None)
    return problems + goal_rule_problems(loc, catalog.BY_NAME[ind], flt, target)


# The code lists a filter's values are checked against (kept under its old name for callers).
_CODE_LISTS = catalog.CODE_LISTS


def goal_rule_problems(loc: str, ind: catalog.Indicator, flt: dict, target: Target | None) -> list[str]:
    """Every problem of a goal against the catalog's rules, each with where it is and a hint:
    an indicator that cannot carry a goal, an unknown filter or value, a target whose sign
    contradicts the indicator's polarity. The filter rule is the engine's too
    (``catalog.filter_problems``), so a goal that passes here does not fail at runtime."""
    problems = []
    if not ind.goal_capable:
        why = (f"är {ind.spec.noun}, inte en andel" if not ind.spec.goal_capable
               else "saknar riktning (varken högre eller lägre är i sig bättre)")
        capable = ", ".join(i.name for i in catalog.INDICATORS if i.goal_capable)
        problems.append(f"{loc} → indicator: '{ind.name}' kan inte bära ett mål: den {why}. "
                        f"Mål sätts på andelar med riktning: {capable}")
    # the catalog's filter rule, shared with the engine; worded here as the goal file's problems
    for p in catalog.filter_problems(ind, flt):
        where = f"{loc} → filter → {p.key}"
        if p.kind == "unknown":
            problems.append(f"{where}: indikatorn '{ind.name}' kan inte filtreras på "
                            f"'{p.key}'; möjliga: {', '.join(sorted(ind.filters))}")
        elif p.kind == "bool":
            problems.append(f"{where}: ska vara true eller false")
        elif p.kind == "list":
            problems.append(f"{where}: ska vara en lista med värden, t.ex. [{(p.allowed or ('...',))[0]}]")
        elif p.kind == "values":
            problems.append(f"{where}: okänt värde {', '.join(repr(v) for v in p.bad)}; "
                            f"möjliga: {', '.join(p.allowed)}")
        else:  # interventions
            problems.append(f"{where}: väljer vilka insatser som räknas, men indikatorn "
                            f"'{ind.name}' använder inte insatser; lägg till with_intervention: true")
    if target is not None and target.kind != "level" and ind.polarity in SIGN_OF_IMPROVEMENT:
        sign = SIGN_OF_IMPROVEMENT[ind.polarity]
        if target.value == 0 or (target.value > 0) != (sign > 0):
            better = catalog.POLARITIES[ind.polarity]
            example = -abs(target.value or 2.0) if sign < 0 else abs(target.value or 2.0)
            problems.append(f"{loc} → target → value: {target.value:g} är ingen förbättring för "
                            f"'{ind.name}' ({better}); ett mål om förbättring är "
                            f"{'negativt' if sign < 0 else 'positivt'}, t.ex. {example:g}")
    if target is not None and target.kind == "level" and not 0 <= target.value <= 100:
        problems.append(f"{loc} → target → value: en nivå anges i procent mellan 0 och 100 (fick {target.value:g})")
    return problems


def filter_text(flt: dict) -> str:
    """A goal's filter in Swedish words, e.g. ``{"operator": ["kommunal"], "school_form":
    ["grundskola"]}`` -> 'Huvudman: Kommunal; Skolform: Grundskola' ('' for no filter)."""
    labels = {**{d.name: d.label for d in catalog.DIMENSIONS.values()},
              **{f.name: f.label for s in catalog.SOURCES.values() for f in s.filters}}
    parts = []
    for key, values in flt.items():
        if isinstance(values, bool):
            text = "ja" if values else "nej"
        else:
            names = catalog.VALUE_LABELS.get({"intervention_committee": "committee"}.get(key, key), {})
            text = ", ".join(names.get(v, v) for v in values)
        parts.append(f"{labels.get(key, key)}: {text}")
    return "; ".join(parts)


# The sign of a change that is an improvement: a target must point that way.
SIGN_OF_IMPROVEMENT = {catalog.Polarity.LOWER_BETTER: -1, catalog.Polarity.HIGHER_BETTER: 1}


def _format_errors(path: Path, err: ValidationError) -> str:
    lines = [f"Målfilen {path} är felaktig:"]
    for e in err.errors():
        loc = " → ".join(str(x) for x in e["loc"]) or "(filen)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "literal_error":
            expected = ", ".join(TARGET_KINDS) if loc.endswith("kind") else e["ctx"].get("expected", "")
            msg = f"ska vara en av {expected} (fick '{e['input']}')"
        elif e["type"] == "missing":
            msg = "saknas"
        elif e["type"] == "extra_forbidden":
            msg = "okänt fält (stavfel?)"
        elif e["type"] in ("float_parsing", "int_parsing", "float_type", "int_type"):
            msg = f"ska vara ett tal (fick '{e['input']}')"
        if _JOIN in msg or loc == "(filen)":
            lines.extend(f"  - {m}" for m in msg.split(_JOIN))
            continue
        lines.append(f"  - {loc}: {msg}")
    return "\n".join(lines)


def load(path: Path | str) -> GoalConfig:
    """Read and validate a goal file; raise GoalConfigError with every problem found."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoalConfigError(f"Målfilen {path} finns inte.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (rad {mark.line + 1}, kolumn {mark.column + 1})" if mark else ""
        raise GoalConfigError(f"Målfilen {path} är inte giltig YAML{where}: {exc}") from None
    if not isinstance(raw, dict):
        raise GoalConfigError(f"Målfilen {path} ska innehålla mandate_period, committees och goals.")
    try:
        return GoalConfig.model_validate(raw)
    except ValidationError as err:
        raise GoalConfigError(_format_errors(path, err)) from None
