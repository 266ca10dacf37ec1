"""The dashboard as ``scripts/serve.py`` starts it, with every thread's work profiled (bench only).

    SAMVERKAN_PROFILE_OUT=/tmp/x.pstats python bench/profiled_serve.py [streamlit run options]

Streamlit runs each page's script on a thread of its own (and the engine runs some queries on
pool threads); each such thread gets its own ``cProfile`` while it runs, and the profiles of the
threads that have ended are merged into ``SAMVERKAN_PROFILE_OUT.<pid>`` on ``SIGUSR1`` and at exit.
``bench/capacity.py --profile`` reads them. cProfile roughly doubles the cost of Python calls, so
the profile gives shares of a page run, not its time.
"""

from __future__ import annotations

import atexit
import cProfile
import os
import pstats
import runpy
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = os.environ.get("SAMVERKAN_PROFILE_OUT", "")
_lock = threading.Lock()
_finished: list[cProfile.Profile] = []
_original_run = threading.Thread.run


def _profiled_run(self: threading.Thread) -> None:
    profile = cProfile.Profile()
    profile.enable()
    try:
        _original_run(self)
    finally:
        profile.disable()
        with _lock:
            _finished.append(profile)


def dump(*_args) -> None:
    with _lock:
        done = list(_finished)
    if OUT and done:
        out = f"{OUT}.{os.getpid()}"
        stats = pstats.Stats(done[0])
        for p in done[1:]:
            stats.add(p)
        stats.dump_stats(out + ".tmp")
        os.replace(out + ".tmp", out)


if __name__ == "__main__":
    threading.Thread.run = _profiled_run
    signal.signal(signal.SIGUSR1, dump)
    atexit.register(dump)
    sys.argv = [str(ROOT / "scripts" / "serve.py"), *sys.argv[1:]]
    runpy.run_path(str(ROOT / "scripts" / "serve.py"), run_name="__main__")
