"""The brief's one content model and how it is built: ``Brief`` (cover, scorecard, goals, and the
steering group's changes, due items and key indicators) and ``GoalBlock`` (one goal or part as
every report shows it), filled by ``build`` and ``goal_block`` from the goals' results, the
registers and the committees' analyses.

The seam: everything the reports say is decided here, in words (``ui.goal_text``) and numbers
(``ui.format``); the renderers (``html``, ``word``, ``pdf``) only lay it out, so the three
documents cannot say different things. The few lines both documents print the same way (the
cover, the heading of what is due) and the file name are here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import plotly.graph_objects as go
import polars as pl

from data import registers, settings, store
from data.warehouse import Warehouse
from metrics import attainment, engine, periods, views
from metrics.attainment import STATUS_LABELS, GoalResult
from metrics.goals import GoalConfig
from ui import figures, goal_text, images
from ui import format as fmt

SCORECARD_HEADINGS = goal_text.SCORECARD_COLUMNS


@dataclass
class GoalBlock:
    """One goal (or part) as every report shows it."""
    title: str
    committee: str
    status: str  # attainment status key
    facts: list[tuple[str, str]]  # (label, value): baseline, current, target, change, …
    sentences: list[str]  # progress, significance, projection, comparison
    population: str = ""
    warnings: list[str] = field(default_factory=list)  # incomplete data, no status possible
    preliminary: str = ""
    analysis: str = ""
    analysis_meta: str = ""
    figure: go.Figure | None = None
    note: images.Note | None = None
    parts: list[GoalBlock] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # the goal's actions with owner, date and status
    significant: bool | None = None  # False: the status is marked 'osäkert'

    @property
    def status_text(self) -> str:
        return goal_text.status_words(self.status, self.significant)


@dataclass
class Brief:
    title: str
    committee: str  # 'Barn- och utbildningsnämnden', or 'Styrgruppen' for the steering version
    period: str  # 'läsåret 2025/26'
    as_of: date | None
    source: str
    scorecard: list[list[str]]
    goals: list[GoalBlock]
    changes: list[str] = field(default_factory=list)  # steering: status changes since last month
    due: list[str] = field(default_factory=list)  # steering: overdue and due before the next meeting
    due_as_of: date | None = None  # the day the registers were read (today), whatever the month
    key_indicators: pl.DataFrame | None = None  # steering: the month's key indicators
    month: str = ""  # steering: 'oktober 2026'
    notes: list[str] = field(default_factory=list)  # suppression and rounding


def _value(m, indicator: str | None) -> str:
    if m is None:
        return fmt.NO_DATA
    if not indicator:
        return m.label
    return f"{fmt.shown(m.value, m.suppressed, lambda v: fmt.indicator_value(v, indicator))} ({m.label})"


change_with_interval = goal_text.change_with_interval
preliminary_text = goal_text.preliminary_text


def goal_block(r: GoalResult, cfg: GoalConfig, comment, source: str, as_of: date | None,
               part: bool = False, store_url: str | None = None) -> GoalBlock:
    """``store_url``: where the goal's actions and the chart annotations are (None: neither)."""
    committee = " och ".join(cfg.committee_name(c) for c in r.committee)
    warnings = [t for t in (r.incomplete, r.problem) if t]
    if r.status in attainment.NO_STATUS:
        warnings.append(r.comparison_note)
    facts, sentences = [], []
    if not r.parts:
        size = goal_text.size_words(r)
        facts = [("Basår", _value(r.baseline, r.indicator)),
                 ("Nu", _value(r.current, r.indicator) + (f", {size}" if size else "")),
                 ("Målnivå", fmt.indicator_value(r.target_value, r.indicator) if r.target_value is not None
                  else fmt.NOT_COMPUTED),
                 ("Förändring", goal_text.change_with_interval(r))]
        if r.status not in attainment.NO_STATUS:
            sentences = [t for t in (goal_text.progress_text(r), goal_text.gap_text(r, goal_text.subject(r, part)),
                                     goal_text.significance_text(r), goal_text.on_track_text(r)) if t]
    else:
        sentences = [t for t in (goal_text.why_text(r),) if t]
    since = attainment.status_since(r, cfg)
    if since:
        facts.insert(0, ("Sedan", f"läsåret {since}"))
    figure = note = None
    if r.series and not r.parts:
        marks = goal_text.school_year_marks(registers.annotations_for(store_url, r.id, r.indicator)) if store_url else {}
        figure = figures.goal_trend(r, goal_text.trend_title(r, part), marks)[0]
        first, last = r.series[0].period, r.series[-1].period
        note = images.Note(source=source, as_of=as_of, population=r.population or "",
                           period=f"läsåren {first}–{last}", suppressed=any(m.suppressed for m in r.series),
                           extra=(goal_text.trend_note(r),))  # goal-level figures: exact, not rounded
    preliminary = " ".join(t for t in (goal_text.preliminary_text(r), goal_text.preliminary_gap_text(r, part)) if t)
    block = GoalBlock(
        title=r.title, committee=committee, status=r.status, facts=facts, sentences=sentences,
        population=goal_text.population_text(r), warnings=warnings, preliminary=preliminary,
        figure=figure, note=note, significant=None if r.parts else r.significant)  # parts carry their own
    if comment is not None:
        block.analysis = comment.text
        block.analysis_meta = ", ".join(x for x in (comment.author, f"{comment.created_at:%Y-%m-%d}") if x)
    block.parts = [goal_block(p, cfg, None, source, as_of, part=True, store_url=store_url) for p in r.parts]
    if store_url and not part:
        reg = registers.REGISTERS["atgarder"]
        now = date.today()
        block.actions = [f"{a.title} – {a.owner or 'ansvarig saknas'}"
                         + (f", klart senast {a.due.isoformat()}" if a.due else "")
                         + f" ({registers.status_of(reg, a, now)})"
                         for a in registers.current(store_url, reg) if a.goal_id == r.id]
    return block


