"""The DuckDB warehouse: schema, atomic incremental writes and a read-only reader that follows swaps.

Layout: the live file ``<db>`` holds the small tables; the monthly absence rows and the pupil
sums derived from them (``absence``, ``pupil_periods``) live in one DuckDB file per school year
in ``<db>.parts/`` ('2024-1f3a9c2e.duckdb' for 2024/25), listed by the live file's table
``partitions``. Partition files are immutable: a write that changes a school year writes a new
file under a new name, so a monthly extract rewrites one school year's file and the small main
file, never the whole history.

Concurrency model (DuckDB 2.0, see STACK_NOTES.md): a file may be open read-write by one process
or read-only by many, never both. So nothing ever writes a live file in place:

* a writer takes an exclusive lock file, builds ``<db>.tmp`` (a copy of the live main file, or an
  empty one), attaches the unchanged school years read-only and copies a school year to a new
  partition file only when it changes it (``open_partition``), CHECKPOINTs, closes everything and
  ``os.replace``s the main file over the live one: that rename is the commit. Partition files no
  longer listed are deleted afterwards (readers that still have them open keep reading them);
* a reader opens an in-memory connection, ``ATTACH``es the live main file and its listed
  partitions READ_ONLY, and sees ``absence`` and ``pupil_periods`` as views over the partitions
  (``attach``); before each query it compares the main file's identity (inode, mtime, size) and
  re-attaches after a swap.

A running dashboard therefore never sees a half-written state and never blocks a writer, and a
writer killed at any moment leaves the previous files untouched (only a stale ``.tmp`` and
unlisted partition files remain, which the next writer deletes).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from data.domain import periods
from data.domain.codes import (  # noqa: F401 (re-exported: the schema below, importer and catalog)
    COMMITTEES, DECISIONS, GENDERS, GRADES_GRUNDSKOLA, GRADES_GYMNASIESKOLA, INTERVENTION_TYPES, OPERATORS,
    REPORTER_CATEGORIES, SCHOOL_FORMS, SCHOOL_SYSTEM_REPORTERS,
)
from data.domain.periods import term_to_date_code, term_to_date_months  # noqa: F401 (re-exported: tests and the engine)

SCHEMA_VERSION = "3"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# Aggregates computed when the file was written (metrics/precompute.py): what each page shows
# before anyone touches a filter, so the first request after a start or an import reads them
# instead of computing. Emptied at every write and refilled in the same atomic swap. ``context``
# names what a value depends on besides the data (settings, goal file, engine code); a reader
# whose context differs uses the engine instead. value: Arrow IPC (format 'ipc') or JSON text.
PRECOMPUTED_DDL = """
CREATE TABLE IF NOT EXISTS precomputed (
    name        VARCHAR NOT NULL,
    args        VARCHAR NOT NULL,
    context     VARCHAR NOT NULL,
    format      VARCHAR NOT NULL,
    value       BLOB NOT NULL,
    seconds     DOUBLE NOT NULL,
    PRIMARY KEY (name, args, context)
)"""

SCHEMA_SQL = f"""
CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
CREATE TABLE schools (
    school_id   VARCHAR PRIMARY KEY,
    school_name VARCHAR NOT NULL,
    school_form VARCHAR NOT NULL CHECK (school_form IN {_in(SCHOOL_FORMS)}),
    area        VARCHAR NOT NULL,
    operator    VARCHAR NOT NULL CHECK (operator IN {_in(OPERATORS)})
);
-- area NULL = the whole municipality; age_to is inclusive (0-5 means ages 0 to 5).
CREATE TABLE population (
    year      INTEGER NOT NULL,
    area      VARCHAR,
    age_from  INTEGER NOT NULL CHECK (age_from >= 0),
    age_to    INTEGER NOT NULL CHECK (age_to >= age_from),
    residents INTEGER NOT NULL CHECK (residents >= 0)
);
-- One row per concern report (orosanmälan). child_key is a pseudonym.
CREATE TABLE reports (
    report_id         VARCHAR PRIMARY KEY,
    child_key         VARCHAR NOT NULL,
    received_date     DATE NOT NULL,
    gender            VARCHAR CHECK (gender IN {_in(GENDERS)}),
    age               INTEGER CHECK (age BETWEEN 0 AND 20),
    reporter_category VARCHAR NOT NULL CHECK (reporter_category IN {_in(REPORTER_CATEGORIES)}),
    school_id         VARCHAR,
    area              VARCHAR,
    decision          VARCHAR NOT NULL CHECK (decision IN {_in(DECISIONS)}),
    decision_date     DATE,
    feedback_given    BOOLEAN,
    feedback_date     DATE,
    meeting_held      BOOLEAN,
    reporter_attended BOOLEAN
);
-- One row per intervention (insats). end_date NULL = still ongoing.
CREATE TABLE interventions (
    intervention_id   VARCHAR PRIMARY KEY,
    child_key         VARCHAR NOT NULL,
    intervention_type VARCHAR NOT NULL CHECK (intervention_type IN {_in(INTERVENTION_TYPES)}),
    committee         VARCHAR NOT NULL CHECK (committee IN {_in(COMMITTEES)}),
    start_date        DATE NOT NULL,
    end_date          DATE,
    school_id         VARCHAR
);
-- One row per school year's partition file (in '<db>.parts/'; see the module docstring).
-- school_year is the autumn year: 2024 for 2024/25.
CREATE TABLE partitions (
    school_year INTEGER PRIMARY KEY,
    file        VARCHAR NOT NULL
);
{PRECOMPUTED_DDL};
-- One row per loaded file (or demo build). period is e.g. '2024-09', '2024' or a range.
CREATE TABLE import_ledger (
    import_id     VARCHAR PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    file_name     VARCHAR,
    file_hash     VARCHAR,
    period        VARCHAR,
    rows_added    BIGINT NOT NULL DEFAULT 0,
    rows_replaced BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    data_until    DATE,
    imported_by   VARCHAR,
    key_version   VARCHAR,
    imported_at   TIMESTAMP NOT NULL
);
"""

# The tables of each school year's partition file: July to June's monthly rows, and the pupil sums
# of that school year's two terms and of the school year itself.
PARTITION_SQL = f"""
-- One row per pupil, school and month. pupil_key is a pseudonym, never a personal number.
-- month is the first day of the month.
CREATE TABLE absence (
    pupil_key              VARCHAR NOT NULL,
    school_id              VARCHAR NOT NULL,
    grade                  VARCHAR NOT NULL,
    gender                 VARCHAR NOT NULL CHECK (gender IN {_in(GENDERS)}),
    month                  DATE NOT NULL,
    scheduled_minutes      INTEGER NOT NULL CHECK (scheduled_minutes >= 0),
    absent_minutes         INTEGER NOT NULL CHECK (absent_minutes >= 0),
    invalid_absent_minutes INTEGER CHECK (invalid_absent_minutes >= 0)
);
-- Absence summed per pupil and school form over each whole term ('HT2024', 'VT2025'), school
-- year ('2024/25') and term to date ('2024-07-01..2024-10-31': a term's first day to the end of
-- one of its months but the last), derived from absence at every write (refresh_pupil_periods).
-- School, grade and gender are the pupil's in the latest month of the period. The metric engine
-- reads it for those periods instead of re-summing the monthly rows; months and other ranges use
-- absence itself.
CREATE TABLE pupil_periods (
    period      VARCHAR NOT NULL,
    pupil_key   VARCHAR NOT NULL,
    school_form VARCHAR NOT NULL,
    school      VARCHAR NOT NULL,
    grade       VARCHAR NOT NULL,
    gender      VARCHAR NOT NULL,
    scheduled   BIGINT NOT NULL,
    absent      BIGINT NOT NULL,
    invalid     BIGINT,
    n_invalid   BIGINT NOT NULL,
    n_months    BIGINT NOT NULL,
    last_month  DATE NOT NULL
);
"""

PARTITIONED = ("absence", "pupil_periods")  # in the partition files; the others in the main file

# Functions run at the end of every write, on the new file before it is swapped in (see
# ``on_write``): derived aggregates that must never be older than the data they come from.
_DERIVERS: list[Callable[[duckdb.DuckDBPyConnection], object]] = []

# Which school, school form, grade and gender a pupil belongs to in a period (the school-move
# rule, METRICS.md): those of the latest month with absence rows; within that month the school
# with the most scheduled minutes; on a tie the highest school id. A pupil is one unit per period,
# so totals over school forms count distinct pupils. Used over ``absence a JOIN schools s`` by the
# engine's months and ranges; the stored terms apply the same order with a window (_refresh_term),
# and tests/test_engine.py checks that both give the same numbers. ``school_form`` names the column
# that holds the school's form: the joined schools table's by default, or a column the caller has
# already carried over onto the absence rows (the engine's ``a.school_form``).
def pupil_pick(school_form: str = "s.school_form") -> str:
    return (f"arg_max({{'school_form': {school_form}, 'school': a.school_id, 'grade': a.grade, "
            "'gender': a.gender}, {'month': a.month, 'scheduled': a.scheduled_minutes, 'id': a.school_id})")


PUPIL_PICK = pupil_pick()


# The import ledger's sources that are the demo generator's fictional data (``data.demo``). Any
# other source (an import) makes a warehouse real data: it is then served only behind login.
DEMO_SOURCES = ("demo",)
MIXED_LABEL = "Demodata och importerade data"


def provenance(con_or_wh) -> str:
    """What the warehouse holds, decided by its import ledger (never by a stored flag): 'demo'
    when every row is the demo generator's, 'real' when any row is an import, 'empty' when the
    ledger has no row (a warehouse written by hand, e.g. in tests, is no demo)."""
    query = (f"SELECT count(*), count(*) FILTER (WHERE source NOT IN {_in(DEMO_SOURCES)}) FROM import_ledger")
    fetch = con_or_wh.fetchone if isinstance(con_or_wh, Warehouse) else (
        lambda q: con_or_wh.execute(q).fetchone())
    total, other = fetch(query)
    return "empty" if total == 0 else ("real" if other else "demo")


class WarehouseMissing(FileNotFoundError):
    """The configured warehouse file does not exist."""


def on_write(derive: Callable[[duckdb.DuckDBPyConnection], object]) -> None:
    """Run ``derive(con)`` at the end of every write from now on in this process, inside the
    write (so its results are swapped in atomically with the data). ``data`` cannot import the
    metric engine; ``metrics.precompute.install()`` registers itself here."""
    if derive not in _DERIVERS:
        _DERIVERS.append(derive)


def _derive(con: duckdb.DuckDBPyConnection) -> None:
    # Whatever was derived from the previous data is stale now: emptied first, always, so that a
    # process that writes without a deriver leaves no precomputed value behind (the dashboard
    # then computes with the engine). Older files get the table here.
    con.execute(PRECOMPUTED_DDL)
    con.execute("DELETE FROM precomputed")
    for derive in _DERIVERS:
        derive(con)


def create_schema(con: duckdb.DuckDBPyConnection, *, partitioned: bool = True) -> None:
    """The main file's tables on ``con``'s current database; with ``partitioned=False`` also the
    partition tables in the same database (an in-memory stand-in for an empty warehouse)."""
    con.execute(SCHEMA_SQL)
    if not partitioned:
        con.execute(PARTITION_SQL)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def parts_dir(path: Path) -> Path:
    """Where the partition files of the warehouse at ``path`` live."""
    path = Path(path)
    return path.with_name(path.name + ".parts")


def school_year(month: date) -> int:
    """The school year a month belongs to, as its autumn year: 2025-03-01 -> 2024 (2024/25)."""
    return month.year - (month.month < 7)


def _alias(year: int) -> str:
    return f"wh_{int(year)}"


def _is_partitioned(con: duckdb.DuckDBPyConnection, catalog: str = "wh") -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
                            "AND table_name = 'partitions'", [catalog]).fetchall()[0][0])


def _create_views(con: duckdb.DuckDBPyConnection, years: list[int]) -> None:
    """``absence`` and ``pupil_periods`` as views over the attached partitions, in ``memory.main``
    (shared by every cursor of ``con``; the cursors find them through ``search_path``). An empty
    in-memory stand-in makes the views valid with no partition at all. Leaves ``wh`` in use."""
    if not con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'wh_none'").fetchall()[0][0]:
        con.execute("ATTACH ':memory:' AS wh_none")
        con.execute("USE wh_none")
        con.execute(PARTITION_SQL)
        con.execute("USE memory")
    for table in PARTITIONED:
        # the stand-in only when there is no partition: in a union it costs every query ~15 %
        # (an in-memory scan the optimizer cannot prune like the files' row groups)
        sources = [f"{_alias(y)}.main.{table}" for y in sorted(years)] or ["wh_none.main." + table]
        con.execute(f"CREATE OR REPLACE VIEW memory.main.{table} AS "
                    + " UNION ALL ".join(f"SELECT * FROM {src}" for src in sources))
    _use(con)


def _use(con: duckdb.DuckDBPyConnection, catalog: str = "wh") -> None:
    # Tables are found in the main file first, then the partition views; new tables go to wh.
    con.execute(f'USE "{catalog}"')
    con.execute(f"SET search_path = '{catalog}.main,memory.main'")


def attach(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Attach the warehouse at ``path`` read-only to the in-memory connection ``con`` as ``wh``:
    the main file and the partitions it lists, with the partitioned tables as views. A file
    written before partitions existed (schema version 2) is served as it is."""
    path = Path(path)
    con.execute(f"ATTACH '{sql_string(path)}' AS wh (READ_ONLY)")
    if _is_partitioned(con):
        _attach_partitions(con, path)
    else:
        _use(con)


