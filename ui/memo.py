"""Figures built once per process for the same data, and shared by every session.

Building a plotly figure validates every property it is given: 20-60 ms for one chart of ours,
the largest part of a page run once the data come from the cache (BENCHMARKS.md, "Capacity"), and
the same for every session that opens the same page. ``shared`` keeps a builder's result for the
values of its arguments (not their identity: every run gets its frames as new copies from
Streamlit's cache), so the second session to open a page gets the figure already built.

The result is the same object for every caller: nothing may change it afterwards. Streamlit only
reads it (``st.plotly_chart`` serialises a copy), the image exports lay out a copy
(``ui.images.static``), and builders that draw more on a figure (``charts.annotate``) do it on
their own fresh figure, inside the builder. No Streamlit here: ``ui.charts`` and ``ui.figures``
stay plain functions that tests and the CLI's reports call directly.
"""

from __future__ import annotations

import functools
import hashlib
import io
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

import polars as pl

F = TypeVar("F", bound=Callable)

MAX_ENTRIES = 128  # per builder (15 builders): a figure of ours is 5-100 kB as JSON, more as objects
_BUILDERS: list[Callable] = []  # every ``shared`` builder, for ``kept`` (tests)


def _frame(schema: str, height: int, rows: bytes) -> None:
    """What a polars frame stands for in a key (never called: keys are never unpickled)."""


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        # a frame by its contents: its schema and every row's hash (its Arrow bytes are no key:
        # the unused bits of a null mask differ between equal frames built differently)
        if isinstance(obj, pl.DataFrame):
            return _frame, (str(obj.schema), obj.height, obj.hash_rows(seed=0).to_numpy().tobytes())
        return NotImplemented


def _key(args: tuple, kwargs: dict) -> bytes:
    """The arguments' values as a digest: polars frames by their schema and rows' hashes,
    dataclasses and dicts by their fields. Example: ``_key((df, "Titel"), {})`` is the same for two
    frames with equal contents and differs when one value differs."""
    buf = io.BytesIO()
    _Pickler(buf, protocol=5).dump((args, sorted(kwargs.items())))
    return hashlib.blake2b(buf.getvalue(), digest_size=20).digest()


def shared(fn: F) -> F:
    """``fn`` computed once per argument values in this process (the ``MAX_ENTRIES`` most recently
    used kept); every caller gets the same object."""
    cache: OrderedDict[bytes, object] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        key = _key(args, kwargs)
        with lock:
            if key in cache:
                cache.move_to_end(key)
                return cache[key]
        value = fn(*args, **kwargs)  # outside the lock: two sessions may build it at once, both right
        with lock:
            cache[key] = value
            cache.move_to_end(key)
            while len(cache) > MAX_ENTRIES:
                cache.popitem(last=False)
        return value

    def kept() -> list[object]:
        with lock:
            return list(cache.values())

    wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
    wrapper.kept = kept  # type: ignore[attr-defined]
    _BUILDERS.append(wrapper)
    return wrapper  # type: ignore[return-value]


def kept() -> dict[str, list[object]]:
    """What every shared builder holds now, by the builder's qualified name (for the tests that
    check a shared figure is never changed). Example: ``kept()["ui.charts.goal_trend"]`` is a list
    of figures."""
    return {f"{b.__module__}.{b.__qualname__}": b.kept() for b in _BUILDERS}


def clear() -> None:
    """Forget every shared result (tests that count builds start from nothing)."""
    for b in _BUILDERS:
        b.cache_clear()
