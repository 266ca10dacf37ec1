"""The pages' HTML reports: a page's sections (goal cards, static SVG charts with their
footnotes, tables) as one self-contained HTML file (``page_html``), and a goal card
(``goal_html``).

The seam: one of the model's three renderers; it lays out a ``GoalBlock`` and adds nothing to what
it says.
"""

from __future__ import annotations

import html  # the standard library's (imports are absolute: never this module)
from datetime import datetime

import plotly.graph_objects as go
import polars as pl

from ui import goal_text, images
from ui import format as fmt
from ui.brief.model import GoalBlock

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
