"""Precomputed first views (metrics/precompute.py): stored at write time, equal to the engine's
figures, never stale, used only under their own context, and enough for every page's first view."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest
import streamlit as st
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from data import importer, warehouse
from data.warehouse import Warehouse
from metrics import attainment, goals, precompute, views
from tests.conftest import ROOT, absence_rows, build_warehouse

GOALS = ROOT / "config" / "goals.yaml"


def _same(stored, computed) -> None:
    if isinstance(computed, pl.DataFrame):
        assert_frame_equal(stored, computed)
    else:
        assert stored == computed


def test_every_stored_view_equals_the_engine(demo_db):
    """The demo warehouse (built with the hook, as `cli.py demo` does) holds each page's first
    views, and every one equals what the engine computes on a fresh reader of the same file."""
    wh = Warehouse(demo_db)
    stored = precompute.stored(wh)
    names = set(stored["name"])
    assert {"goal_results", "goal_status_month", "key_indicators_month", "dataset_info", "absence_trend",
            "school_comparison", "report_funnel"} <= names
    assert set(stored["context"]) == {precompute.context()}
    cfg = goals.load(GOALS)
    for name, args in precompute.first_views(wh):
        hit = precompute.lookup(wh, name, args)
        assert hit is not precompute.MISSING, (name, args)
        _same(hit, precompute.compute(Warehouse(demo_db), cfg, name, args))


def test_goal_results_round_trip_with_every_field(demo_db):
    """The stored goal results are the same objects: statuses, exact counts, intervals (tuples),
    dates, parts, the preliminary signal and the target model."""
    wh = Warehouse(demo_db)
    stored = precompute.lookup(wh, "goal_results", (None,))
    fresh = attainment.evaluate_all(Warehouse(demo_db), goals.load(GOALS))
    assert [r.status for r in stored] == [r.status for r in fresh]
    part = stored[0].parts[0]
    assert isinstance(part.change_ci, tuple) and isinstance(part.as_of, date)
    assert isinstance(part.target, goals.Target) and part.target == fresh[0].parts[0].target
    assert part.baseline.numerator == fresh[0].parts[0].baseline.numerator
    assert stored[0].preliminary.status == fresh[0].preliminary.status
    assert stored == fresh


def test_a_write_never_leaves_stale_views(tmp_path, monkeypatch):
    """An import changes the data: the stored views are recomputed in the same swap (they equal
    the engine on the new data), and a write without the hook leaves none behind."""
    # school year 2024/25 complete (data until June 2025): the pages' default period
    months = [(date(2024, 9, 1), 1000, 100), (date(2025, 2, 1), 1000, 300), (date(2025, 6, 1), 1000, 0)]
    db = tmp_path / "w.duckdb"
    build_warehouse(db, absence=absence_rows("p1", "G1", "5", "flicka", months)
                    + absence_rows("p2", "G1", "5", "pojke", [(date(2025, 6, 1), 1000, 0)]))
    wh = Warehouse(db)
    before = precompute.lookup(wh, "dataset_info", ())
    assert before["until"]["absence"] == date(2025, 6, 30)
    assert precompute.lookup(wh, "months", ())[0] == "2025-06"
    # the extract for August 2025 arrives
    csv = ("pupil_id;school_id;grade;gender;month;scheduled_minutes;absent_minutes\n"
           "p3;G1;6;pojke;2025-08;1000;900\n").encode()
    plan = importer.prepare("absence", csv, "aug.csv", db)
    assert plan.ok, [str(p) for p in plan.problems]
    importer.apply(plan, db, user="test")
    wh = Warehouse(db)
    assert precompute.lookup(wh, "dataset_info", ())["until"]["absence"] == date(2025, 8, 31)
    assert precompute.lookup(wh, "months", ())[0] == "2025-08"
    cfg = goals.load(GOALS)
    for name, args in precompute.first_views(wh):
        _same(precompute.lookup(wh, name, args), precompute.compute(Warehouse(db), cfg, name, args))
    # a process without the hook: the old values are gone, the engine computes
    monkeypatch.setattr(warehouse, "_DERIVERS", [])
    warehouse.write(db, lambda con: None)
    assert precompute.stored(Warehouse(db)).height == 0
    assert precompute.lookup(Warehouse(db), "months", ()) is precompute.MISSING


def test_another_context_misses(demo_db, monkeypatch, tmp_path):
    """Values are published under the settings and goal file they were computed with: another
    rounding base, threshold or goal file reads nothing (and computes with the engine)."""
    wh = Warehouse(demo_db)
    assert precompute.lookup(wh, "goal_results", (None,)) is not precompute.MISSING
    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", "5")
    assert precompute.lookup(wh, "absence_trend", (views.school_years(wh)[::-1], {})) is precompute.MISSING
    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", "1")
    monkeypatch.setenv("SAMVERKAN_SUPPRESS_MIN_COUNT", "3")
    assert precompute.lookup(wh, "months", ()) is precompute.MISSING
    monkeypatch.delenv("SAMVERKAN_SUPPRESS_MIN_COUNT")
    edited = tmp_path / "goals.yaml"
    text = GOALS.read_text(encoding="utf-8").replace("partly_threshold: 0.5", "partly_threshold: 0.6")
    edited.write_text(text + "\n# edited\n", encoding="utf-8")
    monkeypatch.setenv("SAMVERKAN_GOALS", str(edited))
    assert precompute.lookup(wh, "goal_results", (None,)) is precompute.MISSING
    monkeypatch.setenv("SAMVERKAN_GOALS", str(GOALS))
    assert precompute.lookup(wh, "goal_results", (None,)) is not precompute.MISSING


def test_arguments_are_canonical():
    assert precompute.args_key(("2025/26", ["a", "b"], {"z": [1], "a": True})) == \
        precompute.args_key(["2025/26", ("a", "b"), {"a": True, "z": [1]}])
    assert precompute.args_key((None,)) != precompute.args_key(({},))


def test_stored_json_builds_only_allowed_classes():
    """A stored value is data: decoding refuses any class outside the allow-list."""
    evil = json.dumps({"__class__": "Popen", "fields": {"__dict__": {"args": ["true"]}}}).encode()
    with pytest.raises(KeyError):
        precompute.loads("json", evil)
    value = {"until": {"absence": date(2026, 10, 31)}, "ci": (0.1, 0.2), "list": [1, None, "x"]}
    assert precompute.loads(*precompute.dumps(value)) == value


def test_a_failing_view_does_not_fail_the_import(tmp_path, monkeypatch):
    """Data are what the steward imported: a view that cannot be computed is left to the engine."""
    def broken(wh, cfg, *args):
        raise RuntimeError("boom")

    monkeypatch.setitem(precompute.VIEWS, "dataset_info", broken)
    db = tmp_path / "w.duckdb"
    build_warehouse(db, absence=absence_rows("p1", "G1", "5", "flicka", [(date(2025, 1, 1), 1000, 100)]))
    names = set(precompute.stored(Warehouse(db))["name"])
    assert "dataset_info" not in names and "months" in names


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/bun.py", "pages/sn.py",
                                  "pages/styrgrupp.py"])
def test_first_view_of_every_page_needs_no_engine(app_env, monkeypatch, page):
    """Opened with the default filters on a fresh server, no page asks the engine: all it shows
    first was stored when the file was written. (The engine path is patched to fail.)"""
    asked = []

    def no_engine(wh, cfg, name, args):
        asked.append((name, args))
        raise AssertionError(f"engine asked for {name}{args}")

    monkeypatch.setattr(precompute, "compute", no_engine)
    st.cache_data.clear()  # as on a fresh server: nothing from earlier tests in the cache
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert not asked and not at.exception, (asked, at.exception)
