"""The domain layer (data/domain/): one home for period codes, code lists and absence bands.

Checked two ways: the rules give the values written by hand below, and no other module of the
product spells them again (a source scan of data/, metrics/, ui/, pages/ and cli.py)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from data.domain import absence, codes, periods

ROOT = Path(__file__).resolve().parents[1]


def test_term_and_school_year_codes_by_hand():
    assert [t.code for t in periods.school_year_terms(2024)] == ["HT2024", "VT2025"]
    assert periods.school_year_code(2099) == "2099/00"
    assert periods.term("ht", 2025).autumn and not periods.term("VT", 2026).autumn
    assert periods.term("VT", 2026).label == "vårterminen 2026"
    assert periods.parse("2024/25").short_label == "2024/25"
    assert periods.parse("HT2024").short_label == "höstterminen 2024"
    # a term shifted by years keeps its half
    assert periods.parse("VT2025").shift_years(-2).code == "VT2023"
    assert periods.parse("HT2025").shift_years(1).code == "HT2026"


def test_terms_to_date_by_hand():
    first, ends = periods.term_to_date_months(False, 2025)  # VT2026
    assert first == date(2026, 1, 1)
    assert ends == [date(2026, m, 1) for m in range(1, 6)]
    assert periods.term_to_date_code(first, date(2026, 2, 1)) == "2026-01-01..2026-02-28"
    assert periods.term_to_date_code(date(2023, 7, 1), date(2023, 11, 1)) == "2023-07-01..2023-11-30"
    # the same code as clipping the term, which is what the engine asks for
    assert periods.parse("VT2024").clip(date(2024, 2, 29)).code == periods.term_to_date_code(
        date(2024, 1, 1), date(2024, 2, 1))


def test_band_labels_and_sql_by_hand():
    assert absence.LABELS == ("0–15 %", "över 15–25 %", "över 25–50 %", "över 50 %")
    assert absence.listed() == "0–15 %, över 15–25 %, över 25–50 % eller över 50 %"
    # (absent, scheduled) -> band: the bounds are exclusive below, so exactly 15,0 % is 0–15 %
    cases = [(0, 100, "0–15 %"), (15, 100, "0–15 %"), (151, 1000, "över 15–25 %"), (25, 100, "över 15–25 %"),
             (26, 100, "över 25–50 %"), (50, 100, "över 25–50 %"), (501, 1000, "över 50 %"),
             (100, 100, "över 50 %"), (0, 0, "ingen schemalagd tid")]
    con = duckdb.connect()
    got = con.execute(
        f"SELECT {absence.band_sql()} FROM (VALUES {', '.join(f'({a}, {s})' for a, s, _ in cases)}) "
        "AS t(absent, scheduled)").fetchall()
    assert [g for (g,) in got] == [band for _, _, band in cases]
    assert absence.threshold_of(absence.more_than_sql(absence.HIGH)) == 15
    assert absence.threshold_of(absence.more_than_sql(50, "invalid")) is None  # another column
    assert absence.threshold_of("scheduled > 0") is None
    high = con.execute(f"SELECT {absence.more_than_sql(absence.HIGH)} "
                       "FROM (VALUES (15, 100), (151, 1000)) AS t(absent, scheduled)").fetchall()
    assert high == [(False,), (True,)]


def test_code_lists_are_the_warehouse_schema():
    from data import warehouse
    assert warehouse.SCHOOL_FORMS is codes.SCHOOL_FORMS
    assert "CHECK (school_form IN ('forskola', 'grundskola', 'gymnasieskola'))" in warehouse.SCHEMA_SQL


# What only the domain layer may spell: a term or school-year code built from a year, and an
# absence band's label. (Comments and docstrings may quote them; the patterns look for code.)
SPELLED = [
    (re.compile(r"""f["'](HT|VT)\{"""), "a term code built by hand"),
    (re.compile(r"""% ?100:02d\}"""), "a school-year code built by hand"),
    (re.compile(r"""code\[:2\]|startswith\(["'](HT|VT)"""), "a term told apart by its code's letters"),
    (re.compile(r"""["'](0–15 %|över \d+(–\d+)? %)["']"""), "an absence band's label"),
    (re.compile(r"""label\.replace\(["']läsåret"""), "a period label taken apart"),
    # a Swedish number written by hand: separators swapped, or Python's thousands grouping
    # (writing: '.' -> ',' or ',' -> a space; reading a Swedish number the other way is allowed)
    (re.compile(r"""\.replace\(\s*(["']\.["']\s*,\s*["'],["']|["'],["']\s*,\s*["']( |\\u00a0|\\xa0|\\u202f)["'])"""),
     "a number's separators swapped by hand"),
    (re.compile(r"""(?<![%{])\{[\w.\[\]()"' ]+:[ +-]?,"""), "Python's thousands grouping"),
]


def _product_sources() -> list[Path]:
    """Every module of the product but the homes: data/domain/ and ui/format.py (which writes
    numbers through data.domain.numbers, and the chart's separators for plotly)."""
    files = [ROOT / "cli.py", ROOT / "app.py"]
    for folder in ("data", "metrics", "ui", "pages"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return [f for f in files if "domain" not in f.relative_to(ROOT).parts and f != ROOT / "ui" / "format.py"]


@pytest.mark.parametrize("pattern,what", SPELLED, ids=[w for _, w in SPELLED])
def test_no_module_spells_the_domain_again(pattern, what):
    found = []
    for path in _product_sources():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if pattern.search(code):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, f"{what} outside data/domain/:\n" + "\n".join(found)


def test_the_scan_finds_what_it_looks_for():
    # the control: each pattern matches the kind of line it is meant to catch
    samples = ['term = f"HT{year}"', 'label = f"{year}/{(year + 1) % 100:02d}"',
               'periods.term(p.code[:2], y)', 'BANDS = ("0–15 %", "över 15–25 %")',
               'x = [m.label.replace("läsåret ", "") for m in shown]',
               'return f"{x:.1f}".replace(".", ",")', 'f"{n:,} rader"']
    for (pattern, what), sample in zip(SPELLED, samples, strict=True):
        assert pattern.search(sample), what


def test_an_unknown_period_offers_only_what_can_be_asked_for():
    # '2024/26' is no school year; the message lists the standard periods, never a date range,
    # which parses but is refused for every published figure (DISCLOSURE.md, rule 4)
    with pytest.raises(periods.PeriodError) as err:
        periods.parse("2024/26")
    message = str(err.value)
    assert message.startswith("Okänd period '2024/26'.") and "läsår (2024/25)" in message
    assert "datumintervall" not in message and ".." not in message
