"""Jämförelser: the municipality beside the country and its peers – figures and tables.

(figure, export, display) triples from ``metrics.peers`` frames, as ``ui.figures`` makes them;
no Streamlit here. The municipality is the thick blue line, the country the black dashed one,
the peers thin lines in other colours: every line is named in the legend and the table.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from metrics import catalog
from metrics import peers as mpeers
from ui import charts
from ui import format as fmt
from ui.memo import shared

OWN_COLOUR = "#0072B2"
COUNTRY_COLOUR = "#000000"
PEER_COLOURS = ("#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#999999", "#F0E442")


def _value_text(v, unit: str) -> str:
    if v is None:
        return fmt.NO_DATA
    if unit == "procent":
        return fmt.decimal(v) + " %"
    if unit == "andel":
        return fmt.pct(v)
    if unit in ("antal", "invånare"):
        return fmt.number(v)
    return fmt.decimal(v, 0) if abs(v) >= 100 else fmt.decimal(v)


def lines(df: pl.DataFrame, title: str, y_title: str, scale: float = 1, suffix: str = "",
          extra: list[tuple[str, list[str], list[float | None]]] = ()) -> go.Figure:
    """One line per region over the periods of ``df`` (region, name, role, period, value);
    ``extra``: further series (name, periods, values), drawn dotted (another population)."""
    fig = go.Figure()
    x_all = sorted(df["period"].unique().to_list()) if df.height else []
    peer_i = 0
    for region in df["region"].unique(maintain_order=True).to_list():
        part = df.filter(pl.col("region") == region)
        role, name = part["role"][0], part["name"][0]
        by = dict(zip(part["period"], part["value"], strict=True))
        if role == "own":
            style = {"color": OWN_COLOUR, "width": 4}
        elif role == "country":
            style = {"color": COUNTRY_COLOUR, "width": 2.5, "dash": "dash"}
        else:
            style = {"color": PEER_COLOURS[peer_i % len(PEER_COLOURS)], "width": 1.5}
            peer_i += 1
        label = f"{name} (kommunen)" if role == "own" else name
        ys = [None if by.get(p) is None else by[p] * scale for p in x_all]
        fig.add_trace(go.Scatter(x=x_all, y=ys, name=label, mode="lines+markers", line=style,
                                 hovertemplate="%{x}: %{y:,.1f}" + suffix + "<extra>" + charts._plain(label) + "</extra>"))
    for name, xs, vs in extra:
        fig.add_trace(go.Scatter(x=xs, y=[None if v is None else v * scale for v in vs], name=name,
                                 mode="lines+markers", line={"color": OWN_COLOUR, "width": 2, "dash": "dot"},
                                 marker={"symbol": "square"},
                                 hovertemplate="%{x}: %{y:,.1f}" + suffix + "<extra>" + charts._plain(name) + "</extra>"))
    fig.update_xaxes(type="category", title=None, categoryorder="category ascending")
    # ',': thousands grouped ('2 500'), decimals as they are ('24,5'), with the layout's Swedish separators
    fig.update_yaxes(title=y_title, gridcolor="#eeeeee", rangemode="tozero", ticksuffix=suffix, tickformat=",")
    charts._base(fig, title, 420)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.15})
    return fig


def _table(df: pl.DataFrame, value_text) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(export, display): one row per region, one column per period."""
    ps = sorted(df["period"].unique().to_list())
    regions = df.select("region", "name", "role").unique(maintain_order=True)
    rows_e, rows_d = [], []
    for r in regions.iter_rows(named=True):
        part = df.filter(pl.col("region") == r["region"])
        by = dict(zip(part["period"], part["value"], strict=True))
        head = {"Kommun": r["name"], "Kod": r["region"], "Roll": mpeers.ROLE_LABELS[r["role"]]}
        rows_e.append({**head, **{p: by.get(p) for p in ps}})
        rows_d.append({"Kommun": r["name"], "Roll": mpeers.ROLE_LABELS[r["role"]],
                       **{p: value_text(by.get(p)) for p in ps}})
    schema_e = {"Kommun": pl.String, "Kod": pl.String, "Roll": pl.String, **{p: pl.Float64 for p in ps}}
    schema_d = {"Kommun": pl.String, "Roll": pl.String, **{p: pl.String for p in ps}}
    return pl.DataFrame(rows_e, schema=schema_e), pl.DataFrame(rows_d, schema=schema_d)


