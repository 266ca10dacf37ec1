"""The follow-up loop's registers: actions on goals, council assignments, audit recommendations,
steering-group meetings and their decisions, and dated annotations on charts.

Every register keeps every version. An item is a ``key`` (stable across versions); saving writes
a new row with the next ``version``, who and when; withdrawing writes a version marked
``withdrawn`` (nothing is deleted). ``current`` gives the latest version of each item.

Each register is described once, in ``REGISTERS`` (fields with Swedish labels, kinds, choices
and which are required): the pages' forms, the Excel export and the Excel import with its
validation all read that description, so a file that validates is a file that saves.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl
from sqlmodel import Field, Session, SQLModel, select

from data import formulas
from data.store import engine

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
    each naming ``where`` (e.g. 'rad 3') and the column. ``goals`` (goal id -> title, from the
    goal file): a goal field must name one of them, else it could never appear on a goal card;
    None leaves goal ids unchecked."""
    out, problems = {}, []
    prefix = f"{where}, " if where else ""
    for f in reg.fields:
        raw = values.get(f.name)
        text = "" if raw is None else (raw if isinstance(raw, date) else str(raw).strip())
        if f.required and text == "":
            problems.append(f"{prefix}kolumn '{f.label}': saknas (obligatorisk).")
            continue
        if f.kind in ("goal", "goals") and goals is not None and text:
            ids = [t.strip() for t in text.split(",") if t.strip()] if f.kind == "goals" else [text]
            unknown = [i for i in ids if i not in goals]
            if unknown:
                known = "; ".join(f"{k} ({v})" for k, v in goals.items())
                problems.append(f"{prefix}kolumn '{f.label}': {', '.join(repr(u) for u in unknown)} är inget mål i "
                                f"målfilen; ange ett av: {known}.")
            text = ", ".join(ids) if f.kind == "goals" else text
        if f.kind == "date":
            try:
                out[f.name] = _parse_date(text)
            except ValueError:
                problems.append(f"{prefix}kolumn '{f.label}': '{text}' är inget datum; skriv ÅÅÅÅ-MM-DD.")
        elif f.kind == "choice":
            if text and text not in f.choices:
                problems.append(f"{prefix}kolumn '{f.label}': '{text}' är inte tillåtet; välj {', '.join(f.choices)}.")
            out[f.name] = text or f.choices[0]
        else:
            limit = reg.model.model_fields[f.name].metadata
            max_len = next((m.max_length for m in limit if getattr(m, "max_length", None)), None)
            if max_len and len(text) > max_len:
                problems.append(f"{prefix}kolumn '{f.label}': för lång text ({len(text)} tecken, högst {max_len}).")
            out[f.name] = text
    return out, problems


# --- reading and writing -----------------------------------------------------------------------

def _latest(session: Session, model, key: str):
    return session.exec(select(model).where(model.key == key).order_by(model.version.desc())).first()


def save(url: str, reg: Register, values: dict, user: str, key: str | None = None, note: str = "",
         demo: bool = False, goals: dict[str, str] | None = None) -> Versioned:
    """A new item (``key`` None) or a new version of one; raises RegisterError. ``goals``: the
    goal file's goals (id -> title) that goal fields are checked against (see ``clean``)."""
    data, problems = clean(reg, values, goals=goals)
    if problems:
        raise RegisterError(problems)
    with Session(engine(url)) as session:
        version = 1
        if key is not None:
            last = _latest(session, reg.model, key)
            if last is None:
                raise RegisterError([f"Det finns ingen {reg.noun} med nyckeln {key}."])
            version = last.version + 1
        row = reg.model(**data, key=key or uuid.uuid4().hex[:12], version=version, changed_by=user[:200],
                        change_note=note[:400], demo=demo)
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def withdraw(url: str, reg: Register, key: str, user: str, reason: str) -> Versioned:
    """Withdraw an item: a new version marked withdrawn, with the reason (kept, never deleted)."""
    if not reason.strip():
        raise RegisterError(["Ange varför posten dras tillbaka."])
    with Session(engine(url)) as session:
        last = _latest(session, reg.model, key)
        if last is None:
            raise RegisterError([f"Det finns ingen {reg.noun} med nyckeln {key}."])
        data = last.model_dump(exclude={"id", "version", "changed_at", "changed_by", "change_note", "withdrawn"})
        row = reg.model(**data, version=last.version + 1, changed_by=user[:200], change_note=reason[:400],
                        withdrawn=True)
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def current(url: str, reg: Register, include_withdrawn: bool = False) -> list:
    """The latest version of every item, oldest item first."""
    with Session(engine(url)) as session:
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
    with Session(engine(url)) as session:
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


def import_excel(url: str, reg: Register, data: bytes, file_name: str, user: str,
                 goals: dict[str, str] | None = None) -> int:
    """Import an edited register file: every row validated first, then all saved in one
    transaction or none (RegisterError naming file, row and column). A row with a 'Nyckel' is a
    new version of that item; a row without one is a new item. Returns the rows saved.
    ``goals``: as for ``clean``."""
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
    with Session(engine(url)) as session:
        for i, raw in enumerate(df.iter_rows(named=True), start=2):  # row 1 is the heading
            values = {by_label[c].name: v for c, v in raw.items() if c in by_label}
            if all(v in (None, "") for v in values.values()):
                continue
            cleaned, found = clean(reg, values, f"{file_name}, rad {i}", goals)
            key = (raw.get("Nyckel") or "").strip() or None
            last = _latest(session, reg.model, key) if key else None
            if key and last is None:
                found.append(f"{file_name}, rad {i}, kolumn 'Nyckel': okänd nyckel '{key}'.")
            problems.extend(found)
            rows.append((cleaned, key, last))
        if problems:
            raise RegisterError(problems)
        for cleaned, key, last in rows:
            session.add(reg.model(**cleaned, key=key or uuid.uuid4().hex[:12],
                                  version=(last.version + 1) if last else 1, changed_by=user[:200],
                                  change_note=f"import: {file_name}"[:400], demo=bool(last and last.demo)))
        session.commit()
    return len(rows)


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