def _attach_partitions(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Attach read-only the partitions that ``wh`` lists (files in the folder of the warehouse at
    ``path``) and make the views over them."""
    listed = con.execute("SELECT school_year, file FROM wh.main.partitions ORDER BY school_year").fetchall()
    for year, file in listed:
        con.execute(f"ATTACH '{sql_string(parts_dir(path) / file)}' AS {_alias(year)} (READ_ONLY)")
    _create_views(con, [y for y, _ in listed])


def files(path: Path) -> list[Path]:
    """The live files of the warehouse at ``path``: the main file and its listed partitions (what
    a backup copies, what a scan of stored bytes must read)."""
    path = Path(path)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{sql_string(path)}' AS wh (READ_ONLY)")
        if not _is_partitioned(con):
            return [path]
        return [path] + [parts_dir(path) / f for (f,) in
                         con.execute("SELECT file FROM wh.main.partitions ORDER BY school_year").fetchall()]
    finally:
        con.close()


def copy(source: Path, target: Path) -> None:
    """A consistent copy of the warehouse at ``source`` as ``target`` (a backup, a test's own
    copy): taken under the writer lock, so no import swaps files meanwhile."""
    source, target = Path(source), Path(target)
    with _writer_lock(source):
        live = files(source)
        if parts_dir(target).exists():
            shutil.rmtree(parts_dir(target))
        if len(live) > 1:
            parts_dir(target).mkdir(parents=True)
        for f in live[1:]:
            shutil.copyfile(f, parts_dir(target) / f.name)
        tmp = target.with_name(target.name + ".tmp")
        shutil.copyfile(live[0], tmp)
        os.replace(tmp, target)


def open_partition(con: duckdb.DuckDBPyConnection, year: int) -> str:
    """Make the school year's partition writable inside a write and return its catalog alias
    (``wh_2024``). The first time, the year's file is copied to a new file (or a new one is
    created) and the main file's ``partitions`` row points to it; the live file stays as it was
    until the write commits. Only the school years a write touches are ever copied."""
    alias = _alias(year)
    attached = con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = ?", [alias]).fetchall()
    if attached and not attached[0][0]:
        return alias
    live = Path(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = 'wh'").fetchall()[0][0])
    live = live.with_name(live.name.removesuffix(".tmp"))
    folder = parts_dir(live)
    folder.mkdir(parents=True, exist_ok=True)
    new = folder / f"{int(year)}-{uuid.uuid4().hex[:12]}.duckdb"
    old = con.execute("SELECT file FROM wh.main.partitions WHERE school_year = ?", [int(year)]).fetchall()
    if attached:
        con.execute(f"DETACH {alias}")
    if old:
        shutil.copyfile(folder / old[0][0], new)
        con.execute(f"ATTACH '{sql_string(new)}' AS {alias}")
    else:
        con.execute(f"ATTACH '{sql_string(new)}' AS {alias}")
        con.execute(f"USE {alias}")
        con.execute(PARTITION_SQL)
    con.execute("INSERT OR REPLACE INTO wh.main.partitions VALUES (?, ?)", [int(year), new.name])
    _create_views(con, [r[0] for r in con.execute("SELECT school_year FROM wh.main.partitions").fetchall()])
    return alias


def _bounds(year: int) -> tuple[date, date]:
    return date(int(year), 7, 1), date(int(year) + 1, 6, 1)


def replace_absence(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> int:
    """Inside a write: store monthly absence ``rows`` (absence's columns, or some of them),
    replacing every stored row of the months they cover; return how many rows were replaced.
    Only the partitions of the school years in ``rows`` are rewritten."""
    if rows.height == 0:
        return 0
    cols = ", ".join(rows.columns)
    replaced = 0
    # school_year() as a polars expression: one pass over the rows instead of one per year
    by_year = rows.with_columns(_sy=pl.col("month").dt.year() - (pl.col("month").dt.month() < 7).cast(pl.Int32))
    for (year,), part in by_year.partition_by("_sy", as_dict=True, maintain_order=True).items():
        alias = open_partition(con, year)
        con.register("_part", part.drop("_sy"))
        try:
            replaced += con.execute(f"DELETE FROM {alias}.main.absence WHERE month IN "
                                    "(SELECT DISTINCT month FROM _part)").fetchall()[0][0]
            con.execute(f"INSERT INTO {alias}.main.absence ({cols}) SELECT {cols} FROM _part")
        finally:
            con.unregister("_part")
    return replaced


def delete_absence(con: duckdb.DuckDBPyConnection, months: list[date]) -> int:
    """Inside a write: delete the stored absence of ``months``; return how many rows."""
    deleted = 0
    for year in sorted({school_year(m) for m in months}):
        if not con.execute("SELECT count(*) FROM wh.main.partitions WHERE school_year = ?", [year]).fetchall()[0][0]:
            continue
        alias = open_partition(con, year)
        deleted += con.execute(f"DELETE FROM {alias}.main.absence WHERE month IN (SELECT unnest(?::DATE[]))",
                               [[m for m in months if school_year(m) == year]]).fetchall()[0][0]
    return deleted


# meta key: set (to '1') once every partition's pupil_periods holds the terms to date
# (``data.domain.periods.term_to_date_code``). A warehouse written by an earlier release lacks it until its next
# refresh, and the engine then sums those periods from the monthly rows (``has_term_to_date``).
TERM_TO_DATE_KEY = "pupil_periods_term_to_date"


def has_term_to_date(con_or_wh) -> bool:
    """Whether every partition of the warehouse holds the terms to date (``TERM_TO_DATE_KEY``): a
    writer's connection, or a served ``Warehouse``."""
    query = "SELECT count(*) FROM meta WHERE key = ? AND value = '1'"
    fetch = con_or_wh.fetchone if isinstance(con_or_wh, Warehouse) else (
        lambda q, params: con_or_wh.execute(q, params).fetchone())
    return bool(fetch(query, [TERM_TO_DATE_KEY])[0])


def refresh_pupil_periods(con: duckdb.DuckDBPyConnection, months: list | None = None) -> None:
    """Rebuild pupil_periods for the terms and school years that contain ``months`` (all when
    None, and all once for a warehouse that has no terms to date yet). Called inside a write,
    after absence or schools changed.

    Terms and terms to date are summed from the monthly rows; school years from their two terms
    (the attributes of the term with the later last month win, as in the engine's raw path). Each
    school year's sums live in its own partition, next to its monthly rows."""
    if months is not None and not has_term_to_date(con):
        months = None  # the first refresh after an upgrade: every school year gets its terms to date
    if months is None:
        touched = {y: (True, False) for (y,) in con.execute("SELECT school_year FROM wh.main.partitions").fetchall()}
    else:
        stored = {y for (y,) in con.execute("SELECT school_year FROM wh.main.partitions").fetchall()}
        touched = {}
        for m in months:
            if school_year(m) in stored:  # a year without rows has nothing to sum
                touched.setdefault(school_year(m), set()).add(m.month >= 7)
    for year, autumns in sorted(touched.items()):
        _refresh_partition(con, open_partition(con, year), year, sorted(autumns))
    if months is None:
        con.execute("INSERT OR REPLACE INTO wh.main.meta VALUES (?, '1')", [TERM_TO_DATE_KEY])


def _refresh_partition(con: duckdb.DuckDBPyConnection, alias: str, year: int, autumns: list[bool]) -> None:
    """pupil_periods of one school year's partition: the touched terms (autumn True = HT of
    ``year``, False = VT of ``year + 1``) with their terms to date, and the school year."""
    label = periods.school_year_code(year)
    con.execute(f"DELETE FROM {alias}.main.pupil_periods WHERE period = ?", [label])
    for autumn in autumns:
        _refresh_term(con, alias, autumn, year)
    terms = tuple(t.code for t in periods.school_year_terms(year))
    # the school year from its two terms: the later term's school, form, grade and gender win
    # (its last month is the school year's last month: the same rule as PUPIL_PICK)
    con.execute(f"""
        INSERT INTO {alias}.main.pupil_periods
        SELECT ?, pupil_key, pick.school_form, pick.school, pick.grade, pick.gender, scheduled, absent,
               invalid, n_invalid, n_months, last_month
        FROM (
            SELECT pupil_key,
                   arg_max({{'school_form': school_form, 'school': school, 'grade': grade, 'gender': gender}},
                           last_month) AS pick,
                   sum(scheduled) AS scheduled, sum(absent) AS absent, sum(invalid) AS invalid,
                   sum(n_invalid) AS n_invalid, sum(n_months) AS n_months, max(last_month) AS last_month
            FROM {alias}.main.pupil_periods
            WHERE period IN (?, ?)
            GROUP BY ALL
        )""", [label, *terms])


def _refresh_term(con: duckdb.DuckDBPyConnection, alias: str, autumn: bool, year: int) -> None:
    """A term and its terms to date, in one pass over the term's monthly rows. Each pupil's rows
    are ordered as PUPIL_PICK ranks them (month, scheduled minutes, school id) and summed as they
    come; a range's sums are those at the pupil's last row up to its end (the running sums there
    hold every row before it), and that row's school, grade and gender are PUPIL_PICK's. A row
    is that last row when the next row's month (``lead``) is after the end or there is none. The
    whole term is the range to its last month. Ordered by period, so that a query for one reads
    few row groups. Example: rows in September and October give the range to September from the
    September row and the ranges to October and November (and the term) from the October row."""
    first, ends = term_to_date_months(autumn, year)
    term = periods.school_year_terms(year)[0 if autumn else 1].code
    last = date(first.year, first.month + 5, 1)
    codes = [term_to_date_code(first, m) for m in ends] + [term]
    con.execute(f"DELETE FROM {alias}.main.pupil_periods WHERE period = ? OR starts_with(period, ?)",
                [term, f"{first.isoformat()}.."])
    con.execute(f"""
        INSERT INTO {alias}.main.pupil_periods
        WITH running AS (
            SELECT a.pupil_key, a.month, s.school_form, a.school_id, a.grade, a.gender,
                   sum(a.scheduled_minutes) OVER w AS scheduled, sum(a.absent_minutes) OVER w AS absent,
                   sum(a.invalid_absent_minutes) OVER w AS invalid,
                   count(a.invalid_absent_minutes) OVER w AS n_invalid, count(*) OVER w AS n_months,
                   lead(a.month) OVER w AS next_month
            FROM {alias}.main.absence a
            JOIN wh.main.schools s ON s.school_id = a.school_id
            WHERE a.month BETWEEN ? AND ?
            WINDOW w AS (PARTITION BY a.pupil_key ORDER BY a.month, a.scheduled_minutes, a.school_id
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        ),
        ends AS (SELECT unnest(?::VARCHAR[]) AS code, unnest(?::DATE[]) AS last)
        SELECT e.code, r.pupil_key, r.school_form, r.school_id, r.grade, r.gender,
               r.scheduled, r.absent, r.invalid, r.n_invalid, r.n_months, r.month
        FROM running r
        JOIN ends e ON r.month <= e.last AND (r.next_month IS NULL OR r.next_month > e.last)
        ORDER BY e.code""", [first, last, codes, [*ends, last]])


def _migrate(con: duckdb.DuckDBPyConnection, legacy: Path) -> None:
    """Fill the new, empty main file ``wh`` from a warehouse written before partitions (schema
    version 2: every table in one file): the small tables as they are, the monthly rows and pupil
    sums into one partition per school year. Done once, by the first write after the upgrade;
    a new file rather than the old one minus two tables, since DuckDB does not shrink a file."""
    con.execute(f"ATTACH '{sql_string(legacy)}' AS wh_legacy (READ_ONLY)")
    for table in ("schools", "population", "reports", "interventions", "import_ledger"):
        con.execute(f"INSERT INTO wh.main.{table} BY NAME SELECT * FROM wh_legacy.main.{table}")
    con.execute("INSERT INTO wh.main.meta SELECT * FROM wh_legacy.main.meta WHERE key <> 'schema_version'")
    years = sorted({school_year(m) for (m,) in
                    con.execute("SELECT DISTINCT month FROM wh_legacy.main.absence").fetchall()})
    for year in years:
        alias = open_partition(con, year)
        first, last = _bounds(year)
        con.execute(f"INSERT INTO {alias}.main.absence SELECT * FROM wh_legacy.main.absence "
                    "WHERE month BETWEEN ? AND ? ORDER BY month, school_id, pupil_key", [first, last])
        codes = [t.code for t in periods.school_year_terms(year)] + [periods.school_year_code(year)]
        con.execute(f"INSERT INTO {alias}.main.pupil_periods SELECT * FROM wh_legacy.main.pupil_periods "
                    "WHERE period IN (?, ?, ?)", codes)
    con.execute("DETACH wh_legacy")


@contextlib.contextmanager
def _writer_lock(path: Path) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def write(path: Path, fill: Callable[[duckdb.DuckDBPyConnection], Any], *, fresh: bool = False) -> Any:
    """Apply ``fill`` to a copy of the warehouse and swap it in atomically; return fill's result.

    ``fill`` gets an in-memory connection with the new main file attached as the current
    database ``wh`` and the partitions read-only, ``absence`` and ``pupil_periods`` readable as
    views; it changes them through ``replace_absence``, ``delete_absence`` and
    ``refresh_pupil_periods`` (which copy only the touched school years' files).
    ``fresh=True`` starts from an empty warehouse instead of a copy of the live main file. If
    ``fill`` raises, the live files are untouched and the exception propagates.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with _writer_lock(path):
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        # partition files of a failed write (the live ones stay, also for a fresh write: readers
        # may attach them until the new main file is swapped in)
        _collect_garbage(path)
        con = duckdb.connect(":memory:")
        try:
            legacy = False
            if not fresh and path.exists():
                con.execute(f"ATTACH '{sql_string(path)}' AS wh_live (READ_ONLY)")
                legacy = not _is_partitioned(con, "wh_live")
                con.execute("DETACH wh_live")
            if fresh or legacy or not path.exists():
                con.execute(f"ATTACH '{sql_string(tmp)}' AS wh")
                _use(con)
                create_schema(con)
                _create_views(con, [])
                if legacy:
                    _migrate(con, path)
            else:
                shutil.copyfile(path, tmp)
                con.execute(f"ATTACH '{sql_string(tmp)}' AS wh")
                _attach_partitions(con, path)
            result = fill(con)
            _derive(con)
            written = [r[0] for r in con.execute(
                "SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'wh\\_%' ESCAPE '\\' "
                "AND NOT readonly AND database_name <> 'wh_none'").fetchall()]
            for alias in written:
                con.execute(f"CHECKPOINT {alias}")
            con.execute("CHECKPOINT wh")
            new_parts = [parts_dir(path) / f for (f,) in con.execute(
                "SELECT file FROM wh.main.partitions WHERE school_year IN (SELECT unnest(?::INTEGER[]))",
                [[int(a.removeprefix("wh_")) for a in written]]).fetchall()]
        except BaseException:
            con.close()
            tmp.unlink(missing_ok=True)
            _collect_garbage(path)  # the new partition files of this write
            raise
        con.close()
        # fsync so that a crash right after the rename cannot leave an empty file behind it; the
        # partitions first, as the main file that lists them makes them live.
        for f in new_parts:
            _fsync(f)
        _fsync(tmp)
        os.replace(tmp, path)
        _collect_garbage(path)
    return result


# Retention: the pupil-level rows of the main file and when a row is old enough to go (its date
# before the cutoff). Absence and pupil_periods go with their school years' partition files.
RETENTION_KEEP = {
    "reports": "received_date >= ?",
    "interventions": "end_date IS NULL OR end_date >= ?",  # an intervention still active is kept
}


def delete_before(path: Path, cutoff: date) -> dict[str, int]:
    """Retention (gallring): the warehouse without the pupil-level rows dated before ``cutoff``
    (the first day of a school year): the partition files of the earlier school years (absence and
    the pupil sums derived from it), concern reports received before it and interventions that
    ended before it. Written as a new main file from the kept rows (never a DELETE in a copy, whose
    free pages would still hold the old rows), swapped in atomically like every write; the dropped
    partition files are deleted after the swap, and the precomputed views are computed again (the
    write's ``on_write`` hooks). Returns the rows deleted per table."""
    path = Path(path)
    if (cutoff.month, cutoff.day) != (7, 1):
        raise ValueError(f"gallringsgränsen ska vara början av ett läsår (1 juli), inte {cutoff}")
    first_kept = school_year(cutoff)
    if files(path) == [path]:  # a file from before partitions: split it first (its first write)
        write(path, lambda con: None)

    def fill(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        con.execute(f"ATTACH '{sql_string(path)}' AS wh_live (READ_ONLY)")
        deleted: dict[str, int] = {}
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh_live' "
                                    "AND schema_name = 'main' ORDER BY table_name").fetchall():
            if table in ("partitions", "precomputed"):
                continue
            if table == "meta":
                con.execute("INSERT INTO wh.main.meta SELECT * FROM wh_live.main.meta WHERE key NOT IN "
                            "('schema_version', 'retention_cutoff', 'retention_at')")
                continue
            keep = RETENTION_KEEP.get(table)
            # a table another module creates when first needed (external_figures) has its shape copied
            con.execute(f"CREATE TABLE IF NOT EXISTS wh.main.{table} AS SELECT * FROM wh_live.main.{table} LIMIT 0")
            con.execute(f"INSERT INTO wh.main.{table} BY NAME SELECT * FROM wh_live.main.{table}"
                        + (f" WHERE {keep}" if keep else ""), [cutoff] if keep else [])
            if keep:
                before = con.execute(f"SELECT count(*) FROM wh_live.main.{table}").fetchall()[0][0]
                deleted[table] = before - con.execute(f"SELECT count(*) FROM wh.main.{table}").fetchall()[0][0]
        deleted["absence"] = deleted["pupil_periods"] = 0
        kept = []
        for year, file in con.execute("SELECT school_year, file FROM wh_live.main.partitions "
                                      "ORDER BY school_year").fetchall():
            con.execute(f"ATTACH '{sql_string(parts_dir(path) / file)}' AS {_alias(year)} (READ_ONLY)")
            if year >= first_kept:
                con.execute("INSERT INTO wh.main.partitions VALUES (?, ?)", [year, file])
                kept.append(year)
                continue
            for table in PARTITIONED:
                deleted[table] += con.execute(f"SELECT count(*) FROM {_alias(year)}.main.{table}").fetchall()[0][0]
            con.execute(f"DETACH {_alias(year)}")
        con.execute("DETACH wh_live")
        con.executemany("INSERT INTO wh.main.meta VALUES (?, ?)", [
            ("retention_cutoff", cutoff.isoformat()),
            ("retention_at", datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"))])
        _create_views(con, kept)
        return deleted

    return write(path, fill, fresh=True)


def _collect_garbage(path: Path) -> None:
    """Delete partition files the live main file does not list (superseded by a write, or left by
    a failed one; all when there is no live file). Under the writer
    lock. A reader that still has a deleted file attached keeps reading it (POSIX semantics);
    one that has not attached it yet re-reads the main file (``Warehouse._connection``)."""
    folder = parts_dir(path)
    if not folder.exists():
        return
    keep = {f.name for f in files(path)[1:]} if path.exists() else set()
    for f in folder.iterdir():
        if f.name.removesuffix(".wal") not in keep:
            f.unlink(missing_ok=True)


class Warehouse:
    """Read-only access to the live warehouse file, re-attached after every atomic swap.

    One in-memory DuckDB connection per file identity; every query runs on its own cursor, so the
    object is safe to share between threads (Streamlit sessions, fragments).
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._tables: dict[tuple[int, int, int], set[str]] = {}
        self._memo: dict[tuple[int, int, int], dict[str, Any]] = {}

    def _identity(self) -> tuple[int, int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise WarehouseMissing(f"Databasen {self.path} finns inte.") from None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _connection(self) -> duckdb.DuckDBPyConnection:
        stamp = self._identity()
        with self._lock:
            if stamp != self._stamp or self._con is None:
                for attempt in range(5):
                    con = duckdb.connect(":memory:")
                    try:
                        attach(con, self.path)
                        break
                    except duckdb.IOException as exc:
                        # A writer swapped the main file and deleted the partitions it listed
                        # between our reading it and attaching them: read the new one.
                        con.close()
                        if attempt == 4:
                            raise WarehouseMissing(
                                f"Databasen {self.path} pekar på en läsårsfil som saknas i {parts_dir(self.path)}. "
                                "Återställ databasen och mappen från säkerhetskopian (DEPLOY.md).") from exc
                        stamp = self._identity()
                # The previous connection is dropped, not closed: a query still running on one
                # of its cursors in another thread finishes on the old files.
                self._con, self._stamp = con, stamp
            return self._con

    _catalog = "wh"  # the name the served file is attached under

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._connection().cursor()
        _use(cur, self._catalog)
        return cur

    @property
    def version(self) -> tuple[int, int, int]:
        """Identity of the file currently served; changes after every swap (a cache key)."""
        return self._identity()

    def sql(self, query: str, params: list[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        cur = self.cursor()
        try:
            return cur.sql(query, params=params).pl()
        finally:
            cur.close()

    def fetchone(self, query: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
        cur = self.cursor()
        try:
            return cur.execute(query, params or []).fetchone()
        finally:
            cur.close()

    def has_table(self, name: str) -> bool:
        """Whether the served file has a table (older warehouses may lack derived tables)."""
        stamp = self._identity()
        cached = self._tables.get(stamp)
        if cached is None:
            cached = set(self.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
                                  "UNION SELECT view_name FROM duckdb_views() WHERE database_name = 'memory' "
                                  "AND NOT internal", [self._catalog])["table_name"])
            self._tables = {stamp: cached}
        return name in cached

    def source(self, table: str, years: Iterable[int]) -> str:
        """SQL for a partitioned ``table`` (absence, pupil_periods) with only the rows of the school
        years ``years`` (autumn years), read from their own files: a query about one school year
        never scans the others (the view reads every file; its row groups mix periods, so a filter
        on the period prunes little). ``source('pupil_periods', [2022])`` ->
        ``(SELECT * FROM wh_2022.main.pupil_periods)``. A warehouse from before partitions
        (schema 2) gives the table itself."""
        stored = self.memo("partition_years", lambda: frozenset(
            r[0] for r in self.sql("SELECT school_year FROM partitions").rows()) if self.has_table("partitions") else None)
        if stored is None:
            return table
        wanted = sorted(set(years) & stored)
        if not wanted:
            return f"(SELECT * FROM {table} WHERE false)"
        return "(" + " UNION ALL ".join(f"SELECT * FROM {_alias(y)}.main.{table}" for y in wanted) + ")"

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per served file (recomputed after a swap): for facts about the whole
        file that many queries need, e.g. each source's first and last date."""
        stamp = self._identity()
        if stamp not in self._memo:
            self._memo = {stamp: {}}  # only the served file's facts are kept
        per_file = self._memo[stamp]
        if key not in per_file:
            per_file[key] = compute()
        return per_file[key]

    def meta(self) -> dict[str, str]:
        """The file's meta table, with ``is_demo`` as the import ledger says (``provenance``): a
        demo that received an import is no longer labelled fictional."""
        df = self.sql("SELECT key, value FROM meta")
        meta = dict(zip(df["key"].to_list(), df["value"].to_list(), strict=True))
        demo = self.provenance() == "demo"
        if meta.get("is_demo") == "1" and not demo:
            meta.update(dataset_label=MIXED_LABEL, municipality="", built_as_demo="1")
        meta["is_demo"] = "1" if demo else "0"
        return meta

    def provenance(self) -> str:
        """'demo', 'real' or 'empty' (``provenance``), once per served file."""
        return self.memo("provenance", lambda: provenance(self))


class WritingWarehouse(Warehouse):
    """The file being written, read through the writer's own connection: for what is derived
    inside a write (``on_write``) with the same engine code the dashboard runs. Cursors see every
    statement the writer has run so far; the file's identity is constant for this object."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | str = "(under skrivning)"):
        super().__init__(path)
        self._con = con
        self._catalog = con.execute("SELECT current_database()").fetchone()[0]

    def _identity(self) -> tuple[int, int, int]:
        return (0, 0, 0)

    def _connection(self) -> duckdb.DuckDBPyConnection:
        return self._con


def sql_string(path: Path) -> str:
    """A path as the inside of a SQL string literal (quotes doubled)."""
    return str(path).replace("'", "''")
