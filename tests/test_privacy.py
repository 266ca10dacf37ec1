"""Issue 23: no personnummer anywhere in the store, nor in what is built from it.

Typed text holding a personnummer is refused naming its field (and kept in the form), text the
product writes is masked, a user id holding one is a keyed pseudonym shown by its display name,
migration 0004 cleans what earlier releases stored, and a hostile session (e-ID logins, hostile
texts in every form and file, a store from the previous release) leaves no number in the store,
the exports, the briefs, the HTML report, the logs or the CLI's output. Every number is built at
run time (``make_pnr``) and searched for in every spelling, never taken from the code's output.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
import time
import zipfile
from datetime import date

import openpyxl
import pytest
import sqlalchemy
from alembic import command
from alembic.config import Config
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data import personnummer, privacy, registers, store, warehouse
from data.registers import REGISTERS
from data.warehouse import Warehouse
from tests.conftest import ROOT, shown
from tests.test_auth import AUTH
from tests.test_import import KEY, make_pnr
from tests.test_registers import EXAMPLES

APP = str(ROOT / "app.py")
# Fictional people, numbers valid by date and check digit
GRETA = make_pnr(date(2012, 4, 15), 238)  # an e-ID login (sub)
OLLE = make_pnr(date(1970, 1, 1), 123)  # in an e-mail address
CHILD = make_pnr(date(2013, 4, 17), 238)  # typed into texts
OLD = make_pnr(date(2011, 9, 30), 417)  # stored by the previous release
NUMBERS = [GRETA, OLLE, CHILD, OLD]


def twelve(pnr: str) -> str:
    return personnummer.normalise(pnr)


def spellings(pnr: str) -> list[str]:
    t = twelve(pnr)
    return [t, t[2:], f"{t[2:8]}-{t[8:]}", f"{t[:8]}-{t[8:]}"]


def assert_no_number(text: str, where: str) -> None:
    """No spelling of any of NUMBERS in ``text``, also with every separator removed."""
    squeezed = re.sub(r"[^0-9A-Za-z]", "", text)
    for pnr in NUMBERS:
        for form in spellings(pnr):
            assert form not in text, (where, form)
        assert twelve(pnr)[2:] not in squeezed, (where, pnr)


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv(personnummer.KEY_ENV, KEY)
    return KEY.encode()


# --- typed text is refused, naming the field ---------------------------------------------------

def test_an_analysis_or_author_with_a_personnummer_is_refused_naming_the_field(store_url):
    with pytest.raises(store.CommentError) as err:
        store.add_comment(store_url, "g", "2025/26", "BUN", f"Ring vårdnadshavaren till {CHILD}", "Anna")
    assert str(err.value).startswith("Fältet 'Analys' innehåller ett personnummer")
    with pytest.raises(store.CommentError) as err:
        store.add_comment(store_url, "g", "2025/26", "BUN", "En analys.", f"Anna {twelve(CHILD)}")
    assert str(err.value).startswith("Fältet 'Namn eller funktion' innehåller ett personnummer")
    assert store.latest_comments(store_url, "2025/26") == {}
    assert store.audit_events(store_url) == []


@pytest.mark.parametrize("name", list(REGISTERS))
def test_every_text_field_of_every_register_refuses_a_personnummer(store_url, name):
    reg = REGISTERS[name]
    texts = [f for f in reg.fields if f.kind in ("text", "long")]
    for f in texts:
        values = {**EXAMPLES[name], f.name: f"se {CHILD}"}
        with pytest.raises(registers.RegisterError) as err:
            registers.save(store_url, reg, values, user="anna@kommun.se")
        assert err.value.problems == [f"fältet '{f.label}': innehåller ett personnummer (eller ett nummer som kan "
                                      "vara ett). Personnummer sparas aldrig i Samverkan: ta bort numret."]
    item = registers.save(store_url, reg, EXAMPLES[name], user="anna@kommun.se")
    with pytest.raises(registers.RegisterError, match="Fältet 'Vad ändras och varför' innehåller"):
        registers.save(store_url, reg, EXAMPLES[name], user="anna@kommun.se", key=item.key, note=f"rättat {CHILD}")
    with pytest.raises(registers.RegisterError, match="Fältet 'Varför dras posten tillbaka\\?' innehåller"):
        registers.withdraw(store_url, reg, item.key, "anna@kommun.se", f"dubblett av {twelve(CHILD)}")
    assert [v.version for v in registers.history(store_url, reg, item.key)] == [1]  # nothing else saved


def test_the_last_check_of_every_flush_refuses_a_number_that_slipped_through(store_url):
    with Session(store.engine(store_url)) as s:
        s.add(store.AuditEvent(user_id="anna", action="write", detail=f"fil {CHILD}.csv"))
        with pytest.raises(store.PersonalNumberInStore, match="audit_event.detail"):
            s.commit()
    assert store.audit_events(store_url) == []


# --- what the product writes is masked; a user id is a pseudonym -------------------------------

def test_a_user_id_holding_a_personnummer_is_a_keyed_pseudonym(store_url, key):
    t = twelve(GRETA)
    spellings_of_one_id = [t, f"{t[:8]}-{t[8:]}", f"{t[2:8]}-{t[8:]}"]
    refs = {privacy.user_ref(s) for s in spellings_of_one_id}
    assert len(refs) == 1  # one person, one pseudonym, however the provider spells the number
    ref = refs.pop()
    assert re.fullmatch(r"anv-[0-9a-f]{24}", ref)
    assert ref.removeprefix("anv-") not in personnummer.pseudonym(t, key)  # not the child-key HMAC
    assert privacy.user_ref(t, b"another key of at least 32 bytes!!") != ref  # keyed
    assert privacy.user_ref("anna@kommun.se") == "anna@kommun.se"
    # written through every path that takes a user id
    store.add_comment(store_url, "g", "2025/26", "BUN", "En analys.", "Greta", user_id=t,
                      audit=store.AuditLine(t, "write", f"analys av {t}"))
    registers.save(store_url, REGISTERS["moten"], EXAMPLES["moten"], user=f"{t}@kommun.se")
    assert store.record_login(store_url, t, "Administratör", "m1", name=f"Greta Granskare {t}")
    comment = store.latest_comments(store_url, "2025/26")["g"]
    assert comment.user_id == ref
    events = store.audit_events(store_url)
    assert {e.user_id for e in events} == {ref} and events[-1].detail == "analys av ••••••••••••"
    changed_by = registers.current(store_url, REGISTERS["moten"])[0].changed_by
    assert changed_by.startswith("anv-") and changed_by != ref  # another id: the address around it
    names = store.display_names(store_url)
    assert names == {ref: "Greta Granskare ••••••••••••"}
    assert store.shown_user(ref, names) == f"Greta Granskare •••••••••••• (anv-{ref[4:12]})"
    # the admin finds her by her name
    assert {e.user_id for e in store.audit_events(store_url, user="greta")} == {ref}


def test_without_a_key_an_id_with_a_personnummer_is_never_stored(store_url, monkeypatch):
    monkeypatch.delenv(personnummer.KEY_ENV, raising=False)
    with pytest.raises(personnummer.MissingKey):
        privacy.user_ref(twelve(GRETA))
    store.audit(store_url, twelve(GRETA), "refused", "sida: import")  # an audit line cannot be refused
    assert store.audit_events(store_url)[0].user_id == "••••••••••••"


def test_a_login_is_recorded_once_per_id_token(store_url):
    claims = {"iss": "https://idp", "sub": "anna", "iat": 1_800_000_000, "exp": 1_800_003_600}
    marker = store.login_marker(claims)
    assert store.record_login(store_url, "anna@kommun.se", "Analytiker", marker)
    for _ in range(3):  # reloads: the same token
        assert not store.record_login(store_url, "anna@kommun.se", "Analytiker", marker)
    assert store.record_login(store_url, "anna@kommun.se", "Analytiker",
                              store.login_marker({**claims, "iat": 1_800_007_200}))  # a new login
    assert len(store.audit_events(store_url, action="login")) == 2


def test_a_reload_records_no_second_login_in_the_app(app_env):
    def run():
        at = AppTest.from_file(APP, default_timeout=120)
        at.secrets["auth"] = dict(AUTH)
        at.user = {"is_logged_in": True, "iss": "https://idp", "sub": "x1", "iat": 1_800_000_000,
                   "exp": time.time() + 3600, "email": "anna@kommun.se", "email_verified": True,
                   "roles": ["Samverkan.Analytiker"]}
        return at.run()

    for _ in range(3):  # three page loads: three sessions, one ID token
        assert not run().exception
    logins = store.audit_events(app_env["SAMVERKAN_STORE_URL"], action="login")
    assert [e.user_id for e in logins] == ["anna@kommun.se"]


# --- migration 0004 cleans a store of the previous release ------------------------------------

def store_at(url: str, revision: str) -> None:
    """A store as the release with schema ``revision`` left it."""
    eng = sqlalchemy.create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(store.MIGRATIONS))
    with eng.begin() as con:
        cfg.attributes["connection"] = con
        command.upgrade(cfg, revision)
    eng.dispose()


def hostile_previous_release(url: str) -> None:
    """What the previous release stored as typed: numbers in analyses, authors, user ids, audit
    details and register fields, for the demo's goals and periods."""
    store_at(url, "0003")
    t, old = twelve(OLD), OLD
    at = "2026-01-10 10:00:00"
    rows = [
        ("goal_comment", ["goal_id", "period", "committee", "text", "author", "user_id", "created_at"],
         [("bun-hog-franvaro", "2025/26", "BUN", f"Eleven {old} har hög frånvaro.", f"Mentor {t}", t, at),
          ("sn-hog-franvaro-insats", "2026/27", "SN", f"Se ärende {t[2:]}.", "Controller", f"{t}@kommun.se", at)]),
        ("audit_event", ["at", "user_id", "roles", "action", "detail"],
         [(at, t, "Administratör", "login", ""), (at, "anna", "Analytiker", "import", f"absence: elever {old}.csv")]),
        ("reg_action", ["key", "version", "changed_at", "changed_by", "change_note", "withdrawn", "demo", "goal_id",
                        "title", "description", "committee", "unit", "owner", "status", "comment"],
         [("k1", 1, at, t, f"rättat för {old}", False, False, "bun-hog-franvaro", f"Stöd till {old}",
           f"Hemma hos {t}", "BUN", "", f"Mentor {t}", "pågår", "")]),
        ("reg_decision", ["key", "version", "changed_at", "changed_by", "change_note", "withdrawn", "demo", "meeting",
                          "text", "owner", "due", "status", "follow_up"],
         [("k2", 1, at, "anna", "", False, False, "2026-10-20", f"Följ upp {old}", "Rektor", "2027-01-31", "öppet",
           "")]),
    ]
    eng = sqlalchemy.create_engine(url)
    with eng.begin() as con:
        for table, cols, values in rows:
            for v in values:
                con.execute(sqlalchemy.text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                                            f"({', '.join(':' + c for c in cols)})"), dict(zip(cols, v, strict=True)))
    eng.dispose()


