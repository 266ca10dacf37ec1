"""Retention (gallring) of pupil-level rows: what goes, what stays and why (``cli.py retention``).

The setting ``SAMVERKAN_RETENTION_YEARS`` (N) keeps the school year in progress and the N school
years before it; older pupil-level rows are deleted (``warehouse.delete_before``): the monthly
absence rows and the pupil sums derived from them (whole school years: one partition file each),
concern reports received before the cutoff and interventions that ended before it.

The goal file still needs its baselines: a goal's status compares with its baseline school year,
and whether it is on track is projected from every school year since the baseline. So the cutoff
never passes the earliest baseline school year of any goal or part: what the setting alone would
delete from that year on is kept, and the plan says which goal keeps it. Aggregates (population),
the school register and the import ledger (file names, masked) hold no pupil rows and stay.

``data`` does not read the goal file: the caller passes the baselines (goal id -> school year).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from data import warehouse
from data.domain import numbers, periods
from data.warehouse import Warehouse

TABLE_LABELS = {"absence": "frånvaro per elev och månad", "pupil_periods": "frånvaro summerad per elev och period",
                "reports": "orosanmälningar", "interventions": "insatser"}


def _school_year_start(code: str) -> date:
    """'2022/23' -> 2022-07-01."""
    return periods.parse(code).start


def _school_year_code(start: date) -> str:
    """2022-07-01 -> '2022/23' (the school year starting in that calendar year)."""
    return periods.school_year_code(start.year)


def configured_cutoff(years: int, today: date) -> date:
    """The first day of the oldest school year the setting keeps: the current one and ``years``
    before it. 2026-12-03 with 5 -> 2021-07-01 (keeps 2021/22 to 2026/27)."""
    if years < 0:
        raise ValueError("gallringstiden kan inte vara negativ")
    return date(warehouse.school_year(today) - years, 7, 1)


@dataclass(frozen=True)
class Plan:
    years: int  # the setting
    configured: date  # the cutoff the setting alone gives
    cutoff: date  # the cutoff used: rows dated before it are deleted
    kept_for: dict[str, str]  # goal id -> baseline school year, for the baselines older than the setting's cutoff
    counts: dict[str, int] = field(default_factory=dict)  # rows that go, per table

    def lines(self) -> list[str]:
        """What the command prints before it deletes anything (Swedish)."""
        out = [f"Gallringstid: det pågående läsåret och {self.years} läsår före det "
               f"(SAMVERKAN_RETENTION_YEARS) ger gränsen {self.configured.isoformat()}."]
        if self.kept_for:
            goals = ", ".join(f"{g} (basår {b})" for g, b in sorted(self.kept_for.items()))
            out.append(f"Behåller ändå från {self.cutoff.isoformat()} (läsåret {_school_year_code(self.cutoff)}): "
                       f"målfilen behöver basåren – {goals}. Status jämförs med basåret och bedömningen "
                       "'i fas' använder varje läsår från basåret.")
        gone = [f"{TABLE_LABELS[t]}: {numbers.integer(n)} rader" for t, n in self.counts.items() if n]
        out.append("Raderas (daterade före " + self.cutoff.isoformat() + "): " + ("; ".join(gone) if gone else
                                                                                 "inget"))
        out.append("Behålls: befolkningstal (inga elevuppgifter), skolregistret och importloggen (filnamn utan "
                   "personnummer). Förberäknade vyer räknas om.")
        return out


def plan(path: Path, years: int, baselines: dict[str, str], today: date | None = None) -> Plan:
    """What retention would delete from the warehouse at ``path``; changes nothing.
    ``baselines``: goal (or part) id -> its baseline school year ('2022/23')."""
    configured = configured_cutoff(years, today or date.today())
    starts = {g: _school_year_start(b) for g, b in baselines.items()}
    earliest = min(starts.values(), default=configured)
    cutoff = min(configured, earliest)
    kept_for = {g: baselines[g] for g, s in starts.items() if s < configured}
    wh = Warehouse(path)
    counts = {
        "absence": wh.fetchone("SELECT count(*) FROM absence WHERE month < ?", [cutoff])[0],
        "pupil_periods": wh.fetchone("SELECT count(*) FROM pupil_periods WHERE last_month < ?", [cutoff])[0],
        **{t: wh.fetchone(f"SELECT count(*) FROM {t} WHERE NOT ({keep})", [cutoff])[0]
           for t, keep in warehouse.RETENTION_KEEP.items()},
    }
    return Plan(years, configured, cutoff, kept_for, counts)


def apply(path: Path, p: Plan) -> dict[str, int]:
    """Delete what ``p`` says (``warehouse.delete_before``); the rows deleted per table."""
    return warehouse.delete_before(path, p.cutoff)
