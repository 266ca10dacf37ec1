"""The committee brief ("Uppföljningsrapport") and the pages' HTML reports, from one content model.

``build`` assembles what a committee receives: a cover (committee, period, data date, source),
the scorecard, and per goal its status, values, change with interval, preliminary result,
population, completeness, the committee's analysis and its trend chart (from the one image
builder, ``ui.images``); the steering group's version adds the status changes since last month
and the key indicators. ``docx_bytes`` (python-docx) and ``pdf_bytes`` (typst: tagged PDF/UA-1)
render the same ``Brief``; ``page_html`` renders a page's sections, goal cards included.

No Streamlit here: the dashboard's buttons and ``cli.py report`` call the same functions.
"""

from __future__ import annotations

import html
import io
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import typst

from data import registers, store
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


# --- building ----------------------------------------------------------------------------

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
        brief.notes.insert(0, figures.KEY_LEGEND.strip())
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


# --- HTML (the pages' reports) --------------------------------------------------------------

_CSS = ("body{font-family:'Source Sans Pro',Arial,sans-serif;max-width:1000px;margin:2em auto;color:#222;"
        "padding:0 1em}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
        "padding:4px 8px;text-align:right;vertical-align:top}th{background:#f2f2f2}td:first-child,"
        "th:first-child{text-align:left}.note{color:#555;font-size:.9em}.goal{border:1px solid #ccc;"
        "border-radius:8px;padding:.5em 1.2em;margin:1em 0}.status{font-weight:600;padding:2px 10px;"
        "border-radius:12px;white-space:nowrap}.warn{background:#fff4e5;padding:.4em .8em;border-radius:6px}"
        "img,svg{max-width:100%;height:auto}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}"
        "dt{font-weight:600}dd{margin:0}figure{margin:1em 0}figcaption{color:#444;font-size:.95em}blockquote{border-left:4px solid #0072B2;margin:.5em 0;padding:.2em 1em;"
        "background:#f5f9fc}")


def _status_span(status: str, significant: bool | None = None) -> str:
    from ui.charts import STATUS_COLOURS

    colour = STATUS_COLOURS[status]
    text_colour = "#ffffff" if status == "achieved" else "#000000"
    return (f"<span class='status' style='background:{colour};color:{text_colour}'>"
            f"{html.escape(goal_text.status_words(status, significant))}</span>")


def _svg(fig: go.Figure, note: images.Note) -> str:
    return images.figure_html(fig, note)  # inline SVG with its text alternative and caption


def goal_html(b: GoalBlock, level: int = 2) -> str:
    e = html.escape
    out = [f"<div class='goal'><h{level}>{e(b.title)}</h{level}>",
           f"<p>{_status_span(b.status, b.significant)} <span class='note'>{e(b.committee)}</span></p>"]
    if b.population:
        out.append(f"<p class='note'>{e(b.population)}</p>")
    out.extend(f"<p class='warn'>{e(w)}</p>" for w in b.warnings)
    if b.facts:
        out.append("<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in b.facts) + "</dl>")
    out.extend(f"<p>{e(s)}</p>" for s in b.sentences)
    if b.preliminary:
        out.append(f"<p class='note'>{e(b.preliminary)}</p>")
    if b.figure is not None and b.note is not None:
        out.append(_svg(b.figure, b.note))
    out.extend(goal_html(p, level + 1) for p in b.parts)
    if b.actions:
        out.append(f"<h{level + 1}>Åtgärder</h{level + 1}><ul>" + "".join(f"<li>{e(a)}</li>" for a in b.actions) + "</ul>")
    if b.analysis or level == 2:
        out.append(f"<h{level + 1}>Nämndens analys</h{level + 1}>")
        out.append(f"<blockquote>{e(b.analysis)}<br><span class='note'>{e(b.analysis_meta)}</span></blockquote>"
                   if b.analysis else "<p class='note'>Ingen analys är skriven för perioden.</p>")
    out.append("</div>")
    return "".join(out)


def _table_html(df: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(fmt.NO_DATA if v is None else str(v))}</td>" for v in r)
                   + "</tr>" for r in df.iter_rows())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def page_html(title: str, subtitle: str, sections: list[dict], exact: bool = False) -> str:
    """A page as one self-contained HTML file: goal cards, static SVG charts with their
    footnotes, tables. No scripts (small enough to e-mail, opens anywhere). ``exact``: an
    entitled role's exact view, marked as internal material instead of the rounding note."""
    parts = ["<!DOCTYPE html><html lang='sv'><head><meta charset='utf-8'>",
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><p class='note'>{html.escape(subtitle)}</p>"]
    for s in sections:
        if "goal" in s:  # a GoalBlock, or a function that builds one (ui.page_report.PageReport.goal)
            parts.append(goal_html(s["goal"]() if callable(s["goal"]) else s["goal"]))
            continue
        parts.append(f"<h2>{html.escape(s['heading'])}</h2>")
        if s.get("text"):
            parts.append(f"<p>{html.escape(s['text'])}</p>")
        if s.get("figure") is not None:
            parts.append(_svg(s["figure"], s["note"]))
        if s.get("table") is not None:
            parts.append(_table_html(s["table"]))
    if exact:
        parts.append(f"<p class='note'><strong>{html.escape(fmt.rounding_note(exact=True))}</strong></p>")
    else:
        parts.append(f"<p class='note'>{html.escape(fmt.SUPPRESSED_NOTE)} {html.escape(fmt.rounding_note())}</p>")
    parts.append(f"<p class='note'>Skapad {datetime.now():%Y-%m-%d %H:%M} ur Samverkan.</p></body></html>")
    return "".join(parts)


# --- Word ------------------------------------------------------------------------------------

def _cover_lines(b: Brief) -> list[str]:
    lines = [f"Period: {b.period}", f"Data t.o.m.: {b.as_of.isoformat() if b.as_of else fmt.NO_DATA}",
             f"Källa: {b.source}", f"Skapad: {datetime.now():%Y-%m-%d} ur Samverkan"]
    if b.month:
        lines.insert(1, f"Månad: {b.month}")
    return lines


def _set_swedish(doc) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "sv-SE")


