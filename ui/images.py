"""One builder for every static chart image: PNG and SVG downloads, the HTML reports and the
committee brief in Word and PDF.

``static(fig, note)`` returns a copy of an interactive figure laid out for paper: its title,
legends for every named line (target lines included), every axis with automatic margins so no
label falls outside the image, text on points never clipped, and a footnote with the source,
population, period, the data's date and the suppression note when a cell is hidden.

The footnote is the x axis's title, below the tick labels: plotly reserves room for an axis
title (automargin), which it does not for free annotations, so the note can never overlap or
fall off the image however long the labels are.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date

import plotly.graph_objects as go

from data import settings
from ui import exports
from ui import format as fmt

WIDTH = 1000
DEMO_SOURCE = "Demodata – fiktiv kommun"


def source_label(meta: dict) -> str:
    """Where the data comes from, for footnotes, exports and the brief: the demo says so; real
    data names the municipality (SAMVERKAN_MUNICIPALITY, else the warehouse's own name)."""
    if meta.get("is_demo") == "1":
        return DEMO_SOURCE
    return settings.municipality() or meta.get("municipality") or meta.get("dataset_label") or "Kommunen"
FOOTNOTE_SIZE = 12


@dataclass(frozen=True)
class Note:
    """What a chart image says about its data (Swedish)."""
    source: str  # the municipality, or 'Demodata – fiktiv kommun'
    as_of: date | None  # the data's last date
    population: str = ""  # who is counted
    period: str = ""  # e.g. 'läsåret 2025/26' or 'läsåren 2019/20–2025/26'
    suppressed: bool = False  # some value in the chart is hidden ('..')
    extra: tuple[str, ...] = field(default_factory=tuple)  # e.g. the rounding rule

    def lines(self) -> list[str]:
        first = f"Källa: {self.source}"
        if self.as_of is not None:
            first += f". Data t.o.m. {self.as_of.isoformat()}"
        out = [first + "."]
        if self.population:
            out.append(f"Population: {self.population.rstrip('.')}.")
        if self.period:
            out.append(f"Period: {self.period}.")
        if self.suppressed:
            out.append(fmt.SUPPRESSED_NOTE)
        out.extend(t for t in self.extra if t)
        return out


def _wrap(text: str, width: int = 150) -> list[str]:
    """Break a long line at spaces into lines of at most ``width`` characters (plotly does not
    wrap text itself); a single longer word stays whole. Example: _wrap('a bb cc', 5) -> ['a bb', 'cc']."""
    words, lines, line = text.split(" "), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        lines.append(line)
    return lines


def has_hidden(fig: go.Figure) -> bool:
    """Whether a chart marks a hidden value ('..')."""
    for trace in fig.data:
        text = getattr(trace, "text", None)
        if isinstance(text, str) and text == "..":
            return True
        if isinstance(text, tuple | list) and any(t == ".." for t in text):
            return True
    return False


def _category_count(fig: go.Figure) -> int:
    """The number of categories on a horizontal chart's y axis (one row each)."""
    ys = set()
    for trace in fig.data:
        if getattr(trace, "orientation", None) == "h" or (trace.type == "scatter" and trace.y is not None
                                                          and any(isinstance(v, str) for v in trace.y)):
            ys.update(v for v in trace.y if isinstance(v, str))
    return len(ys)


# Average glyph widths (px) of Arial/Source Sans at the sizes used below, rounded up: estimates
# that keep a wrapped line inside the space it is centred in.
FOOTNOTE_CHAR_PX, TICK_CHAR_PX, TITLE_CHAR_PX = 6.6, 8.4, 9.6


def _plot_width(fig: go.Figure, width: int) -> float:
    """An estimate of the plot area's width: the image less the margins and the y axis's labels
    (category names on a horizontal chart, else numbers) and its title. The x axis's title, which
    carries the footnote, is centred on this width."""
    labels = [html.unescape(v) for t in fig.data if t.y is not None and (getattr(t, "orientation", None) == "h"
              or t.type == "scatter") for v in t.y if isinstance(v, str)]
    longest = max((len(v) for v in labels), default=7)
    y_title = 28 if fig.layout.yaxis.title.text else 0
    return width - 16 - 40 - 12 - y_title - TICK_CHAR_PX * longest


def static(fig: go.Figure, note: Note, width: int = WIDTH) -> go.Figure:
    """A copy of ``fig`` laid out as a self-contained image (see the module docstring)."""
    out = go.Figure(fig)
    rows = _category_count(out)
    height = max(int(out.layout.height or 380) + 120, 440, 260 + 28 * rows)
    # a long title wraps instead of running off the right edge
    title = "<br>".join(_wrap(out.layout.title.text or "", int((width - 32) / TITLE_CHAR_PX)))
    named = [t for t in out.data if t.name and t.showlegend is not False]
    legend = len(named) > 1
    # The title sits at the top of the image, the legend's rows between it and the plot: the top
    # margin is made room for both (an estimate of the legend's rows from its text's width).
    item_px = [60 + 7 * len(t.name) for t in named] if legend else []
    rows, line = (1 if item_px else 0), 0
    for px in item_px:
        if line and line + px > width - 40:
            rows, line = rows + 1, 0
        line += px
    out.update_layout(
        # one template wherever the image is made: the dashboard's process has Streamlit's plotly
        # template as default, the command line plotly's own
        template="plotly_white",
        width=width, height=height, font={"size": 15},
        title={"text": title, "x": 0, "xanchor": "left", "xref": "container", "y": 1, "yanchor": "top",
               "yref": "container", "font": {"size": 17},
               # plotly lifts a title of several lines by about half a line: pad it back down
               "pad": {"l": 16, "t": 24 if "<br>" in title else 12}},
        margin={"l": 16, "r": 40, "t": 52 + 12 * ("<br>" in title) + 22 * title.count("<br>") + 26 * rows, "b": 16, "autoexpand": True},
        showlegend=legend,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                "font": {"size": 12}},
    )
    for trace in out.data:
        if trace.type in ("scatter", "bar"):
            trace.cliponaxis = False  # a value's label above the top point stays visible
    out.update_yaxes(automargin=True)
    # the footnote below the x axis's own title and tick labels, in smaller grey type, wrapped to
    # the plot's width: it is centred on the plot, not on the image
    x_title = out.layout.xaxis.title.text or ""
    chars = max(40, int(_plot_width(out, width) / FOOTNOTE_CHAR_PX))
    key = (fig.layout.meta or {}).get("footnote", "") if isinstance(fig.layout.meta, dict) else ""
    note_lines = [html.escape(part, quote=False) for line in [*note.lines(), key] if line for part in _wrap(line, chars)]
    footnote = "<br>".join(note_lines)
    text = (f"{x_title}<br><br>" if x_title else "") + \
        f"<span style='font-size:{FOOTNOTE_SIZE}px;color:#555555'>{footnote}</span>"
    out.update_xaxes(automargin=True, title={"text": text, "standoff": 12})
    out.update_layout(height=height + 16 * len(note_lines))
    if isinstance(fig.layout.meta, dict) and fig.layout.meta.get("point_labels"):
        _place_point_labels(out, fig.layout.meta["point_labels"])
    return out


