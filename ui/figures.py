"""Composite views: a figure with the export table and display table behind it.

No streamlit here, so tests check the figures and tables directly.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from metrics import catalog
from ui import charts, tables
from ui import format as fmt


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
                            "Antal elever": _text(labelled["numerator"], fmt.number),
                            "Andel": _text(labelled["share"], fmt.pct)})
    return fig, export, display


POSITION_LABEL = {"över": "Tydligt högre än kommunen i stort", "under": "Tydligt lägre än kommunen i stort",
                  "inom": "Skillnaden kan bero på slumpen", "visas ej": "Visas ej"}


def school_funnel(df: pl.DataFrame, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """Funnel plot of schools (from ``views.school_comparison``); the tables are the chart's key,
    in the order of the schools' numbers in it."""
    overall = df["overall"][0] if df.height else None
    fig = charts.funnel_plot(df["school_name"].to_list(), df["denominator"].to_list(), df["value"].to_list(),
                             df["position"].to_list(), overall, title)
    df = df.with_columns(pl.Series("nr", charts.school_numbers(df["school_name"].to_list()), dtype=pl.Int64)).sort("nr")
    export = df.select(
        pl.col("nr").alias("Nr i diagrammet"),
        pl.col("school_name").alias("Skolenhet"), pl.col("numerator").alias("Elever med hög frånvaro"),
        pl.col("denominator").alias("Elever"), pl.col("value").alias("Andel"),
        pl.col("overall").alias("Kommunen"),
        pl.col("position").replace_strict(POSITION_LABEL, return_dtype=pl.String).alias("Jämfört med kommunen"))
    display = pl.DataFrame({
        "Nr": df["nr"].cast(pl.String), "Skolenhet": df["school_name"], "Andel": _text(df["value"], fmt.pct),
        "Elever": _text(df["denominator"], fmt.number),
        "Jämfört med kommunen": pl.Series([POSITION_LABEL[p] for p in df["position"]], dtype=pl.String)})
    return fig, export, display


def _text(values, formatter) -> pl.Series:
    return pl.Series([fmt.MISSING if v is None else formatter(v) for v in values], dtype=pl.String)


def report_funnel(df: pl.DataFrame, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """The concern-report funnel (from ``views.report_funnel``)."""
    fig = charts.report_funnel(df["label"].to_list(), df["count"].to_list(), title)
    export = df.select(pl.col("label").alias("Steg"), pl.col("count").alias("Antal anmälningar"),
                       pl.col("suppressed").replace_strict({True: "ja", False: "nej"},
                                                           return_dtype=pl.String).alias("Visas ej"))
    display = pl.DataFrame({"Steg": df["label"], "Antal anmälningar": _text(df["count"], fmt.number)})
    return fig, export, display


def reports_per_year(df: pl.DataFrame, title: str) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """Reports per 1,000 residents 0-20 per calendar year (from ``views.reports_per_year``); a
    year the data covers only partly is named so ('2026 t.o.m. oktober'): its rate is not a year's."""
    df = tables.with_period_labels(df)
    fig = charts.lines(df["period"].to_list(), {"Per 1 000 invånare 0–20 år": df["per_1000"].to_list()},
                       title, "Anmälningar per 1 000 invånare 0–20 år")
    fig.update_yaxes(tickformat=",.0f")
    export = df.select(pl.col("period").alias("År"), pl.col("reports").alias("Antal anmälningar"),
                       pl.col("residents").alias("Invånare 0–20 år"),
                       pl.col("per_1000").alias("Per 1 000 invånare 0–20 år"))
    display = pl.DataFrame({
        "År": df["period"], "Antal anmälningar": _text(df["reports"], fmt.number),
        "Invånare 0–20 år": _text(df["residents"], fmt.number),
        "Per 1 000 invånare 0–20 år": _text(df["per_1000"], fmt.decimal)})
    return fig, export, display


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
                            "Andel": _text(df["value"], fmt.pct),
                            "Täljare": _text(df["numerator"], fmt.number),
                            "Nämnare": _text(df["denominator"], fmt.number)})
    return fig, export, display


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
                            "Barn med aktiv insats": _text(df["children_active"], fmt.number),
                            "Nya insatser": _text(df["started"], fmt.number)})
    return fig, export, display


