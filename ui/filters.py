"""Filters bound to the URL: period, school form, area and school; year and reporter category; months."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import polars as pl
import streamlit as st

from metrics import attainment, catalog, decomposition, periods, views
from ui import format as fmt
from ui import state

log = logging.getLogger("samverkan.app")


ALL = "Alla"
# Streamlit's own placeholder is English ("Choose an option") and sits in every select's search
# field even when a value is chosen: every select gets this one.
PLACEHOLDER = "Välj …"


def select(label: str, options: list[str], key: str, help: str | None = None, format_func=str,
           width: int | str = "stretch") -> str:
    """A selectbox bound to the URL, so a copied link reproduces the view. The URL carries the
    option as shown (``format_func``'s text): ?manad=oktober+2026. ``width`` in pixels for a
    select in a ``filter_row``."""
    return st.selectbox(label, options, key=key, bind="query-params", help=help, format_func=format_func,
                        width=width, placeholder=PLACEHOLDER)


def filter_row():
    """A row of filters that wraps onto the next line when the page is narrow (a tablet with the
    sidebar open) instead of squeezing each select until its text is cut."""
    return st.container(horizontal=True, gap="medium")


# Widths (px) that fit each filter's longest option: 'läsåret 2026/27 t.o.m. oktober'.
PERIOD_WIDTH, FORM_WIDTH, AREA_WIDTH, SCHOOL_WIDTH = 290, 190, 190, 280


@dataclass
class AbsenceFilters:
    period: str
    period_label: str
    years: list[str]  # school years for trends
    filters: dict  # everything chosen: school form, area, school
    place_filters: dict  # area and school only (trends split by school form)
    form_filters: dict  # school form and area (schools compared within the area)
    drill_dim: str  # area -> school -> grade
    drill_noun: str
    drill_heading: str
    place_label: str = "hela kommunen"  # 'område Norr', 'Björkskolan (Norr)'
    selection: str = ""  # every filter in words: 'Huvudman: Kommunala; Skolform: Grundskola; Område: Norr'
    place_selection: str = ""  # operator, area and school, in words
    operator_label: str = "kommunala skolor"  # whose schools: 'kommunala skolor', 'alla skolor', …

    @property
    def reference_label(self) -> str:
        """The name of a breakdown's total line: the whole selection (operator, school form, area,
        school), which the chart's title names; 'Hela kommunen' only when that is what it is."""
        return "Hela kommunen" if not self.filters else "Totalt för urvalet"


def period_name(code: str, until, first=None) -> str:
    """A period by name, marked when the data does not cover all of it: 'höstterminen 2024',
    'läsåret 2026/27 t.o.m. oktober', '2019 fr.o.m. augusti'."""
    p = periods.parse(code)
    if until is not None and p.start <= until < p.end:
        return f"{p.label} t.o.m. {periods.MONTHS_SV[until.month - 1]}"
    if first is not None and p.start < first <= p.end and (first.year, first.month) != (p.start.year, p.start.month):
        return f"{p.label} fr.o.m. {periods.MONTHS_SV[first.month - 1]}"
    return p.label


# Whose schools the BUN page shows. Municipal schools come first (the default): BUN answers for its
# own schools, and its goal counts them only, so the page opens on the goal's population.
OPERATORS = {"Kommunala": views.BUN_DEFAULT_FILTERS["operator"], ALL: None, "Fristående": ["fristaende"]}
# The school forms the BUN pages follow, by their Swedish label: {'Grundskola': 'grundskola', …}.
FORMS = {catalog.VALUE_LABELS["school_form"][f]: f for f in ("grundskola", "gymnasieskola")}
OPERATOR_LABELS = {"Kommunala": "kommunala skolor", ALL: "alla skolor, även fristående",
                   "Fristående": "fristående skolor"}


