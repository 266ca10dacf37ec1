"""The DuckDB warehouse: schema, atomic writes and a read-only reader that follows swaps.

Concurrency model (DuckDB 2.0, see STACK_NOTES.md): a file may be open read-write by one process
or read-only by many, never both. So nothing ever writes the live file in place:

* a writer takes an exclusive lock file, builds ``<db>.tmp`` (starting from a copy of the live
  file when it modifies data), CHECKPOINTs, closes it and ``os.replace``s it over the live file;
* a reader opens an in-memory connection and ``ATTACH``es the live file READ_ONLY; before each
  query it compares the file's identity (inode, mtime, size) and re-attaches after a swap.

A running dashboard therefore never sees a half-written state and never blocks a writer, and a
writer killed at any moment leaves the previous file untouched (only a stale ``.tmp`` remains,
which the next writer overwrites).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

SCHEMA_VERSION = "2"

SCHOOL_FORMS = ("forskola", "grundskola", "gymnasieskola")
OPERATORS = ("kommunal", "fristaende")
GENDERS = ("flicka", "pojke", "annat")
GRADES_GRUNDSKOLA = ("F", "1", "2", "3", "4", "5", "6", "7", "8", "9")
GRADES_GYMNASIESKOLA = ("1", "2", "3", "4")
REPORTER_CATEGORIES = (
    "skola",
    "forskola",
    "elevhalsa",
    "polis",
    "halso_och_sjukvard",
    "socialtjanst",
    "privatperson",
    "anonym",
    "annan",
)
# The school system's reporters (DOMAIN.md: school, preschool and school health).
SCHOOL_SYSTEM_REPORTERS = ("skola", "forskola", "elevhalsa")
DECISIONS = ("utredning_inleds", "utredning_inleds_ej", "pagaende_utredning", "ej_bedomd")
INTERVENTION_TYPES = (
    "skolsocialt_team",
    "skolfam",
    "starka",
    "tsi",
    "foraldraskapsstod",
    "narvaroteam",
    "sip",
    "utan_behovsprovning",
    "annan",
)
COMMITTEES = ("sn", "bun", "gemensam")


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
-- Absence summed per pupil and school form over each whole term ('HT2024', 'VT2025') and school
-- year ('2024/25'), derived from absence at every write (refresh_pupil_periods). School, grade and
-- gender are the pupil's in the latest month of the period. The metric engine reads it for those
-- periods instead of re-summing the monthly rows; months and date ranges use absence itself.
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

TABLES = ("meta", "schools", "population", "absence", "reports", "interventions", "pupil_periods",
          "precomputed", "import_ledger")

# Functions run at the end of every write, on the new file before it is swapped in (see
# ``on_write``): derived aggregates that must never be older than the data they come from.
_DERIVERS: list[Callable[[duckdb.DuckDBPyConnection], object]] = []

# The term and the school year a month belongs to (terms: HT = July-December, VT = January-June).
_TERM = "CASE WHEN month(a.month) >= 7 THEN 'HT' ELSE 'VT' END || year(a.month)"
_SCHOOL_YEAR = ("(year(a.month) - (month(a.month) < 7)::INT)::VARCHAR || '/' || "
                "lpad(((year(a.month) - (month(a.month) < 7)::INT + 1) % 100)::VARCHAR, 2, '0')")


# Which school, school form, grade and gender a pupil belongs to in a period (the school-move
# rule, METRICS.md): those of the latest month with absence rows; within that month the school
# with the most scheduled minutes; on a tie the highest school id. A pupil is one unit per period,
# so totals over school forms count distinct pupils. Used over ``absence a JOIN schools s``.
PUPIL_PICK = ("arg_max({'school_form': s.school_form, 'school': a.school_id, 'grade': a.grade, "
              "'gender': a.gender}, {'month': a.month, 'scheduled': a.scheduled_minutes, 'id': a.school_id})")


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


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def refresh_pupil_periods(con: duckdb.DuckDBPyConnection, months: list | None = None) -> None:
    """Rebuild pupil_periods for the terms and school years that contain ``months`` (all when
    None). Called inside a write, after absence or schools changed.

    Terms are summed from the monthly rows; school years from their two terms (the attributes
    of the term with the later last month win, as in the engine's raw path)."""
    if months is not None and not months:
        return
    if months is None:
        con.execute("CREATE OR REPLACE TEMP TABLE _touched AS SELECT DISTINCT month FROM absence")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _touched AS SELECT DISTINCT unnest(?::DATE[]) AS month",
                    [list(months)])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _touched_periods AS
        SELECT DISTINCT year(a.month) AS y, month(a.month) >= 7 AS autumn,
               {_TERM} AS term, {_SCHOOL_YEAR} AS school_year FROM _touched a""")
    con.execute("DELETE FROM pupil_periods WHERE period IN (SELECT term FROM _touched_periods) "
                "OR period IN (SELECT school_year FROM _touched_periods)")
    # The first and last month of the touched terms, as constants: DuckDB then skips the row
    # groups of other months (the join below alone would read every monthly row; 155 million at
    # ×10 for a one-month extract). Months outside the bounds cannot match the join anyway.
    first, last = con.execute(
        "SELECT min(make_date(year(month), CASE WHEN month(month) >= 7 THEN 7 ELSE 1 END, 1)), "
        "max(make_date(year(month), CASE WHEN month(month) >= 7 THEN 12 ELSE 6 END, 1)) FROM _touched").fetchall()[0]
    if first is None:
        return
    # Grouped on integers (year, autumn); the label is made once per group, not once per row.
    con.execute(f"""
        INSERT INTO pupil_periods
        SELECT CASE WHEN autumn THEN 'HT' ELSE 'VT' END || y, pupil_key, pick.school_form, pick.school,
               pick.grade, pick.gender, scheduled, absent, invalid, n_invalid, n_months, last_month
        FROM (
            SELECT year(a.month) AS y, month(a.month) >= 7 AS autumn, a.pupil_key,
                   {PUPIL_PICK} AS pick,
                   sum(a.scheduled_minutes) AS scheduled, sum(a.absent_minutes) AS absent,
                   sum(a.invalid_absent_minutes) AS invalid, count(a.invalid_absent_minutes) AS n_invalid,
                   count(*) AS n_months, max(a.month) AS last_month
            FROM absence a
            JOIN schools s ON s.school_id = a.school_id
            JOIN (SELECT DISTINCT y, autumn FROM _touched_periods) t
              ON t.y = year(a.month) AND t.autumn = (month(a.month) >= 7)
            WHERE a.month BETWEEN ? AND ?
            GROUP BY ALL
        )""", [first, last])
    # a term's school year: HT2024 and VT2025 -> 2024/25; the later term's school, form, grade
    # and gender win (its last month is the school year's last month: the same rule as PUPIL_PICK)
    school_year_of_term = ("(CAST(substr(period, 3) AS INTEGER) - (period LIKE 'VT%')::INT)::VARCHAR || '/' || "
                           "lpad(((CAST(substr(period, 3) AS INTEGER) - (period LIKE 'VT%')::INT + 1) % 100)::VARCHAR, 2, '0')")
    # the two terms of each touched school year, as constants (HT2026 and VT2027 for 2026/27), so
    # that only their rows are read, not every stored term and school year
    years = [r[0] for r in con.execute("SELECT DISTINCT y - (NOT autumn)::INT FROM _touched_periods").fetchall()]
    terms = ", ".join(f"'HT{int(y)}', 'VT{int(y) + 1}'" for y in years)
    con.execute(f"""
        INSERT INTO pupil_periods
        SELECT sy, pupil_key, pick.school_form, pick.school, pick.grade, pick.gender, scheduled, absent,
               invalid, n_invalid, n_months, last_month
        FROM (
            SELECT {school_year_of_term} AS sy, pupil_key,
                   arg_max({{'school_form': school_form, 'school': school, 'grade': grade, 'gender': gender}},
                           last_month) AS pick,
                   sum(scheduled) AS scheduled, sum(absent) AS absent, sum(invalid) AS invalid,
                   sum(n_invalid) AS n_invalid, sum(n_months) AS n_months, max(last_month) AS last_month
            FROM pupil_periods
            WHERE period IN ({terms})
              AND {school_year_of_term} IN (SELECT school_year FROM _touched_periods)
            GROUP BY ALL
        )""")


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


def write(path: Path, fill: Callable[[duckdb.DuckDBPyConnection], Any], *, fresh: bool = False) -> Any:
    """Apply ``fill`` to a copy of the warehouse and swap it in atomically; return fill's result.

    ``fresh=True`` starts from an empty warehouse with the schema instead of a copy of the live
    file. If ``fill`` raises, the live file is untouched and the exception propagates.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with _writer_lock(path):
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if fresh or not path.exists():
            con = duckdb.connect(str(tmp))
            create_schema(con)
        else:
            shutil.copyfile(path, tmp)
            con = duckdb.connect(str(tmp))
        try:
            result = fill(con)
            _derive(con)
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            tmp.unlink(missing_ok=True)
            raise
        con.close()
        # fsync so that a crash right after the rename cannot leave an empty file behind it.
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    return result


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
                con = duckdb.connect(":memory:")
                con.execute(f"ATTACH '{sql_string(self.path)}' AS wh (READ_ONLY)")
                # The previous connection is dropped, not closed: a query still running on one
                # of its cursors in another thread finishes on the old file.
                self._con, self._stamp = con, stamp
            return self._con

    _catalog = "wh"  # the name the served file is attached under

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._connection().cursor()
        cur.execute('USE "' + self._catalog.replace('"', '""') + '"')
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
            cached = set(self.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = ?",
                                  [self._catalog])["table_name"])
            self._tables = {stamp: cached}
        return name in cached

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
        df = self.sql("SELECT key, value FROM meta")
        return dict(zip(df["key"].to_list(), df["value"].to_list(), strict=True))


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
