"""Where a page run's time goes, from the profiles of bench/profiled_serve.py.

    .venv/bin/python -m bench.profile_report PREFIX     # PREFIX.<pid> files, merged

Two views of the same profile: the time spent in each library's own code (``tottime`` grouped
by package, which adds up to the whole), and the cumulative time of the functions a page run is
made of (our pages, views and charts, and Streamlit's element calls), as shares of all page
runs' time.
"""

from __future__ import annotations

import glob
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (group, how to recognise a function's file or a builtin's name); the first match wins
GROUPS = (
    ("DuckDB (queries)", ("duckdb",)),
    ("polars", ("polars",)),
    ("pyarrow", ("pyarrow",)),
    ("pandas", ("pandas",)),
    ("plotly (figures, validation, JSON)", ("plotly", "_plotly_utils")),
    ("Streamlit: protobuf and messages", ("google/protobuf", "_pb2", "protobuf")),
    ("Streamlit", ("streamlit",)),
    ("SQLAlchemy / the store's driver", ("sqlalchemy", "sqlmodel", "psycopg", "sqlite3")),
    ("pickle, json, copy", ("pickle", "json", "copy.py", "copyreg")),
    ("Babel (Swedish numbers)", ("babel",)),
    ("markdown, html", ("markdown", "html")),
    ("our code: ui/", (str(ROOT / "ui"),)),
    ("our code: metrics/", (str(ROOT / "metrics"),)),
    ("our code: data/", (str(ROOT / "data"),)),
    ("our code: pages/, app.py", (str(ROOT / "pages"), str(ROOT / "app.py"))),
    ("threading", ("threading", "concurrent")),
)
# time a thread spends waiting (for a lock, a queue, a timer), not working: shown apart
WAITING = ("time.sleep", "_queue.SimpleQueue", "_thread.lock", "_thread.RLock", "Condition")

SCRIPT_RUN = "_run_script"  # ScriptRunner._run_script: one whole page run


def _group(key: tuple[str, int, str]) -> str:
    where = f"{key[0]}:{key[2]}"
    for name, marks in GROUPS:
        if any(m in where for m in marks):
            return name
    return "other Python (stdlib, typing, …)"


def load(prefix: str | Path) -> pstats.Stats:
    files = sorted(glob.glob(f"{prefix}.*"))
    files = [f for f in files if not f.endswith(".tmp")]
    if not files:
        raise FileNotFoundError(f"no profiles {prefix}.*")
    stats = pstats.Stats(files[0])
    for f in files[1:]:
        stats.add(f)
    return stats


def report(prefix: str | Path, top: int = 30) -> str:
    stats = load(prefix)
    raw = stats.stats  # key -> (calls, ncalls, tottime, cumtime, callers)
    runs = [(k, v) for k, v in raw.items() if k[2] == SCRIPT_RUN and "scriptrunner" in k[0]]
    total = sum(v[3] for _k, v in runs) or 1.0
    count = sum(v[1] for _k, v in runs)
    by_group: dict[str, float] = {}
    waiting = 0.0
    for key, (_cc, _nc, tt, _ct, _callers) in raw.items():
        if key[0] == "~" and any(w in key[2] for w in WAITING):
            waiting += tt
            continue
        by_group[_group(key)] = by_group.get(_group(key), 0.0) + tt
    everything = sum(by_group.values()) or 1.0
    lines = [f"{count} page runs, {total:.1f} s in all ({total / max(count, 1) * 1000:.0f} ms each under the "
             f"profiler); every profiled thread's own working time ({everything:.1f} s; waiting for locks, queues "
             f"and timers apart: {waiting:.1f} s) by library:", "",
             "| library | share of the working time |", "|---|---|"]
    for name, t in sorted(by_group.items(), key=lambda x: -x[1]):
        lines.append(f"| {name} | {t / everything:.0%} |")
    lines += ["", "Functions a page run is made of (cumulative, share of all page runs' time):", "",
              "| function | calls | share |", "|---|---|---|"]
    ours = []
    for key, (_cc, nc, _tt, ct, _callers) in raw.items():
        f = key[0]
        if (f.startswith(str(ROOT)) and "/bench/" not in f) or "streamlit/elements" in f:
            ours.append((ct, nc, f"{Path(f).name if not f.startswith(str(ROOT)) else Path(f).relative_to(ROOT)}:"
                                 f"{key[2]}"))
    for ct, nc, name in sorted(ours, reverse=True)[:top]:
        lines.append(f"| {name} | {nc} | {ct / total:.0%} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30))
