"""The follow-up loop's registers: actions on goals, council assignments, audit recommendations,
steering-group meetings and their decisions, and dated annotations on charts.

Every register keeps every version. An item is a ``key`` (stable across versions); saving writes
a new row with the next ``version``, who and when; withdrawing writes a version marked
``withdrawn`` (nothing is deleted). ``current`` gives the latest version of each item.

Each register is described once, in ``REGISTERS`` (fields with Swedish labels, kinds, choices
and which are required): the pages' forms, the Excel export and the Excel import with its
validation all read that description, so a file that validates is a file that saves.

What people type here is refused when it holds a personnummer (``data.privacy``; the message
names the field or the file's row and column); every write is committed together with its
audit line (``store.AuditLine``). The Excel import checks its limits from the zip directory and a
streamed count of the sheet's rows and columns before the workbook is parsed, and importing the
same workbook twice changes nothing.
"""

from __future__ import annotations

import dataclasses
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl
from sqlmodel import Field, Session, SQLModel, select

from data import formulas, personnummer, privacy, store, xlsx
from data.domain import numbers
from data.store import AuditLine

# Limits of the register import, checked before the workbook is parsed. A register's own export
# is a few kB per hundred items: these leave room for years of items and stop a hostile file
# (a zip bomb, a sheet of a million empty rows) before it costs memory.
EXCEL_MAX_BYTES = 5_000_000
EXCEL_MAX_UNPACKED = 25_000_000
EXCEL_MAX_ROWS = 5_000
EXCEL_MAX_COLUMNS = 40

# --- the tables --------------------------------------------------------------------------------


class Versioned(SQLModel):
    """Fields every register row has: the item's key, its version and who changed it when."""
    key: str = Field(index=True, max_length=40)
    version: int = Field(default=1)
    changed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    changed_by: str = Field(default="", max_length=200)
    change_note: str = Field(default="", max_length=400)
    withdrawn: bool = Field(default=False)
    demo: bool = Field(default=False)  # demo content, labelled as such


class Action(Versioned, table=True):
    """En åtgärd kopplad till ett mål."""
    __tablename__ = "reg_action"
    id: int | None = Field(default=None, primary_key=True)
    goal_id: str = Field(max_length=100, index=True)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    committee: str = Field(default="", max_length=40)
    unit: str = Field(default="", max_length=200)
    owner: str = Field(default="", max_length=200)
    start: date | None = None
    due: date | None = None
    status: str = Field(default="planerad", max_length=20)
    comment: str = Field(default="", max_length=2000)
    comment_date: date | None = None


class Assignment(Versioned, table=True):
    """Ett uppdrag från kommunfullmäktige (eller annat beslutande organ)."""
    __tablename__ = "reg_assignment"
    id: int | None = Field(default=None, primary_key=True)
    body: str = Field(default="Kommunfullmäktige", max_length=200)
    decided: date | None = None
    paragraph: str = Field(default="", max_length=40)
    case_number: str = Field(default="", max_length=60)
    title: str = Field(max_length=300)
    text: str = Field(default="", max_length=4000)
    responsible: str = Field(default="", max_length=40)
    partners: str = Field(default="", max_length=200)
    report_due: date | None = None
    status: str = Field(default="pågår", max_length=20)
    reported: date | None = None
    goals: str = Field(default="", max_length=400)  # goal ids, comma separated
    actions: str = Field(default="", max_length=400)  # action keys, comma separated
    source: str = Field(default="", max_length=400)


class Recommendation(Versioned, table=True):
    """En rekommendation från revisionen och nämndens svar."""
    __tablename__ = "reg_recommendation"
    id: int | None = Field(default=None, primary_key=True)
    audit_title: str = Field(max_length=300)
    auditor: str = Field(default="", max_length=200)
    audit_date: date | None = None
    text: str = Field(max_length=4000)
    addressed_to: str = Field(default="", max_length=200)
    response_due: date | None = None
    response: str = Field(default="", max_length=4000)
    response_date: date | None = None
    actions: str = Field(default="", max_length=400)
    status: str = Field(default="ej besvarad", max_length=20)
    source: str = Field(default="", max_length=400)


