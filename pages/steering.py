"""Styrgruppen – månadsuppföljning: what changed since last month and last year, and the analyses."""

import streamlit as st

from ui import auth, components, figures, state

user = auth.require("styrgrupp")

TITLE = "Styrgruppen – månadsuppföljning"
components.printable()
st.title(TITLE)
month = components.select("Månad", state.view("months"), key="manad", format_func=components.month_label,
                          help="Data till och med månadens slut. Skriv ut sidan med webbläsarens utskrift.")
label = components.month_label(month)
st.caption(f"Läget vid utgången av {label}, jämfört med månaden innan och samma månad året innan. "
           f"{components.dataset_caption()}")
report = components.PageReport(f"{TITLE}, {label}", user)

st.subheader("Målen")
goals = state.goal_status_month(month)
components.status_changes(goals)
export, display = figures.goal_months(goals)
components.table_with_exports(report, f"mal-{month}", export, display, "Målen",
                              ("Nuvarande värde", "Värde månaden innan", "Målnivå"))

st.subheader("Nyckeltal")
st.caption("Andelar jämförs i procentenheter (p.e.), antal i antal. '..' = visas ej eller saknas "
           "(till exempel frånvaro i juli, då ingen skola pågår).")
export, display = figures.key_indicators(state.view("key_indicators_month", month_code=month))
components.table_with_exports(report, f"nyckeltal-{month}", export, display, "Nyckeltal")

st.subheader("Nämndernas analyser")
components.analyses(components.school_year_of_month(month))

report.download(components.dataset_caption())
