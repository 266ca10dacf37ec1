"""``apply``: a validated plan written into the warehouse in one atomic swap, and recorded in the
import ledger; the rows a file supersedes per kind, the preview of that write (``_changes``), the
hooks run around every write (``on_apply``) and the ledger's reader.

The seam: this is the only part of the importer that changes the warehouse. The module is not
named ``apply.py``: ``data.importer.apply`` must stay the function, and a submodule of that name
would be shadowed by it (or shadow it) depending on the order of imports.
"""

from __future__ import annotations

import getpass
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from data import external, peers, personnummer, settings, warehouse
from data.importer.results import ImportRefused, Plan

# The rows already in the warehouse that a validated file ('_new') supersedes, per kind: a
# monthly extract's period is the set of months it covers.
_SUPERSEDED = {
    "schools": "school_id IN (SELECT school_id FROM _new)",
    "population": "year IN (SELECT DISTINCT year FROM _new)",
    "absence": "month IN (SELECT DISTINCT month FROM _new)",
    "reports": "report_id IN (SELECT report_id FROM _new) OR strftime(received_date, '%Y-%m') IN "
               "(SELECT DISTINCT strftime(received_date, '%Y-%m') FROM _new)",
    "interventions": "intervention_id IN (SELECT intervention_id FROM _new)",
}
_PERIOD_EXPR = {
    "schools": "'alla'", "population": "CAST(year AS VARCHAR)", "absence": "strftime(month, '%Y-%m')",
    "reports": "strftime(received_date, '%Y-%m')", "interventions": "strftime(start_date, '%Y-%m')",
}


def _insert_frame(kind: str, df: pl.DataFrame) -> pl.DataFrame:
    """The rows as the warehouse stores them (id columns renamed to keys)."""
    rename = {"pupil_id": "pupil_key", "child_id": "child_key"}
    return df.rename({k: v for k, v in rename.items() if k in df.columns})


def _changes(kind: str, df: pl.DataFrame, db: Path | None) -> pl.DataFrame:
    """Rows added and replaced per period, without writing (for the preview)."""
    new = _insert_frame(kind, df)
    con = duckdb.connect(":memory:")
    try:
        if db is not None and Path(db).exists():
            warehouse.attach(con, Path(db))
        else:
            con.execute("ATTACH ':memory:' AS wh")
            con.execute("USE wh")
            warehouse.create_schema(con, partitioned=False)
        con.register("_new", new)
        replaced = con.sql(f"SELECT {_PERIOD_EXPR[kind]} AS period, count(*) AS rows_replaced FROM {kind} "
                           f"WHERE {_SUPERSEDED[kind]} GROUP BY period").pl()
        added = con.sql(f"SELECT {_PERIOD_EXPR[kind]} AS period, count(*) AS rows_added FROM _new GROUP BY period").pl()
    finally:
        con.close()
    return (added.join(replaced, on="period", how="full", coalesce=True)
            .with_columns(pl.col("rows_added", "rows_replaced").fill_null(0).cast(pl.Int64)).sort("period"))


@dataclass(frozen=True)
class Result:
    kind: str
    rows_added: int
    rows_replaced: int
    period: str
    already_imported: bool = False
    notices: tuple[str, ...] = ()  # what the hooks did after the write (Swedish), e.g. a brief sent


log = logging.getLogger("samverkan.import")

# Run around every import that writes (see ``on_apply``): ``hook(db)`` before the write returns
# ``after(result)``, called once the write succeeded, which returns a notice or None.
_APPLY_HOOKS: list[Callable[[Path], Callable[[Result], str | None]]] = []


def on_apply(hook: Callable[[Path], Callable[[Result], str | None]]) -> None:
    """Register a hook around every import from now on in this process (``data`` cannot import
    what builds and mails the brief; ``ui.mailing.install()`` registers itself here). A hook
    never fails an import: an error in it is logged and the data stay imported."""
    if hook not in _APPLY_HOOKS:
        _APPLY_HOOKS.append(hook)


