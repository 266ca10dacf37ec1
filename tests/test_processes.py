"""Issue 25, item 3: two Streamlit processes behind Debian's nginx (scripts/serve_many.py and
DEPLOY.md's configuration, bench/front_door.py), one PostgreSQL store, one warehouse that both read.

Checked: every request of a session (its page, its websocket, a reconnection) reaches one
process, chosen by the ``samverkan_node`` cookie, and both processes serve sessions that all come
from the same address; an analysis written through one process is read through the other; an
import (a writer that swaps the warehouse's main file) is seen by both. Sized for CI: one demo
warehouse copy, two processes, a few sessions."""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import subprocess
import sys

import pytest

from bench import front_door, protocol
from data import store
from data.warehouse import parts_dir
from tests.conftest import ROOT
from tests.test_e2e import browser, wait_rendered  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

ANALYSIS = "Analys skriven genom den ena processen och läst genom den andra."


@pytest.fixture(scope="module")
def door(demo_db, tmp_path_factory, postgres_cluster):
    work = tmp_path_factory.mktemp("two-processes")
    db = work / "demo.duckdb"  # a copy: the import below writes it
    shutil.copy(demo_db, db)
    shutil.copytree(parts_dir(demo_db), parts_dir(db))
    url = postgres_cluster.database()
    store.seed_demo_comments(url, "2026/27")
    env = {"SAMVERKAN_DB": str(db), "SAMVERKAN_STORE_URL": url, "SAMVERKAN_AUTH": "off",
           "SAMVERKAN_GOALS": str(ROOT / "config" / "goals.yaml")}
    with front_door.front_door(env, work, servers=2) as d:
        yield d, db, url
    log = (work / "servers.log").read_text()
    assert "Traceback" not in log, log


def _cookie_on(d: front_door.FrontDoor, server: str, tries: int = 40) -> str:
    """A ``samverkan_node`` value as nginx hands it out (the first response's cookie) that nginx
    sends to ``server`` (host:port). A session with it opens a page, so that the log names it
    (nginx logs the cookie a request carries; the first response only sets it)."""
    for _ in range(tries):
        cookie = protocol.first_get(d.url, 30).removeprefix("samverkan_node=")
        _visit(d.url, f"samverkan_node={cookie}", ["definitioner"])
        if set(d.upstreams_of(cookie)) == {server}:
            return cookie
    raise AssertionError(f"nginx sent none of {tries} new sessions to {server}")


def _visit(url: str, cookie: str, paths: list[str]) -> list[protocol.PageRun]:
    """One session with ``cookie`` (a header value) that opens ``paths`` in turn. On a thread of its
    own: Playwright's sync API keeps an event loop running on the test's thread."""
    async def visit() -> list[protocol.PageRun]:
        async with protocol.Session(url, cookie=cookie, timeout=120, read=True) as s:
            return [await s.run(p) for p in paths]

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, visit()).result()


@pytest.fixture(scope="module")
def cookies(door):
    d, _db, _url = door
    upstreams = [u.removeprefix("http://") for u in d.servers]
    return {u: _cookie_on(d, u) for u in upstreams}


def test_a_session_stays_on_its_process_and_both_processes_serve(door, cookies):
    d, _db, _url = door
    assert len(set(d.pids)) == 2
    for upstream, cookie in cookies.items():
        # a session: the overview and a page from the menu, then the tab reloads (a new websocket)
        for paths in (["", "bun"], ["sn"]):
            runs = _visit(d.url, f"samverkan_node={cookie}", paths)
            assert all(r.ok for r in runs), [r.errors for r in runs]
        seen = d.upstreams_of(cookie)
        assert len(seen) >= 3 and set(seen) == {upstream}, (cookie, seen)
    # every session came from 127.0.0.1: the two processes were told apart by the cookie alone
    assert set(cookies) == {u.removeprefix("http://") for u in d.servers}


def test_an_analysis_written_through_one_process_is_read_through_the_other(door, cookies, browser):  # noqa: F811
    d, _db, url = door
    (first, c1), (second, c2) = cookies.items()
    context = browser.new_context(locale="sv-SE", ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "samverkan_node", "value": c1, "url": d.url}])
    page = context.new_page()
    page.goto(d.url + "/")
    wait_rendered(page, "Nämndens analys, läsåret 2026/27")
    page.get_by_text("Skriv analys").first.click()
    page.get_by_label("Analys").first.fill(ANALYSIS)
    page.get_by_role("button", name="Spara analys").first.click()
    wait_rendered(page, ANALYSIS)
    context.close()
    assert set(d.upstreams_of(c1)) == {first}  # the browser's every request went to the first
    assert any(c.text == ANALYSIS for c in store.latest_comments(url, "2026/27").values())
    # the other process reads it from the shared store
    (overview,) = _visit(d.url, f"samverkan_node={c2}", [""])
    # as the page writes it: markdown with the full stop escaped (the text is shown literally)
    assert overview.ok and ANALYSIS.replace(".", "\\.") in overview.texts
    assert set(d.upstreams_of(c2)) == {second}


def _ledger_files(run: protocol.PageRun) -> list[str]:
    return [row["Fil"] for table in run.tables if table and "Fil" in table[0] for row in table]


def test_an_import_is_seen_by_both_processes(door, cookies, tmp_path):
    d, db, _url = door
    before = {u: (_visit(d.url, f"samverkan_node={c}", ["import"]))[0] for u, c in cookies.items()}
    for run in before.values():
        assert run.ok and "skolor-process.csv" not in _ledger_files(run)
    csv = tmp_path / "skolor-process.csv"
    csv.write_text("school_id;school_name;school_form;area;operator\nP2;Processkolan;grundskola;Norr;kommunal\n",
                   encoding="utf-8")
    # a writer of its own (as a nightly import): it swaps the main file once
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "import", "schools", str(csv), "--db", str(db),
                           "--user", "test"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for upstream, cookie in cookies.items():
        (run,) = _visit(d.url, f"samverkan_node={cookie}", ["import"])
        assert run.ok and "skolor-process.csv" in _ledger_files(run), (upstream, _ledger_files(run))
        assert set(d.upstreams_of(cookie)) == {upstream}