def _docx_table(doc, headings, rows, widths_cm: tuple[float, ...] | None = None) -> None:
    """A table in 9 pt with its column widths (Word otherwise gives every column the same)."""
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    table.autofit = False

    def fill(cells, texts, bold=False):
        for j, (cell, text) in enumerate(zip(cells, texts, strict=True)):
            cell.text = text
            if widths_cm:
                cell.width = Cm(widths_cm[j])
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(9)
                run.bold = bold

    fill(table.rows[0].cells, headings, bold=True)
    for row in rows:
        fill(table.add_row().cells, row)
    if widths_cm:  # the grid too: LibreOffice and some Word versions read only the grid's widths
        for j, w in enumerate(widths_cm):
            table.columns[j].width = Cm(w)


def _docx_goal(doc, b: GoalBlock, level: int) -> None:
    from docx.shared import Cm

    doc.add_heading(b.title, level=level)
    p = doc.add_paragraph()
    p.add_run(b.status_text).bold = True
    p.add_run(f"  {b.committee}")
    if b.population:
        doc.add_paragraph(b.population).italic = True
    for w in b.warnings:
        doc.add_paragraph(w, style="Intense Quote")
    for k, v in b.facts:
        p = doc.add_paragraph(style="List Bullet")
        p.add_run(f"{k}: ").bold = True
        p.add_run(v)
    for s in b.sentences:
        doc.add_paragraph(s)
    if b.preliminary:
        doc.add_paragraph(b.preliminary)
    if b.figure is not None and b.note is not None:
        picture = doc.add_picture(io.BytesIO(images.png(b.figure, b.note)), width=Cm(16.5))
        _docx_alt(picture, images.alt_text(b.figure, b.note), html.unescape(b.figure.layout.title.text or b.title))
    for part in b.parts:
        _docx_goal(doc, part, level + 1)
    if b.actions:
        doc.add_heading("Åtgärder", level=level + 1)
        for a in b.actions:
            doc.add_paragraph(a, style="List Bullet")
    if level == 2:
        doc.add_heading("Nämndens analys", level=3)
        if b.analysis:
            doc.add_paragraph(b.analysis, style="Quote")
            doc.add_paragraph(b.analysis_meta)
        else:
            doc.add_paragraph("Ingen analys är skriven för perioden.")


def _docx_alt(picture, text: str, title: str) -> None:
    """Alt text on a Word image (what Word shows under "Alternativ text"): python-docx has no
    public setter, so the drawing's wp:docPr gets its descr and title attributes."""
    doc_pr = picture._inline.docPr
    doc_pr.set("descr", text)
    doc_pr.set("title", title)


