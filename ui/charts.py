"""Chart builders: plain functions that return plotly figures (pages render them).

Every figure is Swedish: decimal comma and thin-space thousands (``layout.separators``), titles
and axis labels in Swedish, shares shown as percent with a `` %`` suffix.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from metrics import periods, stats, views
from metrics.attainment import Measure
from ui import format as fmt
from ui import labels, tables
from ui.memo import shared

SEPARATORS = fmt.CHART_SEPARATORS
FONT = "Source Sans Pro, Arial, sans-serif"
# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
STATUS_COLOURS = {
    "achieved": "#009E73",
    "partly": "#F0E442",
    "not_achieved": "#D55E00",
    "no_data": "#999999",
    "baseline": "#dddddd",  # no status yet: light grey, always with its words
    "before_baseline": "#dddddd",
}
SERIES_COLOUR = "#0072B2"
TARGET_COLOUR = "#CC79A7"


def _plain(value):
    """Plotly reads '<a href>', '<img>' and friends in labels as markup; names from the data are
    shown as text (plotly turns '&lt;' back into '<' on screen)."""
    return html.escape(value, quote=False) if isinstance(value, str) else value


def _escape_texts(fig: go.Figure) -> None:
    for trace in fig.data:
        for attr in ("x", "y", "text", "hovertext", "name"):
            v = getattr(trace, attr, None)
            if isinstance(v, str):
                trace[attr] = _plain(v)
            elif isinstance(v, tuple | list) and any(isinstance(e, str) for e in v):
                trace[attr] = [_plain(e) for e in v]


def _base(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    _escape_texts(fig)
    title = _plain(title)
    fig.update_layout(
        separators=SEPARATORS, height=height, font={"family": FONT, "size": 13},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        title={"text": title, "x": 0, "font": {"size": 14}} if title else None,
        plot_bgcolor="white", paper_bgcolor="white", showlegend=False,
    )
    return fig


def on_screen(fig: go.Figure) -> tuple[str, go.Figure]:
    """A chart's title as text and a copy of the chart without it, for the page.

    Plotly never wraps a title: at tablet width a long one ran off the chart's right edge
    ('… kommunala skolo'). Shown above the chart as text it wraps like any other line. The
    figure itself keeps its title for the images, the report and the brief (``images.static``
    wraps it there). Example: a figure titled 'Insatser per typ, 2025' -> ('Insatser per typ,
    2025', the same figure untitled, with the title in its meta, and its top margin 16 px smaller:
    what sits above the plot, a reference line's label or a legend, keeps its room)."""
    title = html.unescape(fig.layout.title.text or "")
    if not title:
        return "", fig
    out = go.Figure(fig)
    top = out.layout.margin.t if out.layout.margin.t is not None else 40
    meta = dict(out.layout.meta) if isinstance(out.layout.meta, dict) else {}
    # the title stays with the chart's data (meta), as its text alternative does
    out.update_layout(title=None, margin={"t": max(24, top - 16)}, meta={**meta, "title": title})
    return title, out


# --- text alternatives: one Swedish sentence per chart, made from the data the chart is drawn from

def describe(fig: go.Figure, text: str) -> go.Figure:
    """Keep a chart's one-sentence text alternative with the figure (``layout.meta``): the page
    shows it under the chart and gives it to screen readers, the HTML report prints it under the
    image and the Word and PDF briefs carry it as the image's alt text (``summary``)."""
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    fig.update_layout(meta={**meta, "summary": text})
    return fig


def summary(fig: go.Figure) -> str:
    """The chart's text alternative; '' for a figure no builder here described."""
    meta = fig.layout.meta
    return str(meta.get("summary", "")) if isinstance(meta, dict) else ""


def alt_text(fig: go.Figure) -> str:
    """Title and summary in one: the accessible name of a chart (screen readers, alt text).
    Example: 'Insatser per typ, 2025. Flest: skolsocialt team (310), …'."""
    title = html.unescape(fig.layout.title.text or "")
    return ". ".join(t.rstrip(".") for t in (title, summary(fig)) if t) + "."


def _sentence(parts: list[str]) -> str:
    """Parts joined as one sentence, the first capitalised, the rest not.
    Example: ['Grundskola 12 %', 'Gymnasieskola 18 %'] -> 'Grundskola 12 %; gymnasieskola 18 %'."""
    return "; ".join(p[:1].lower() + p[1:] if i else p[:1].upper() + p[1:] for i, p in enumerate(parts))


def _and(items: list[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b och c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1] if items else ""


def _show(v: float | None, percent: bool) -> str:
    """A value as the chart's reader says it: a share (fraction) '13,4 %', else '1 234' or '12,5';
    None (hidden or missing) 'visas inte' (a screen reader reads '..' as dots)."""
    if v is None:
        return "visas inte"
    if percent:
        return fmt.pct(v)
    return fmt.number(v) if float(v).is_integer() else fmt.decimal(v)


def _hidden_note(count: int) -> str:
    return (f" {count} {'värde visas' if count == 1 else 'värden visas'} inte (för få för att visas, "
            "eller saknas).") if count else ""


def _series_text(name: str, periods: list[str], values: list[float | None], percent: bool) -> str:
    """'grundskola från 12,8 % (2019/20) till 13,7 % (2025/26)'."""
    shown = [(p, v) for p, v in zip(periods, values, strict=True) if v is not None]
    if not shown:
        return f"{name}: inga värden visas"
    (p0, v0), (p1, v1) = shown[0], shown[-1]
    if len(shown) == 1:
        return f"{name} {_show(v0, percent)} ({p0})"
    return f"{name} från {_show(v0, percent)} ({p0}) till {_show(v1, percent)} ({p1})"


@shared
def goal_trend(series: list[Measure], target_value: float | None, title: str | None = None,
               height: int = 180, current: str | None = None, baseline: str | None = None,
               marks: dict[str, list[str]] | None = None) -> go.Figure:
    """A small trend line of a goal's indicator per school year, with the target level dashed
    from the baseline school year on (``baseline``, a period code; None: over the whole line) and
    the evaluated school year (``current``, a period code) marked and labelled; ``marks``: the
    annotations register's events per school year (``annotate``). Shared: never change the result.

    Suppressed years are left out of the line and named in the hover text of the gap's ends.
    """
    shown = [m for m in series if m.value is not None]
    x = [periods.axis_label(m.label) for m in shown]
    y = [m.value * 100 for m in shown]
    custom = [[fmt.number(m.numerator) if m.numerator is not None else fmt.SUPPRESSED,
               fmt.number(m.denominator) if m.denominator is not None else fmt.SUPPRESSED]
              for m in shown]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x, y=y, mode="lines+markers", name="Utfall", line={"color": SERIES_COLOUR, "width": 2},
        customdata=custom,
        hovertemplate="Läsår %{x}: %{y:.1f} %<br>%{customdata[0]} av %{customdata[1]}<extra></extra>",
    ))
    # the target applies from the baseline on: no target line over the years before it
    after = [xi for xi, m in zip(x, shown, strict=True) if baseline is None or m.period >= baseline]
    if target_value is not None and after:
        fig.add_trace(go.Scatter(
            x=[after[0], after[-1]], y=[target_value * 100] * 2, mode="lines", name="Målnivå",
            line={"color": TARGET_COLOUR, "dash": "dash", "width": 2},
            hovertemplate="Målnivå: %{y:.1f} %<extra></extra>",
        ))
    now = [(xi, yi) for xi, yi, m in zip(x, y, shown, strict=True) if m.period == current]
    if now:
        fig.add_trace(go.Scatter(
            x=[now[0][0]], y=[now[0][1]], mode="markers+text", name="Nu (officiellt)",
            marker={"color": SERIES_COLOUR, "size": 12, "line": {"color": "white", "width": 2}},
            text=[fmt.pct(now[0][1] / 100)], textposition="top center", cliponaxis=False,
            hovertemplate="Officiellt, läsår %{x}: %{y:.1f} %<extra></extra>"))
    fig.update_xaxes(type="category", title=None, showgrid=False)
    # headroom above the highest point for the current value's label (not cut by the plot's top)
    top = max([*y, target_value * 100 if target_value is not None else 0], default=0)
    fig.update_yaxes(ticksuffix=" %", title=None, gridcolor="#eeeeee", range=[0, top * 1.3 or 1])
    text = _series_text("Andelen var", x, [m.value for m in shown], True).replace("Andelen var från", "Andelen gick från")
    if target_value is not None:
        text += f"; målnivån är {fmt.pct(target_value)}"
    if now:
        text += f"; det officiella värdet nu är {fmt.pct(now[0][1] / 100)} ({now[0][0]})"
    describe(fig, text + "." + _hidden_note(len(series) - len(shown)))
    return annotate(_base(fig, title, height), marks or {})

