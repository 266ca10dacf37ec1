"""A goal's result in plain Swedish sentences: change against target, progress, significance,
projection, why a goal with parts has its status, population. No Streamlit: the goal cards, the
HTML reports and the committee brief all say the same thing."""

from __future__ import annotations

import math

from metrics import attainment, catalog, periods
from metrics.attainment import GoalResult
from ui import format as fmt


def change_text(r: GoalResult) -> str:
    """The change and the target, with enough decimals that a change short of the target never
    reads as the target (−1,96 next to −2,0, not −2,0 next to −2,0)."""
    if r.change is None or r.target is None:
        return fmt.MISSING
    if r.target.kind == "relative_change":
        goal = r.target.value / 100
        shown = fmt.distinct_from(r.change, goal, fmt.signed_pct) if r.status != "achieved" else fmt.signed_pct(r.change)
        return f"{shown} (målet är {fmt.signed_pct(goal, 0)})"
    goal = r.target.value / 100
    shown = fmt.distinct_from(r.change, goal, fmt.pp) if r.status != "achieved" else fmt.pp(r.change)
    return f"{shown} (målet är {fmt.pp(goal)})"


def progress_text(r: GoalResult) -> str:
    if r.progress is None:
        return "Underlag saknas för att beräkna hur långt målet har nåtts."
    if r.progress < 0:
        return "Utvecklingen har gått åt fel håll sedan basåret."
    # rounded down: 99,6 % of the way is "99 %", never "100 %" for a goal that is not met
    shown = math.floor(r.progress * 100) / 100 if r.progress < 1 else r.progress
    return f"{fmt.pct(shown, 0)} av den förändring som krävs."


def significance_text(r: GoalResult) -> str:
    if r.significant is None:
        return ""
    if r.significant:
        return "Förändringen sedan basåret är så stor att den med stor sannolikhet inte beror på slumpen."
    return "Förändringen är för liten för att säkert skilja från slumpen."


def on_track_text(r: GoalResult) -> str:
    if r.on_track is None:
        known = [m for m in r.series if m.value is not None and r.baseline and m.period >= r.baseline.period]
        if r.progress is not None and len(known) < attainment.MIN_YEARS_FOR_PROJECTION:
            return (f"För få läsår sedan basåret ({len(known)}) för att bedöma om målet nås under "
                    f"mandatperioden; minst {attainment.MIN_YEARS_FOR_PROJECTION} behövs.")
        return ""
    if r.on_track:
        return "I fas: utvecklingen pekar mot att målet nås under mandatperioden."
    return "Inte i fas: med nuvarande utveckling nås målet inte under mandatperioden."


def why_text(r: GoalResult) -> str:
    """One sentence on why a goal with parts has its status."""
    if not r.parts or r.status in attainment.NO_STATUS:
        return ""
    missing = [p.title.lower() for p in r.parts if p.status not in ("achieved",)]
    if r.status == "achieved":
        return "Alla delmål är uppnådda."
    if r.status == "no_data":
        return "Underlag saknas för " + ", ".join(p.title.lower() for p in r.parts if p.status == "no_data") + "."
    return "Målet är uppnått först när alla delar är det; inte uppnått: " + ", ".join(missing) + "."


def population_text(r: GoalResult) -> str:
    """Who the goal counts, in words, and the goal file's filter that makes it so."""
    text = f"Population: {r.population}" if r.population else ""
    if r.selection:
        text += f"{' ' if text else ''}(Urval: {r.selection}.)"
    return text


def follow_up_year(r: GoalResult) -> str:
    """The school year being followed up (the key under which analyses are stored): the one in
    progress while there is one, else the official one."""
    if r.preliminary is not None:
        return r.preliminary.period
    current = r.current or (r.parts[0].current if r.parts else None)
    if current is None:
        return ""
    return periods.school_year_of(periods.parse(current.period).start).code


def trend_title(r: GoalResult, part: bool = False) -> str:
    """A goal chart's title that says what is shown: 'Andel elever med hög frånvaro per läsår –
    Grundskolan' for a part, the indicator per school year for a goal without parts."""
    return f"{catalog.get(r.indicator).label} per läsår" + (f" – {r.title}" if part else "")


def school_year_marks(annotations) -> dict[str, list[str]]:
    """Annotations by the school year they fall in, as a goal trend's x axis names it:
    {'2023/24': ['Skolsociala team: pilot startar']}."""
    out: dict[str, list[str]] = {}
    for a in annotations:
        out.setdefault(periods.school_year_of(a.on).code, []).append(a.text)
    return out
