"""End-to-end: a real Streamlit server on the demo warehouse, driven by headless Chromium.

Screenshots go to test-artifacts/screenshots/ (printed at the end of the run).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from data import demo_registers, store
from tests.conftest import ROOT, svg_text_outside

pytestmark = pytest.mark.e2e

SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    port = _free_port()
    store_url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'store.sqlite'}"
    store.seed_demo_comments(store_url, "2026/27")
    demo_registers.seed(store_url)
    env = {**os.environ, "SAMVERKAN_DB": str(demo_db), "SAMVERKAN_STORE_URL": store_url,
           "SAMVERKAN_GOALS": str(ROOT / "config" / "goals.yaml")}
    log = tmp_path_factory.mktemp("e2e-log") / "server.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "serve.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("Streamlit did not start:\n" + log.read_text())
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    assert "Traceback" not in log.read_text(), log.read_text()


# The script has finished: Streamlit 1.67 shows its status widget ("Stop") while a script runs
# and removes it when the run ends (it never says "Running"). Checked after the page's marker.
IDLE = "() => !document.querySelector('[data-testid=stStatusWidget]')"


def wait_rendered(page, text: str) -> str:
    """Wait until ``text`` is shown and the app is idle; return the page's text.

    Idle twice in a row, 0.7 s apart: a URL-bound widget can start a second script run right
    after the first, and text read in between would be half re-rendered."""
    page.get_by_text(text).first.wait_for(timeout=60_000)
    # the end of the run itself (a loaded machine can take long; a run that never ends still fails)
    for _ in range(2):
        page.wait_for_function(IDLE, timeout=150_000)
        page.wait_for_timeout(700)
    page.wait_for_function(IDLE, timeout=150_000)
    return page.locator("body").inner_text()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def test_overview_in_a_real_browser(server, page):
    page.goto(server + "/")
    body = wait_rendered(page, "Nämndens analys, läsåret 2026/27")
    assert "Andelen elever med hög frånvaro ska minska med minst två procentenheter" in body
    assert "Barn- och utbildningsnämnden" in body and "Socialnämnden" in body
    assert "Demodata – fiktiv kommun" in body
    assert "Ej uppnått" in body and "Delvis uppnått" in body
    assert page.locator("[data-testid=stException]").count() == 0
    assert "Traceback" not in body and "Page not found" not in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1000)  # let the charts draw
    page.screenshot(path=str(SHOTS / "oversikt.png"), full_page=True)


def test_a_filtered_link_reproduces_the_view(server, page):
    page.goto(server + "/?lasar=2023/24&namnd=BUN")
    wait_rendered(page, "Nämndens analys, läsåret 2023/24")
    body = wait_rendered(page, "11,7 %")
    assert "Hög frånvaro ska minska med 20 procent bland barn med insatser" not in body
    assert "11,7 %" in body


def test_tablet_width(server, browser):
    context = browser.new_context(locale="sv-SE", viewport={"width": 820, "height": 1180})
    pg = context.new_page()
    pg.goto(server + "/")
    wait_rendered(pg, "Nämndens analys, läsåret 2026/27")
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    pg.screenshot(path=str(SHOTS / "oversikt-surfplatta.png"), full_page=True)
    context.close()


PAGES = [
    ("/", "oversikt", "Nämndens analys, läsåret 2026/27"),
    ("/bun", "bun", "Skolorna jämförda"),
    ("/sn", "sn", "Socialnämndens mål"),
    ("/styrgrupp", "styrgrupp", "Nämndernas analyser"),
    ("/jamforelser", "jamforelser", "Det som saknar nationell motsvarighet"),
    ("/uppfoljning", "uppfoljning", "Försenat och förfaller snart"),
    ("/definitioner", "definitioner", "Andel elever med hög frånvaro"),
    ("/import", "import", "Importlogg"),
]


@pytest.mark.parametrize("path,name,marker", PAGES)
def test_every_page_renders_without_errors(server, page, path, name, marker):
    page.goto(server + path)
    body = wait_rendered(page, marker)
    assert page.locator("[data-testid=stException]").count() == 0
    assert "Traceback" not in body and "Page not found" not in body and "Något gick fel" not in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_filter_and_downloads_on_the_bun_page(server, page, tmp_path):
    page.goto(server + "/bun")
    wait_rendered(page, "Skolorna jämförda")
    # change a filter: the drill-down goes from areas to the schools of one area
    page.get_by_role("combobox", name="Område").click()
    page.get_by_role("option", name="Norr", exact=True).click()
    body = wait_rendered(page, "Norr: per skolenhet")
    assert "omrade=Norr" in page.url
    assert "Norr: per skolenhet" in body
    # download the data behind the first chart as CSV, and the chart as PNG
    page.get_by_role("button", name="Ladda ner").first.click()
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Data (CSV)").first.click()
    csv_path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(csv_path)
    text = csv_path.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Period;Skolform;") and "," in text.splitlines()[1]
    assert "Källa;Demodata – fiktiv kommun" in text and "Urval;Huvudman: Kommunala; Område: Norr" in text
    with page.expect_download(timeout=90_000) as dl:
        page.get_by_role("button", name="Bild (PNG)").first.click()
    png = tmp_path / dl.value.suggested_filename
    dl.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "omrade-norr" in png.name  # the file says which place it shows


@pytest.mark.parametrize("path,marker", [("/bun", "Skolorna jämförda"), ("/sn", "Socialnämndens mål")])
def test_every_chart_image_from_bun_and_sn_is_whole_and_names_its_source(server, browser, tmp_path, path, marker):
    """Downloaded as an analyst would: every chart's SVG and PNG, checked in the browser for text
    outside the image, and for the source and the data's date."""
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.goto(server + path)
    wait_rendered(pg, marker)
    assert pg.title().endswith("– Samverkan") and pg.title() != "Samverkan"  # the page's own tab title
    menus = pg.get_by_role("button", name="Ladda ner")
    count = menus.count()
    assert count >= 5
    checker = context.new_page()
    for i in range(count):
        menus.nth(i).click()
        svg_button = pg.get_by_role("button", name="Bild (SVG)")
        if svg_button.count() == 0:  # a table's menu (data only)
            pg.keyboard.press("Escape")
            continue
        with pg.expect_download(timeout=90_000) as dl:
            svg_button.first.click()
        svg = Path(dl.value.path()).read_text(encoding="utf-8")
        assert svg_text_outside(checker, svg) == [], dl.value.suggested_filename
        assert "Källa: Demodata – fiktiv kommun. Data t.o.m. 2026-10-31." in svg, dl.value.suggested_filename
        with pg.expect_download(timeout=90_000) as dl:
            pg.get_by_role("button", name="Bild (PNG)").first.click()
        png = tmp_path / dl.value.suggested_filename
        dl.value.save_as(png)
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        pg.keyboard.press("Escape")
    context.close()


