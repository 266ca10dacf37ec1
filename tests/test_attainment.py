"""Goal attainment: the worked examples of the issue, and both real goals on hand-written rows."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from metrics import attainment, goals, periods
from metrics.goals import Target
from tests.conftest import ROOT, build_warehouse

ABS = Target(kind="absolute_change", value=-2.0)
REL = Target(kind="relative_change", value=-20)


@pytest.mark.parametrize("k1,k2,progress,status", [
    (140, 117, Fraction(23, 20), "achieved"),       # -2.3 pp against -2.0
    (140, 120, Fraction(1), "achieved"),            # exactly -2.0 pp: exactly on target
    (140, 139, Fraction(1, 20), "not_achieved"),    # -0.1 pp: progress 0.05
    (140, 150, Fraction(-1, 2), "not_achieved"),    # a rise: negative progress
    (140, 130, Fraction(1, 2), "partly"),           # half way: the default threshold
])
def test_absolute_change_examples(k1, k2, progress, status):
    p = attainment.progress_of(ABS, k1, 1000, k2, 1000)
    assert p == progress
    assert attainment.status_of(p, 0.5) == status


def test_relative_change_examples():
    # -16.4 % of the baseline against -20 %: progress 0.82, partly
    p = attainment.progress_of(REL, 500, 1000, 418, 1000)
    assert p == Fraction(82, 100)
    assert attainment.status_of(p, 0.5) == "partly"
    assert attainment.progress_of(REL, 500, 1000, 400, 1000) == 1
    assert attainment.progress_of(REL, 0, 1000, 10, 1000) is None  # no relative change from zero
    assert attainment.status_of(None, 0.5) == "no_data"


def test_level_target_in_both_directions():
    lower = Target(kind="level", value=10)
    assert attainment.progress_of(lower, 200, 1000, 150, 1000, "lower_better") == Fraction(1, 2)
    assert attainment.progress_of(lower, 200, 1000, 90, 1000, "lower_better") == Fraction(11, 10)
    higher = Target(kind="level", value=90)
    assert attainment.progress_of(higher, 800, 1000, 850, 1000, "higher_better") == Fraction(1, 2)
    assert attainment.progress_of(higher, 950, 1000, 940, 1000, "higher_better") == 1  # still met


def test_target_level_and_significance():
    assert attainment.target_level(ABS, 0.14) == pytest.approx(0.12)
    assert attainment.target_level(REL, 0.42) == pytest.approx(0.336)
    sig, ci = attainment.significance(ABS, 1400, 10000, 1170, 10000)
    assert sig is True and ci[1] < 0
    sig, ci = attainment.significance(ABS, 140, 1000, 139, 1000)
    assert sig is False and ci[0] < 0 < ci[1]
    sig, ci = attainment.significance(REL, 420, 1000, 351, 1000)
    assert sig is True and ci[0] < -0.164 < ci[1] < 0


# --- both real goals on hand-written rows --------------------------------------------------

def pupils(prefix: str, school: str, grade: str, month: date, n: int, n_high: int) -> list[tuple]:
    """n pupils in one month; the first n_high at 30 % absence, the rest at 15 % (not high)."""
    return [(f"{prefix}{i}", school, grade, "flicka" if i % 2 else "pojke", month, 1000,
             300 if i < n_high else 150, 0) for i in range(n)]


BASE, CUR = date(2022, 10, 1), date(2025, 10, 1)
ROWS = (
    # grundskola, municipal, no intervention: 6 of 20 high -> 5 of 20 (-5 pp: met)
    pupils("gb", "G1", "5", BASE, 20, 6) + pupils("gc", "G1", "6", CUR, 20, 5)
    # gymnasieskola: 5 of 12 -> 5 of 12 (no change: not met)
    + pupils("yb", "Y1", "2", BASE, 12, 5) + pupils("yc", "Y1", "2", CUR, 12, 5)
    # F-9 municipal with an SN intervention: 10 of 25 (40 %) -> 8 of 25 (32 %): exactly -20 %
    + pupils("sb", "G2", "8", BASE, 25, 10) + pupils("sc", "G2", "8", CUR, 25, 8)
    # F-9 municipal with a joint (not SN's own) intervention: outside SN's population
    + pupils("jb", "G2", "7", BASE, 10, 0) + pupils("jc", "G2", "7", CUR, 10, 0)
    # independent school with intervention: outside SN's population (would spoil it: all high)
    + pupils("fb", "G3", "8", BASE, 12, 12) + pupils("fc", "G3", "8", CUR, 12, 12)
    # a spring month so that 2025/26 is complete and 2023/24 exists for the series
    + pupils("gd", "G1", "6", date(2026, 6, 1), 20, 5)
)
INTERVENTIONS = (
    [(f"i-sb{i}", f"sb{i}", "starka", "sn", date(2022, 9, 1), date(2023, 5, 1), "G2") for i in range(25)]
    + [(f"i-sc{i}", f"sc{i}", "foraldraskapsstod", "sn", date(2025, 9, 1), None, "G2") for i in range(25)]
    + [(f"i-j{w}{i}", f"j{w}{i}", "sip", "gemensam", date(2022, 8, 1), None, "G2") for w in "bc" for i in range(10)]
    + [(f"i-f{w}{i}", f"f{w}{i}", "sip", "sn", date(2022, 8, 1), None, "G3") for w in "bc" for i in range(12)]
)


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("goals") / "w.duckdb", absence=ROWS,
                           interventions=INTERVENTIONS)


@pytest.fixture(scope="module")
def cfg():
    return goals.load(ROOT / "config" / "goals.yaml")


def share(prefix_filter) -> Fraction:
    rows = [r for r in ROWS if prefix_filter(r)]
    return Fraction(sum(r[6] * 100 > 15 * r[5] for r in rows), len(rows))


def test_bun_goal_needs_both_school_forms(wh, cfg):
    (bun, _sn) = attainment.evaluate_all(wh, cfg, "2025/26")
    grund, gym = bun.parts
    # independent: BUN's own, municipal grundskolor G1 and G2; the independent G3 is outside
    base_g = share(lambda r: r[4] == BASE and r[1] in ("G1", "G2"))
    cur_g = share(lambda r: r[4] in (CUR, date(2026, 6, 1)) and r[1] in ("G1", "G2"))
    assert grund.baseline.value == pytest.approx(float(base_g))
    assert grund.current.value == pytest.approx(float(cur_g))
    assert grund.incomplete == ""  # a sparse fixture: no continuous series to have gaps in
    assert grund.progress == pytest.approx(float((cur_g - base_g) / Fraction(-2, 100)))
    assert gym.baseline.value == pytest.approx(5 / 12) and gym.current.value == pytest.approx(5 / 12)
    assert gym.status == "not_achieved" and gym.progress == 0
    # a two-part goal with one part met is not achieved
    assert grund.status == "achieved" and bun.status == "not_achieved"


def test_sn_goal_relative_change_in_its_population(wh, cfg):
    (_bun, sn) = attainment.evaluate_all(wh, cfg, "2025/26")
    # independent: F-9 municipal pupils with an SN intervention active in the school year (the
    # joint interventions' pupils, all high now, and the independent school's are outside)
    assert (sn.baseline.numerator, sn.baseline.denominator) == (10, 25)
    assert (sn.current.numerator, sn.current.denominator) == (8, 25)
    assert sn.change == pytest.approx(-0.2)
    assert sn.progress == 1.0 and sn.status == "achieved"  # exactly -20 %: on target
    assert sn.target_value == pytest.approx(0.32)


def test_status_json_has_the_documented_shape(wh, cfg):
    out = [r.to_json() for r in attainment.evaluate_all(wh, cfg, "2025/26")]
    bun = out[0]
    assert {"id", "committee", "title", "status", "progress", "significant", "on_track", "baseline",
            "current", "target", "parts"} <= set(bun)
    part = bun["parts"][0]
    assert set(part["baseline"]) >= {"period", "value", "numerator", "denominator"}
    assert part["baseline"]["period"] == "2022/23" and part["current"]["period"] == "2025/26"
    assert part["target"]["kind"] == "absolute_change" and part["target"]["value"] == -2.0


def test_school_year_in_progress_is_preliminary_and_apart(tmp_path, cfg):
    # data until October 2025 only: 2025/26 is in progress, 2024/25 is the last complete year
    rows = [r for r in ROWS if r[4] != date(2026, 6, 1)]
    wh = build_warehouse(tmp_path / "w.duckdb", absence=rows, interventions=INTERVENTIONS)
    (bun, sn) = attainment.evaluate_all(wh, cfg)
    part = bun.parts[0]
    assert part.current.period == "2024/25" and bun.current.period == "2024/25"  # official
    assert part.status == "no_data"  # no rows in 2024/25: the official status says so
    pre = part.preliminary
    assert pre.period == "2025/26" and pre.current.period == "2025-07-01..2025-10-31"
    assert pre.baseline.period == "2022-07-01..2022-10-31"
    assert "pågår" in pre.note and "samma månader höstterminen 2022" in pre.note
    # municipal grundskola in the same months: achieved as a preliminary signal only
    base_g = share(lambda r: r[4] == BASE and r[1] in ("G1", "G2"))
    cur_g = share(lambda r: r[4] == CUR and r[1] in ("G1", "G2"))
    assert pre.status == "achieved" and pre.change == pytest.approx(float(cur_g - base_g))
    assert bun.preliminary.status == "not_achieved"  # gymnasieskola unchanged
    out = bun.to_json()
    assert out["current"]["period"] == "2024/25" and out["preliminary"]["period"] == "2025/26"
    high_now = sum(r[6] * 100 > 15 * r[5] for r in rows if r[4] == CUR and r[1] in ("G1", "G2"))
    assert out["parts"][0]["preliminary"]["current"]["numerator"] == high_now


def test_one_achieved_month_does_not_change_the_official_status(tmp_path, cfg):
    # 2024/25 complete and not met; the new school year's first month looks excellent
    year = [date(2024, 9, 1), date(2025, 3, 1)]
    rows = (pupils("gb", "G1", "5", BASE, 20, 6) + pupils("yb", "Y1", "2", BASE, 12, 5)
            + [r for m in year for r in pupils("g" + m.isoformat(), "G1", "6", m, 20, 6)]
            + [r for m in year for r in pupils("y" + m.isoformat(), "Y1", "2", m, 12, 5)]
            # October 2025 against October 2022: 30 % -> 12.5 % and 41.7 % -> 20.8 %
            + pupils("gn", "G1", "6", CUR, 40, 5) + pupils("yn", "Y1", "2", CUR, 24, 5))
    wh = build_warehouse(tmp_path / "w.duckdb", absence=rows)
    (bun, _sn) = attainment.evaluate_all(wh, cfg)
    assert bun.current.period == "2024/25" and bun.status == "not_achieved"
    assert bun.preliminary.status == "achieved"  # one month: a signal, apart
    # the same official status as when the month did not exist
    before = attainment.evaluate_all(wh, cfg, until=date(2025, 6, 30))[0]
    assert (before.status, before.current.period, before.preliminary) == ("not_achieved", "2024/25", None)


@pytest.mark.parametrize("period,words", [
    ("2020/21", "ligger före basåret (läsåret 2022/23)"),
    ("2022/23", "är basåret (läsåret 2022/23)"),
    ("HT2022", "är basåret"),
    ("2026/27", "ligger efter mandatperioden"),
    ("2024-09", "per läsår eller termin"),
])
def test_periods_without_an_official_status_are_refused(wh, cfg, period, words):
    with pytest.raises(periods.PeriodError) as err:
        attainment.evaluate_all(wh, cfg, period)
    assert words in str(err.value)


def test_an_incomplete_period_is_refused(wh, cfg):
    with pytest.raises(periods.PeriodError, match="Höstterminen 2025 är inte avslutat|är inte avslutat"):
        attainment.evaluate_all(wh, cfg, "VT2026", until=date(2026, 3, 31))


def test_suppressed_population_gives_no_data(tmp_path, cfg):
    rows = (pupils("sb", "G2", "8", BASE, 8, 3) + pupils("sc", "G2", "8", CUR, 8, 2)
            + pupils("sd", "G1", "8", date(2026, 6, 1), 8, 2))  # 2025/26 complete
    ivs = [(f"i{i}{w}", f"s{w}{i}", "sip", "sn", date(2022, 8, 1), None, "G2") for w in "bc" for i in range(8)]
    wh = build_warehouse(tmp_path / "w.duckdb", absence=rows, interventions=ivs)
    (_bun, sn) = attainment.evaluate_all(wh, cfg, "2025/26")
    assert sn.status == "no_data" and sn.baseline.suppressed and sn.baseline.value is None


def test_on_track_projects_the_series(wh, cfg):
    (bun, sn) = attainment.evaluate_all(wh, cfg, "2025/26")
    # the mandate's last school year (2025/26) is complete: on track = its actual value meets
    assert bun.parts[0].on_track is True and bun.parts[1].on_track is False
    assert bun.on_track is False


def test_since_when_a_status_has_held(wh, cfg):
    (bun, sn) = attainment.evaluate_all(wh, cfg, "2025/26")
    grund = bun.parts[0]
    # the fixture has rows only in the baseline and in 2025/26: the years between have no data
    assert [h[:2] for h in attainment.status_history(grund, cfg)] == [
        ("2023/24", "no_data"), ("2024/25", "no_data"), ("2025/26", "achieved")]
    assert attainment.status_since(grund, cfg) == "2025/26"
    assert [h[1] for h in attainment.status_history(bun, cfg)] == ["no_data", "no_data", "not_achieved"]


ZERO_BASE = """
mandate_period: {start: 2023, end: 2026}
committees: [{id: BUN, name: Barn- och utbildningsnämnden}]
goals:
  - id: noll
    committee: BUN
    title: Relativt mål på ett basvärde som är noll
    indicator: high_absence_share
    baseline_period: "2022/23"
    target: {kind: relative_change, value: -20}
