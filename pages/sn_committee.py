"""Socialnämnden: the concern-report funnel, reports per 1,000, investigations, interventions, the SN goal."""

import streamlit as st

from ui import auth, charts, components, figures, state, tables

user = auth.require("sn")

TITLE = "Socialnämnden – orosanmälningar och insatser"
st.title(TITLE)
st.caption("Orosanmälningar om barn 0–20 år per kalenderår: hur många som kommer in, hur de bedöms, "
           "om anmälaren får återkoppling, och vilka insatser barnen får.")
report = components.PageReport(TITLE, user)

f = components.report_filters()

st.subheader(f"Från anmälan till beslut, {f.year_label}")
funnel = state.view("report_funnel", period=f.year, filters=f.filters)
report.view(figures.report_funnel(funnel, f"Orosanmälningar {f.year_label}{f.category_suffix}"),
            f"anmalningar-tratt-{f.year}")

per_year = state.view("reports_per_year", year_list=f.years)
report.view(figures.reports_per_year(per_year, "Orosanmälningar per 1 000 invånare 0–20 år"),
            "anmalningar-per-1000")

inv = state.view("share_by", indicator="investigation_share", period=f.year, dim="reporter_category")
report.chart(charts.ranked_from_frame(inv, "reporter_category", f"Andel som leder till utredning per anmälare, {f.year_label}"),
             f"utredning-per-anmalare-{f.year}", tables.export_frame(inv, "investigation_share"),
             tables.display_frame(inv, "investigation_share"), tables.percent_columns("investigation_share"))

quality = state.view("quality_trend", year_list=f.years)
report.view(figures.indicator_lines(quality, "Bedömning, återkoppling och anmälningsmöten per år", "Andel"),
            "bedomning-aterkoppling", percent_columns=("Andel",))

st.subheader(f"Insatser, {f.year_label}")
ivs = state.view("interventions_by_type", period=f.year)
report.view(figures.interventions(ivs, f"Insatser per typ, {f.year_label}"), f"insatser-per-typ-{f.year}")

coverage = state.view("share_by", indicator="intervention_coverage", period=f.school_years, dim=None)
report.chart(charts.trend_from_frame(coverage, None, "Andel elever med hög frånvaro som har en insats"),
             "tackning-insatser", tables.export_frame(coverage, "intervention_coverage"),
             tables.display_frame(coverage, "intervention_coverage"), tables.percent_columns("intervention_coverage"))

st.subheader("Socialnämndens mål")
st.session_state["_page"] = "pages/sn_committee.py"  # no link from the card back to this page
cfg = state.goal_config()
for result in state.goal_results(None):
    if "SN" in result.committee:
        follow_up = components.follow_up_year(result)
        components.goal_card(result, cfg, state.comments(follow_up).get(result.id), follow_up, user)

report.download(components.dataset_caption())
