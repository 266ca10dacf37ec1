"""Login, roles and the audit trail in the app (the rules themselves are in ``data.access``).

Three modes, decided per run:

* ``login``  ``[auth]`` is configured in ``.streamlit/secrets.toml``: everyone logs in with
  ``st.login`` (OIDC) and gets roles from the role file; an expired ID token logs out.
* ``demo``   the demo warehouse and no ``[auth]``: open, with a "Demoläge" banner and a role
  switcher to try each view. "The demo warehouse" is decided by its import ledger
  (``Warehouse.provenance``): a demo that has received an import is real data and never runs open.
* ``off``    ``SAMVERKAN_AUTH=off``: open, everyone is admin, a red banner on every page.

Any other warehouse without ``[auth]`` is refused with instructions. Every page calls
``require(page_id)`` itself, so a page opened by URL is checked even if navigation was bypassed.
"""

from __future__ import annotations

import contextvars
import logging
import runpy
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import streamlit as st

from data import access, personnummer, privacy, settings, store
from data.access import Grant
from ui import accessibility, state
from ui import format as fmt

log = logging.getLogger("samverkan.auth")

APP_SCRIPT = Path(__file__).resolve().parents[1] / "app.py"

# Set by app.py while the navigation runs a page; a page script that runs without it was started
# by Streamlit's file-based pages/ mode (a fresh server's first request to a page's URL).
IN_APP: contextvars.ContextVar[bool] = contextvars.ContextVar("samverkan_in_app", default=False)
# True while a page file run alone hands over to the app (``require``): that run is followed by a
# rerun, so a message kept for "the next run" must survive it (``take_message``).
HANDOVER: contextvars.ContextVar[bool] = contextvars.ContextVar("samverkan_handover", default=False)


@dataclass(frozen=True)
class User:
    # as stored: the verified e-mail, else the token's subject, a pseudonym ('anv-…') when that holds
    # a personnummer; 'demo' or 'SAMVERKAN_AUTH=off' without login
    id: str
    name: str
    grants: tuple[Grant, ...]
    mode: str  # login | demo | off

    @property
    def roles_text(self) -> str:
        return ", ".join(g.label for g in self.grants)


def auth_configured() -> bool:
    """Whether .streamlit/secrets.toml (or --secrets.files) has an [auth] section."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def mode() -> str:
    if settings.auth_off():
        return "off"
    if auth_configured():
        return "login"
    if state.provenance() == "demo":
        return "demo"
    return "refuse"


@cache
def _access(path: str, mtime: float, committees: tuple[str, ...]) -> access.AccessConfig:
    return access.load(path, committees)


def access_config() -> access.AccessConfig:
    path = settings.access_path()
    committees = tuple(c.id for c in state.goal_config().committees)
    return _access(str(path), path.stat().st_mtime if path.exists() else 0.0, committees)


def _provider() -> str | None:
    """None for a single provider configured directly in [auth], else the first [auth.NAME]."""
    section = st.secrets["auth"]
    if "client_id" in section:
        return None
    names = [k for k, v in section.items() if hasattr(v, "keys")]
    return names[0] if names else None


def current_user() -> User | None:
    """The person behind this run; None when nobody is logged in (login mode)."""
    m = mode()
    if m == "off":
        return User("SAMVERKAN_AUTH=off", "Inloggning avstängd", (Grant(role=access.Role.ADMIN),), m)
    if m == "demo":
        views = access.demo_grants(c.id for c in state.goal_config().committees)
        view = demo_role()
        return User("demo", f"Demo: {view}", tuple(views.get(view, [])), m)
    if m != "login" or not st.user.is_logged_in:
        return None
    claims = st.user.to_dict()
    uid = privacy.user_ref(access.identity(claims))  # raises MissingKey: refused in gate()
    grants = tuple(access_config().grants_for(claims))
    name = privacy.masked(str(claims.get("name") or "").strip())
    return User(uid, name or store.shown_user(uid, {}), grants, m)


def token_expired(claims: dict, now: float | None = None) -> bool:
    """Streamlit keeps its login cookie for 30 days and does not look at the ID token's ``exp``."""
    exp = claims.get("exp")
    try:
        return exp is not None and float(exp) <= (now if now is not None else time.time())
    except (TypeError, ValueError):
        return True


def audit_line(user: User | None, action: str = "write", detail: str = "") -> store.AuditLine:
    """The audit line of a write by ``user``, for the write to commit with itself."""
    return store.AuditLine(user.id if user else "(ej inloggad)", action, detail, user.roles_text if user else "")


