"""Capacity: how many people one Streamlit process, and one machine, hold.

    .venv/bin/python -m bench.capacity [--sessions 1,20,60,120] [--seconds 120] [--think 10]
        [--processes 1,2] [--db PATH] [--store sqlite|postgresql] [--profile] [--json OUT]

Sessions speak Streamlit's websocket protocol (``bench/protocol.py``): no browser, so the two cores
go to the servers, not to twenty Chromiums. Each session is a person with a browser tab: it opens
the dashboard, then asks for one page after another – every page of the menu and shared links
with query strings – and reads each for a think time (uniform between half and one and a half
``--think``; the first request is spread over one think time). A page counts when its script run
has finished.

Every configuration is served as deployed: ``--processes`` Streamlit processes behind Debian's
nginx with TLS (``bench/front_door.py``, DEPLOY.md's configuration, sessions kept on one process by
the ``samverkan_node`` cookie), one store, one warehouse that every process reads. The
configurations run at the same time and are measured in turn at each number of sessions, so
they are compared on the same machine in the same minutes (this machine is shared: the
machine's load average and the CPU of everything else are printed with every step).

Per step: pages/s, p50/p95/max seconds from asking to the script run's end, failed pages (an
error shown, an exception, a run that did not finish) and time-outs, the CPU cores used by the
servers, nginx, this client and everything else on the machine, and the servers' memory (start,
peak, end). ``--sessions 1`` runs without think time (one person clicking as fast as pages come).
``--profile`` serves through ``bench/profiled_serve.py`` and prints where a page run's time goes.
Loopback only; every step is bounded and the run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import front_door, load, protocol  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- what the machine does meanwhile ---------------------------------------------------------

def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class CpuMeter:
    """CPU cores used over a window by: the servers, nginx, this client and the whole machine."""

    def __init__(self, servers: list[int], nginx: list[int]):
        self.servers, self.nginx = servers, nginx

    def _sample(self) -> dict:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        busy, total = _machine_busy()
        return {"t": time.monotonic(), "servers": sum(_cpu_seconds(p) for p in self.servers),
                "nginx": sum(_cpu_seconds(p) for p in self.nginx), "client": usage.ru_utime + usage.ru_stime,
                "machine": busy, "machine_total": total}

    def start(self) -> None:
        self.begin = self._sample()
        self.load_before = load_average()

    def stop(self) -> dict:
        end, wall = self._sample(), None
        wall = end["t"] - self.begin["t"]
        cores = {k: (end[k] - self.begin[k]) / wall for k in ("servers", "nginx", "client", "machine")}
        cores["machine_cores"] = (end["machine_total"] - self.begin["machine_total"]) / wall
        cores["others"] = cores["machine"] - cores["servers"] - cores["nginx"] - cores["client"]
        return {**{f"cpu_{k}": round(v, 2) for k, v in cores.items()},
                "load_average_before": self.load_before, "load_average_after": load_average()}


# --- the sessions ------------------------------------------------------------------------

@dataclass
class Step:
    label: str
    sessions: int
    seconds: float
    think: float
    runs: list[protocol.PageRun] = field(default_factory=list)
    timeouts: int = 0
    broken: int = 0  # a session whose connection failed (it reconnects)
    error_samples: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        ok = sorted(r.seconds for r in self.runs if r.ok)
        failed = [r for r in self.runs if not r.ok]

        def pct(q: float) -> float | None:
            return round(ok[min(len(ok) - 1, int(q * len(ok)))], 2) if ok else None

        per_page: dict[str, list[float]] = {}
        for r in self.runs:
            if r.ok:
                per_page.setdefault(r.path + (f"?{r.query}" if r.query else ""), []).append(r.seconds)
        return {
            "config": self.label, "sessions": self.sessions, "think_s": self.think, "seconds": self.seconds,
            "pages": len(ok), "pages_per_s": round(len(ok) / self.seconds, 2),
            "p50_s": round(statistics.median(ok), 2) if ok else None, "p95_s": pct(0.95),
            "max_s": round(ok[-1], 2) if ok else None,
            "failed": len(failed), "timeouts": self.timeouts, "broken_sessions": self.broken,
            "error_samples": (self.error_samples + [e for r in failed for e in r.errors])[:5],
            "per_page_p50_s": {k: round(statistics.median(v), 2) for k, v in sorted(per_page.items())},
            "elements_per_page": round(statistics.mean(r.elements for r in self.runs if r.ok), 1) if ok else None,
            "kb_per_page": round(statistics.mean(r.frame_bytes for r in self.runs if r.ok) / 1024, 1) if ok else None,
        }


def parse_link(link: str) -> tuple[str, str]:
    """'/bun?omrade=Norr' -> ('bun', 'omrade=Norr')."""
    path, _, query = link.partition("?")
    return path.strip("/"), query


async def _person(url: str, links: list[tuple[str, str]], index: int, step: Step, window: tuple[float, float],
                  timeout: float, rng: random.Random) -> None:
    """One person: a tab on the dashboard asking for page after page until the window ends.
    Pages asked for inside the window count (also when they finish after it)."""
    start, end = window
    think = step.think
    # a first request spread over one think time (all at once would be a stampede, not a Tuesday)
    await asyncio.sleep(rng.uniform(0, think) if think else 0)
    i = index
    session: protocol.Session | None = None
    try:
        while time.monotonic() < end:
            if session is None:
                session = protocol.Session(url, timeout=timeout)
                try:
                    await session.connect()
                except Exception as exc:  # noqa: BLE001 - a refused connection is a finding, counted
                    step.broken += 1
                    step.error_samples.append(f"anslutning: {type(exc).__name__}: {exc}"[:200])
                    session = None
                    await asyncio.sleep(1)
                    continue
            path, query = links[i % len(links)]
            i += 1
            asked = time.monotonic()
            try:
                run = await session.run(path, query)
            except TimeoutError:
                if asked >= start:
                    step.timeouts += 1
                await session.close()
                session = None  # as a person reloads a page that does not come
                continue
            except Exception as exc:  # noqa: BLE001 - the connection broke: counted, then a new tab
                step.broken += 1
                step.error_samples.append(f"{path}: {type(exc).__name__}: {exc}"[:200])
                await session.close()
                session = None
                continue
            if asked >= start:
                step.runs.append(run)
            if think:
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
    finally:
        if session is not None:
            await session.close()


async def _drive(url: str, links: list[tuple[str, str]], step: Step, warmup: float, timeout: float,
                 seed: int) -> None:
    t0 = time.monotonic()
    window = (t0 + warmup, t0 + warmup + step.seconds)
    rng = random.Random(seed)
    await asyncio.gather(*(_person(url, links, k, step, window, timeout, random.Random(rng.random()))
                           for k in range(step.sessions)))


def run_step(url: str, links: list[tuple[str, str]], label: str, sessions: int, seconds: float, think: float,
             servers: list[int], nginx: list[int], warmup: float = 20, timeout: float = 60, seed: int = 25) -> dict:
    """``sessions`` people on ``url`` for ``warmup`` + ``seconds``; the summary of the window."""
    step = Step(label, sessions, seconds, think)
    meter = CpuMeter(servers, nginx)
    samplers = [load.MemorySampler(pid) for pid in servers]
    for s in samplers:
        s.start()

    def measure_window() -> None:
        time.sleep(warmup)
        meter.start()
        time.sleep(seconds)
        result["cpu"] = meter.stop()

    result: dict = {}
    watcher = threading.Thread(target=measure_window, daemon=True)
    watcher.start()
    asyncio.run(_drive(url, links, step, warmup, timeout, seed))
    watcher.join()
    for s in samplers:
        s.stop()
    memory = [[m for _, m in s.samples] for s in samplers]
    return {**step.summary(), **result.get("cpu", {}),
            "memory_mb": [{"start": round(m[0]), "peak": round(max(m)), "end": round(m[-1])} for m in memory if m]}


async def _visit_all(url: str, links: list[tuple[str, str]], timeout: float) -> list[protocol.PageRun]:
    async with protocol.Session(url, timeout=timeout) as s:
        return [await s.run(p, q) for p, q in links]


def warm(urls: list[str], links: list[tuple[str, str]], timeout: float = 180) -> None:
    """Every link once on every server (their own caches), so that the steps measure a warm server."""
    for url in urls:
        bad = [f"{r.path}?{r.query}: {r.errors}" for r in asyncio.run(_visit_all(url, links, timeout)) if not r.ok]
        if bad:
            raise RuntimeError(f"{url}: sidor som inte gick att visa: {bad}")


def menu_links(url: str, extra: list[str]) -> list[tuple[str, str]]:
    """Every page the menu lists for the session's role, then the shared links ``extra``."""
    async def pages() -> list[protocol.Page]:
        async with protocol.Session(url, timeout=180) as s:
            await s.run("")
            return s.pages

    return [(p.path, "") for p in asyncio.run(pages()) if not p.hidden] + [parse_link(x) for x in extra]


