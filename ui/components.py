"""Streamlit building blocks shared by the pages: the error guard and the sidebar."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import streamlit as st

from data import peers
from data.warehouse import WarehouseMissing
from metrics import goals
from ui import format as fmt
from ui import state

log = logging.getLogger("samverkan.app")


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Show a plain Swedish message instead of a stack trace; the details go to the server log."""
    try:
        yield
    except goals.GoalConfigError as exc:
        # the same message as 'python cli.py status' gives, so the administrator can act on it
        log.warning("Målfilen är felaktig: %s", exc)
        st.error("Målen kan inte visas: målfilen är felaktig. Be systemförvaltaren rätta den "
                 "(kommandot `python cli.py status` ger samma besked):")
        st.code(str(exc), language=None, wrap_lines=True)
    except peers.PeersConfigError as exc:  # the comparison file: the same message as the CLI gives
        log.warning("%s", exc)
        st.error("Jämförelserna kan inte visas: jämförelsefilen är felaktig. Be systemförvaltaren rätta den:")
        st.code(str(exc), language=None, wrap_lines=True)
    except WarehouseMissing as exc:  # a file of the warehouse is gone: the administrator can act on it
        log.warning("%s", exc)
        st.error(str(exc))
    except Exception:
        log.exception("Fel när sidan visades")
        st.error("Något gick fel när sidan skulle visas. Försök igen om en stund; kvarstår felet, "
                 "kontakta systemförvaltaren (detaljerna finns i serverns logg).")


def keep_draft(name: str, values: dict[str, object]) -> None:
    """After a failed save: what the form held (widget key -> value), so that it is back in the
    form even when the user has opened another page in between (Streamlit forgets the state of a
    widget that a run does not draw). ``restore_draft`` puts it back; ``drop_draft`` after a save."""
    st.session_state[f"_draft-{name}"] = dict(values)


def restore_draft(name: str) -> None:
    """Before the form's widgets: every kept value whose widget has no state in this session."""
    for key, value in st.session_state.get(f"_draft-{name}", {}).items():
        if key not in st.session_state:
            st.session_state[key] = value


def drop_draft(name: str) -> None:
    st.session_state.pop(f"_draft-{name}", None)


def sidebar() -> None:
    info = state.dataset_info()
    meta, until = info["meta"], info["until"]
    with st.sidebar:
        label = meta.get("dataset_label", meta.get("municipality", "Importerade data"))
        if meta.get("is_demo") == "1":
            st.warning(f"**{fmt.literal(label)}**  \nAlla siffror är påhittade.", icon=":material/science:")
        else:
            st.info(f"**{fmt.literal(label)}**")
        lines = []
        names = {"absence": "Frånvaro", "reports": "Orosanmälningar", "interventions": "Insatser"}
        for kind, name in names.items():
            d = until.get(kind)
            lines.append(f"- {name}: t.o.m. {d.isoformat()}" if d else f"- {name}: {fmt.NO_DATA}")
        st.markdown("**Data**\n" + "\n".join(lines))
        if info.get("gaps"):
            gaps = info["gaps"]
            shown = "; ".join(gaps[:5]) + (f" och {len(gaps) - 5} till" if len(gaps) > 5 else "")
            st.warning(fmt.literal(f"Underlaget är ofullständigt: {shown}."), icon=":material/warning:")
        if state.exact():
            st.caption(fmt.rounding_note(exact=True))
        else:
            st.caption(f"{fmt.SUPPRESSED_NOTE} {fmt.rounding_note()}".strip())


def image_export_note(user) -> None:
    """For a role that exports: say in the sidebar when chart images cannot be made here."""
    from ui import auth, exports

    if auth.may_export(user) and (problem := exports.image_export_problem()) is not None:
        st.sidebar.warning(problem, icon=":material/image_not_supported:")
