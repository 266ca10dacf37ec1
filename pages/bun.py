"""Barn- och utbildningsnämnden: high absence over time, drill-down, distribution, schools compared."""

import streamlit as st

from ui import auth, change_views, figures, filters, page_report, state
from ui import format as fmt
from ui.page_report import About

user = auth.require("bun")

TITLE = "Barn- och utbildningsnämnden – hög frånvaro"
st.title(TITLE, anchor=False)
st.caption("Andel elever vars frånvaro (giltig och ogiltig) är mer än 15 % av den schemalagda tiden. "
           "Strecken visar 95 %-intervall: överlappar de, kan skillnaden bero på slumpen.")
report = page_report.PageReport(TITLE, user)

f = filters.absence_filters()
IND = "high_absence_share"

report.trend(state.absence_trend(f.years, f.place_filters), IND,
             f"Andel elever med hög frånvaro per läsår – {f.place_label}", f"hog-franvaro-per-lasar-{f.place_label}",
             period=f"läsåren {f.years[0]}–{f.years[-1]}", by="school_form", selection=f.place_selection,
             goals_of=f.place_filters)

st.subheader(f"{f.drill_heading} – {f.period_label}", anchor=False)
report.ranked(state.absence_breakdown(f.period, f.drill_dim, f.filters), IND, f.drill_dim,
              f"Hög frånvaro per {f.drill_noun}, {f.period_label} – {f.place_label}",
              f"hog-franvaro-per-{f.drill_noun}-{f.period}", period=f.period_label, selection=f.selection,
              reference_label=f.reference_label)
report.ranked(state.absence_breakdown(f.period, "gender", f.filters), IND, "gender",
              f"Hög frånvaro per kön, {f.period_label} – {f.place_label}", f"hog-franvaro-per-kon-{f.period}",
              period=f.period_label, selection=f.selection, reference_label=f.reference_label)

st.subheader("Hur stor är frånvaron?", anchor=False)
title = f"Elever efter frånvaro, {f.period_label} – {f.place_label}"
report.chart(figures.distribution(state.absence_distribution(f.period, f.filters), title),
             f"elever-efter-franvaro-{f.period}", percent_columns=("Andel",),
             about=About(title=title, indicator="pupil_count", period=f.period_label, selection=f.selection))

st.subheader("Skolorna jämförda", anchor=False)
st.caption(f"Varje punkt är en skola med sitt nummer (namnen står i tabellen): skolans andel mot antalet "
           f"elever, jämfört med {f.operator_label} tillsammans. En liten skola varierar mer av en slump. Bara de "
           "skolor som ligger utanför den streckade linjen skiljer sig tydligt från de andra.")
title = f"Skolornas andel med hög frånvaro, {f.period_label} – {f.operator_label}"
report.chart(figures.school_funnel(state.school_comparison(f.period, f.form_filters), title,
                                   f"{f.operator_label.capitalize()} tillsammans"),
             f"skolor-jamforda-{f.period}", percent_columns=("Andel", "Alla jämförda skolor"),
             about=About(title=title, indicator=IND, period=f.period_label, selection=f.selection))

st.subheader("Var kom förändringen ifrån?", anchor=False)
st.caption(change_views.HELP)
ch = filters.change_filters("BUN", auth.may_see_exact(user))
if ch is None:
    st.info(change_views.NO_COMPARISON)
else:
    noun = change_views.DIM_NOUN[ch.dim]
    title = f"Bidrag till förändringen per {noun} – {ch.label}"
    built, lines = change_views.decomposition_view(state.unit_change(ch.leaf.id, ch.dim, ch.exact), ch.leaf, ch.dim,
                                                   title, ch.exact)
    for line in lines:
        st.markdown(fmt.literal(line))
    about = About(title=title, indicator=IND, period=f"läsåret {ch.leaf.current} mot {ch.leaf.baseline}",
                  selection=ch.leaf.title, notes=change_views.exact_note(ch.exact), rounded=not ch.exact)
    if built is not None:
        report.chart(built, f"bidrag-per-{noun}-{ch.leaf.id}", about, change_views.PERCENT_COLUMNS,
                     change_views.PP_COLUMNS)

    st.subheader(f"Nivå och förändring per {noun}", anchor=False)
    st.caption(change_views.GRID_LEGEND)
    title = f"Nivå och förändring per {noun} – {ch.label}"
    grid = change_views.grid(state.unit_change(ch.leaf.id, ch.dim), ch.leaf)
    report.chart(change_views.status_grid(grid, ch.dim, title), f"niva-och-forandring-per-{noun}-{ch.leaf.id}",
                 About(title=title, indicator=IND, period=f"läsåret {ch.leaf.current} mot {ch.leaf.baseline}",
                       selection=ch.leaf.title), change_views.GRID_PERCENT_COLUMNS, change_views.GRID_PP_COLUMNS)

report.download(page_report.dataset_caption())
