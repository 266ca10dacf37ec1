"""Chart builders: plain functions that return plotly figures (pages render them).

Every figure is Swedish: decimal comma and thin-space thousands (``layout.separators``), titles
and axis labels in Swedish, shares shown as percent with a `` %`` suffix.
"""

from __future__ import annotations

import plotly.graph_objects as go

from metrics.attainment import Measure

SEPARATORS = ",\u202f"
FONT = "Source Sans Pro, Arial, sans-serif"
# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
STATUS_COLOURS = {
    "achieved": "#009E73",
    "partly": "#F0E442",
    "not_achieved": "#D55E00",
    "no_data": "#999999",
}
SERIES_COLOUR = "#0072B2"
TARGET_COLOUR = "#CC79A7"


def _base(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    fig.update_layout(
        separators=SEPARATORS, height=height, font={"family": FONT, "size": 13},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        title={"text": title, "x": 0, "font": {"size": 14}} if title else None,
        plot_bgcolor="white", paper_bgcolor="white", showlegend=False,
    )
    return fig


def goal_trend(series: list[Measure], target_value: float | None, title: str | None = None,
               height: int = 180) -> go.Figure:
    """A small trend line of a goal's indicator per school year, with the target level dashed.

    Suppressed years are left out of the line and named in the hover text of the gap's ends.
    """
    shown = [m for m in series if m.value is not None]
    x = [m.label.replace("läsåret ", "") for m in shown]
    y = [m.value * 100 for m in shown]
    custom = [[f"{m.numerator:,}".replace(",", "\u202f") if m.numerator is not None else "..",
               f"{m.denominator:,}".replace(",", "\u202f") if m.denominator is not None else ".."]
              for m in shown]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x, y=y, mode="lines+markers", name="Utfall", line={"color": SERIES_COLOUR, "width": 2},
        customdata=custom,
        hovertemplate="Läsår %{x}: %{y:.1f} %<br>%{customdata[0]} av %{customdata[1]}<extra></extra>",
    ))
    if target_value is not None and x:
        fig.add_trace(go.Scatter(
            x=[x[0], x[-1]], y=[target_value * 100] * 2, mode="lines", name="Målnivå",
            line={"color": TARGET_COLOUR, "dash": "dash", "width": 2},
            hovertemplate="Målnivå: %{y:.1f} %<extra></extra>",
        ))
    fig.update_xaxes(type="category", title=None, showgrid=False)
    fig.update_yaxes(ticksuffix=" %", title=None, gridcolor="#eeeeee", rangemode="tozero")
    return _base(fig, title, height)