class Meeting(Versioned, table=True):
    """Ett styrgruppsmöte."""
    __tablename__ = "reg_meeting"
    id: int | None = Field(default=None, primary_key=True)
    held: date
    attendees: str = Field(default="", max_length=1000)  # roles, not names of children
    agenda: str = Field(default="", max_length=4000)


class Decision(Versioned, table=True):
    """Ett beslut i styrgruppen, med ansvarig, datum och uppföljning."""
    __tablename__ = "reg_decision"
    id: int | None = Field(default=None, primary_key=True)
    meeting: date | None = None  # the meeting's date
    text: str = Field(max_length=2000)
    owner: str = Field(default="", max_length=200)
    due: date | None = None
    status: str = Field(default="öppet", max_length=20)
    follow_up: str = Field(default="", max_length=2000)


class Annotation(Versioned, table=True):
    """En daterad händelse som ritas på diagrammen (t.ex. 'Skolsociala team startar i Norr')."""
    __tablename__ = "reg_annotation"
    id: int | None = Field(default=None, primary_key=True)
    on: date
    text: str = Field(max_length=200)
    goal_id: str = Field(default="", max_length=100)
    indicator: str = Field(default="", max_length=100)
    area: str = Field(default="", max_length=100)


# --- the description every form, export and import reads ---------------------------------------

@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # Swedish column heading (the Excel file's)
    kind: str = "text"  # text | long | date | choice | goal (one goal id) | goals (ids, comma separated)
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    form_label: str = ""  # the form's label when it differs from the column's ('Mål' for 'Mål (id)')


@dataclass(frozen=True)
class Register:
    name: str  # url-safe id
    label: str  # Swedish, plural
    noun: str  # Swedish, singular
    model: type[Versioned]
    fields: tuple[FieldSpec, ...]
    title_field: str  # what names an item in lists
    due_field: str | None  # the date an item is due
    done: tuple[str, ...] = ()  # statuses that end an item (nothing is due any more)
    owner_field: str = ""


