"""Issue 11 end to end: a real OIDC provider (oidc-provider-mock, offline on localhost), a real
Streamlit server configured through a temporary secrets file, and Playwright logging in as users
of each role."""

from __future__ import annotations

import re
import time

import pytest

from bench import load
from data import store
from data import warehouse
from data.warehouse import Warehouse
from tests.conftest import ROOT
from tests.test_e2e import SHOTS, browser, wait_rendered  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

TOKEN_SECONDS = 45  # the ID token's lifetime at the provider: the expiry test waits it out
USERS = {
    "ledamot.bun@kommun.se": ["Samverkan.Ledamot.BUN"],
    "styrgrupp@kommun.se": ["Samverkan.Styrgrupp"],
    "analytiker@kommun.se": ["Samverkan.Analytiker"],
    "forvaltare@kommun.se": ["Samverkan.Dataforvaltare"],
    "admin@kommun.se": ["Samverkan.Admin"],
    "utan.roll@kommun.se": [],
}
NAV = {  # what each role's navigation lists, written out from the issue (the statement is for everyone)
    "ledamot.bun@kommun.se": ["Översikt", "Barn- och utbildningsnämnden", "Jämförelser", "Definitioner",
                              "Tillgänglighetsredogörelse"],
    "styrgrupp@kommun.se": ["Översikt", "Barn- och utbildningsnämnden", "Socialnämnden", "Styrgruppen", "Jämförelser",
                            "Uppföljning", "Definitioner", "Tillgänglighetsredogörelse"],
    "analytiker@kommun.se": ["Översikt", "Barn- och utbildningsnämnden", "Socialnämnden", "Styrgruppen",
                             "Jämförelser", "Uppföljning", "Definitioner", "Tillgänglighetsredogörelse"],
    "forvaltare@kommun.se": ["Översikt", "Definitioner", "Importera data", "Tillgänglighetsredogörelse"],
    "admin@kommun.se": ["Översikt", "Barn- och utbildningsnämnden", "Socialnämnden", "Styrgruppen", "Jämförelser",
                        "Uppföljning", "Definitioner", "Importera data", "Granskningslogg",
                        "Tillgänglighetsredogörelse"],
}


@pytest.fixture(scope="module")
def login_app(demo_db, tmp_path_factory):
    from datetime import timedelta

    import oidc_provider_mock

    work = tmp_path_factory.mktemp("login")
    db = work / "wh.duckdb"
    warehouse.copy(demo_db, db)
    store_url = f"sqlite:///{work / 'store.sqlite'}"
    store.seed_demo_comments(store_url, "2026/27")
    users = [oidc_provider_mock.User(sub=email, claims={"email": email, "name": email.split("@")[0], "roles": roles})
             for email, roles in USERS.items()]
    with oidc_provider_mock.run_server_in_thread(port=0, user_claims=users,
                                                 access_token_max_age=timedelta(seconds=TOKEN_SECONDS)) as idp:
        port = load.free_port()
        secrets = work / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{"c" * 48}"\n'
            'client_id = "samverkan-test"\n'
            'client_secret = "hemligt-i-testet"\n'
            f'server_metadata_url = "http://localhost:{idp.server_port}/.well-known/openid-configuration"\n',
            encoding="utf-8")
        env = {"SAMVERKAN_DB": str(db), "SAMVERKAN_STORE_URL": store_url,
               "SAMVERKAN_GOALS": str(ROOT / "config" / "goals.yaml"),
               "AUTHLIB_INSECURE_TRANSPORT": "1"}  # plain http on localhost only
        with load.streamlit_server(env, work / "server.log", port=port,
                                   extra_args=["--secrets.files", str(secrets)]) as (_proc, _url):
            yield {"url": f"http://localhost:{port}", "store": store_url, "db": db}


def login(browser, app, email: str):  # noqa: F811
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(app["url"] + "/")
    page.get_by_role("button", name="Logga in").click()
    page.locator("input[name=sub]").fill(email)  # the provider's own login form
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(app["url"] + "/**", timeout=60_000)
    return context, page


def nav(page) -> list[str]:
    page.locator("[data-testid=stSidebarNav]").wait_for(timeout=60_000)
    # each link reads "<icon name>\n\n<title>"
    return [t.strip().split("\n")[-1] for t in page.locator("[data-testid=stSidebarNav] a").all_inner_texts()]


@pytest.mark.parametrize("email", list(NAV))
def test_each_role_sees_its_pages_and_is_refused_the_others(login_app, browser, email):  # noqa: F811
    context, page = login(browser, login_app, email)
    body = wait_rendered(page, "Översikt – måluppfyllelse")
    assert f"Inloggad: {email.split('@')[0]}" in body
    assert nav(page) == NAV[email]
    # a page outside the role, opened by URL, is refused in Swedish and shows nothing of itself
    for path, title in (("/styrgrupp", "Nämndernas analyser"), ("/import", "Importlogg"),
                        ("/granskningslogg", "Granskningslogg")):
        if title.startswith("Granskningslogg") and "Granskningslogg" in NAV[email]:
            continue
        if path == "/styrgrupp" and "Styrgruppen" in NAV[email]:
            continue
        if path == "/import" and "Importera data" in NAV[email]:
            continue
        page.goto(login_app["url"] + path)
        text = wait_rendered(page, "Du har inte behörighet till den här sidan")
        assert title not in text, (email, path)
    context.close()