def annotate(fig: go.Figure, marks: dict[str, list[str]]) -> go.Figure:
    """Dated events drawn on a chart over periods: a dotted line at the period (an x category)
    and the events' text beside it, inside the plot, so a change in a curve can be read against
    what was done. ``marks``: x category -> texts (from the annotations register). Changes ``fig``:
    only for a figure of one's own (a builder's fresh one), never a shared one (``ui.memo``).

    The texts stand at the bottom of the plot: shares are drawn from 0 and their points and the
    current value's label lie above, so an event never covers a value."""
    categories: list[str] = []
    for trace in fig.data:
        categories.extend(x for x in (trace.x or ()) if isinstance(x, str) and x not in categories)
    for i, (x, texts) in enumerate(sorted(marks.items())):
        if x not in categories:
            continue
        # text on the side with room: right of the line in the chart's first half, left of it after
        right = categories.index(x) < len(categories) / 2
        fig.add_vline(x=x, line={"color": "#555555", "dash": "dot", "width": 1}, layer="below")  # under labels
        fig.add_annotation(x=x, y=0.02 + 0.12 * (i % 3), yref="paper", xanchor="left" if right else "right",
                           xshift=3 if right else -3, yanchor="bottom", showarrow=False,
                           text="<br>".join(_plain(t) for t in texts),  # user text: shown literally
                           font={"size": 11, "color": "#333333"}, bgcolor="rgba(255,255,255,0.85)")
    drawn = [f"{x}: {'; '.join(texts)}" for x, texts in sorted(marks.items()) if x in categories]
    if drawn and summary(fig):
        describe(fig, f"{summary(fig)} Markerade händelser: {_and(drawn)}.")
    return fig


