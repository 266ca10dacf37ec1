"""The follow-up loop on screen: a register's items with their history, forms to add, change and
withdraw them, Excel out and in; a goal's actions on its card; what is due on the steering page.

Forms, tables and the Excel files are all built from ``data.registers.REGISTERS``. A save that
fails (a personnummer in a field, a store that does not answer) says so and keeps what was typed;
a register that cannot be read says so where it would be shown, and the rest of the page shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

import polars as pl
import streamlit as st

from data import access, registers, settings, store
from data.registers import REGISTERS, Register
from ui import auth, components, goal_text, state, tables
from ui import format as fmt

log = logging.getLogger("samverkan.app")

STORE_DOWN = "kan inte visas just nu: lagret svarar inte. Försök igen om en stund."
SAVE_FAILED = "Det gick inte att spara: lagret svarar inte. Din text finns kvar. Försök igen om en stund."


def today() -> date:
    return date.today()


def _url() -> str:
    return settings.store_url()


def _read(what: str, read: Callable[[], object]):
    """``read()``, or None and a warning naming ``what`` when the store does not answer."""
    try:
        return read()
    except store.StoreUnavailable:
        st.warning(f"{what} {STORE_DOWN}", icon=":material/cloud_off:")
        return None


def due_table(items: list[registers.Due], now: date) -> pl.DataFrame:
    return pl.DataFrame({
        "Vad": [d.register for d in items], "Post": [d.title for d in items], "Ansvarig": [d.owner for d in items],
        "Datum": [d.due.isoformat() for d in items],
        "Läge": [(f"⚠ {-d.days(now)} dagar sen" if d.overdue else f"om {d.days(now)} dagar") for d in items],
        "Status": [d.status for d in items]}, schema={c: pl.String for c in
                                                      ("Vad", "Post", "Ansvarig", "Datum", "Läge", "Status")})


def due_sentence(late: int, upcoming: int, next_meeting: date | None) -> str:
    """The line above the list (Markdown). Without a planned meeting only what is overdue is
    listed (``registers.due_items``), and the line says so: 'Inget är försenat. Inget kommande
    möte är inlagt, …'."""
    if next_meeting is None:
        head = f"**{late} försenade.**" if late else "Inget är försenat."
        return f"{head} Inget kommande möte är inlagt, så bara det som redan är försenat visas."
    if not late and not upcoming:
        return f"Inget är försenat och inget förfaller före nästa möte {next_meeting.isoformat()}."
    return f"**{late} försenade**, {upcoming} förfaller före nästa möte {next_meeting.isoformat()}."


def due_section(user: auth.User, link: bool = True) -> None:
    """The steering page's list: what is overdue, and what falls due before the next meeting
    (``link``: to the registers' page, not shown on that page itself)."""
    now = today()
    def due():
        nxt = registers.next_meeting(_url(), now)
        return nxt, registers.due_items(_url(), now, nxt), registers.current(_url(), REGISTERS["beslut"])

    found = _read("Det som är försenat och förfaller snart", due)
    if found is None:
        return
    nxt, items, decisions = found
    late = sum(d.overdue for d in items)
    if not items:
        st.success(due_sentence(0, 0, nxt), icon=":material/check:")
        return
    st.markdown(due_sentence(late, len(items) - late, nxt))
    st.html(tables.responsive_html(due_table(items, now)))
    open_decisions = [d for d in decisions if d.status == "öppet"]
    if open_decisions:
        st.markdown("**Öppna beslut**")
        st.html(tables.responsive_html(pl.DataFrame({
            "Möte": [d.meeting.isoformat() if d.meeting else "" for d in open_decisions],
            "Beslut": [d.text for d in open_decisions], "Ansvarig": [d.owner for d in open_decisions],
            "Klart senast": [d.due.isoformat() if d.due else "" for d in open_decisions]})))
    if link and access.may_open(user.grants, "uppfoljning"):
        st.page_link("pages/uppfoljning.py", label="Till registren: åtgärder, uppdrag, rekommendationer och beslut",
                     icon=":material/arrow_forward:")


