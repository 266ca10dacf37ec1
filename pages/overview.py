"""Översikt: every goal of both committees as a card – status, values against target, trend, analysis."""

import streamlit as st

from ui import auth, components, state

user = auth.require("oversikt")

st.title("Översikt – måluppfyllelse")
st.caption("Kommunfullmäktiges mål för barn- och utbildningsnämnden och socialnämnden: "
           "var målen står i dag, jämfört med basåret, och nämndernas egna analyser.")

cfg = state.goal_config()
st.session_state["_page"] = "pages/overview.py"
filters = st.columns([1, 2])
with filters[0]:
    period = components.period_filter()
with filters[1]:
    committee = components.committee_filter(cfg)

report = components.PageReport("Översikt – måluppfyllelse", user)
results = state.goal_results(period)
shown = [r for r in results if committee is None or committee in r.committee]
components.scorecard(shown, cfg)
for result in shown:
    follow_up = components.follow_up_year(result)
    comment = state.comments(follow_up).get(result.id)
    components.goal_card(result, cfg, comment, follow_up, user, report)

report.download(components.dataset_caption())