def _run_hooks(afters: list, result: Result) -> Result:
    notices = []
    for after in afters:
        try:
            text = after(result)
        except Exception as exc:  # the import itself succeeded
            log.warning("after-import hook failed (%s: %s)", type(exc).__name__, personnummer.mask(str(exc))[:300])
            continue
        if text:
            notices.append(text)
    return Result(result.kind, result.rows_added, result.rows_replaced, result.period, notices=tuple(notices))


def apply(plan: Plan, db: Path, user: str | None = None) -> Result:
    """Write a validated plan into the warehouse in one atomic swap and record it in the ledger."""
    if plan.already_imported:
        return Result(plan.kind, 0, 0, plan.period, already_imported=True)
    if plan.problems or plan.rows is None:
        raise ImportRefused("Filen har fel och kan inte importeras.")
    new = _insert_frame(plan.kind, plan.rows)
    cols = ", ".join(new.columns)
    now = datetime.now(UTC).replace(tzinfo=None)
    who = personnummer.mask(user or current_user())  # a name field can hold anything

    def fill(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
        # Idempotent under races: the ledger is checked again inside the writer lock.
        # (fetchall: DuckDB 2.0 refuses new work while a result is only partly fetched)
        if con.execute("SELECT count(*) FROM import_ledger WHERE kind = ? AND file_hash = ?",
                       [plan.kind, plan.file_hash]).fetchall()[0][0]:
            return -1, 0
        con.register("_new", new)
        if plan.kind in external.KINDS:
            replaced = external.write(con, plan.rows, plan.file_name)
            if plan.kind == "scb":
                _scb_total_population(con, plan.rows)
        elif plan.kind == "absence":  # rewrites only the school years the file covers
            replaced = warehouse.replace_absence(con, new)
            warehouse.refresh_pupil_periods(con, new["month"].unique().to_list())
        else:
            replaced = con.execute(f"DELETE FROM {plan.kind} WHERE {_SUPERSEDED[plan.kind]}").fetchall()[0][0]
            con.execute(f"INSERT INTO {plan.kind} ({cols}) SELECT {cols} FROM _new")
        if plan.kind == "schools" and con.execute("SELECT count(*) FROM absence").fetchall()[0][0]:
            warehouse.refresh_pupil_periods(con)  # a school's form may have changed
        con.execute(
            "INSERT INTO import_ledger (import_id, kind, source, file_name, file_hash, period, rows_added, "
            "rows_replaced, rows_rejected, data_until, imported_by, key_version, imported_at) "
            "VALUES (?, ?, 'import', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
            [uuid.uuid4().hex, plan.kind, plan.file_name, plan.file_hash, plan.period, new.height, replaced,
             plan.data_until, who, plan.key_version, now])
        con.unregister("_new")
        return new.height, replaced

    afters = []
    for hook in _APPLY_HOOKS:
        try:
            afters.append(hook(Path(db)))
        except Exception as exc:
            log.warning("before-import hook failed (%s: %s)", type(exc).__name__, personnummer.mask(str(exc))[:300])
    added, replaced = warehouse.write(Path(db), fill)
    if added < 0:
        return Result(plan.kind, 0, 0, plan.period, already_imported=True)
    return _run_hooks(afters, Result(plan.kind, added, replaced, plan.period))


def _scb_total_population(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> None:
    """With ``scb_population_for_total: true`` in the comparison file, SCB's residents 0–20 of
    the municipality become the population table's total (the areas keep their rows)."""
    try:
        cfg = peers.load(settings.peers_path())
    except peers.PeersConfigError as exc:
        log.warning("SCB population not used for the total: %s", exc)
        return
    if cfg.scb_population_for_total:
        external.replace_total_population(con, external.population_rows(rows, cfg.municipality))


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers)
        return "okänd"


def ledger(db: Path) -> pl.DataFrame:
    """The import ledger, newest first."""
    return warehouse.Warehouse(db).sql(
        "SELECT imported_at, imported_by, kind, file_name, file_hash, period, rows_added, rows_replaced, "
        "rows_rejected, data_until, key_version, source FROM import_ledger ORDER BY imported_at DESC")