# --- the run -----------------------------------------------------------------------------

def _table(rows: list[dict]) -> str:
    head = ("| processes | sessions | pages/s | p50 | p95 | max | failed | time-outs | CPU servers | nginx | "
            "client | others | load average | memory (MB, peak per process) |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        mem = ", ".join(str(m["peak"]) for m in r["memory_mb"])
        lines.append(f"| {r['config']} | {r['sessions']}{' (no think time)' if not r['think_s'] else ''} | "
                     f"{r['pages_per_s']} | {r['p50_s']} s | {r['p95_s']} s | {r['max_s']} s | {r['failed']} | "
                     f"{r['timeouts']} | {r.get('cpu_servers')} | {r.get('cpu_nginx')} | {r.get('cpu_client')} | "
                     f"{r.get('cpu_others')} | {r.get('load_average_before')} → {r.get('load_average_after')} | {mem} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", default="1,20,60,120", help="comma-separated session counts")
    ap.add_argument("--processes", default="1,2", help="comma-separated process counts, measured side by side")
    ap.add_argument("--seconds", type=float, default=120, help="measured window per step")
    ap.add_argument("--warmup", type=float, default=20, help="seconds before the window of each step")
    ap.add_argument("--think", type=float, default=10, help="mean think time between pages (s)")
    ap.add_argument("--timeout", type=float, default=60, help="a page that takes longer is a time-out")
    ap.add_argument("--db", help="warehouse to serve (default: a fresh demo municipality)")
    ap.add_argument("--store", choices=("sqlite", "postgresql"), default="postgresql",
                    help="the store every process shares (postgresql: a throwaway cluster, as deployed)")
    ap.add_argument("--link", action="append", default=None,
                    help="a shared link beside the menu's pages, e.g. '/bun?omrade=Norr' (repeatable; "
                         "default: an area, an earlier year and an earlier month from the data)")
    ap.add_argument("--profile", action="store_true", help="profile the servers' page runs (bench/profiled_serve.py)")
    ap.add_argument("--before", help="a checkout of earlier code (git worktree add /tmp/before main): measured "
                                     "side by side as one more configuration, one process")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    sessions = [int(x) for x in args.sessions.split(",")]
    processes = [int(x) for x in args.processes.split(",")]

    from bench import first_view
    from data import demo

    with tempfile.TemporaryDirectory(prefix="samverkan-capacity-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        db = Path(args.db) if args.db else work / "demo.duckdb"
        store_url = f"sqlite:///{work / 'store.sqlite'}"
        if args.store == "postgresql":
            from bench.postgres import PgCluster

            cluster = stack.enter_context(PgCluster.running())
            store_url = cluster.database()
        if not args.db:
            demo.build_with_examples(db, store_url, 20261023)
        extra = args.link if args.link is not None else [
            p for _n, p, _m in first_view.default_links(db) if "?" in p]
        env = {"SAMVERKAN_DB": str(db), "SAMVERKAN_STORE_URL": store_url}
        # (label, processes, launcher): this code with each number of processes, and the code before
        configs = [(str(n), n, "bench/profiled_serve.py" if args.profile else None) for n in processes]
        if args.before:
            configs.append(("före, 1", 1, str(Path(args.before).resolve() / "scripts" / "serve.py")))
        profile_out = {label: work / f"profile-{i}.pstats" for i, (label, _n, _l) in enumerate(configs)}
        doors = {}
        for label, n, launcher in configs:
            penv = {**env, "SAMVERKAN_PROFILE_OUT": str(profile_out[label])} if args.profile else env
            doors[label] = stack.enter_context(front_door.front_door(penv, work / f"p{len(doors)}", servers=n,
                                                                    launcher=launcher))
        links = menu_links(doors[configs[0][0]].servers[0], extra)
        print(f"Sidor i varje session: {', '.join('/' + p + ('?' + q if q else '') for p, q in links)}", flush=True)
        for door in doors.values():
            warm(door.servers, links)
        rows = []
        for s in sessions:
            for label, door in doors.items():
                row = run_step(door.url, links, label, s, args.seconds, args.think if s > 1 else 0,
                               list(door.pids), list(door.nginx_pids), args.warmup, args.timeout)
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
        if args.profile:
            from bench import profile_report

            for label, door in doors.items():
                if label not in profile_out or not str(dict((c[0], c[2]) for c in configs)[label]).startswith("bench/"):
                    continue
                for pid in door.pids:
                    os.kill(pid, signal.SIGUSR1)  # the profiled server writes its profile
                deadline = time.monotonic() + 120
                while (len(list(work.glob(f"{profile_out[label].name}.[0-9]*"))) < len(door.pids)
                       and time.monotonic() < deadline):
                    time.sleep(1)
                print(f"\n## Profil, {label} process(er)\n")
                print(profile_report.report(profile_out[label]))
    print("\n" + _table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
