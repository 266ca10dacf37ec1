"""``prepare``: a file read, validated and turned into a plan, with nothing changed.

It runs the steps in order (the ledger's check for the same file, the byte limits, the reader,
the separator, the columns, personnummer, the values, pseudonyms) and stops at the first step
that finds problems; a plan without problems carries the validated rows, their period, how far
the data reach and the rows each period gains and loses (``writing._changes``, the write's own
SQL). Kolada, SCB and CSN files go to ``data.external`` instead.

The seam: this is the one place that knows the order of the steps; each step is in its own module.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from data import external, personnummer, settings, warehouse
from data.importer.mapping import Mapping
from data.importer.reading import _cell_limits, check_limits, read_table, wrong_separator
from data.importer.results import Plan, _n, _problem
from data.importer.specs import KINDS, SPECS
from data.importer.validation import (
    _capped,
    _Collector,
    _known_schools,
    _map_columns,
    _pseudonymise,
    _scan_personal,
    _validate,
)
from data.importer.writing import _changes


def _period_of(kind: str, df: pl.DataFrame) -> str:
    """The file's period as text: '2024-09', '2024-08–2025-06', '2024' (schools: empty). An en
    dash, never '..', which the pages keep for a value that is not shown."""
    if kind in ("absence", "reports", "interventions"):
        column = {"absence": "month", "reports": "received_date", "interventions": "start_date"}[kind]
        months = df[column].dt.truncate("1mo").unique().dt.strftime("%Y-%m")
    elif kind == "population":
        ys = sorted(set(df["year"].to_list()))
        return (f"{ys[0]}" if len(ys) == 1 else f"{ys[0]}–{ys[-1]}") if ys else ""
    else:
        return ""
    ms = months.drop_nulls().unique().sort().to_list()
    if not ms:
        return ""
    return ms[0] if len(ms) == 1 else f"{ms[0]}–{ms[-1]}"


def prepare(kind: str, data: bytes, file_name: str, db: Path | None, mapping: Mapping | None = None,
            today: date | None = None) -> Plan:
    """Read and validate a file against the warehouse at ``db``; change nothing."""
    if kind not in KINDS:
        raise ValueError(f"Okänd typ '{kind}'. Välj en av: {', '.join(KINDS)}.")
    today = today or date.today()
    mapping = mapping or Mapping()
    digest = hashlib.sha256(data).hexdigest()
    file_name = personnummer.mask(file_name)  # the name is shown and stored in the ledger
    plan = Plan(kind=kind, file_name=file_name, file_hash=digest, rows=None)
    c = _Collector(file_name)
    if db is not None and Path(db).exists():
        seen = warehouse.Warehouse(db).fetchone(
            "SELECT count(*) FROM import_ledger WHERE kind = ? AND file_hash = ?", [kind, digest])[0]
        if seen:
            plan.already_imported = True
            return plan
    if kind in external.KINDS:
        return _prepare_external(plan, data, db)
    refused = check_limits(data)
    try:
        raw, _fmt = (None, "") if refused else read_table(data)
    except ValueError as exc:
        refused = [str(exc)]
    if not refused:
        refused = _cell_limits(raw)
    if refused:
        plan.problems = [_problem(file_name, None, None, "", text) for text in refused]
        plan.problem_total = len(refused)
        return plan
    other = wrong_separator(raw.columns, mapping)
    if other is not None:  # one plain sentence, not a missing-column error for every column
        plan.problems = [_problem(file_name, None, None, "", f"Kolumnerna i filen skiljs åt med {other}. Samverkan "
                                  "läser filer där kolumnerna skiljs åt med semikolon, komma eller tabb: spara "
                                  "filen som CSV med semikolon och ladda upp den igen.")]
        plan.problem_total = 1
        return plan
    if raw.height == 0:
        c.add(None, None, "", "filen innehåller inga datarader")
    raw = raw.with_columns(pl.int_range(2, raw.height + 2).alias("_line"))
    file_col = _map_columns(raw, kind, mapping, c)
    id_cols = {fc for name, fc in file_col.items() if next(s for s in SPECS[kind] if s.name == name).type == "id"}
    _scan_personal(raw, id_cols, c)
    if any(p.row == 1 or p.row is None for p in c.problems):
        # column problems: the rows cannot be checked meaningfully
        plan.problems, plan.problem_total = c.problems, c.total
        return plan
    schools = _known_schools(db)
    if kind == "schools":
        schools = pl.DataFrame(schema={"school_id": pl.String, "school_form": pl.String})
    typed = _validate(kind, raw, file_col, mapping, c, schools, today)
    versions = set()
    for name, fc in file_col.items():
        if name in ("pupil_id", "child_id"):
            typed, version = _pseudonymise(typed, name, c, fc)
            if version:
                versions.add(version)
    # header problems first, then by line; "ytterligare N rader" summaries last
    plan.problems = _capped(sorted(c.problems, key=lambda p: (p.row is None, p.row or 0)), c.total)
    plan.problem_total = c.total
    if c.problems:
        return plan
    plan.key_version = ",".join(sorted(versions)) or None
    plan.rows = typed.drop("_line")
    plan.period = _period_of(kind, plan.rows)
    plan.data_until = _data_until(kind, plan.rows)
    plan.changes = _changes(kind, plan.rows, db)
    return plan


def _prepare_external(plan: Plan, data: bytes, db: Path | None) -> Plan:
    """A Kolada, SCB or CSN file: parsed and validated by ``data.external``."""
    max_bytes = settings.import_limits()[0]
    if len(data) > max_bytes:
        plan.problems = [_problem(plan.file_name, None, None, f"{_n(len(data))} byte",
                                  f"filen är större än {_n(max_bytes)} byte (SAMVERKAN_IMPORT_MAX_MB)")]
        plan.problem_total = 1
        return plan
    rows, problems, total = external.parse(plan.kind, data, plan.file_name)
    if rows is None:
        plan.problems, plan.problem_total = list(problems), total
        return plan
    plan.rows, plan.period = rows, external.period_text(rows)
    con = duckdb.connect(":memory:")
    try:
        if db is not None and Path(db).exists():
            warehouse.attach(con, Path(db))
            plan.changes = external.changes(rows, con)
        else:
            plan.changes = external.changes(rows, None)
    finally:
        con.close()
    return plan


def _data_until(kind: str, df: pl.DataFrame) -> date | None:
    col = {"absence": "month", "reports": "received_date", "interventions": "start_date"}.get(kind)
    if col is None or df.height == 0:
        return None
    last = df[col].max()
    if kind == "absence":
        nxt = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)
    if kind == "interventions":
        ends = df["end_date"].drop_nulls()
        return max(last, ends.max()) if ends.len() else last
    return last