ACTION_STATUSES = ("planerad", "pågår", "klar", "försenad", "avbruten")
REGISTERS: dict[str, Register] = {r.name: r for r in (
    Register("atgarder", "Åtgärder", "åtgärd", Action, (
        FieldSpec("goal_id", "Mål (id)", "goal", required=True, form_label="Mål",
                  help="Målet som åtgärden ska påverka; åtgärden visas på målets kort."),
        FieldSpec("title", "Åtgärd", required=True),
        FieldSpec("description", "Beskrivning", "long"),
        FieldSpec("committee", "Ansvarig nämnd"),
        FieldSpec("unit", "Ansvarig enhet"),
        FieldSpec("owner", "Ansvarig (roll eller namn)"),
        FieldSpec("start", "Start", "date"),
        FieldSpec("due", "Klart senast", "date"),
        FieldSpec("status", "Status", "choice", True, ACTION_STATUSES),
        FieldSpec("comment", "Senaste kommentar", "long"),
        FieldSpec("comment_date", "Kommentar, datum", "date"),
    ), "title", "due", ("klar", "avbruten"), "owner"),
    Register("uppdrag", "Uppdrag", "uppdrag", Assignment, (
        FieldSpec("body", "Beslutande organ", required=True),
        FieldSpec("decided", "Beslutsdatum", "date"),
        FieldSpec("paragraph", "Paragraf (§)"),
        FieldSpec("case_number", "Diarienummer"),
        FieldSpec("title", "Uppdrag", required=True),
        FieldSpec("text", "Uppdragets lydelse", "long"),
        FieldSpec("responsible", "Ansvarig nämnd", required=True),
        FieldSpec("partners", "Samverkande nämnder"),
        FieldSpec("report_due", "Återrapportering senast", "date"),
        FieldSpec("status", "Status", "choice", True, ("pågår", "återrapporterat", "avslutat")),
        FieldSpec("reported", "Återrapporterat, datum", "date"),
        FieldSpec("goals", "Kopplade mål (id, kommaseparerade)", "goals", form_label="Kopplade mål"),
        FieldSpec("actions", "Kopplade åtgärder (nycklar)"),
        FieldSpec("source", "Källa"),
    ), "title", "report_due", ("återrapporterat", "avslutat"), "responsible"),
    Register("rekommendationer", "Revisionens rekommendationer", "rekommendation", Recommendation, (
        FieldSpec("audit_title", "Granskning", required=True),
        FieldSpec("auditor", "Revisor"),
        FieldSpec("audit_date", "Granskningens datum", "date"),
        FieldSpec("text", "Rekommendation", "long", True),
        FieldSpec("addressed_to", "Till nämnd", required=True),
        FieldSpec("response_due", "Yttrande senast", "date"),
        FieldSpec("response", "Nämndens yttrande", "long"),
        FieldSpec("response_date", "Yttrande, datum", "date"),
        FieldSpec("actions", "Kopplade åtgärder (nycklar)"),
        FieldSpec("status", "Status vid uppföljning", "choice", True,
                  ("ej besvarad", "besvarad", "åtgärdad", "delvis åtgärdad", "ej åtgärdad")),
        FieldSpec("source", "Källa"),
    ), "text", "response_due", ("besvarad", "åtgärdad", "delvis åtgärdad", "ej åtgärdad"), "addressed_to"),
    Register("moten", "Styrgruppsmöten", "möte", Meeting, (
        FieldSpec("held", "Datum", "date", True),
        FieldSpec("attendees", "Närvarande (roller)"),
        FieldSpec("agenda", "Dagordning", "long"),
    ), "held", None),
    Register("beslut", "Styrgruppens beslut", "beslut", Decision, (
        FieldSpec("meeting", "Mötets datum", "date", True),
        FieldSpec("text", "Beslut", "long", True),
        FieldSpec("owner", "Ansvarig"),
        FieldSpec("due", "Klart senast", "date"),
        FieldSpec("status", "Status", "choice", True, ("öppet", "genomfört", "avbrutet")),
        FieldSpec("follow_up", "Uppföljning", "long"),
    ), "text", "due", ("genomfört", "avbrutet"), "owner"),
    Register("handelser", "Händelser i diagrammen", "händelse", Annotation, (
        FieldSpec("on", "Datum", "date", True),
        FieldSpec("text", "Händelse", required=True, help="Kort: den ritas i diagrammen."),
        FieldSpec("goal_id", "Mål (id)", "goal", form_label="Mål"),
        FieldSpec("indicator", "Indikator"),
        FieldSpec("area", "Område"),
    ), "text", None),
)}


