"""Start several dashboard processes for nginx to share out (DEPLOY.md, section 3).

    python scripts/serve_many.py --processes 2 [--first-port 8501] [--address 127.0.0.1] \\
        [--ports 8501,8502] [-- streamlit run options]

Each process is ``scripts/serve.py`` (``streamlit run app.py`` after the preload) on its own port,
with the same environment: the same warehouse files (``SAMVERKAN_DB``, which every process reads
and follows after each write's swap) and the same store (``SAMVERKAN_STORE_URL``: PostgreSQL, or
SQLite on a local disk). One Streamlit process runs page scripts on one interpreter, so a second
core is used by a second process, not by more sessions in one. nginx keeps each browser on one
process by a cookie (``scripts/nginx_conf.py --upstream`` once per port).

A process that stops is started again (after 1 s, doubling up to 30 s while it keeps failing);
SIGTERM or Ctrl-C stops them all. systemd can do the same with one unit per port instead
(DEPLOY.md); this script is for a machine without it and for the tests (bench/front_door.py).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVE = ROOT / "scripts" / "serve.py"
STABLE_AFTER = 60.0  # seconds up after which a failure is new again (the delay starts over at 1 s)


def ports_of(args: argparse.Namespace) -> list[int]:
    """The ports asked for: ``--ports`` as given, else ``--processes`` from ``--first-port`` on.

    Example: --processes 3 --first-port 8501 -> [8501, 8502, 8503]."""
    if args.ports:
        return [int(p) for p in args.ports.split(",")]
    return [args.first_port + i for i in range(args.processes)]


class Supervisor:
    """The processes, each restarted when it stops until ``stop`` is called."""

    def __init__(self, ports: list[int], address: str, extra: list[str], script: Path = SERVE):
        self.ports, self.address, self.extra, self.script = ports, address, extra, script
        self.procs: dict[int, subprocess.Popen] = {}
        self.started: dict[int, float] = {}
        self.delay: dict[int, float] = dict.fromkeys(ports, 1.0)
        self.due: dict[int, float] = {}
        self.stopping = False

    def start(self, port: int) -> None:
        self.procs[port] = subprocess.Popen(
            [sys.executable, str(self.script), "--server.port", str(port), "--server.address", self.address,
             *self.extra], cwd=self.script.resolve().parents[1])  # the checkout's .streamlit/config.toml
        self.started[port] = time.monotonic()
        print(f"Samverkan: process på http://{self.address}:{port} (pid {self.procs[port].pid})", flush=True)

    def watch(self) -> None:
        for port in self.ports:
            self.start(port)
        while not self.stopping:
            now = time.monotonic()
            for port, proc in list(self.procs.items()):
                if proc.poll() is None or self.stopping:
                    continue
                if port not in self.due:
                    up = now - self.started[port]
                    self.delay[port] = 1.0 if up > STABLE_AFTER else min(30.0, self.delay[port] * 2)
                    self.due[port] = now + self.delay[port]
                    print(f"Samverkan: processen på port {port} stannade (kod {proc.returncode}); "
                          f"startas om om {self.delay[port]:.0f} s", file=sys.stderr, flush=True)
                elif now >= self.due[port]:
                    del self.due[port]
                    self.start(port)
            time.sleep(0.2)

    def stop(self, *_args) -> None:
        self.stopping = True

    def terminate_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--first-port", type=int, default=8501)
    ap.add_argument("--ports", help="comma-separated ports instead of --processes/--first-port")
    ap.add_argument("--address", default="127.0.0.1", help="listen here only; nginx is the way in")
    ap.add_argument("--script", default=str(SERVE), help=argparse.SUPPRESS)  # bench/profiled_serve.py
    ap.add_argument("extra", nargs=argparse.REMAINDER, help="after --: options for streamlit run")
    args = ap.parse_args(argv)
    extra = args.extra[1:] if args.extra[:1] == ["--"] else args.extra
    supervisor = Supervisor(ports_of(args), args.address, extra, Path(args.script))
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    try:
        supervisor.watch()
    finally:
        supervisor.terminate_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