def goal_actions(goal_id: str) -> None:
    """A goal card's actions: title, owner, due date and status; overdue ones marked."""
    now = today()
    reg = REGISTERS["atgarder"]
    st.markdown("**Åtgärder**")
    stored = _read("Åtgärderna", lambda: registers.current(_url(), reg))
    if stored is None:
        return
    items = [a for a in stored if a.goal_id == goal_id]
    if not items:
        st.caption("Inga åtgärder är registrerade för målet.")
        return
    lines = []
    for a in items:
        status = registers.status_of(reg, a, now)
        mark = "⚠ " if status == "försenad" else ""
        due = f", klart senast {a.due.isoformat()}" if a.due else ""
        owner = f" – {a.owner}" if a.owner else ""
        lines.append(f"- {mark}**{fmt.literal(a.title)}**{fmt.literal(owner)}{due} · *{status}*"
                     + (f"  \n  {fmt.literal(a.comment)}" + (f" ({a.comment_date.isoformat()})" if a.comment_date else "")
                        if a.comment else ""))  # a comment without its date is still shown
    st.markdown("\n".join(lines))


def goals() -> dict[str, str]:
    """The goal file's goals, id -> title: what a goal field may name (a goal card lists the
    actions of its own id)."""
    return {g.id: g.title for g in state.goal_config().goals}


def _value_widget(f: registers.FieldSpec, current, key: str):
    label = (f.form_label or f.label) + (" *" if f.required else "")
    if key in st.session_state:  # the widget's own state (or a kept draft) wins; no second default
        current = None
    if f.kind == "date":
        # a text field: Streamlit's date picker shows 'yyyy-mm-dd' and names its parts in English to
        # screen readers; the register checks the date and says in Swedish what is wrong
        return st.text_input(label, value=current.isoformat() if current else "", key=key, max_chars=10,
                             placeholder="ÅÅÅÅ-MM-DD", help=f.help or "Datum som ÅÅÅÅ-MM-DD, t.ex. 2026-06-30.")
    if f.kind == "choice":
        return st.selectbox(label, f.choices, index=f.choices.index(current) if current in f.choices else 0,
                            key=key, help=f.help or None, placeholder="Välj …")
    if f.kind == "goal":  # chosen by title from the goal file, never typed
        titles = goals()
        options = list(titles) + ([current] if current and current not in titles else [])
        return st.selectbox(label, options, index=options.index(current) if current in options else None,
                            format_func=lambda g: titles.get(g, f"{g} (finns inte i målfilen)"), key=key,
                            placeholder="Välj mål …", help=f.help or None)
    if f.kind == "goals":
        titles = goals()
        chosen = [g.strip() for g in (current or "").split(",") if g.strip()]
        options = list(titles) + [g for g in chosen if g not in titles]
        return ", ".join(st.multiselect(label, options, default=chosen, key=key, placeholder="Välj mål …",
                                        format_func=lambda g: titles.get(g, f"{g} (finns inte i målfilen)"),
                                        help=f.help or None))
    if f.kind == "long":
        return st.text_area(label, value=current or "", key=key, help=f.help or None)
    return st.text_input(label, value=current or "", key=key, help=f.help or None)


def _show_message(key: str) -> None:
    """The message a form's callback left for this run (kind, text), shown once."""
    message = auth.take_message(key)
    if message is not None:
        kind, text = message
        {"success": st.success, "error": st.error}[kind](text)


def item_form(reg: Register, user: auth.User, item=None) -> None:
    """A form for a new item (``item`` None) or a new version of one. Never cleared on submit: a
    save that fails keeps what was typed (a saved new item empties it, ``_save_item``)."""
    form_key = f"form-{reg.name}-{item.key if item else 'ny'}"
    components.restore_draft(form_key)
    with st.form(form_key, clear_on_submit=False):
        for f in reg.fields:
            _value_widget(f, getattr(item, f.name) if item else None, f"{form_key}-{f.name}")
        if item:
            st.text_input(registers.CHANGE_NOTE_LABEL + " (sparas i historiken)", key=f"{form_key}-note")
        st.form_submit_button("Spara ny version" if item else f"Lägg till {reg.noun}", on_click=_save_item,
                              args=(reg, user, form_key, item.key if item else None))
    _show_message(f"{form_key}-message")


def _may_edit(reg: Register, user: auth.User, say: str) -> bool:
    """Whether ``user`` may change registers, checked on the server (not only by the page); a
    refusal is logged and left as the message ``say`` for the page's next run."""
    if access.may_edit_registers(user.grants):
        return True
    auth.record(user, "refused", f"register: {reg.name}")
    st.session_state[say] = ("error", "Registren ändras av styrgruppen, analytiker och admin.")
    return False