# Okabe-Ito, in an order where neighbours differ in lightness too.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
MISSING_TEXT = fmt.SUPPRESSED  # only where a value is hidden by disclosure control


def _pct(values) -> list[float | None]:
    return [None if v is None else v * 100 for v in values]


def _percent_axis(fig: go.Figure, axis: str = "y", title: str | None = None) -> None:
    update = fig.update_yaxes if axis == "y" else fig.update_xaxes
    update(ticksuffix=" %", title=title, gridcolor="#eeeeee", rangemode="tozero")


def share_over_time(rows: list[dict], group_label: dict[str | None, str], title: str,
                    targets: dict[str | None, float] | None = None, y_title: str = "Andel",
                    target_from: str | None = None) -> go.Figure:
    """One line per group (e.g. school form) over periods, with 95 % intervals as whiskers and
    each group's target level as a dashed line of the same colour, from the period labelled
    ``target_from`` on (the goal's baseline; None: over the whole line).

    ``rows``: dicts with group, period (label), value, ci_low, ci_high, numerator, denominator.
    """
    fig = go.Figure()
    groups = list(dict.fromkeys(r["group"] for r in rows))
    for i, g in enumerate(groups):
        colour = PALETTE[i % len(PALETTE)]
        rs = [r for r in rows if r["group"] == g]
        x = [r["period"] for r in rs]
        y = _pct(r["value"] for r in rs)
        err_hi = [None if r["ci_high"] is None else (r["ci_high"] - r["value"]) * 100 for r in rs]
        err_lo = [None if r["ci_low"] is None else (r["value"] - r["ci_low"]) * 100 for r in rs]
        text = [MISSING_TEXT if r["value"] is None and r.get("suppressed", True) else "" for r in rs]
        fig.add_trace(go.Scatter(
            x=x, y=y, name=group_label.get(g, str(g)), mode="lines+markers+text", text=text,
            textposition="top center", line={"color": colour, "width": 2},
            error_y={"type": "data", "array": err_hi, "arrayminus": err_lo, "color": colour,
                     "thickness": 1, "width": 3},
            hovertemplate="%{x}: %{y:.1f} %<extra>" + group_label.get(g, str(g)) + "</extra>"))
        on = x[x.index(target_from):] if target_from in x else x
        if targets and targets.get(g) is not None and on:
            fig.add_trace(go.Scatter(
                x=[on[0], on[-1]], y=[targets[g] * 100] * 2, mode="lines",
                name=f"Målnivå, {group_label.get(g, str(g)).lower()}",
                line={"color": colour, "dash": "dash", "width": 1.5},
                hovertemplate="Målnivå: %{y:.1f} %<extra></extra>"))
    fig.update_xaxes(type="category", title=None)
    _percent_axis(fig, "y", y_title)
    _base(fig, title, 380)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.15})
    parts = []
    for g in groups:
        rs = [r for r in rows if r["group"] == g]
        part = _series_text(group_label.get(g, str(g)), [r["period"] for r in rs], [r["value"] for r in rs], True)
        if targets and targets.get(g) is not None:
            part += f", målnivå {fmt.pct(targets[g])}"
        parts.append(part)
    hidden = sum(r["value"] is None for r in rows)
    return describe(fig, (_sentence(parts) + "." if parts else "Inga värden.") + _hidden_note(hidden))


