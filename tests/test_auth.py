"""Issue 11: roles from configuration, the three modes, and every page and write checked on the
server (AppTest with a fixed ``st.user``). The real OIDC flow is in test_e2e_login.py."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data import access, store
from data.access import Grant, Role
from tests.conftest import ROOT, build_warehouse, shown

APP = str(ROOT / "app.py")
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "k" * 32,
        "client_id": "samverkan", "client_secret": "s",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}
PAGES = ["pages/overview.py", "pages/bun.py", "pages/sn.py", "pages/styrgrupp.py",
         "pages/definitioner.py", "pages/import.py", "pages/granskningslogg.py"]


# --- the role file --------------------------------------------------------------------------

def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "access.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_role_file_validates_against_the_goal_file():
    cfg = access.load(ROOT / "config" / "access.yaml", ["BUN", "SN"])
    assert cfg.grants_for({"roles": ["Samverkan.Ledamot.SN", "okänd"]}) == [Grant(role=Role.LEDAMOT, committee="SN")]


@pytest.mark.parametrize("text,expected", [
    ("groups:\n  g: [{role: chef}]\n", "groups → g → 0 → role: okänd roll 'chef'; kända: ledamot, styrgrupp"),
    ("groups:\n  g: [{role: ledamot}]\n", "groups → g → 0: en ledamot ska ha en nämnd"),
    ("groups:\n  g: [{role: admin, committee: BUN}]\n", "groups → g → 0: bara rollen ledamot har en nämnd"),
    ("users:\n  inte-en-adress: [{role: admin}]\n", "users: ska vara e-postadresser (fick 'inte-en-adress')"),
    ("grupper: {}\n", "grupper: okänt fält (stavfel?)"),
    ("groups:\n  g: [{role: ledamot, committee: KS}]\n", "committee: okänd nämnd KS; kända (från målfilen): BUN, SN"),
])
def test_a_bad_role_file_names_every_problem_in_swedish(tmp_path, text, expected):
    with pytest.raises(access.AccessConfigError) as err:
        access.load(_write(tmp_path, text), ["BUN", "SN"])
    assert expected in str(err.value)


def test_roles_come_from_the_claim_and_the_allow_list(tmp_path):
    cfg = access.load(_write(tmp_path, "claim: groups\ngroups:\n  g1: [{role: analytiker}]\n"
                                       "users:\n  Anna@Kommun.se: [{role: ledamot, committee: BUN}]\n"), ["BUN"])
    assert cfg.grants_for({"email": "anna@kommun.se", "email_verified": True, "groups": "g1"}) == [
        Grant(role=Role.LEDAMOT, committee="BUN"), Grant(role=Role.ANALYTIKER)]
    assert cfg.grants_for({"email": "x@kommun.se", "roles": ["g1"]}) == []  # another claim


@pytest.mark.parametrize("verified", [None, False, "false", "", 1, "yes"])
def test_the_allow_list_needs_a_verified_email(tmp_path, verified):
    """Anyone can type any address into an account at some providers: only an e-mail the provider
    vouches for (OIDC's email_verified true, boolean or the string 'true') is on the list."""
    cfg = access.load(_write(tmp_path, "users:\n  anna@kommun.se: [{role: admin}]\n"), ["BUN"])
    claims = {"email": "anna@kommun.se", "sub": "abc-123"}
    if verified is not None:
        claims["email_verified"] = verified
    assert cfg.grants_for(claims) == []
    assert access.identity(claims) == "abc-123"  # nor does it name the person in the log
    for yes in (True, "true", "TRUE"):
        assert cfg.grants_for({**claims, "email_verified": yes}) == [Grant(role=Role.ADMIN)]
        assert access.identity({**claims, "email_verified": yes}) == "anna@kommun.se"


BUN_MEMBER = [Grant(role=Role.LEDAMOT, committee="BUN")]
EXPECTED_PAGES = {  # written out by hand from the issue
    "ledamot BUN": (BUN_MEMBER, {"oversikt", "bun", "jamforelser", "definitioner", "tillganglighet"}),
    "styrgrupp": ([Grant(role=Role.STYRGRUPP)], {"oversikt", "bun", "sn", "styrgrupp", "jamforelser", "uppfoljning",
                                                 "definitioner", "tillganglighet"}),
    "analytiker": ([Grant(role=Role.ANALYTIKER)], {"oversikt", "bun", "sn", "styrgrupp", "jamforelser",
                                                   "uppfoljning", "definitioner", "tillganglighet"}),
    "dataforvaltare": ([Grant(role=Role.DATAFORVALTARE)], {"oversikt", "definitioner", "import", "tillganglighet"}),
    "admin": ([Grant(role=Role.ADMIN)], set(access.PAGE_ROLES)),
    "ingen roll": ([], set()),
}


@pytest.mark.parametrize("who", EXPECTED_PAGES)
def test_which_pages_each_role_may_open(who):
    grants, pages = EXPECTED_PAGES[who]
    assert {p for p in access.PAGE_ROLES if access.may_open(grants, p)} == pages


def test_exports_imports_and_analyses_by_role():
    assert not access.may_export(BUN_MEMBER) and access.may_export([Grant(role=Role.ANALYTIKER)])
    assert access.may_import([Grant(role=Role.DATAFORVALTARE)]) and not access.may_import([Grant(role=Role.ANALYTIKER)])
    assert access.may_write_analysis(BUN_MEMBER, ["BUN"]) and not access.may_write_analysis(BUN_MEMBER, ["SN"])
    assert not access.may_write_analysis([Grant(role=Role.STYRGRUPP)], ["BUN"])
    assert access.may_write_analysis([Grant(role=Role.ADMIN)], ["SN"])
    # exact counts below goal level: internal, for those who can read the source systems anyway
    assert access.may_see_exact([Grant(role=Role.ANALYTIKER)]) and access.may_see_exact([Grant(role=Role.DATAFORVALTARE)])
    assert not access.may_see_exact([Grant(role=Role.STYRGRUPP)]) and not access.may_see_exact(BUN_MEMBER)


# --- the modes --------------------------------------------------------------------------------

def _app(**user) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = dict(AUTH)
    at.user = ({"is_logged_in": True, "exp": time.time() + 3600, "email_verified": True, **user} if user
               else {"is_logged_in": False})
    return at


def _texts(at: AppTest) -> str:
    return " ".join(e.value for kind in ("markdown", "error", "warning", "info", "caption", "title", "subheader")
                    for e in at.get(kind) if isinstance(getattr(e, "value", None), str))


def test_demo_runs_open_with_its_banner_and_a_role_switcher(app_env):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert "Demoläge – ingen inloggning" in _texts(at)
    assert at.selectbox(key="demo_view").value == "Administratör"
    at.selectbox(key="demo_view").set_value("Ledamot, BUN").run()
    assert not at.get("download_button")  # a committee member does not export
    # only the own committee's goal can be written
    assert [e.label for e in at.expander if e.label == "Skriv analys"] == ["Skriv analys"]


def test_a_real_warehouse_without_login_refuses_to_start(tmp_path, monkeypatch, app_env):
    build_warehouse(tmp_path / "riktig.duckdb")
    monkeypatch.setenv("SAMVERKAN_DB", str(tmp_path / "riktig.duckdb"))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert any("startar inte utan inloggning" in e.value for e in at.error)
    assert not at.subheader and not at.get("download_button")


def test_auth_off_shows_a_red_banner_on_every_page(tmp_path, monkeypatch, app_env):
    build_warehouse(tmp_path / "riktig.duckdb")
    monkeypatch.setenv("SAMVERKAN_DB", str(tmp_path / "riktig.duckdb"))
    monkeypatch.setenv("SAMVERKAN_AUTH", "off")
    at = AppTest.from_file(APP, default_timeout=120).run()
    for page in PAGES:
        at.switch_page(page).run()
        assert any("Inloggningen är avstängd" in e.value for e in at.error), page


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_request_to_any_page_gets_only_the_login_page(app_env, page, tmp_path, monkeypatch):
    build_warehouse(tmp_path / "riktig.duckdb")  # real data, not the demo
    monkeypatch.setenv("SAMVERKAN_DB", str(tmp_path / "riktig.duckdb"))
    at = _app().run()
    at.switch_page(page).run()
    assert [b.label for b in at.button] == ["Logga in"]
    assert not at.subheader and not at.get("download_button") and not at.get("plotly_chart")
    assert not at.dataframe


def test_an_expired_token_logs_out(app_env):
    at = _app(email="anna@kommun.se", roles=["Samverkan.Analytiker"])
    at.user["exp"] = time.time() - 5
    at.run()
    assert at.user == {"is_logged_in": False} and not at.subheader  # logged out, nothing shown
    at.run()  # the browser comes back from /auth/logout
    assert [b.label for b in at.button] == ["Logga in"]
    events = store.audit_events(app_env["SAMVERKAN_STORE_URL"], action="logout")
    assert events and events[0].user_id == "anna@kommun.se" and "gått ut" in events[0].detail


def test_a_member_writes_the_own_committees_analysis_only_and_it_is_traced(app_env):
    at = _app(email="ledamot@kommun.se", name="Lena Ledamot", roles=["Samverkan.Ledamot.SN"]).run()
    assert not at.exception
    assert not at.get("download_button")
    assert [t.key for t in at.text_area] == ["comment-text-sn-hog-franvaro-insats"]  # the SN goal's only
    at.text_area(key="comment-text-sn-hog-franvaro-insats").input("Ny analys från ledamoten.")
    at.button[[b.label for b in at.button].index("Spara analys")].click().run()
    url = app_env["SAMVERKAN_STORE_URL"]
    history = store.comment_history(url, "sn-hog-franvaro-insats", "2026/27")
    assert history[0].text == "Ny analys från ledamoten." and history[0].user_id == "ledamot@kommun.se"
    assert len(history) == 2 and history[1].text.startswith("Demodata")  # the earlier version is kept
    assert "comment-text-bun-hog-franvaro" not in [t.key for t in at.text_area]
    actions = [(e.action, e.user_id) for e in store.audit_events(url)]
    assert ("write", "ledamot@kommun.se") in actions and ("login", "ledamot@kommun.se") in actions


def test_a_page_outside_the_role_opened_anyway_is_refused_in_swedish(app_env):
    at = _app(email="bun@kommun.se", roles=["Samverkan.Ledamot.BUN"]).run()
    at.switch_page("pages/styrgrupp.py").run()  # as a link or a typed URL would
    assert any("Du har inte behörighet till den här sidan" in e.value for e in at.error)
    assert "Styrgruppen – månadsuppföljning" not in [t.value for t in at.title] and not at.dataframe
    refused = store.audit_events(app_env["SAMVERKAN_STORE_URL"], action="refused")
    assert [(e.user_id, e.detail) for e in refused] == [("bun@kommun.se", "sida: styrgrupp")]


def test_a_page_refuses_a_role_that_may_not_open_it(app_env):
    def page():
        from ui import auth

        token = auth.IN_APP.set(True)
        try:
            auth.require("styrgrupp")
            import streamlit as st

            st.write("HEMLIGT")
        finally:
            auth.IN_APP.reset(token)

    at = AppTest.from_function(page, default_timeout=60)
    at.secrets["auth"] = dict(AUTH)
    at.user = {"is_logged_in": True, "exp": time.time() + 60, "email": "bun@kommun.se", "email_verified": True,
               "roles": ["Samverkan.Ledamot.BUN"]}
    at.run()
    assert any("inte behörighet" in e.value for e in at.error)
    assert "HEMLIGT" not in _texts(at)
    refused = store.audit_events(app_env["SAMVERKAN_STORE_URL"], action="refused")
    assert refused and refused[0].detail == "sida: styrgrupp"


def test_an_analyst_gets_exports_and_downloads_are_logged(app_env):
    at = _app(email="analytiker@kommun.se", roles=["Samverkan.Analytiker"]).run()
    labels = [b.label for b in at.get("download_button")]
    assert "Data (Excel)" in labels and "Ladda ner sidan som HTML-rapport" in labels
    from ui import auth

    user = auth.User("analytiker@kommun.se", "A", (Grant(role=Role.ANALYTIKER),), "login")
    assert auth.checked_download(user, "x.csv", lambda: b"ok")() == b"ok"
    member = auth.User("bun@kommun.se", "B", tuple(BUN_MEMBER), "login")
    with pytest.raises(PermissionError):
        auth.checked_download(member, "y.csv", lambda: b"no")()
    events = [(e.action, e.user_id, e.detail) for e in store.audit_events(app_env["SAMVERKAN_STORE_URL"])]
    assert ("download", "analytiker@kommun.se", "x.csv") in events
    assert ("refused", "bun@kommun.se", "nedladdning: y.csv") in events


def test_the_admin_reads_and_filters_the_audit_log(app_env):
    url = app_env["SAMVERKAN_STORE_URL"]
    store.audit(url, "forvaltare@kommun.se", "import", "absence: fil.csv")
    at = _app(email="admin@kommun.se", roles=["Samverkan.Admin"]).run()
    at.switch_page("pages/granskningslogg.py").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert set(table["Händelse"]) == {"Import", "Inloggning"}
    assert list(table["Användare"]) == ["admin@kommun.se", "forvaltare@kommun.se"]  # newest first
    at.selectbox(key="audit_action").set_value("Import").run()
    assert list(at.dataframe[0].value["Detaljer"]) == ["absence: fil.csv"]
    assert [b.label for b in at.get("download_button")] == ["Data (Excel)", "Data (CSV)"]
    # a date that is not one: a Swedish message, the typed text kept, no table
    at.text_input(key="audit_from").input("3/11").run()
    assert [shown(e.value) for e in at.error] == [
        f"'3/11' är inget datum. Skriv datumet som ÅÅÅÅ-MM-DD, till exempel {date.today().isoformat()}."]
    assert at.text_input(key="audit_from").value == "3/11" and not at.dataframe