def _all_store_text(url: str) -> str:
    eng = sqlalchemy.create_engine(url)
    parts = []
    with eng.connect() as con:
        for table in sqlalchemy.inspect(con).get_table_names():
            parts += [" ".join(str(v) for v in row) for row in con.execute(sqlalchemy.text(f'SELECT * FROM "{table}"'))]
    eng.dispose()
    return "\n".join(parts)


def test_migration_0004_pseudonymises_and_masks_what_was_stored_and_says_so(store_url, key):
    hostile_previous_release(store_url)
    assert twelve(OLD) in _all_store_text(store_url)  # the fixture holds what we look for
    store._engines.pop(store_url, None)
    assert store.schema_revision(store.engine(store_url)) == "0004"
    assert_no_number(_all_store_text(store_url), "store after migration")
    pseudonym = privacy.user_ref(twelve(OLD))
    assert store.latest_comments(store_url, "2025/26")["bun-hog-franvaro"].user_id == pseudonym
    assert store.latest_comments(store_url, "2025/26")["bun-hog-franvaro"].text == "Eleven ••••••-•••• har hög frånvaro."
    # counted by hand in hostile_previous_release: ids are the two analyses' user_id, the login's
    # user_id and the action's changed_by; texts are the two analyses, one author, the import's
    # detail, the action's change note, title, description and owner, and the decision's text
    migration = store.audit_events(store_url, action="migration")
    assert [(e.user_id, e.detail) for e in migration] == [(
        "samverkan (migrering 0004)",
        "Personnummer togs bort ur lagret: 4 användar-id pseudonymiserade med nyckel, 9 texter maskerade.")]
    store._engines.pop(store_url, None)
    store.engine(store_url)  # a second start changes nothing and says nothing
    assert len(store.audit_events(store_url, action="migration")) == 1


