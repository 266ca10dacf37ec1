"""A goal's result in plain Swedish sentences: change against target, progress, significance,
projection, the gap in children, why a goal with parts has its status, population. No
Streamlit: the goal cards, the scorecard, the steering page, the HTML reports, the committee
brief (Word, PDF), the CLI and the image footnotes all say the same thing.

**The unit of a change is decided here, once, from the target's kind** (``change_words``): an
absolute or level target speaks in procentenheter, a relative one in per cent with the
percentage points in brackets. No other module formats a goal's change.

Every function that turns a goal's numbers into words is registered with ``@builder``;
tests/test_sentences.py generates each one for every goal and part, official and preliminary,
and checks every number it prints against the JSON, unit included. A function in ``ui/`` or
``cli.py`` that reads a goal's change, progress, interval or gap without being registered makes
that test fail.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable

from metrics import attainment, catalog, periods
from metrics.attainment import STATUS_LABELS, GoalResult, Preliminary
from ui import format as fmt

BUILDERS: dict[str, Callable] = {}


def builder(fn: Callable) -> Callable:
    """Register a function that words a goal's numbers (see the module docstring)."""
    BUILDERS[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


PP = "procentenheter"
PP_SHORT = "p.e."

# A population below this many pupils (in the current period) shows its number of pupils next
# to its status: a share of 5 out of 13 is not the same claim as 500 out of 1 300.
SMALL_POPULATION = 1000

UNCERTAIN = "osäkert"
UNCERTAIN_NOTE = ("”Osäkert” betyder att förändringen sedan basåret är för liten för att säkert skilja "
                  "från slumpen (95 %-intervallet för förändringen innehåller noll).")


# --- the unit of a change ---------------------------------------------------------------------

def _pp(x: float, decimals: int = 1, short: bool = False) -> str:
    text = fmt.pp(x, decimals)
    return text.replace(f" {PP}", f" {PP_SHORT}") if short else text


def change_words(kind: str | None, change: float | None, difference: float | None, *, short: bool = False,
                 target: float | None = None) -> str:
    """A change against the baseline in its target's unit. ``change`` is in the target's unit
    (a fraction: percentage points for absolute and level targets, the relative change for a
    relative one), ``difference`` the change in percentage points (p2 − p1). ``target`` (the
    target in the same unit) asks for enough decimals that a change short of the target never
    reads as the target. None: no change to state.

    Examples: ('absolute_change', −0.001, −0.001) -> '−0,1 procentenheter';
    ('relative_change', −0.156, −0.065) -> '−15,6 % (−6,5 procentenheter)';
    short=True -> '−15,6 % (−6,5 p.e.)'."""
    if change is None:
        return fmt.NOT_COMPUTED
    if kind == "relative_change":
        shown = fmt.distinct_from(change, target, fmt.signed_pct) if target is not None else fmt.signed_pct(change)
        return shown + (f" ({_pp(difference, short=short)})" if difference is not None else "")
    show = (lambda x, d=1: _pp(x, d, short))  # noqa: E731
    return fmt.distinct_from(change, target, show) if target is not None else show(change)


def interval_words(kind: str | None, ci: tuple[float, float] | None, short: bool = False) -> str:
    """A change's 95 % interval in the target's unit: '−25,1 % till −7,0 %' (relative),
    '−0,9 till +0,7 procentenheter' (absolute). '' when there is none."""
    if ci is None:
        return ""
    if kind == "relative_change":
        return f"{fmt.signed_pct(ci[0])} till {fmt.signed_pct(ci[1])}"
    low = _pp(ci[0], short=short).split(" ")[0]
    return f"{low} till {_pp(ci[1], short=short)}"


def target_words(r: GoalResult) -> str:
    """The target in its own unit: '−2,0 procentenheter', '−20 %', 'högst 12,0 %'."""
    if r.target is None:
        return fmt.NOT_COMPUTED
    goal = r.target.value / 100
    if r.target.kind == "relative_change":
        return fmt.signed_pct(goal, 0)
    if r.target.kind == "level":
        ind = catalog.get(r.indicator) if r.indicator else None
        word = "minst" if ind is not None and ind.polarity == "higher_better" else "högst"
        return f"{word} {fmt.pct(goal)}"
    return fmt.pp(goal)


def _target_fraction(r: GoalResult) -> float | None:
    return r.target.value / 100 if r.target is not None and r.target.kind != "level" else None


@builder
def change_text(r: GoalResult) -> str:
    """The goal card's change and target: '−0,1 procentenheter (målet är −2,0 procentenheter)',
    '−16,4 % (−6,9 procentenheter); målet är −20 %'. Enough decimals that a change short of
    the target never reads as the target (−1,96 next to −2,0)."""
    if r.change is None or r.target is None:
        return fmt.NOT_COMPUTED
    target = None if r.status == "achieved" else _target_fraction(r)
    shown = change_words(r.target.kind, r.change, r.difference, target=target)
    if r.target.kind == "relative_change":  # the brackets already hold the percentage points
        return f"{shown}; målet är {target_words(r)}"
    return f"{shown} (målet är {target_words(r)})"


@builder
def change_with_interval(r: GoalResult) -> str:
    """The brief's 'Förändring' fact: the change, the target and the change's 95 % interval."""
    text = change_text(r)
    ci = interval_words(r.target.kind if r.target else None, r.change_ci)
    return text + (f"; 95 %-intervall {ci}" if ci else "")


@builder
def change_short(r: GoalResult) -> str:
    """The change with its interval, compact for a table: '−0,1 p.e. (−0,9 till +0,7)',
    '−16,4 % (−6,9 p.e.), 95 %: −25,1 % till −7,0 %'."""
    if r.parts:
        return fmt.SEE_PARTS
    if r.change is None or r.target is None:
        return fmt.NOT_COMPUTED
    kind = r.target.kind
    target = None if r.status == "achieved" else _target_fraction(r)
    value = change_words(kind, r.change, r.difference, short=True, target=target)
    if r.change_ci is None:
        return value
    if kind == "relative_change":
        return f"{value}; 95 %: {interval_words(kind, r.change_ci)}"
    low, high = (_pp(x, short=True).split(" ")[0] for x in r.change_ci)
    return f"{value} ({low} till {high})"


# --- status, strength and size ------------------------------------------------------------------

def uncertain(status: str, significant: bool | None) -> bool:
    """Whether a status rests on a change that may be chance (shown as 'osäkert')."""
    return significant is False and status in ("achieved", "partly", "not_achieved")


@builder
def status_words(status: str, significant: bool | None = None, symbol: bool = True) -> str:
    """A status as symbol and words, marked when the change may be chance:
    '✓ Uppnått', '✓ Uppnått – osäkert', '○ Basår'."""
    text = (f"{fmt.STATUS_SYMBOLS[status]} " if symbol else "") + STATUS_LABELS[status]
    return text + (f" – {UNCERTAIN}" if uncertain(status, significant) else "")


def small_population(r: GoalResult | Preliminary) -> bool:
    c = r.current
    return c is not None and c.denominator is not None and 0 < c.denominator < SMALL_POPULATION


# What one unit of a goal's denominator is, per catalog source: '5 av 13 elever'.
UNIT_NOUNS = {"pupils": "elever", "reports": "anmälningar"}


@builder
def size_words(r: GoalResult | Preliminary, indicator: str | None = None) -> str:
    """The number of units behind a goal's current value, shown for a small population:
    '5 av 13 elever'; '' for a large one (or none)."""
    c = r.current
    if not small_population(r) or c.numerator is None:
        return ""
    indicator = indicator or getattr(r, "indicator", None)
    noun = UNIT_NOUNS.get(catalog.get(indicator).source, "fall") if indicator else "elever"
    return f"{fmt.number(c.numerator)} av {fmt.number(c.denominator)} {noun}"


@builder
def current_words(r: GoalResult) -> str:
    """The scorecard's 'Nu': '13,9 % (läsåret 2025/26)', with the pupils of a small population:
    '35,1 % (112 av 319 elever, läsåret 2025/26)'; a goal with parts: 'se delmålen'."""
    if r.parts:
        return fmt.SEE_PARTS
    c = r.current
    if c is None:
        return fmt.NO_DATA
    if c.suppressed:
        return fmt.SUPPRESSED
    if c.value is None:
        return f"{fmt.NO_DATA} ({c.label})"
    inside = ", ".join(x for x in (size_words(r), c.label) if x)
    return f"{fmt.indicator_value(c.value, r.indicator)} ({inside})"


# --- progress and the other sentences -----------------------------------------------------------

@builder
def progress_text(r: GoalResult | Preliminary) -> str:
    if r.progress is None:
        return "Underlag saknas för att beräkna hur långt målet har nåtts."
    if r.progress < 0:
        return "Utvecklingen har gått åt fel håll sedan basåret."
    # rounded down: 99,6 % of the way is "99 %", never "100 %" for a goal that is not met
    shown = math.floor(r.progress * 100) / 100 if r.progress < 1 else r.progress
    return f"{fmt.pct(shown, 0)} av den förändring som krävs."


@builder
def significance_text(r: GoalResult) -> str:
    if r.significant is None:
        return ""
    if r.significant:
        return "Förändringen sedan basåret är så stor att den med stor sannolikhet inte beror på slumpen."
    return "Förändringen är för liten för att säkert skilja från slumpen."


@builder
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


def _numerator_noun(indicator: str | None) -> str:
    return catalog.get(indicator).numerator_noun if indicator else "elever"


def _rounded_gap(gap: float) -> int:
    """A projection to the nearest 10 (it is not a count from the data): 287 -> 290."""
    return round(abs(gap) / 10) * 10


@builder
def gap_text(r: GoalResult | Preliminary, subject: str | None = None, indicator: str | None = None) -> str:
    """The target in children at today's population (a projection, rounded to the nearest 10;
    'färre än 10' below that), for a part by its title, for a goal impersonally:
    'Grundskolan behöver ungefär 290 färre elever med hög frånvaro för att nå målnivån 12,0 %.'
    'Det är färre än 10 elever med hög frånvaro kvar till målnivån 33,6 %.'
    A goal already met says by how much, in the same words:
    'Gymnasieskolan har ungefär 40 färre elever med hög frånvaro än målnivån 18,4 % tillåter.'
    '' when it cannot be computed."""
    gap = r.children_gap
    level = r.target_value
    indicator = indicator or getattr(r, "indicator", None)
    if gap is None or level is None or indicator is None:
        return ""
    higher = catalog.get(indicator).polarity == "higher_better"
    fewer, noun = ("fler" if higher else "färre"), _numerator_noun(indicator)
    level_text = fmt.indicator_value(level, indicator)
    n = fmt.number(_rounded_gap(gap))
    small = abs(gap) < 10  # "färre än 10" below 10, whatever it would round to
    if gap > 0:
        if small:
            return (f"{subject} är färre än 10 {noun} från målnivån {level_text}." if subject else
                    f"Det är färre än 10 {noun} kvar till målnivån {level_text}.")
        return (f"{subject} behöver ungefär {n} {fewer} {noun} för att nå målnivån {level_text}." if subject else
                f"Det behövs ungefär {n} {fewer} {noun} för att nå målnivån {level_text}.")
    if small:
        return (f"{subject} når målnivån {level_text} med en marginal på färre än 10 {noun}." if subject else
                f"Målnivån {level_text} nås med en marginal på färre än 10 {noun}.")
    limit = "kräver" if higher else "tillåter"
    return (f"{subject} har ungefär {n} {fewer} {noun} än målnivån {level_text} {limit}." if subject else
            f"Det är ungefär {n} {fewer} {noun} än målnivån {level_text} {limit}.")


@builder
def gap_short(r: GoalResult) -> str:
    """The gap in children for a table cell: 'ungefär 290 färre elever med hög frånvaro',
    'färre än 10 kvar', 'nått: ungefär 40 färre elever med hög frånvaro än målnivån'."""
    if r.parts:
        return fmt.SEE_PARTS
    if r.children_gap is None or r.indicator is None:
        return fmt.NOT_COMPUTED
    higher = catalog.get(r.indicator).polarity == "higher_better"
    gap, n = r.children_gap, _rounded_gap(r.children_gap)
    if gap > 0:
        if abs(gap) < 10:
            return "färre än 10 kvar"
        return f"ungefär {fmt.number(n)} {'fler' if higher else 'färre'} {_numerator_noun(r.indicator)}"
    noun = _numerator_noun(r.indicator)  # the unit is children, never a share: '20' alone reads as per cent
    if abs(gap) < 10:
        return f"nått, med en marginal på färre än 10 {noun}"
    return f"nått: ungefär {fmt.number(n)} {'fler' if higher else 'färre'} {noun} än målnivån"


def subject(r: GoalResult, part: bool) -> str | None:
    """Who the gap sentence speaks of: a part by its title ('Grundskolan'); None for a goal
    (the sentence is then impersonal: 'Det behövs …')."""
    return r.title if part else None


@builder
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


@builder
def preliminary_text(r: GoalResult, with_status: bool = True) -> str:
    """The school year in progress in one line, its change in the target's unit:
    '◐ Delvis uppnått, höstterminen 2026 t.o.m. oktober: 35,4 % (95 %-intervall 30,1 %–41,0 %)
    mot 41,6 % samma månader basåret, −14,9 % (−6,2 procentenheter). Preliminärt: …'. A goal with
    parts gives its status only (its parts give their values). ``with_status=False`` leaves the
    status out (the goal card shows it as a badge). '' when no year is in progress."""
    p = r.preliminary
    if p is None:
        return ""
    text = f"{status_words(p.status, p.significant)}, {p.label}" if with_status else p.label
    if p.current is not None and p.current.suppressed:
        text += f": {fmt.SUPPRESSED}"
    elif p.current is not None and p.current.value is not None and r.indicator and not r.parts:
        interval = (f" (95 %-intervall {fmt.pct(p.current.ci_low)}–{fmt.pct(p.current.ci_high)})"
                    if p.current.ci_low is not None else "")
        base = fmt.shown(p.baseline.value if p.baseline else None, p.baseline is not None and p.baseline.suppressed,
                         lambda v: fmt.indicator_value(v, r.indicator))
        inside = "; ".join(t for t in (size_words(p, r.indicator), interval.strip(" ()")) if t)
        text += (f": {fmt.indicator_value(p.current.value, r.indicator)}{f' ({inside})' if inside else ''} mot "
                 f"{base} samma månader basåret, "
                 f"{change_words(r.target.kind if r.target else None, p.change, p.difference)}")
    text += ". Preliminärt: läsåret pågår och den officiella statusen ändras inte."
    if p.incomplete:
        text += " " + p.incomplete
    return text


@builder
def preliminary_gap_text(r: GoalResult, part: bool = False) -> str:
    """The gap in children for the term so far (against the same months' target level)."""
    p = r.preliminary
    if p is None or r.parts:
        return ""
    text = gap_text(p, subject(r, part), r.indicator)
    return f"Preliminärt, {p.label}: {text[0].lower()}{text[1:]}" if text else ""


@builder
def trend_note(r: GoalResult) -> str:
    """The goal trend image's footnote on the goal: its change in the target's unit and its
    exact counts (goal-level figures are not rounded)."""
    if r.parts or r.target is None:
        return ""
    text = "Målets värden räknas på exakta antal (de avrundas inte)."
    if r.change is not None and r.status not in attainment.NO_STATUS:
        text = (f"Förändring sedan basåret: {change_words(r.target.kind, r.change, r.difference)}; målet är "
                f"{target_words(r)}. {status_words(r.status, r.significant, symbol=False)}. " + text)
    return text


SCORECARD_COLUMNS = ("Mål", "Status", "Basår", "Nu", "Målnivå", "Förändring (95 %-intervall)", "Kvar till målet",
                     "Preliminärt")


@builder
def scorecard_row(r: GoalResult, part: bool, since: str | None = None) -> dict[str, str]:
    """One goal or part as the scorecard shows it (page, brief, HTML report); ``since``: the
    first school year of the status's unbroken run (``attainment.status_since``), None: unknown."""
    own = not r.parts and r.indicator
    pre = r.preliminary
    if pre is None:
        preliminary = fmt.NOT_APPLICABLE
    else:
        preliminary = f"{status_words(pre.status, pre.significant)}, {pre.label}"
        if pre.incomplete:
            preliminary += " (underlaget ofullständigt)"
    return {
        "Mål": ("– " if part else "") + r.title,
        "Status": status_words(r.status, None if r.parts else r.significant) + (f", sedan läsåret {since}" if since else "")
                  + (" (underlaget ofullständigt)" if r.incomplete else ""),
        "Basår": (fmt.indicator_value(r.baseline.value, r.indicator) if own and r.baseline and r.baseline.value is not None
                  else fmt.SEE_PARTS if r.parts else fmt.NO_DATA),
        "Nu": current_words(r),
        "Målnivå": (fmt.indicator_value(r.target_value, r.indicator) if own and r.target_value is not None
                    else fmt.SEE_PARTS if r.parts else fmt.NOT_COMPUTED),
        "Förändring (95 %-intervall)": change_short(r),
        "Kvar till målet": gap_short(r),
        "Preliminärt": preliminary,
    }


SCORECARD_LEGEND = (
    "Status: officiell status för det senaste avslutade läsåret jämfört med basåret; ”sedan läsåret” anger "
    "det första läsåret i den obrutna följd av läsår som har haft samma status. "
    "Kvar till målet: ungefär hur många färre elever med hög frånvaro som behövs för att nå målnivån "
    "med dagens antal elever (en uppskattning, avrundad till närmaste 10). "
    "Preliminärt: det pågående läsåret hittills mot samma månader basåret; det ändrar inte den officiella "
    "statusen. " + UNCERTAIN_NOTE)


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


# --- the steering group's table of goals --------------------------------------------------------

STEERING_LEGEND = (
    "Officiell status: det senaste avslutade läsåret jämfört med basåret (ändras när ett läsår avslutas). "
    "Ändrad: om den officiella statusen har ändrats sedan utgången av månaden innan. "
    "Nuvarande och Målnivå: det officiella läsårets värde och den nivå målet kräver. "
    "Preliminärt: det pågående läsåret hittills mot samma månader basåret, med dess förändring mot basåret "
    "(i målets enhet: procentenheter för mål i procentenheter, procent för mål i procent). "
    "Riktning sedan månaden innan: om den preliminära förändringen mot basåret har rört sig mot målet "
    "(↑ Bättre) eller bort från det (↓ Sämre) sedan månaden innan; pilen visar bättre eller sämre, inte om "
    "andelen har stigit eller sjunkit. " + UNCERTAIN_NOTE)


def _direction(change_now: float | None, change_before: float | None, polarity: str | None, now: str,
               before: str) -> str:
    """Better or worse since the month before: whether the preliminary change against the
    baseline moved the way the indicator improves (down for lower is better), with a symbol
    and words: '↑ Bättre', '↓ Sämre', '→ Oförändrad' (the change reads the same as printed).
    Not the raw value: each month is compared with the same months of the baseline, so the
    value can rise while the change against the baseline improves."""
    if change_now is None or change_before is None:
        return fmt.NOT_COMPUTED
    if now == before or change_now == change_before:
        return "→ Oförändrad"
    better = (change_now < change_before) == (polarity != "higher_better")
    return "↑ Bättre" if better else "↓ Sämre"


@builder
def steering_rows(df):
    """(export, display) of ``views.goal_status_month`` for the steering page and its brief."""
    import polars as pl

    parents = set(df["parent_id"].drop_nulls())
    export_rows, display_rows = [], []
    for r in df.iter_rows(named=True):
        own = r["goal_id"] not in parents
        kind = r["target_kind"]
        status = status_words(r["status"], r["significant"] if own else None)  # a goal's parts carry it
        changed = r["status_changed"]
        if r["status_before"] is None:
            change_cell = fmt.NO_DATA
        elif changed:
            change_cell = f"Ja: {STATUS_LABELS[r['status_before']]} → {STATUS_LABELS[r['status']]}"
        else:
            change_cell = "Nej"
        size = (f" ({fmt.number(r['current_numerator'])} av {fmt.number(r['current_denominator'])} elever)"
                if own and r["current_denominator"] and r["current_denominator"] < SMALL_POPULATION
                and r["current_numerator"] is not None else "")
        pre_now = change_words(kind, r["preliminary_change"], r["preliminary_difference"], short=True) \
            if r["preliminary_change"] is not None else fmt.NOT_COMPUTED
        pre_before = change_words(kind, r["preliminary_change_before"], r["preliminary_difference_before"],
                                  short=True) if r["preliminary_change_before"] is not None else fmt.NOT_COMPUTED
        direction = (_direction(r["preliminary_change"], r["preliminary_change_before"], r["polarity"], pre_now,
                                pre_before) if own else fmt.SEE_PARTS)
        if own and r["preliminary_change_before"] is not None and direction != fmt.NOT_COMPUTED:
            direction += f"; månaden innan {pre_before}"
        pre_status = (f"{status_words(r['preliminary_status'], r['preliminary_significant'] if own else None)}, "
                      f"{r['preliminary_label']}") if r["preliminary_status"] else fmt.NOT_APPLICABLE

        def value(col: str) -> str:
            if not own:
                return fmt.SEE_PARTS
            return fmt.pct(r[col]) if r[col] is not None else fmt.NO_DATA

        display_rows.append({
            "Mål": r["title"] if r["parent_id"] is None else f"– {r['title']}", "Nämnd": r["committee"],
            "Officiell status": f"{status} ({r['current_label']})" if r["current_label"] else status,
            "Ändrad": change_cell,
            "Nuvarande": value("current_value") + size, "Målnivå": value("target_value"),
            "Preliminärt": pre_status + (" – underlaget är ofullständigt" if r["incomplete"] else ""),
            "Preliminärt värde": value("preliminary_value"),
            "Preliminärt mot basåret": pre_now if own else fmt.SEE_PARTS,
            "Riktning sedan månaden innan": direction,
        })
        unit = ("procent av basvärdet" if kind == "relative_change" else PP) if own and kind else None
        export_rows.append({
            "Mål": r["title"], "Nämnd": r["committee"], "Officiell period": r["current_label"],
            "Status": STATUS_LABELS[r["status"]],
            "Osäkert": "ja" if uncertain(r["status"], r["significant"]) else "nej",
            "Status månaden innan": STATUS_LABELS.get(r["status_before"]) if r["status_before"] else None,
            "Nuvarande värde": r["current_value"] if own else None,
            "Målnivå": r["target_value"] if own else None,
            "Andel av förändringen som krävs": r["progress"],
            "Preliminärt, period": r["preliminary_label"],
            "Preliminär status": STATUS_LABELS.get(r["preliminary_status"]) if r["preliminary_status"] else None,
            "Preliminärt värde": r["preliminary_value"] if own else None,
            "Preliminär förändring mot basåret": r["preliminary_change"] if own else None,
            "Förändringens enhet": unit,
            "Preliminär förändring mot basåret, procentenheter": r["preliminary_difference"] if own else None,
            "Riktning sedan månaden innan": direction if own else None,
            "Underlaget": r["incomplete"]})
    numbers = {c: pl.Float64 for c in ("Nuvarande värde", "Målnivå", "Andel av förändringen som krävs",
                                       "Preliminärt värde", "Preliminär förändring mot basåret",
                                       "Preliminär förändring mot basåret, procentenheter")}
    export = pl.DataFrame(export_rows, schema_overrides=numbers, infer_schema_length=None)
    return export, pl.DataFrame(display_rows, infer_schema_length=None)


# --- the command line's blocks (cli.py status) --------------------------------------------------

STATUS_BLOCK_WIDTH = 26  # the labels' column of cli.py status: '  samma månader basåret' and room
STATUS_COLUMNS = 100  # cli.py status reads in a terminal this wide


def _block(lines: list[tuple[str, str]], indent: str) -> list[str]:
    """Label and text, one per line, the text wrapped under itself; a blank label (what is
    incomplete) gives the text alone, at the label's own indent ('' the goal's, '  ' its
    preliminary result's)."""
    out = []
    for label, text in lines:
        if not text:
            continue
        head = f"{indent}  {label.ljust(STATUS_BLOCK_WIDTH)}" if label.strip() else f"{indent}  {label}"
        out.append(_wrapped(text, head, " " * len(head)))
    return out


def _wrapped(text: str, first: str = "", rest: str = "") -> str:
    """``text`` wrapped at STATUS_COLUMNS, a number kept with its unit ('95 %', '12 345')."""
    kept = re.sub(r"(?<=\d) (?=%|\d{3}\b)", "\x1f", text)  # textwrap breaks at ASCII spaces only
    return textwrap.fill(kept, STATUS_COLUMNS, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=False).replace("\x1f", " ")


@builder
def status_table(results: list[GoalResult], cfg) -> str:
    """``cli.py status`` as text: one block per goal and part, headed by its title, id and
    committee, with the scorecard's words (status, values, change in the target's unit, gap in
    children) one per line, so that it reads in a terminal of 100 columns; the comparison, what
    is incomplete and the preliminary result of the year in progress in the same block.

    Example::

        Hög frånvaro ska minska (bun-hog-franvaro, BUN)
          Status                    ✗ Ej uppnått, sedan läsåret 2024/25
          – Grundskolan (bun-hog-franvaro-grundskola)
            Status                    ✗ Ej uppnått – osäkert, sedan läsåret 2024/25
            Basår                     14,0 %
    """
    out: list[str] = []
    for r in results:
        out.append("")
        for g, part in [(r, False), *((p, True) for p in r.parts)]:
            row = scorecard_row(g, part, attainment.status_since(g, cfg))
            indent = "  " if part else ""
            name = f"{g.id}" if part else f"{g.id}, {', '.join(g.committee)}"
            out.append(f"{indent}{'– ' if part else ''}{g.title} ({name})")
            own = not g.parts and g.indicator
            lines = [("Status", row["Status"])]
            if own:
                lines += [("Basår", row["Basår"]), ("Nu", row["Nu"]), ("Målnivå", row["Målnivå"]),
                          ("Förändring (intervall)", row["Förändring (95 %-intervall)"]),
                          ("Kvar till målet", row["Kvar till målet"])]
                if g.progress is not None:
                    lines.append(("Framsteg", progress_text(g).rstrip(".")))
            lines += [("", g.problem or ""), ("", g.incomplete or "")]
            if g.preliminary is not None:
                p = g.preliminary
                pre = [("Preliminärt", f"{status_words(p.status, p.significant if own else None)}, {p.label}")]
                if own:
                    pre += [("  samma månader basåret", fmt.shown(p.baseline.value if p.baseline else None,
                                                               p.baseline is not None and p.baseline.suppressed, fmt.pct)),
                            ("  hittills", fmt.shown(p.current.value if p.current else None,
                                                     p.current is not None and p.current.suppressed, fmt.pct)),
                            ("  förändring", change_words(g.target.kind if g.target else None, p.change, p.difference,
                                                         short=True)),
                            ("  kvar till målet", gap_short(p_as_result(g)))]
                pre.append(("  ", p.incomplete or ""))
                lines += pre
            out.extend(_block(lines, indent))
    notes = sorted({r.comparison_note for r in results if r.comparison_note})
    first = next((g.preliminary for g in attainment.flatten(results) if g.preliminary), None)
    if first is not None:
        notes.append(f"Preliminärt: det ändrar inte den officiella statusen. {first.note}")
    notes.append(UNCERTAIN_NOTE)
    out += ["", *(_wrapped(n) for n in notes)]
    return "\n".join(out).lstrip("\n")


def p_as_result(r: GoalResult) -> GoalResult:
    """A goal's preliminary result in a GoalResult's shape (for the table cells that take one)."""
    p = r.preliminary
    return GoalResult(id=r.id, committee=r.committee, title=r.title, description="", indicator=r.indicator,
                      target=r.target, status=p.status, progress=p.progress, significant=p.significant,
                      on_track=None, baseline=p.baseline, current=p.current, target_value=p.target_value,
                      change=p.change, change_ci=p.change_ci, difference=p.difference, children_gap=p.children_gap)