def _value_text(v, fmt_name: str) -> str:
    if v is None:
        return fmt.MISSING
    return fmt.pct(v) if fmt_name == "percent" else (fmt.number(v) if fmt_name == "integer" else fmt.decimal(v))


def _change_text(v, fmt_name: str) -> str:
    if v is None:
        return fmt.MISSING
    if fmt_name == "percent":
        return fmt.pp(v).replace(" procentenheter", " p.e.")
    sign = "+" if v > 0 else ""
    return sign + (fmt.number(v) if fmt_name == "integer" else fmt.decimal(v))


KEY_VALUE_COLUMNS = ("Månaden", "Månaden innan", "Samma månad året innan")
KEY_CHANGE_COLUMNS = ("Förändring mot månaden innan", "Förändring mot året innan")


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
    ``key_indicator_formats``."""
    export = df.select(
        pl.col("label").alias("Indikator"), pl.col("value").alias("Månaden"),
        pl.col("previous_month").alias("Månaden innan"), pl.col("change_month").alias("Förändring mot månaden innan"),
        pl.col("same_month_last_year").alias("Samma månad året innan"),
        pl.col("change_year").alias("Förändring mot året innan"))
    rows = []
    for r in df.iter_rows(named=True):
        f = r["format"]
        rows.append({"Indikator": r["label"], "Månaden": _value_text(r["value"], f),
                     "Månaden innan": _value_text(r["previous_month"], f),
                     "Förändring": _change_text(r["change_month"], f),
                     "Samma månad året innan": _value_text(r["same_month_last_year"], f),
                     "Förändring mot året innan": _change_text(r["change_year"], f)})
    return export, pl.DataFrame(rows)


def goal_months(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(export, display) of ``views.goal_status_month``: the official status and, apart, the
    preliminary result of the school year in progress with its change since the month before."""
    from metrics.attainment import STATUS_LABELS

    status = dict(STATUS_LABELS)
    export = df.select(
        pl.col("title").alias("Mål"), pl.col("committee").alias("Nämnd"),
        pl.col("current_label").alias("Officiell period"),
        pl.col("status").replace_strict(status, return_dtype=pl.String).alias("Status"),
        pl.col("status_before").replace_strict(status, return_dtype=pl.String, default=None).alias("Status månaden innan"),
        pl.col("current_value").alias("Nuvarande värde"), pl.col("value_before").alias("Värde månaden innan"),
        pl.col("target_value").alias("Målnivå"), pl.col("progress").alias("Andel av förändringen som krävs"),
        pl.col("preliminary_label").alias("Preliminärt, period"),
        pl.col("preliminary_status").replace_strict(status, return_dtype=pl.String, default=None)
        .alias("Preliminär status"),
        pl.col("preliminary_value").alias("Preliminärt värde"),
        pl.col("preliminary_change").alias("Preliminärt, förändring mot månaden innan"),
        pl.col("incomplete").alias("Underlaget"))
    # a goal with parts has its values in its parts' rows: blank, not '..' (which means hidden)
    parents = set(df["parent_id"].drop_nulls())
    own = [g not in parents for g in df["goal_id"]]

    def values(col: str, show) -> list[str]:
        return [(show(v) if v is not None else fmt.MISSING) if o else "" for v, o in zip(df[col], own, strict=True)]

    display = pl.DataFrame({
        "Mål": df["title"], "Nämnd": df["committee"],
        "Status": [(f"{fmt.STATUS_SYMBOLS[s]} {status[s]} ({p})" if p else status[s])
                   + (" – underlaget är ofullständigt" if inc else "")
                   for s, p, inc in zip(df["status"], df["current_label"], df["incomplete"], strict=True)],
        "Ändrad": ["Ja" if c else "" for c in df["status_changed"].fill_null(False)],
        "Nuvarande": values("current_value", fmt.pct),
        "Målnivå": values("target_value", fmt.pct),
        "Preliminärt": [f"{fmt.STATUS_SYMBOLS[s]} {status[s]}, {lbl}" if s else fmt.MISSING
                        for s, lbl in zip(df["preliminary_status"], df["preliminary_label"], strict=True)],
        "Preliminärt värde": values("preliminary_value", fmt.pct),
        "Sedan månaden innan": values("preliminary_change", lambda v: _change_text(v, "percent")),
    })
    return export, display