class RegisterError(ValueError):
    """Items that cannot be saved; the message (Swedish) names every problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _parse_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def clean(reg: Register, values: dict, where: str = "", goals: dict[str, str] | None = None) -> tuple[dict, list[str]]:
    """Values checked and converted against the register's fields; the problems (Swedish),
    each naming ``where`` (e.g. 'rad 3') and the column, or without ``where`` (a form) the field.
    What is quoted back is masked: a date field can hold a personnummer too. ``goals`` (goal id ->
    title, from the goal file): a goal field must name one of them, else it could never appear on a
    goal card; None leaves goal ids unchecked."""
    out, problems = {}, []
    prefix = f"{where}, kolumn" if where else "fältet"
    for f in reg.fields:
        raw = values.get(f.name)
        text = "" if raw is None else (raw if isinstance(raw, date) else str(raw).strip())
        shown = privacy.masked(text) if isinstance(text, str) else text
        if f.required and text == "":
            problems.append(f"{prefix} '{f.label}': saknas (obligatorisk).")
            continue
        if f.kind in ("goal", "goals") and goals is not None and text:
            ids = [t.strip() for t in text.split(",") if t.strip()] if f.kind == "goals" else [text]
            unknown = [i for i in ids if i not in goals]
            if unknown:
                known = "; ".join(f"{k} ({v})" for k, v in goals.items())
                problems.append(f"{prefix} '{f.label}': {', '.join(repr(u) for u in unknown)} är inget mål i "
                                f"målfilen; ange ett av: {known}.")
            text = ", ".join(ids) if f.kind == "goals" else text
        if f.kind == "date":
            try:
                out[f.name] = _parse_date(text)
            except ValueError:
                problems.append(f"{prefix} '{f.label}': '{shown}' är inget datum; skriv ÅÅÅÅ-MM-DD.")
        elif f.kind == "choice":
            if text and text not in f.choices:
                problems.append(f"{prefix} '{f.label}': '{shown}' är inte tillåtet; välj {', '.join(f.choices)}.")
            out[f.name] = text or f.choices[0]
        else:
            limit = reg.model.model_fields[f.name].metadata
            max_len = next((m.max_length for m in limit if getattr(m, "max_length", None)), None)
            if max_len and len(text) > max_len:
                problems.append(f"{prefix} '{f.label}': för lång text ({len(text)} tecken, högst {max_len}).")
            elif personnummer.find(text):
                problems.append(f"{prefix} '{f.label}': innehåller ett personnummer (eller ett nummer som kan "
                                "vara ett). Personnummer sparas aldrig i Samverkan: ta bort numret.")
            out[f.name] = text
    return out, problems


# --- reading and writing -----------------------------------------------------------------------

def _latest(session: Session, model, key: str):
    return session.exec(select(model).where(model.key == key).order_by(model.version.desc())).first()


def _new_key() -> str:
    """12 hex digits for a new item; never a run of digits the personnummer finder would take for
    a number (the store refuses any text that looks like one)."""
    while True:
        key = uuid.uuid4().hex[:12]
        if not personnummer.find(key):
            return key


def _audit(audit: AuditLine | None, detail: str) -> list:
    """The write's audit line with its detail filled in, as a row to add (none without ``audit``)."""
    if audit is None:
        return []
    return [dataclasses.replace(audit, detail=audit.detail or detail).event()]


def save(url: str, reg: Register, values: dict, user: str, key: str | None = None, note: str = "",
         demo: bool = False, audit: AuditLine | None = None, goals: dict[str, str] | None = None) -> Versioned:
    """A new item (``key`` None) or a new version of one, committed with its ``audit`` line.
    Raises RegisterError (Swedish, naming each field), store.StoreUnavailable. ``goals``: the goal
    file's goals (id -> title) that goal fields are checked against (see ``clean``)."""
    data, problems = clean(reg, values, goals=goals)
    if (refused := privacy.typed_problem(CHANGE_NOTE_LABEL, note)) is not None:
        problems.append(refused)
    if problems:
        raise RegisterError(problems)
    with store.session(url) as session:
        version = 1
        if key is not None:
            last = _latest(session, reg.model, key)
            if last is None:
                raise RegisterError([f"Det finns ingen {reg.noun} med nyckeln {key}."])
            version = last.version + 1
        row = reg.model(**data, key=key or _new_key(), version=version, changed_by=store.stored_user(user)[:200],
                        change_note=note[:400], demo=demo)
        session.add(row)
        session.add_all(_audit(audit, f"{reg.noun}: {row.key} v{version}"))
        session.commit()
        session.refresh(row)
        return row


# The labels of the forms' own fields (besides the register's): refusals name them.
CHANGE_NOTE_LABEL = "Vad ändras och varför"
WITHDRAW_LABEL = "Varför dras posten tillbaka?"