def record(user: User | None, action: str, detail: str = "") -> bool:
    """One line in the audit log for an event that is no write (a logout, a download, a refusal);
    False when the store did not answer (logged; a download is then refused, ``checked_download``)."""
    try:
        store.audit(settings.store_url(), user.id if user else "(ej inloggad)", action, detail,
                    user.roles_text if user else "")
    except store.StoreUnavailable:
        log.warning("Kunde inte skriva granskningsloggen (%s): lagret svarar inte", action)
        return False
    return True


def _record_login(user: User) -> None:
    """The login, once per ID token however often the page is reloaded (``store.record_login``);
    tried again on the next run while the store does not answer."""
    marker = store.login_marker(st.user.to_dict())
    if st.session_state.get("_audited_login") == (user.id, marker):
        return
    try:
        store.record_login(settings.store_url(), user.id, user.roles_text, marker, user.name)
    except store.StoreUnavailable:
        log.warning("Kunde inte skriva inloggningen i granskningsloggen: lagret svarar inte")
        return
    st.session_state["_audited_login"] = (user.id, marker)


def gate() -> User:
    """Run by app.py before the navigation: banners, login, expiry, refusals. Stops the run when
    nobody may go on; returns the user otherwise."""
    m = mode()
    if m == "refuse":
        was_demo = state.dataset_info()["meta"].get("built_as_demo") == "1"
        st.error(("Databasen byggdes som demodata men har tagit emot importerade filer (se importloggen), så "
                  "den räknas som riktiga data. " if was_demo else "")
                 + "Samverkan startar inte utan inloggning på andra data än demodata. Lägg in OIDC-"
                 "inloggning i `.streamlit/secrets.toml` (avsnittet `[auth]`, se README under "
                 "\"Login and roles\" och DEPLOY.md), eller sätt `SAMVERKAN_AUTH=off` om en "
                 "omvänd proxy redan sköter inloggningen.", icon=":material/lock:")
        st.stop()
    if m == "off":
        st.error("Inloggningen är avstängd (SAMVERKAN_AUTH=off): alla som når sidan har full behörighet.",
                 icon=":material/lock_open:")
    if m == "demo":
        st.info("**Demoläge – ingen inloggning.** Fiktiva data; välj roll i sidopanelen för att se hur "
                "sidorna ser ut för olika användare.", icon=":material/science:")
    if m == "login":
        if not st.user.is_logged_in:
            _login_page()
            st.stop()
        try:
            user = current_user()
        except personnummer.MissingKey:
            # the id holds a personnummer and no key to pseudonymise it: never stored raw
            st.error("Ditt konto identifieras med ett personnummer, och Samverkan sparar aldrig personnummer. "
                     "Systemförvaltaren behöver sätta pseudonymiseringsnyckeln (SAMVERKAN_PSEUDONYM_KEY, "
                     "DEPLOY.md) innan du kan logga in.", icon=":material/lock:")
            st.stop()
        if token_expired(st.user.to_dict()):
            record(user, "logout", "ID-token har gått ut")
            st.session_state.pop("_audited_login", None)
            st.logout()
            st.stop()
        _record_login(user)
    user = current_user()
    if not user.grants:
        st.warning(f"Du är inloggad som {fmt.literal(user.name)} men har ingen roll i Samverkan. Be "
                   "systemförvaltaren om behörighet.", icon=":material/block:")
        record(user, "refused", "ingen roll")
        _logout_button(user)
        st.stop()
    return user


def _login_page() -> None:
    st.title("Samverkan", anchor=False)
    st.write("Uppföljning av nämndernas gemensamma mål för barn som far illa eller riskerar att "
             "fara illa. Logga in med ditt konto i kommunen.")
    if st.button("Logga in", type="primary", icon=":material/login:", key="login"):
        st.login(_provider())
    with st.expander("Tillgänglighetsredogörelse"):  # the statement is public: before login too
        accessibility.statement()


def _logout_button(user: User) -> None:
    if user.mode == "login" and st.button("Logga ut", icon=":material/logout:", key="logout"):
        record(user, "logout")
        st.session_state.pop("_audited_login", None)
        st.logout()


def demo_role() -> str:
    """The role the demo is viewed as: the switcher's last choice, kept apart from the widget (a
    page file run alone hands over to the app, whose widgets then start anew, ``require``)."""
    return (st.session_state.get("_demo_role") or st.session_state.get("demo_view")
            or access.ROLE_LABELS[access.Role.ADMIN])


def _keep_demo_role() -> None:
    st.session_state["_demo_role"] = st.session_state.get("demo_view")


