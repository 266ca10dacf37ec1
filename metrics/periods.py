"""Periods for the metric layer: the period model lives in the domain layer
(``data.domain.periods``, below both ``data/`` and ``metrics/``, so that the warehouse and the
engine build the same codes); this module is its name for ``metrics`` code, pages and tests."""

from data.domain.periods import *  # noqa: F403 (the domain's names, re-exported)
from data.domain.periods import MONTHS_SV, MONTHS_SV_SHORT, Period, PeriodError  # noqa: F401 (explicit for readers)
