"""Importera data: upload an extract, see every problem or a preview of the changes, confirm."""

import streamlit as st

from ui import auth, import_page

user = auth.require("import")

st.title("Importera data", anchor=False)
st.caption("Filen kontrolleras först. Har den fel visas alla på en gång och ingenting ändras; annars "
           "visas vad som läggs till och ersätts, och inget skrivs förrän du bekräftar. Samma fil två "
           "gånger ändrar ingenting. Personnummer ersätts med pseudonymer och sparas aldrig.")

kind, upload, mapping = import_page.import_form()
if upload is not None and kind is not None:
    plan = import_page.import_plan(kind, upload, mapping)
    import_page.import_preview(plan, user)

st.subheader("Importlogg", anchor=False)
import_page.import_ledger()
