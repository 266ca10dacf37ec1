"""Where a goal's change came from, and status × change on one grid: figures, tables, sentences.

From ``metrics.decomposition`` frames to (figure, export table, display table) triples as
``ui.figures`` makes them; no Streamlit here, so tests read the figures and tables directly.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from metrics import decomposition as dc
from ui import charts, goal_text
from ui import format as fmt
from ui.memo import shared

WITHIN_COLOUR = "#0072B2"  # Okabe-Ito blue
COMPOSITION_COLOUR = "#E69F00"  # Okabe-Ito orange, and hatched: never colour alone
DIM_NOUN = {"area": "område", "school": "skolenhet"}
DIM_HEADING = {"area": "Område", "school": "Skolenhet"}
KIND_LABELS = {"enhet": "", "ny": "ny (inga elever basåret)", "upphörd": "upphörd (inga elever nu)"}


def _pp(x: float | None) -> str:
    """A contribution in percentage points, short: −0,16 p.e.; one that rounds to nothing is
    '0,00 p.e.', never '−0,00'."""
    if x is None:
        return fmt.SUPPRESSED
    return ("0,00 p.e." if round(x * 100, 2) == 0 else fmt.pp(x, 2).replace(" procentenheter", " p.e."))


def decomposition_chart(d: dc.Decomposition, dim: str, title: str) -> go.Figure:
    """Ranked horizontal bars: each unit's contribution as change within it (blue) and shift in
    composition (orange, hatched), with the sum marked and written beside it; the whole change
    on top."""
    units = d.units
    names = ["Hela förändringen"] + [
        n + (f" – {KIND_LABELS[k]}" if KIND_LABELS.get(k) else "") for n, k in zip(units["name"], units["kind"], strict=True)]
    within = [d.within] + units["within"].to_list()
    comp = [d.composition] + units["composition"].to_list()
    total = [d.total] + units["contribution"].to_list()
    ys = names[::-1]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=ys, x=[v * 100 for v in within[::-1]], orientation="h", name="Förändring inom enheten",
        marker={"color": WITHIN_COLOUR}, hovertemplate="%{y}: %{x:.2f} p.e. inom enheten<extra></extra>"))
    fig.add_trace(go.Bar(
        y=ys, x=[v * 100 for v in comp[::-1]], orientation="h", name="Förskjutning mellan enheterna",
        marker={"color": COMPOSITION_COLOUR, "pattern": {"shape": "/", "fgcolor": "#5a3d00", "size": 6}},
        hovertemplate="%{y}: %{x:.2f} p.e. förskjutning<extra></extra>"))
    fig.add_trace(go.Scatter(
        y=ys, x=[v * 100 for v in total[::-1]], mode="markers+text", name="Bidrag (summa)",
        marker={"color": "#000000", "symbol": "diamond", "size": 9},
        # the sum written outside, on its own side of zero (never on top of a bar)
        text=[_pp(v) for v in total[::-1]], cliponaxis=False,
        textposition=["middle left" if v < 0 else "middle right" for v in total[::-1]],
        textfont={"size": 11, "color": "#000000"}, hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.add_vline(x=0, line={"color": "#555555", "width": 1})
    fig.update_xaxes(title=f"Bidrag till förändringen, procentenheter (per {DIM_NOUN[dim]})", ticksuffix="",
                     gridcolor="#eeeeee", zeroline=False, tickformat=".2f")
    fig.update_yaxes(type="category", title=None)
    charts._base(fig, title, max(300, 90 + 26 * len(names)))
    # room for the written sums on both sides; the legend above the bars, clear of the axis title
    reach = max((abs(v) for v in total), default=0) * 100 or 0.01
    fig.update_xaxes(range=[-reach * 1.45, reach * 1.45])
    fig.update_layout(barmode="relative", showlegend=True,
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
                      margin={"t": 70})
    return fig


def decomposition(d: dc.Decomposition, dim: str, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """(figure, export, display) of a decomposition; shares and contributions as fractions in
    the export (Excel: percent and percentage points)."""
    u = d.units
    heading = DIM_HEADING[dim]
    export = pl.DataFrame({
        heading: u["name"], "Slag": [KIND_LABELS[k] or "enhet" for k in u["kind"]],
        "Andel basåret": u["p0"], "Andel nu": u["p1"], "Elever basåret": u["n0"], "Elever nu": u["n1"],
        "Förändring inom enheten": u["within"], "Förskjutning mellan enheterna": u["composition"],
        "Bidrag till förändringen": u["contribution"]})
    total = pl.DataFrame({
        heading: ["Totalt"], "Slag": [""], "Andel basåret": [d.baseline_share], "Andel nu": [d.current_share],
        "Elever basåret": [int(u["n0"].sum())], "Elever nu": [int(u["n1"].sum())],
        "Förändring inom enheten": [d.within], "Förskjutning mellan enheterna": [d.composition],
        "Bidrag till förändringen": [d.total]}, schema=export.schema)
    export = pl.concat([export, total])
    display = pl.DataFrame({
        heading: export[heading].to_list(),
        "Andel basåret": [fmt.pct(v) for v in export["Andel basåret"]],
        "Andel nu": [fmt.pct(v) for v in export["Andel nu"]],
        "Elever nu": [fmt.number(v) for v in export["Elever nu"]],
        "Inom enheten": [_pp(v) for v in export["Förändring inom enheten"]],
        "Förskjutning": [_pp(v) for v in export["Förskjutning mellan enheterna"]],
        "Bidrag": [_pp(v) for v in export["Bidrag till förändringen"]]})
    return decomposition_chart(d, dim, title), export, display


PP_COLUMNS = ("Förändring inom enheten", "Förskjutning mellan enheterna", "Bidrag till förändringen")
PERCENT_COLUMNS = ("Andel basåret", "Andel nu")


NO_COMPARISON = ("Inget mål har ännu ett officiellt läsår att jämföra med basåret, så det finns ingen förändring "
                 "att dela upp.")
HELP = ("Förändringen sedan basåret delas upp per område eller skolenhet: dels förändring inom enheten (dess "
        "egen andel ändrades), dels förskjutning mellan enheterna (eleverna finns i enheter med annan nivå än "
        "förut). Staplarna är i procentenheter av hela andelen; de största bidragen står först.")


@shared
def decomposition_view(table: pl.DataFrame, leaf: dc.Leaf, dim: str, title: str, exact: bool):
    """((figure, export, display), sentences) for a unit table, or (None, [reason])."""
    d = dc.decompose(table, exact)
    if d is None:
        return None, ["Förändringen kan inte delas upp: inga enheter har elever som visas båda åren."]
    return decomposition(d, dim, title), decomposition_text(d, dim, leaf)


@goal_text.builder
def decomposition_text(d: dc.Decomposition, dim: str, leaf: dc.Leaf) -> list[str]:
    """What the chart says and how its parts add up, in plain Swedish (a number is a claim:
    each one is computed here from the same frame as the chart). The whole change is stated in
    the goal's unit (``goal_text.change_words``); its parts, a split of the difference of the
    shares, in procentenheter."""
    noun = "områdena" if dim == "area" else "skolenheterna"
    kind = leaf.target.kind if leaf.target is not None else None

    def words(x):
        return _pp(x).replace("p.e.", "procentenheter")

    def in_goal_unit(difference: float | None, baseline: float | None) -> str:
        if difference is None:
            return fmt.NOT_COMPUTED
        if kind == "relative_change":
            return goal_text.change_words(kind, difference / baseline if baseline else None, difference)
        return words(difference)

    lines = [f"Andelen gick från {fmt.pct(d.baseline_share)} till {fmt.pct(d.current_share)}, "
             f"{in_goal_unit(d.total, d.baseline_share)}. Av skillnaden är {words(d.within)} förändring inom "
             f"{noun} och {words(d.composition)} förskjutning mellan dem (elever som finns i enheter med annan "
             "nivå än förut)."]
    if d.exact:
        lines.append("Exakta antal – internt underlag, får inte publiceras. Delarna summerar exakt till "
                     "målets förändring räknad på exakta antal.")
    else:
        lines.append(
            "Delarna summerar till förändringen räknad ur samma publicerade tabell: antalen är avrundade till "
            "närmaste 5 och små enheter döljs, så summan kan skilja sig något från målets förändring"
            + (f" räknad på exakta antal ({in_goal_unit(leaf.change, leaf.baseline_value)})"
               if leaf.change is not None else "")
            + ".")
        if d.hidden:
            lines.append(f"{len(d.hidden)} {'enhet' if len(d.hidden) == 1 else 'enheter'} visas inte (för få elever "
                         f"något av åren) och ingår inte: {', '.join(d.hidden)}.")
    return lines


# --- status × change -----------------------------------------------------------------------------

# Cell colours by how good the cell is (level and change together, −2 worst … +2 best): blue for
# better, orange for worse (distinguishable with the common colour-vision deficiencies), light
# enough that black text keeps at least 4.5:1; every cell also says its words and count.
GRID_COLOURS = {2: "#56B4E9", 1: "#B7DEF5", 0: "#EEEEEE", -1: "#F6D28F", -2: "#E69F00"}


def _score(level: str, change: str) -> int:
    return (1 - dc.LEVELS.index(level)) + (1 - dc.CHANGES.index(change))


def grid_figure(g: pl.DataFrame, dim: str, title: str) -> go.Figure:
    """3 × 3: rows the level now (best on top), columns the change since the baseline (best
    left); each cell its number of units and up to three of their names."""
    counts = dc.grid_counts(g)
    noun = "område" if dim == "area" else "skolenhet"
    plural = "områden" if dim == "area" else "skolenheter"
    fig = go.Figure()
    for i, level in enumerate(dc.LEVELS):
        for j, change in enumerate(dc.CHANGES):
            n = counts[(level, change)]
            names = g.filter((pl.col("level") == level) & (pl.col("change_class") == change))["name"].to_list()
            # a name a line: a cell is narrow on a tablet, and names side by side ran into the next cell
            shown = "<br>".join(charts._plain(x) for x in names[:3]) + (f"<br>och {len(names) - 3} till"
                                                                         if len(names) > 3 else "")
            text = f"<b>{n} {noun if n == 1 else plural}</b>" + (f"<br>{shown}" if shown else "")
            x0, y0 = j, 2 - i
            fig.add_shape(type="rect", x0=x0, x1=x0 + 1, y0=y0, y1=y0 + 1,
                          fillcolor=GRID_COLOURS[_score(level, change)], line={"color": "white", "width": 3})
            fig.add_annotation(x=x0 + 0.5, y=y0 + 0.5, text=text, showarrow=False, font={"size": 12, "color": "#000000"})
    fig.add_trace(go.Scatter(x=[0, 3], y=[0, 3], mode="markers", marker={"opacity": 0}, hoverinfo="skip",
                             showlegend=False))
    # two-line tick labels: on one line, plotly drops a label that would touch its neighbour at tablet width
    fig.update_xaxes(range=[0, 3], tickvals=[0.5, 1.5, 2.5],
                     ticktext=[dc.CHANGE_LABELS[c].replace(" ", "<br>", 1) for c in dc.CHANGES],
                     title="Förändring sedan basåret (95 %-intervall som målen)", showgrid=False, zeroline=False)
    fig.update_yaxes(range=[0, 3], tickvals=[2.5, 1.5, 0.5], ticktext=[dc.LEVEL_LABELS[lv] for lv in dc.LEVELS],
                     title=None, showgrid=False, zeroline=False)
    return charts._base(fig, title, 420)


GRID_LEGEND = ("Raderna visar var andelen ligger nu: vid eller under målnivån, mellan målnivån och basvärdet, "
               "eller sämre än basvärdet (målets egna nivåer för hela kommunen). Kolumnerna visar enhetens egen "
               "förändring sedan basåret: signifikant bättre, ingen säker förändring eller signifikant sämre, med "
               "samma 95 %-intervall som målen. Blå rutor är ett bättre läge, orange ett sämre och grå däremellan; "
               "varje ruta anger antalet enheter.")


GRID_PERCENT_COLUMNS = ("Andel basåret", "Andel nu")
GRID_PP_COLUMNS = ("Förändring", "Intervall, nedre", "Intervall, övre")


def grid(table: pl.DataFrame, leaf: dc.Leaf) -> pl.DataFrame:
    """``decomposition.grid`` (the page reads ui only)."""
    return dc.grid(table, leaf)


def exact_note(exact: bool) -> tuple[str, ...]:
    """The footnote line of an exact (internal) chart or export."""
    return ("Exakta antal – internt underlag för analys, får inte publiceras.",) if exact else ()


@shared
def status_grid(g: pl.DataFrame, dim: str, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """(figure, export, display) of ``decomposition.grid``; units not placed say why."""
    heading = DIM_HEADING[dim]
    level = [dc.LEVEL_LABELS.get(v, "Visas ej") if v else "Visas ej" for v in g["level"]]
    change = [dc.CHANGE_LABELS.get(v, "Visas ej") if v else "Visas ej" for v in g["change_class"]]
    export = pl.DataFrame({heading: g["name"], "Nivå nu": level, "Förändring sedan basåret": change,
                           "Andel basåret": g["p0"], "Andel nu": g["p1"], "Förändring": g["change"],
                           "Intervall, nedre": g["ci_low"], "Intervall, övre": g["ci_high"]})
    display = pl.DataFrame({
        heading: g["name"].to_list(), "Nivå nu": level, "Förändring sedan basåret": change,
        "Andel basåret": [fmt.pct(v) for v in g["p0"]], "Andel nu": [fmt.pct(v) for v in g["p1"]],
        "Förändring (95 %-intervall)": [
            f"{_pp(c)} ({_pp(lo)} till {_pp(hi)})" if c is not None and lo is not None else
            (_pp(c) if c is not None else fmt.SUPPRESSED)
            for c, lo, hi in zip(g["change"], g["ci_low"], g["ci_high"], strict=True)]})
    return grid_figure(g, dim, title), export, display
