"""Periods: month, term, school year, calendar year and date range, with Swedish labels.

The one home of period codes (the domain layer, ``data.domain``): the warehouse, the demo, the
importer, the engine, the goals and the pages build every code from here, never by hand.

Date-based facts (reports, interventions) belong to a period when their date lies in
[start, end]. Absence is monthly: a month belongs to a period when its first day does.

Terms partition the school year so that every date belongs to exactly one term:
HT = 1 July-31 December (school months August-December), VT = 1 January-30 June.
A school year 2024/25 = HT2024 + VT2025 = 2024-07-01..2025-06-30.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
             "september", "oktober", "november", "december")
MONTHS_SV_SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

SCHOOL_YEAR_WORD = "läsåret"  # a school year's label: 'läsåret 2024/25'

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_TERM = re.compile(r"^(HT|VT)\s?(\d{4})$", re.IGNORECASE)
_SCHOOL_YEAR = re.compile(r"^(\d{4})/(\d{2}|\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}(?:-\d{2})?)\.\.(\d{4}-\d{2}(?:-\d{2})?)$")


class PeriodError(ValueError):
    """A period code that cannot be parsed; the message is Swedish and says what is accepted."""


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str  # month | term | school_year | year | range
    code: str  # canonical code, e.g. '2024-09', 'HT2024', '2024/25', '2024', '2024-01-01..2024-03-31'
    # Only these months of the period (first days), when some are left out because data is missing
    # (see ``without_months``); () = every month. Only monthly absence can be restricted so.
    only: tuple[date, ...] = ()

    @property
    def label(self) -> str:
        """Swedish label: 'september 2024', 'höstterminen 2024', 'läsåret 2024/25', '2024'."""
        if self.only:
            left_out = [m for m in Period(self.start, self.end, self.kind, self.code).months() if m not in self.only]
            base = Period(self.start, self.end, self.kind, self.code.split(" utom ")[0]).label
            return f"{base} utom {', '.join(month_label(m) for m in left_out)}"
        if self.kind == "month":
            return f"{MONTHS_SV[self.start.month - 1]} {self.start.year}"
        if self.kind == "term":
            return f"{'höstterminen' if self.autumn else 'vårterminen'} {self.start.year}"
        if self.kind == "school_year":
            return f"{SCHOOL_YEAR_WORD} {self.code}"
        if self.kind == "year":
            return self.code
        return f"{self.start.isoformat()}–{self.end.isoformat()}"

    @property
    def autumn(self) -> bool:
        """Whether a term is the autumn term (HT); for other kinds, whether it starts in July or later."""
        return self.start.month >= 7

    @property
    def short_label(self) -> str:
        """A label for a chart's axis: a school year without 'läsåret' ('2024/25'), else ``label``."""
        return axis_label(self.label)

    def shift_years(self, years: int) -> Period:
        """The same period ``years`` later (negative: earlier)."""
        start, end = add_years(self.start, years), add_years(self.end, years)
        if self.kind == "range":
            return Period(start, end, "range", f"{start.isoformat()}..{end.isoformat()}")
        return parse(_shift_code(self, years))

    def shift_months(self, months: int) -> Period:
        """A month ``months`` later (negative: earlier); only for month periods."""
        if self.kind != "month":
            raise PeriodError("Bara månader kan flyttas månadsvis.")
        index = self.start.year * 12 + self.start.month - 1 + months
        return month(index // 12, index % 12 + 1)

    def months(self) -> list[date]:
        """First days of the months that belong to the period (a month belongs when its first
        day does): HT2024 -> 2024-07-01 … 2024-12-01."""
        if self.only:
            return list(self.only)
        d = date(self.start.year, self.start.month, 1)
        if d < self.start:
            d = _month_end(d.year, d.month) + timedelta(days=1)
        out = []
        while d <= self.end:
            out.append(d)
            d = _month_end(d.year, d.month) + timedelta(days=1)
        return out

    def clip(self, until: date) -> Period:
        """The part of the period up to ``until``; unchanged when the period ends before it."""
        if until >= self.end:
            return self
        return Period(self.start, until, "range", f"{self.start.isoformat()}..{until.isoformat()}")

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


def axis_label(label: str) -> str:
    """A period's label for a chart's axis, where every point is a school year: without the word
    'läsåret'. 'läsåret 2024/25' -> '2024/25', 'läsåret 2026/27 t.o.m. oktober' -> '2026/27 t.o.m.
    oktober'; other labels are unchanged."""
    return label.replace(SCHOOL_YEAR_WORD + " ", "")


def without_months(p: Period, left_out: set[date]) -> Period:
    """The period without some of its months: HT2024 without 2024-10-01 has the code
    'HT2024 utom 2024-10' and the label 'höstterminen 2024 utom oktober 2024'."""
    keep = tuple(m for m in p.months() if m not in left_out)
    gone = [m for m in p.months() if m in left_out]
    if not gone:
        return p
    code = f"{p.code} utom {', '.join(f'{m.year}-{m.month:02d}' for m in gone)}"
    return Period(p.start, p.end, p.kind, code, keep)


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _shift_code(p: Period, years: int) -> str:
    if p.kind == "month":
        return f"{p.start.year + years}-{p.start.month:02d}"
    if p.kind == "term":
        return term("HT" if p.autumn else "VT", p.start.year + years).code
    if p.kind == "school_year":
        return school_year_code(p.start.year + years)
    return str(p.start.year + years)


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def school_year_code(autumn_year: int) -> str:
    """2024 -> '2024/25'."""
    return f"{autumn_year}/{(autumn_year + 1) % 100:02d}"


def month(year: int, m: int) -> Period:
    return Period(date(year, m, 1), _month_end(year, m), "month", f"{year}-{m:02d}")


def term(kind: str, year: int) -> Period:
    kind = kind.upper()
    if kind == "HT":
        return Period(date(year, 7, 1), date(year, 12, 31), "term", f"HT{year}")
    return Period(date(year, 1, 1), date(year, 6, 30), "term", f"VT{year}")


def school_year_terms(autumn_year: int) -> tuple[Period, Period]:
    """The two terms of a school year: 2024 -> (HT2024, VT2025)."""
    return term("HT", autumn_year), term("VT", autumn_year + 1)


def term_to_date_months(autumn: bool, year: int) -> tuple[date, list[date]]:
    """A term's first day and the months that end a stored term to date: every month of the term
    but its last (which ends the term itself). ``year`` is the school year's autumn year.
    HT2025: (2025-07-01, [2025-07-01 … 2025-11-01])."""
    first = school_year_terms(year)[0 if autumn else 1].start
    return first, [date(first.year, first.month + k, 1) for k in range(5)]


def term_to_date_code(first: date, month: date) -> str:
    """The period code of a term from its first day to the end of ``month``: what
    ``Period.clip`` gives, and so what the warehouse stores in pupil_periods and the engine asks
    for. (2025-07-01, 2025-11-01) -> '2025-07-01..2025-11-30'."""
    return date_range(first, _month_end(month.year, month.month)).code


def school_year(autumn_year: int) -> Period:
    return Period(date(autumn_year, 7, 1), date(autumn_year + 1, 6, 30), "school_year",
                  school_year_code(autumn_year))


def calendar_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), "year", str(year))


