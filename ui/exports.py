"""Exports for analysts: data as Swedish CSV and Excel, figures rendered to PNG/SVG.

No streamlit here: every function returns bytes or text, so tests check the files themselves.
Exports contain exactly what the page shows: suppressed values stay empty, and every export
carries the explanation of '..'.
"""

from __future__ import annotations

import io
import os
import threading
import warnings

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from data import formulas
from ui import format as fmt

_kaleido_lock = threading.Lock()
_kaleido_started = False


SHARE_DECIMALS = 4  # shares in CSV: 0.1234 = 12.34 %
PP_DECIMALS = 2  # changes of shares in CSV, in percentage points: 1.25


def csv_bytes(df: pl.DataFrame, percent_columns: tuple[str, ...] = (), about: list[tuple[str, str]] = (),
              pp_columns: tuple[str, ...] = (), rounded: bool | None = None, exact: bool = False) -> bytes:
    """Swedish CSV: semicolon separator, decimal comma, UTF-8 with BOM (opens right in Excel).

    Shares are rounded to ``SHARE_DECIMALS`` decimals; changes of shares (``pp_columns``,
    fractions in the frame) are written in percentage points with ``PP_DECIMALS`` decimals, as the
    Excel file shows them; no number in scientific notation. After an empty line the file says
    what it is: the units, then the ``about`` rows (source, data date, suppression) as 'Heading;text',
    and – as the Excel file's "Om uttaget" – what an empty cell means and how the counts were
    rounded (``rounded``, ``exact`` as for ``excel_bytes``; None: the ``about`` rows only)."""
    if rounded is not None:
        about = about_rows(about, fmt.SUPPRESSED_NOTE, rounded, exact)
    buf = io.BytesIO()
    rounded = df.with_columns([pl.col(c).round(SHARE_DECIMALS) for c in percent_columns if c in df.columns]
                              + [(pl.col(c) * 100).round(PP_DECIMALS) for c in pp_columns if c in df.columns])
    formulas.neutralise(rounded).write_csv(buf, separator=";", decimal_comma=True, include_bom=True,
                                           float_scientific=False)
    pp = [c for c in pp_columns if c in df.columns]
    if about or percent_columns or pp:
        lines = [""]
        if percent_columns:
            lines.append(f"Andelar;decimaltal med {SHARE_DECIMALS} decimaler (0,1234 = 12,34 %)")
        if pp:
            lines.append(f"Förändringar i procentenheter;{', '.join(pp)}: procentenheter med {PP_DECIMALS} "
                         "decimaler (1,25 = 1,25 procentenheter)")
        lines.extend(f"{k};{v}" for k, v in formulas.neutralise(
            pl.DataFrame({"k": [a for a, _ in about], "v": [b for _, b in about]},
                         schema={"k": pl.String, "v": pl.String})).iter_rows())
        buf.write(("\n".join(line.replace("\n", " ") for line in lines) + "\n").encode("utf-8"))
    return buf.getvalue()


# Excel number formats (Excel shows them with the reader's own separators: "12,3 %" in Swedish).
# No format has a [Red] section: a fall is often the improvement.
PERCENT = "0.0%"
PP = '+0.0" p.e.";"\u2212"0.0" p.e.";0.0" p.e."'  # a change of a share, in percentage points
SIGNED_PERCENT = '+0.0%;"\u2212"0.0%;0.0%'  # a relative change (a relative goal's change against its baseline)
COUNT = "#,##0"
CHANGE_COUNT = '+#,##0;"\u2212"#,##0;0'
DECIMAL = "#,##0.0"
YEAR = "0"


def _default_format(dtype: pl.DataType) -> str | None:
    if dtype.is_integer():
        return COUNT
    if dtype.is_float():
        return DECIMAL
    return None