def _save_item(reg: Register, user: auth.User, form_key: str, key: str | None) -> None:
    """A register form's submit (a callback, run before the page): saved with its audit line in one
    transaction, or a message naming every problem and the form left as typed."""
    say = f"{form_key}-message"
    if not _may_edit(reg, user, say):
        return
    values = {f.name: st.session_state.get(f"{form_key}-{f.name}") for f in reg.fields}
    note = st.session_state.get(f"{form_key}-note", "")
    try:
        saved = registers.save(_url(), reg, values, user.id, key=key, note=note, audit=auth.audit_line(user),
                               goals=goals())
    except (registers.RegisterError, store.StoreUnavailable) as exc:
        components.keep_draft(form_key, {**{f"{form_key}-{k}": v for k, v in values.items()},
                                         **({f"{form_key}-note": note} if key else {})})
        st.session_state[say] = ("error", SAVE_FAILED if isinstance(exc, store.StoreUnavailable) else
                                 "Inget sparades:\n" + "\n".join(f"- {fmt.literal(p)}" for p in exc.problems)
                                 + "\n\nDin text finns kvar.")
        return
    components.drop_draft(form_key)
    for name in [f"{form_key}-{f.name}" for f in reg.fields if key is None] + [f"{form_key}-note"]:
        st.session_state.pop(name, None)  # the next run draws the widget anew: empty, or the new version
    title = str(getattr(saved, reg.title_field))
    confirm(reg, f"Sparat: {reg.noun} ”{title}”" + (f", version {saved.version}." if key else " är tillagd."))


def confirm(reg: Register, text: str) -> None:
    """Keep a confirmation for the register's next run: a save ends with st.rerun, which would
    drop a message shown before it."""
    st.session_state[f"_saved-{reg.name}"] = text


def _confirmation(reg: Register) -> None:
    text = auth.take_message(f"_saved-{reg.name}")
    if text:
        st.success(fmt.literal(text), icon=":material/check_circle:")


def shown_frame(df: pl.DataFrame, reg: Register) -> pl.DataFrame:
    """The register as the page shows it: no internal key, goals by their titles, every value as
    text ('' for none)."""
    titles = goals()
    # the item's own title first: it names the row (a goal's long title would push it aside)
    cols = sorted((f for f in reg.fields if f.kind != "long"), key=lambda f: f.name != reg.title_field)
    out = df.select([f.label for f in cols] + ["Version", "Ändrad av"])
    for f in cols:
        if f.kind in ("goal", "goals"):
            named = [", ".join(titles.get(g.strip(), g.strip()) for g in (v or "").split(",") if g.strip())
                     for v in out[f.label]]
            out = out.with_columns(pl.Series(f.label, named, dtype=pl.String)).rename({f.label: f.form_label or f.label})
    return out.with_columns([pl.col(c).cast(pl.String).fill_null("") for c in out.columns])


def item_labels(items: list, reg: Register) -> dict[str, str]:
    """How items are named in the picker: the title, then what tells equal titles apart (the
    owner, the due date, else a running number), never the internal key.
    Example: two actions 'Läxhjälp' -> 'Läxhjälp – Rektor A', 'Läxhjälp – Rektor B'."""
    base = {i.key: str(getattr(i, reg.title_field))[:90] for i in items}
    counts: dict[str, int] = {}
    for t in base.values():
        counts[t] = counts.get(t, 0) + 1
    out, seen = {}, {}
    for i in items:
        label = base[i.key]
        if counts[label] > 1:
            extra = [str(x) for x in (getattr(i, reg.owner_field, "") if reg.owner_field else "",
                                      getattr(i, reg.due_field) if reg.due_field else None) if x]
            label = f"{label} – {', '.join(extra)}" if extra else label
        seen[label] = seen.get(label, 0) + 1
        out[i.key] = label if seen[label] == 1 else f"{label} ({seen[label]})"
    return out


