"""Samverkan – the Streamlit entry point: page setup, login, navigation per role and the sidebar.

Run with ``streamlit run app.py`` (see README.md). Starts on the demo municipality when no other
warehouse is configured, building it on first start.
"""

import logging

import streamlit as st

import ui.warmup  # noqa: F401  (first: heavy modules loaded once, before any page)
from ui import auth, components, state

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="Samverkan", page_icon=":material/handshake:", layout="wide")

# Page id (= url_path, checked by data.access) -> st.Page arguments. The file names differ from the
# url paths on purpose: a fresh server is in Streamlit's file-based pages/ mode until st.navigation
# first runs, and that mode runs a file alone only at its own name, so /bun and /sn reach this
# script (a file opened at its own name goes to the app: ui.auth.require).
PAGES = {
    # The default page is served at "/" (Streamlit ignores url_path for it).
    "oversikt": {"page": "pages/overview.py", "title": "Översikt", "icon": ":material/flag:", "default": True},
    "bun": {"page": "pages/bun_committee.py", "title": "Barn- och utbildningsnämnden", "icon": ":material/school:"},
    "sn": {"page": "pages/sn_committee.py", "title": "Socialnämnden", "icon": ":material/diversity_3:"},
    "styrgrupp": {"page": "pages/steering.py", "title": "Styrgruppen – månadsuppföljning",
                  "icon": ":material/calendar_month:"},
    "jamforelser": {"page": "pages/comparisons.py", "title": "Jämförelser", "icon": ":material/compare_arrows:"},
    "uppfoljning": {"page": "pages/follow_up.py", "title": "Uppföljning – åtgärder, uppdrag och beslut",
                    "icon": ":material/task_alt:"},
    "definitioner": {"page": "pages/definitions.py", "title": "Definitioner", "icon": ":material/menu_book:"},
    "import": {"page": "pages/import_data.py", "title": "Importera data", "icon": ":material/upload_file:"},
    "granskningslogg": {"page": "pages/audit_log.py", "title": "Granskningslogg", "icon": ":material/policy:"},
}

with components.friendly_errors():
    if state.ensure_warehouse():
        user = auth.gate()
        auth.exact_switch(user)  # first: the sidebar's notes say whether the figures are exact
        components.sidebar()
        auth.sidebar(user)
        navigation = st.navigation(auth.navigation_pages(user, PAGES))
        # each page its own browser-tab title ("Socialnämnden – Samverkan"), not "Samverkan" everywhere
        st.set_page_config(page_title=f"{navigation.title} – Samverkan")
        token = auth.IN_APP.set(True)
        try:
            navigation.run()
        finally:
            auth.IN_APP.reset(token)