def absence_filters() -> AbsenceFilters:
    """Period, operator, school form and the drill-down area -> school, all bound to the URL."""
    period_options = state.absence_periods()
    years = state.school_years()
    until = state.dataset_info()["until"].get("absence")
    school_names = {}
    with filter_row():
        period = select("Period", period_options[period_options.index(years[0]):] if years else period_options,
                        key="period", help="Läsår eller termin. Ett läsår: 1 juli–30 juni.",
                        format_func=lambda code: period_name(code, until), width=PERIOD_WIDTH)
        operator = select("Huvudman", list(OPERATORS), key="huvudman", width=FORM_WIDTH,
                          help="Nämndens mål gäller de kommunala skolorna; fristående skolor ligger utanför målet.")
        form = select("Skolform", [ALL, *FORMS], key="skolform", width=FORM_WIDTH)
        area = select("Område", [ALL, *state.areas()], key="omrade", width=AREA_WIDTH)
        if area != ALL:
            reg = state.schools()
            reg = reg.filter((pl.col("area") == area) & (pl.col("school_form") != "forskola"))
            if form != ALL:
                reg = reg.filter(pl.col("school_form") == FORMS[form])
            if OPERATORS[operator]:
                reg = reg.filter(pl.col("operator").is_in(OPERATORS[operator]))
            school_names = dict(zip(reg["school_name"], reg["school_id"], strict=True))
        school = select("Skolenhet", [ALL, *school_names], key="skola",
                        help="Välj först ett område.", width=SCHOOL_WIDTH) if school_names else ALL
    place = {"operator": OPERATORS[operator]} if OPERATORS[operator] else {}
    if area != ALL:
        place["area"] = [area]
    if school != ALL and school in school_names:
        place["school"] = [school_names[school]]
    form_filter = {"school_form": [FORMS[form]]} if form != ALL else {}
    # headings are Markdown: names from the data are escaped (they could hold links or images)
    if "school" in place:
        dim, noun, heading = "grade", "årskurs", f"{fmt.literal(school)}: per årskurs"
    elif "area" in place:
        dim, noun, heading = "school", "skolenhet", f"{fmt.literal(area)}: per skolenhet"
    else:
        dim, noun, heading = "area", "område", "Per område"
    place_label = (f"{school} ({area})" if "school" in place else f"område {area}, {OPERATOR_LABELS[operator]}"
                   if "area" in place else f"hela kommunen, {OPERATOR_LABELS[operator]}")
    chosen = (("Huvudman", operator), ("Skolform", form), ("Område", area), ("Skolenhet", school))
    selection = "; ".join(f"{k}: {v}" for k, v in chosen if v != ALL)
    place_selection = "; ".join(f"{k}: {v}" for k, v in chosen if v != ALL and k != "Skolform")
    operator_filter = {"operator": OPERATORS[operator]} if OPERATORS[operator] else {}
    return AbsenceFilters(
        place_label=place_label, selection=selection, place_selection=place_selection,
        operator_label=OPERATOR_LABELS[operator],
        period=period, period_label=period_name(period, until), years=sorted(years),
        filters={**form_filter, **place}, place_filters=place,
        form_filters={**operator_filter, **form_filter, **({"area": place["area"]} if "area" in place else {})},
        drill_dim=dim, drill_noun=noun, drill_heading=heading)



def goal_baseline(indicator: str) -> str | None:
    """The baseline school year of the goals on ``indicator`` (a target line starts there)."""
    bases = {r.baseline.period for r in attainment.flatten(state.goal_results(None))
             if r.indicator == indicator and r.baseline is not None}
    return min(bases) if bases else None


def goal_targets(indicator: str, dim: str, filters: dict) -> dict[str, float]:
    """Target levels of the configured goals on ``indicator``, per value of ``dim`` in their
    filter (e.g. {'grundskola': 0.120, 'gymnasieskola': 0.184}) for the latest data – only for
    goals whose population is exactly what is shown: their filter, but for ``dim``, equals
    ``filters`` (BUN's goal on all schools' trend would put a target on the wrong pupils)."""
    out = {}
    for r in attainment.flatten(state.goal_results(None)):
        values = r.filter.get(dim)
        rest = {k: v for k, v in r.filter.items() if k != dim}
        if (r.indicator == indicator and r.target_value is not None and isinstance(values, list) and len(values) == 1
                and rest == filters):
            out[values[0]] = r.target_value
    return out


