"""The committee brief's download buttons (Word and PDF), on the Översikt and the steering page.

The brief is built on the server when a button is clicked (``ui.brief``), from the same content
as ``cli.py report``; only roles that may export see the buttons (``auth.may_export``).
"""

from __future__ import annotations

import streamlit as st

from data import settings
from metrics import engine
from ui import auth, brief, exports, state

_MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "pdf": "application/pdf"}


def _build(committee: str, period: str | None, month: str | None, kind: str) -> bytes:
    # a public record once sent to a committee: protected figures, also for a role in the exact view
    with engine.protected_view():
        b = brief.build(state.warehouse(), state.goal_config(), settings.store_url(), committee, period, month)
    return brief.docx_bytes(b) if kind == "docx" else brief.pdf_bytes(b)


def _buttons(user: auth.User, committee: str, period: str | None, month: str | None, stem: str) -> None:
    if not auth.may_export(user):
        return
    with st.popover("Uppföljningsrapport", icon=":material/description:",
                    help="Rapporten till nämnden: mål, status, värden, diagram och analyser, i Word eller PDF."):
        if (problem := exports.image_export_problem()) is not None:  # the report's charts need it
            st.caption(problem)
            return
        for kind, label in (("docx", "Word (.docx)"), ("pdf", "PDF")):
            name = f"{stem}.{kind}"
            st.download_button(label, data=auth.checked_download(
                user, name, lambda kind=kind: _build(committee, period, month, kind)),
                file_name=name, mime=_MIME[kind], key=f"brief-{kind}", on_click="ignore",
                icon=":material/download:")


def committee(user: auth.User, committee_id: str | None, period: str | None) -> None:
    """The brief for one committee, or for both (``committee_id`` None)."""
    stem = f"uppfoljningsrapport-{(committee_id or 'bun-och-sn').lower()}"
    _buttons(user, committee_id or "all", period, None, stem + (f"-{period.replace('/', '-')}" if period else ""))


def steering(user: auth.User, month: str) -> None:
    """The steering group's version: both committees, status changes and the month's key indicators."""
    _buttons(user, "all", None, month, f"uppfoljningsrapport-styrgruppen-{month}")