def test_steering_page_prints_and_fits_a_tablet(server, browser):
    context = browser.new_context(locale="sv-SE", viewport={"width": 820, "height": 1180})
    pg = context.new_page()
    pg.goto(server + "/styrgrupp")
    wait_rendered(pg, "Nämndernas analyser")
    # the goal and key-indicator tables stack into cards: no sideways scrolling, no cut buttons
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    tables = pg.locator("table.sv-table")
    assert tables.count() == 4  # goals, key indicators, what is due, open decisions
    for i in range(4):
        assert pg.evaluate("(t) => t.scrollWidth <= t.parentElement.clientWidth + 1", tables.nth(i).element_handle())
    pg.screenshot(path=str(SHOTS / "styrgrupp-surfplatta.png"), full_page=True)
    # print on A4: nothing cut at the right edge
    pg.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    pg.emulate_media(media="print")
    pg.wait_for_timeout(500)
    for i in range(4):
        assert pg.evaluate("(t) => t.getBoundingClientRect().right <= window.innerWidth + 1",
                           tables.nth(i).element_handle())
    pg.screenshot(path=str(SHOTS / "styrgrupp-utskrift.png"), full_page=True)
    pdf = pg.pdf(format="A4")
    assert pdf[:4] == b"%PDF"
    context.close()


