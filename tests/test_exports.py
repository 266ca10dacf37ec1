"""Export functions tested on their bytes: CSV parses back, Excel opens with the right numbers,
PNG/SVG are valid images, the HTML report is self-contained, suppressed stays suppressed."""

from __future__ import annotations

import io
from datetime import date

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


def test_excel_has_real_formats_no_red_and_a_sheet_about_the_data(export):
    about = [("Uttag", "Hög frånvaro per kön"), ("Källa", "Demodata – fiktiv kommun"), ("Data t.o.m.", "2026-10-31")]
    years = pl.DataFrame({"År": ["2024", "2025"], "Antal anmälningar": [2249, 10], "Andel": [0.1234, None],
                          "Förändring": [-0.001, 0.0125]})
    data = exports.excel_bytes(years, percent_columns=("Andel",), pp_columns=("Förändring",), about=about)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Data"]
    assert [c.value for c in ws[2]] == [2024, 2249, 0.1234, pytest.approx(-0.1)]  # years are numbers
    assert [c.number_format for c in ws[2]] == ["0", "#,##0", "0.0%", exports.PP]  # a count: no decimals
    assert ws["D3"].value == pytest.approx(1.25)  # percentage points: 1,25 p.e.
    formats = {c.number_format for row in ws.iter_rows() for c in row}
    assert not any("Red" in f for f in formats)  # a fall is often the improvement
    info = {r[0].value: r[1].value for r in wb["Om uttaget"].iter_rows()}
    assert info["Källa"] == "Demodata – fiktiv kommun" and info["Data t.o.m."] == "2026-10-31"
    assert info["Tomma celler"].startswith("'..' betyder")
    # per-row formats where a column mixes a share and a count (the steering group's key indicators)
    mixed = pl.DataFrame({"Indikator": ["Andel", "Antal"], "Månaden": [0.13, 597.0], "Förändring": [-0.001, -19.0]})
    ws = openpyxl.load_workbook(io.BytesIO(exports.excel_bytes(mixed, row_formats=[
        {"Månaden": "percent", "Förändring": "pp"}, {"Månaden": "count", "Förändring": "change_count"}]))).active
    assert (ws["B2"].number_format, ws["C2"].value) == ("0.0%", pytest.approx(-0.1))
    assert (ws["B3"].number_format, ws["C3"].number_format, ws["C3"].value) == ("#,##0", exports.CHANGE_COUNT, -19)


def test_csv_rounds_shares_and_says_where_the_data_comes_from(export):
    import csv

    data = exports.csv_bytes(export, ("Värde", "Konfidensintervall, nedre", "Konfidensintervall, övre"),
                             [("Källa", "Demodata – fiktiv kommun"), ("Data t.o.m.", "2026-10-31")])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:4]
    assert body[1][header.index("Värde")] == "0,1408"  # four decimals, stated below
    assert body[1][header.index("Täljare")] == "1519"
    tail = {r[0]: r[1] for r in rows[5:] if r}
    assert tail["Källa"] == "Demodata – fiktiv kommun" and tail["Data t.o.m."] == "2026-10-31"
    assert tail["Andelar"].startswith("decimaltal med 4 decimaler")


def test_csv_says_what_an_empty_cell_means_and_how_counts_were_rounded_as_the_excel_file_does(export, monkeypatch):
    import csv

    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", "5")  # the product's default (conftest: 1)
    about = [("Källa", "Demodata – fiktiv kommun")]
    rows = list(csv.reader(io.StringIO(exports.csv_bytes(export, about=about, rounded=True).decode("utf-8-sig")),
                           delimiter=";"))
    tail = {r[0]: r[1] for r in rows[5:] if r}
    assert tail["Tomma celler"].startswith("'..' betyder att värdet inte visas")
    assert "avrundade till närmaste 5" in tail["Avrundning"] and "delarna kan avvika" in tail["Avrundning"]
    exact = list(csv.reader(io.StringIO(exports.csv_bytes(export, about=about, rounded=True, exact=True)
                                        .decode("utf-8-sig")), delimiter=";"))
    assert {r[0] for r in exact[5:] if r} >= {"Exakta värden", "Källa"}


def test_a_trend_table_has_its_period_column():
    frame = pl.DataFrame({
        "period": ["2024/25", "2025/26", "2026/27"], "numerator": [10, 12, 11], "denominator": [100, 100, 100],
        "value": [0.1, 0.12, 0.11], "ci_low": [0.05, 0.07, 0.06], "ci_high": [0.17, 0.2, 0.18],
        "suppressed": [False] * 3, "coverage": ["complete", "complete", "partial"],
        "covered_from": [None, None, None], "covered_until": [None, None, date(2026, 10, 31)]},
        schema_overrides={"covered_from": pl.Date, "covered_until": pl.Date})
    shown = tables.display_frame(frame, "high_absence_share")
    assert shown["Period"].to_list() == ["2024/25", "2025/26", "2026/27 t.o.m. oktober"]
    assert shown.columns[0] == "Period" and shown["Andel elever med hög frånvaro"].to_list()[1] == "12,0 %"
    assert "Period" not in tables.display_frame(frame.head(1), "high_absence_share").columns


def test_csv_gives_changes_of_shares_in_percentage_points_as_excel_does():
    # a decomposition's exported frame: changes of shares as fractions (0.0019653… = 0.197 p.e.)
    export = pl.DataFrame({"Skolenhet": ["Tallskolan", "Almskolan"],
                           "Förändring inom enheten": [0.0019653656658191313, -4.779315533990253e-6],
                           "Andel": [0.12345678, 0.2]})
    text = exports.csv_bytes(export, ("Andel",), pp_columns=("Förändring inom enheten",)).decode("utf-8-sig")
    rows = [line.split(";") for line in text.splitlines()]
    assert rows[0] == ["Skolenhet", "Förändring inom enheten", "Andel"]
    assert rows[1] == ["Tallskolan", "0,2", "0,1235"]  # 0.19653… p.e. to two decimals, as a number
    assert float(rows[2][1].replace(",", ".")) == 0.0 and "e" not in rows[2][1].lower()  # never 4,78e-6
    assert any(r[0] == "Förändringar i procentenheter" and "procentenheter med 2 decimaler" in r[1] for r in rows)
