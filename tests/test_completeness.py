"""Completeness: a missing month, a missing school and a ledger ahead of the data are said out
loud, and the official comparison uses only the months present in both periods."""

from __future__ import annotations

from datetime import date

import pytest

from data import warehouse
from data.warehouse import Warehouse
from metrics import attainment, completeness, goals
from tests.conftest import ROOT, build_warehouse

SCHOOL_MONTHS = (8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6)


def school_months(first_autumn: int, last_autumn: int) -> list[date]:
    return [date(y + (m < 8), m, 1) for y in range(first_autumn, last_autumn + 1) for m in SCHOOL_MONTHS]


MISSING_MONTH = date(2025, 11, 1)  # no school has November 2025
MISSING_SCHOOL = ("G2", date(2026, 3, 1))  # G2 did not deliver March 2026


def absent(pupil: int, month: date) -> int:
    """Minutes absent of 1 000: pupils 0-2 are high (300), the rest low (100); in November of the
    baseline everyone is away (1 000): were November 2022 compared, the baseline would change."""
    if month == date(2022, 11, 1):
        return 1000
    return 300 if pupil < 3 else 100


def rows() -> list[tuple]:
    out = []
    for school, grade in (("G1", "5"), ("G2", "6"), ("Y1", "2")):
        for m in school_months(2022, 2025):
            if m == MISSING_MONTH or (school, m) == MISSING_SCHOOL:
                continue
            for i in range(10):
                out.append((f"{school}-{i}", school, grade, "flicka", m, 1000, absent(i, m), 0))
    return out


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("gaps") / "w.duckdb", absence=rows())


@pytest.fixture(scope="module")
def cfg():
    return goals.load(ROOT / "config" / "goals.yaml")


def test_a_missing_month_and_a_missing_school_are_found(wh):
    found = completeness.gaps(wh)
    assert [(g.source, g.month, g.school) for g in found] == [
        ("absence", MISSING_MONTH, None), ("absence", date(2026, 3, 1), "G2")]
    assert found[1].text == "frånvarodata saknas för Betaskolan, mars 2026"
    assert completeness.missing_months(wh, "absence") == {MISSING_MONTH}


def expected_share(school_ids: tuple[str, ...], months: list[date]) -> float:
    """Independent: sum each pupil's minutes over the months, then count those above 15 %."""
    data = [r for r in rows() if r[1] in school_ids and r[4] in months]
    pupils = {}
    for pupil, _s, _g, _k, _m, sched, ab, _inv in data:
        s, a = pupils.get(pupil, (0, 0))
        pupils[pupil] = (s + sched, a + ab)
    return sum(a * 100 > 15 * s for s, a in pupils.values()) / len(pupils)


def test_the_official_comparison_uses_only_months_present_in_both_years(wh, cfg):
    (bun, _sn) = attainment.evaluate_all(wh, cfg)
    grund, gym = bun.parts
    assert grund.current.period == "2025/26" and grund.baseline.period == "2022/23"  # the JSON contract
    base_months = [m for m in school_months(2022, 2022) if m != date(2022, 11, 1)]
    cur_months = [m for m in school_months(2025, 2025) if m != MISSING_MONTH]
    assert grund.baseline.value == pytest.approx(expected_share(("G1", "G2"), base_months))
    assert grund.current.value == pytest.approx(expected_share(("G1", "G2"), cur_months))
    # with November 2022 the baseline would be everyone: the restriction is what keeps it at 30 %
    assert expected_share(("G1", "G2"), school_months(2022, 2022)) == 1.0 != grund.baseline.value
    assert "utom november 2022" in grund.baseline.label and "utom november 2025" in grund.current.label
    # what is missing is named, on the part and on the goal; G2's March only where G2 belongs
    assert grund.incomplete == ("Underlaget är ofullständigt: frånvarodata saknas, november 2025; frånvarodata "
                                "saknas för Betaskolan, mars 2026. Jämförelsen görs på de månader som finns "
                                "båda åren.")
    assert "G2" not in gym.incomplete and "mars 2026" not in gym.incomplete
    assert "november 2025" in gym.incomplete
    assert bun.incomplete and bun.to_json()["incomplete"] == bun.incomplete
    assert bun.to_json()["parts"][0]["incomplete"] == grund.incomplete


def test_a_ledger_ahead_of_the_absence_rows_is_a_gap_not_a_silent_change(demo_db, tmp_path, cfg):
    """The issue's case: October 2026 deleted while the ledger still says 2026-10-31."""
    path = tmp_path / "w.duckdb"
    warehouse.copy(demo_db, path)
    warehouse.write(path, lambda con: (warehouse.delete_absence(con, [date(2026, 10, 1)]),
                                       warehouse.refresh_pupil_periods(con)))
    cut, full = Warehouse(path), Warehouse(demo_db)
    # (the demo's own gap, a school's September 2026, is there too)
    gaps = [g for g in completeness.gaps(cut) if g.school is None]
    assert [(g.month, g.ledger_until) for g in gaps] == [(date(2026, 10, 1), date(2026, 10, 31))]
    assert gaps[0].text == "frånvarodata saknas, oktober 2026 (importloggen anger data t.o.m. 2026-10-31)"
    (bun, sn) = attainment.evaluate_all(cut, cfg)
    # the preliminary result is HT 2026 through September, against the same months of HT 2022:
    # exactly what the full data said at the end of September, never three months against two
    (bun_sep, sn_sep) = attainment.evaluate_all(full, cfg, until=date(2026, 9, 30))
    for now, then in ((bun.parts[0], bun_sep.parts[0]), (sn, sn_sep)):
        assert now.preliminary.label == "höstterminen 2026 t.o.m. september"
        assert now.preliminary.status == then.preliminary.status
        assert now.preliminary.current.value == then.preliminary.current.value
        assert now.preliminary.incomplete.startswith("Underlaget är ofullständigt: ")
        assert "frånvarodata saknas, oktober 2026 (importloggen" in now.preliminary.incomplete
    # the official status (2025/26) is untouched and its data complete
    assert bun.status == "not_achieved" and bun.parts[0].incomplete == "" and sn.incomplete == ""
