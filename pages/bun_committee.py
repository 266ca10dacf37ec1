"""Barn- och utbildningsnämnden: high absence over time, drill-down, distribution, schools compared."""

import streamlit as st

from ui import auth, charts, components, figures, state, tables

user = auth.require("bun")

TITLE = "Barn- och utbildningsnämnden – hög frånvaro"
st.title(TITLE)
st.caption("Andel elever vars frånvaro (giltig och ogiltig) är mer än 15 % av den schemalagda tiden. "
           "Strecken visar 95 %-intervall: överlappar de, kan skillnaden bero på slumpen.")
report = components.PageReport(TITLE, user)

f = components.absence_filters()

trend = state.view("absence_trend", school_year_codes=f.years, filters=f.place_filters)
report.chart(charts.trend_from_frame(trend, "school_form", "Andel elever med hög frånvaro per läsår",
                                     targets=components.goal_targets("high_absence_share", "school_form")),
             "hog-franvaro-per-lasar", tables.export_frame(trend, "high_absence_share"),
             tables.display_frame(trend, "high_absence_share"), tables.percent_columns("high_absence_share"))

st.subheader(f"{f.drill_heading} – {f.period_label}")
drill = state.view("absence_breakdown", period=f.period, dim=f.drill_dim, filters=f.filters)
report.chart(charts.ranked_from_frame(drill, f.drill_dim, f"Hög frånvaro per {f.drill_noun}, {f.period_label}"),
             f"hog-franvaro-per-{f.drill_noun}-{f.period}", tables.export_frame(drill, "high_absence_share"),
             tables.display_frame(drill, "high_absence_share"), tables.percent_columns("high_absence_share"))

gender = state.view("absence_breakdown", period=f.period, dim="gender", filters=f.filters)
report.chart(charts.ranked_from_frame(gender, "gender", f"Hög frånvaro per kön, {f.period_label}"),
             f"hog-franvaro-per-kon-{f.period}", tables.export_frame(gender, "high_absence_share"),
             tables.display_frame(gender, "high_absence_share"), tables.percent_columns("high_absence_share"))

st.subheader("Hur stor är frånvaron?")
dist = state.view("absence_distribution", period=f.period, filters=f.filters)
report.view(figures.distribution(dist, f"Elever efter frånvaro, {f.period_label}"),
            f"elever-efter-franvaro-{f.period}", ("Andel",))

st.subheader("Skolorna jämförda")
st.caption("Trattdiagrammet visar varje skolas andel mot antalet elever. Små skolor varierar mer av "
           "slump; bara skolor utanför 99,8 %-gränsen avviker tydligt från kommunen som helhet.")
schools = state.view("school_comparison", period=f.period, filters=f.form_filters)
report.view(figures.school_funnel(schools, f"Skolornas andel med hög frånvaro, {f.period_label}"),
            f"skolor-jamforda-{f.period}", ("Andel", "Kommunen"))

report.download(components.dataset_caption())
