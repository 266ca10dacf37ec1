"""Issue 25, item 2: figures are built once per process for the same data (``ui.memo.shared``) and
shared by every session. Checked: a shared figure is the one a fresh build gives, a different value
gives a different figure, and nothing a page run or an export does changes a shared figure."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from metrics.attainment import Measure
from ui import charts, figures, images, memo
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def _funnel(counts: list[int | None]) -> pl.DataFrame:
    return pl.DataFrame({"stage": ["received", "assessed", "investigated"],
                         "label": ["Inkomna", "Bedömda", "Utredda"], "count": counts,
                         "suppressed": [c is None for c in counts]}, schema_overrides={"count": pl.Int64})


SERIES = [Measure("2022/23", "2022/23", 0.14, 140, 1000), Measure("2023/24", "2023/24", None, None, None, suppressed=True),
          Measure("2024/25", "2024/25", 0.125, 125, 1000)]


def test_equal_data_gives_the_same_figure_and_it_is_what_a_fresh_build_gives():
    memo.clear()
    first, export, display = figures.report_funnel(_funnel([300, 120, 40]), "Tratt")
    again = figures.report_funnel(_funnel([300, 120, 40]), "Tratt")  # a new, equal frame (as from the cache)
    assert again[0] is first
    # the unshared builder, called directly, gives the same figure and tables
    fresh, fresh_export, fresh_display = figures.report_funnel.__wrapped__(_funnel([300, 120, 40]), "Tratt")
    assert fresh is not first and fresh.to_json() == first.to_json()
    assert fresh_export.equals(export) and fresh_display.equals(display)
    # and what the figure shows is the data, written out here: received at the top
    assert list(first.data[0].text) == ["40", "120", "300"]

    trend = charts.goal_trend(SERIES, 0.12, "Mål", current="2024/25", marks={"2024/25": ["Ny rutin"]})
    assert charts.goal_trend(list(SERIES), 0.12, "Mål", current="2024/25", marks={"2024/25": ["Ny rutin"]}) is trend
    fresh = charts.goal_trend.__wrapped__(SERIES, 0.12, "Mål", current="2024/25", marks={"2024/25": ["Ny rutin"]})
    assert fresh.to_json() == trend.to_json()
    assert [a.text for a in trend.layout.annotations if a.text == "Ny rutin"] == ["Ny rutin"]


@pytest.mark.parametrize("other", [
    [300, 120, 41],      # one value
    [300, 120, None],    # a hidden value instead of a number
    [300, 120, 0],       # zero is not hidden
])
def test_a_different_value_gives_a_different_figure(other):
    memo.clear()
    base = figures.report_funnel(_funnel([300, 120, None]) if other == [300, 120, 0] else _funnel([300, 120, 40]),
                                 "Tratt")[0]
    changed = figures.report_funnel(_funnel(other), "Tratt")[0]
    assert changed is not base
    expected = ".." if other[2] is None else str(other[2])
    assert list(changed.data[0].text)[0] == expected
    # the arguments besides the frame are part of the key as well
    assert figures.report_funnel(_funnel(other), "Annan titel")[0].layout.title.text != changed.layout.title.text
    assert charts.goal_trend(SERIES, 0.12, "Mål") is not charts.goal_trend(SERIES, 0.13, "Mål")


def _figures(value) -> list[go.Figure]:
    """The figures inside a builder's result (a figure, a tuple of figure and tables, …)."""
    if isinstance(value, go.Figure):
        return [value]
    if isinstance(value, tuple | list):
        return [f for v in value for f in _figures(v)]
    return []


def _snapshot() -> dict[int, tuple[go.Figure, str]]:
    return {id(f): (f, f.to_json()) for values in memo.kept().values() for v in values for f in _figures(v)}


PAGES = [("pages/overview.py", {}), ("pages/bun.py", {}), ("pages/bun.py", {"omrade": "Centrum"}),
         ("pages/sn.py", {}), ("pages/styrgrupp.py", {}), ("pages/jamforelser.py", {}),
         ("pages/uppfoljning.py", {})]


def _session(pages) -> None:
    """One person's session: every page in turn, each with its query string."""
    at = AppTest.from_file(APP, default_timeout=180).run()
    for path, query in pages:
        at.query_params.clear()
        for k, v in query.items():
            at.query_params[k] = v
        at.switch_page(path).run()
        assert not at.exception, (path, [e.value for e in at.exception])


def test_no_page_run_or_export_changes_a_shared_figure(app_env, monkeypatch):
    monkeypatch.setenv("SAMVERKAN_AUTH", "off")  # every page, as the admin
    memo.clear()
    _session(PAGES)
    before = _snapshot()
    assert len(before) >= 10  # the pages' charts are shared
    # a second person opens the same pages: nothing is built again, the same figures are drawn
    _session(PAGES)
    assert _snapshot().keys() == before.keys()
    # a third goes the other way round (its filters carry over between pages: it may see new views)
    _session(list(reversed(PAGES)))
    after = _snapshot()
    assert before.keys() <= after.keys()
    # the image export lays out a copy
    for fig, _json in after.values():
        images.static(fig, images.Note(source="Demodata – fiktiv kommun", as_of=None, suppressed=True))
    changed = [fig.layout.title.text for fig, text in before.values() if fig.to_json() != text]
    assert changed == []