def goal_trend(r, title: str, marks: dict[str, list[str]] | None = None) -> tuple[go.Figure, pl.DataFrame, pl.DataFrame]:
    """A goal's school-year series with its target level (from ``attainment.GoalResult``) and the
    dated events of the annotations register (``marks``: school year -> texts)."""
    fig = charts.goal_trend(r.series, r.target_value, title, current=r.current.period if r.current else None)
    if marks:
        charts.annotate(fig, marks)
    ms = r.series
    export = pl.DataFrame({
        "Läsår": [m.period for m in ms], "Täljare": [m.numerator for m in ms],
        "Nämnare": [m.denominator for m in ms], "Andel": [m.value for m in ms],
        "Konfidensintervall, nedre": [m.ci_low for m in ms], "Konfidensintervall, övre": [m.ci_high for m in ms],
        "Målnivå": [r.target_value] * len(ms), "Visas ej": ["ja" if m.suppressed else "nej" for m in ms],
    }, schema_overrides={"Täljare": pl.Int64, "Nämnare": pl.Int64, "Andel": pl.Float64,
                         "Konfidensintervall, nedre": pl.Float64, "Konfidensintervall, övre": pl.Float64,
                         "Målnivå": pl.Float64})
    display = pl.DataFrame({"Läsår": export["Läsår"], "Andel": _text(export["Andel"], fmt.pct),
                            "Elever": [f"{fmt.number(m.numerator)} av {fmt.number(m.denominator)}" for m in ms]})
    return fig, export, display


def scorecard(results, cfg) -> pl.DataFrame:
    """One line per goal and part (parts indented): status as symbol and words, since when it has
    held, the official value against the target, and the preliminary signal apart."""
    from metrics import attainment
    from metrics.attainment import STATUS_LABELS

    symbols = fmt.STATUS_SYMBOLS
    rows = []

    def add(r, indent: str) -> None:
        since = attainment.status_since(r, cfg)
        value = r.current.value if r.current else None
        rows.append({
            "Mål": indent + r.title,
            "Status": f"{symbols[r.status]} {STATUS_LABELS[r.status]}"
                      + (" (underlaget ofullständigt)" if r.incomplete else ""),
            "Sedan": f"läsåret {since}" if since else fmt.MISSING,
            "Nu": f"{fmt.pct(value)} ({r.current.label})" if value is not None else
                  (r.current.label if r.current and r.parts else fmt.MISSING),
            "Målnivå": fmt.pct(r.target_value) if r.target_value is not None else fmt.MISSING,
            "Preliminärt": (f"{symbols[r.preliminary.status]} {STATUS_LABELS[r.preliminary.status]}, "
                            f"{r.preliminary.label}"
                            + (" (underlaget ofullständigt)" if r.preliminary.incomplete else ""))
                           if r.preliminary else fmt.MISSING,
        })
        for part in r.parts:
            add(part, indent + "  – ")

    for r in results:
        add(r, "")
    return pl.DataFrame(rows, schema={c: pl.String for c in ("Mål", "Status", "Sedan", "Nu", "Målnivå", "Preliminärt")})