def docx_bytes(b: Brief) -> bytes:
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    _set_swedish(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    doc.core_properties.title = f"{b.title} – {b.committee}, {b.period}"
    doc.core_properties.language = "sv-SE"
    doc.core_properties.author = "Samverkan"
    doc.add_heading(b.title, level=0)
    doc.add_paragraph(b.committee).runs[0].bold = True
    for line in _cover_lines(b):
        doc.add_paragraph(line)
    doc.add_heading("Målen i korthet", level=1)
    _docx_table(doc, SCORECARD_HEADINGS, b.scorecard, (3.0, 2.2, 1.4, 2.2, 1.4, 2.4, 1.9, 2.1))
    if b.changes:
        doc.add_heading(f"Förändringar sedan månaden innan ({b.month})", level=1)
        for line in b.changes:
            doc.add_paragraph(line, style="List Bullet")
    if b.due:
        doc.add_heading(_due_heading(b), level=1)
        for line in b.due:
            doc.add_paragraph(line, style="List Bullet")
    if b.key_indicators is not None:
        doc.add_heading(f"Nyckeltal, {b.month}", level=1)
        _docx_table(doc, b.key_indicators.columns, [[str(v) for v in r] for r in b.key_indicators.iter_rows()],
                    (5.6, 2.0, 2.0, 2.2, 2.4, 2.4))
    doc.add_heading("Målen", level=1)
    for g in b.goals:
        _docx_goal(doc, g, 2)
    for n in b.notes:
        doc.add_paragraph(n).runs[0].italic = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- PDF (typst) -----------------------------------------------------------------------------

def _t(text: str) -> str:
    """Text as a typst string literal inserted into markup: nothing in it is read as markup."""
    return '#"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _typst_table(headings, rows, widths: str | None = None) -> str:
    cols = widths or f"{len(headings)}"
    header = ", ".join(f"[*{_t(h)}*]" for h in headings)
    cells = f"table.header({header}), " + ", ".join(f"[{_t(c)}]" for row in rows for c in row)
    return f"#table(columns: {cols}, inset: 4pt, align: left, stroke: 0.5pt + gray, {cells})\n"


def _typst_goal(b: GoalBlock, level: int, files: dict[str, bytes]) -> str:
    out = [f"{'=' * level} {_t(b.title)}\n", f"*{_t(b.status_text)}* #h(1em) {_t(b.committee)}\n"]
    if b.population:
        out.append(f"#emph[{_t(b.population)}]\n")
    out.extend(f"#block(fill: rgb(\"#fff4e5\"), inset: 6pt, radius: 4pt)[{_t(w)}]\n" for w in b.warnings)
    out.extend(f"- *{_t(k)}:* {_t(v)}\n" for k, v in b.facts)
    out.extend(f"\n{_t(s)}\n" for s in b.sentences)
    if b.preliminary:
        out.append(f"\n{_t(b.preliminary)}\n")
    if b.figure is not None and b.note is not None:
        name = f"fig{len(files) + 1}.png"
        files[name] = images.png(b.figure, b.note)
        alt = images.alt_text(b.figure, b.note)
        out.append(f'\n#image("{name}", width: 100%, alt: "{alt.replace(chr(34), chr(39))}")\n')
    for part in b.parts:
        out.append(_typst_goal(part, level + 1, files))
    if b.actions:
        out.append(f"{'=' * (level + 1)} Åtgärder\n")
        out.extend(f"- {_t(a)}" for a in b.actions)
    if level == 2:
        out.append(f"{'=' * (level + 1)} Nämndens analys\n")
        if b.analysis:
            out.append(f"#quote(block: true)[{_t(b.analysis)}]\n{_t(b.analysis_meta)}\n")
        else:
            out.append(f"{_t('Ingen analys är skriven för perioden.')}\n")
    return "\n".join(out)


def pdf_bytes(b: Brief) -> bytes:
    """The brief as tagged, accessible PDF (PDF/UA-1) with typst: Swedish hyphenation and
    quotes (text lang 'sv'), headings as a document outline, alt text on every chart."""
    files: dict[str, bytes] = {}
    title = f"{b.title} – {b.committee}, {b.period}"
    src = [
        f'#set document(title: "{title.replace(chr(34), chr(39))}", author: "Samverkan")',
        '#set text(lang: "sv", region: "SE", size: 10.5pt)',
        '#set page(paper: "a4", margin: (x: 2cm, y: 2.2cm), numbering: "1")',
        "#set heading(numbering: none)",
        "#show heading.where(level: 1): set text(size: 16pt)",
        f"#title[{_t(b.title)}]",
        f"*{_t(b.committee)}*\n",
        *[f"{_t(line)}\n" for line in _cover_lines(b)],
        "= Målen i korthet\n",
        "#set text(size: 8.5pt)",
        _typst_table(SCORECARD_HEADINGS, b.scorecard, "(2fr, 1.4fr, 0.9fr, 1.4fr, 0.9fr, 1.8fr, 1.3fr, 1.6fr)"),
        "#set text(size: 10.5pt)",
    ]
    if b.changes:
        src.append(f"= {_t(f'Förändringar sedan månaden innan ({b.month})')}\n")
        src.extend(f"- {_t(line)}" for line in b.changes)
    if b.due:
        src.append(f"\n= {_t(_due_heading(b))}\n")
        src.extend(f"- {_t(line)}" for line in b.due)
    if b.key_indicators is not None:
        src.append(f"\n= {_t(f'Nyckeltal, {b.month}')}\n")
        src.append("#set text(size: 8.5pt)")
        src.append(_typst_table(b.key_indicators.columns, [[str(v) for v in r] for r in b.key_indicators.iter_rows()],
                                "(2.6fr, 1fr, 1fr, 1fr, 1fr, 1fr)"))
        src.append("#set text(size: 10.5pt)")
    src.append("= Målen\n")
    src.extend(_typst_goal(g, 2, files) for g in b.goals)
    src.extend(f"\n#emph[{_t(n)}]\n" for n in b.notes)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, data in files.items():
            (root / name).write_bytes(data)
        main = root / "brief.typ"
        main.write_text("\n".join(src), encoding="utf-8")
        return typst.compile(str(main), root=str(root), format="pdf", pdf_standards=["ua-1"])


def file_name(b: Brief, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"uppfoljningsrapport {b.committee} {b.period}".lower()
                  .replace("å", "a").replace("ä", "a").replace("ö", "o")).strip("-")
    return f"{slug}.{ext}"

