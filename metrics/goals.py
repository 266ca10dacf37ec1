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
        return ResolvedGoal(goal=goal, indicator=ind, baseline_period=base, target=target,
                            filter=flt, committee=committees)

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
    if ind in catalog.BY_NAME:
        allowed = set(catalog.SOURCES[catalog.BY_NAME[ind].source].dims) | {"with_intervention"}
        flt = {**(parent.filter if parent else {}), **g.filter}
        for key in flt:
            if key not in allowed:
                problems.append(f"{loc} → filter → {key}: indikatorn '{ind}' kan inte filtreras på "
                                f"'{key}'; möjliga: {', '.join(sorted(allowed))}")
    return problems


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
