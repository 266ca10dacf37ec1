"""Swedish numbers: the one home of how a number is written (Babel's Swedish patterns: a
no-break space between thousands, a decimal comma, and the true minus sign).

``ui.format`` writes every number on the pages, in the exports and on the command line with
these; ``data/`` uses them directly for its messages (an import's problems, a register's file
limits, retention's counts), since it may not import ``ui/``.
"""

from __future__ import annotations

from babel.numbers import format_decimal

LOCALE = "sv_SE"
MINUS = "\u2212"  # the true minus sign: Babel's Swedish patterns give the hyphen-minus


def minus(text: str) -> str:
    """Babel's hyphen-minus as the true minus sign: '-3' -> '−3'."""
    return text.replace("-", MINUS)


def integer(n: float | int) -> str:
    """12345 -> '12 345' (no-break space); -3 -> '−3'; 2.6 -> '3'."""
    return minus(format_decimal(round(n), "#,##0", locale=LOCALE))


def decimal(x: float, decimals: int = 1) -> str:
    """158.81 -> '158,8'; 12345.6 -> '12 345,6'."""
    return minus(format_decimal(x, "#,##0." + "0" * decimals, locale=LOCALE))