"""


def test_a_relative_target_on_a_zero_baseline_says_why_on_cli_and_page(tmp_path, monkeypatch, capsys):
    from streamlit.testing.v1 import AppTest

    import cli

    # baseline: 0 of 20 high; 2025/26: 5 of 20 high; no relative change can be computed from zero
    rows = pupils("zb", "G1", "5", BASE, 20, 0) + pupils("zc", "G1", "5", date(2026, 3, 1), 20, 5) \
        + pupils("zd", "G1", "5", date(2026, 6, 1), 20, 5)
    db = tmp_path / "w.duckdb"
    wh = build_warehouse(db, absence=rows)
    path = tmp_path / "goals.yaml"
    path.write_text(ZERO_BASE, encoding="utf-8")
    (r,) = attainment.evaluate_all(wh, goals.load(path))
    assert r.current.period == "2025/26" and r.baseline.value == 0 and r.current.value == pytest.approx(0.25)
    assert r.status == "no_data" and r.on_track is None and r.target_value is None and r.progress is None
    assert "Basvärdet (läsåret 2022/23) är 0 %" in r.problem and "absolute_change" in r.problem
    assert r.to_json()["problem"] == r.problem
    monkeypatch.setenv("SAMVERKAN_DB", str(db))
    monkeypatch.setenv("SAMVERKAN_GOALS", str(path))
    monkeypatch.setenv("SAMVERKAN_STORE_URL", f"sqlite:///{tmp_path / 's.sqlite'}")
    monkeypatch.setenv("SAMVERKAN_AUTH", "off")  # not the demo: login would be required otherwise
    assert cli.main(["status"]) == 0
    # in the goal's block, under its heading (the block wraps at 100 columns)
    block = " ".join(capsys.readouterr().out.split("(noll, BUN)", 1)[1].split("\n\n")[0].split())
    assert " ".join(r.problem.split()) in block
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert [w.value.replace("\\", "") for w in at.warning if "Basvärdet" in w.value] == [r.problem]


def test_no_status_before_the_first_school_year_after_the_baseline(demo_wh, cfg):
    # the end of August 2019: the last complete school year 2018/19 lies before the baseline
    (bun, sn) = attainment.evaluate_all(demo_wh, cfg, until=date(2019, 8, 31))
    assert bun.status == sn.status == "before_baseline" and bun.parts[0].status == "before_baseline"
    assert attainment.STATUS_LABELS["before_baseline"] == "Före basåret"
    assert sn.progress is None and sn.on_track is None and sn.target_value is None
    assert "läsåret 2023/24 är det första läsåret som kan få en status" in sn.comparison_note
    assert sn.preliminary is None  # 2019/20 in progress: before the baseline, no signal either
    # the end of June 2023: the baseline itself is complete -> "Basår"; in October 2023 the first
    # school year after it is in progress: a preliminary signal, still no official status
    (bun, sn) = attainment.evaluate_all(demo_wh, cfg, until=date(2023, 6, 30))
    assert (bun.status, sn.status) == ("baseline", "baseline") and sn.preliminary is None
    (bun, sn) = attainment.evaluate_all(demo_wh, cfg, until=date(2023, 10, 31))
    assert sn.status == "baseline" and sn.preliminary is not None and sn.preliminary.period == "2023/24"
    # June 2024: the first official status
    (bun, sn) = attainment.evaluate_all(demo_wh, cfg, until=date(2024, 6, 30))
    assert bun.status == "achieved" and bun.current.period == "2023/24"


# --- parts sharing an indicator are read in one query -------------------------------------------

def _alone(wh, cfg, goal, until):
    """Every part evaluated on its own (no shared rows): the reference for the batched path."""
    parent = cfg.resolved(goal)
    resolved_parent = goal.model_copy(update={
        "indicator": parent.indicator, "baseline_period": parent.baseline_period, "target": parent.target,
        "filter": parent.filter, "committee": parent.committee, "population": parent.population})
    return [attainment.evaluate_goal(wh, cfg, part, resolved_parent, until=until) for part in goal.parts]


@pytest.mark.parametrize("until", [None, date(2026, 10, 31), date(2026, 9, 30), date(2025, 6, 30), date(2024, 12, 31)])
def test_parts_read_together_equal_parts_read_alone(demo_wh, cfg, until, monkeypatch):
    calls = []
    real = attainment.engine.evaluate
    monkeypatch.setattr(attainment.engine, "evaluate", lambda *a, **k: calls.append(k.get("by")) or real(*a, **k))
    bun = attainment.evaluate_goal(demo_wh, cfg, cfg.goals[0], until=until)
    together = len(calls)
    assert bun.parts and [p.filter["school_form"] for p in bun.parts] == [["grundskola"], ["gymnasieskola"]]
    alone = _alone(demo_wh, cfg, cfg.goals[0], until or bun.as_of)
    assert bun.parts == alone
    # one query for both parts (and one more for the preliminary result while a year is in progress)
    assert together == (2 if bun.preliminary else 1) and calls[0] == ["school_form"]


def test_a_suppressed_part_does_not_hide_its_sibling(tmp_path, cfg):
    """Each part is published alone: a small gymnasieskola (suppressed) must not suppress
    grundskola, as secondary suppression across a breakdown with a total would."""
    rows = (pupils("gb", "G1", "5", BASE, 20, 6) + pupils("gc", "G1", "6", CUR, 20, 5)
            + pupils("yb", "Y1", "2", BASE, 6, 2) + pupils("yc", "Y1", "2", CUR, 6, 2)
            + pupils("gd", "G1", "6", date(2026, 6, 1), 20, 5))
    wh = build_warehouse(tmp_path / "w.duckdb", absence=rows)
    bun = attainment.evaluate_all(wh, cfg, "2025/26")[0]
    grund, gym = bun.parts
    assert gym.baseline.suppressed and gym.status == "no_data"
    assert not grund.baseline.suppressed and grund.baseline.value == pytest.approx(6 / 20)
    assert grund.status == "achieved" and bun.status == "no_data"
    assert bun.parts == _alone(wh, cfg, cfg.goals[0], None)
