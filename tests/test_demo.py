"""The demo municipality: deterministic, calibrated to the seeds, and telling the 004_ story.

Calibration is checked with plain SQL on the built warehouse, independent of the metric engine.
"""

from __future__ import annotations

import polars as pl
import pytest

from data import demo
from data.warehouse import INTERVENTION_TYPES
from metrics import attainment, goals
from tests.conftest import ROOT


def test_same_seed_gives_identical_tables_and_another_seed_does_not():
    small = demo.DemoSpec(seed=7, cohort_size=120, areas=3, reports_first_year=400,
                          intervention_starts_per_year=80)
    a, b = demo.generate(small), demo.generate(small)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].equals(b[name]), name
    c = demo.generate(demo.DemoSpec(seed=8, cohort_size=120, areas=3, reports_first_year=400,
                                    intervention_starts_per_year=80))
    assert not a["absence"].equals(c["absence"])


def one(wh, sql):
    return wh.fetchone(sql)[0]


def test_size_is_about_helsingborg(demo_wh):
    assert 35 <= one(demo_wh, "SELECT count(*) FROM schools") <= 45
    assert 5 <= one(demo_wh, "SELECT count(DISTINCT area) FROM schools") <= 6
    assert one(demo_wh, "SELECT count(*) FROM schools WHERE operator = 'fristaende'") >= 3
    forms = {r[0] for r in demo_wh.sql("SELECT DISTINCT school_form FROM schools").rows()}
    assert forms == {"forskola", "grundskola", "gymnasieskola"}
    pupils = one(demo_wh, "SELECT count(DISTINCT pupil_key) FROM absence "
                          "WHERE month BETWEEN DATE '2025-07-01' AND DATE '2026-06-30'")
    assert 18_000 <= pupils <= 23_000
    assert str(one(demo_wh, "SELECT min(month) FROM absence")) == "2019-08-01"
    assert str(one(demo_wh, "SELECT max(month) FROM absence")) == "2026-10-01"
    types = {r[0] for r in demo_wh.sql("SELECT DISTINCT intervention_type FROM interventions").rows()}
    assert types == set(INTERVENTION_TYPES)
    meta = demo_wh.meta()
    assert meta["dataset_label"] == "Demodata – fiktiv kommun" and meta["is_demo"] == "1"


def test_reports_are_calibrated_to_the_seeds(demo_wh):
    per_year = dict(demo_wh.sql("SELECT year(received_date) AS y, count(*) AS n FROM reports "
                                "GROUP BY y ORDER BY y").rows())
    assert all(4_000 <= per_year[y] <= 10_000 for y in range(2020, 2026))
    # growing 10-16 % a year in recent years (Helsingborg +65 % in five years, Stockholm +60 % in three)
    assert all(1.10 <= per_year[y] / per_year[y - 1] <= 1.16 for y in range(2021, 2026))
    residents = one(demo_wh, "SELECT sum(residents) FROM population WHERE year = 2024 AND age_to <= 20")
    assert 120 <= per_year[2024] / residents * 1000 <= 240  # Helsingborg 2019: ~165 per 1,000
    # investigations opened of all reports received (the seeds' measure, investigation_share_all)
    share = dict(demo_wh.sql("""
        SELECT reporter_category IN ('skola', 'forskola', 'elevhalsa') AS school_system,
               avg((decision = 'utredning_inleds')::INT)
        FROM reports WHERE year(received_date) BETWEEN 2020 AND 2025 GROUP BY ALL""").rows())
    assert 0.60 <= share[True] <= 0.64  # "just over 60 %" of the school system's reports (000_)
    overall = one(demo_wh, "SELECT avg((decision = 'utredning_inleds')::INT) FROM reports "
                           "WHERE year(received_date) BETWEEN 2020 AND 2025")
    assert 0.51 <= overall <= 0.54  # 51 % of all (000_), 52-54 % in Stockholm 2013-2014 (001_)
    ratio = one(demo_wh, "SELECT count(*) FILTER (WHERE reporter_category = 'forskola') "
                         "/ count(*) FILTER (WHERE reporter_category = 'skola') FROM reports")
    assert 0.25 <= ratio <= 0.42  # preschool about a third of school
    school_share = one(demo_wh, "SELECT avg((reporter_category IN ('skola','forskola','elevhalsa'))::INT) FROM reports")
    assert 0.17 <= school_share <= 0.27  # Helsingborg: 1,150 of 6,104


