"""First views computed when the warehouse is written, so that the first request reads them.

Every write (an import, the demo build) ends inside the same atomic swap with ``refresh``: the
``precomputed`` table is emptied (data.warehouse does that always) and refilled with the results
of ``first_views`` – what each page shows before anyone touches a filter: the goal statuses,
the steering group's latest month, the committee pages' default charts and the choices in the
filters. The dashboard's cached views ask ``lookup`` first and the engine only on a miss, so
the first request after a start or an import does not wait for the engine.

A stored value is used only under the *context* it was computed in: the rounding base and the
suppression thresholds (what is published depends on them), the goal file's content and the
source of the metric code. A dashboard whose context differs (another goal file, a new release)
misses and computes with the engine – the same code that filled the table, so the numbers are
the same either way (tests/test_precompute.py compares them).

Values are stored as Arrow IPC (frames) or JSON with an allow-list of classes (never pickle:
reading the warehouse must not be able to run code).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from data import personnummer, settings
from data import warehouse as wh_module
from data.warehouse import Warehouse, WritingWarehouse
from metrics import attainment, goals, periods, views
from metrics.goals import GoalConfig

log = logging.getLogger("samverkan.precompute")

ROOT = Path(__file__).resolve().parents[1]

# name -> how to compute it: (warehouse, goal configuration, *args). Built from the views
# registered in metrics/views.py (``@views.view``); one table for the writer (refresh) and the
# reader (ui.state computes a miss with the same function).
VIEWS: dict[str, Callable[..., Any]] = {name: v.compute for name, v in views.REGISTRY.items()}
# The views whose result depends on the goal file (the others only on the data and settings).
USES_GOALS = frozenset(name for name, v in views.REGISTRY.items() if v.goals)


def _first(fn: Callable[..., Any], *args: Any) -> tuple[str, tuple]:
    """(name, args) of a registered view, called as the page calls it (defaults filled in, as
    ui.state fills them, so that the page's request finds the stored value)."""
    v = views.registered(fn)
    return v.name, v.args(*args)


def first_views(wh: Warehouse) -> list[tuple[str, tuple]]:
    """(name, args) of what the pages show first: every registered view's ``first`` calls, with
    the arguments the pages pass by default (``views.Defaults``: the latest complete school year,
    the newest calendar year, the newest month, municipal schools, no area or school chosen). A
    call that needs a default the file lacks (no complete school year yet) is left out. Example:
    ('absence_breakdown', ('2025/26', 'area', {'operator': ['kommunal']}))."""
    defaults = views.Defaults.of(wh)
    out: list[tuple[str, tuple]] = []
    for v in views.REGISTRY.values():
        for call in v.first:
            try:
                out.append((v.name, v.args(*call(defaults))))
            except views.NoData:
                continue
    return out


# --- context: what a value depends on besides the data -------------------------------------------

@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """The metric code (with its packages), the domain layer's rules (period codes, bands) and
    the warehouse schema: a new release does not trust older values."""
    h = hashlib.sha256()
    paths = [*(ROOT / "metrics").rglob("*.py"), *(ROOT / "data" / "domain").rglob("*.py"),
             ROOT / "data" / "warehouse.py"]
    for path in sorted(paths):
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def context(goals_path: Path | None = None) -> str:
    """'5.5.10.<goal file digest>.<code digest>' – the settings, goal file and code of this process."""
    path = Path(goals_path or settings.goals_path())
    goal_digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else "-"
    min_count, min_den = settings.suppression_thresholds()
    return f"{settings.rounding_base()}.{min_count}.{min_den}.{goal_digest}.{_code_digest()}"


def args_key(args: Sequence[Any]) -> str:
    """Arguments as canonical text: tuples and lists alike, dict keys sorted.
    ('2025/26', 'area', {}) -> '["2025/26", "area", {}]'."""
    return json.dumps(list(args), sort_keys=True, ensure_ascii=False, default=list)


# --- values: Arrow IPC for frames, tagged JSON for everything else --------------------------------

# Classes a stored value may contain; decoding builds nothing else.
_CLASSES: dict[str, type] = {c.__name__: c for c in (
    attainment.GoalResult, attainment.Measure, attainment.Preliminary, goals.Target)}


def _encode(x: Any) -> Any:
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {"__class__": type(x).__name__,
                "fields": {f.name: _encode(getattr(x, f.name)) for f in dataclasses.fields(x)}}
    if isinstance(x, goals.Target):
        return {"__class__": "Target", "fields": {k: _encode(v) for k, v in x.model_dump().items()}}
    if isinstance(x, datetime):
        return {"__datetime__": x.isoformat()}
    if isinstance(x, date):
        return {"__date__": x.isoformat()}
    if isinstance(x, tuple):
        return {"__tuple__": [_encode(v) for v in x]}
    if isinstance(x, list):
        return [_encode(v) for v in x]
    if isinstance(x, dict):
        if not all(isinstance(k, str) for k in x):
            raise TypeError("only string keys are stored")
        return {"__dict__": {k: _encode(v) for k, v in x.items()}}
    if x is None or isinstance(x, bool | int | float | str):
        return x
    raise TypeError(f"cannot store a {type(x).__name__}")


def _decode(x: Any) -> Any:
    if isinstance(x, list):
        return [_decode(v) for v in x]
    if not isinstance(x, dict):
        return x
    if "__class__" in x:
        cls = _CLASSES[x["__class__"]]  # KeyError: a class that is not allowed
        fields = {k: _decode(v) for k, v in x["fields"].items()}
        return cls.model_validate(fields) if cls is goals.Target else cls(**fields)
    if "__date__" in x:
        return date.fromisoformat(x["__date__"])
    if "__datetime__" in x:
        return datetime.fromisoformat(x["__datetime__"])
    if "__tuple__" in x:
        return tuple(_decode(v) for v in x["__tuple__"])
    return {k: _decode(v) for k, v in x["__dict__"].items()}


def dumps(value: Any) -> tuple[str, bytes]:
    """(format, bytes) of a value."""
    if isinstance(value, pl.DataFrame):
        buf = io.BytesIO()
        value.write_ipc(buf)
        return "ipc", buf.getvalue()
    return "json", json.dumps(_encode(value), ensure_ascii=False).encode()


def loads(fmt: str, data: bytes) -> Any:
    if fmt == "ipc":
        return pl.read_ipc(io.BytesIO(data))
    return _decode(json.loads(data.decode()))


# --- writing and reading --------------------------------------------------------------------------

def compute(wh: Warehouse, cfg: GoalConfig | None, name: str, args: Sequence[Any]) -> Any:
    """A view from the engine (what a miss costs)."""
    return VIEWS[name](wh, cfg, *args)


def refresh(con: duckdb.DuckDBPyConnection) -> int:
    """Fill ``precomputed`` on the file being written (called by data.warehouse.write, after the
    table was emptied). Returns the number of views stored.

    Never fails a write: data are what the steward imported, and without precomputed values the
    dashboard computes as before. A goal file that does not load leaves the goal views out (the
    dashboard shows the goal file's own message)."""
    t_all = time.perf_counter()
    wh = WritingWarehouse(con)
    try:
        cfg: GoalConfig | None = goals.load(settings.goals_path())
    except Exception as exc:  # shown by the dashboard from the goal file itself
        log.warning("precompute: the goal file does not load (%s); goal views left to the engine", exc)
        cfg = None
    ctx = context()
    try:
        wanted = [(n, a) for n, a in first_views(wh) if cfg is not None or n not in USES_GOALS]
    except Exception as exc:
        log.warning("precompute: no first views (%s: %s)", type(exc).__name__,
                    personnummer.mask(str(exc))[:300])
        return 0

    # The goal statuses first, alone: the steering group's view of the newest month evaluates the
    # same goals as of the same day, and takes them from here instead of evaluating them again.
    reuse: dict[str, Any] = {}

    def one(item):
        name, args = item
        t0 = time.perf_counter()
        try:
            statuses = reuse.get("goal_results")
            if (name == views.goal_status_month.__name__ and statuses is not None
                    and all(r.as_of == periods.parse(args[0]).end for r in statuses)):
                value = views.goal_status_month(wh, cfg, args[0], now=statuses)
            else:
                value = compute(wh, cfg, name, args)
            if (name, args) == _first(views.goal_results, None):
                reuse["goal_results"] = value
            fmt, data = dumps(value)
        except Exception as exc:  # one line, no traceback: the import itself succeeded
            log.warning("precompute: %s%s left to the engine (%s: %s)", name, args_key(args),
                        type(exc).__name__, personnummer.mask(str(exc))[:300])
            return None
        return name, args_key(args), ctx, fmt, data, time.perf_counter() - t0

    first = [w for w in wanted if w == _first(views.goal_results, None)]
    rows = [one(w) for w in first]
    # The rest are independent queries: two at a time (DuckDB releases the GIL; each thread gets
    # its own cursor).
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows += list(pool.map(one, [w for w in wanted if w not in first]))
    rows = [r for r in rows if r is not None]
    con.executemany("INSERT INTO precomputed VALUES (?, ?, ?, ?, ?, ?)", rows)
    log.info("precompute: %d views in %.2f s", len(rows), time.perf_counter() - t_all)
    return len(rows)


MISSING = object()


def lookup(wh: Warehouse, name: str, args: Sequence[Any], ctx: str | None = None) -> Any:
    """The stored value of a view for the served file, or MISSING (not stored, an older file,
    or stored under another context)."""
    if not wh.has_table("precomputed"):
        return MISSING
    row = wh.fetchone("SELECT format, value FROM precomputed WHERE name = ? AND args = ? AND context = ?",
                      [name, args_key(args), ctx or context()])
    return MISSING if row is None else loads(row[0], row[1])


def stored(wh: Warehouse) -> pl.DataFrame:
    """What the served file holds (name, args, context, seconds it took), for the CLI and tests."""
    if not wh.has_table("precomputed"):
        return pl.DataFrame(schema={"name": pl.String, "args": pl.String, "context": pl.String,
                                    "seconds": pl.Float64})
    return wh.sql("SELECT name, args, context, seconds FROM precomputed ORDER BY name, args")


def install() -> None:
    """Precompute at the end of every warehouse write in this process (cli.py and the dashboard
    call this once; a process that does not leaves the table empty and the engine computes)."""
    wh_module.on_write(refresh)
