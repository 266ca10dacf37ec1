"""What each kind of indicator is, in one table: how it aggregates, what its value is, what is
suppressed and rounded, how it is documented and whether a goal can be set on it.

The engine, suppression, the tables, METRICS.md and goal validation all read ``SPECS[kind]``;
no module branches on the kind itself. Adding a kind means adding one row here.

Example: a share of 120 pupils out of 1 000 aggregates as
``count(*) FILTER (WHERE den AND num)`` / ``count(*) FILTER (WHERE den)``, has the value 0.12
with a Wilson interval, hides a numerator of 1-4 or a denominator below 10, rounds both counts,
and can carry a goal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from metrics import stats


class Kind(StrEnum):
    SHARE = "share"
    COUNT = "count"
    RATE = "rate"
    MEAN = "mean"
    CHANGE = "change"


class Polarity(StrEnum):
    LOWER_BETTER = "lower_better"
    HIGHER_BETTER = "higher_better"
    NEUTRAL = "neutral"


POLARITY_TEXT = {Polarity.LOWER_BETTER: "lägre är bättre", Polarity.HIGHER_BETTER: "högre är bättre",
                 Polarity.NEUTRAL: "varken högre eller lägre är i sig bättre"}


def small(count: pl.Expr, minimum: int) -> pl.Expr:
    """True where 0 < count < minimum (zero is shown)."""
    return (count > 0) & (count < minimum)


_NUM, _DEN = pl.col("numerator"), pl.col("denominator")


def _share_value() -> list[pl.Expr]:
    low, high = stats.wilson_expr(_NUM, _DEN)
    return [pl.when(_DEN > 0).then(_NUM / _DEN).alias("value"), low.alias("ci_low"), high.alias("ci_high")]


def _plain(value: pl.Expr) -> Callable[[], list[pl.Expr]]:
    def build() -> list[pl.Expr]:
        none = pl.lit(None, pl.Float64)
        return [value.cast(pl.Float64).alias("value"), none.alias("ci_low"), none.alias("ci_high")]
    return build


@dataclass(frozen=True)
class KindSpec:
    """The behaviour of one kind. SQL fragments take the indicator's numerator and denominator
    conditions (``num``, ``den``); ``counted`` is what one unit is (``*`` or ``DISTINCT child_key``)."""
    noun: str  # Swedish, with its article: 'en andel'
    text: str  # how the value is computed, for METRICS.md and the definitions page
    numerator_sql: Callable[[str, str, str], str]
    denominator_sql: Callable[[str, str], str]  # 'NULL' when the denominator comes from elsewhere
    value: Callable[[], list[pl.Expr]]  # value, ci_low, ci_high from numerator and denominator
    # Primary suppression on the exact counts (thresholds: min_count, min_denominator).
    suppress: Callable[[int, int], pl.Expr]
    rounded: tuple[str, ...]  # the counts a reader could combine, rounded before publication
    value_from_rounded: bool  # True for every kind: a value computed on exact counts could give them back
    numerator_is_sum: bool  # a sum of days (float), not a count of units
    denominator_source: str  # 'query' | 'population' (residents) | 'previous_year' (same query a year earlier)
    goal_capable: bool  # a goal's target is a share of units: only shares carry goals
    table_counts: bool  # tables show numerator and denominator beside the value
    interval: bool  # a 95 % interval is published
    # the numerator counts within the denominator's cases (a share's pupils, a mean's days): beside
    # a denominator under the threshold it counts in sums at the shown cells' ratio (metrics.sums)
    numerator_within_denominator: bool = False


SPECS: dict[Kind, KindSpec] = {
    Kind.SHARE: KindSpec(
        noun="en andel",
        text="andel = täljare / nämnare, med 95 % Wilsonintervall",
        numerator_sql=lambda num, den, counted: f"count({counted}) FILTER (WHERE ({den}) AND ({num}))",
        denominator_sql=lambda den, counted: f"count({counted}) FILTER (WHERE {den})",
        value=_share_value,
        suppress=lambda c, d: small(_NUM, c) | small(_DEN, c) | small(_DEN, d),
        rounded=("numerator", "denominator"), value_from_rounded=True, numerator_is_sum=False,
        denominator_source="query", goal_capable=True, table_counts=True, interval=True,
        numerator_within_denominator=True),
    Kind.COUNT: KindSpec(
        noun="ett antal",
        text="antal (täljaren)",
        numerator_sql=lambda num, den, counted: f"count({counted}) FILTER (WHERE {num})",
        denominator_sql=lambda den, counted: "NULL::BIGINT",
        value=_plain(_NUM),
        suppress=lambda c, d: small(_NUM, c),
        rounded=("numerator",), value_from_rounded=True, numerator_is_sum=False,
        denominator_source="query", goal_capable=False, table_counts=False, interval=False),
    Kind.RATE: KindSpec(
        noun="ett antal per 1 000 invånare",
        text="täljare / nämnare × 1 000",
        numerator_sql=lambda num, den, counted: f"count({counted}) FILTER (WHERE {num})",
        denominator_sql=lambda den, counted: "NULL::BIGINT",
        value=_plain(pl.when(_DEN > 0).then(_NUM / _DEN * 1000)),
        # the denominator is the resident population (public statistics): only the count matters
        suppress=lambda c, d: small(_NUM, c),
        rounded=("numerator",), value_from_rounded=True, numerator_is_sum=False,
        denominator_source="population", goal_capable=False, table_counts=True, interval=False),
    Kind.MEAN: KindSpec(
        noun="ett medelvärde",
        text="medelvärde = täljare / nämnare",
        numerator_sql=lambda num, den, counted: f"sum({num}) FILTER (WHERE {den})::DOUBLE",
        denominator_sql=lambda den, counted: f"count({counted}) FILTER (WHERE {den})",
        value=_plain(pl.when(_DEN > 0).then(_NUM / _DEN)),
        # the numerator is a sum of days, not of children: only the number of cases matters
        suppress=lambda c, d: small(_DEN, d),
        # Both rounded, and the mean computed from them: an exact sum beside an exact mean gives
        # the exact number of cases (sum / mean), and across periods a hidden one (DISCLOSURE.md).
        rounded=("numerator", "denominator"), value_from_rounded=True, numerator_is_sum=True,
        denominator_source="query", goal_capable=False, table_counts=True, interval=False,
        numerator_within_denominator=True),
    Kind.CHANGE: KindSpec(
        noun="en förändring mot året innan",
        text="relativ förändring = täljare / nämnare − 1",
        numerator_sql=lambda num, den, counted: f"count({counted}) FILTER (WHERE {num})",
        denominator_sql=lambda den, counted: "NULL::BIGINT",
        value=_plain(pl.when(_DEN > 0).then(_NUM / _DEN - 1)),
        suppress=lambda c, d: small(_NUM, c) | small(_DEN, c),
        rounded=("numerator", "denominator"), value_from_rounded=True, numerator_is_sum=False,
        denominator_source="previous_year", goal_capable=False, table_counts=True, interval=False),
}