def test_pupils_move_school_both_ways(demo_wh):
    """Pupils who change school within a school year, between municipal and independent schools
    in both directions (the school-move rule counts them in the latest month's school)."""
    moves = dict(((a, b), n) for a, b, n in demo_wh.sql("""
        WITH m AS (SELECT a.pupil_key, a.month, s.operator, s.school_id
                   FROM absence a JOIN schools s USING (school_id)
                   WHERE month BETWEEN DATE '2024-07-01' AND DATE '2025-06-30'),
        f AS (SELECT pupil_key, arg_min(operator, month) AS before, arg_max(operator, month) AS after,
                     count(DISTINCT school_id) AS schools FROM m GROUP BY pupil_key)
        SELECT before, after, count(*) FROM f WHERE schools > 1 GROUP BY ALL""").rows())
    assert moves.get(("kommunal", "fristaende"), 0) >= 5
    assert moves.get(("fristaende", "kommunal"), 0) >= 5
    assert moves.get(("kommunal", "kommunal"), 0) >= 5


def test_high_absence_differs_between_terms_for_some_pupils(demo_wh):
    """Summing minutes before the threshold matters: pupils high in one term only, both ways."""
    rows = {(ht, vt): n for ht, vt, n in demo_wh.sql("""
        WITH p AS (SELECT pupil_key,
            sum(scheduled_minutes) FILTER (WHERE month < DATE '2025-01-01') AS s1,
            sum(absent_minutes) FILTER (WHERE month < DATE '2025-01-01') AS a1,
            sum(scheduled_minutes) FILTER (WHERE month >= DATE '2025-01-01') AS s2,
            sum(absent_minutes) FILTER (WHERE month >= DATE '2025-01-01') AS a2
            FROM absence WHERE month BETWEEN DATE '2024-07-01' AND DATE '2025-06-30' GROUP BY pupil_key)
        SELECT a1 * 100 > 15 * s1, a2 * 100 > 15 * s2, count(*) FROM p WHERE s1 > 0 AND s2 > 0 GROUP BY ALL""").rows()}
    assert rows[(True, False)] >= 50 and rows[(False, True)] >= 50


def test_small_schools_and_one_missing_school_month(demo_wh):
    from metrics import completeness

    small = demo_wh.sql("""SELECT s.school_name, count(DISTINCT a.pupil_key) AS n
        FROM absence a JOIN schools s USING (school_id)
        WHERE a.month = DATE '2025-09-01' GROUP BY ALL HAVING n < 80""")
    assert small.height >= 2  # village schools: their grades and genders are small groups
    gaps = [g for g in completeness.gaps(demo_wh) if g.ledger_until is None]
    assert [(g.school is not None, g.month.isoformat()) for g in gaps] == [(True, "2026-09-01")]
    # only in the school year in progress: no official goal year is touched
    rows = one(demo_wh, f"SELECT count(*) FROM absence WHERE school_id = '{gaps[0].school}' "
                        "AND month = DATE '2026-09-01'")
    assert rows == 0


HIGH_BY = """
WITH p AS (
  SELECT a.pupil_key, s.school_form, s.operator, max(a.grade) AS grade,
         sum(scheduled_minutes) AS s, sum(absent_minutes) AS a
  FROM absence a JOIN schools s USING (school_id)
  WHERE month BETWEEN DATE '{y}-07-01' AND DATE '{y1}-06-30'
  GROUP BY ALL)
SELECT {key}, avg((a * 100 > 15 * s)::INT) FROM p GROUP BY ALL
"""