_PLOT_AREA = re.compile(r'class="axesclip" id="clip\w*xy"><rect x="([\d.]+)" y="([\d.]+)" '
                        r'width="([\d.]+)" height="([\d.]+)"')


def _place_point_labels(out: go.Figure, points: dict) -> None:
    """Labels beside points (a school's number in the funnel chart), placed again in the plot
    area of this image: it is measured in a first rendering, since automatic margins decide it."""
    from ui import labels

    found = _PLOT_AREA.search(exports.image_bytes(out, "svg", width=out.layout.width,
                                                  height=out.layout.height).decode("utf-8"))
    if found is None:  # no plot area (an empty chart): nothing to place
        return
    left, top, w, h = (float(v) for v in found.groups())
    plot = labels.Plot(left, top, w, h, tuple(out.layout.xaxis.range), tuple(out.layout.yaxis.range))
    labels.annotate_points(out, points["x"], points["y"], points["text"], plot)


def alt_text(fig: go.Figure, note: Note) -> str:
    """The text alternative of a chart image: its title, its one-sentence summary (from the data,
    ``ui.charts.summary``) and the footnote that the image carries as text."""
    from ui import charts

    return " ".join([charts.alt_text(fig), *note.lines()])


def figure_html(fig: go.Figure, note: Note) -> str:
    """The chart as inline SVG for an HTML report: an image with its text alternative as its
    accessible name, and the summary as the visible caption."""
    from ui import charts

    caption = charts.summary(fig)
    if (problem := exports.image_export_problem()) is not None:  # the report still says what it shows
        return (f"<figure><p class='warn'>{html.escape(problem)}</p>"
                + (f"<figcaption>{html.escape(caption)}</figcaption>" if caption else "") + "</figure>")
    text = svg(fig, note).decode("utf-8")
    text = text[text.index("<svg"):]  # inline, without an XML declaration
    label = html.escape(alt_text(fig, note), quote=True)
    text = text.replace("<svg", f'<svg role="img" aria-label="{label}"', 1)
    return f"<figure>{text}" + (f"<figcaption>{html.escape(caption)}</figcaption>" if caption else "") + "</figure>"


def png(fig: go.Figure, note: Note) -> bytes:
    figure = static(fig, note)
    return exports.image_bytes(figure, "png", width=figure.layout.width, height=figure.layout.height)


def svg(fig: go.Figure, note: Note) -> bytes:
    figure = static(fig, note)
    return exports.image_bytes(figure, "svg", width=figure.layout.width, height=figure.layout.height)
