"""Definitioner: every indicator's definition, population and source, read from the catalog."""

import streamlit as st

from ui import auth, definitions_page

user = auth.require("definitioner")

st.title("Definitioner", anchor=False)
st.caption("Så räknas varje indikator. Texterna kommer direkt från indikatorkatalogen som "
           "beräkningarna använder, så de stämmer alltid med siffrorna.")
definitions_page.method_notes()

query = st.text_input("Sök indikator", key="sok", bind="query-params", placeholder="t.ex. frånvaro")
for indicator in definitions_page.matching_indicators(query):
    definitions_page.definition(indicator)
