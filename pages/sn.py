"""Socialnämnden: the concern-report funnel, reports per 1,000, investigations, interventions, the SN goal."""

import streamlit as st

from ui import auth, figures, filters, goal_card, goal_text, page_report, state
from ui.page_report import About

user = auth.require("sn")

TITLE = "Socialnämnden – orosanmälningar och insatser"
st.title(TITLE, anchor=False)
st.caption("Orosanmälningar om barn 0–20 år per kalenderår: hur många som kommer in, hur de bedöms, "
           "om anmälaren får återkoppling, och vilka insatser barnen får.")
report = page_report.PageReport(TITLE, user)

f = filters.report_filters()
selection = f.category_suffix.strip(", ").capitalize()
years = f"{f.years[0]}–{f.years[-1]}"

st.subheader(f"Från anmälan till beslut, {f.year_label}", anchor=False)
title = f"Orosanmälningar {f.year_label}{f.category_suffix}"
report.chart(figures.report_funnel(state.report_funnel(f.year, f.filters), title), f"anmalningar-tratt-{f.year}",
             About(title=title, indicator="report_count", period=f.year_label, source="reports",
                   selection=f"Anmälarkategori: {selection}" if selection else ""))

title = "Orosanmälningar per 1 000 invånare 0–20 år"
report.chart(figures.reports_per_year(state.reports_per_year(f.years), title), "anmalningar-per-1000",
             About(title=title, indicator="report_rate_per_1000", period=f"åren {years}", source="reports"))

report.ranked(state.share_by("investigation_share", f.year, "reporter_category"), "investigation_share",
              "reporter_category", f"Andel som leder till utredning per anmälare, {f.year_label}",
              f"utredning-per-anmalare-{f.year}", period=f.year_label, source="reports")

title = "Bedömning, återkoppling och anmälningsmöten per år"
report.chart(figures.indicator_lines(state.quality_trend(f.years), title, "Andel"), "bedomning-aterkoppling",
             About(title=title, period=f"åren {years}", source="reports",
                   population="Orosanmälningar om barn 0–20 år; varje indikators population i Definitioner"),
             percent_columns=("Andel",))

st.subheader(f"Insatser, {f.year_label}", anchor=False)
title = f"Insatser per typ, {f.year_label}"
report.chart(figures.interventions(state.interventions_by_type(f.year), title), f"insatser-per-typ-{f.year}",
             About(title=title, indicator="interventions_active", period=f.year_label, source="interventions"))

report.trend(state.share_by("intervention_coverage", f.school_years), "intervention_coverage",
             "Andel elever med hög frånvaro som har en insats, per läsår", "tackning-insatser",
             period=f"läsåren {f.school_years[0]}–{f.school_years[-1]}")

st.subheader("Socialnämndens mål", anchor=False)
st.session_state["_page"] = "pages/sn.py"  # no link from the card back to this page
cfg = state.goal_config()
for result in state.goal_results(None):
    if "SN" in result.committee:
        follow_up = goal_text.follow_up_year(result)
        goal_card.goal_card(result, cfg, state.comments(follow_up).get(result.id), follow_up, user, report)

report.download(page_report.dataset_caption())
