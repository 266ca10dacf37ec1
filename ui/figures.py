"""Composite views: a figure with the export table and display table behind it.

No streamlit here, so tests check the figures and tables directly. The views with a figure are
built once per process for the same data (``ui.memo.shared``): never change what they return.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from metrics import catalog
from ui import charts, goal_text, tables
from ui import format as fmt
from ui.memo import shared


@shared
def distribution(dist: pl.DataFrame, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """Pupils per absence band and school form (from ``views.absence_distribution``)."""
    forms = [f for f in dist["school_form"].unique(maintain_order=True).to_list() if f is not None]
    groups = {}
    for form in forms:
        part = dist.filter(pl.col("school_form") == form)
        share = dict(zip(part["absence_band"], part["share"], strict=True))
        groups[tables.dim_label("school_form", form)] = [share.get(b) for b in catalog.ABSENCE_BANDS]
    fig = charts.grouped_bars(list(catalog.ABSENCE_BANDS), groups, title, "Andel av eleverna")
    labelled = tables.labelled(dist)
    export = labelled.select(
        pl.col("period").alias("Period"), pl.col("school_form").alias("Skolform"),
        pl.col("absence_band").alias("Frånvaro"), pl.col("numerator").alias("Antal elever"),
        pl.col("share").alias("Andel"),
        pl.col("suppressed").replace_strict({True: "ja", False: "nej"}, return_dtype=pl.String).alias("Visas ej"))
    # formatted in plain Python: a Python callback inside a polars expression runs on polars'
    # worker threads and can deadlock against Streamlit's to_pandas() under load (issue 12)
    display = pl.DataFrame({"Skolform": labelled["school_form"], "Frånvaro": labelled["absence_band"],
                            "Antal elever": _text(labelled["numerator"], fmt.number, _flags(labelled)),
                            "Andel": _text(labelled["share"], fmt.pct, _flags(labelled))})
    return fig, export, display


def indicator_trend(df: pl.DataFrame, indicator: str, dim: str | None, title: str, targets: dict | None = None,
                    target_from: str | None = None, marks: dict[str, list[str]] | None = None
                    ) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """An indicator over several periods (an engine frame, one line per value of ``dim``) with
    its export and display tables (``charts.trend_from_frame``, ``tables.export_frame``,
    ``tables.display_frame``)."""
    fig = charts.trend_from_frame(df, dim, title, targets=targets, target_from=target_from, marks=marks)
    return fig, tables.export_frame(df, indicator), tables.display_frame(df, indicator)


def indicator_ranked(df: pl.DataFrame, indicator: str, dim: str, title: str,
                     reference_label: str = "Hela kommunen") -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """An indicator by one breakdown, ranked, against the frame's total (``reference_label``),
    with its export and display tables."""
    fig = charts.ranked_from_frame(df, dim, title, reference_label=reference_label)
    return fig, tables.export_frame(df, indicator), tables.display_frame(df, indicator)


POSITION_LABEL = {"över": "Tydligt högre än kommunen i stort", "under": "Tydligt lägre än kommunen i stort",
                  "inom": "Skillnaden kan bero på slumpen", "visas ej": "Visas ej"}


@shared
def school_funnel(df: pl.DataFrame, title: str, reference_label: str = "Hela kommunen"
                  ) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """Funnel plot of schools (from ``views.school_comparison``), against the share of all the
    schools compared (``reference_label`` names them: 'Kommunala skolor tillsammans'); the tables
    are the chart's key, in the order of the schools' numbers in it."""
    overall = df["overall"][0] if df.height else None
    fig = charts.funnel_plot(df["school_name"].to_list(), df["denominator"].to_list(), df["value"].to_list(),
                             df["position"].to_list(), overall, title, reference_label)
    df = df.with_columns(pl.Series("nr", charts.school_numbers(df["school_name"].to_list()), dtype=pl.Int64)).sort("nr")
    export = df.select(
        pl.col("nr").alias("Nr i diagrammet"),
        pl.col("school_name").alias("Skolenhet"), pl.col("numerator").alias("Elever med hög frånvaro"),
        pl.col("denominator").alias("Elever"), pl.col("value").alias("Andel"),
        pl.col("overall").alias("Alla jämförda skolor"),
        pl.col("position").replace_strict(POSITION_LABEL, return_dtype=pl.String).alias("Jämfört med kommunen"))
    display = pl.DataFrame({
        "Nr": df["nr"].cast(pl.String), "Skolenhet": df["school_name"],
        "Andel": _text(df["value"], fmt.pct, _flags(df)), "Elever": _text(df["denominator"], fmt.number, _flags(df)),
        "Jämfört med kommunen": pl.Series([POSITION_LABEL[p] for p in df["position"]], dtype=pl.String)})
    return fig, export, display


def _flags(df: pl.DataFrame, column: str = "suppressed"):
    """A frame's suppression flags, or None when it has none (then a missing value is hidden)."""
    return df[column].fill_null(False) if column in df.columns else None