def ranked_shares(labels: list[str], values: list[float | None], lows: list[float | None],
                  highs: list[float | None], title: str, x_title: str = "Andel",
                  reference: float | None = None, reference_label: str = "Hela kommunen",
                  percent: bool = True, suppressed: list[bool] | None = None) -> go.Figure:
    """Horizontal dots with 95 % intervals, largest first; suppressed rows show '..'
    (``suppressed``: a flag per row; None: every row without a value is suppressed)."""
    scale = 100 if percent else 1
    order = sorted(range(len(labels)), key=lambda i: (values[i] is None, -(values[i] or 0)))
    ys = [labels[i] for i in order][::-1]
    xs = [None if values[i] is None else values[i] * scale for i in order][::-1]
    hi = [None if highs[i] is None or values[i] is None else (highs[i] - values[i]) * scale for i in order][::-1]
    lo = [None if lows[i] is None or values[i] is None else (values[i] - lows[i]) * scale for i in order][::-1]
    fig = go.Figure(go.Scatter(
        x=xs, y=ys, mode="markers", marker={"color": SERIES_COLOUR, "size": 9},
        error_x={"type": "data", "array": hi, "arrayminus": lo, "color": SERIES_COLOUR, "thickness": 1.5},
        hovertemplate="%{y}: %{x:.1f}" + (" %" if percent else "") + "<extra></extra>", name="Värde"))
    flags = [values[i] is None if suppressed is None else bool(suppressed[i]) for i in order][::-1]
    hidden = [y for y, x, h in zip(ys, xs, flags, strict=True) if x is None and h]
    if hidden:
        fig.add_trace(go.Scatter(x=[0] * len(hidden), y=hidden, mode="text", text=[MISSING_TEXT] * len(hidden),
                                 textposition="middle right", hoverinfo="skip", name="Visas ej"))
    if reference is not None:
        fig.add_vline(x=reference * scale, line={"color": TARGET_COLOUR, "dash": "dash"},
                      annotation_text=reference_label, annotation_position="top")
    if percent:
        _percent_axis(fig, "x", x_title)
    else:
        fig.update_xaxes(title=x_title, gridcolor="#eeeeee", rangemode="tozero")
    fig.update_yaxes(type="category", title=None)
    shown = [(labels[i], values[i]) for i in order if values[i] is not None]
    text = ""
    if shown:
        text = (f"Högst {shown[0][0]} ({_show(shown[0][1], percent)}), lägst {shown[-1][0]} "
                f"({_show(shown[-1][1], percent)})" if len(shown) > 1 else f"{shown[0][0]}: {_show(shown[0][1], percent)}")
        text += f", av {fmt.number(len(shown))} som visas" if len(shown) > 2 else ""
    if reference is not None:
        text += ("; " if text else "") + f"{reference_label.lower()} {_show(reference, percent)}"
    describe(fig, (text[:1].upper() + text[1:] + "." if text else "Inga värden.") + _hidden_note(len(labels) - len(shown)))
    return _base(fig, title, max(260, 60 + 26 * len(labels)))


POSITION_STYLE = {  # colour, marker symbol (shape as well as colour), Swedish legend text (plain words)
    "över": ("#D55E00", "triangle-up", "Tydligt högre än kommunen i stort"),
    "under": ("#009E73", "triangle-down", "Tydligt lägre än kommunen i stort"),
    "inom": ("#0072B2", "circle", "Skillnaden kan bero på slumpen"),
}
LIMIT_LABELS = {"dot": "Gräns för vanlig slumpvariation", "dash": "Utanför: tydlig skillnad"}