def withdraw(url: str, reg: Register, key: str, user: str, reason: str, audit: AuditLine | None = None) -> Versioned:
    """Withdraw an item: a new version marked withdrawn, with the reason (kept, never deleted),
    committed with its ``audit`` line."""
    if not reason.strip():
        raise RegisterError(["Ange varför posten dras tillbaka."])
    if (refused := privacy.typed_problem(WITHDRAW_LABEL, reason)) is not None:
        raise RegisterError([refused])
    with store.session(url) as session:
        last = _latest(session, reg.model, key)
        if last is None:
            raise RegisterError([f"Det finns ingen {reg.noun} med nyckeln {key}."])
        data = last.model_dump(exclude={"id", "version", "changed_at", "changed_by", "change_note", "withdrawn"})
        row = reg.model(**data, version=last.version + 1, changed_by=store.stored_user(user)[:200],
                        change_note=reason[:400], withdrawn=True)
        session.add(row)
        session.add_all(_audit(audit, f"{reg.noun}: {key} tillbakadragen"))
        session.commit()
        session.refresh(row)
        return row


def current(url: str, reg: Register, include_withdrawn: bool = False) -> list:
    """The latest version of every item, oldest item first."""
    with store.session(url) as session:
        rows = session.exec(select(reg.model).order_by(reg.model.key, reg.model.version)).all()
    latest = {}
    for r in rows:
        latest[r.key] = r
    items = [r for r in latest.values() if include_withdrawn or not r.withdrawn]
    first_seen = {}
    for r in rows:
        first_seen.setdefault(r.key, r.changed_at)
    return sorted(items, key=lambda r: (first_seen[r.key], r.key))


def history(url: str, reg: Register, key: str) -> list:
    """Every version of an item, newest first."""
    with store.session(url) as session:
        return list(session.exec(select(reg.model).where(reg.model.key == key)
                                 .order_by(reg.model.version.desc())).all())


# --- what is due -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    register: str  # Swedish label of the register
    title: str
    owner: str
    due: date
    status: str
    overdue: bool  # past its date, not done

    def days(self, today: date) -> int:
        return (self.due - today).days


def status_of(reg: Register, item, today: date) -> str:
    """An action past its due date and not done reads 'försenad' whatever its stored status."""
    status = getattr(item, "status", "")
    due = getattr(item, reg.due_field) if reg.due_field else None
    if reg.name == "atgarder" and due is not None and due < today and status not in reg.done:
        return "försenad"
    return status


def due_items(url: str, today: date, until: date | None = None) -> list[Due]:
    """Every open item whose date has passed (overdue) or falls on or before ``until`` (e.g. the
    next steering-group meeting), across all registers, the most overdue first."""
    out = []
    for reg in REGISTERS.values():
        if reg.due_field is None:
            continue
        for item in current(url, reg):
            due = getattr(item, reg.due_field)
            if due is None or getattr(item, "status", "") in reg.done:
                continue
            if reg.name == "rekommendationer" and item.response_date is not None:
                continue
            if due < today or (until is not None and due <= until):
                title = str(getattr(item, reg.title_field))
                out.append(Due(register=reg.noun.capitalize(), title=title if len(title) <= 140 else title[:137] + "…",
                               owner=str(getattr(item, reg.owner_field, "") or ""), due=due,
                               status=status_of(reg, item, today), overdue=due < today))
    return sorted(out, key=lambda d: d.due)


def next_meeting(url: str, today: date) -> date | None:
    """The next steering-group meeting after today (None: none planned)."""
    dates = [m.held for m in current(url, REGISTERS["moten"]) if m.held > today]
    return min(dates) if dates else None


# --- Excel out and in ----------------------------------------------------------------------------

def frame(url: str, reg: Register, today: date | None = None) -> pl.DataFrame:
    """The register as a table with Swedish headings (the current version of each item), its key
    first so an edited file can be imported back as new versions."""
    items = current(url, reg)
    data = {"Nyckel": [i.key for i in items]}
    for f in reg.fields:
        values = [getattr(i, f.name) for i in items]
        if f.name == "status" and today is not None:
            values = [status_of(reg, i, today) for i in items]
        data[f.label] = values
    data["Version"] = [i.version for i in items]
    data["Ändrad"] = [i.changed_at.strftime("%Y-%m-%d %H:%M") for i in items]
    data["Ändrad av"] = [i.changed_by for i in items]
    data["Demodata"] = ["ja" if i.demo else "" for i in items]
    schema = {f.label: (pl.Date if f.kind == "date" else pl.String) for f in reg.fields}
    return pl.DataFrame(data, schema={"Nyckel": pl.String, **schema, "Version": pl.Int64, "Ändrad": pl.String,
                                      "Ändrad av": pl.String, "Demodata": pl.String})