def test_a_member_writes_only_the_own_committees_analysis(login_app, browser):  # noqa: F811
    context, page = login(browser, login_app, "ledamot.bun@kommun.se")
    wait_rendered(page, "Nämndens analys, läsåret 2026/27")
    assert page.get_by_text("Skriv analys").count() == 1  # the BUN goal's, not SN's
    assert page.get_by_role("button", name="Data (Excel)").count() == 0  # members do not export
    page.get_by_text("Skriv analys").click()
    page.get_by_label("Analys").fill("Ledamotens analys via inloggning.")
    page.get_by_role("button", name="Spara analys").click()
    wait_rendered(page, "Ledamotens analys via inloggning.")
    latest = store.latest_comments(login_app["store"], "2026/27")
    assert latest["bun-hog-franvaro"].user_id == "ledamot.bun@kommun.se"
    assert latest["sn-hog-franvaro-insats"].text.startswith("Demodata")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "inloggad-ledamot.png"), full_page=True)
    context.close()


def test_a_data_steward_imports_and_the_ledger_names_them(login_app, browser, tmp_path):  # noqa: F811
    context, page = login(browser, login_app, "forvaltare@kommun.se")
    page.goto(login_app["url"] + "/import")
    wait_rendered(page, "Importlogg")
    csv = tmp_path / "skolor.csv"
    csv.write_text("school_id;school_name;school_form;area;operator\nE2E1;Testskolan;grundskola;Norr;kommunal\n",
                   encoding="utf-8")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(str(csv))
    wait_rendered(page, "skolor.csv är giltig")
    page.get_by_role("button", name="Bekräfta import").click()
    wait_rendered(page, "Klart: 1 rader tillagda")
    who = Warehouse(login_app["db"]).fetchone(
        "SELECT imported_by FROM import_ledger WHERE file_name = 'skolor.csv'")[0]
    assert who == "forvaltare@kommun.se"
    context.close()


def test_the_admin_sees_the_audit_log(login_app, browser):  # noqa: F811
    # the tests above logged in, wrote, imported and were refused: all of it is in the log
    events = {(e.action, e.user_id) for e in store.audit_events(login_app["store"])}
    assert {("login", "ledamot.bun@kommun.se"), ("write", "ledamot.bun@kommun.se"),
            ("import", "forvaltare@kommun.se"), ("login", "analytiker@kommun.se")} <= events
    context, page = login(browser, login_app, "admin@kommun.se")
    page.goto(login_app["url"] + "/granskningslogg")
    body = wait_rendered(page, "händelser.")
    shown = int(re.search(r"(\d+) händelser\.", body.replace("\u00a0", "")).group(1))
    assert shown == len(store.audit_events(login_app["store"]))  # every event of the last 30 days
    page.get_by_role("combobox", name="Händelse").click()
    page.get_by_role("option", name="Import", exact=True).click()
    body = wait_rendered(page, "1 händelse.")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "granskningslogg.png"), full_page=True)
    context.close()


def test_the_login_page_has_the_accessibility_statement(login_app, browser):  # noqa: F811
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(login_app["url"] + "/")
    page.get_by_role("button", name="Logga in").wait_for(timeout=60_000)
    page.locator("[data-testid=stExpander] summary").filter(has_text="Tillgänglighetsredogörelse").click()
    link = page.get_by_role("link", name="Anmäl bristande tillgänglighet")
    assert link.get_attribute("href") == "https://www.digg.se/tdosanmalan"
    assert page.evaluate("document.documentElement.lang") == "sv"
    context.close()


def test_without_a_role_nothing_is_shown(login_app, browser):  # noqa: F811
    context, page = login(browser, login_app, "utan.roll@kommun.se")
    body = wait_rendered(page, "har ingen roll i Samverkan")
    assert "Översikt – måluppfyllelse" not in body
    context.close()


def test_an_expired_id_token_logs_the_user_out(login_app, browser):  # noqa: F811
    context, page = login(browser, login_app, "analytiker@kommun.se")
    wait_rendered(page, "Översikt – måluppfyllelse")
    time.sleep(TOKEN_SECONDS + 2)
    page.goto(login_app["url"] + "/")
    # Streamlit's logout ends the session at the provider too (its end-session endpoint)
    page.get_by_role("button", name="End session").click(timeout=60_000)
    page.get_by_role("button", name="Logga in").wait_for(timeout=60_000)
    assert "Översikt – måluppfyllelse" not in page.locator("body").inner_text()
    expired = [e for e in store.audit_events(login_app["store"], action="logout")
               if e.user_id == "analytiker@kommun.se"]
    assert expired and "gått ut" in expired[0].detail
    context.close()
