"""Granskningslogg: who logged in, imported, wrote and downloaded what, and who was refused."""

import streamlit as st

from ui import auth, components

user = auth.require("granskningslogg")

st.title("Granskningslogg")
st.caption("Inloggningar, importer, sparade analyser, nedladdningar av tabeller och nekade försök. "
           "Loggen innehåller inga uppgifter om barn.")
filters = components.audit_filters()
components.audit_table(user, filters)
