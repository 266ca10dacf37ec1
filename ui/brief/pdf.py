"""The brief as tagged, accessible PDF (PDF/UA-1), typeset by typst: ``pdf_bytes``.

The seam: one of the model's three renderers; it writes a ``Brief`` as typst markup (every text
as a string literal, never read as markup) and adds nothing to what it says. The module is not
named ``typst.py``, the name of the library it compiles with.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import typst

from ui import images
from ui.brief.model import SCORECARD_HEADINGS, Brief, GoalBlock, _cover_lines, _due_heading


def _t(text: str) -> str:
    """Text as a typst string literal inserted into markup: nothing in it is read as markup."""
    return '#"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _typst_table(headings, rows, widths: str | None = None) -> str:
    cols = widths or f"{len(headings)}"
    header = ", ".join(f"[*{_t(h)}*]" for h in headings)
    cells = f"table.header({header}), " + ", ".join(f"[{_t(c)}]" for row in rows for c in row)
    return f"#table(columns: {cols}, inset: 4pt, align: left, stroke: 0.5pt + gray, {cells})\n"


def _typst_goal(b: GoalBlock, level: int, files: dict[str, bytes]) -> str:
    out = [f"{'=' * level} {_t(b.title)}\n", f"*{_t(b.status_text)}* #h(1em) {_t(b.committee)}\n"]
    if b.population:
        out.append(f"#emph[{_t(b.population)}]\n")
    out.extend(f"#block(fill: rgb(\"#fff4e5\"), inset: 6pt, radius: 4pt)[{_t(w)}]\n" for w in b.warnings)
    out.extend(f"- *{_t(k)}:* {_t(v)}\n" for k, v in b.facts)
    out.extend(f"\n{_t(s)}\n" for s in b.sentences)
    if b.preliminary:
        out.append(f"\n{_t(b.preliminary)}\n")
    if b.figure is not None and b.note is not None:
        name = f"fig{len(files) + 1}.png"
        files[name] = images.png(b.figure, b.note)
        alt = images.alt_text(b.figure, b.note)
        out.append(f'\n#image("{name}", width: 100%, alt: "{alt.replace(chr(34), chr(39))}")\n')
    for part in b.parts:
        out.append(_typst_goal(part, level + 1, files))
    if b.actions:
        out.append(f"{'=' * (level + 1)} Åtgärder\n")
        out.extend(f"- {_t(a)}" for a in b.actions)
    if level == 2:
        out.append(f"{'=' * (level + 1)} Nämndens analys\n")
        if b.analysis:
            out.append(f"#quote(block: true)[{_t(b.analysis)}]\n{_t(b.analysis_meta)}\n")
        else:
            out.append(f"{_t('Ingen analys är skriven för perioden.')}\n")
    return "\n".join(out)


def pdf_bytes(b: Brief) -> bytes:
    """The brief as tagged, accessible PDF (PDF/UA-1) with typst: Swedish hyphenation and
    quotes (text lang 'sv'), headings as a document outline, alt text on every chart."""
    files: dict[str, bytes] = {}
    title = f"{b.title} – {b.committee}, {b.period}"
    src = [
        f'#set document(title: "{title.replace(chr(34), chr(39))}", author: "Samverkan")',
        '#set text(lang: "sv", region: "SE", size: 10.5pt)',
        '#set page(paper: "a4", margin: (x: 2cm, y: 2.2cm), numbering: "1")',
        "#set heading(numbering: none)",
        "#show heading.where(level: 1): set text(size: 16pt)",
        f"#title[{_t(b.title)}]",
        f"*{_t(b.committee)}*\n",
        *[f"{_t(line)}\n" for line in _cover_lines(b)],
        "= Målen i korthet\n",
        "#set text(size: 8.5pt)",
        _typst_table(SCORECARD_HEADINGS, b.scorecard, "(2fr, 1.4fr, 0.9fr, 1.4fr, 0.9fr, 1.8fr, 1.3fr, 1.6fr)"),
        "#set text(size: 10.5pt)",
    ]
    if b.changes:
        src.append(f"= {_t(f'Förändringar sedan månaden innan ({b.month})')}\n")
        src.extend(f"- {_t(line)}" for line in b.changes)
    if b.due:
        src.append(f"\n= {_t(_due_heading(b))}\n")
        src.extend(f"- {_t(line)}" for line in b.due)
    if b.key_indicators is not None:
        src.append(f"\n= {_t(f'Nyckeltal, {b.month}')}\n")
        src.append("#set text(size: 8.5pt)")
        src.append(_typst_table(b.key_indicators.columns, [[str(v) for v in r] for r in b.key_indicators.iter_rows()],
                                "(2.6fr, 1fr, 1fr, 1fr, 1fr, 1fr)"))
        src.append("#set text(size: 10.5pt)")
    src.append("= Målen\n")
    src.extend(_typst_goal(g, 2, files) for g in b.goals)
    src.extend(f"\n#emph[{_t(n)}]\n" for n in b.notes)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, data in files.items():
            (root / name).write_bytes(data)
        main = root / "brief.typ"
        main.write_text("\n".join(src), encoding="utf-8")
        return typst.compile(str(main), root=str(root), format="pdf", pdf_standards=["ua-1"])
