"""Issue 23, item 6: DEPLOY.md's reverse proxy runs in the suite. Debian's nginx with a self-signed
certificate, configured by scripts/nginx_conf.py (the file DEPLOY.md shows), in front of a real
Streamlit server on the demo; a real browser through it. Checked: the websocket, the security
headers on every kind of response, the redirect from plain HTTP, and that ``?embed=true`` cannot be
framed from another origin (while the same server, unproxied, can: the test would see framing)."""

from __future__ import annotations

import http.server
import re
import ssl
import threading
import urllib.error
import urllib.request

import pytest

from bench import front_door, load
from data import demo_registers, store
from scripts import nginx_conf
from tests.conftest import ROOT
from tests.test_e2e import SHOTS, browser, wait_rendered  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

HEADERS = {  # what every response through the front door carries, written out from the issue
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


@pytest.fixture(scope="module")
def door(demo_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("front-door")
    url = f"sqlite:///{work / 'store.sqlite'}"
    store.seed_demo_comments(url, "2026/27")
    demo_registers.seed(url)
    env = {"SAMVERKAN_DB": str(demo_db), "SAMVERKAN_STORE_URL": url,
           "SAMVERKAN_GOALS": str(ROOT / "config" / "goals.yaml")}
    with front_door.front_door(env, work) as d:
        yield d


def _insecure() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the test's own self-signed certificate
    return ctx


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str):
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=_insecure()))
    try:
        return opener.open(url, timeout=30)
    except urllib.error.HTTPError as exc:  # 3xx and 4xx are answers too
        return exc


def test_deploy_md_shows_the_generated_configuration():
    """The nginx block in DEPLOY.md is the generator's output for the values it names."""
    text = (ROOT / "DEPLOY.md").read_text(encoding="utf-8")
    block = re.search(r"```nginx\n(.*?)```", text, re.S).group(1)
    assert block == nginx_conf.render("samverkan.kommun.se", "/etc/ssl/samverkan.crt", "/etc/ssl/samverkan.key",
                                      ["127.0.0.1:8501"])


def test_several_servers_share_one_upstream_with_sticky_sessions():
    conf = nginx_conf.render("x", "c", "k", ["127.0.0.1:8501", "127.0.0.1:8502", "127.0.0.1:8503"])
    upstream = re.search(r"upstream samverkan \{(.*?)\}", conf, re.S).group(1)
    assert re.findall(r"server (\S+);", upstream) == ["127.0.0.1:8501", "127.0.0.1:8502", "127.0.0.1:8503"]
    assert "hash $samverkan_node consistent;" in upstream


@pytest.mark.parametrize("path", ["/", "/?embed=true", "/_stcore/health", "/static/finns-inte.js", "/sn"])
def test_every_response_carries_the_security_headers(door, path):
    r = _get(door.url + path)
    for name, value in HEADERS.items():
        assert r.headers.get_all(name) == [value], (path, name, r.headers.get_all(name))


def test_plain_http_is_redirected_to_https(door):
    r = _get(door.http_url + "/sn?x=1")
    port = door.url.rsplit(":", 1)[-1]
    assert r.status == 301 and r.headers["Location"] == f"https://127.0.0.1:{port}/sn?x=1"


def test_the_dashboard_runs_over_the_websocket_through_nginx(door, browser):  # noqa: F811
    context = browser.new_context(locale="sv-SE", ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(door.url + "/")
    body = wait_rendered(page, "Översikt – måluppfyllelse")  # drawn only from the websocket's messages
    assert "Demoläge – ingen inloggning" in body
    assert [ws.url for ws in sockets] == [door.url.replace("https://", "wss://") + "/_stcore/stream"]
    assert not sockets[0].is_closed()
    # the session cookie that keeps a browser on one server was set over HTTPS only
    cookie = next(c for c in context.cookies() if c["name"] == "samverkan_node")
    assert cookie["secure"] and cookie["httpOnly"] and re.fullmatch(r"[0-9a-f]{32}", cookie["value"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "bakom-nginx.png"))
    context.close()


def _framing_site(targets: list[str]):
    """Another origin (plain HTTP on another port) whose page frames each target."""
    page = "<html><body>" + "".join(f'<iframe id="f{i}" src="{t}" width="900" height="500"></iframe>'
                                    for i, t in enumerate(targets)) + "</body></html>"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", load.free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_embed_cannot_be_framed_from_another_origin(door, browser):  # noqa: F811
    proxied, direct = door.url + "/?embed=true", door.servers[0] + "/?embed=true"
    site = _framing_site([proxied, direct])
    try:
        context = browser.new_context(locale="sv-SE", ignore_https_errors=True)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
        # the control: Streamlit itself sends no anti-framing header, so the unproxied server renders
        framed = page.frame_locator("#f1")
        framed.get_by_text("Översikt – måluppfyllelse").first.wait_for(timeout=120_000)
        # through nginx the browser refuses to show the page in the frame: an error page instead of it
        frames = [f for f in page.frames if f != page.main_frame]
        assert sorted(f.url for f in frames) == sorted(["chrome-error://chromewebdata/", direct])
        blocked = next(f for f in frames if f.url.startswith("chrome-error"))
        text = blocked.evaluate("document.body ? document.body.innerText : ''")
        assert "Översikt" not in text and "Demoläge" not in text
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "inramning-nekad.png"))
        context.close()
    finally:
        site.shutdown()
