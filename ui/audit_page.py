"""The audit log page's filters and table (admin only)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
import streamlit as st

from data import settings, store
from ui import auth
from ui import format as fmt
from ui.filters import ALL, PLACEHOLDER, filter_row
from ui.page_report import data_downloads

log = logging.getLogger("samverkan.app")


def audit_filters() -> dict | None:
    """Period, kind of event and user for the audit log; None (and a Swedish message, the typed
    text kept) when a date is not one.

    The dates are text fields (ÅÅÅÅ-MM-DD): Streamlit's date picker shows 'yyyy-mm-dd' and names
    its parts in English to screen readers, with no option to change it."""
    today = date.today()
    labels = {v: k for k, v in store.AUDIT_ACTIONS.items()}
    with filter_row():
        first = st.text_input("Från och med", (today - timedelta(days=30)).isoformat(), key="audit_from",
                              placeholder="ÅÅÅÅ-MM-DD", width=170, max_chars=10)
        last = st.text_input("Till och med", today.isoformat(), key="audit_until", placeholder="ÅÅÅÅ-MM-DD",
                             width=170, max_chars=10)
        action = st.selectbox("Händelse", [ALL, *labels], key="audit_action", width=220, placeholder=PLACEHOLDER)
        who = st.text_input("Användare (del av id)", key="audit_user", width=260)
    try:
        start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError:
        bad = first if not _is_date(first) else last
        st.error(f"'{fmt.literal(bad)}' är inget datum. Skriv datumet som ÅÅÅÅ-MM-DD, till exempel "
                 f"{today.isoformat()}.", icon=":material/error:")
        return None
    return {"since": datetime.combine(start, time.min, tzinfo=UTC),
            "until": datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
            "action": None if action == ALL else labels[action], "user": who.strip() or None}


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def audit_frame(events: list[store.AuditEvent], names: dict[str, str]) -> pl.DataFrame:
    """The audit log as shown and exported: a pseudonymous user by display name (``names``)."""
    return pl.DataFrame({
        "Tid (UTC)": [e.at.strftime("%Y-%m-%d %H:%M:%S") for e in events],
        "Användare": [store.shown_user(e.user_id, names) for e in events], "Roller": [e.roles for e in events],
        "Händelse": [store.AUDIT_ACTIONS.get(e.action, e.action) for e in events],
        "Detaljer": [e.detail for e in events]}, schema={c: pl.String for c in (
            "Tid (UTC)", "Användare", "Roller", "Händelse", "Detaljer")})


def audit_table(user: auth.User, filters: dict) -> None:
    """The audit log as a table, with Excel and CSV (downloads are logged too)."""
    try:
        events = store.audit_events(settings.store_url(), **filters)
        names = store.display_names(settings.store_url())
    except store.StoreUnavailable:
        st.warning("Granskningsloggen kan inte visas just nu: lagret svarar inte. Försök igen om en stund.",
                   icon=":material/cloud_off:")
        return
    table = audit_frame(events, names)
    st.caption(f"{fmt.number(table.height)} {'händelse' if table.height == 1 else 'händelser'}.")
    st.dataframe(table, hide_index=True, width="stretch")
    with st.popover("Ladda ner", icon=":material/download:"):
        data_downloads(st, "granskningslogg", table, (), user,
                       [("Uttag", "Granskningslogg"), ("Urval", "; ".join(f"{k}: {v}" for k, v in filters.items() if v))])