def date_range(start: date, end: date) -> Period:
    if end < start:
        raise PeriodError(f"Perioden slutar ({end}) före den börjar ({start}).")
    return Period(start, end, "range", f"{start.isoformat()}..{end.isoformat()}")


def school_year_of(d: date) -> Period:
    return school_year(d.year if d.month >= 7 else d.year - 1)


def last_complete_school_year(d: date) -> Period:
    """The last school year that has ended by ``d``: 2026-06-30 -> 2025/26, 2026-10-31 -> 2025/26."""
    sy = school_year_of(d)
    return sy if d >= sy.end else sy.shift_years(-1)


def term_of(d: date) -> Period:
    return term("HT" if d.month >= 7 else "VT", d.year)


def _parse_day(text: str, end: bool) -> date:
    if len(text) == 7:
        y, m = int(text[:4]), int(text[5:])
        return _month_end(y, m) if end else date(y, m, 1)
    return date.fromisoformat(text)


def parse(code: str | Period) -> Period:
    """Parse a period code. Accepted: 2024-09, HT2024, VT2025, 2024/25, 2024,
    2024-01-01..2024-03-31 and 2024-08..2024-10."""
    if isinstance(code, Period):
        return code
    text = str(code).strip()
    try:
        if m := _MONTH.match(text):
            y, mo = int(m[1]), int(m[2])
            if not 1 <= mo <= 12:
                raise ValueError
            return month(y, mo)
        if m := _TERM.match(text):
            return term(m[1], int(m[2]))
        if m := _SCHOOL_YEAR.match(text):
            y = int(m[1])
            second = int(m[2]) % 100
            if second != (y + 1) % 100:
                raise ValueError
            return school_year(y)
        if m := _YEAR.match(text):
            return calendar_year(int(m[1]))
        if m := _RANGE.match(text):
            return date_range(_parse_day(m[1], end=False), _parse_day(m[2], end=True))
    except PeriodError:
        raise
    except ValueError:
        pass
    # Date ranges parse (the engine's terms to date are ranges), but no figure is published for
    # one a user chooses (DISCLOSURE.md, rule 4): the message offers only what can be asked for.
    raise PeriodError(
        f"Okänd period '{text}'. Ange månad (2024-09), termin (HT2024, VT2025), "
        f"läsår (2024/25) eller kalenderår (2024).")


def month_label(d: date, short: bool = False) -> str:
    names = MONTHS_SV_SHORT if short else MONTHS_SV
    return f"{names[d.month - 1]} {d.year}"
