"""What an import says back: the problems found in a file, the plan made from it, and the
refusal to apply a plan with problems.

The seam: reading, validation, the plan and the write all produce or consume these, so they sit
below all four; ``Problem`` masks everything that comes from the file where it is made
(``_problem``), whichever step found it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from data import personnummer
from data.domain import numbers


def _n(x: float) -> str:
    """12345 -> '12 345' for messages."""
    return numbers.integer(x)


# --- results -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # line in the file (header = 1); None for the whole file
    column: str | None  # as named in the file
    found: str  # masked
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"rad {self.row}")
        if self.column is not None:
            where.append(f"kolumn '{self.column}'")
        found = f": {self.found}" if self.found else ""
        return f"{', '.join(where)}{found} – {self.expected}"


@dataclass
class Plan:
    kind: str
    file_name: str
    file_hash: str
    rows: pl.DataFrame | None  # canonical, validated, pseudonymised
    problems: list[Problem] = field(default_factory=list)
    problem_total: int = 0  # problems found, including those not listed
    already_imported: bool = False
    period: str = ""
    changes: pl.DataFrame | None = None  # per period: rows added and replaced
    key_version: str | None = None
    data_until: date | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.already_imported


class ImportRefused(Exception):
    """Raised by apply() for a plan with problems."""


def _problem(file: str, row: int | None, column: str | None, found: str, expected: str) -> Problem:
    """A problem with everything that comes from the file masked (column names, values)."""
    return Problem(personnummer.mask(file), row, personnummer.mask(column) if column is not None else None,
                   personnummer.mask(found), personnummer.mask(expected))
