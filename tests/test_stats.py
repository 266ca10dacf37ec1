"""Interval statistics against published values and independent approximations."""

import math

import pytest

from metrics import stats


def test_wilson_published_values():
    # Newcombe (1998), Table I: 81/263 -> 0.2553 to 0.3662; 0/10 -> 0 to 0.2775
    low, high = stats.wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    low, high = stats.wilson(0, 10)
    assert low == 0 and round(high, 4) == 0.2775
    assert stats.wilson(0, 0) is None


def test_newcombe_difference_published_example():
    # Newcombe (1998), method 10, example (a): 56/70 - 48/80 = 0.2000, CI 0.0524 to 0.3339
    low, high = stats.newcombe_difference(48, 80, 56, 70)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_mover_ratio_agrees_with_log_method_on_large_samples():
    k1, n1, k2, n2 = 4200, 10000, 3510, 10000
    low, high = stats.mover_ratio(k1, n1, k2, n2)
    p1, p2 = k1 / n1, k2 / n2
    se = math.sqrt((1 - p1) / k1 + (1 - p2) / k2)
    r = p2 / p1
    assert low == pytest.approx(r * math.exp(-stats.Z95 * se), rel=2e-3)
    assert high == pytest.approx(r * math.exp(stats.Z95 * se), rel=2e-3)
    assert low < r < high
    assert stats.mover_ratio(0, 10, 3, 10) is None  # no ratio to a zero baseline
