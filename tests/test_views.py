"""The data behind each view, against independent counts (plain Python or SQL)."""

from __future__ import annotations

import polars as pl
import pytest

from metrics import catalog, views
from tests import test_engine as fx
from tests.conftest import build_warehouse


@pytest.fixture
def fixture_wh(tmp_path, monkeypatch):
    # suppression off (thresholds of 1) so that the tiny hand-written tables show every count
    monkeypatch.setenv("SAMVERKAN_SUPPRESS_MIN_COUNT", "1")
    monkeypatch.setenv("SAMVERKAN_SUPPRESS_MIN_DENOMINATOR", "1")
    return build_warehouse(tmp_path / "w.duckdb", absence=fx.ABSENCE, interventions=fx.INTERVENTIONS,
                           reports=fx.REPORTS, population=fx.POPULATION)


def test_report_funnel_counts_each_stage(fixture_wh):
    rs = fx.reports_in(2024)
    got = dict(views.report_funnel(fixture_wh, "2024").select("stage", "count").rows())
    assessed = [r for r in rs if r[8] in ("utredning_inleds", "utredning_inleds_ej")]
    assert got["received"] == len(rs)
    assert got["assessed"] == len(assessed)
    assert got["opened"] == sum(r[8] == "utredning_inleds" for r in rs)
    assert got["not_opened"] == sum(r[8] == "utredning_inleds_ej" for r in rs)
    assert got["ongoing"] == sum(r[8] == "pagaende_utredning" for r in rs)
    assert got["unassessed"] == sum(r[8] == "ej_bedomd" for r in rs)
    assert got["within_14"] == sum(r[9] is not None and (r[9] - r[2]).days <= 14 for r in assessed)
    assert got["feedback"] == sum(r[5] in fx.SCHOOL_SYSTEM and r[8] != "ej_bedomd" and r[10] is True for r in rs)


def test_report_funnel_is_suppressed_on_small_counts(tmp_path):
    wh = build_warehouse(tmp_path / "w.duckdb", reports=fx.REPORTS)
    df = views.report_funnel(wh, "2024")
    assert df.filter(pl.col("stage") == "not_opened")["count"][0] is None  # 1 report
    assert df.filter(pl.col("stage") == "received")["count"][0] == 6


def test_distribution_counts_pupils_per_band(fixture_wh):
    dist = views.absence_distribution(fixture_wh, "HT2024")
    ps = fx.pupils_in(*fx.HT)

    def band(p):
        share = p["a"] / p["s"]
        return "0–15 %" if share <= 0.15 else "över 15–25 %" if share <= 0.25 else \
            "över 25–50 %" if share <= 0.5 else "över 50 %"

    grund = {k: p for k, p in ps.items() if p["s"] > 0 and fx.SCHOOL[p["school"]][0] == "grundskola"}
    expected = {b: sum(band(p) == b for p in grund.values()) for b in catalog.ABSENCE_BANDS}
    got = dist.filter(pl.col("school_form") == "grundskola")
    assert dict(zip(got["absence_band"], got["numerator"], strict=True)) == expected
    assert got["share"].sum() == pytest.approx(1.0)


GRUND_GOAL = """
mandate_period: {start: 2023, end: 2026}
committees: [{id: BUN, name: Barn- och utbildningsnämnden}]
goals:
  - id: grund
    committee: BUN
    title: Grundskolan
    indicator: high_absence_share
    baseline_period: "2022/23"
    target: {kind: absolute_change, value: -2.0}
    filter: {school_form: [grundskola]}
"""


def test_key_indicators_compare_months(fixture_wh, tmp_path):
    from metrics import goals

    (tmp_path / "g.yaml").write_text(GRUND_GOAL, encoding="utf-8")
    cfg = goals.load(tmp_path / "g.yaml")
    df = views.key_indicators_month(fixture_wh, "2024-10", cfg)
    # the goal's own indicator and population come first, named as such
    assert df["label"][0] == "Andel elever med hög frånvaro (målets population)"
    assert "Andel elever med hög frånvaro (målets population)" not in views.key_indicators_month(
        fixture_wh, "2024-10")["label"].to_list()  # no goal file: no goal rows
    row = df.row(0, named=True)
    # October 2024: p1 (15.0 %), p2 (5.3 %), p3 (15.0 %), p9 (50 %) -> 1 of 4; September: p1 15 %,
    # p2 50 %, p3 15.1 %, p5 60 %, p7 30 %, p8 10 %, p10 20 % -> 5 of 7 (p4 has no scheduled time)
    assert row["value"] == pytest.approx(1 / 4) and row["previous_month"] == pytest.approx(5 / 7)
    assert row["change_month"] == pytest.approx(1 / 4 - 5 / 7)
    assert row["same_month_last_year"] is None and row["change_year"] is None


