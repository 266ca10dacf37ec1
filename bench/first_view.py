"""Time to a rendered page as a user meets it: the first request after a server start, and a
shared link opened in a fresh browser.

    .venv/bin/python -m bench.first_view --db PATH [--repeats 3]

* **First request after a start**: a new Streamlit server on the warehouse, then the Översikt in
  a new browser. Measured twice, side by side: on the file as written (first views precomputed)
  and on a copy whose ``precomputed`` table is empty (every figure from the engine).
* **Shared link, warm server**: links with filters (an area on the BUN page, an earlier year on
  the SN page, an earlier month for the steering group) are first visited once, so the server's
  caches are warm; then each is opened in a fresh browser context (no cache, no cookies) and
  timed until the page has rendered: its last section is shown, every chart is drawn and the
  script has finished. ``load`` is when the browser has Streamlit's own page and scripts.

Loopback only; every run is bounded and stops by itself. Prints JSON; bench/run.py calls it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import BROWSER_ARGS, CHROMIUM, IDLE, streamlit_server  # noqa: E402
from data import warehouse  # noqa: E402

# (name, path, text shown when the page has rendered, charts drawn when complete)
FIRST = ("Översikt", "/", "Nämndens analys")


# Recorded in the page: the time (ms since navigation started) of the last change to the page.
# Once the page has been quiet for QUIET_MS with the network idle, that is when it was complete.
_OBSERVE = """
window.__last = 0;
new MutationObserver(() => { window.__last = performance.now(); })
  .observe(document, {subtree: true, childList: true, characterData: true});
"""
QUIET_MS = 1000


def _render(browser, url: str, marker: str) -> dict:
    """A fresh context (no cache, no cookies) opens ``url``: seconds until the browser has the
    page and its scripts (load), and until the page was complete – the last change to it, read
    in the page once the marker is shown, the script has finished, every chart is drawn and
    nothing has changed for a second (the charts' code loads lazily, after the script)."""
    ctx = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    ctx.add_init_script(_OBSERVE)
    page = ctx.new_page()
    try:
        page.goto(url, wait_until="load", timeout=180_000)
        loaded = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
        page.get_by_text(marker).first.wait_for(timeout=180_000)
        page.wait_for_function(IDLE, timeout=180_000)
        page.wait_for_load_state("networkidle", timeout=180_000)
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
                               ".every(c => c.querySelector('.main-svg'))", timeout=180_000)
        page.wait_for_function(f"() => performance.now() - window.__last > {QUIET_MS}", timeout=180_000,
                               polling=100)
        last = page.evaluate("() => window.__last")
        charts = page.locator("[data-testid=stPlotlyChart]").count()
        return {"load_s": loaded, "rendered_s": last / 1000, "charts": charts}
    finally:
        ctx.close()


def _without_precomputed(db: Path, folder: Path) -> Path:
    copy = folder / "utan-forberakning.duckdb"
    warehouse.copy(db, copy)
    con = duckdb.connect(str(copy))  # the main file, which holds the precomputed views
    con.execute("DELETE FROM precomputed")
    con.execute("CHECKPOINT")
    con.close()
    return copy


def first_request(db: Path, work: Path) -> dict:
    """The Översikt as the first request of a freshly started server, with and without the
    precomputed first views."""
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            for label, path in (("precomputed", db), ("engine", _without_precomputed(db, work))):
                env = {"SAMVERKAN_DB": str(path),
                       "SAMVERKAN_STORE_URL": f"sqlite:///{work / f'store-{label}.sqlite'}"}
                t_start = time.perf_counter()
                with streamlit_server(env, work / f"server-{label}.log", start_timeout=300) as (_proc, url):
                    started = time.perf_counter() - t_start
                    res = _render(browser, url + FIRST[1], FIRST[2])
                    again = _render(browser, url + FIRST[1], FIRST[2])
                out[label] = {"server_start_s": started, "first": res, "second": again}
        finally:
            browser.close()
    return out


def shared_links(db: Path, work: Path, links: list[tuple[str, str, str]], repeats: int) -> dict:
    """Each link opened in a fresh browser context against a server whose caches are warm."""
    from playwright.sync_api import sync_playwright

    env = {"SAMVERKAN_DB": str(db), "SAMVERKAN_STORE_URL": f"sqlite:///{work / 'store-links.sqlite'}"}
    out: dict = {}
    with (streamlit_server(env, work / "server-links.log", start_timeout=300) as (_proc, url),
          sync_playwright() as p):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            for _name, path, marker in links:  # warm the server's caches for exactly these views
                _render(browser, url + path, marker)
            for name, path, marker in links:
                runs = [_render(browser, url + path, marker) for _ in range(repeats)]
                out[name] = {"path": path, "charts": runs[0]["charts"],
                             "load_s": statistics.median(r["load_s"] for r in runs),
                             "rendered_s": statistics.median(r["rendered_s"] for r in runs),
                             "max_s": max(r["rendered_s"] for r in runs)}
        finally:
            browser.close()
    return out


def default_links(db: Path) -> list[tuple[str, str, str]]:
    """Shared links with filters, as a colleague would send them (not the precomputed defaults)."""
    from urllib.parse import quote_plus

    from data.warehouse import Warehouse
    from metrics import periods, views

    wh = Warehouse(db)
    area = views.areas(wh)[0]
    year = views.years(wh)[1]
    month = periods.parse(views.months(wh)[1]).label  # the URL carries the month by name
    return [("Översikt", "/", "Nämndens analys"),
            ("Barn- och utbildningsnämnden, ett område", f"/bun?omrade={quote_plus(area)}",
             "Skolorna jämförda"),
            ("Socialnämnden, året innan", f"/sn?ar={year}", "Socialnämndens mål"),
            ("Styrgruppen, månaden innan", f"/styrgrupp?manad={quote_plus(month)}", "Nämndernas analyser"),
            ("Definitioner", "/definitioner", "Andel elever med hög frånvaro")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    db = Path(args.db)
    with tempfile.TemporaryDirectory(prefix="samverkan-first-view-") as tmp:
        work = Path(tmp)
        res = {"first_request": first_request(db, work),
               "shared_links": shared_links(db, work, default_links(db), args.repeats)}
    print(json.dumps(res, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
