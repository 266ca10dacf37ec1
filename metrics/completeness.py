"""Is the data complete? Each source checked per school and month against its own history.

A status is never stronger than its data: a month or a school missing from an otherwise
continuous series, or an import ledger that says the data reaches further than it does, must be
said out loud ("Underlaget är ofullständigt: …"), never absorbed silently into a status.

Checks (``gaps``):
* absence, per school: a school month (a month in which any school has rows) missing for a
  school between its first and last month, or after its last month while other schools go on
  (when its last month is within the last twelve months of data: a school that closed long ago
  is not reported forever); only for a school whose series is otherwise continuous (at least
  80 % of at least six expected months, ``CONTINUOUS``);
* absence, whole months: a calendar month that other school years have (e.g. March) missing
  for every school, in an otherwise continuous series;
* reports and interventions, whole months: a month without a single row between the first and
  last month (for interventions only when the series averages ten or more starts a month, so a
  small municipality's quiet month is not called a gap);
* every source: an import ledger whose ``data_until`` lies in a later month than the data.

Months before a retention cutoff (meta ``retention_cutoff``, ``cli.py retention``) are expected of
no source: they were deleted on purpose.

Only aggregates and school ids leave this module: which month, which school, never a child.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from data.warehouse import Warehouse
from metrics import periods
from metrics.periods import Period

SOURCE_NAMES = {"absence": "frånvarodata", "reports": "orosanmälningar", "interventions": "insatser"}
# The catalog's sources and the tables that feed them.
TABLE_OF_SOURCE = {"pupils": "absence", "reports": "reports", "interventions_active": "interventions",
                   "interventions_started": "interventions", "interventions_ended": "interventions"}


@dataclass(frozen=True)
class Gap:
    source: str  # absence | reports | interventions
    month: date  # first day of the missing month
    school: str | None = None  # school id; None: the whole municipality
    school_name: str | None = None
    ledger_until: date | None = None  # set when the ledger claims data that is not there

    @property
    def text(self) -> str:
        """Swedish, e.g. 'frånvarodata saknas för Björkskolan, mars 2025'."""
        what = SOURCE_NAMES[self.source]
        where = f" för {self.school_name or self.school}" if self.school else ""
        text = f"{what} saknas{where}, {periods.month_label(self.month)}"
        if self.ledger_until is not None:
            text += f" (importloggen anger data t.o.m. {self.ledger_until.isoformat()})"
        return text


_ABSENCE_SCHOOL_GAPS = """
WITH sm AS (SELECT DISTINCT school_id, month FROM absence),
months AS (SELECT DISTINCT month FROM sm),
last_all AS (SELECT max(month) AS last FROM sm),
span AS (
    SELECT school_id, min(month) AS first,
           -- a school that stopped within the last year should have gone on to the last month
           CASE WHEN max(month) >= (SELECT last FROM last_all) - INTERVAL 12 MONTH
                THEN (SELECT last FROM last_all) ELSE max(month) END AS last
    FROM sm GROUP BY school_id
),
expected AS (
    SELECT span.school_id, months.month,
           EXISTS (SELECT 1 FROM sm WHERE sm.school_id = span.school_id AND sm.month = months.month) AS present
    FROM span JOIN months ON months.month BETWEEN span.first AND span.last
),
continuous AS (  -- only a series that is otherwise continuous has gaps (see CONTINUOUS)
    SELECT school_id FROM expected GROUP BY school_id
    HAVING count(*) >= {min_months} AND count(*) FILTER (WHERE present) >= {share} * count(*)
)
SELECT e.school_id, e.month, s.school_name
FROM expected e JOIN continuous USING (school_id)
LEFT JOIN schools s ON s.school_id = e.school_id
WHERE NOT e.present
ORDER BY e.month, e.school_id
"""
# A series is "otherwise continuous" when it spans at least MIN_MONTHS expected months and has at
# least CONTINUOUS of them; a sparse series (a test fixture, a pilot with a few months) has no gaps
# to speak of, only months it does not cover.
CONTINUOUS = 0.8
MIN_MONTHS = 6

_MONTHS = {
    "absence": "SELECT DISTINCT month FROM absence",
    "reports": "SELECT DISTINCT date_trunc('month', received_date)::DATE AS month FROM reports",
    "interventions": "SELECT DISTINCT date_trunc('month', start_date)::DATE AS month FROM interventions",
}
_LAST = {
    "absence": "SELECT last_day(max(month)) FROM absence",
    "reports": "SELECT max(received_date) FROM reports",
    "interventions": "SELECT greatest(max(start_date), max(end_date)) FROM interventions",
}
_MIN_MONTHLY_INTERVENTIONS = 10


def _school_months(source: str, present: list[date], first: date, last: date) -> list[date]:
    """The months from ``first`` to ``last`` a source should have: every month, but for absence
    only the calendar months its school years have (no July in any year: no gap)."""
    calendar = {d.month for d in present} if source == "absence" else set(range(1, 13))
    out, m = [], periods.month(first.year, first.month)
    while m.start <= last:
        if m.start.month in calendar:
            out.append(m.start)
        m = m.shift_months(1)
    return out


def _month_gaps(wh: Warehouse, source: str, present: list[date]) -> list[Gap]:
    if len(present) < 2:
        return []
    if source == "interventions":
        n = wh.fetchone("SELECT count(*) FROM interventions")[0]
        if n / len(present) < _MIN_MONTHLY_INTERVENTIONS:
            return []
    have = set(present)
    expected = _school_months(source, present, present[0], present[-1])
    if len(expected) < MIN_MONTHS or len(present) < CONTINUOUS * len(expected):
        return []
    return [Gap(source, d) for d in expected if d not in have]


def _ledger_gaps(wh: Warehouse, source: str, present: list[date]) -> list[Gap]:
    row = wh.fetchone("SELECT max(data_until) FROM import_ledger WHERE kind = ?", [source])
    ledger = row[0] if row else None
    last = wh.fetchone(_LAST[source])[0]
    if ledger is None or last is None or (ledger.year, ledger.month) <= (last.year, last.month):
        return []
    after = periods.month(last.year, last.month).shift_months(1).start
    return [Gap(source, d, ledger_until=ledger) for d in _school_months(source, present, after, ledger)]


def _compute(wh: Warehouse) -> tuple[Gap, ...]:
    gaps: list[Gap] = []
    # Retention (cli.py retention) deleted what is dated before its cutoff; an intervention that
    # started earlier and is still needed stays, so its start month is a single row, not a series.
    row = wh.fetchone("SELECT max(value) FROM meta WHERE key = 'retention_cutoff'")
    kept_from = date.fromisoformat(row[0]) if row and row[0] else date.min
    present = {source: sorted(m for m in wh.sql(sql)["month"].to_list() if m >= kept_from)
               for source, sql in _MONTHS.items()}
    whole = {g.month for g in _month_gaps(wh, "absence", present["absence"])}
    gaps.extend(Gap("absence", m) for m in sorted(whole))
    for r in wh.sql(_ABSENCE_SCHOOL_GAPS.format(min_months=MIN_MONTHS, share=CONTINUOUS)).iter_rows(named=True):
        if r["month"] not in whole:  # a whole missing month is said once, not once per school
            gaps.append(Gap("absence", r["month"], r["school_id"], r["school_name"]))
    gaps.extend(_ledger_gaps(wh, "absence", present["absence"]))
    for source in ("reports", "interventions"):
        gaps.extend(_month_gaps(wh, source, present[source]))
        gaps.extend(_ledger_gaps(wh, source, present[source]))
    return tuple(gaps)


def gaps(wh: Warehouse) -> tuple[Gap, ...]:
    """Every gap in the served warehouse (computed once per file)."""
    return wh.memo("completeness.gaps", lambda: _compute(wh))


def missing_months(wh: Warehouse, source: str) -> set[date]:
    """Months missing for the whole municipality in a source (not those after the data's end)."""
    return {g.month for g in gaps(wh) if g.source == source and g.school is None and g.ledger_until is None}


def relevant(wh: Warehouse, catalog_source: str, ps: Iterable[Period],
             schools: Sequence[str] | None = None) -> list[Gap]:
    """The gaps that touch these periods for a catalog source (``pupils``, ``reports``, …);
    ``schools`` restricts school gaps to a goal's population (None: every school)."""
    table = TABLE_OF_SOURCE[catalog_source]
    ps = list(ps)
    out = []
    def touches(g: Gap, p: Period) -> bool:
        if g.ledger_until is not None:  # data the ledger promised for the school year in progress
            return p.start <= g.month and periods.school_year_of(p.start) == periods.school_year_of(g.month)
        return p.start <= g.month <= p.end

    for g in gaps(wh):
        if g.source != table or not any(touches(g, p) for p in ps):
            continue
        if g.school is not None and schools is not None and g.school not in schools:
            continue
        out.append(g)
    return out


def summary(found: Sequence[Gap], limit: int = 6) -> str:
    """'Underlaget är ofullständigt: …' naming what is missing ('' when nothing is)."""
    if not found:
        return ""
    texts = [g.text for g in found[:limit]]
    more = f" och {len(found) - limit} till" if len(found) > limit else ""
    return "Underlaget är ofullständigt: " + "; ".join(texts) + more + "."


def schools_matching(wh: Warehouse, filters: Mapping[str, object]) -> list[str] | None:
    """The school ids a filter on school attributes selects (None: the filter does not restrict
    schools), so a goal is only told about gaps in its own schools."""
    keys = {"school_form": "school_form", "operator": "operator", "area": "area", "school": "school_id"}
    conds, params = [], []
    for key, column in keys.items():
        values = filters.get(key)
        if isinstance(values, list | tuple) and values:
            conds.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if not conds:
        return None
    return wh.sql(f"SELECT school_id FROM schools WHERE {' AND '.join(conds)}", params=params)["school_id"].to_list()
