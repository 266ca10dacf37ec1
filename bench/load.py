"""Load test: N concurrent browser sessions cycle through every page of a real Streamlit server.

    .venv/bin/python -m bench.load [--sessions 20] [--seconds 120] [--db PATH]

Loopback only: the server is started here on 127.0.0.1 and every request goes to it. The run is
bounded by ``--seconds`` (each page visit by ``--page-timeout``) and stops by itself. It prints
p50 and p95 page time, the number of visits, error pages and time-outs, the server's memory over
time, and whether the server still answers afterwards. ``tests/test_load.py`` runs the same code
with fewer sessions as a regression test for the deadlock of issue 12; timings are never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]

# (path, text that is shown when the page has rendered)
PAGES = (
    ("/", "Nämndens analys"),
    ("/bun", "Skolorna jämförda"),
    ("/sn", "Socialnämndens mål"),
    ("/styrgrupp", "Nämndernas analyser"),
    ("/definitioner", "Andel elever med hög frånvaro"),
    ("/bun?omrade=Centrum", "Skolorna jämförda"),
    ("/styrgrupp?manad=mars+2025", "Nämndernas analyser"),
)

# The script has finished: Streamlit 1.67 shows its status widget ("Stop") while a script runs
# and removes it when the run ends (it never says "Running"). Checked after the page's marker.
IDLE = "() => !document.querySelector('[data-testid=stStatusWidget]')"
ERROR_TEXT = "Något gick fel"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 5.0) -> bool:
    try:
        return urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout).status == 200
    except OSError:
        return False


def wait_healthy(urls: list[str], proc: subprocess.Popen, log_path: Path, timeout: float) -> None:
    """Until every server in ``urls`` answers its health check; raises with the log when ``proc``
    (the server, or what starts the servers) stops or ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    for url in urls:
        while not healthy(url, 2):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("Streamlit did not start:\n" + log_path.read_text())
            time.sleep(0.3)


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` (a server that ignores SIGTERM is itself a finding)."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], log_path: Path, start_timeout: float = 90, port: int | None = None,
                     extra_args: tuple[str, ...] | list[str] = ()) -> Iterator[tuple[subprocess.Popen, str]]:
    """A real Streamlit server on 127.0.0.1 running app.py with ``env``; stopped on exit."""
    port = port or free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "serve.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", *extra_args],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy([url], proc, log_path, start_timeout)
        yield proc, url
    finally:
        stop_process(proc)


class MemorySampler(threading.Thread):
    """The server's resident memory (MB) once a second, from /proc."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self._halt = pid, [], threading.Event()
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self._halt.is_set():
            with contextlib.suppress(OSError, StopIteration):
                status = Path(f"/proc/{self.pid}/status").read_text()
                rss = next(line for line in status.splitlines() if line.startswith("VmRSS"))
                self.samples.append((round(time.monotonic() - self.t0, 1), int(rss.split()[1]) / 1024))
            self._halt.wait(1.0)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


@dataclass
class LoadResult:
    sessions: int
    seconds: float
    times: list[float] = field(default_factory=list)
    visits_per_session: list[int] = field(default_factory=list)
    errors: int = 0  # a page that showed an error or an exception
    timeouts: int = 0  # a page that did not render within the page timeout
    error_samples: list[str] = field(default_factory=list)
    memory_mb: list[tuple[float, float]] = field(default_factory=list)
    healthy_after: bool = False
    alive_after: bool = False

    def summary(self) -> dict:
        t = sorted(self.times)
        pct = (lambda q: t[min(len(t) - 1, int(q * len(t)))] if t else None)
        return {
            "sessions": self.sessions, "seconds": self.seconds, "visits": len(t),
            "visits_per_session": self.visits_per_session,
            "p50_s": round(statistics.median(t), 2) if t else None,
            "p95_s": round(pct(0.95), 2) if t else None, "max_s": round(t[-1], 2) if t else None,
            "errors": self.errors, "timeouts": self.timeouts, "error_samples": self.error_samples[:5],
            "memory_mb_start": round(self.memory_mb[0][1]) if self.memory_mb else None,
            "memory_mb_peak": round(max(m for _, m in self.memory_mb)) if self.memory_mb else None,
            "memory_mb_end": round(self.memory_mb[-1][1]) if self.memory_mb else None,
            "healthy_after": self.healthy_after, "alive_after": self.alive_after,
        }


async def _session(browser, url: str, index: int, deadline: float, page_timeout_ms: int,
                   result: LoadResult) -> None:
    context = await browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    visits = 0
    i = index  # sessions start on different pages
    try:
        while time.monotonic() < deadline:
            path, marker = PAGES[i % len(PAGES)]
            i += 1
            t0 = time.monotonic()
            try:
                await page.goto(url + path, timeout=page_timeout_ms)
                await page.get_by_text(marker).first.wait_for(timeout=page_timeout_ms)
                await page.wait_for_function(IDLE, timeout=page_timeout_ms)
            except Exception as exc:  # playwright's TimeoutError and navigation errors
                result.timeouts += 1
                result.error_samples.append(f"{path}: {type(exc).__name__}")
                continue
            result.times.append(time.monotonic() - t0)
            visits += 1
            body = await page.locator("body").inner_text()
            if ERROR_TEXT in body or await page.locator("[data-testid=stException]").count():
                result.errors += 1
                result.error_samples.append(f"{path}: error page")
    finally:
        result.visits_per_session.append(visits)
        await context.close()


async def _drive(url: str, sessions: int, seconds: float, page_timeout_ms: int, result: LoadResult) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_session(browser, url, k, deadline, page_timeout_ms, result)
                               for k in range(sessions)))
        await browser.close()


def run_load(proc: subprocess.Popen, url: str, sessions: int, seconds: float,
             page_timeout_s: float = 60) -> LoadResult:
    """Drive ``sessions`` concurrent browser sessions for ``seconds`` against a running server."""
    result = LoadResult(sessions=sessions, seconds=seconds)
    sampler = MemorySampler(proc.pid)
    sampler.start()
    # a thread of its own: the caller may already run an event loop (pytest with sync playwright)
    driver = threading.Thread(target=asyncio.run,
                              args=(_drive(url, sessions, seconds, int(page_timeout_s * 1000), result),))
    try:
        driver.start()
        driver.join()
    finally:
        sampler.stop()
    result.memory_mb = sampler.samples
    result.alive_after = proc.poll() is None
    result.healthy_after = healthy(url)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--page-timeout", type=float, default=60)
    ap.add_argument("--db", help="warehouse to serve (default: a fresh demo municipality)")
    args = ap.parse_args(argv)
    from data import demo

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = Path(args.db) if args.db else work / "demo.duckdb"
        store_url = f"sqlite:///{work / 'store.sqlite'}"
        if not args.db:
            demo.build_with_examples(db, store_url, 20261023)
        env = {"SAMVERKAN_DB": str(db), "SAMVERKAN_STORE_URL": store_url}
        with streamlit_server(env, work / "server.log") as (proc, url):
            result = run_load(proc, url, args.sessions, args.seconds, args.page_timeout)
        summary = result.summary()
        tracebacks = (work / "server.log").read_text().count("Traceback")
    summary["server_log_tracebacks"] = tracebacks
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    print("Memory (s, MB): " + ", ".join(f"{t:.0f}:{m:.0f}" for t, m in result.memory_mb[::10]))
    ok = (result.errors == 0 and result.timeouts == 0 and result.healthy_after and result.alive_after
          and tracebacks == 0)
    print(("✓" if ok else "✗") + f" {args.sessions} sessions for {args.seconds:.0f} s: no deadlock, "
          "no error page, server healthy afterwards")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