def test_absence_is_higher_in_upper_grades_and_with_interventions(demo_wh):
    sql = HIGH_BY.format(y=2024, y1=2025, key="school_form = 'grundskola' AND grade IN ('7','8','9') AS upper")
    rows = dict(demo_wh.sql(sql.replace("FROM p GROUP BY ALL", "FROM p WHERE school_form = 'grundskola' GROUP BY ALL")).rows())
    assert rows[True] > 1.3 * rows[False]
    forms = dict(demo_wh.sql(HIGH_BY.format(y=2024, y1=2025, key="school_form")).rows())
    assert forms["gymnasieskola"] > forms["grundskola"]
    with_iv = one(demo_wh, HIGH_BY.format(y=2024, y1=2025, key="1").replace(
        "FROM p GROUP BY ALL",
        "FROM p WHERE pupil_key IN (SELECT child_key FROM interventions WHERE start_date <= DATE '2025-06-30' "
        "AND (end_date IS NULL OR end_date >= DATE '2024-07-01')) GROUP BY ALL").replace("SELECT 1, ", "SELECT "))
    assert with_iv > 2 * forms["grundskola"]


def test_the_004_story_is_visible(demo_wh):
    cfg = goals.load(ROOT / "config" / "goals.yaml")
    status = {}
    for year in ("2023/24", "2024/25", "2025/26"):
        bun, sn = attainment.evaluate_all(demo_wh, cfg, year)
        status[year] = (bun, sn)
    assert status["2023/24"][0].status == "achieved"
    assert status["2024/25"][0].status != "achieved" and status["2025/26"][0].status != "achieved"
    grund = status["2025/26"][0].parts[0]
    assert grund.change == pytest.approx(-0.001, abs=0.0006)  # grundskola moves ~0.1 pp
    sn = status["2025/26"][1]
    assert sn.change == pytest.approx(-0.164, abs=0.01) and sn.status == "partly"
    assert sn.progress == pytest.approx(0.82, abs=0.05)


def test_the_goals_count_the_populations_the_committees_mean(demo_wh):
    """Independent plain SQL on the demo: BUN's grundskola part counts municipal schools only, and
    SN's goal pupils with an intervention of SN's own; both differ from the all-inclusive count."""
    cfg = goals.load(ROOT / "config" / "goals.yaml")
    bun, sn = attainment.evaluate_all(demo_wh, cfg, "2025/26")

    def share(where: str, interventions: str | None = None) -> tuple[int, int]:
        active = "" if interventions is None else f"""
            AND pupil_key IN (SELECT child_key FROM interventions WHERE {interventions}
                              AND start_date <= DATE '2026-06-30'
                              AND (end_date IS NULL OR end_date >= DATE '2025-07-01'))"""
        return demo_wh.fetchone(f"""
            WITH p AS (
                SELECT a.pupil_key, arg_max(s.school_form, a.month) AS form, arg_max(s.operator, a.month) AS op,
                       sum(a.scheduled_minutes) AS sched, sum(a.absent_minutes) AS absent
                FROM absence a JOIN schools s USING (school_id)
                WHERE a.month BETWEEN DATE '2025-07-01' AND DATE '2026-06-30'
                GROUP BY a.pupil_key)
            SELECT count(*) FILTER (WHERE absent * 100 > 15 * sched), count(*)
            FROM p WHERE sched > 0 AND {where} {active}""")

    grund = bun.parts[0]
    assert (grund.current.numerator, grund.current.denominator) == share("form = 'grundskola' AND op = 'kommunal'")
    assert share("form = 'grundskola'")[1] > grund.current.denominator  # independent schools left out
    assert (sn.current.numerator, sn.current.denominator) == share(
        "form = 'grundskola' AND op = 'kommunal'", "committee = 'sn'")
    assert share("form = 'grundskola' AND op = 'kommunal'", "TRUE")[1] > sn.current.denominator


def test_streamed_import_files_hold_the_same_municipality(tmp_path):
    """The ×10 benchmark writes the city one school year at a time: the same rows as generate()."""
    spec = demo.DemoSpec.city(0.01)
    whole = demo.write_import_files(demo.generate(spec), tmp_path / "whole")
    streamed = demo.stream_import_files(spec, tmp_path / "streamed")
    assert [p.name for p in streamed["absence"]] == [f"absence-{y}.csv" for y in range(2016, 2027)]
    read = lambda p: pl.read_csv(p, separator=";", infer_schema=False)  # noqa: E731
    one = read(whole["absence"])
    parts = pl.concat([read(p) for p in streamed["absence"]])
    assert parts.height == one.height and parts.sort(parts.columns).equals(one.sort(one.columns))
    for kind in ("schools", "population", "reports", "interventions"):
        assert streamed[kind][0].read_bytes() == whole[kind].read_bytes()
