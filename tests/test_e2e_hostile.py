"""Issue 12 in a real browser: hostile names and analyses render as text, and many sessions at
once neither deadlock nor break the server."""

from __future__ import annotations

import urllib.parse

import pytest

from bench import load
from data import store, warehouse
from tests.conftest import ROOT
from tests.test_e2e import SHOTS, browser, page, wait_rendered  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e

HOSTILE_SCHOOL = "![x](http://127.0.0.1:9/pixel.png) [klicka här](https://evil.example/s) <b>fet</b> :red[röd]"
HOSTILE_TEXT = ("Analys ![spår](http://127.0.0.1:9/pixel2.png) och [klicka här](https://evil.example/a) "
                "<img src=x onerror=alert(1)> **fet** www.evil.example")


@pytest.fixture(scope="module")
def hostile_server(demo_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    db = work / "hostile.duckdb"
    warehouse.copy(demo_db, db)

    def rename(con):
        con.execute("UPDATE schools SET school_name = ? WHERE school_id = (SELECT min(school_id) FROM schools "
                    "WHERE area = 'Centrum' AND school_form = 'grundskola')", [HOSTILE_SCHOOL])

    warehouse.write(db, rename)
    store_url = f"sqlite:///{work / 'store.sqlite'}"
    for goal, committee in (("bun-hog-franvaro", "BUN"), ("sn-hog-franvaro-insats", "SN")):
        store.add_comment(store_url, goal, "2026/27", committee, HOSTILE_TEXT, "[Namn](https://evil.example/n)")
    env = {"SAMVERKAN_DB": str(db), "SAMVERKAN_STORE_URL": store_url,
           "SAMVERKAN_GOALS": str(ROOT / "config" / "goals.yaml")}
    with load.streamlit_server(env, work / "server.log") as (_proc, url):
        yield url


def _no_markup_from_data(pg, requests: list[str]) -> None:
    assert pg.locator("img[src*='pixel'], img[src='x']").count() == 0
    assert pg.locator("a[href*='evil.example']").count() == 0
    assert pg.locator("[data-testid=stMarkdownContainer] b, [data-testid=stMarkdownContainer] img").count() == 0
    hosts = {urllib.parse.urlsplit(r).netloc for r in requests}
    assert not hosts & {"127.0.0.1:9", "evil.example", "www.evil.example"}, hosts


@pytest.mark.parametrize("path,marker,name", [
    ("/", "Nämndens analys, läsåret 2026/27", "oversikt"),
    ("/styrgrupp?manad=oktober+2026", "Nämndernas analyser", "styrgrupp"),
    ("/bun?omrade=Centrum", "Centrum: per skolenhet", "bun-omrade"),
    ("/bun?omrade=Centrum&skola=" + urllib.parse.quote(HOSTILE_SCHOOL), "per årskurs", "bun-skola"),
])
def test_names_and_analyses_from_data_render_as_text(hostile_server, page, path, marker, name):  # noqa: F811
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(hostile_server + path)
    body = wait_rendered(page, marker).replace("\u200b", "")  # zero-width spaces break bare links
    page.wait_for_timeout(1000)  # charts drawn
    _no_markup_from_data(page, requests)
    if name in ("oversikt", "styrgrupp"):
        assert "Analys ![spår](http://127.0.0.1:9/pixel2.png) och [klicka här](https://evil.example/a)" in body
    if name == "bun-skola":
        assert "![x](http://127.0.0.1:9/pixel.png) [klicka här](https://evil.example/s) <b>fet</b>" in body
    if name == "bun-omrade":  # the school's name in the charts' labels, as text
        svg_text = " ".join(page.locator(".js-plotly-plot text").evaluate_all("els => els.map(e => e.textContent)"))
        assert "<b>fet</b>" in svg_text
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"hostile-{name}.png"), full_page=True)


def test_concurrent_sessions_neither_deadlock_nor_fail(demo_db, tmp_path):
    # The deadlock of issue 12 came within a minute at 20 sessions; six sessions cycling through
    # every page for 50 s on a fresh server exercise the same paths (first imports included).
    env = {"SAMVERKAN_DB": str(demo_db), "SAMVERKAN_STORE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}",
           "SAMVERKAN_GOALS": str(ROOT / "config" / "goals.yaml")}
    log = tmp_path / "server.log"
    with load.streamlit_server(env, log) as (proc, url):
        result = load.run_load(proc, url, sessions=6, seconds=50, page_timeout_s=120)
    summary = result.summary()
    assert result.errors == 0 and result.timeouts == 0, summary
    assert result.alive_after and result.healthy_after, summary
    assert all(v >= 1 for v in result.visits_per_session) and len(result.visits_per_session) == 6, summary
    assert "Traceback" not in log.read_text() and "partially initialized" not in log.read_text()
