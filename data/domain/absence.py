"""Absence bands: a pupil's total absence over a period as a share of scheduled time, in bands
whose bounds are exclusive below and inclusive above (exactly 15,0 % is in '0–15 %', because
high absence is *more than* 15 %).

The one home of the bands' bounds and labels: the engine assigns them with ``band_sql``, the
catalog's indicators test the thresholds with ``more_than_sql``, and charts and tables order
them by ``LABELS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HIGH = 15  # percent: high absence is more than this share of scheduled time
VERY_HIGH = 50  # percent: very high absence

# The label of a pupil with no scheduled time in the period (no share can be computed).
NO_SCHEDULE = "ingen schemalagd tid"


@dataclass(frozen=True)
class Band:
    above: int  # exclusive lower bound, percent of scheduled time (0: from 0 % inclusive)
    upto: int | None  # inclusive upper bound, percent; None: no upper bound

    @property
    def label(self) -> str:
        """'0–15 %', 'över 15–25 %', 'över 50 %' (the en dash and the space before % are Swedish)."""
        if self.upto is None:
            return f"över {self.above} %"
        return f"{'över ' if self.above else ''}{self.above}–{self.upto} %"


BANDS = (Band(0, HIGH), Band(HIGH, 25), Band(25, VERY_HIGH), Band(VERY_HIGH, None))
LABELS = tuple(b.label for b in BANDS)  # the bands in order, for charts and tables


def more_than_sql(percent: int, minutes: str = "absent", scheduled: str = "scheduled") -> str:
    """The SQL test 'more than ``percent`` % of scheduled time', in integers (no rounding):
    more_than_sql(15) -> 'absent * 100 > 15 * scheduled'."""
    return f"{minutes} * 100 > {percent} * {scheduled}"


def threshold_of(sql: str, minutes: str = "absent", scheduled: str = "scheduled") -> int | None:
    """The percent T of a condition ``more_than_sql`` wrote, else None:
    threshold_of('absent * 100 > 15 * scheduled') -> 15 (the inverse, beside the format it reads)."""
    m = re.fullmatch(rf"{re.escape(minutes)} \* 100 > (\d+) \* {re.escape(scheduled)}", sql.strip())
    return int(m[1]) if m else None


def band_sql(minutes: str = "absent", scheduled: str = "scheduled") -> str:
    """A SQL CASE giving each row's band label (``NO_SCHEDULE`` without scheduled time)."""
    whens = "".join(f"\n                WHEN {minutes} * 100 <= {b.upto} * {scheduled} THEN '{b.label}'"
                    for b in BANDS if b.upto is not None)
    return (f"CASE WHEN {scheduled} = 0 THEN '{NO_SCHEDULE}'{whens}"
            f"\n                ELSE '{BANDS[-1].label}' END")


def listed() -> str:
    """The bands as a Swedish list: '0–15 %, över 15–25 %, över 25–50 % eller över 50 %'."""
    return f"{', '.join(LABELS[:-1])} eller {LABELS[-1]}"
