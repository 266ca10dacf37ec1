from datetime import date

import pytest

from metrics import periods


@pytest.mark.parametrize("code,start,end,kind,label", [
    ("2024-09", date(2024, 9, 1), date(2024, 9, 30), "month", "september 2024"),
    ("HT2024", date(2024, 7, 1), date(2024, 12, 31), "term", "höstterminen 2024"),
    ("vt 2025", date(2025, 1, 1), date(2025, 6, 30), "term", "vårterminen 2025"),
    ("2024/25", date(2024, 7, 1), date(2025, 6, 30), "school_year", "läsåret 2024/25"),
    ("2024/2025", date(2024, 7, 1), date(2025, 6, 30), "school_year", "läsåret 2024/25"),
    ("2024", date(2024, 1, 1), date(2024, 12, 31), "year", "2024"),
    ("2024-01-01..2024-03-31", date(2024, 1, 1), date(2024, 3, 31), "range", "2024-01-01–2024-03-31"),
    ("2024-08..2024-10", date(2024, 8, 1), date(2024, 10, 31), "range", "2024-08-01–2024-10-31"),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month", "februari 2024"),
])
def test_parse(code, start, end, kind, label):
    p = periods.parse(code)
    assert (p.start, p.end, p.kind, p.label) == (start, end, kind, label)


@pytest.mark.parametrize("bad", ["2024/26", "2024-13", "HT24", "hösten", "2024-03-01..2024-01-01", ""])
def test_bad_codes_say_what_is_accepted(bad):
    with pytest.raises(periods.PeriodError, match="Ange månad|slutar"):
        periods.parse(bad)


def test_terms_partition_the_school_year_and_shift():
    sy = periods.parse("2024/25")
    assert periods.term("HT", 2024).start == sy.start and periods.term("VT", 2025).end == sy.end
    assert periods.parse("2024/25").shift_years(-2).code == "2022/23"
    assert periods.parse("HT2026").shift_years(-4).code == "HT2022"
    assert periods.school_year_of(date(2026, 10, 31)).code == "2026/27"
    assert periods.school_year_of(date(2026, 6, 30)).code == "2025/26"
    assert periods.parse("HT2026").clip(date(2026, 10, 31)).code == "2026-07-01..2026-10-31"


def test_months_that_belong_to_a_period():
    assert periods.parse("HT2024").months() == [date(2024, m, 1) for m in range(7, 13)]
    # a month belongs when its first day does: January 15 starts too late for January
    assert periods.parse("2024-01-15..2024-03-31").months() == [date(2024, 2, 1), date(2024, 3, 1)]
    assert periods.parse("2024-12").months() == [date(2024, 12, 1)]


def test_last_complete_school_year():
    assert periods.last_complete_school_year(date(2026, 6, 30)).code == "2025/26"
    assert periods.last_complete_school_year(date(2026, 6, 29)).code == "2024/25"
    assert periods.last_complete_school_year(date(2026, 10, 31)).code == "2025/26"
