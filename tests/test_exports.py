"""Export functions tested on their bytes: CSV parses back, Excel opens with the right numbers,
PNG/SVG are valid images, the HTML report is self-contained, suppressed stays suppressed."""

from __future__ import annotations

import io

import openpyxl
import plotly.graph_objects as go
import polars as pl
import pytest

from ui import exports, tables

ENGINE_FRAME = pl.DataFrame({
    "period": ["2024/25"] * 3, "gender": ["flicka", "pojke", None],
    "numerator": [None, 1519, 3172], "denominator": [None, 10789, 21521],
    "value": [None, 0.140792, 0.147391], "ci_low": [None, 0.134356, 0.142718],
    "ci_high": [None, 0.147482, 0.15219], "suppressed": [True, False, False],
})


@pytest.fixture
def export():
    return tables.export_frame(ENGINE_FRAME, "high_absence_share")


def test_export_frame_has_swedish_headings_and_keeps_suppression(export):
    assert export.columns == ["Period", "Kön", "Täljare", "Nämnare", "Värde", "Konfidensintervall, nedre",
                              "Konfidensintervall, övre", "Visas ej"]
    assert export["Kön"].to_list() == ["Flickor", "Pojkar", "Totalt"]
    assert export.row(0) == ("2024/25", "Flickor", None, None, None, None, None, "ja")


def test_csv_is_swedish_and_parses_back(export):
    data = exports.csv_bytes(export)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].split(";")[:3] == ["Period", "Kön", "Täljare"]
    assert "0,140792" in text
    back = pl.read_csv(io.BytesIO(data), separator=";", decimal_comma=True, encoding="utf8-lossy")
    assert back["Värde"].to_list()[1:] == pytest.approx([0.140792, 0.147391])
    assert back["Täljare"].to_list() == [None, 1519, 3172]


def test_excel_opens_with_numbers_and_percent_format(export):
    data = exports.excel_bytes(export, percent_columns=tables.percent_columns("high_absence_share"))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]][:5] == ["Period", "Kön", "Täljare", "Nämnare", "Värde"]
    assert ws["C3"].value == 1519 and ws["E3"].value == pytest.approx(0.140792)
    assert ws["E3"].number_format == "0.0%"
    assert ws["C2"].value is None  # suppressed stays empty
    assert "Tomma celler" in ws.cell(row=export.height + 3, column=1).value


@pytest.fixture(scope="module")
def figure():
    return go.Figure(go.Bar(x=["Norr", "Söder"], y=[12.5, 14.1]))


def test_png_and_svg_are_valid_images(figure):
    png = exports.image_bytes(figure, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    svg = exports.image_bytes(figure, "svg")
    assert svg.lstrip().startswith(b"<svg") and b"Norr" in svg


def test_html_report_is_self_contained(figure, export):
    html = exports.html_report("Barn- och utbildningsnämnden", "Demodata", [
        {"heading": "Hög frånvaro", "figure": figure, "table": export}])
    assert html.startswith("<!DOCTYPE html>") and "<h2>Hög frånvaro</h2>" in html
    # plotly.js is inlined (its source mentions its CDN, but nothing is loaded from it)
    assert "<script src=" not in html and "Plotly.newPlot" in html and len(html) > 1_000_000
    assert "<td>..</td>" in html  # the suppressed cell