def target_notes(targets: dict[str, float], trend: pl.DataFrame) -> tuple[str, ...]:
    """What a trend's footnote says about the goals: which rows are the goal's exact figures,
    and where the target lines are (only on the goal's own population)."""
    from ui import tables

    if not targets:
        from metrics import goals

        wanted = sorted({goals.filter_text({k: v for k, v in r.filter.items() if k != "school_form"})
                         for r in attainment.flatten(state.goal_results(None))
                         if r.indicator == "high_absence_share" and not r.parts})
        where = f" ({'; '.join(w for w in wanted if w)}, hela kommunen)" if any(wanted) else ""
        return (f"Målnivåerna visas bara när urvalet är målets population{where}.",)
    notes = ("Streckade linjer: målnivån för målets population, från basåret.",)
    if "exact" in trend.columns and trend["exact"].any():
        notes += (tables.exact_rows_note(rounded=state.rounded()),)
    return notes


@dataclass
class ReportFilters:
    year: str
    years: list[int]  # oldest first
    school_years: list[str]
    filters: dict
    category_suffix: str
    year_label: str = ""  # '2026 t.o.m. oktober' when the data does not cover the whole year


def report_filters() -> ReportFilters:
    """Calendar year and reporter category, bound to the URL (?ar=2025&kategori=Skola)."""
    years = state.years()
    labels = catalog.VALUE_LABELS["reporter_category"]
    by_label = {v: k for k, v in labels.items()}
    with filter_row():
        year = select("År", [str(y) for y in years], key="ar", width=FORM_WIDTH)
        category = select("Anmälarkategori (tratten)", [ALL, *by_label], key="kategori", width=SCHOOL_WIDTH)
    filters = {"reporter_category": [by_label[category]]} if category != ALL else {}
    info = state.dataset_info()
    return ReportFilters(year=year, years=sorted(years), school_years=sorted(state.school_years()),
                         filters=filters, category_suffix="" if category == ALL else f", {category.lower()}",
                         year_label=period_name(year, info["until"].get("reports"), info["from"].get("reports")))


def month_label(month: str) -> str:
    """'2026-10' -> 'oktober 2026'."""
    return periods.parse(month).label


def school_year_of_month(month: str) -> str:
    """'2026-10' -> '2026/27'."""
    return periods.school_year_of(periods.parse(month).end).code


@dataclass
class ChangeFilters:
    leaf: decomposition.Leaf
    dim: str  # area | school
    exact: bool  # exact counts (internal): only offered to a role that may see them
    label: str  # 'Grundskolan, läsåret 2025/26 mot basåret 2022/23'


def change_filters(committee: str, may_exact: bool) -> ChangeFilters | None:
    """Which goal (or part), by area or school, bound to the URL (?mal=Grundskolan&enhet=Skolenhet);
    exact figures when an entitled role has switched them on. None: no goal of the committee has
    an official comparison yet."""
    leaves = decomposition.leaves(state.goal_results(None), committee)
    if not leaves:
        return None
    by_title = {lf.title: lf for lf in leaves}
    with filter_row():
        title = select("Mål", list(by_title), key="mal", width=SCHOOL_WIDTH)
        dim = select("Enheter", ["Område", "Skolenhet"], key="enhet", width=FORM_WIDTH)
    # exact counts follow the sidebar's "Exakta värden (internt)" switch (ui.auth.exact_switch:
    # entitled roles only, marked and logged), as every other chart on the page does
    exact = may_exact and state.exact()
    leaf = by_title[title]
    label = f"{leaf.title}, läsåret {leaf.current} mot basåret {leaf.baseline}"
    return ChangeFilters(leaf=leaf, dim="area" if dim == "Område" else "school", exact=exact, label=label)