def test_the_overviews_html_report_and_brief_download(server, page, tmp_path):
    page.goto(server + "/")
    wait_rendered(page, "Nämndens analys, läsåret 2026/27")
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Ladda ner sidan som HTML-rapport").click()
    html = Path(dl.value.path()).read_text(encoding="utf-8")
    assert len(html.encode()) < 1_000_000 and "<script" not in html
    for status in ("✗ Ej uppnått", "◐ Delvis uppnått", "✓ Uppnått"):
        assert status in html
    assert "Nämndens analys" in html and "Demodata: Gymnasieskolan ligger kvar" in html
    page.get_by_role("button", name="Uppföljningsrapport").click()
    with page.expect_download(timeout=180_000) as dl:
        page.get_by_role("button", name="Word (.docx)").click()
    docx_path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(docx_path)
    import docx

    text = "\n".join(p.text for p in docx.Document(str(docx_path)).paragraphs)
    assert "Uppföljningsrapport" in text and "Hög frånvaro ska minska med 20 procent bland barn med insatser" in text


@pytest.mark.parametrize("path,marker", [("/sn", "Socialnämndens mål"),
                                         ("/bun?omrade=Norr", "Norr: per skolenhet"),
                                         ("/styrgrupp", "Nämndernas analyser")])
def test_a_deep_link_as_the_first_request_to_a_fresh_server_opens_its_page_with_no_dialog(demo_db, tmp_path, browser,
                                                                                          path, marker):
    # Streamlit serves a fresh server in its file-based pages/ mode until st.navigation runs, and
    # there a URL naming no file in pages/ opens under its English "Page not found" dialog. The page
    # files are named after their URL paths, and the page hands over to the app (ui.auth.require).
    port = _free_port()
    env = {**os.environ, "SAMVERKAN_DB": str(demo_db), "SAMVERKAN_STORE_URL": f"sqlite:///{tmp_path / 's.sqlite'}"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "serve.py"), "--server.port",
                             str(port), "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        context = browser.new_context(locale="sv-SE")
        pg = context.new_page()
        pg.goto(url + path)
        body = wait_rendered(pg, marker)
        assert pg.get_by_role("dialog").count() == 0, pg.get_by_role("dialog").all_inner_texts()
        assert "Page not found" not in body and "does not seem to exist" not in body
        assert "Demodata – fiktiv kommun" in body  # app.py's sidebar
        nav = pg.locator("[data-testid=stSidebarNav]").inner_text()
        assert "Styrgruppen" in nav and "Tillgänglighetsredogörelse" in nav and "styrgrupp\n" not in nav  # the app's titles
        assert pg.url == url + path  # the link as it was asked for, query parameters included
        context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_an_action_added_on_the_follow_up_page_shows_on_the_overview_and_the_steering_page(server, page):
    page.goto(server + "/uppfoljning")
    wait_rendered(page, "Försenat och förfaller snart")
    page.locator("[data-testid=stExpander] summary").filter(has_text="Lägg till åtgärd").click()
    page.get_by_role("combobox", name="Mål *").click()  # chosen by its title, not typed as an id
    page.get_by_role("option", name="Andelen elever med hög frånvaro ska minska med minst två procentenheter").click()
    page.get_by_role("textbox", name="Åtgärd *").fill("Lovskola för elever med hög frånvaro")
    page.get_by_role("textbox", name="Ansvarig (roll eller namn)").fill("Rektor Björkskolan")
    page.get_by_role("textbox", name="Klart senast").fill("2026-01-15")
    page.get_by_role("button", name="Lägg till åtgärd").click()
    body = wait_rendered(page, "Sparat: åtgärd ”Lovskola för elever med hög frånvaro” är tillagd.")
    assert "Inget sparades" not in body
    page.goto(server + "/?namnd=BUN")
    body = wait_rendered(page, "Lovskola för elever med hög frånvaro")
    assert "⚠ Lovskola för elever med hög frånvaro" in body  # overdue: marked on the goal card
    page.goto(server + "/styrgrupp")
    body = wait_rendered(page, "Att följa upp")
    body = wait_rendered(page, "Lovskola för elever med hög frånvaro")
    assert "Rektor Björkskolan" in body and "Öppna beslut" in body
