"""Samverkan – the Streamlit entry point: page setup, navigation and the sidebar.

Run with ``streamlit run app.py`` (see README.md). Starts on the demo municipality when no other
warehouse is configured, building it on first start.
"""

import logging

import streamlit as st

import ui.warmup  # noqa: F401  (first: heavy modules loaded once, before any page)
from ui import components, state

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="Samverkan", page_icon=":material/handshake:", layout="wide")

PAGES = [
    # The default page is served at "/" (Streamlit ignores url_path for it).
    st.Page("pages/overview.py", title="Översikt", icon=":material/flag:", url_path="oversikt", default=True),
    st.Page("pages/bun.py", title="Barn- och utbildningsnämnden", icon=":material/school:", url_path="bun"),
    st.Page("pages/sn.py", title="Socialnämnden", icon=":material/diversity_3:", url_path="sn"),
    st.Page("pages/steering.py", title="Styrgruppen – månadsuppföljning", icon=":material/calendar_month:",
            url_path="styrgrupp"),
    st.Page("pages/definitions.py", title="Definitioner", icon=":material/menu_book:", url_path="definitioner"),
    st.Page("pages/import_data.py", title="Importera data", icon=":material/upload_file:", url_path="import"),
]

with components.friendly_errors():
    if state.ensure_warehouse():
        components.sidebar()
        st.navigation(PAGES).run()