def sidebar(user: User) -> None:
    """Who is logged in, the demo role switcher and the logout button."""
    with st.sidebar:
        if user.mode == "demo":
            views = list(access.demo_grants(c.id for c in state.goal_config().committees))
            role = demo_role()
            st.selectbox("Visa som (demo)", views, key="demo_view", placeholder="Välj roll …",
                         index=views.index(role) if role in views else 0, on_change=_keep_demo_role,
                         help="I demoläget kan du prova hur sidorna ser ut för varje roll.")
        elif user.mode == "login":
            st.caption(f"Inloggad: {user.name} ({user.roles_text})")
            _logout_button(user)


def may_see_exact(user: User | None) -> bool:
    """Exact counts below goal level (internal analysis, never published): analysts, data
    stewards and the admin (``access.EXACT_ROLES``)."""
    return user is not None and access.may_see_exact(user.grants)


def exact_switch(user: User) -> None:
    """In the sidebar, for analysts, data stewards and the admin only: switch the pages and their
    exports to exact counts. Every run decides again from the role, so a switch left on by
    another view (the demo's role switcher) never reaches a committee member's page."""
    on = False
    if may_see_exact(user):
        with st.sidebar:
            on = st.toggle("Exakta värden (internt)", key="exact_toggle",
                           help="Visar sidorna och deras nedladdningar med exakta antal, utan "
                                "avrundning och utan dolda värden. Internt underlag: "
                                "röjandekontrollera före publicering. Varje visning loggas.")
    state.set_exact(on)


def _exact_notice(user: User, page_id: str) -> None:
    """The exact view's banner, and one line in the audit log per page and choice of filters."""
    st.warning(f"**{fmt.EXACT_NOTE}.** Antalen är exakta och inget är dolt. Nämnder, styrgruppen "
               "och uppföljningsrapporten får alltid de skyddade värdena.", icon=":material/visibility:")
    params = "&".join(f"{k}={v}" for k, v in sorted(st.query_params.to_dict().items()))
    seen = st.session_state.setdefault("_exact_logged", set())
    if (page_id, params) not in seen:
        seen.add((page_id, params))
        record(user, "exact", f"sida: {page_id}" + (f" ({params})" if params else ""))


def require(page_id: str) -> User:
    """The first line of every page: refuse, in Swedish, anyone whose role may not open it."""
    if not IN_APP.get():
        # Streamlit's file-based pages/ mode (a fresh server, before st.navigation first runs) runs
        # the file named after the URL (/bun -> pages/bun.py) alone. Run the app instead: its
        # navigation opens this page from the same URL inside the app (login, roles, sidebar) and
        # ends that mode for the server process. The rerun then draws the page as every later run
        # does (the app's own widgets get other ids when run from here). st.switch_page to app.py
        # would lose the link's page.
        token = HANDOVER.set(True)
        try:
            runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        finally:
            HANDOVER.reset(token)
        st.rerun()
    user = current_user()
    if user is None or not access.may_open(user.grants, page_id):
        record(user, "refused", f"sida: {page_id}")
        st.error("Du har inte behörighet till den här sidan. Kontakta systemförvaltaren om du "
                 "behöver den i ditt uppdrag.", icon=":material/block:")
        st.stop()
    if state.exact():
        _exact_notice(user, page_id)
    return user


def take_message(key: str):
    """A message a callback or a save left in the session for the next run, taken once: it is
    removed, except in a run that the handover's rerun follows (``require``), which would lose it."""
    return st.session_state.get(key) if HANDOVER.get() else st.session_state.pop(key, None)


def navigation_pages(user: User, pages: dict[str, dict]) -> list[st.Page]:
    """Every page of app.py, listed in the menu only when this user may open it. The others stay
    registered, hidden, so that a link to them gets the page's own Swedish refusal (``require``)
    instead of Streamlit's "page not found"."""
    return [st.Page(**spec, url_path=pid,
                         visibility="visible" if access.may_open(user.grants, pid) else "hidden")
            for pid, spec in pages.items()]



def may_export(user: User | None) -> bool:
    return user is not None and access.may_export(user.grants)


def checked_download(user: User | None, name: str, build: Callable[[], bytes | str],
                     exact: bool = False) -> Callable[[], bytes | str]:
    """A download's data, built on the server only for a role that may export, and logged
    (``exact``: a file of exact figures, only for an entitled role, logged as such)."""
    def data():
        if not may_export(user) or (exact and not may_see_exact(user)):
            record(user, "refused", f"nedladdning: {name}")
            raise PermissionError("Nedladdning kräver rollen analytiker, styrgrupp eller admin.")
        # no export without its line in the audit log (an exact file logged as such)
        if not record(user, "exact" if exact else "download", f"nedladdning: {name}" if exact else name):
            raise PermissionError("Nedladdningen kan inte loggas: lagret svarar inte. Försök igen om en stund.")
        return build()

    return data
