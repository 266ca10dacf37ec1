"""Översikt: every goal of both committees as a card – status, values against target, trend, analysis."""

import streamlit as st

from ui import auth, brief_button, filters, goal_card, goal_text, page_report, state

user = auth.require("oversikt")

st.title("Översikt – måluppfyllelse", anchor=False)
st.caption("Kommunfullmäktiges mål för barn- och utbildningsnämnden och socialnämnden: "
           "var målen står i dag, jämfört med basåret, och nämndernas egna analyser.")

cfg = state.goal_config()
st.session_state["_page"] = "pages/overview.py"
with filters.filter_row():
    period = goal_card.period_filter()
    committee = goal_card.committee_filter(cfg)
    brief_button.committee(user, committee, period)

report = page_report.PageReport("Översikt – måluppfyllelse", user)
results = state.goal_results(period)
shown = [r for r in results if committee is None or committee in r.committee]
goal_card.scorecard(shown, cfg)
for result in shown:
    follow_up = goal_text.follow_up_year(result)
    comment = state.comments(follow_up).get(result.id)
    goal_card.goal_card(result, cfg, comment, follow_up, user, report)

report.download(page_report.dataset_caption())