def _text(values, formatter, suppressed=None) -> pl.Series:
    """Values as text cells: '..' where ``suppressed`` (a flag per value; None: a value that is
    missing is suppressed, as in frames where only suppression leaves a gap), 'inga data' where
    there is no value otherwise."""
    flags = [v is None for v in values] if suppressed is None else list(suppressed)
    return pl.Series([fmt.shown(v, h, formatter) for v, h in zip(values, flags, strict=True)], dtype=pl.String)


@shared
def report_funnel(df: pl.DataFrame, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """The concern-report funnel (from ``views.report_funnel``)."""
    fig = charts.report_funnel(df["label"].to_list(), df["count"].to_list(), title)
    export = df.select(pl.col("label").alias("Steg"), pl.col("count").alias("Antal anmälningar"),
                       pl.col("suppressed").replace_strict({True: "ja", False: "nej"},
                                                           return_dtype=pl.String).alias("Visas ej"))
    display = pl.DataFrame({"Steg": df["label"], "Antal anmälningar": _text(df["count"], fmt.number, _flags(df))})
    return fig, export, display


@shared
def reports_per_year(df: pl.DataFrame, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """Reports per 1,000 residents 0-20 per calendar year (from ``views.reports_per_year``); a
    year the data covers only partly is named so ('2026 t.o.m. oktober'): its rate is not a year's."""
    codes = df["period"].to_list()
    df = tables.with_period_labels(df)
    # a part of a year ('2026 t.o.m. oktober') has fewer months of reports than a whole year: drawn
    # apart, as points off the line, so that no line joins it to the whole years as if comparable
    partial = [label != code for label, code in zip(df["period"].to_list(), codes, strict=True)]
    values = df["per_1000"].to_list()
    series = {"Per 1 000 invånare 0–20 år, hela år": [None if p else v for v, p in zip(values, partial, strict=True)]}
    if any(partial):
        series["Del av år (färre månader, inte jämförbart)"] = [v if p else None
                                                                  for v, p in zip(values, partial, strict=True)]
    labels = df["period"].to_list()
    fig = charts.lines(labels, series, title, "Anmälningar per 1 000 invånare 0–20 år")
    whole = [(lb, v) for lb, v, p in zip(labels, values, partial, strict=True) if not p and v is not None]
    parts = [f"{lb}: {fmt.decimal(v)}" for lb, v, p in zip(labels, values, partial, strict=True) if p and v is not None]
    text = (f"Hela år: från {fmt.decimal(whole[0][1])} ({whole[0][0]}) till {fmt.decimal(whole[-1][1])} ({whole[-1][0]})"
            if len(whole) > 1 else "; ".join(f"{lb}: {fmt.decimal(v)}" for lb, v in whole))
    if parts:
        text += ("; " if text else "") + "del av år, inte jämförbart med hela år: " + ", ".join(parts)
    charts.describe(fig, (text[:1].upper() + text[1:] + ".") if text else "Inga värden.")
    fig.update_yaxes(tickformat=",.0f")
    export = df.select(pl.col("period").alias("År"), pl.col("reports").alias("Antal anmälningar"),
                       pl.col("residents").alias("Invånare 0–20 år"),
                       pl.col("per_1000").alias("Per 1 000 invånare 0–20 år"))
    display = pl.DataFrame({
        "År": df["period"], "Antal anmälningar": _text(df["reports"], fmt.number, _flags(df, "reports_suppressed")),
        "Invånare 0–20 år": _text(df["residents"], fmt.number, [False] * df.height),
        "Per 1 000 invånare 0–20 år": _text(df["per_1000"], fmt.decimal, _flags(df, "reports_suppressed"))})
    return fig, export, display


@shared
def indicator_lines(df: pl.DataFrame, title: str, y_title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """Several share indicators over periods (long frame with indicator, label, period, value)."""
    df = tables.with_period_labels(df)
    x = df["period"].unique(maintain_order=True).to_list()
    series = {}
    for label in df["label"].unique(maintain_order=True).to_list():
        part = dict(zip(*df.filter(pl.col("label") == label).select("period", "value"), strict=True))
        series[label] = [part.get(p) for p in x]
    fig = charts.lines(x, series, title, y_title, percent=True)
    export = df.select(pl.col("label").alias("Indikator"), pl.col("period").alias("Period"),
                       pl.col("numerator").alias("Täljare"), pl.col("denominator").alias("Nämnare"),
                       pl.col("value").alias("Andel"),
                       pl.col("suppressed").replace_strict({True: "ja", False: "nej"},
                                                           return_dtype=pl.String).alias("Visas ej"))
    display = pl.DataFrame({"Indikator": df["label"], "Period": df["period"],
                            "Andel": _text(df["value"], fmt.pct, _flags(df)),
                            "Täljare": _text(df["numerator"], fmt.number, _flags(df)),
                            "Nämnare": _text(df["denominator"], fmt.number, _flags(df))})
    return fig, export, display


@shared
def interventions(df: pl.DataFrame, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """Children with an active intervention and new interventions per type."""
    cells = df.filter(pl.col("intervention_type").is_not_null())
    labels = [tables.dim_label("intervention_type", t) for t in cells["intervention_type"]]
    fig = charts.grouped_bars(labels, {"Barn med aktiv insats": cells["children_active"].to_list(),
                                       "Nya insatser": cells["started"].to_list()},
                              title, "Antal", percent=False)
    names = [tables.dim_label("intervention_type", t) for t in df["intervention_type"]]
    export = pl.DataFrame({"Insatstyp": names, "Barn med aktiv insats": df["children_active"],
                           "Nya insatser": df["started"]})
    display = pl.DataFrame({"Insatstyp": names,
                            "Barn med aktiv insats": _text(df["children_active"], fmt.number,
                                                            _flags(df, "active_suppressed")),
                            "Nya insatser": _text(df["started"], fmt.number, _flags(df, "started_suppressed"))})
    return fig, export, display


def _value_text(v, fmt_name: str, suppressed: bool = False) -> str:
    return fmt.shown(v, suppressed, lambda x: fmt.pct(x) if fmt_name == "percent" else
                     (fmt.number(x) if fmt_name == "integer" else fmt.decimal(x)))


def _change_text(v, fmt_name: str, suppressed: bool = False) -> str:
    """A key indicator's change: shares in percentage points ('+0,4 p.e.'), counts signed."""
    if suppressed:
        return fmt.SUPPRESSED
    if v is None:
        return fmt.NOT_COMPUTED
    if fmt_name == "percent":
        return fmt.pp(v).replace(" procentenheter", " p.e.")
    sign = "+" if v > 0 else ""
    return sign + (fmt.number(v) if fmt_name == "integer" else fmt.decimal(v))


KEY_VALUE_COLUMNS = ("Månaden", "Månaden innan", "Samma månad året innan")
KEY_CHANGE_COLUMNS = ("Förändring mot månaden innan", "Förändring mot året innan")
def key_legend(rounded: bool) -> str:
    """The legend of the key figures; ``rounded``: whether their counts are rounded (the published
    figures with a rounding base above 1, not an exact view)."""
    values = "månadsvärden och avrundade" if rounded else "månadsvärden"
    return ("Andelar jämförs i procentenheter (p.e.), antal i antal. Rader märkta ”målets population” räknas "
            "på samma elever som målet (till exempel bara kommunala skolor, eller bara socialnämndens egna "
            f"insatser); de är {values}, till skillnad från målets läsårsvärden. Förändringen "
            "räknas på de oavrundade värdena och kan skilja en tiondel från skillnaden mellan de visade talen. ")


def key_indicator_formats(df: pl.DataFrame) -> list[dict[str, str]]:
    """Excel formats per row of the key-indicator export: a share's values as percent and its
    changes in percentage points; a count's as whole numbers and signed whole numbers."""
    out = []
    for f in df["format"]:
        value, change = {"percent": ("percent", "pp"), "integer": ("count", "change_count")}.get(f, ("decimal", "decimal"))
        out.append({**{c: value for c in KEY_VALUE_COLUMNS}, **{c: change for c in KEY_CHANGE_COLUMNS}})
    return out


def key_indicators(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(export, display) of ``views.key_indicators_month``; Excel formats per row:
    ``key_indicator_formats``. '..' only where a value is suppressed; 'inga data' where the
    month has none (July: no school)."""
    export = df.select(
        pl.col("label").alias("Indikator"), pl.col("value").alias("Månaden"),
        pl.col("previous_month").alias("Månaden innan"), pl.col("change_month").alias("Förändring mot månaden innan"),
        pl.col("same_month_last_year").alias("Samma månad året innan"),
        pl.col("change_year").alias("Förändring mot året innan"))
    rows = []
    for r in df.iter_rows(named=True):
        f = r["format"]
        hidden = (r.get("value_suppressed", False), r.get("previous_suppressed", False),
                  r.get("last_year_suppressed", False))
        rows.append({"Indikator": r["label"], "Månaden": _value_text(r["value"], f, hidden[0]),
                     "Månaden innan": _value_text(r["previous_month"], f, hidden[1]),
                     "Förändring": _change_text(r["change_month"], f, hidden[0] or hidden[1]),
                     "Samma månad året innan": _value_text(r["same_month_last_year"], f, hidden[2]),
                     "Förändring mot året innan": _change_text(r["change_year"], f, hidden[0] or hidden[2])})
    return export, pl.DataFrame(rows)


GOAL_MONTH_PERCENT = ("Nuvarande värde", "Målnivå", "Andel av förändringen som krävs", "Preliminärt värde")


def goal_month_formats(export: pl.DataFrame) -> list[dict[str, str]]:
    """Excel formats per row of ``goal_months``' export: a change against the baseline in its
    target's unit (a relative goal's as a signed percent, an absolute one's in percentage points)."""
    return [{"Preliminär förändring mot basåret": "signed_percent" if unit == "procent av basvärdet" else "pp",
             "Preliminär förändring mot basåret, procentenheter": "pp",
             **{c: "percent" for c in GOAL_MONTH_PERCENT}} for unit in export["Förändringens enhet"]]


def goal_months(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(export, display) of ``views.goal_status_month``: the official status and whether it
    changed since the month before, and, apart, the preliminary result of the school year in
    progress with its change against the baseline (in the target's unit) and its direction since
    the month before (better or worse by the indicator's polarity, with a symbol and words)."""
    return goal_text.steering_rows(df)


@shared
def goal_trend(r, title: str, marks: dict[str, list[str]] | None = None) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """A goal's school-year series with its target level from the baseline on (from
    ``attainment.GoalResult``) and the dated events of the annotations register (``marks``:
    school year -> texts). Its values are exact (goal level)."""
    fig = charts.goal_trend(r.series, r.target_value, title, current=r.current.period if r.current else None,
                            baseline=r.baseline.period if r.baseline else None, marks=marks)
    ms = r.series
    base = r.baseline.period if r.baseline else None
    export = pl.DataFrame({
        "Läsår": [m.period for m in ms], "Täljare": [m.numerator for m in ms],
        "Nämnare": [m.denominator for m in ms], "Andel": [m.value for m in ms],
        "Konfidensintervall, nedre": [m.ci_low for m in ms], "Konfidensintervall, övre": [m.ci_high for m in ms],
        "Målnivå": [r.target_value if base is None or m.period >= base else None for m in ms],
        "Visas ej": ["ja" if m.suppressed else "nej" for m in ms],
    }, schema_overrides={"Täljare": pl.Int64, "Nämnare": pl.Int64, "Andel": pl.Float64,
                         "Konfidensintervall, nedre": pl.Float64, "Konfidensintervall, övre": pl.Float64,
                         "Målnivå": pl.Float64})
    display = pl.DataFrame({
        "Läsår": export["Läsår"], "Andel": _text(export["Andel"], fmt.pct, [m.suppressed for m in ms]),
        "Elever": [fmt.SUPPRESSED if m.suppressed else f"{fmt.number(m.numerator)} av {fmt.number(m.denominator)}"
                   for m in ms]})
    return fig, export, display


def scorecard(results, cfg) -> pl.DataFrame:
    """One line per goal and part (parts indented): status as symbol and words with since when it
    has held, the official value against the target, the change, the gap in children, and the
    preliminary signal apart (``goal_text.scorecard_row``, as in the brief)."""
    from metrics import attainment

    rows = []

    def add(r, part: bool) -> None:
        rows.append(goal_text.scorecard_row(r, part, attainment.status_since(r, cfg)))
        for p in r.parts:
            add(p, True)

    for r in results:
        add(r, False)
    return pl.DataFrame(rows, schema={c: pl.String for c in goal_text.SCORECARD_COLUMNS})