def register_view(reg: Register, user: auth.User) -> None:
    """A register: its items, each with history and its forms; Excel out and in."""
    now = today()
    items = _read(reg.label, lambda: registers.current(_url(), reg))
    if items is None:
        return
    editable = access.may_edit_registers(user.grants)
    names = _read("Namnen på de som ändrat", lambda: store.display_names(_url())) or {}
    _confirmation(reg)
    shown = shown_frame(registers.frame(_url(), reg, now), reg)
    # (a Python list, not a callback inside a polars expression: those deadlocked under load, README)
    shown = shown.with_columns(pl.Series("Ändrad av", [store.shown_user(u, names) if u else ""
                                                       for u in shown["Ändrad av"]], dtype=pl.String))
    st.dataframe(shown, hide_index=True, width="stretch")
    row = st.container(horizontal=True)  # wraps at tablet width instead of cutting the labels
    row.download_button(
        "Registret (Excel)", data=auth.checked_download(user, f"{reg.name}.xlsx",
                                                        lambda: registers.excel_bytes(_url(), reg, now)),
        file_name=f"{reg.name}.xlsx", key=f"xlsx-{reg.name}", on_click="ignore", icon=":material/table:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if not editable:
        return
    with row.popover("Importera Excel", icon=":material/upload_file:"):
        st.caption("Ladda upp registrets exportfil med dina ändringar. Rader med nyckel blir nya versioner, "
                   "rader utan nyckel nya poster; rader som redan stämmer med registret lämnas som de är, så "
                   "samma fil två gånger ändrar ingenting. Allt eller inget: ett fel stoppar hela filen. "
                   f"Högst {registers.EXCEL_MAX_BYTES // 1_000_000} MB och {fmt.number(registers.EXCEL_MAX_ROWS)} rader.")
        upload = st.file_uploader("Excelfil", type=["xlsx"], key=f"upload-{reg.name}",
                                  max_upload_size=registers.EXCEL_MAX_BYTES // 1_000_000)
        if upload is not None:
            st.button("Importera", key=f"import-{reg.name}", on_click=_import, args=(reg, user))
        _show_message(f"import-message-{reg.name}")
    with st.expander(f"Lägg till {reg.noun}"):
        item_form(reg, user)
    if not items:
        return
    labels = item_labels(items, reg)
    chosen = st.selectbox(f"Ändra, följ upp eller dra tillbaka en {reg.noun}", list(labels), index=None,
                          format_func=lambda k: labels[k], key=f"pick-{reg.name}", placeholder="Välj …")
    if chosen is None:
        return
    item = next(i for i in items if i.key == chosen)
    item_form(reg, user, item)
    with st.expander("Historik"):
        for v in _read("Historiken", lambda: registers.history(_url(), reg, chosen)) or []:
            who = fmt.literal(store.shown_user(v.changed_by, names) or "okänd")
            note = f" – {fmt.literal(v.change_note)}" if v.change_note else ""
            flag = " (tillbakadragen)" if v.withdrawn else ""
            st.markdown(f"**Version {v.version}**{flag}, {v.changed_at:%Y-%m-%d %H:%M}, {who}{note}")
    with st.form(f"withdraw-{reg.name}-{chosen}"):
        reason = st.text_input(registers.WITHDRAW_LABEL + " (den finns kvar i historiken)",
                               key=f"withdraw-reason-{chosen}")
        if st.form_submit_button("Dra tillbaka"):
            try:
                registers.withdraw(_url(), reg, chosen, user.id, reason, audit=auth.audit_line(user))
            except registers.RegisterError as exc:
                st.error(fmt.literal(str(exc)) + " Din text finns kvar.")
            except store.StoreUnavailable:
                st.error(SAVE_FAILED)
            else:
                confirm(reg, f"Tillbakadragen: {reg.noun} ”{labels[chosen]}”. Den finns kvar i historiken.")
                st.rerun()


def _import(reg: Register, user: auth.User) -> None:
    """The register's Excel import (the button's callback, run before the page): all or nothing,
    with its audit line in the same transaction; the outcome is shown on the page's next run."""
    upload = st.session_state.get(f"upload-{reg.name}")
    say = f"import-message-{reg.name}"
    if upload is None:
        return
    if not _may_edit(reg, user, say):
        return
    try:
        summary = registers.import_excel(_url(), reg, upload.getvalue(), upload.name, user.id,
                                         audit=auth.audit_line(user), goals=goals())
    except registers.RegisterError as exc:
        st.session_state[say] = ("error", "Inget importerades:\n" + "\n".join(f"- {fmt.literal(p)}"
                                                                               for p in exc.problems[:50]))
    except store.StoreUnavailable:
        st.session_state[say] = ("error", "Inget importerades: lagret svarar inte. Försök igen om en stund.")
    else:
        st.session_state[say] = ("success", f"Importerat: {summary.text()}.")


def marks(indicator: str | None = None, area: str | None = None, labels: dict[str, str] | None = None,
          goal_id: str | None = None) -> dict[str, list[str]]:
    """The annotations register's events for a trend over school years, keyed by the chart's own
    x labels (``labels``: school year -> label, e.g. '2026/27' -> '2026/27 t.o.m. oktober')."""
    try:
        events = registers.annotations_for(_url(), goal_id, indicator, area)
    except store.StoreUnavailable:  # the chart without its events; the page says the store is down
        log.warning("Händelserna kunde inte läsas till diagrammet: lagret svarar inte")
        events = []
    found = goal_text.school_year_marks(events)
    return {(labels or {}).get(k, k): v for k, v in found.items()}