# --- a hostile session, then a scan of everything built from it ---------------------------------

def _login(claims: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.secrets["auth"] = dict(AUTH)
    at.user = {"is_logged_in": True, "iss": "https://e-legitimation.example", "iat": 1_800_000_000,
               "exp": time.time() + 3600, **claims}
    return at


def _click(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "error", "warning", "info", "success", "caption")
                     for e in at.get(kind) if isinstance(getattr(e, "value", None), str))


def _xml_text(data: bytes) -> str:
    """Every XML part of an Office file (xlsx, docx), as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith((".xml", ".rels")))


def _with_row(data: bytes, row: list) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_hostile_session_leaves_no_personnummer_anywhere(demo_db, tmp_path, monkeypatch, key, caplog):
    from pypdf import PdfReader

    from metrics import attainment, goals
    from ui import audit_page, brief, exports, images

    caplog.set_level(logging.DEBUG)
    db = tmp_path / "wh.duckdb"
    warehouse.copy(demo_db, db)
    store_file = tmp_path / "store.sqlite"
    url = f"sqlite:///{store_file}"
    hostile_previous_release(url)  # the app's first use migrates it
    for name, value in {"SAMVERKAN_DB": str(db), "SAMVERKAN_STORE_URL": url,
                        "SAMVERKAN_GOALS": str(ROOT / "config" / "goals.yaml")}.items():
        monkeypatch.setenv(name, value)
    said: list[str] = []  # everything shown to the users

    # Greta logs in with Swedish e-ID: her personnummer is the token's subject; she is admin
    greta = {"sub": twelve(GRETA), "name": "Greta Granskare", "roles": ["Samverkan.Admin"]}
    at = _login(greta).run()
    assert not at.exception
    text_key, author_key = "comment-text-bun-hog-franvaro", "comment-author-bun-hog-franvaro"
    hostile = f"Eleven {CHILD} har hög frånvaro sedan hösten."
    at.text_area(key=text_key).input(hostile)
    at.text_input(key=author_key).input("Greta")
    _click(at, "Spara analys")
    errors = [shown(e.value) for e in at.error]
    assert any("Fältet 'Analys' innehåller ett personnummer" in e and "Din text finns kvar" in e for e in errors)
    assert at.text_area(key=text_key).value == hostile and at.text_input(key=author_key).value == "Greta"
    said.append(_texts(at))
    at.text_area(key=text_key).input("Frånvaron minskar i årskurs 7–9 men inte i F–6.")
    _click(at, "Spara analys")
    assert any(shown(s.value) == "Analysen är sparad." for s in at.success)
    assert at.text_area(key=text_key).value == ""  # saved: the form is empty again

    # the follow-up registers: a form, a change note, a withdrawal reason and an Excel import
    at.switch_page("pages/uppfoljning.py").run()
    at.selectbox(key="form-atgarder-ny-goal_id").set_value("bun-hog-franvaro")
    at.text_input(key="form-atgarder-ny-title").input(f"Hembesök hos {CHILD}")
    _click(at, "Lägg till åtgärd")
    assert any("fältet 'Åtgärd': innehåller ett personnummer" in shown(e.value) and "Din text finns kvar" in e.value
               for e in at.error)
    assert at.text_input(key="form-atgarder-ny-title").value == f"Hembesök hos {CHILD}"
    said.append(_texts(at))
    at.text_input(key="form-atgarder-ny-title").input("Hembesök hos familjer med hög frånvaro")
    _click(at, "Lägg till åtgärd")
    assert any(shown(s.value) == "Sparat: åtgärd ”Hembesök hos familjer med hög frånvaro” är tillagd."
               for s in at.success)
    reg = REGISTERS["atgarder"]
    export = registers.excel_bytes(url, reg)
    bad = _with_row(export, [None, "bun-hog-franvaro", "Läxhjälp", f"för {twelve(CHILD)}", "BUN", None, None, None,
                             None, "planerad"])
    at.file_uploader(key="upload-atgarder").set_value((f"åtgärder {CHILD}.xlsx", bad, "application/octet-stream")).run()
    at.button(key="import-atgarder").click().run()
    refusal = " ".join(e.value for e in at.error)
    assert "Inget importerades" in refusal and "åtgärder ••••••-••••.xlsx, rad" in shown(refusal)
    said.append(_texts(at))
    good = _with_row(export, [None, "bun-hog-franvaro", "Läxhjälp i skolbiblioteket", "", "BUN", None, None, None,
                              None, "planerad"])
    at.file_uploader(key="upload-atgarder").set_value((f"åtgärder {CHILD}.xlsx", good, "application/octet-stream")).run()
    at.button(key="import-atgarder").click().run()
    assert any("1 ny post" in s.value for s in at.success), [e.value for e in at.error]
    said.append(_texts(at))

    # Olle logs in with a verified address that holds his personnummer, and reloads twice
    olle = {"sub": "olle-1", "email": f"{twelve(OLLE)}@kommun.se", "email_verified": True, "name": "Olle Ordf",
            "roles": ["Samverkan.Styrgrupp"]}
    for _ in range(3):
        o = _login(olle).run()
        assert not o.exception
        said.append(_texts(o))

    # the CLI: a refused file and an imported one, both named with a number
    env = {"SAMVERKAN_DB": str(db), "SAMVERKAN_STORE_URL": url, personnummer.KEY_ENV: KEY, "PATH": "/usr/bin:/bin"}
    refused = tmp_path / f"franvaro {CHILD}.csv"
    refused.write_text("pupil_id;school_id\nE1;NOPE\n", encoding="utf-8")
    schools = tmp_path / f"skolor {CHILD}.csv"
    schools.write_text("school_id;school_name;school_form;area;operator\nP1;Parkskolan;grundskola;Norr;kommunal\n",
                       encoding="utf-8")
    cli = [subprocess.run([sys.executable, str(ROOT / "cli.py"), "import", kind, str(f), "--user", f"Anna {CHILD}"],
                          capture_output=True, text=True, env=env, cwd=ROOT) for kind, f in
           (("absence", refused), ("schools", schools))]
    assert cli[0].returncode == 2 and cli[0].stderr.startswith("franvaro ••••••-••••.csv importerades inte")
    assert cli[1].returncode == 0, cli[1].stderr
    said += [c.stdout + c.stderr for c in cli]

    # --- the scan ---
    # the store: every value of every table, and the file's bytes (free pages included)
    store._engines.pop(url, None)
    assert_no_number(_all_store_text(url), "the store's tables")
    assert_no_number(store_file.read_bytes().decode("latin-1"), "the store's file")
    # the import ledger in the warehouse
    ledger = Warehouse(db).sql("SELECT * FROM import_ledger")
    assert_no_number(" ".join(str(v) for row in ledger.rows() for v in row), "the import ledger")
    # exports: every register, and the audit log as the admin downloads it
    for r in REGISTERS.values():
        assert_no_number(_xml_text(registers.excel_bytes(url, r)), f"export {r.name}")
    audit = audit_page.audit_frame(store.audit_events(url), store.display_names(url))
    assert_no_number(_xml_text(exports.excel_bytes(audit)) + exports.csv_bytes(audit).decode("utf-8"), "audit log")
    assert "Greta Granskare (anv-" in " ".join(audit["Användare"])  # shown by her name
    assert len([e for e in store.audit_events(url, action="login") if e.user_id == privacy.user_ref(
        f"{twelve(OLLE)}@kommun.se")]) == 1  # one login, however often he reloaded
    # the briefs (committee and steering group), Word and PDF, and the HTML report
    cfg = goals.load(ROOT / "config" / "goals.yaml")
    wh = Warehouse(db)
    for month in (None, "2026-10"):
        b = brief.build(wh, cfg, url, "all", None, month)
        assert_no_number(_xml_text(brief.docx_bytes(b)), f"Word brief {month}")
        pdf = PdfReader(io.BytesIO(brief.pdf_bytes(b)))
        assert_no_number("\n".join(p.extract_text() for p in pdf.pages), f"PDF brief {month}")
    info = {"meta": wh.meta()}
    comments = {**store.latest_comments(url, "2025/26"), **store.latest_comments(url, "2026/27")}
    sections = [{"goal": lambda r=r: brief.goal_block(r, cfg, comments.get(r.id), images.source_label(info["meta"]),
                                                      None, store_url=url)}
                for r in attainment.evaluate_all(wh, cfg)]
    html = brief.page_html("Översikt", "test", sections)
    assert "Se ärende ••••••••••." in html  # the previous release's analysis, masked
    assert_no_number(html, "HTML report")
    # what the users were shown, the CLI's output and every log line of the session
    assert_no_number("\n".join(said), "pages")
    assert_no_number(caplog.text, "logs")


def test_the_scan_finds_every_spelling_it_claims_to():
    """The scanner above is only worth what it finds: each spelling, and one with odd separators."""
    t = twelve(CHILD)
    for text in (*spellings(CHILD), f"{t[2:4]} {t[4:6]} {t[6:8]}–{t[8:]}", f"x{t[2:8]}.{t[8:]}y"):
        with pytest.raises(AssertionError):
            assert_no_number(f"före {text} efter", "control")
    assert_no_number("Frånvaron 13,4 % i 12 345 elever, 2026-10-31", "control")


def test_a_mapping_file_has_a_limit_and_its_parse_error_is_masked():
    from data import importer

    with pytest.raises(ValueError) as err:
        importer.Mapping.load("columns:\n" + "".join(f"  kolumn{i}: pupil_id\n" for i in range(6_000)))
    assert str(err.value) == "Mappningsfilen är 137 kB; högst 100 kB godtas."  # 136 899 bytes
    with pytest.raises(ValueError) as err:
        importer.Mapping.load(f"ignore: [{CHILD}")  # YAML's own message quotes the line
    assert str(err.value).startswith("Mappningsfilen är inte giltig YAML")
    assert_no_number(str(err.value), "mapping error")
