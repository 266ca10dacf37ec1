"""Issue 23, item 5: a store that does not answer keeps what the user typed and says so.

SQLite locked by another writer, and a real PostgreSQL server stopped in the middle of a session
and down when the dashboard starts: the analysis form and a register form keep their text and say
"Det gick inte att spara: lagret svarar inte. Din text finns kvar.", the rest of the page still
shows (the goal statuses come from the warehouse), and the same click saves once the store is back.
"""

from __future__ import annotations

import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from data import registers, store
from data.registers import REGISTERS
from tests.conftest import ROOT, PgCluster, shown

APP = str(ROOT / "app.py")
TEXT_KEY, AUTHOR_KEY = "comment-text-bun-hog-franvaro", "comment-author-bun-hog-franvaro"
FAILED = "Det gick inte att spara: lagret svarar inte. Din text finns kvar."
ANALYSIS = "Grundskolans frånvaro har inte minskat; närvaroteamen utvärderas i vår."


def _click(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def _errors(at: AppTest) -> list[str]:
    return [shown(e.value) for e in at.error]


def _write_analysis(at: AppTest) -> AppTest:
    at.text_area(key=TEXT_KEY).input(ANALYSIS)
    at.text_input(key=AUTHOR_KEY).input("Controller BUN")
    return _click(at, "Spara analys")


def _assert_kept(at: AppTest) -> None:
    """The failure said in Swedish, the typed text still in the form, the page still there."""
    assert not at.exception
    assert any(e.startswith(FAILED) for e in _errors(at)), _errors(at)
    assert at.text_area(key=TEXT_KEY).value == ANALYSIS and at.text_input(key=AUTHOR_KEY).value == "Controller BUN"
    assert "Översikt – måluppfyllelse" in [t.value for t in at.title]
    assert at.table  # the scorecard: the warehouse still answers


def _assert_saved(at: AppTest, url: str) -> None:
    assert not at.exception and not _errors(at), _errors(at)
    assert any(shown(s.value) == "Analysen är sparad." for s in at.success)
    assert at.text_area(key=TEXT_KEY).value == ""
    latest = store.latest_comments(url, "2026/27")["bun-hog-franvaro"]
    assert (latest.text, latest.author) == (ANALYSIS, "Controller BUN")
    details = [e.detail for e in store.audit_events(url, action="write")]
    assert details.count("analys: bun-hog-franvaro, 2026/27") == 1  # saved once, with its audit line


def test_sqlite_locked_by_another_writer_keeps_the_text(app_env):
    url = app_env["SAMVERKAN_STORE_URL"]
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception
    other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock (readers still read)
    try:
        _assert_kept(_write_analysis(at))
        # a register form too: every field kept
        at.switch_page("pages/uppfoljning.py").run()
        at.selectbox(key="form-atgarder-ny-goal_id").set_value("bun-hog-franvaro")
        at.text_input(key="form-atgarder-ny-title").input("Mentorssamtal varje vecka")
        _click(at, "Lägg till åtgärd")
        assert any(e.startswith(FAILED) for e in _errors(at)), _errors(at)
        assert at.text_input(key="form-atgarder-ny-title").value == "Mentorssamtal varje vecka"
        assert at.selectbox(key="form-atgarder-ny-goal_id").value == "bun-hog-franvaro"
    finally:
        other.execute("ROLLBACK")
        other.close()
    _click(at, "Lägg till åtgärd")  # the same click, the lock gone
    assert "Mentorssamtal varje vecka" in [a.title for a in registers.current(url, REGISTERS["atgarder"])]
    at.switch_page("pages/overview.py").run()
    assert at.text_area(key=TEXT_KEY).value == ANALYSIS  # still there, after visiting another page
    _assert_saved(_click(at, "Spara analys"), url)


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of this test's own, to be stopped and started."""
    cluster = PgCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.remove()


def test_postgresql_stopped_mid_session_keeps_the_text(app_env, own_postgres, monkeypatch):
    url = own_postgres.database()
    monkeypatch.setenv("SAMVERKAN_STORE_URL", url)
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception and all("lagret" not in w.value for w in at.warning)
    own_postgres.stop()
    try:
        _assert_kept(_write_analysis(at))
        warnings = " ".join(w.value for w in at.warning)
        assert "Analyserna kan inte visas just nu: lagret svarar inte" in shown(warnings)
        assert "Åtgärderna kan inte visas just nu: lagret svarar inte" in shown(warnings)
    finally:
        own_postgres.start()
    _assert_saved(_click(at, "Spara analys"), url)  # the same click once the server is back


def test_postgresql_down_when_the_dashboard_starts(app_env, own_postgres, monkeypatch):
    url = own_postgres.database()
    monkeypatch.setenv("SAMVERKAN_STORE_URL", url)
    own_postgres.stop()
    store._engines.pop(url, None)
    at = AppTest.from_file(APP, default_timeout=180).run()  # the store cannot even be migrated
    assert not at.exception
    assert "Översikt – måluppfyllelse" in [t.value for t in at.title]
    assert "Analyserna kan inte visas just nu" in shown(" ".join(w.value for w in at.warning))
    _assert_kept(_write_analysis(at))
    own_postgres.start()
    _assert_saved(_click(at, "Spara analys"), url)
    assert store.schema_revision(store.engine(url)) == "0004"  # migrated at the first use that could
