"""Import of real extracts: one or more tests per rule, with small crafted files."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data import importer, personnummer
from data.warehouse import Warehouse
from tests.conftest import ROOT, shown

EXAMPLES = ROOT / "data" / "examples"
TODAY = date(2026, 11, 23)
KEY = "test-nyckel-som-bara-finns-i-testerna-0123456789abcdef"


def make_pnr(born: date, serial: int, style: str = "short") -> str:
    """A valid (Luhn) personnummer for a fictional person, generated at run time."""
    body = f"{born:%y%m%d}{serial:03d}"
    total = 0
    for i, ch in enumerate(body):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    check = (10 - total % 10) % 10
    ten = f"{body}{check}"
    return {"short": f"{ten[:6]}-{ten[6:]}", "long": f"{born:%Y}{ten[2:]}", "plain": ten}[style]


def forms(pnr12: str) -> list[str]:
    """Every way a 12-digit number could appear in bytes."""
    ten = pnr12[2:]
    return [pnr12, ten, f"{ten[:6]}-{ten[6:]}", f"{pnr12[:8]}-{pnr12[8:]}"]


def db_bytes(path: Path) -> bytes:
    return path.read_bytes()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(kind: str, data: bytes, db: Path, name: str = "fil.csv", mapping=None):
    plan = importer.prepare(kind, data, name, db, mapping, today=TODAY)
    if plan.ok:
        importer.apply(plan, db, user="test")
    return plan


def count(db: Path, table: str) -> int:
    return Warehouse(db).fetchone(f"SELECT count(*) FROM {table}")[0]


HEADER = "pupil_id;school_id;grade;gender;month;scheduled_minutes;absent_minutes;invalid_absent_minutes\n"


def test_example_files_import_cleanly_into_an_empty_warehouse(tmp_path):
    path = tmp_path / "empty.duckdb"
    for kind in ("schools", "population", "absence", "reports", "interventions"):
        plan = run(kind, (EXAMPLES / f"{kind}.csv").read_bytes(), path, f"{kind}.csv")
        assert plan.ok, [str(p) for p in plan.problems]
    mapping = importer.Mapping.load(EXAMPLES / "vendor_mapping.yaml")
    plan = run("absence", (EXAMPLES / "vendor_absence_cp1252.csv").read_bytes(), path, "vendor.csv", mapping)
    assert plan.ok, [str(p) for p in plan.problems]
    assert count(path, "absence") == 10 and count(path, "reports") == 4 and count(path, "interventions") == 3
    kinds = Warehouse(path).sql("SELECT kind FROM import_ledger")["kind"].to_list()
    assert kinds == ["schools", "population", "absence", "reports", "interventions", "absence"]


def test_windows_1252_semicolon_file_with_swedish_letters_and_decimal_commas(db):
    text = ("school_id;school_name;school_form;area;operator\n"
            "X1;Åkerö skola;Grundskola;Västra Öster;Kommunal\n")
    run("schools", text.encode("cp1252"), db)
    assert Warehouse(db).sql("SELECT school_name, area FROM schools WHERE school_id = 'X1'").row(0) == (
        "Åkerö skola", "Västra Öster")
    text = HEADER + "E9;X1;5;Flicka;2025-09;4400,0;612,0;0\n"
    plan = run("absence", text.encode("cp1252"), db)
    assert plan.ok, [str(p) for p in plan.problems]
    assert Warehouse(db).fetchone("SELECT absent_minutes FROM absence WHERE pupil_key = 'E9'")[0] == 612


def test_utf8_bom_comma_separated_file(db):
    text = "\ufeffpupil_id,school_id,grade,gender,month,scheduled_minutes,absent_minutes\nE1,EX-G1,F,P,2025-09,3600,400\n"
    plan = run("absence", text.encode("utf-8"), db)
    assert plan.ok, [str(p) for p in plan.problems]
    assert Warehouse(db).sql("SELECT grade, gender FROM absence").row(0) == ("F", "pojke")


def test_xlsx_file(db):
    df = pl.DataFrame({"Elev_ID": ["E1", "E2"], "Skolenhet_ID": ["EX-G1", "EX-Y1"], "Årskurs": ["7", "2"],
                       "Kön": ["flicka", "pojke"], "Månad": ["2025-09", "2025-09"],
                       "Schemalagd_tid_min": [4400, 4600], "Frånvaro_min": [700, 0]})
    buf = io.BytesIO()
    df.write_excel(buf)
    plan = run("absence", buf.getvalue(), db, "franvaro.xlsx")
    assert plan.ok, [str(p) for p in plan.problems]
    assert count(db, "absence") == 2


def test_one_bad_row_changes_nothing_and_is_named(db):
    before = digest(db)
    text = HEADER + "E1;EX-G1;7;flicka;2025-09;4400;600;0\nE2;EX-G1;7;pojke;2025-09;4400;4500;0\nE3;EX-G1;7;pojke;2025-09;4400;10;0\n"
    plan = run("absence", text.encode(), db, "sept.csv")
    assert not plan.ok and digest(db) == before
    (problem,) = plan.problems
    assert (problem.file, problem.row, problem.column) == ("sept.csv", 3, "absent_minutes")
    assert "större än den schemalagda tiden" in problem.expected and "'4500'" in problem.found


@pytest.mark.parametrize("kind,text,row,column,message", [
    ("absence", HEADER + "E1;EX-G1;7;flicka;2025-09;4400;-5;0\n", 2, "absent_minutes", "negativt värde"),
    ("absence", HEADER + "E1;EX-G1;7;flicka;2025-09;fyra;5;0\n", 2, "scheduled_minutes", "förväntat minuter"),
    ("absence", HEADER + "E1;EX-G1;7;flicka;2025-07;4400;5;0\n", 2, "month", "juli ligger utanför terminerna"),
    ("absence", HEADER + "E1;EX-G1;7;flicka;2027-01;4400;5;0\n", 2, "month", "i framtiden"),
    ("absence", HEADER + "E1;NOPE;7;flicka;2025-09;4400;5;0\n", 2, "school_id", "okänt skolenhets-id"),
    ("absence", HEADER + "E1;EX-Y1;7;flicka;2025-09;4400;5;0\n", 2, "grade", "okänd årskurs"),
    ("absence", HEADER + "E1;EX-G1;7;flicka;2025-09;4400;5;9\n", 2, "invalid_absent_minutes", "ogiltiga frånvaron"),
    ("absence", HEADER + "E1;EX-G1;7;tjej?;2025-09;4400;5;0\n", 2, "gender", "okänd kod"),
    ("absence", HEADER + "E1;EX-G1;7;flicka;2025-09;4400;5;0\nE1;EX-G1;7;flicka;2025-09;4400;6;0\n", 3,
     "pupil_id", "dubblett"),
    ("reports", "report_id;child_id;received_date;reporter_category;decision;decision_date\n"
                "R1;B1;2025-09-10;skola;utredning_inleds;2025-09-01\n", 2, "decision_date", "före att anmälan inkom"),
    ("reports", "report_id;child_id;received_date;reporter_category;decision\nR1;B1;2025-13-40;skola;ej_bedomd\n",
     2, "received_date", "förväntat ett datum"),
    ("interventions", "intervention_id;child_id;intervention_type;committee;start_date;end_date\n"
                      "I1;B1;tsi;sn;2025-09-10;2025-08-01\n", 2, "end_date", "slutar före den startar"),
    ("population", "year;area;age_from;age_to;residents\n2025;Norr;10;5;100\n", 2, "age_to", "lägre än ålder från"),
])
def test_each_rule_names_row_and_column(db, kind, text, row, column, message):
    before = digest(db)
    plan = run(kind, text.encode(), db)
    assert not plan.ok and digest(db) == before
    hits = [p for p in plan.problems if p.row == row and p.column == column and message in p.expected]
    assert hits, [str(p) for p in plan.problems]


def test_all_problems_are_reported_at_once(db):
    text = HEADER + "E1;EX-G1;7;flicka;2025-07;4400;5;0\nE2;NOPE;7;flicka;2025-09;-1;5;0\n"
    plan = run("absence", text.encode(), db)
    columns = {p.column for p in plan.problems}
    assert {"month", "school_id", "scheduled_minutes"} <= columns and plan.problem_total >= 3


def test_unknown_and_missing_columns(db):
    plan = run("absence", b"pupil_id;skola;month\nE1;EX-G1;2025-09\n", db)
    messages = [str(p) for p in plan.problems]
    assert any("kolumn 'skola': okänd kolumn" in m for m in messages)
    assert any("kolumnen 'scheduled_minutes' saknas" in m for m in messages)
    # the problem table's column cell names the missing column, not only its text
    assert [p.column for p in plan.problems if "saknas" in p.found] == ["school_id", "grade", "gender",
                                                                       "scheduled_minutes", "absent_minutes"]


def test_invalid_bytes_are_an_error_not_a_silent_misdecode(db):
    data = HEADER.encode() + b"E1;EX-G1;7;flicka;2025-09;4400;5;0\nE\x81;EX-G1;7;flicka;2025-09;4400;5;0\n"
    plan = run("absence", data, db)
    (problem,) = plan.problems
    assert "rad 3" in problem.expected and "0x81" in problem.expected


def test_personnummer_in_a_comment_column_rejects_the_file_masked(db):
    pnr = make_pnr(date(2012, 3, 14), 123)
    mapping = importer.Mapping.load("ignore: [Kommentar]\n")
    text = HEADER.replace("\n", ";Kommentar\n") + f"E1;EX-G1;7;flicka;2025-09;4400;5;0;Ring mamma om {pnr}\n"
    before = digest(db)
    plan = run("absence", text.encode(), db, mapping=mapping)
    assert not plan.ok and digest(db) == before
    (problem,) = plan.problems
    assert (problem.row, problem.column) == (2, "Kommentar") and "personnummer" in problem.expected
    shown = str(problem)
    assert pnr not in shown and pnr.replace("-", "") not in shown and "••••••-••••" in shown


def test_personnummer_without_a_key_is_refused_with_instructions(db, monkeypatch):
    monkeypatch.delenv(personnummer.KEY_ENV, raising=False)
    text = HEADER + f"{make_pnr(date(2012, 3, 14), 123)};EX-G1;7;flicka;2025-09;4400;5;0\n"
    plan = run("absence", text.encode(), db)
    assert not plan.ok and personnummer.KEY_ENV in plan.problems[0].expected
    assert count(db, "absence") == 0


def test_same_file_twice_changes_nothing(db):
    data = (EXAMPLES / "absence.csv").read_bytes()
    run("absence", data, db, "absence.csv")
    before = digest(db)
    plan = importer.prepare("absence", data, "absence.csv", db, today=TODAY)
    assert plan.already_imported and not plan.ok
    assert importer.apply(plan, db).already_imported
    assert digest(db) == before


def test_a_corrected_file_replaces_its_period(db):
    first = HEADER + "E1;EX-G1;7;flicka;2025-09;4400;600;0\nE2;EX-G1;7;pojke;2025-09;4400;100;0\n"
    run("absence", first.encode(), db)
    other_month = HEADER + "E1;EX-G1;7;flicka;2025-10;4400;50;0\n"
    run("absence", other_month.encode(), db)
    corrected = HEADER + "E1;EX-G1;7;flicka;2025-09;4400;650;0\nE2;EX-G1;7;pojke;2025-09;4400;100;0\nE3;EX-G1;7;pojke;2025-09;4400;0;0\n"
    plan = importer.prepare("absence", corrected.encode(), "korrigerad.csv", db, today=TODAY)
    assert plan.changes.rows() == [("2025-09", 3, 2)]  # the preview: 3 added, 2 replaced
    importer.apply(plan, db)
    rows = Warehouse(db).sql("SELECT strftime(month, '%Y-%m') AS m, count(*) AS n, sum(absent_minutes) AS a "
                             "FROM absence GROUP BY m ORDER BY m").rows()
    assert rows == [("2025-09", 3, 750), ("2025-10", 1, 50)]
    ledger = importer.ledger(db).filter(pl.col("file_name") == "korrigerad.csv").row(0, named=True)
    assert (ledger["rows_added"], ledger["rows_replaced"], ledger["period"]) == (3, 2, "2025-09")


def test_personnummer_never_reach_the_warehouse_and_children_link(db, monkeypatch):
    monkeypatch.setenv(personnummer.KEY_ENV, KEY)
    children = [(date(2011 + i % 5, 1 + i % 12, 1 + i % 28), 100 + i) for i in range(40)]
    styles = ["short", "long", "plain"]
    absence = HEADER + "".join(
        f"{make_pnr(b, s, styles[i % 3])};EX-G1;{5 + i % 5};flicka;2025-09;4400;{i * 10};0\n"
        for i, (b, s) in enumerate(children))
    interventions = "intervention_id;child_id;intervention_type;committee;start_date\n" + "".join(
        f"I{i};{make_pnr(b, s, styles[(i + 1) % 3])};tsi;sn;2025-09-01\n" for i, (b, s) in enumerate(children))
    reports = "report_id;child_id;received_date;reporter_category;decision\n" + "".join(
        f"R{i};{make_pnr(b, s)};2025-09-02;skola;ej_bedomd\n" for i, (b, s) in enumerate(children))
    for kind, text in (("absence", absence), ("interventions", interventions), ("reports", reports)):
        plan = run(kind, text.encode(), db)
        assert plan.ok, [str(p) for p in plan.problems]
    raw = db_bytes(db)
    wh = Warehouse(db)
    dump = " ".join(str(v) for t in ("absence", "interventions", "reports", "import_ledger")
                    for row in wh.sql(f"SELECT * FROM {t}").rows() for v in row)
    for born, serial in children:
        for text in forms(personnummer.normalise(make_pnr(born, serial))):
            assert text.encode() not in raw and text not in dump
    # the same child has the same key in every file, whatever the spelling of the number
    linked = wh.fetchone("SELECT count(DISTINCT a.pupil_key) FROM absence a JOIN interventions i "
                         "ON i.child_key = a.pupil_key")[0]
    assert linked == len(children)
    assert wh.fetchone("SELECT max(key_version) FROM import_ledger WHERE kind = 'absence'")[0] == "1"


def test_a_running_reader_sees_the_import_without_restart(db):
    reader = Warehouse(db)
    assert reader.fetchone("SELECT count(*) FROM absence")[0] == 0
    run("absence", (EXAMPLES / "absence.csv").read_bytes(), db, "absence.csv")
    assert reader.fetchone("SELECT count(*) FROM absence")[0] == 8


def test_killing_an_import_leaves_the_previous_state(db, tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "w") as fh:
        fh.write(HEADER)
        for m in (8, 9, 10, 11, 12):
            for i in range(120_000):
                fh.write(f"E{i};EX-G1;{1 + i % 9};flicka;2025-{m:02d};4400;{i % 4400};0\n")
    before = digest(db)
    env = {**os.environ, "SAMVERKAN_DB": str(db)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "import", "absence", str(big)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tmp = db.with_name(db.name + ".tmp")
    deadline = time.monotonic() + 120
    while not tmp.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert digest(db) == before
    assert count(db, "absence") == 0 and count(db, "schools") == 4
    # and the next import works (the stale .tmp is overwritten)
    assert run("absence", (EXAMPLES / "absence.csv").read_bytes(), db, "absence.csv").ok
    assert count(db, "absence") == 8


def test_upload_page_validates_previews_and_imports(db, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SAMVERKAN_DB", str(db))
    monkeypatch.setenv("SAMVERKAN_STORE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    # a real (non-demo) warehouse is served only behind login: a logged-in data steward
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "samverkan", "client_secret": "s",
                          "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}
    at.user = {"is_logged_in": True, "email": "steward@kommun.se", "email_verified": True, "name": "Sara Steward",
               "roles": ["Samverkan.Dataforvaltare"]}
    at.run()
    at.switch_page("pages/import.py").run()
    assert not at.exception
    assert at.selectbox(key="import_kind").value is None  # nothing is assumed before a file arrives
    # a file with the wrong separator: one plain sentence, not an error per column
    bad = HEADER + "E1;EX-G1;7;flicka;2025-07;4400;5;0\nE2;NOPE;7;flicka;2025-09;4400;5;0\n"
    before = digest(db)
    at.file_uploader(key="import_file").set_value(("pipe.csv", bad.replace(";", "|").encode(), "text/csv")).run()
    # recognised by the columns the pipes separate: the sentence comes without choosing the kind
    assert at.selectbox(key="import_kind").value == "absence"
    assert [shown(e.value) for e in at.error] == [
        "pipe.csv kan inte importeras. Kolumnerna i filen skiljs åt med lodstreck (|). Samverkan läser filer där "
        "kolumnerna skiljs åt med semikolon, komma eller tabb: spara filen som CSV med semikolon och ladda upp den "
        "igen. Databasen är oförändrad."]
    assert not at.dataframe[:-1]  # no problem table, only the ledger
    # a bad file: recognised as absence from its columns, every problem listed, nothing changed
    at.selectbox(key="import_kind").set_value(None).run()
    at.file_uploader(key="import_file").set_value(("bad.csv", bad.encode(), "text/csv")).run()
    assert at.selectbox(key="import_kind").value == "absence"
    assert any("kan inte importeras: 2 fel" in e.value for e in at.error)
    assert at.dataframe[0].value["Rad"].tolist() == ["2", "3"]
    assert digest(db) == before
    # a good file: a preview of the changes, then the import on confirmation
    data = (EXAMPLES / "absence.csv").read_bytes()
    at.file_uploader(key="import_file").set_value(("absence.csv", data, "text/csv")).run()
    assert any("absence.csv är giltig: 8 rader" in shown(s.value) for s in at.success)
    assert at.dataframe[0].value.values.tolist() == [["2025-09", "4", "0"], ["2025-10", "4", "0"]]
    assert digest(db) == before
    assert not [t for t in at.text_input if t.key == "import_user"]  # logged in: the user is known
    at.button(key="import_confirm").click().run()
    assert any(s.value.startswith("Klart: 8 rader tillagda") for s in at.success)
    assert count(db, "absence") == 8
    ledger = at.dataframe[-1].value
    assert ledger["Fil"].tolist()[0] == "absence.csv" and ledger["Av"].tolist()[0] == "steward@kommun.se"
    assert "None" not in ledger.to_string() and ledger["Tillagda"].tolist()[0] == "8"


# --- canonical spellings are parsed natively, exactly as the Python parsers read them --------------

_SPELLINGS = {
    "int": (importer._parse_int, pl.Float64, st.one_of(
        st.integers(-10**17, 10**17).map(str), st.from_regex(r"-?[0-9 ,.]{1,8}", fullmatch=True))),
    "month": (importer._parse_month, pl.Date, st.one_of(
        st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(0, 2200), st.integers(0, 13)),
        st.from_regex(r"[0-9]{4}-[0-9]{1,2}(-01)?( 00:00:00)?", fullmatch=True))),
    "date": (importer._parse_date, pl.Date, st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 2200), st.integers(0, 13), st.integers(0, 32))),
}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(_SPELLINGS)), st.data())
def test_native_parsing_equals_the_python_parser(kind, data):
    parse, dtype, values = _SPELLINGS[kind]
    column = data.draw(st.lists(st.one_of(values, st.none(), st.just("  ")), min_size=1, max_size=30))
    df = pl.DataFrame({"v": column}, schema={"v": pl.String})
    fast, fast_blanks = importer._by_distinct(df, "v", parse, dtype, native=importer._native(kind, "v"))
    slow, slow_blanks = importer._by_distinct(df, "v", parse, dtype)
    assert df.select(fast)["v"].to_list() == df.select(slow)["v"].to_list()
    assert sorted(fast_blanks) == sorted(slow_blanks)


def test_codes_written_as_themselves_are_kept_and_aliases_still_mapped(db):
    csv = HEADER + "\n".join([
        "p1;EX-G1;5;flicka;2024-09;1000;100;0", "p2;EX-G1;F;Pojke;2024-09;1000;100;0",
        "p3;EX-G1;0;K;2024-09;1000;100;0", "p4;EX-G1;åk 7;x;2024-09;1000;100;0"]) + "\n"
    plan = importer.prepare("absence", csv.encode(), "a.csv", db, today=TODAY)
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.rows.sort("pupil_id").select("grade", "gender").rows() == [
        ("5", "flicka"), ("F", "pojke"), ("F", "flicka"), ("7", "annat")]


# --- what kind of file is it? ------------------------------------------------------------------

@pytest.mark.parametrize("name,kind", [("absence.csv", "absence"), ("schools.csv", "schools"),
                                       ("reports.csv", "reports"), ("interventions.csv", "interventions"),
                                       ("population.csv", "population")])
def test_the_kind_of_file_is_recognised_from_its_columns(name, kind):
    data = (EXAMPLES / name).read_bytes()
    assert importer.detect_kind(data) == kind
    buf = io.BytesIO()  # the same table as Excel
    pl.read_csv(data, separator=";", infer_schema=False).write_excel(buf)
    assert importer.detect_kind(buf.getvalue()) == kind


def test_a_file_that_fits_no_kind_or_two_is_not_guessed():
    assert importer.detect_kind("elev;skola\n1;2\n".encode()) is None  # too few columns for any kind
    assert importer.detect_kind(b"school_id\n") is None  # a column several kinds have, none complete
    assert importer.detect_kind(b"\xff\xfe\x00garbage") is None  # not a table at all
    # Swedish column names count as the kind's own
    assert importer.detect_kind("skolenhet_id;skolenhet;skolform;område;huvudman\n".encode("utf-8")) == "schools"


@pytest.mark.parametrize("sep,name", [("|", "lodstreck (|)"), (":", "kolon (:)"), (" ", "mellanslag")])
def test_a_wrong_separator_gets_one_plain_sentence(sep, name):
    data = (EXAMPLES / "absence.csv").read_text(encoding="utf-8").replace(";", sep).encode("utf-8")
    assert importer.detect_kind(data) == "absence"  # recognised by the columns it separates
    plan = importer.prepare("absence", data, "franvaro.csv", None)
    assert [str(p) for p in plan.problems] == [
        f"franvaro.csv – Kolumnerna i filen skiljs åt med {name}. Samverkan läser filer där kolumnerna skiljs åt "
        "med semikolon, komma eller tabb: spara filen som CSV med semikolon och ladda upp den igen."]
    # one column named like nothing known is no separator problem: it is an unknown column
    assert importer.wrong_separator(["anteckningar om eleverna"]) is None


def test_the_ledger_table_reads_as_swedish_text():
    """'..' means a hidden value on every page, so a ledger's month range is written with a dash;
    counts are grouped, and a missing value is '–'."""
    from datetime import date, datetime

    import polars as pl

    from ui.import_page import ledger_table

    df = pl.DataFrame({
        "imported_at": [datetime(2026, 11, 3, 9, 5), datetime(2026, 11, 3, 9, 6)],
        "imported_by": ["forvaltare", "forvaltare"], "kind": ["absence", "schools"],
        "file_name": ["franvaro.csv", "skolor.csv"], "period": ["2019-08..2026-10", None],
        "rows_added": [1695695, 43], "rows_replaced": [0, 0], "rows_rejected": [0, 0],
        "data_until": [date(2026, 10, 31), None], "file_hash": ["ab" * 32, "cd" * 32]})
    table = ledger_table(df)
    assert table["Period"].to_list() == ["2019-08–2026-10", "–"]
    assert table["Typ"].to_list() == ["frånvaro", "skolenheter"]
    assert table["Tillagda"].to_list() == ["1\xa0695\xa0695", "43"]
