"""The brief as a Word document (python-docx): ``docx_bytes``.

The seam: one of the model's three renderers; it lays out a ``Brief`` in Word's terms (styles,
column widths, alt text on the charts) and adds nothing to what it says.
"""

from __future__ import annotations

import html
import io

from ui import images
from ui.brief.model import SCORECARD_HEADINGS, Brief, GoalBlock, _cover_lines, _due_heading


def _set_swedish(doc) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "sv-SE")


def _docx_table(doc, headings, rows, widths_cm: tuple[float, ...] | None = None) -> None:
    """A table in 9 pt with its column widths (Word otherwise gives every column the same)."""
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    table.autofit = False

    def fill(cells, texts, bold=False):
        for j, (cell, text) in enumerate(zip(cells, texts, strict=True)):
            cell.text = text
            if widths_cm:
                cell.width = Cm(widths_cm[j])
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(9)
                run.bold = bold

    fill(table.rows[0].cells, headings, bold=True)
    for row in rows:
        fill(table.add_row().cells, row)
    if widths_cm:  # the grid too: LibreOffice and some Word versions read only the grid's widths
        for j, w in enumerate(widths_cm):
            table.columns[j].width = Cm(w)


def _docx_goal(doc, b: GoalBlock, level: int) -> None:
    from docx.shared import Cm

    doc.add_heading(b.title, level=level)
    p = doc.add_paragraph()
    p.add_run(b.status_text).bold = True
    p.add_run(f"  {b.committee}")
    if b.population:
        doc.add_paragraph(b.population).italic = True
    for w in b.warnings:
        doc.add_paragraph(w, style="Intense Quote")
    for k, v in b.facts:
        p = doc.add_paragraph(style="List Bullet")
        p.add_run(f"{k}: ").bold = True
        p.add_run(v)
    for s in b.sentences:
        doc.add_paragraph(s)
    if b.preliminary:
        doc.add_paragraph(b.preliminary)
    if b.figure is not None and b.note is not None:
        picture = doc.add_picture(io.BytesIO(images.png(b.figure, b.note)), width=Cm(16.5))
        _docx_alt(picture, images.alt_text(b.figure, b.note), html.unescape(b.figure.layout.title.text or b.title))
    for part in b.parts:
        _docx_goal(doc, part, level + 1)
    if b.actions:
        doc.add_heading("Åtgärder", level=level + 1)
        for a in b.actions:
            doc.add_paragraph(a, style="List Bullet")
    if level == 2:
        doc.add_heading("Nämndens analys", level=3)
        if b.analysis:
            doc.add_paragraph(b.analysis, style="Quote")
            doc.add_paragraph(b.analysis_meta)
        else:
            doc.add_paragraph("Ingen analys är skriven för perioden.")


def _docx_alt(picture, text: str, title: str) -> None:
    """Alt text on a Word image (what Word shows under "Alternativ text"): python-docx has no
    public setter, so the drawing's wp:docPr gets its descr and title attributes."""
    doc_pr = picture._inline.docPr
    doc_pr.set("descr", text)
    doc_pr.set("title", title)


def docx_bytes(b: Brief) -> bytes:
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    _set_swedish(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    doc.core_properties.title = f"{b.title} – {b.committee}, {b.period}"
    doc.core_properties.language = "sv-SE"
    doc.core_properties.author = "Samverkan"
    doc.add_heading(b.title, level=0)
    doc.add_paragraph(b.committee).runs[0].bold = True
    for line in _cover_lines(b):
        doc.add_paragraph(line)
    doc.add_heading("Målen i korthet", level=1)
    _docx_table(doc, SCORECARD_HEADINGS, b.scorecard, (3.0, 2.2, 1.4, 2.2, 1.4, 2.4, 1.9, 2.1))
    if b.changes:
        doc.add_heading(f"Förändringar sedan månaden innan ({b.month})", level=1)
        for line in b.changes:
            doc.add_paragraph(line, style="List Bullet")
    if b.due:
        doc.add_heading(_due_heading(b), level=1)
        for line in b.due:
            doc.add_paragraph(line, style="List Bullet")
    if b.key_indicators is not None:
        doc.add_heading(f"Nyckeltal, {b.month}", level=1)
        _docx_table(doc, b.key_indicators.columns, [[str(v) for v in r] for r in b.key_indicators.iter_rows()],
                    (5.6, 2.0, 2.0, 2.2, 2.4, 2.4))
    doc.add_heading("Målen", level=1)
    for g in b.goals:
        _docx_goal(doc, g, 2)
    for n in b.notes:
        doc.add_paragraph(n).runs[0].italic = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
