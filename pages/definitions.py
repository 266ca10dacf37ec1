"""Definitioner: every indicator's definition, population and source, read from the catalog."""

import streamlit as st

from metrics import catalog
from ui import components

st.title("Definitioner")
st.caption("Så räknas varje indikator. Texterna kommer direkt från indikatorkatalogen som "
           "beräkningarna använder, så de stämmer alltid med siffrorna.")
for note in catalog.METHOD_NOTES:
    st.markdown(f"- {note}")

query = st.text_input("Sök indikator", key="sok", bind="query-params", placeholder="t.ex. frånvaro")
for indicator in components.matching_indicators(query):
    components.definition(indicator)