def excel_bytes(df: pl.DataFrame, sheet: str = "Data", percent_columns: tuple[str, ...] = (),
                note: str = fmt.SUPPRESSED_NOTE, about: list[tuple[str, str]] = (),
                pp_columns: tuple[str, ...] = (), row_formats: list[dict[str, str]] | None = None,
                rounded: bool = True, exact: bool = False) -> bytes:
    """An .xlsx whose numbers stay numbers with real formats: counts as whole numbers, shares as
    percent with one decimal, changes of shares in percentage points (``pp_columns``, fractions
    in the frame), years as numbers; no red negatives. ``row_formats`` gives a format per row and
    column where a column mixes kinds (a share in one row, a count in the next), with the names
    above ('percent', 'pp', 'count', 'change_count', 'decimal', 'signed_percent').

    A second sheet "Om uttaget" holds ``about`` (definition, population, period, filters,
    source, data date) and the suppression and rounding rules; ``rounded=False`` (a goal's own,
    exact figures) says that nothing was rounded instead. ``exact``: exact figures of an entitled
    role: the data sheet is named and headed ``fmt.EXACT_SHEET`` / ``fmt.EXACT_NOTE``."""
    import xlsxwriter

    named = {"percent": PERCENT, "pp": PP, "count": COUNT, "change_count": CHANGE_COUNT, "decimal": DECIMAL,
             "signed_percent": SIGNED_PERCENT}
    buf = io.BytesIO()
    # text is never turned into a live formula or link, whatever it starts with
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    safe = formulas.neutralise(df)
    with xlsxwriter.Workbook(buf, options) as wb:
        cache: dict[str, object] = {}

        def style(spec: str | None):
            if spec is None:
                return None
            if spec not in cache:
                cache[spec] = wb.add_format({"num_format": spec})
            return cache[spec]

        bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        ws = wb.add_worksheet((fmt.EXACT_SHEET if exact else sheet)[:31])
        years = {c for c in safe.columns if safe[c].dtype == pl.String and safe[c].drop_nulls().len() > 0
                 and safe[c].drop_nulls().str.contains(r"^\d{4}$").all()}
        for j, c in enumerate(safe.columns):
            ws.write_string(0, j, c, bold)
        for i, row in enumerate(safe.iter_rows(named=True), start=1):
            for j, c in enumerate(safe.columns):
                v = row[c]
                spec = (row_formats[i - 1].get(c) if row_formats else None)
                if spec is not None:
                    spec = named[spec]
                elif c in percent_columns:
                    spec = PERCENT
                elif c in pp_columns:
                    spec = PP
                else:
                    spec = _default_format(safe[c].dtype)
                if v is None:
                    continue  # suppressed or missing: an empty cell (see the note below)
                if c in years:
                    ws.write_number(i, j, int(v), style(YEAR))
                elif isinstance(v, bool) or isinstance(v, str):
                    ws.write_string(i, j, str(v))
                elif isinstance(v, int | float):
                    scale = 100 if spec == PP else 1
                    ws.write_number(i, j, v * scale, style(spec))
                else:
                    ws.write_string(i, j, str(v))
        ws.freeze_panes(1, 0)
        ws.autofit()
        rounding = fmt.rounding_note(exact=True) if exact else _rounding_text(rounded)
        ws.write(safe.height + 2, 0, rounding if exact else "Tomma celler: " + note)
        if rounding and not exact:
            ws.write(safe.height + 3, 0, rounding)
        info = wb.add_worksheet("Om uttaget")
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        info.set_column(0, 0, 22)
        info.set_column(1, 1, 100)
        rows = about_rows(about, note, rounded, exact)
        for i, (k, v) in enumerate(formulas.neutralise(pl.DataFrame(
                {"k": [a for a, _ in rows], "v": [b for _, b in rows]}, schema={"k": pl.String, "v": pl.String})).iter_rows()):
            info.write_string(i, 0, k, bold)
            info.write_string(i, 1, v, wrap)
    return buf.getvalue()


GOAL_EXACT_NOTE = "Målens egna värden räknas på exakta antal och avrundas inte."


def about_rows(about: list[tuple[str, str]], note: str, rounded: bool, exact: bool) -> list[tuple[str, str]]:
    """An export's "Om uttaget" rows: ``about``, then what an empty cell means and the rounding
    rule (an exact view: its marking first)."""
    rounding = fmt.rounding_note(exact=True) if exact else _rounding_text(rounded)
    if exact:
        return [("Exakta värden", rounding), *about]
    return [*about, ("Tomma celler", note), *([("Avrundning", rounding)] if rounding else [])]


def _rounding_text(rounded: bool) -> str:
    """What was rounded: the published rule, or for a goal's own figures that nothing was."""
    return fmt.rounding_note() if rounded else (GOAL_EXACT_NOTE if fmt.rounding_note() else "")


def image_export_problem() -> str | None:
    """Why chart images (PNG, SVG, the reports' charts) cannot be made on this server, in Swedish;
    None when they can. kaleido draws them with a Chromium-based browser that it looks for the
    way this does (BROWSER_PATH, PATH, the usual places)."""
    from choreographer.browsers.chromium import Chromium

    try:
        path = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - a failing search means no browser, whatever the reason
        path = None
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return None
    where = f" (BROWSER_PATH pekar på {path}, som inte finns eller inte går att köra)" if path else ""
    return ("Bildexport är inte tillgänglig: webbläsaren Chromium, som ritar diagrammen till PNG, SVG och "
            f"rapporterna, finns inte på servern{where}. Systemförvaltaren installerar den med ./scripts/run.sh "
            "(Debians paket chromium). Tabellerna kan laddas ner som vanligt.")


class ImageExportUnavailable(RuntimeError):
    """No browser to draw chart images with; the message (Swedish) says why and what to do."""


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
    problem = image_export_problem()
    if problem:
        raise ImageExportUnavailable(problem)
    _ensure_kaleido()
    with _kaleido_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "kopts ignored when using a server"
        return pio.to_image(fig, format=fmt_name, width=width, height=height,
                            scale=2 if fmt_name == "png" else 1)