@shared
def kolada_view(df: pl.DataFrame, measure: str, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    part = df.filter(pl.col("measure") == measure)
    unit = part["unit"][0] if part.height else ""
    fig = lines(part, title, unit.capitalize() if unit else "Värde", suffix=" %" if unit == "procent" else "")
    export, display = _table(part, lambda v: _value_text(v, unit))
    return fig, export, display


@shared
def population_view(df: pl.DataFrame, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """Residents 0–20 per municipality and year: the country in the table, not in the chart
    (``POPULATION_NOTE``)."""
    fig = lines(df.filter(pl.col("role") != "country"), title, "Invånare 0–20 år")
    fig.update_yaxes(tickformat=",d")
    export, display = _table(df, fmt.number)
    return fig, export, display


OWN_SERIES = "Egna data (annan population)"
OWN_ROW = "Egna data: elever i kommunens gymnasieskolor med hög ogiltig frånvaro (annan population)"


@shared
def withdrawals_view(df: pl.DataFrame, own: pl.DataFrame, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """CSN's withdrawal share per region and school year, and our own gymnasium invalid-absence
    share beside it as its own, dotted series (a different population, named so)."""
    extra = [(OWN_SERIES, own["period"].to_list(), own["value"].to_list())] if own.height else []
    # (the series' name is short so the legend keeps its rows; OWN_ROW in the table says what it is)
    fig = lines(df, title, "Andel", scale=100, suffix=" %", extra=extra)
    export, display = _table(df, fmt.pct)
    if own.height:
        by = dict(zip(own["period"], own["value"], strict=True))
        ps = [c for c in export.columns if c not in ("Kommun", "Kod", "Roll")]
        export = pl.concat([export, pl.DataFrame([{"Kommun": OWN_ROW, "Kod": "", "Roll": "Egna data",
                                                   **{p: by.get(p) for p in ps}}], schema=export.schema)])
        display = pl.concat([display, pl.DataFrame([{"Kommun": OWN_ROW, "Roll": "Egna data",
                                                     **{p: fmt.pct(by.get(p)) for p in ps}}], schema=display.schema)])
    return fig, export, display


def national_table() -> pl.DataFrame:
    """Our indicators and their national counterpart, or why there is none."""
    return pl.DataFrame({
        "Indikator": [catalog.get(k).label for k in mpeers.NATIONAL],
        "Nationell motsvarighet": [v[0] or "Ingen" for v in mpeers.NATIONAL.values()],
        "Varför": [v[1] for v in mpeers.NATIONAL.values()],
    })


CSN_NOTE = ("CSN räknar gymnasieelever med studiehjälp efter folkbokföringskommun – oavsett var de går i skola – "
            "och hur många som fick studiehjälpen indragen för ogiltig frånvaro under läsåret. Våra egna siffror "
            "räknar elever i kommunens gymnasieskolor (kommunala och fristående) vars ogiltiga frånvaro är mer än "
            "15 % av den schemalagda tiden. Det är olika populationer och gränser: jämför nivå och riktning, inte "
            "siffrorna rakt av. Där CSN:s antal är sekretessmarkerat ('..') visar CSN andelen 0,0; här saknas den.")


def intro(cfg) -> str:
    """Who is compared with whom, in words."""
    names = ", ".join(mpeers.peers.name(c) for c in cfg.peers) or "inga (lägg till i jämförelsefilen)"
    return (f"{mpeers.peers.name(cfg.municipality)} (kommunkod {cfg.municipality}) bredvid riket och jämförelsekommunerna: "
            f"{names}. Siffrorna kommer ur filer som importerats från Kolada, SCB och CSN; sidan hämtar "
            "ingenting från internet.")


def region_words(cfg, country: bool = True) -> str:
    """'Helsingborg, riket och 5 jämförelsekommuner' (``country`` False: without the country)."""
    if not country:
        return f"{mpeers.peers.name(cfg.municipality)} och {len(cfg.peers)} jämförelsekommuner"
    return f"{mpeers.peers.name(cfg.municipality)}, riket och {len(cfg.peers)} jämförelsekommuner"


POPULATION_NOTE = ("Riket står bara i tabellen: med sina omkring 2,5 miljoner invånare 0–20 år skulle det "
                   "platta till kommunernas linjer.")


def is_example(data: dict) -> bool:
    """Whether any of the figures shown come from the shipped example files (made-up values)."""
    return any(info.example for _df, info in (data["kolada"], data["population"], data["csn"]))


EXAMPLE_WARNING = ("Demodata: Kolada-, SCB- och CSN-siffrorna här kommer ur exempelfiler i källornas format med "
                   "påhittade värden. De visar hur sidan fungerar, inte hur kommunerna faktiskt ligger till.")


def has(df: pl.DataFrame, measure: str) -> bool:
    return df.filter(pl.col("measure") == measure).height > 0


def period_columns(df: pl.DataFrame, measure: str | None = None) -> tuple[str, ...]:
    """The period columns of a view's export (for percent formats)."""
    part = df if measure is None else df.filter(pl.col("measure") == measure)
    return tuple(sorted(part["period"].unique().to_list()))


def periods_text(df: pl.DataFrame, measure: str | None = None) -> str:
    ps = period_columns(df, measure)
    return "" if not ps else (ps[0] if len(ps) == 1 else f"{ps[0]}–{ps[-1]}")


def missing_text(info, what: str) -> str:
    return (f"Inga siffror ur {what} för kommunen, riket eller jämförelsekommunerna är importerade. Ladda ner "
            f"filen och importera den (sidan Importera data eller 'python cli.py import'; se IMPORT.md).")


def national_html() -> str:
    from ui import tables

    return tables.responsive_html(national_table())
