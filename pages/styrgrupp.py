"""Styrgruppen – månadsuppföljning: what changed since last month and last year, and the analyses."""

import streamlit as st

from ui import auth, brief_button, figures, filters, follow_up, goal_card, goal_text, page_report, state, tables
from ui.page_report import About

user = auth.require("styrgrupp")

TITLE = "Styrgruppen – månadsuppföljning"
page_report.printable()
st.title(TITLE, anchor=False)
month = filters.select("Månad", state.months(), key="manad", format_func=filters.month_label,
                       help="Data till och med månadens slut. Skriv ut sidan med webbläsarens utskrift.")
label = filters.month_label(month)
st.caption(f"Läget vid utgången av {label}, jämfört med månaden innan och samma månad året innan. "
           f"{page_report.dataset_caption()}")
report = page_report.PageReport(f"{TITLE}, {label}", user)
brief_button.steering(user, month)

st.subheader("Målen", anchor=False)
goals = state.goal_status_month(month)
goal_card.status_changes(goals)
export, display = figures.goal_months(goals)
page_report.table_with_exports(report, f"mal-{month}", export, display, "Målen",
                               about=About(title=f"Målen, {label}", period=label, rounded=False),
                               row_formats=figures.goal_month_formats(export), html_table=tables.responsive_html(display))
st.caption(goal_text.STEERING_LEGEND)

st.subheader("Nyckeltal", anchor=False)
st.caption(figures.key_legend(rounded=state.rounded()) + "'..' = visas inte (för få barn); ”inga data” = inga uppgifter för månaden "
           "(till exempel frånvaro i juli, då ingen skola pågår).")
key = state.key_indicators_month(month)
export, display = figures.key_indicators(key)
page_report.table_with_exports(report, f"nyckeltal-{month}", export, display, "Nyckeltal",
                               about=About(title=f"Nyckeltal, {label}", period=label),
                               row_formats=figures.key_indicator_formats(key), html_table=tables.responsive_html(display))

st.subheader("Att följa upp – läget i dag", anchor=False)
st.caption("Åtgärder, uppdrag och beslut som registren ser ut i dag, vilken månad som än är vald ovan.")
follow_up.due_section(user)

st.subheader("Nämndernas analyser", anchor=False)
goal_card.analyses(filters.school_year_of_month(month))

report.download(page_report.dataset_caption())
