"""Samverkan – the Streamlit entry point: page setup, login, navigation per role and the sidebar.

Run with ``streamlit run app.py`` (see README.md). Starts on the demo municipality when no other
warehouse is configured, building it on first start.
"""

import logging

import streamlit as st

import ui.warmup  # noqa: F401  (first: heavy modules loaded once, before any page)
from data import settings
from metrics import catalog
from ui import accessibility, auth, components, state

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="Samverkan", page_icon=":material/handshake:", layout="wide")
accessibility.page_setup()  # lang="sv" and a visible focus ring, on every page and the login page

# An invalid setting or a broken catalog entry stops the dashboard here, with the message that
# 'python cli.py settings' and every other command give, before any page reads either (cheap on
# every run after the first: the catalog's parsed SQL is cached).
if problems := settings.problems() + catalog.validate():
    logging.getLogger("samverkan.app").error("Kan inte starta: %s", "; ".join(problems))
    st.error("Samverkan kan inte starta: inställningarna eller indikatorkatalogen är felaktiga. Be "
             "systemförvaltaren rätta dem (kommandot `python cli.py settings` visar inställningarna):")
    st.code("\n".join(problems), language=None, wrap_lines=True)
    st.stop()

# Page id (= url_path, checked by data.access) -> st.Page arguments. Each page file is named after
# its url path, and that is what makes a shared link work on a freshly started server: until
# st.navigation first runs, Streamlit is in its file-based pages/ mode, where a URL that names no
# file in pages/ opens under the English "Page not found" dialog. With /bun -> pages/bun.py the file
# is found; run alone like that, the page hands over to this script (ui.auth.require), whose
# navigation then opens the same page inside the app, with login, roles and the sidebar.
PAGES = {
    # The default page is served at "/" (Streamlit ignores url_path for it).
    "oversikt": {"page": "pages/overview.py", "title": "Översikt", "icon": ":material/flag:", "default": True},
    "bun": {"page": "pages/bun.py", "title": "Barn- och utbildningsnämnden", "icon": ":material/school:"},
    "sn": {"page": "pages/sn.py", "title": "Socialnämnden", "icon": ":material/diversity_3:"},
    # menu titles short enough for the sidebar at tablet width; the page's heading says more
    "styrgrupp": {"page": "pages/styrgrupp.py", "title": "Styrgruppen", "icon": ":material/calendar_month:"},
    "jamforelser": {"page": "pages/jamforelser.py", "title": "Jämförelser", "icon": ":material/compare_arrows:"},
    "uppfoljning": {"page": "pages/uppfoljning.py", "title": "Uppföljning", "icon": ":material/task_alt:"},
    "definitioner": {"page": "pages/definitioner.py", "title": "Definitioner", "icon": ":material/menu_book:"},
    "import": {"page": "pages/import.py", "title": "Importera data", "icon": ":material/upload_file:"},
    "granskningslogg": {"page": "pages/granskningslogg.py", "title": "Granskningslogg", "icon": ":material/policy:"},
    "tillganglighet": {"page": "pages/tillganglighet.py", "title": "Tillgänglighetsredogörelse",
                       "icon": ":material/accessibility_new:"},
}

with components.friendly_errors():
    if state.ensure_warehouse():
        user = auth.gate()
        auth.exact_switch(user)  # first: the sidebar's notes say whether the figures are exact
        components.sidebar()
        auth.sidebar(user)
        components.image_export_note(user)
        navigation = st.navigation(auth.navigation_pages(user, PAGES))
        # each page its own browser-tab title ("Socialnämnden – Samverkan"), not "Samverkan" everywhere
        st.set_page_config(page_title=f"{navigation.title} – Samverkan")
        token = auth.IN_APP.set(True)
        try:
            navigation.run()
        finally:
            auth.IN_APP.reset(token)