def _swedish_order(name: str) -> str:
    """Sort key in Swedish alphabetical order (å, ä, ö after z)."""
    return name.lower().translate(str.maketrans({"å": "{", "ä": "|", "ö": "}", "é": "e", "ü": "y"}))


def school_numbers(names: list[str]) -> list[int]:
    """Each school's number in the funnel chart and its key: 1, 2, … in Swedish alphabetical
    order, so a school is found by name in the key and by number in the chart.
    Example: ['Östra', 'Alfa', 'Ängen'] -> [3, 1, 2]."""
    order = sorted(range(len(names)), key=lambda i: (_swedish_order(names[i]), i))
    numbers = [0] * len(names)
    for rank, i in enumerate(order, start=1):
        numbers[i] = rank
    return numbers


def funnel_plot(names: list[str], n: list[int | None], values: list[float | None],
                positions: list[str], overall: float | None, title: str,
                reference_label: str = "Hela kommunen") -> go.Figure:
    """Funnel plot: each school's share against its number of pupils, with 95 % and 99.8 %
    limits around the overall share. A school is only 'above' or 'below' outside the funnel.

    Every school carries its number (``school_numbers``), placed clear of the other numbers and
    the points (``ui.labels``); the key (number, school) is the chart's table and, in the images,
    its footnote."""
    fig = go.Figure()
    numbers = school_numbers(names)
    if overall is not None:
        shown = [x for x in n if x]
        top = max(shown) * 1.1 if shown else 100
        grid = [max(5, int(top * k / 60)) for k in range(1, 61)]
        for z, dash in ((stats.Z95, "dot"), (views.Z_998, "dash")):
            limits = [views.funnel_limits(overall, g, z) for g in grid]
            for side, show in ((1, True), (0, False)):
                fig.add_trace(go.Scatter(
                    x=grid, y=[lim[side] * 100 for lim in limits], mode="lines",
                    line={"color": "#767676", "dash": dash, "width": 1}, name=LIMIT_LABELS[dash],
                    showlegend=show, hoverinfo="skip"))
        fig.add_hline(y=overall * 100, line={"color": TARGET_COLOUR, "width": 1.5},
                      annotation_text=_plain(reference_label), annotation_position="bottom right")
    drawn = [i for i, v in enumerate(values) if v is not None and n[i]]
    for pos, (colour, symbol, label) in POSITION_STYLE.items():
        idx = [i for i in drawn if positions[i] == pos]
        if not idx:
            continue
        fig.add_trace(go.Scatter(
            x=[n[i] for i in idx], y=[values[i] * 100 for i in idx], mode="markers", name=label,
            marker={"color": colour, "symbol": symbol, "size": 11, "line": {"color": "white", "width": 1}},
            text=[str(numbers[i]) for i in idx], customdata=[names[i] for i in idx], cliponaxis=False,
            hovertemplate="%{text}. %{customdata}<br>%{y:.1f} % av %{x} elever<extra></extra>"))
    # fixed ranges: the labels are placed in pixels computed from them
    x_range = (0.0, max((n[i] for i in drawn), default=100) * 1.1)
    y_top = max([values[i] * 100 for i in drawn]
                + ([views.funnel_limits(overall, max(5, min(n[i] for i in drawn) // 2), views.Z_998)[1] * 100]
                   if overall is not None and drawn else []), default=1)
    y_range = (0.0, y_top * 1.1)
    fig.update_xaxes(title="Antal elever", gridcolor="#eeeeee", range=list(x_range), tickformat=",d")
    _percent_axis(fig, "y", "Andel med hög frånvaro")
    fig.update_yaxes(range=list(y_range))
    _base(fig, title, 440)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.2},
                      meta={"footnote": "Skolornas nummer: " + ", ".join(
                          f"{numbers[i]} {names[i]}" for i in sorted(range(len(names)), key=lambda i: numbers[i])),
                            "point_labels": {"x": [n[i] for i in drawn], "y": [values[i] * 100 for i in drawn],
                                             "text": [str(numbers[i]) for i in drawn]}})
    # for the page (a desktop plot area; ui.images places them again in an image's own plot area)
    labels.annotate_points(fig, [n[i] for i in drawn], [values[i] * 100 for i in drawn],
                           [str(numbers[i]) for i in drawn], labels.Plot(0, 0, 780, 300, x_range, y_range))
    groups = []
    for pos, word in (("över", "tydligt högre än kommunen i stort"), ("under", "tydligt lägre än kommunen i stort")):
        idx = sorted((i for i in drawn if positions[i] == pos), key=lambda i: numbers[i])
        if idx:
            groups.append(f"{fmt.number(len(idx))} {word} ({_and([f'{numbers[i]} {names[i]}' for i in idx])})")
    within = sum(positions[i] == "inom" for i in drawn)
    if within:
        groups.append(f"{fmt.number(within)} där skillnaden kan bero på slumpen")
    text = f"{fmt.number(len(drawn))} skolor jämförda med {reference_label[:1].lower() + reference_label[1:]}" + \
        (f" ({fmt.pct(overall)})" if overall is not None else "") + (": " + _and(groups) if groups else "") + "."
    return describe(fig, text + _hidden_note(len(names) - len(drawn)))


# A category name longer than this is written beside a horizontal bar instead of under an upright one
LONG_CATEGORY = 14


def grouped_bars(categories: list[str], groups: dict[str, list[float | None]], title: str,
                 y_title: str, percent: bool = True) -> go.Figure:
    """Bars per category, one colour per group; a missing (suppressed) bar is marked '..'.

    Long category names ('Insats utan individuell behovsprövning') lie beside horizontal bars,
    first at the top: tilted under upright bars they ran into each other and the legend at
    tablet width."""
    fig = go.Figure()
    scale = 100 if percent else 1
    across = max((len(c) for c in categories), default=0) > LONG_CATEGORY
    for i, (name, vals) in enumerate(groups.items()):
        values = [None if v is None else v * scale for v in vals]
        fig.add_trace(go.Bar(
            x=values if across else categories, y=categories if across else values, name=name,
            orientation="h" if across else "v", marker_color=PALETTE[i % len(PALETTE)],
            text=[MISSING_TEXT if v is None else "" for v in vals], textposition="outside",
            hovertemplate=("%{y}: %{x:.1f}" if across else "%{x}: %{y:.1f}") + (" %" if percent else "")
            + "<extra>" + name + "</extra>"))
    category_axis, value_axis = ("y", "x") if across else ("x", "y")
    fig.update_layout({f"{category_axis}axis": {"type": "category", "title": None,
                                                **({"autorange": "reversed"} if across else {})}})
    if percent:
        _percent_axis(fig, value_axis, y_title)
    else:
        fig.update_layout({f"{value_axis}axis": {"title": y_title, "gridcolor": "#eeeeee", "rangemode": "tozero"}})
    _base(fig, title, max(380, 90 + 16 * len(categories) * len(groups)) if across else 380)
    fig.update_layout(showlegend=len(groups) > 1, barmode="group",
                      legend={"orientation": "h", "y": -0.25 if across else -0.15})
    parts, hidden = [], 0
    for name, vals in groups.items():
        hidden += sum(v is None for v in vals)
        pairs = [(c, v) for c, v in zip(categories, vals, strict=True) if v is not None]
        if not pairs:
            continue
        if len(pairs) <= 5:  # few bars: every value
            listed = _and([f"{c}: {_show(v, percent)}" for c, v in pairs])
        else:  # many: the largest and the smallest
            top, low = max(pairs, key=lambda p: p[1]), min(pairs, key=lambda p: p[1])
            listed = f"{'störst' if percent else 'flest'} {top[0]} ({_show(top[1], percent)}), " \
                     f"{'minst' if percent else 'färst'} {low[0]} ({_show(low[1], percent)})"
        parts.append(f"{name} – {listed}" if len(groups) > 1 else listed[:1].upper() + listed[1:])
    return describe(fig, ("; ".join(parts) + "." if parts else "Inga värden.") + _hidden_note(hidden))


def report_funnel(labels: list[str], counts: list[int | None], title: str) -> go.Figure:
    """The concern-report funnel as horizontal bars (received at the top)."""
    fig = go.Figure(go.Bar(
        x=[c if c is not None else 0 for c in counts][::-1], y=labels[::-1], orientation="h",
        marker_color=[PALETTE[0]] * len(labels),
        text=[MISSING_TEXT if c is None else fmt.chart_number(c) for c in counts][::-1],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x}<extra></extra>"))
    # room to the right of the longest bar for its label: at tablet width the label outside a bar
    # that filled the axis was cut by the figure's edge ('8 3…' for 8 314)
    top = max((c for c in counts if c is not None), default=0)
    fig.update_xaxes(title="Antal anmälningar", gridcolor="#eeeeee", tickformat=",d", range=[0, top * 1.2 or 1])
    fig.update_yaxes(type="category", title=None)
    steps = [f"{label[:1].lower() + label[1:]} {_show(c, False)}" for label, c in zip(labels, counts, strict=True)]
    describe(fig, f"Antal anmälningar i varje steg: {_and(steps)}." if steps else "Inga anmälningar.")
    return _base(fig, title, 380)


def lines(x: list[str], series: dict[str, list[float | None]], title: str, y_title: str,
          percent: bool = False) -> go.Figure:
    """Simple lines over periods (x categorical); missing points are gaps."""
    fig = go.Figure()
    scale = 100 if percent else 1
    for i, (name, vals) in enumerate(series.items()):
        fig.add_trace(go.Scatter(
            x=x, y=[None if v is None else v * scale for v in vals], name=name, mode="lines+markers",
            line={"color": PALETTE[i % len(PALETTE)], "width": 2},
            hovertemplate="%{x}: %{y:,.1f}" + (" %" if percent else "") + "<extra>" + name + "</extra>"))
    fig.update_xaxes(type="category", title=None)
    if percent:
        _percent_axis(fig, "y", y_title)
    else:
        fig.update_yaxes(title=y_title, gridcolor="#eeeeee", rangemode="tozero", tickformat=",d")
    _base(fig, title, 360)
    fig.update_layout(showlegend=len(series) > 1, legend={"orientation": "h", "y": -0.15})
    parts = [_series_text(name if len(series) > 1 else y_title, x, vals, percent) for name, vals in series.items()]
    hidden = sum(v is None for vals in series.values() for v in vals)
    return describe(fig, (_sentence(parts) + "." if parts else "Inga värden.") + _hidden_note(hidden))


# --- adapters from engine frames (period, breakdown, numerator, denominator, value, ci, suppressed)

def _label(dim: str | None, value) -> str:
    from ui.tables import dim_label

    return dim_label(dim, value) if dim else "Totalt"


@shared
def trend_from_frame(df, dim: str | None, title: str, targets: dict | None = None,
                     y_title: str = "Andel", period_labels: dict[str, str] | None = None,
                     target_from: str | None = None, marks: dict[str, list[str]] | None = None) -> go.Figure:
    """``share_over_time`` for an engine frame evaluated over several periods by one dimension
    (its totals are dropped when there is a breakdown). Partial periods are named so
    ('2026/27 t.o.m. oktober'); ``period_labels`` overrides; ``target_from``: the period code
    the target lines start at; ``marks``: events per period label (``annotate``). Shared: never
    change the result."""
    period_labels = {**tables.period_labels(df), **(period_labels or {})}
    rows = []
    for r in df.iter_rows(named=True):
        g = r.get(dim) if dim else None
        if dim and g is None:
            continue
        rows.append({"group": g, "period": period_labels.get(r["period"], r["period"]),
                     "value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                     "suppressed": bool(r.get("suppressed"))})
    labels = {g: _label(dim, g) for g in {r["group"] for r in rows}}
    return annotate(share_over_time(rows, labels, title, targets, y_title,
                                    target_from=period_labels.get(target_from, target_from) if target_from else None),
                    marks or {})


@shared
def ranked_from_frame(df, dim: str, title: str, x_title: str = "Andel", percent: bool = True,
                      reference_label: str = "Hela kommunen") -> go.Figure:
    """``ranked_shares`` for one breakdown of an engine frame, with the frame's total as reference,
    named by ``reference_label`` (the selection it is the total of: 'Område Norr').
    Shared: never change the result."""
    cells = df.filter(df[dim].is_not_null())
    total = df.filter(df[dim].is_null())
    if dim == "school":
        names = cells["school_name"].to_list()
    elif dim == "grade":  # 'Årskurs 9', not a bare '9' that a sentence reads as a number
        names = [f"Årskurs {v}" for v in cells[dim]]
    else:
        names = [_label(dim, v) for v in cells[dim]]
    return ranked_shares(names, cells["value"].to_list(), cells["ci_low"].to_list(), cells["ci_high"].to_list(),
                         title, x_title, reference=total["value"][0] if total.height else None, percent=percent,
                         reference_label=reference_label, suppressed=cells["suppressed"].to_list() if "suppressed" in cells.columns else None)
