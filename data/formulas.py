"""Text that starts like a spreadsheet formula is kept as text in every CSV and Excel file we write.

OWASP's advice for CSV injection: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading ``'`` so that Excel and LibreOffice show it instead of running it.
Only text columns are touched: numbers (negative ones too) stay numbers.
"""

from __future__ import annotations

import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"


def neutralise(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with every text cell that could start a formula prefixed by ``'``.

    Example: '=HYPERLINK("http://x")' -> '\'=HYPERLINK("http://x")'; -3 (a number) stays -3."""
    text = [c for c, t in df.schema.items() if t == pl.String]
    return df.with_columns([
        pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text])
