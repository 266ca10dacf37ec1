"""The follow-up registers on SQLite and on a real PostgreSQL server: round trips with every
version kept, withdrawal without deletion, what is overdue on fixed dates, the Excel round trip
and its all-or-nothing import, and the migration of a store made before the registers existed."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy

from data import registers, store
from data.registers import REGISTERS

# One filled-in item per register (Swedish texts as a committee would write them).
EXAMPLES = {
    "atgarder": {"goal_id": "bun-hog-franvaro", "title": "Närvaroteam i årskurs 7–9", "committee": "BUN",
                 "unit": "Elevhälsan", "owner": "Verksamhetschef elevhälsa", "start": "2025-08-15",
                 "due": "2026-06-30", "status": "pågår", "comment": "Startat på fyra skolor.",
                 "comment_date": "2025-10-01"},
    "uppdrag": {"body": "Kommunfullmäktige", "decided": "2023-06-14", "paragraph": "§ 99", "case_number": "KS 2023/123",
                "title": "Inrättande av skolsociala team", "text": "Etablera skolsociala team i stadens skolor.",
                "responsible": "SN", "partners": "BUN", "report_due": "2026-06-30", "status": "pågår",
                "goals": "sn-hog-franvaro-insats", "source": "Revisionsrapport 2025"},
    "rekommendationer": {"audit_title": "Samverkan kring barn och unga", "auditor": "Stadsrevisionen",
                         "audit_date": "2025-03-01", "text": "Stärka uppföljning och analys av åtgärder.",
                         "addressed_to": "BUN och SN", "response_due": "2025-06-15", "status": "ej besvarad"},
    "moten": {"held": "2026-10-20", "attendees": "Förvaltningschefer BUN och SN, controller",
              "agenda": "Månadsuppföljning oktober"},
    "beslut": {"meeting": "2026-10-20", "text": "Förvaltningarna tar fram en gemensam närvarorutin.",
               "owner": "Förvaltningschef BUN", "due": "2026-12-15", "status": "öppet"},
    "handelser": {"on": "2024-08-19", "text": "Skolsociala team startar i område Norr", "goal_id": "sn-hog-franvaro-insats",
                  "area": "Norr"},
}


def test_every_register_round_trips_and_keeps_every_version(store_url):
    for name, reg in REGISTERS.items():
        first = registers.save(store_url, reg, EXAMPLES[name], user="anna@kommun.se")
        got = registers.current(store_url, reg)
        assert [g.key for g in got] == [first.key]
        for f in reg.fields:  # every field back as written (dates as dates)
            written = EXAMPLES[name].get(f.name)
            value = getattr(got[0], f.name)
            expected = (date.fromisoformat(written) if f.kind == "date" and written else
                        (written or (f.choices[0] if f.kind == "choice" else "")) if f.kind != "date" else None)
            assert value == expected, (name, f.name)
        changed = {**EXAMPLES[name], reg.title_field: "Ändrad " + str(EXAMPLES[name][reg.title_field])} \
            if reg.fields[[f.name for f in reg.fields].index(reg.title_field)].kind != "date" else EXAMPLES[name]
        registers.save(store_url, reg, changed, user="bo@kommun.se", key=first.key, note="rättelse")
        versions = registers.history(store_url, reg, first.key)
        assert [(v.version, v.changed_by) for v in versions] == [(2, "bo@kommun.se"), (1, "anna@kommun.se")]
        assert versions[0].change_note == "rättelse"
        assert len(registers.current(store_url, reg)) == 1  # one item, two versions


def test_withdrawing_keeps_the_record(store_url):
    reg = REGISTERS["atgarder"]
    item = registers.save(store_url, reg, EXAMPLES["atgarder"], user="anna")
    with pytest.raises(registers.RegisterError, match="varför"):
        registers.withdraw(store_url, reg, item.key, "anna", "  ")
    registers.withdraw(store_url, reg, item.key, "chef", "Ersatt av en gemensam åtgärd")
    assert registers.current(store_url, reg) == []
    kept = registers.current(store_url, reg, include_withdrawn=True)
    assert kept[0].withdrawn and kept[0].title == EXAMPLES["atgarder"]["title"] and kept[0].version == 2
    assert [v.withdrawn for v in registers.history(store_url, reg, item.key)] == [True, False]


def test_what_is_overdue_or_due_before_the_next_meeting(store_url):
    today = date(2026, 11, 23)
    save = registers.save
    a = REGISTERS["atgarder"]
    save(store_url, a, {**EXAMPLES["atgarder"], "title": "Försenad", "due": "2026-11-01", "status": "pågår"}, "u")
    save(store_url, a, {**EXAMPLES["atgarder"], "title": "Klar i tid", "due": "2026-11-01", "status": "klar"}, "u")
    save(store_url, a, {**EXAMPLES["atgarder"], "title": "Snart", "due": "2026-12-01", "status": "planerad"}, "u")
    save(store_url, a, {**EXAMPLES["atgarder"], "title": "Senare", "due": "2027-03-01", "status": "planerad"}, "u")
    r = REGISTERS["rekommendationer"]
    save(store_url, r, {**EXAMPLES["rekommendationer"], "text": "Obesvarad", "response_due": "2026-10-15"}, "u")
    save(store_url, r, {**EXAMPLES["rekommendationer"], "text": "Besvarad", "response_due": "2026-10-15",
                        "response": "Yttrande", "response_date": "2026-10-10", "status": "besvarad"}, "u")
    save(store_url, REGISTERS["beslut"], {**EXAMPLES["beslut"], "text": "Öppet beslut", "due": "2026-12-10"}, "u")
    save(store_url, REGISTERS["moten"], {**EXAMPLES["moten"], "held": "2026-12-08"}, "u")
    save(store_url, REGISTERS["moten"], {**EXAMPLES["moten"], "held": "2026-11-10"}, "u")  # already held
    nxt = registers.next_meeting(store_url, today)
    assert nxt == date(2026, 12, 8)
    due = registers.due_items(store_url, today, nxt)
    # by hand: overdue = Obesvarad (15 Oct), Försenad (1 Nov); due by 8 Dec = Snart (1 Dec);
    # not: Klar i tid (done), Senare (March), Besvarad (answered), the decision (10 Dec > 8 Dec)
    assert [(d.title, d.overdue) for d in due] == [("Obesvarad", True), ("Försenad", True), ("Snart", False)]
    assert due[1].status == "försenad" and due[1].days(today) == -22
    assert [d.title for d in registers.due_items(store_url, today, date(2026, 12, 10))][-1] == "Öppet beslut"


def test_the_excel_round_trip_and_an_all_or_nothing_import(store_url):
    reg = REGISTERS["atgarder"]
    item = registers.save(store_url, reg, EXAMPLES["atgarder"], user="anna")
    data = registers.excel_bytes(store_url, reg, today=date(2026, 11, 23))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    heads = [c.value for c in ws[1]]
    assert heads[:3] == ["Nyckel", "Mål (id)", "Åtgärd"] and ws.cell(2, 1).value == item.key
    # an analyst edits the status and adds a row, then imports the file back
    ws.cell(2, heads.index("Status") + 1).value = "klar"
    ws.append([None, "sn-hog-franvaro-insats", "Föräldrakurser i Söder", None, "SN", None, None, None,
               "2027-01-31", "planerad"])
    buf = io.BytesIO()
    wb.save(buf)
    summary = registers.import_excel(store_url, reg, buf.getvalue(), "atgarder.xlsx", "bo")
    assert (summary.new, summary.versions, summary.unchanged) == (1, 1, 0)
    now = {i.title: i for i in registers.current(store_url, reg)}
    assert now["Närvaroteam i årskurs 7–9"].status == "klar" and now["Närvaroteam i årskurs 7–9"].version == 2
    assert now["Föräldrakurser i Söder"].due == date(2027, 1, 31)
    # the same workbook again (the key-less row included) changes nothing
    again = registers.import_excel(store_url, reg, buf.getvalue(), "atgarder.xlsx", "bo")
    assert (again.new, again.versions, again.unchanged) == (0, 0, 2)
    assert {i.title: i.version for i in registers.current(store_url, reg)} == {
        "Närvaroteam i årskurs 7–9": 2, "Föräldrakurser i Söder": 1}
    # errors: every one named by file, row and column, and nothing saved
    ws.cell(2, heads.index("Status") + 1).value = "nästan klar"
    ws.cell(3, heads.index("Klart senast") + 1).value = "31/1"
    ws.cell(3, heads.index("Åtgärd") + 1).value = None
    ws.cell(2, 1).value = "finnsinte"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(registers.RegisterError) as exc:
        registers.import_excel(store_url, reg, buf.getvalue(), "atgarder.xlsx", "bo")
    assert exc.value.problems == [
        "atgarder.xlsx, rad 2, kolumn 'Status': 'nästan klar' är inte tillåtet; välj planerad, pågår, klar, försenad, avbruten.",
        "atgarder.xlsx, rad 2, kolumn 'Nyckel': okänd nyckel 'finnsinte'.",
        "atgarder.xlsx, rad 3, kolumn 'Åtgärd': saknas (obligatorisk).",
        "atgarder.xlsx, rad 3, kolumn 'Klart senast': '31/1' är inget datum; skriv ÅÅÅÅ-MM-DD.",
    ]
    assert {i.title: i.version for i in registers.current(store_url, reg)} == {
        "Närvaroteam i årskurs 7–9": 2, "Föräldrakurser i Söder": 1}  # unchanged
    with pytest.raises(registers.RegisterError, match="kan inte läsas som Excel"):
        registers.import_excel(store_url, reg, b"not a workbook", "x.xlsx", "bo")


GOALS = {"bun-hog-franvaro": "Andelen elever med hög frånvaro ska minska",
         "sn-hog-franvaro-insats": "Hög frånvaro ska minska bland barn med insatser"}


def test_a_goal_that_is_not_in_the_goal_file_is_refused_in_the_form_and_in_excel(tmp_path):
    # 'BUN-hög frånvaro' was once saved without a word and could never appear on a goal card
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    reg = REGISTERS["atgarder"]
    with pytest.raises(registers.RegisterError) as exc:
        registers.save(url, reg, {**EXAMPLES["atgarder"], "goal_id": "BUN-hög frånvaro"}, user="anna", goals=GOALS)
    assert exc.value.problems == [
        "fältet 'Mål (id)': 'BUN-hög frånvaro' är inget mål i målfilen; ange ett av: bun-hog-franvaro (Andelen "
        "elever med hög frånvaro ska minska); sn-hog-franvaro-insats (Hög frånvaro ska minska bland barn med insatser)."]
    assert registers.current(url, reg) == []
    # an assignment's linked goals, comma separated: each is checked, and kept in one spelling
    assignment = registers.save(url, REGISTERS["uppdrag"], {**EXAMPLES["uppdrag"],
                                "goals": "sn-hog-franvaro-insats ,bun-hog-franvaro"}, user="anna", goals=GOALS)
    assert assignment.goals == "sn-hog-franvaro-insats, bun-hog-franvaro"
    registers.save(url, reg, EXAMPLES["atgarder"], user="anna", goals=GOALS)
    wb = openpyxl.load_workbook(io.BytesIO(registers.excel_bytes(url, reg)))
    ws = wb.active
    ws.cell(2, [c.value for c in ws[1]].index("Mål (id)") + 1).value = "BUN-hög frånvaro"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(registers.RegisterError) as exc:
        registers.import_excel(url, reg, buf.getvalue(), "atgarder.xlsx", "bo", goals=GOALS)
    assert exc.value.problems[0].startswith(
        "atgarder.xlsx, rad 2, kolumn 'Mål (id)': 'BUN-hög frånvaro' är inget mål i målfilen")
    assert [i.version for i in registers.current(url, reg)] == [1]  # unchanged


# The store as the previous release made it (SQLModel create_all, before migrations existed).
PREVIOUS_SCHEMA = [
    "CREATE TABLE goal_comment (id INTEGER PRIMARY KEY, goal_id VARCHAR(100) NOT NULL, period VARCHAR(40) NOT NULL,"
    " committee VARCHAR(40) NOT NULL, text VARCHAR(4000) NOT NULL, author VARCHAR(200) NOT NULL,"
    " user_id VARCHAR(200) NOT NULL, created_at TIMESTAMP NOT NULL)",
    "CREATE TABLE audit_event (id INTEGER PRIMARY KEY, at TIMESTAMP NOT NULL, user_id VARCHAR(200) NOT NULL,"
    " roles VARCHAR(400) NOT NULL, action VARCHAR(20) NOT NULL, detail VARCHAR(1000) NOT NULL)",
    "INSERT INTO goal_comment VALUES (1, 'bun-hog-franvaro', '2025/26', 'BUN', 'Tidigare analys', 'Controller',"
    " 'anna', '2026-01-10 10:00:00')",
    "INSERT INTO audit_event VALUES (1, '2026-01-10 10:00:00', 'anna', 'analytiker', 'write', 'analys')",
]


def test_a_store_from_the_previous_release_upgrades_in_place(store_url):
    raw = sqlalchemy.create_engine(store_url)
    with raw.begin() as con:
        for statement in PREVIOUS_SCHEMA:
            con.execute(sqlalchemy.text(statement))
    raw.dispose()
    store._engines.pop(store_url, None)
    eng = store.engine(store_url)  # migrates
    assert store.schema_revision(eng) == "0004"
    assert store.latest_comments(store_url, "2025/26")["bun-hog-franvaro"].text == "Tidigare analys"
    assert store.audit_events(store_url)[0].detail == "analys"
    item = registers.save(store_url, REGISTERS["atgarder"], EXAMPLES["atgarder"], user="anna")
    assert registers.current(store_url, REGISTERS["atgarder"])[0].key == item.key
    # and again: a second start changes nothing
    store._engines.pop(store_url, None)
    assert store.schema_revision(store.engine(store_url)) == "0004"


def test_an_older_store_without_logins_gets_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    raw = sqlalchemy.create_engine(url)
    with raw.begin() as con:
        con.execute(sqlalchemy.text(
            "CREATE TABLE goal_comment (id INTEGER PRIMARY KEY, goal_id VARCHAR(100) NOT NULL, period VARCHAR(40)"
            " NOT NULL, committee VARCHAR(40) NOT NULL, text VARCHAR(4000) NOT NULL, author VARCHAR(200) NOT NULL,"
            " created_at TIMESTAMP NOT NULL)"))
        con.execute(sqlalchemy.text("INSERT INTO goal_comment VALUES (1, 'g', '2024/25', 'SN', 'Gammal', '',"
                                    " '2025-01-01 00:00:00')"))
    raw.dispose()
    assert store.latest_comments(url, "2024/25")["g"].user_id == ""
    store.audit(url, "anna", "login")
    assert store.schema_revision(store.engine(url)) == "0004"


# --- the register import's limits, checked before the workbook is parsed ------------------------

def _no_parsing(monkeypatch):
    """Fail the test if the workbook would be parsed (polars) at all."""
    import polars as pl

    def parse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(pl, "read_excel", parse)


def _workbook(rows: int, columns: int = 3) -> bytes:
    buf = io.BytesIO()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Åtgärder")
    ws.append([f"Kolumn {c}" for c in range(columns)])
    for r in range(rows):
        ws.append([f"v{r}"] * columns)
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def register_bomb() -> bytes:
    """300 MB of sheet XML packed into about 0.3 MB (bench/hostile.py times the full 1.2 GB one)."""
    from bench.hostile import sheet_bomb

    buf = io.BytesIO()
    sheet_bomb(buf, 200, compresslevel=6)
    return buf.getvalue()


def test_a_register_zip_bomb_is_refused_from_the_zip_directory(register_bomb, tmp_path, monkeypatch):
    from data import xlsx

    data, store_url = register_bomb, f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert len(data) < 5_000_000  # under the size limit: the directory is what refuses it
    _no_parsing(monkeypatch)
    monkeypatch.setattr(xlsx, "first_sheet_size", lambda d: (_ for _ in ()).throw(AssertionError("unpacked")))
    with pytest.raises(registers.RegisterError) as err:
        registers.import_excel(store_url, REGISTERS["atgarder"], data, "bomb.xlsx", "bo")
    assert err.value.problems == [
        "bomb.xlsx: Excelfilen packas upp till 300 MB; högst 25 MB godtas för ett register.",
        f"bomb.xlsx: en del av Excelfilen är komprimerad {300_000_000 / _sheet_packed(data):,.0f} gånger (högst "
        "100); filen kan vara en så kallad zip-bomb och läses inte.".replace(",", "\u00a0")]
    assert registers.current(store_url, REGISTERS["atgarder"]) == []


def _sheet_packed(data: bytes) -> int:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.getinfo("xl/worksheets/sheet1.xml").compress_size


def test_register_import_limits_on_size_rows_and_columns(store_url, monkeypatch):
    reg = REGISTERS["atgarder"]
    with pytest.raises(registers.RegisterError) as err:
        registers.import_excel(store_url, reg, b"PK" + b"x" * 5_000_001, "stor.xlsx", "bo")
    assert err.value.problems == ["stor.xlsx: filen är 5,0 MB; ett register tas emot upp till 5 MB."]
    _no_parsing(monkeypatch)
    with pytest.raises(registers.RegisterError) as err:
        registers.import_excel(store_url, reg, _workbook(5_001), "rader.xlsx", "bo")
    assert err.value.problems == ["rader.xlsx: bladet har 5\u00a0001 rader; högst 5\u00a0000 godtas."]
    with pytest.raises(registers.RegisterError) as err:
        registers.import_excel(store_url, reg, _workbook(2, columns=41), "kolumner.xlsx", "bo")
    assert err.value.problems == ["kolumner.xlsx: bladet har 41 kolumner; högst 40 godtas."]


def test_the_streamed_count_reads_rows_and_columns_as_written():
    from data import xlsx

    for rows, columns in ((0, 1), (1, 27), (4_000, 5)):
        assert xlsx.first_sheet_size(_workbook(rows, columns)) == (rows + 1, columns)
    # the register's own export: its heading and one row per item, every column
    assert xlsx.first_sheet_size(registers.excel_bytes("sqlite://", REGISTERS["moten"])) == (1, 8)
