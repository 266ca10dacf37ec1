"""Every indicator against an independent computation on small hand-written fixture tables.

The expected values are computed in plain Python straight from the fixture rows (and, for the
edge cases, written out by hand), never with the engine's own SQL.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from data.warehouse import Warehouse
from metrics import catalog, engine
from tests.conftest import absence_rows, build_warehouse

SEP, OCT, JAN = date(2024, 9, 1), date(2024, 10, 1), date(2025, 1, 1)

ABSENCE = (
    # exactly 15.0 % over the period: not "more than 15 %"
    absence_rows("p1", "G1", "8", "flicka", [(SEP, 1000, 150), (OCT, 1000, 150)], invalid=0)
    # 50 % in a short month, 5 % in a long one: 7.5 % summed (an average of months would say 27.6 %)
    + absence_rows("p2", "G1", "8", "pojke", [(SEP, 100, 50), (OCT, 1900, 100)], invalid=0)
    # 15.05 %: high
    + absence_rows("p3", "G2", "3", "flicka", [(SEP, 1000, 151), (OCT, 1000, 150)], invalid=80)
    # no scheduled time: not in any denominator
    + absence_rows("p4", "G2", "3", "pojke", [(SEP, 0, 0)], invalid=0)
    # 60 %: high and very high; invalid 30 %
    + absence_rows("p5", "G3", "9", "pojke", [(SEP, 1000, 600)], invalid=300)
    # upper secondary; invalid absence not recorded
    + absence_rows("p6", "Y1", "1", "flicka", [(SEP, 1000, 200)], invalid=None)
    # with an intervention active during HT2024
    + absence_rows("p7", "G1", "7", "flicka", [(SEP, 1000, 300)], invalid=160)
    # intervention starts after HT2024; also has a spring month
    + absence_rows("p8", "G1", "7", "pojke", [(SEP, 1000, 100), (JAN, 1000, 50)], invalid=0)
    # exactly 50 %: high, not very high; intervention ended the day before HT2024
    + absence_rows("p9", "G2", "5", "pojke", [(OCT, 1000, 500)], invalid=0)
    # independent school, intervention active
    + absence_rows("p10", "G3", "4", "annat", [(SEP, 1000, 200)], invalid=0)
)

INTERVENTIONS = [
    ("i1", "p7", "skolsocialt_team", "gemensam", date(2024, 9, 1), None, "G1"),
    ("i2", "p8", "narvaroteam", "bun", date(2025, 1, 10), date(2025, 5, 31), "G1"),
    ("i3", "p9", "starka", "sn", date(2023, 9, 1), date(2024, 6, 30), "G2"),
    ("i4", "p10", "tsi", "gemensam", date(2024, 8, 15), date(2024, 11, 30), "G3"),
    # ends on the first day of HT2024: active (both ends inclusive)
    ("i5", "p1", "sip", "gemensam", date(2024, 1, 10), date(2024, 7, 1), "G1"),
    # a second type for p7
    ("i6", "p7", "sip", "gemensam", date(2024, 10, 1), date(2024, 12, 31), "G1"),
]

REPORTS = [
    # id, child, received, gender, age, category, school, area, decision, decision_date,
    # feedback, feedback_date, meeting, attended
    ("r1", "c1", date(2024, 3, 1), "flicka", 14, "skola", "G1", None, "utredning_inleds",
     date(2024, 3, 15), True, date(2024, 3, 20), True, True),
    ("r2", "c2", date(2024, 3, 5), "pojke", 9, "skola", None, "Söder", "utredning_inleds_ej",
     date(2024, 3, 20), False, None, False, None),
    ("r3", "c3", date(2024, 4, 1), "pojke", 17, "polis", None, "Norr", "utredning_inleds",
     date(2024, 4, 2), None, None, None, None),
    ("r4", "c4", date(2024, 5, 1), "flicka", 4, "forskola", "F1", None, "pagaende_utredning",
     date(2024, 5, 1), True, date(2024, 5, 3), True, False),
    ("r5", "c5", date(2024, 12, 20), None, None, "privatperson", None, None, "ej_bedomd",
     None, None, None, None, None),
    ("r6", "c6", date(2024, 6, 1), "pojke", 12, "elevhalsa", "G2", None, "utredning_inleds",
     None, None, None, None, None),
    ("r7", "c7", date(2023, 6, 1), "flicka", 15, "anonym", None, "Norr", "utredning_inleds_ej",
     date(2023, 6, 3), None, None, None, None),
    ("r8", "c8", date(2023, 9, 1), "pojke", 10, "skola", "G2", None, "utredning_inleds",
     date(2023, 9, 4), True, date(2023, 9, 10), False, None),
]

POPULATION = [
    (2024, "Norr", 0, 5, 100), (2024, "Norr", 6, 20, 300), (2024, "Söder", 0, 20, 600),
    (2024, "Norr", 21, 64, 5000),  # outside 0-20: must not count
]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("engine") / "w.duckdb", absence=ABSENCE,
                           interventions=INTERVENTIONS, reports=REPORTS, population=POPULATION)


def total(df: pl.DataFrame) -> dict:
    dims = [c for c in df.columns if c not in engine.OUTPUT_COLUMNS and c not in ("period", "school_name")]
    row = df.filter(pl.all_horizontal(pl.col(d).is_null() for d in dims)) if dims else df
    assert row.height == 1
    return row.row(0, named=True)


def ev(wh, name, period, **kw):
    return engine.evaluate(wh, name, period, suppress=False, **kw)


# --- independent computation of the absence indicators --------------------------------------

SCHOOL = {"G1": ("grundskola", "kommunal"), "G2": ("grundskola", "kommunal"),
          "G3": ("grundskola", "fristaende"), "Y1": ("gymnasieskola", "kommunal")}


def pupils_in(start: date, end: date) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for pupil, school, _grade, _gender, month, sched, absent, invalid in ABSENCE:
        if start <= month <= end:
            p = out.setdefault(pupil, {"school": school, "s": 0, "a": 0, "inv": 0, "inv_missing": False})
            p["s"] += sched
            p["a"] += absent
            if invalid is None:
                p["inv_missing"] = True
            else:
                p["inv"] += invalid
    return out


def active(child: str, start: date, end: date) -> bool:
    return any(c == child and s <= end and (e is None or e >= start)
               for _i, c, _t, _cm, s, e, _sc in INTERVENTIONS)


HT = (date(2024, 7, 1), date(2024, 12, 31))
SY = (date(2024, 7, 1), date(2025, 6, 30))


def test_high_absence_share_is_summed_per_pupil_then_thresholded(wh):
    ps = pupils_in(*HT)
    den = [k for k, p in ps.items() if p["s"] > 0]
    num = [k for k in den if ps[k]["a"] / ps[k]["s"] > 0.15]
    row = total(ev(wh, "high_absence_share", "HT2024"))
    assert (row["numerator"], row["denominator"]) == (len(num), len(den))
    # by hand: p3, p5, p6, p7, p9, p10 of the nine pupils with scheduled time
    assert sorted(num) == ["p10", "p3", "p5", "p6", "p7", "p9"] and len(den) == 9
    assert row["value"] == pytest.approx(6 / 9)


def test_exactly_15_percent_is_not_high_and_months_are_summed_first(wh):
    df = ev(wh, "high_absence_share", "HT2024", by=["grade"], filters={"school_form": ["grundskola"]})
    grade8 = df.filter(pl.col("grade") == "8").row(0, named=True)
    # p1 is at exactly 15.0 %, p2 at 7.5 % summed: neither is high
    assert (grade8["numerator"], grade8["denominator"]) == (0, 2)
    grade3 = df.filter(pl.col("grade") == "3").row(0, named=True)
    # p3 at 15.05 % is high; p4 without scheduled time is not counted at all
    assert (grade3["numerator"], grade3["denominator"]) == (1, 1)


def test_very_high_and_invalid_variants(wh):
    ps = pupils_in(*HT)
    den = [k for k, p in ps.items() if p["s"] > 0]
    very = [k for k in den if ps[k]["a"] * 100 > 50 * ps[k]["s"]]
    row = total(ev(wh, "very_high_absence_share", "HT2024"))
    assert (row["numerator"], row["denominator"]) == (len(very), len(den)) == (1, 9)  # p9's 50 % is not > 50 %
    inv_den = [k for k in den if not ps[k]["inv_missing"]]
    inv_num = [k for k in inv_den if ps[k]["inv"] * 100 > 15 * ps[k]["s"]]
    row = total(ev(wh, "invalid_absence_share", "HT2024"))
    assert (row["numerator"], row["denominator"]) == (len(inv_num), len(inv_den)) == (2, 8)


@pytest.mark.parametrize("period,bounds", [("HT2024", HT), ("2024/25", SY)])
def test_high_absence_among_children_with_intervention(wh, period, bounds):
    ps = pupils_in(*bounds)
    pop = [k for k, p in ps.items() if p["s"] > 0 and SCHOOL[p["school"]] == ("grundskola", "kommunal")
           and active(k, *bounds)]
    num = [k for k in pop if ps[k]["a"] * 100 > 15 * ps[k]["s"]]
    row = total(ev(wh, "high_absence_share_intervention", period))
    assert (row["numerator"], row["denominator"]) == (len(num), len(pop))
    # p8's intervention starts after HT2024 and p9's ended before it; p10 is independent
    expected_pop = {"HT2024": {"p1", "p7"}, "2024/25": {"p1", "p7", "p8"}}[period]
    assert set(pop) == expected_pop


def test_intervention_coverage(wh):
    ps = pupils_in(*HT)
    high = [k for k, p in ps.items() if p["s"] > 0 and p["a"] * 100 > 15 * p["s"]]
    covered = [k for k in high if active(k, *HT)]
    row = total(ev(wh, "intervention_coverage", "HT2024"))
    assert (row["numerator"], row["denominator"]) == (len(covered), len(high)) == (2, 6)


def test_breakdown_totals_add_up_and_school_names(wh):
    df = ev(wh, "high_absence_share", "HT2024", by=["school"])
    cells = df.filter(pl.col("school").is_not_null())
    assert cells["denominator"].sum() == total(df)["denominator"]
    assert dict(zip(cells["school"], cells["school_name"], strict=True))["G3"] == "Friskolan Gamma"


# --- reports ---------------------------------------------------------------------------------

def reports_in(year: int) -> list[tuple]:
    return [r for r in REPORTS if r[2].year == year]


SCHOOL_SYSTEM = {"skola", "forskola", "elevhalsa"}


def test_report_counts_rate_and_change(wh):
    rs = reports_in(2024)
    assert total(ev(wh, "report_count", "2024"))["value"] == len(rs) == 6
    residents = sum(r[4] for r in POPULATION if r[0] == 2024 and r[2] >= 0 and r[3] <= 20)
    rate = total(ev(wh, "report_rate_per_1000", "2024"))
    assert rate["denominator"] == residents == 1000
    assert rate["value"] == pytest.approx(len(rs) / residents * 1000)
    # the reports start in June 2023: 2024 is not compared with a 2023 the data only partly covers
    change = total(ev(wh, "report_change", "2024"))
    assert (change["numerator"], change["denominator"], change["value"]) == (6, None, None)
    june = total(ev(wh, "report_change", "2024-06"))  # r6 against r7
    assert (june["numerator"], june["denominator"], june["value"]) == (1, 1, 0.0)
    sept = total(ev(wh, "report_change", "2024-09"))  # none against r8: a real fall, inside the data
    assert (sept["numerator"], sept["denominator"], sept["value"]) == (0, 1, -1.0)


def test_periods_outside_the_data_have_no_values_and_partial_ones_say_so(wh):
    # reports run from 2023-06-01 to 2024-12-20: 2025-01 is after them, 2023-05 before them
    for period in ("2025-01", "2023-05", "2022"):
        for name in ("report_count", "report_change", "investigation_share"):
            row = total(ev(wh, name, period))
            assert (row["numerator"], row["value"], row["coverage"]) == (None, None, "none"), (name, period)
    y2023 = total(ev(wh, "report_count", "2023"))
    assert (y2023["coverage"], y2023["covered_from"], y2023["covered_until"]) == ("partial", date(2023, 6, 1), None)
    y2024 = total(ev(wh, "report_count", "2024"))
    assert (y2024["coverage"], y2024["covered_until"]) == ("partial", date(2024, 12, 20))
    assert total(ev(wh, "report_count", "2024-06"))["coverage"] == "complete"
    # absence: September 2024 to January 2025; a school year from July counts from August
    assert total(ev(wh, "high_absence_share", "2024-09"))["coverage"] == "complete"
    assert total(ev(wh, "high_absence_share", "HT2024"))["coverage"] == "partial"  # from September
    assert total(ev(wh, "high_absence_share", "2025"))["covered_until"] == date(2025, 1, 31)


def test_report_rate_by_area_uses_report_area_then_school_area(wh):
    df = ev(wh, "report_rate_per_1000", "2024", by=["area"])
    norr = df.filter(pl.col("area") == "Norr").row(0, named=True)
    # Norr: r1 (school G1 in Norr), r3 (area Norr), r4 (preschool F1 in Norr)
    assert (norr["numerator"], norr["denominator"]) == (3, 400)
    # filtered to the area, the denominator is the area's residents, not the municipality's
    only = total(ev(wh, "report_rate_per_1000", "2024", filters={"area": ["Norr"]}))
    assert (only["numerator"], only["denominator"]) == (3, 400)


def test_report_shares(wh):
    rs = reports_in(2024)
    assessed = [r for r in rs if r[8] in ("utredning_inleds", "utredning_inleds_ej")]
    cases = {
        "investigation_share": ([r for r in assessed if r[8] == "utredning_inleds"], assessed),
        "ongoing_investigation_share": ([r for r in rs if r[8] == "pagaende_utredning"], rs),
        "unassessed_share": ([r for r in rs if r[8] == "ej_bedomd"], rs),
        "school_system_share": ([r for r in rs if r[5] in SCHOOL_SYSTEM], rs),
    }
    as_of = max(r[2] for r in REPORTS)  # the reports' data date: the last receipt
    due = [r for r in rs if (as_of - r[2]).days >= 14
           and (r[8] == "ej_bedomd" or (r in assessed and r[9] is not None))]
    cases["assessment_within_14_days"] = ([r for r in due if r in assessed and (r[9] - r[2]).days <= 14], due)
    cases["investigation_share_all"] = ([r for r in rs if r[8] == "utredning_inleds"], rs)
    school = [r for r in rs if r[5] in SCHOOL_SYSTEM]
    fb_den = [r for r in school if r[8] != "ej_bedomd"]
    cases["feedback_share"] = ([r for r in fb_den if r[10] is True], fb_den)
    mt_den = [r for r in school if r[12] is not None]
    cases["meeting_share"] = ([r for r in mt_den if r[12]], mt_den)
    at_den = [r for r in school if r[12] is True and r[13] is not None]
    cases["meeting_attended_share"] = ([r for r in at_den if r[13]], at_den)
    for name, (num, den) in cases.items():
        row = total(ev(wh, name, "2024"))
        assert (row["numerator"], row["denominator"]) == (len(num), len(den)), name
    # by hand: 3 of 4 assessed opened an investigation; exactly 14 days counts as within
    assert total(ev(wh, "investigation_share", "2024"))["value"] == pytest.approx(3 / 4)
    assert total(ev(wh, "assessment_within_14_days", "2024"))["value"] == pytest.approx(2 / 3)


def test_feedback_days_is_mean_from_receipt(wh):
    school = [r for r in reports_in(2024) if r[5] in SCHOOL_SYSTEM and r[10] is True and r[11]]
    days = [(r[11] - r[2]).days for r in school]
    row = total(ev(wh, "feedback_days", "2024"))
    assert row["value"] == pytest.approx(sum(days) / len(days)) == pytest.approx(10.5)


def test_zero_denominator_gives_no_value_not_an_error(wh):
    row = total(ev(wh, "investigation_share", "2024-12"))  # r5 only, not yet assessed
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 0, None)
    assert row["ci_low"] is None
    row = total(ev(wh, "high_absence_share", "2024-11"))  # inside the data, no rows that month
    assert row["value"] is None and row["denominator"] == 0


def test_unassessed_reports_are_kept_apart_by_decision(wh):
    df = ev(wh, "report_count", "2024", by=["decision"])
    counts = {r["decision"]: r["numerator"] for r in df.iter_rows(named=True)}
    assert counts == {"ej_bedomd": 1, "pagaende_utredning": 1, "utredning_inleds": 3,
                      "utredning_inleds_ej": 1, None: 6}


# --- interventions ---------------------------------------------------------------------------

def test_interventions_active_counts_children_once(wh):
    df = ev(wh, "interventions_active", "HT2024", by=["intervention_type"])
    by_type = {r["intervention_type"]: r["numerator"] for r in df.iter_rows(named=True)}
    expected_children = {c for _i, c, _t, _cm, s, e, _sc in INTERVENTIONS if s <= HT[1] and (e is None or e >= HT[0])}
    assert by_type[None] == len(expected_children) == 3  # p1, p7, p10
    assert by_type["sip"] == 2 and by_type["tsi"] == 1 and "narvaroteam" not in by_type


def test_interventions_started_and_duration(wh):
    started = [i for i in INTERVENTIONS if HT[0] <= i[4] <= HT[1]]
    assert total(ev(wh, "interventions_started", "HT2024"))["value"] == len(started) == 3
    ended = [i for i in INTERVENTIONS if i[5] is not None and HT[0] <= i[5] <= HT[1]]
    days = [(i[5] - i[4]).days for i in ended]
    row = total(ev(wh, "intervention_duration_days", "HT2024"))
    assert row["value"] == pytest.approx(sum(days) / len(days))


# --- the engine's contract -------------------------------------------------------------------

def test_every_catalog_indicator_evaluates_with_the_documented_columns(wh):
    for ind in catalog.INDICATORS:
        df = engine.evaluate(wh, ind.name, "2024/25", by=[ind.dims[0]])
        assert df.columns[-len(engine.OUTPUT_COLUMNS):] == list(engine.OUTPUT_COLUMNS), ind.name
        assert df["suppressed"].dtype == pl.Boolean


def test_wilson_interval_matches_the_formula(wh):
    row = total(ev(wh, "high_absence_share", "HT2024"))
    k, n, z = 6, 9, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    assert row["ci_low"] == pytest.approx(centre - half)
    assert row["ci_high"] == pytest.approx(centre + half)


def test_unknown_breakdown_and_filter_are_clear_errors(wh):
    with pytest.raises(engine.MetricError, match="kan inte delas upp på grade"):
        engine.evaluate(wh, "report_count", "2024", by=["grade"])
    with pytest.raises(engine.MetricError, match="kan inte filtreras på 'colour'"):
        engine.evaluate(wh, "report_count", "2024", filters={"colour": ["blue"]})


def test_suppression_is_on_by_default(wh):
    df = engine.evaluate(wh, "high_absence_share", "HT2024", by=["school_form"])
    # 1 of 1 pupil in gymnasieskola: suppressed, and its twin in the column too
    gym = df.filter(pl.col("school_form") == "gymnasieskola").row(0, named=True)
    assert gym["suppressed"] and gym["value"] is None and gym["numerator"] is None
    assert df["suppressed"].sum() >= 2


def test_stored_pupil_periods_give_the_same_numbers_as_the_monthly_rows(demo_wh):
    codes = ["2022/23", "HT2024", "VT2025", "2025/26"]
    for name, by in (("high_absence_share", ["school", "grade"]), ("high_absence_share_intervention", ["gender"]),
                     ("invalid_absence_share", ["area"]), ("pupil_count", ["absence_band", "operator"])):
        stored = engine.evaluate(demo_wh, name, codes, by=by)
        raw = engine.evaluate(demo_wh, name, codes, by=by, materialised=False)
        assert stored.equals(raw), name


# Terms to date (the preliminary goal comparisons) are stored too: a range whose months are a
# term's first months reads its stored sums, whatever its last day; any other range sums months.
TERMS_TO_DATE = ["2025-07-01..2025-11-30", "2024-07-01..2024-09-30", "2026-01-01..2026-03-31",
                 "2022-07-01..2022-10-15", "2023-01-01..2023-05-31"]
NOT_STORED = ["2025-08-01..2025-11-30", "2025-09-01..2025-12-31", "2024-07-01..2025-01-31"]


def test_stored_terms_to_date_give_the_same_numbers_as_the_monthly_rows(demo_wh):
    from metrics import periods

    assert engine._term_to_date(demo_wh, catalog.get("high_absence_share"))
    codes = TERMS_TO_DATE + NOT_STORED + ["HT2024", "2024-07-01..2024-12-20"]
    for name, by in (("high_absence_share", ["school", "grade"]), ("high_absence_share_intervention", ["gender"]),
                     ("invalid_absence_share", ["area"]), ("pupil_count", ["absence_band", "operator"])):
        stored = engine.evaluate(demo_wh, name, codes, by=by, exact=True, suppress=False)
        raw = engine.evaluate(demo_wh, name, codes, by=by, exact=True, suppress=False, materialised=False)
        assert stored.equals(raw), name
        assert set(stored["period"]) == set(codes)
    sql = engine.explain(demo_wh, "high_absence_share", [periods.parse(c) for c in codes])
    stored_as_asked = ("WHERE period IN ('2025-07-01..2025-11-30', '2024-07-01..2024-09-30', "
                       "'2026-01-01..2026-03-31', '2023-01-01..2023-05-31', 'HT2024')")
    assert stored_as_asked in sql
    # a range that ends mid-month reads the range of its months; one with all of a term's months, the term
    for code, read in (("2022-07-01..2022-10-15", "2022-07-01..2022-10-31"), ("2024-07-01..2024-12-20", "HT2024")):
        assert f"SELECT '{code}' AS period" in sql and f"WHERE period = '{read}'" in sql
    for code in NOT_STORED:  # summed from their months
        assert f"('{code}', DATE '{code[:10]}')" in sql


def test_the_stored_code_of_a_term_to_date_is_the_code_the_goals_ask_for():
    from data import warehouse
    from metrics import periods

    for year in (2023, 2024, 2027):  # 2024 and 2028 are leap years: February ends on the 29th
        for autumn in (True, False):
            first, ends = warehouse.term_to_date_months(autumn, year)
            term = periods.term_of(first)
            assert first == term.start and ends == term.months()[:-1]
            for m in ends:
                until = periods.month(m.year, m.month).end
                assert warehouse.term_to_date_code(first, m) == term.clip(until).code
                assert engine.stored_code(term.clip(until), True) == term.clip(until).code
                assert engine.stored_code(term.clip(until), False) is None
    # the baseline's same months, shifted from a leap year: its months, not its last day, decide
    leap = periods.term("VT", 2028).clip(date(2028, 2, 29)).shift_years(-1)
    assert leap.code == "2027-01-01..2027-02-28" and engine.stored_code(leap, True) == "2027-01-01..2027-02-28"
    shifted = periods.term("VT", 2027).clip(date(2027, 2, 28)).shift_years(-3)
    assert shifted.code == "2024-01-01..2024-02-28" and engine.stored_code(shifted, True) == "2024-01-01..2024-02-29"


def test_a_warehouse_without_terms_to_date_sums_the_months_until_its_next_write(tmp_path):
    """A warehouse written by an earlier release has no terms to date: the engine sums the months,
    and its next write (even of one month) stores them for every school year."""
    from data import warehouse

    path = tmp_path / "w.duckdb"
    build_warehouse(path, absence=ABSENCE, interventions=INTERVENTIONS)
    want = engine.evaluate(Warehouse(path), "high_absence_share", "2024-07-01..2024-10-31", exact=True, suppress=False)

    def as_before(con):
        con.execute("DELETE FROM meta WHERE key = ?", [warehouse.TERM_TO_DATE_KEY])
        for (year,) in con.execute("SELECT school_year FROM partitions").fetchall():
            alias = warehouse.open_partition(con, year)
            con.execute(f"DELETE FROM {alias}.main.pupil_periods WHERE period LIKE '%..%'")

    warehouse.write(path, as_before)
    wh = Warehouse(path)
    assert not wh.fetchone("SELECT count(*) FROM pupil_periods WHERE period LIKE '%..%'")[0]
    assert not engine._term_to_date(wh, catalog.get("high_absence_share"))
    got = engine.evaluate(wh, "high_absence_share", "2024-07-01..2024-10-31", exact=True, suppress=False)
    assert got.equals(want) and total(got)["denominator"] == 9  # p1-p3, p5-p7, p9, p10 (p4: no time)
    warehouse.write(path, lambda con: warehouse.refresh_pupil_periods(con, [JAN]))  # VT2025 only
    wh = Warehouse(path)
    assert engine._term_to_date(wh, catalog.get("high_absence_share"))
    # HT2024 was not touched by the write, yet has its terms to date now
    stored = wh.sql("SELECT period, count(*) AS n FROM pupil_periods WHERE period LIKE '2024-07-01..%' "
                    "GROUP BY period ORDER BY period").rows()
    # by hand: pupils with rows up to each month end (July, August: none; p9 starts in October)
    assert stored == [("2024-07-01..2024-09-30", 9), ("2024-07-01..2024-10-31", 10),
                      ("2024-07-01..2024-11-30", 10)]
    assert engine.evaluate(wh, "high_absence_share", "2024-07-01..2024-10-31", exact=True, suppress=False).equals(want)


def test_incremental_refresh_after_an_import_matches_a_full_rebuild(tmp_path):
    from data import warehouse

    path = tmp_path / "w.duckdb"
    first = [r for r in ABSENCE if r[4] != OCT]
    build_warehouse(path, absence=first, interventions=INTERVENTIONS)
    october = [r for r in ABSENCE if r[4] == OCT]

    def add_october(con):
        from tests.conftest import frame

        warehouse.replace_absence(con, frame("absence", october))
        warehouse.refresh_pupil_periods(con, [OCT])

    warehouse.write(path, add_october)
    incremental = Warehouse(path).sql("SELECT * FROM pupil_periods ORDER BY ALL")
    warehouse.write(path, lambda con: warehouse.refresh_pupil_periods(con))
    full = Warehouse(path).sql("SELECT * FROM pupil_periods ORDER BY ALL")
    assert october and incremental.equals(full)
    # the terms to date were refreshed too: October's pupils are in the range ending in October
    assert dict(incremental.filter(pl.col("period") == "2024-07-01..2024-10-31")
                .select("pupil_key", "absent").rows())["p9"] == 500
    wh = Warehouse(path)
    assert total(engine.evaluate(wh, "high_absence_share", "HT2024", suppress=False))["denominator"] == 9


# --- the 14-day rule (issue 9, item 5) ------------------------------------------------------

AS_OF = date(2025, 3, 31)  # the ledger's data date
R14 = [
    # id, received, decision, decision date: what the rule makes of it
    ("a", date(2025, 3, 1), "utredning_inleds", date(2025, 3, 10)),     # in time
    ("b", date(2025, 3, 1), "utredning_inleds_ej", date(2025, 3, 15)),  # exactly 14 days: in time
    ("c", date(2025, 3, 1), "utredning_inleds", date(2025, 3, 16)),     # 15 days: late
    ("d", date(2025, 3, 5), "ej_bedomd", None),                         # 26 days, unassessed: late
    ("e", date(2025, 3, 25), "ej_bedomd", None),                        # 6 days: not due yet
    ("f", date(2025, 3, 25), "utredning_inleds", date(2025, 3, 27)),    # not due yet, though done
    ("g", date(2025, 3, 2), "pagaende_utredning", None),                # not assessed here: out
    ("h", date(2025, 3, 2), "utredning_inleds_ej", None),               # no decision date: out
    ("i", date(2025, 3, 17), "ej_bedomd", None),                        # exactly 14 days ago: late
]


def test_fourteen_days_counts_only_due_reports_and_overdue_unassessed_as_late(tmp_path):
    rows = [(rid, f"c{rid}", rec, "flicka", 10, "skola", None, "Norr", dec, ddate, None, None, None, None)
            for rid, rec, dec, ddate in R14]
    ledger = [("L1", "reports", "fil", "r.csv", "h", "2025-03", 9, 0, 0, AS_OF, "t", None, datetime(2025, 4, 1))]
    wh = build_warehouse(tmp_path / "w.duckdb", reports=rows, import_ledger=ledger)
    row = total(ev(wh, "assessment_within_14_days", "2025-03"))
    # by hand: due = a, b, c, d, i (5); in time = a, b (2)
    assert (row["numerator"], row["denominator"]) == (2, 5)
    assert row["value"] == pytest.approx(2 / 5)
    # the other share of the same reports: of the assessed, and of all received
    assert (total(ev(wh, "investigation_share", "2025-03"))["numerator"],
            total(ev(wh, "investigation_share", "2025-03"))["denominator"]) == (3, 5)  # a c f of a b c f h
    allr = total(ev(wh, "investigation_share_all", "2025-03"))
    assert (allr["numerator"], allr["denominator"]) == (3, 9)


# --- one pupil is one unit: distinct pupils, and the school-move rule -----------------------

MOVES = (
    # grade 9 in spring (grundskola G1), then gymnasium in autumn (Y1): one pupil in 2024
    absence_rows("m1", "G1", "9", "pojke", [(date(2024, 3, 1), 1000, 300)])
    + absence_rows("m1", "Y1", "1", "pojke", [(date(2024, 9, 1), 1000, 0)])
    # moves from G1 to G2 in October; in October at both (G2 has more scheduled time)
    + absence_rows("m2", "G1", "5", "flicka", [(date(2024, 9, 1), 1000, 100)])
    + absence_rows("m2", "G1", "5", "flicka", [(date(2024, 10, 1), 300, 0)])
    + absence_rows("m2", "G2", "5", "flicka", [(date(2024, 10, 1), 700, 300)])
    # stays in G2
    + absence_rows("m3", "G2", "6", "pojke", [(date(2024, 9, 1), 1000, 0), (date(2024, 10, 1), 1000, 0)])
)


@pytest.fixture(scope="module")
def moves(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("moves") / "w.duckdb", absence=MOVES)


@pytest.mark.parametrize("materialised", [True, False])
def test_totals_across_school_forms_count_distinct_pupils(moves, materialised):
    # 2024: m1 once (not once per school form); absence summed over both schools: 300/2000 = 15 %
    df = engine.evaluate(moves, "high_absence_share", "2024", by=["school_form"], exact=True,
                         suppress=False, materialised=materialised)
    assert total(df)["denominator"] == 3
    forms = {r["school_form"]: r["denominator"] for r in df.iter_rows(named=True) if r["school_form"]}
    assert forms == {"gymnasieskola": 1, "grundskola": 2}  # m1 in the latest month's form
    assert sum(forms.values()) == total(df)["denominator"]  # the forms add up to the total
    assert total(df)["numerator"] == 1  # m2: 400 of 2000 (20 %); m1 exactly 15 %: not high


@pytest.mark.parametrize("period", ["HT2024", "2024/25", "2024-10"])
def test_a_pupil_who_moves_belongs_to_the_latest_months_school(moves, period):
    df = engine.evaluate(moves, "high_absence_share", period, by=["school"], exact=True, suppress=False)
    schools = {r["school"]: (r["numerator"], r["denominator"]) for r in df.iter_rows(named=True) if r["school"]}
    # m2 is in G2 (October, most scheduled time) with all her minutes: 400 / 2000 = 20 % -> high
    # (in October alone: 300 / 1000 = 30 %); m1 is in Y1; m3 in G2
    assert schools["G2"] == (1, 2) and "G1" not in schools
    assert schools.get("Y1") == (None if period == "2024-10" else (0, 1))  # m1: no October rows


def test_intervention_committee_filter_chooses_which_interventions_count(wh):
    # F-9 municipal pupils with an intervention in HT2024: p1 (gemensam), p7 (gemensam); p9's SN
    # intervention ended before HT2024 (but p9 is in G2 in October: still municipal F-9)
    everyone = total(ev(wh, "high_absence_share_intervention", "HT2024"))
    hand = [p for p, r in pupils_in(date(2024, 7, 1), date(2024, 12, 31)).items()
            if r["school"] in ("G1", "G2") and active(p, date(2024, 7, 1), date(2024, 12, 31)) and r["s"]]
    assert everyone["denominator"] == len(hand)
    joint = total(ev(wh, "high_absence_share_intervention", "HT2024", filters={"intervention_committee": ["gemensam"]}))
    assert joint["denominator"] == len(hand)  # all of them are joint interventions
    sn = total(ev(wh, "high_absence_share_intervention", "HT2024", filters={"intervention_committee": ["sn"]}))
    assert (sn["numerator"], sn["denominator"]) == (0, 0)
    by_type = total(ev(wh, "high_absence_share_intervention", "HT2024", filters={"intervention_type": ["sip"]}))
    assert by_type["denominator"] == 2  # p1 (i5) and p7 (i6)
    coverage = total(ev(wh, "intervention_coverage", "HT2024", filters={"intervention_committee": ["sn"]}))
    assert coverage["numerator"] == 0 and coverage["denominator"] == total(ev(wh, "intervention_coverage", "HT2024"))["denominator"]
    with pytest.raises(engine.MetricError, match="använder inte insatser"):
        ev(wh, "high_absence_share", "HT2024", filters={"intervention_committee": ["sn"]})
    with pytest.raises(engine.MetricError, match="okända värden"):
        ev(wh, "high_absence_share_intervention", "HT2024", filters={"intervention_committee": ["x') OR TRUE --"]})