def excel_bytes(url: str, reg: Register, today: date | None = None) -> bytes:
    import xlsxwriter

    df = formulas.neutralise(frame(url, reg, today))
    buf = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(buf, options) as wb:
        df.write_excel(wb, worksheet=reg.label[:31], dtype_formats={pl.Date: "yyyy-mm-dd"}, autofit=True)
    return buf.getvalue()


@dataclass(frozen=True)
class ImportSummary:
    """What a register import did: new items, new versions, and rows equal to what is stored."""
    new: int = 0
    versions: int = 0
    unchanged: int = 0

    @property
    def saved(self) -> int:
        return self.new + self.versions

    def text(self) -> str:
        """'2 nya poster, 1 ny version, 3 rader oförändrade'."""
        def n(k: int, one: str, many: str) -> str:
            return f"{k} {one if k == 1 else many}"
        return (f"{n(self.new, 'ny post', 'nya poster')}, {n(self.versions, 'ny version', 'nya versioner')}, "
                f"{n(self.unchanged, 'rad oförändrad', 'rader oförändrade')}")


def _number(x: float) -> str:
    """Swedish: '1 234', '5,2'. Whole numbers from 10 up, one decimal below."""
    return numbers.integer(x) if x >= 10 else numbers.decimal(x, 1)


def _workbook_limits(data: bytes, file_name: str) -> list[str]:
    """The import's limits, from the zip directory and a streamed count of the first sheet's rows
    and columns: nothing is parsed or held unpacked before they pass."""
    mb = 1_000_000
    if len(data) > EXCEL_MAX_BYTES:
        return [f"{file_name}: filen är {_number(len(data) / mb)} MB; ett register tas emot upp till "
                f"{EXCEL_MAX_BYTES // mb} MB."]
    d = xlsx.directory(data)
    if d is None:
        return [f"{file_name}: filen kan inte läsas som Excel (.xlsx)."]
    problems = []
    if d.unpacked > EXCEL_MAX_UNPACKED:
        problems.append(f"{file_name}: Excelfilen packas upp till {_number(d.unpacked / mb)} MB; högst "
                        f"{EXCEL_MAX_UNPACKED // mb} MB godtas för ett register.")
    if d.worst_ratio > xlsx.MAX_RATIO:
        problems.append(f"{file_name}: en del av Excelfilen är komprimerad {_number(d.worst_ratio)} gånger (högst "
                        f"{xlsx.MAX_RATIO}); filen kan vara en så kallad zip-bomb och läses inte.")
    if problems:
        return problems
    try:
        size = xlsx.first_sheet_size(data)
    except Exception:  # noqa: BLE001 - a damaged part reads as the same plain message
        return [f"{file_name}: filen kan inte läsas som Excel (.xlsx)."]
    if size is None:
        return [f"{file_name}: filen kan inte läsas som Excel (.xlsx): den har inget kalkylblad."]
    rows, cols = size
    if rows > EXCEL_MAX_ROWS + 1:  # + the heading
        problems.append(f"{file_name}: bladet har {_number(rows - 1)} rader; högst {_number(EXCEL_MAX_ROWS)} godtas.")
    if cols > EXCEL_MAX_COLUMNS:
        problems.append(f"{file_name}: bladet har {_number(cols)} kolumner; högst {EXCEL_MAX_COLUMNS} godtas.")
    return problems


def _signature(reg: Register, values: dict) -> tuple:
    """An item's fields as one comparable value ('' and None alike)."""
    return tuple(None if values.get(f.name) in (None, "") else values.get(f.name) for f in reg.fields)


