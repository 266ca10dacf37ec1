"""Chart builders: plain functions that return plotly figures (pages render them).

Every figure is Swedish: decimal comma and thin-space thousands (``layout.separators``), titles
and axis labels in Swedish, shares shown as percent with a `` %`` suffix.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from metrics import stats, views
from metrics.attainment import Measure
from ui import format as fmt
from ui import tables
from ui.memo import shared

SEPARATORS = ",\u202f"
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
    x = [m.label.replace("läsåret ", "") for m in shown]
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
            text=[f"{now[0][1]:.1f} %".replace(".", ",")], textposition="top center",
            hovertemplate="Officiellt, läsår %{x}: %{y:.1f} %<extra></extra>"))
    fig.update_xaxes(type="category", title=None, showgrid=False)
    fig.update_yaxes(ticksuffix=" %", title=None, gridcolor="#eeeeee", rangemode="tozero")
    return annotate(_base(fig, title, height), marks or {})

def annotate(fig: go.Figure, marks: dict[str, list[str]]) -> go.Figure:
    """Dated events drawn on a chart over periods: a dotted line at the period (an x category)
    and the events' text beside it, inside the plot, so a change in a curve can be read against
    what was done. ``marks``: x category -> texts (from the annotations register). Changes ``fig``:
    only for a figure of one's own (a builder's fresh one), never a shared one (``ui.memo``)."""
    categories: list[str] = []
    for trace in fig.data:
        categories.extend(x for x in (trace.x or ()) if isinstance(x, str) and x not in categories)
    for i, (x, texts) in enumerate(sorted(marks.items())):
        if x not in categories:
            continue
        # text on the side with room: right of the line in the chart's first half, left of it after
        right = categories.index(x) < len(categories) / 2
        fig.add_vline(x=x, line={"color": "#555555", "dash": "dot", "width": 1})
        fig.add_annotation(x=x, y=1 - 0.12 * (i % 3), yref="paper", xanchor="left" if right else "right",
                           xshift=3 if right else -3, yanchor="top", showarrow=False,
                           text="<br>".join(_plain(t) for t in texts),  # user text: shown literally
                           font={"size": 11, "color": "#333333"}, bgcolor="rgba(255,255,255,0.85)")
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
    return fig


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
    return _base(fig, title, max(260, 60 + 26 * len(labels)))


POSITION_STYLE = {  # colour, marker symbol, Swedish legend text
    "över": ("#D55E00", "triangle-up", "Över förväntat (utanför 99,8 %-gränsen)"),
    "under": ("#009E73", "triangle-down", "Under förväntat (utanför 99,8 %-gränsen)"),
    "inom": ("#0072B2", "circle", "Inom slumpvariationen"),
}


_POSITIONS = (  # textposition, (dx, dy) of the label's centre in label widths / heights
    ("top center", 0, 1), ("bottom center", 0, -1), ("middle right", 0.55, 0), ("middle left", -0.55, 0),
    ("top right", 0.55, 1), ("top left", -0.55, 1), ("bottom right", 0.55, -1), ("bottom left", -0.55, -1))


def _label_positions(xs: list[float], ys: list[float], names: list[str], x_max: float, y_max: float,
                     avoid: list[tuple[float, float]] = (), plot_px: tuple[int, int] = (900, 420)) -> list[str]:
    """A text position per point so that labels do not overlap each other or any marker
    (``avoid``: every other point), greedily, on an estimate of the plot's pixels: about 6.5 px
    per character and 14 px per line."""
    def to_px(x, y):
        return x / x_max * plot_px[0], y / y_max * plot_px[1]

    px = [to_px(x, y) for x, y in zip(xs, ys, strict=True)]
    boxes: list[tuple[float, float, float, float]] = [(x - 7, y - 7, x + 7, y + 7)
                                                      for x, y in px + [to_px(*a) for a in avoid]]
    out = []
    for (x, y), name in zip(px, names, strict=True):
        w, h = 6.5 * len(name) + 4, 14
        choice = _POSITIONS[0]
        for option in _POSITIONS:
            cx, cy = x + option[1] * (w / 2 + 8) * 2 / 1.1, y + option[2] * (h / 2 + 7)
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
                choice = option
                boxes.append(box)
                break
        out.append(choice[0])
    return out


def funnel_plot(names: list[str], n: list[int | None], values: list[float | None],
                positions: list[str], overall: float | None, title: str,
                reference_label: str = "Hela kommunen") -> go.Figure:
    """Funnel plot: each school's share against its number of pupils, with 95 % and 99.8 %
    limits around the overall share. A school is only 'above' or 'below' outside the funnel."""
    fig = go.Figure()
    if overall is not None:
        shown = [x for x in n if x]
        top = max(shown) * 1.1 if shown else 100
        grid = [max(5, int(top * k / 60)) for k in range(1, 61)]
        for z, dash, label in ((stats.Z95, "dot", "95 %-gräns"), (views.Z_998, "dash", "99,8 %-gräns")):
            limits = [views.funnel_limits(overall, g, z) for g in grid]
            for side, show in ((1, True), (0, False)):
                fig.add_trace(go.Scatter(
                    x=grid, y=[lim[side] * 100 for lim in limits], mode="lines",
                    line={"color": "#999999", "dash": dash, "width": 1}, name=label,
                    showlegend=show, hoverinfo="skip"))
        fig.add_hline(y=overall * 100, line={"color": TARGET_COLOUR, "width": 1.5},
                      annotation_text=_plain(reference_label), annotation_position="bottom right")
    named = [i for i, p in enumerate(positions) if p != "inom" and values[i] is not None and n[i]]
    others = [(n[i], values[i] * 100) for i, p in enumerate(positions) if p == "inom" and values[i] is not None and n[i]]
    y_top = max([v * 100 for v in values if v is not None]
                + ([views.funnel_limits(overall, max(5, min(x for x in n if x) // 2), views.Z_998)[1] * 100]
                   if overall is not None and any(n) else []), default=1)
    placed = _label_positions([n[i] for i in named], [values[i] * 100 for i in named],
                              [names[i] for i in named], x_max=max((x for x in n if x), default=1) * 1.1,
                              y_max=y_top * 1.05, avoid=others)
    where = dict(zip(named, placed, strict=True))
    for pos, (colour, symbol, label) in POSITION_STYLE.items():
        idx = [i for i, p in enumerate(positions) if p == pos and values[i] is not None]
        if not idx:
            continue
        outside = pos != "inom"  # the schools that stand out are named on the chart itself
        fig.add_trace(go.Scatter(
            x=[n[i] for i in idx], y=[values[i] * 100 for i in idx],
            mode="markers+text" if outside else "markers", name=label,
            marker={"color": colour, "symbol": symbol, "size": 11, "line": {"color": "white", "width": 1}},
            text=[names[i] for i in idx], textposition=[where.get(i, "top center") for i in idx],
            textfont={"size": 11, "color": colour}, cliponaxis=False,
            hovertemplate="%{text}<br>%{y:.1f} % av %{x} elever<extra></extra>"))
    fig.update_xaxes(title="Antal elever", gridcolor="#eeeeee", rangemode="tozero", tickformat=",d")
    _percent_axis(fig, "y", "Andel med hög frånvaro")
    _base(fig, title, 440)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.2})
    return fig


def grouped_bars(categories: list[str], groups: dict[str, list[float | None]], title: str,
                 y_title: str, percent: bool = True) -> go.Figure:
    """Bars per category, one colour per group; a missing (suppressed) bar is marked '..'."""
    fig = go.Figure()
    scale = 100 if percent else 1
    for i, (name, vals) in enumerate(groups.items()):
        fig.add_trace(go.Bar(
            x=categories, y=[None if v is None else v * scale for v in vals], name=name,
            marker_color=PALETTE[i % len(PALETTE)],
            text=[MISSING_TEXT if v is None else "" for v in vals], textposition="outside",
            hovertemplate="%{x}: %{y:.1f}" + (" %" if percent else "") + "<extra>" + name + "</extra>"))
    fig.update_xaxes(type="category", title=None)
    if percent:
        _percent_axis(fig, "y", y_title)
    else:
        fig.update_yaxes(title=y_title, gridcolor="#eeeeee", rangemode="tozero")
    _base(fig, title, 380)
    fig.update_layout(showlegend=len(groups) > 1, barmode="group", legend={"orientation": "h", "y": -0.15})
    return fig


def report_funnel(labels: list[str], counts: list[int | None], title: str) -> go.Figure:
    """The concern-report funnel as horizontal bars (received at the top)."""
    fig = go.Figure(go.Bar(
        x=[c if c is not None else 0 for c in counts][::-1], y=labels[::-1], orientation="h",
        marker_color=[PALETTE[0]] * len(labels),
        text=[MISSING_TEXT if c is None else f"{c:,}".replace(",", "\u202f") for c in counts][::-1],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_xaxes(title="Antal anmälningar", gridcolor="#eeeeee", tickformat=",d")
    fig.update_yaxes(type="category", title=None)
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
    return fig


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
def ranked_from_frame(df, dim: str, title: str, x_title: str = "Andel", percent: bool = True) -> go.Figure:
    """``ranked_shares`` for one breakdown of an engine frame, with the total as reference.
    Shared: never change the result."""
    cells = df.filter(df[dim].is_not_null())
    total = df.filter(df[dim].is_null())
    names = cells["school_name"].to_list() if dim == "school" else [_label(dim, v) for v in cells[dim]]
    return ranked_shares(names, cells["value"].to_list(), cells["ci_low"].to_list(), cells["ci_high"].to_list(),
                         title, x_title, reference=total["value"][0] if total.height else None, percent=percent,
                         suppressed=cells["suppressed"].to_list() if "suppressed" in cells.columns else None)