def test_key_indicators_in_the_exact_view_are_exact_and_otherwise_rounded(demo_wh, monkeypatch):
    """The key indicators are evaluated side by side in threads: the exact view (a context
    variable) must reach every one of them, and a published page must never get it."""
    from metrics import engine

    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", "5")  # the product's default (conftest: 1)

    def reports(df):
        return df.filter(pl.col("indicator") == "report_count").row(0, named=True)["value"]

    exact = demo_wh.fetchone("SELECT count(*) FROM reports WHERE received_date BETWEEN '2025-11-01' AND '2025-11-30'")[0]
    assert exact % 5  # the demo's November 2025 is not a multiple of 5, so rounding shows
    with engine.exact_view():
        assert reports(views.key_indicators_month(demo_wh, "2025-11")) == exact
    published = reports(views.key_indicators_month(demo_wh, "2025-11"))
    # a sum of the schools' cells (each area's reports without a school one more), each within 2
    cells = demo_wh.fetchone("SELECT count(DISTINCT (coalesce(r.area, s.area), r.school_id)) FROM reports r "
                             "LEFT JOIN schools s USING (school_id) "
                             "WHERE received_date BETWEEN '2025-11-01' AND '2025-11-30'")[0]
    assert published % 5 == 0 and published != exact and abs(published - exact) <= 2 * cells


def test_demo_funnel_adds_up(demo_wh):
    got = dict(views.report_funnel(demo_wh, "2025").select("stage", "count").rows())
    sql = dict(demo_wh.sql("SELECT decision, count(*) FROM reports WHERE year(received_date) = 2025 "
                           "GROUP BY ALL").rows())
    assert got["received"] == sum(sql.values())
    assert got["opened"] == sql["utredning_inleds"] and got["not_opened"] == sql["utredning_inleds_ej"]
    assert got["assessed"] == got["opened"] + got["not_opened"]


def test_school_comparison_positions_follow_the_limits(demo_wh):
    df = views.school_comparison(demo_wh, "2025/26", {"school_form": ["grundskola"]})
    shown = df.filter(pl.col("value").is_not_null())
    assert shown.height >= 20
    for r in shown.iter_rows(named=True):
        expected = "över" if r["value"] > r["limit998_high"] else "under" if r["value"] < r["limit998_low"] else "inom"
        assert r["position"] == expected
    assert set(shown["position"]) >= {"över", "inom"}  # the demo has areas with more absence


def test_choices_follow_the_data(demo_wh):
    assert views.school_years(demo_wh)[0] == "2025/26" and views.school_years(demo_wh)[-1] == "2019/20"
    assert views.absence_periods(demo_wh)[:3] == ["2026/27", "HT2026", "2025/26"]
    assert views.months(demo_wh)[0] == "2026-10" and views.years(demo_wh)[0] == 2026


def test_a_month_at_the_start_of_the_data_compares_with_nothing(demo_wh):
    # the demo's reports start in August 2019: August 2018 is no "0", and no "+426"
    first = views.key_indicators_month(demo_wh, "2019-08")
    reports = first.filter(pl.col("indicator") == "report_count").row(0, named=True)
    assert reports["value"] > 0
    assert reports["same_month_last_year"] is None and reports["change_year"] is None
    assert reports["previous_month"] is None and reports["change_month"] is None
    # a month after the data ends has no values at all (not 0 reports and not −100 %)
    from metrics import engine
    after = engine.evaluate(demo_wh, "report_change", ["2026-10", "2026-11"])
    assert after["value"][0] is not None and after["value"][1] is None
    assert after["coverage"].to_list() == ["complete", "none"]