change_short = goal_text.change_short


def scorecard_rows(results: list[GoalResult], cfg: GoalConfig | None = None) -> list[list[str]]:
    """One row per goal and part, as the Översikt's scorecard (``goal_text.scorecard_row``)."""
    rows = []
    for r in attainment.flatten(results):
        part = any(r in p.parts for p in results)
        since = attainment.status_since(r, cfg) if cfg is not None else None
        row = goal_text.scorecard_row(r, part, since)
        rows.append([row[c] for c in SCORECARD_HEADINGS])
    return rows


def analysis_for(url: str, r: GoalResult, period: str):
    """The committee's analysis of the reported school year, else of the year in progress."""
    found = store.latest_comments(url, period).get(r.id)
    if found is None and goal_text.follow_up_year(r) != period:
        found = store.latest_comments(url, goal_text.follow_up_year(r)).get(r.id)
    return found


def _exact_note() -> str:
    """Which figures are exact: the goals' own (the rest is rounded, ``fmt.rounding_note``)."""
    return "Målens värden (målnivå, basår, nu, förändring) räknas på exakta antal och avrundas inte." \
        if fmt.rounding_note() else ""


def build(wh: Warehouse, cfg: GoalConfig, store_url: str, committee: str = "all", period: str | None = None,
          month: str | None = None) -> Brief:
    """The brief for one committee ('BUN', 'SN') or both ('all'). With a ``month`` it is the
    steering group's version: both committees' goals, the status changes since the month before
    and the month's key indicators."""
    if committee != "all" and committee not in {c.id for c in cfg.committees}:
        raise ValueError(f"Okänd nämnd '{committee}'. Ange {', '.join(c.id for c in cfg.committees)} eller all.")
    info_meta = wh.meta()
    source = images.source_label(info_meta)
    until = engine.data_until(wh, "pupils")
    # the steering group's brief for a month says what the page for that month says: the goals as
    # of the month's end, not as of the latest data (a March brief quotes no figure from after March)
    month_end = periods.parse(month).end if month else None
    if month_end is not None and (until is None or month_end < until):
        until = month_end
    results = attainment.evaluate_all(wh, cfg, period, month_end)
    results = [r for r in results if committee == "all" or committee in r.committee]
    official = period or (results[0].current.period if results and results[0].current else "")
    period_label = periods.parse(official).label if official else fmt.NO_DATA
    goals = [goal_block(r, cfg, analysis_for(store_url, r, official), source, until, store_url=store_url)
             for r in results]
    name = (("Styrgruppen" if month else " och ".join(c.name for c in cfg.committees)) if committee == "all"
            else cfg.committee_name(committee))
    brief = Brief(title="Uppföljningsrapport", committee=name, period=period_label, as_of=until, source=source,
                  scorecard=scorecard_rows(results, cfg), goals=goals,
                  notes=[t for t in (goal_text.SCORECARD_LEGEND, fmt.SUPPRESSED_NOTE, _exact_note(), fmt.rounding_note())
                         if t])
    if month:
        brief.month = periods.parse(month).label
        changes = views.goal_status_month(wh, cfg, month, now=results if period is None else None)
        for r in changes.iter_rows(named=True):
            if r["status_changed"]:
                brief.changes.append(f"{r['title']}: {STATUS_LABELS.get(r['status_before'], fmt.NO_DATA)} → "
                                     f"{STATUS_LABELS[r['status']]} ({r['current_label']}).")
            if r["preliminary_changed"]:
                brief.changes.append(f"{r['title']} (preliminärt, {r['preliminary_label']}): "
                                     f"{STATUS_LABELS.get(r['preliminary_status_before'], fmt.NO_DATA)} → "
                                     f"{STATUS_LABELS[r['preliminary_status']]}.")
        if not brief.changes:
            brief.changes.append("Ingen status, officiell eller preliminär, har ändrats sedan månaden innan.")
        brief.key_indicators = figures.key_indicators(views.key_indicators_month(wh, month, cfg))[1]
        brief.notes.insert(0, figures.key_legend(rounded=settings.rounding_base() > 1).strip())  # never exact
        now = date.today()  # the registers as they stand today, whatever month the figures are for
        brief.due_as_of = now
        nxt = registers.next_meeting(store_url, now)
        brief.due = [f"{'Försenad' if d.overdue else 'Förfaller'} {d.due.isoformat()}: {d.register.lower()} – {d.title}"
                     + (f" ({d.owner})" if d.owner else "") for d in registers.due_items(store_url, now, nxt)]
        if not brief.due:
            brief.due = ["Inget är försenat och inget förfaller före nästa möte."]
    return brief


def _due_heading(b: Brief) -> str:
    """'Att följa upp i dag (2026-12-03): försenat och förfaller före nästa möte' – the registers
    are today's, also in a brief for an earlier month."""
    day = f" i dag ({b.due_as_of.isoformat()})" if b.due_as_of else ""
    return f"Att följa upp{day}: försenat och förfaller före nästa möte"


def _cover_lines(b: Brief) -> list[str]:
    lines = [f"Period: {b.period}", f"Data t.o.m.: {b.as_of.isoformat() if b.as_of else fmt.NO_DATA}",
             f"Källa: {b.source}", f"Skapad: {datetime.now():%Y-%m-%d} ur Samverkan"]
    if b.month:
        lines.insert(1, f"Månad: {b.month}")
    return lines


def file_name(b: Brief, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"uppfoljningsrapport {b.committee} {b.period}".lower()
                  .replace("å", "a").replace("ä", "a").replace("ö", "o")).strip("-")
    return f"{slug}.{ext}"

