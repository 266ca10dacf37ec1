"""Jämförelser: the municipality beside the whole country and its peers, from imported files."""

import streamlit as st

from ui import auth, page_report, peers, state
from ui import format as fmt
from ui.page_report import About

user = auth.require("jamforelser")

TITLE = "Jämförelser – kommunen, riket och jämförelsekommunerna"
st.title(TITLE, anchor=False)
report = page_report.PageReport(TITLE, user)
data = state.comparisons()
cfg = data["config"]
st.caption(fmt.literal(peers.intro(cfg)))
if peers.is_example(data):
    st.warning(peers.EXAMPLE_WARNING, icon=":material/science:")

df, info = data["kolada"]
for k in cfg.kolada:
    st.subheader(k.label, anchor=False)
    title = f"{k.label} ({k.id}) – {peers.region_words(cfg)}"
    if peers.has(df, k.id):
        report.chart(peers.kolada_view(df, k.id, title), f"kolada-{k.id}",
                     About(title=title, population=f"Kolada {k.id}: {k.label}",
                           period=peers.periods_text(df, k.id), notes=(info.text,)))
    else:
        st.info(peers.missing_text(info, f"Kolada ({k.id})"))
    st.caption(info.text)

st.subheader("Indragen studiehjälp för ogiltig frånvaro i gymnasiet", anchor=False)
st.caption(peers.CSN_NOTE)
df, info = data["csn"]
title = f"Andel med indragen studiehjälp för ogiltig frånvaro – {peers.region_words(cfg)}"
if df.height:
    report.chart(peers.withdrawals_view(df, data["own_invalid"], title), "csn-indragen-studiehjalp",
                 About(title=title, population="CSN: gymnasieelever med studiehjälp efter folkbokföringskommun",
                       period=peers.periods_text(df), notes=(info.text,)), peers.period_columns(df))
else:
    st.info(peers.missing_text(info, "CSN:s tabell SUSHSVL10"))
st.caption(info.text)

st.subheader("Invånare 0–20 år", anchor=False)
df, info = data["population"]
title = f"Invånare 0–20 år – {peers.region_words(cfg, country=False)}"
if df.height:
    report.chart(peers.population_view(df, title), "scb-invanare-0-20",
                 About(title=title, population="SCB TAB638: folkmängd 0–20 år den 31 december",
                       period=peers.periods_text(df), notes=(info.text, peers.POPULATION_NOTE)))
else:
    st.info(peers.missing_text(info, "SCB:s tabell TAB638"))
st.caption(f"{info.text} {data['population_source']}")

st.subheader("Det som saknar nationell motsvarighet", anchor=False)
st.caption("Flera av målens och nyckeltalens mått finns inte i någon nationell statistik. Då kan kommunen inte "
           "jämföras med andra, och sidan säger varför i stället för att visa en siffra som inte finns.")
page_report.table_with_exports(report, "utan-nationell-motsvarighet", peers.national_table(), peers.national_table(),
                               "Utan nationell motsvarighet", html_table=peers.national_html())

report.download(page_report.dataset_caption())