def _signatures(reg: Register, item, today: date) -> set[tuple]:
    """What a row equal to a stored version looks like: its fields, and its fields with the status
    as the export shows it (an overdue action reads 'försenad', which is no change)."""
    values = {f.name: getattr(item, f.name) for f in reg.fields}
    out = {_signature(reg, values)}
    if "status" in values:
        out.add(_signature(reg, {**values, "status": status_of(reg, item, today)}))
    return out


def import_excel(url: str, reg: Register, data: bytes, file_name: str, user: str,
                 audit: AuditLine | None = None, today: date | None = None,
                 goals: dict[str, str] | None = None) -> ImportSummary:
    """Import an edited register file: its limits checked before it is parsed, every row
    validated, then all saved in one transaction with the ``audit`` line, or none (RegisterError
    naming file, row and column). A row with a 'Nyckel' is a new version of that item, a row
    without one a new item; a row equal to what is stored (or to an earlier row of the file) is
    left as it is, so the same workbook twice changes nothing. ``goals``: as for ``clean``."""
    file_name = privacy.masked(file_name)  # shown in messages and kept in the change note
    today = today or date.today()
    refused = _workbook_limits(data, file_name)
    if refused:
        raise RegisterError(refused)
    try:
        df = pl.read_excel(io.BytesIO(data), sheet_id=1, infer_schema_length=0)
    except Exception:  # noqa: BLE001 - any unreadable file gets the same plain message
        raise RegisterError([f"{file_name}: filen kan inte läsas som Excel (.xlsx)."]) from None
    by_label = {f.label: f for f in reg.fields}
    missing = [f.label for f in reg.fields if f.required and f.label not in df.columns]
    if missing:
        raise RegisterError([f"{file_name}: kolumnen '{m}' saknas (se registrets export för kolumnerna)."
                             for m in missing])
    rows, problems = [], []
    current_items = current(url, reg)
    with store.session(url) as session:
        for i, raw in enumerate(df.iter_rows(named=True), start=2):  # row 1 is the heading
            values = {by_label[c].name: v for c, v in raw.items() if c in by_label}
            if all(v in (None, "") for v in values.values()):
                continue
            cleaned, found = clean(reg, values, f"{file_name}, rad {i}", goals)
            key = (raw.get("Nyckel") or "").strip() or None
            last = _latest(session, reg.model, key) if key else None
            if key and last is None:
                found.append(f"{file_name}, rad {i}, kolumn 'Nyckel': okänd nyckel '{privacy.masked(key)}'.")
            problems.extend(found)
            rows.append((cleaned, key, last))
        if problems:
            raise RegisterError(problems)
        # what is stored, and what this file adds, as signatures: a row equal to either is no change
        seen = set().union(*(_signatures(reg, item, today) for item in current_items))
        new = versions = unchanged = 0
        for cleaned, key, last in rows:
            signature = _signature(reg, cleaned)
            if signature in (_signatures(reg, last, today) if last is not None else seen):
                unchanged += 1
                continue
            seen.add(signature)
            new, versions = (new, versions + 1) if last else (new + 1, versions)
            session.add(reg.model(**cleaned, key=key or _new_key(),
                                  version=(last.version + 1) if last else 1, changed_by=store.stored_user(user)[:200],
                                  change_note=f"import: {file_name}"[:400], demo=bool(last and last.demo)))
        summary = ImportSummary(new, versions, unchanged)
        if summary.saved:
            session.add_all(_audit(audit, f"{reg.noun}: import av {file_name}, {summary.text()}"))
        session.commit()
    return summary


def annotations_for(url: str, goal_id: str | None = None, indicator: str | None = None,
                    area: str | None = None) -> list[Annotation]:
    """Annotations to draw on a chart: those linked to the goal, the indicator or the area, and
    those linked to none of them (they concern everything)."""
    out = []
    for a in current(url, REGISTERS["handelser"]):
        linked = [x for x in (a.goal_id, a.indicator, a.area) if x]
        if not linked or (goal_id and a.goal_id == goal_id) or (indicator and a.indicator == indicator) \
                or (area and a.area == area):
            out.append(a)
    return out

