"""Goal attainment: baseline, current value, target, progress, status, significance, on-track.

* ``progress`` is the share of the required change achieved: 1.0 = exactly on target, 0.5 = half
  way, negative = the wrong direction. It is computed with exact fractions of the counts, so a
  fall of exactly 2.0 percentage points against a target of -2.0 is ``achieved``, not 0.9999.
* ``status``: ``achieved`` (progress >= 1), ``partly`` (progress >= the configured threshold,
  default 0.5), ``not_achieved``, or ``no_data`` (a value is missing or suppressed).
* ``significant``: whether the change from baseline is distinguishable from zero (95 % Newcombe
  interval for a difference of proportions; MOVER interval for a ratio for relative targets).
* ``on_track``: the school-year series from the baseline, projected linearly to the last school
  year of the mandate period, meets the target (the actual value once that year is complete).

A goal with parts is achieved only when every part is.

Comparison: school year against school year. While a school year is in progress, the latest
term so far is compared with the same months of the same term in the baseline year, and the
result says so in ``comparison_note``.

The package is cut at its seams: ``results`` (the result types), ``rules`` (pure rules on
counts and exact fractions), ``comparisons`` (which periods a goal compares) and ``evaluation``
(reading the engine's rows and putting it together). Callers keep saying ``attainment.X``.
"""

from metrics import engine, stats  # noqa: F401 (callers and tests reach them as attainment.engine, .stats)
from metrics.attainment.comparisons import (  # noqa: F401
    Comparison,
    _common_months,
    _series_years,
    check_period,
    comparison,
    goal_periods,
    in_progress,
    mandate_last_year,
    official_period,
)
from metrics.attainment.evaluation import (  # noqa: F401
    _combine,
    _evaluate_leaf,
    _incomplete,
    _measure,
    _no_status_yet,
    _preliminary,
    _Rows,
    evaluate_all,
    evaluate_goal,
)
from metrics.attainment.results import (  # noqa: F401
    NO_STATUS,
    STATUS_LABELS,
    GoalResult,
    Measure,
    Preliminary,
    flatten,
    frame,
)
from metrics.attainment.rules import (  # noqa: F401
    _STATUS_ORDER,
    MIN_YEARS_FOR_PROJECTION,
    _combined_status,
    _fraction,
    _on_track,
    children_gap,
    progress_of,
    significance,
    status_history,
    status_of,
    status_since,
    target_level,
)
