"""Interval statistics for proportions: Wilson score, Newcombe difference, MOVER ratio.

Scalar functions take counts and return ``(low, high)`` or ``None`` when undefined (zero
denominator). ``wilson_expr`` is the same Wilson interval as polars expressions, for frames.
"""

from __future__ import annotations

import math

import polars as pl

Z95 = 1.959963984540054  # two-sided 95 %


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for k successes out of n; None when n == 0."""
    if n <= 0:
        return None
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_expr(k: pl.Expr, n: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Wilson interval as (low, high) expressions; null where n is 0 or null."""
    nf = n.cast(pl.Float64)
    p = k.cast(pl.Float64) / nf
    z2 = z * z
    denom = 1 + z2 / nf
    centre = (p + z2 / (2 * nf)) / denom
    half = z * (p * (1 - p) / nf + z2 / (4 * nf * nf)).sqrt() / denom
    valid = n > 0
    low = pl.when(valid).then(pl.max_horizontal(pl.lit(0.0), centre - half))
    high = pl.when(valid).then(pl.min_horizontal(pl.lit(1.0), centre + half))
    return low, high


def newcombe_difference(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float] | None:
    """95 % interval for p2 - p1 (Newcombe 1998, method 10: hybrid score from Wilson limits).

    Example: baseline 140/1000, current 117/1000 -> an interval around -0.023.
    """
    w1, w2 = wilson(k1, n1, z), wilson(k2, n2, z)
    if w1 is None or w2 is None:
        return None
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = w1, w2
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return low, high


def mover_ratio(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float] | None:
    """95 % interval for the ratio p2 / p1 (MOVER-R, Donner & Zou 2012, with Wilson limits).

    The matching interval for a relative change: (p2 / p1 - 1) lies in (low - 1, high - 1).
    None when either share is undefined or the baseline share is 0.
    """
    w1, w2 = wilson(k1, n1, z), wilson(k2, n2, z)
    if w1 is None or w2 is None or k1 == 0:
        return None
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = w1, w2
    prod = p1 * p2
    # Lower limit: the numerator share at its lower limit, the denominator share at its upper.
    disc_low = prod**2 - l2 * u1 * (2 * p2 - l2) * (2 * p1 - u1)
    disc_high = prod**2 - u2 * l1 * (2 * p2 - u2) * (2 * p1 - l1)
    denom_low = u1 * (2 * p1 - u1)
    denom_high = l1 * (2 * p1 - l1)
    if disc_low < 0 or disc_high < 0 or denom_low <= 0 or denom_high <= 0:
        return None
    low = (prod - math.sqrt(disc_low)) / denom_low
    high = (prod + math.sqrt(disc_high)) / denom_high
    return max(0.0, low), high
