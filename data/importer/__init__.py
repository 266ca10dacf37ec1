"""Validated, atomic, idempotent import of extracts from the school and social-services systems.

    plan = prepare(kind, data, file_name, warehouse_path, mapping)   # reads and validates
    if plan.problems: show them – nothing has changed
    else: apply(plan, warehouse_path)                                  # one atomic swap

* Files: CSV (UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252; comma, semicolon or
  tab separated; decimal comma or point) and .xlsx. Bytes that are invalid in the detected
  encoding are an error, never decoded silently.
* Validation collects every problem – file, row, column, what was found (masked when it may be
  personal) and what is expected – before anything is written.
* Personnummer in the id columns are normalised and replaced by a keyed pseudonym; one anywhere
  else rejects the file. No message contains a raw number.
* The warehouse is replaced atomically (data.warehouse.write): either exactly as before or fully
  updated. The same file twice changes nothing; a corrected file for a period replaces that
  period's rows.

The package, one module per step, each depending only on those above it:

* ``specs``: what each kind of file must hold (columns, aliases, codes, ranges, keys);
* ``results``: what an import says back (``Problem``, ``Plan``, ``ImportRefused``);
* ``mapping``: a municipality's own column names and code spellings (``Mapping``);
* ``reading``: bytes to a table of strings, the byte limits, and the kind of file (``detect_kind``);
* ``validation``: every problem with file, row and column, and the pseudonyms;
* ``writing``: ``apply``, the write and the ledger, and the preview of the write;
* ``plan``: ``prepare``, the steps in order.

Callers use ``data.importer`` only: every name below is re-exported here, so that
``importer.prepare``, ``importer.Mapping`` and the rest are where they always were.
"""

from __future__ import annotations

# ``importer.warehouse`` has always been reachable (a test reads the warehouse through it)
from data import warehouse  # noqa: F401
from data.importer.mapping import MAX_MAPPING_BYTES, Mapping
from data.importer.plan import prepare
from data.importer.reading import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_HEADER_BYTES,
    MAX_LINE_BYTES,
    MAX_XLSX_RATIO,
    OTHER_SEPARATORS,
    check_limits,
    decode,
    detect_kind,
    header_columns,
    read_table,
    wrong_separator,
)
from data.importer.results import ImportRefused, Plan, Problem
from data.importer.specs import (
    CODE_ALIASES,
    FALSE_WORDS,
    INT_RANGES,
    KEYS,
    KIND_LABELS,
    KINDS,
    SPECS,
    TRUE_WORDS,
    Column,
    fold,
)
from data.importer.validation import MAX_PROBLEMS_PER_CHECK, MIN_CANDIDATE_CHARS
from data.importer.writing import Result, apply, current_user, ledger, on_apply

# Private helpers the tests exercise on their own (the parsers against their native fast path,
# the personnummer prefilter).
from data.importer.validation import (  # noqa: F401  isort: skip
    _by_distinct,
    _maybe_personal,
    _native,
    _parse_date,
    _parse_int,
    _parse_month,
)

# Problems listed in all; the rest are counted in one closing line. Defined here, not in
# ``validation``, because this is the name it has always been set by (a test lowers it with
# monkeypatch); ``validation._capped`` reads it from here at each call.
MAX_PROBLEMS = 200

__all__ = [
    "CODE_ALIASES", "FALSE_WORDS", "INT_RANGES", "KEYS", "KINDS", "KIND_LABELS", "MAX_CELL_CHARS",
    "MAX_COLUMNS", "MAX_HEADER_BYTES", "MAX_LINE_BYTES", "MAX_MAPPING_BYTES", "MAX_PROBLEMS",
    "MAX_PROBLEMS_PER_CHECK", "MAX_XLSX_RATIO", "MIN_CANDIDATE_CHARS", "OTHER_SEPARATORS", "SPECS",
    "TRUE_WORDS", "Column", "ImportRefused", "Mapping", "Plan", "Problem", "Result", "apply",
    "check_limits", "current_user", "decode", "detect_kind", "fold", "header_columns", "ledger",
    "on_apply", "prepare", "read_table", "wrong_separator",
]
