"""Exports for analysts: data as Swedish CSV and Excel, charts as PNG/SVG, pages as HTML.

No streamlit here: every function returns bytes or text, so tests check the files themselves.
Exports contain exactly what the page shows: suppressed values stay empty, and every export
carries the explanation of '..'.
"""

from __future__ import annotations

import html
import io
import threading
import warnings
from datetime import datetime

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from data import formulas
from ui import format as fmt

_kaleido_lock = threading.Lock()
_kaleido_started = False


def csv_bytes(df: pl.DataFrame) -> bytes:
    """Swedish CSV: semicolon separator, decimal comma, UTF-8 with BOM (opens right in Excel)."""
    buf = io.BytesIO()
    formulas.neutralise(df).write_csv(buf, separator=";", decimal_comma=True, include_bom=True)
    return buf.getvalue()


def excel_bytes(df: pl.DataFrame, sheet: str = "Data", percent_columns: tuple[str, ...] = (),
                note: str = fmt.SUPPRESSED_NOTE) -> bytes:
    """An .xlsx with numbers kept numeric (shares formatted as 0.0 %) and the '..' note below."""
    buf = io.BytesIO()
    formats = {c: "0.0%" for c in percent_columns if c in df.columns}
    import xlsxwriter

    # text is never turned into a live formula or link, whatever it starts with
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(buf, options) as wb:
        formulas.neutralise(df).write_excel(wb, worksheet=sheet[:31], column_formats=formats, autofit=True)
        ws = wb.get_worksheet_by_name(sheet[:31])
        ws.write(df.height + 2, 0, "Tomma celler: " + note)
        if fmt.rounding_note():
            ws.write(df.height + 3, 0, fmt.rounding_note())
    return buf.getvalue()


def _ensure_kaleido() -> None:
    """One warm renderer per process: later images take ~0.2 s instead of ~3 s."""
    global _kaleido_started
    with _kaleido_lock:
        if not _kaleido_started:
            import kaleido

            kaleido.start_sync_server(silence_warnings=True)
            _kaleido_started = True


def image_bytes(fig: go.Figure, fmt_name: str, width: int = 1000, height: int = 550) -> bytes:
    """Render a figure on the server (kaleido with Debian's chromium): 'png' or 'svg'."""
    if fmt_name not in ("png", "svg"):
        raise ValueError(fmt_name)
    _ensure_kaleido()
    with _kaleido_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "kopts ignored when using a server"
        return pio.to_image(fig, format=fmt_name, width=width, height=height,
                            scale=2 if fmt_name == "png" else 1)


def html_report(title: str, subtitle: str, sections: list[dict]) -> str:
    """A self-contained HTML page (plotly.js inlined once; works offline).

    Each section: {"heading": str, "figure": go.Figure | None, "table": pl.DataFrame | None,
    "text": str | None}.
    """
    parts = [
        "<!DOCTYPE html><html lang='sv'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:'Source Sans Pro',Arial,sans-serif;max-width:1100px;margin:2em auto;"
        "color:#222}table{border-collapse:collapse;margin:.5em 0 2em}td,th{border:1px solid #ccc;"
        "padding:4px 8px;text-align:right}th{background:#f2f2f2}td:first-child,th:first-child"
        "{text-align:left}.note{color:#555;font-size:.9em}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p class='note'>{html.escape(subtitle)}</p>",
    ]
    plotlyjs_done = False
    for s in sections:
        parts.append(f"<h2>{html.escape(s['heading'])}</h2>")
        if s.get("text"):
            parts.append(f"<p>{html.escape(s['text'])}</p>")
        if s.get("figure") is not None:
            parts.append(pio.to_html(s["figure"], full_html=False,
                                     include_plotlyjs=not plotlyjs_done, config={"displaylogo": False}))
            plotlyjs_done = True
        if s.get("table") is not None:
            parts.append(_html_table(s["table"]))
    parts.append(f"<p class='note'>{html.escape(fmt.SUPPRESSED_NOTE)} {html.escape(fmt.rounding_note())}</p>")
    parts.append(f"<p class='note'>Skapad {datetime.now():%Y-%m-%d %H:%M} ur Samverkan.</p></body></html>")
    return "".join(parts)


def _html_table(df: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    rows = []
    for r in df.iter_rows():
        cells = "".join(f"<td>{html.escape(fmt.MISSING if v is None else str(v))}</td>" for v in r)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
