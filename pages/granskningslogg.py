"""Granskningslogg: who logged in, imported, wrote and downloaded what, and who was refused."""

import streamlit as st

from ui import audit_page, auth

user = auth.require("granskningslogg")

st.title("Granskningslogg", anchor=False)
st.caption("Inloggningar, importer, sparade analyser, nedladdningar av tabeller och nekade försök. "
           "Loggen innehåller inga uppgifter om barn.")
filters = audit_page.audit_filters()
if filters is not None:
    audit_page.audit_table(user, filters)
