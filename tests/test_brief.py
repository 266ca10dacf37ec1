"""What analysts put into a committee's documents: chart images with all their text inside and a
footnote, the pages' HTML reports with the goal cards, and the brief in Word and PDF."""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import pytest

from data.warehouse import Warehouse
from metrics import attainment, engine, goals, views
from tests.conftest import ROOT, svg_text_outside
from ui import brief, charts, exports, figures, goal_text, images
from ui import format as fmt

NOTE = images.Note(source="Demodata – fiktiv kommun", as_of=date(2026, 10, 31),
                   population="Elever med schemalagd tid under perioden", period="läsåret 2025/26",
                   suppressed=True)
# The longest footnote a page gives: the product's rounding note (base 5; the session runs with
# exact counts), the suppression note and a population with its selection.
ROUNDING_NOTE = ("Antal är avrundade till närmaste 5 och andelar räknas på de avrundade antalen, så att enskilda "
                 "barn inte kan räknas fram. Målens status räknas på exakta antal.")
LONG_NOTE = images.Note(
    source="Demodata – fiktiv kommun", as_of=date(2026, 10, 31),
    population="Elever i kommunala grundskolor (förskoleklass–årskurs 9) med schemalagd tid under läsåret "
               "(Skolform: Grundskola; Område: Norr; Skolenhet: Björkskolan)",
    period="läsåret 2026/27 t.o.m. oktober", suppressed=True, extra=(ROUNDING_NOTE,))


@pytest.fixture(scope="module")
def cfg():
    return goals.load(ROOT / "config" / "goals.yaml")


@pytest.fixture(scope="module")
def chart_figures(demo_wh, cfg):
    """Every chart the pages draw (Översikt and SN: the goal trends; BUN; SN), built by the
    pages' own builders on the demo's data, with a dated event drawn on the trends."""
    results = attainment.flatten(attainment.evaluate_all(demo_wh, cfg))
    years = ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26", "2026/27"]
    marks = {"2025/26": ["Närvaroteam i åk 7–9 startar i Väster och Kustbygden"]}
    parts = {p.id for r in results for p in r.parts}
    out = {f"mal-{r.id}": figures.goal_trend(r, goal_text.trend_title(r, r.id in parts), marks)[0]
           for r in results if r.series and not r.parts}
    trend = views.absence_trend(demo_wh, years)
    out["bun-trend"] = charts.annotate(charts.trend_from_frame(
        trend, "school_form", "Andel elever med hög frånvaro per läsår – hela kommunen",
        targets={"grundskola": 0.12, "gymnasieskola": 0.184}), marks)
    for dim, title in (("area", "Hög frånvaro per område"), ("gender", "Hög frånvaro per kön")):
        out[f"bun-{dim}"] = charts.ranked_from_frame(views.absence_breakdown(demo_wh, "2025/26", dim), dim,
                                                     f"{title}, läsåret 2025/26 – hela kommunen")
    schools = engine.evaluate(demo_wh, "high_absence_share", "2025/26", by=["school"], filters={"area": ["Söder"]})
    out["bun-skolor"] = charts.ranked_from_frame(schools, "school", "Hög frånvaro per skolenhet – område Söder")
    out["bun-fordelning"] = figures.distribution(views.absence_distribution(demo_wh, "2025/26"),
                                                 "Elever efter frånvaro, läsåret 2025/26 – hela kommunen")[0]
    out["bun-tratt"] = figures.school_funnel(views.school_comparison(demo_wh, "2025/26"),
                                             "Skolornas andel med hög frånvaro, läsåret 2025/26")[0]
    out["sn-tratt"] = figures.report_funnel(views.report_funnel(demo_wh, "2026"), "Orosanmälningar 2026 t.o.m. oktober")[0]
    out["sn-per-1000"] = figures.reports_per_year(views.reports_per_year(demo_wh, list(range(2019, 2027))),
                                                  "Orosanmälningar per 1 000 invånare 0–20 år")[0]
    inv = views.share_by(demo_wh, "investigation_share", "2026", "reporter_category")
    out["sn-utredning"] = charts.ranked_from_frame(inv, "reporter_category",
                                                   "Andel som leder till utredning per anmälare, 2026 t.o.m. oktober")
    out["sn-kvalitet"] = figures.indicator_lines(views.quality_trend(demo_wh, list(range(2019, 2027))),
                                                 "Bedömning, återkoppling och anmälningsmöten per år", "Andel")[0]
    out["sn-insatser"] = figures.interventions(views.interventions_by_type(demo_wh, "2026"),
                                               "Insatser per typ, 2026 t.o.m. oktober")[0]
    coverage = views.share_by(demo_wh, "intervention_coverage", years, None)
    out["sn-tackning"] = charts.trend_from_frame(coverage, None, "Andel elever med hög frånvaro som har en insats, per läsår")
    return out


def test_the_static_figure_has_a_title_legend_and_footnote(chart_figures):
    fig = images.static(chart_figures["bun-trend"], NOTE)
    assert fig.layout.title.text == "Andel elever med hög frånvaro per läsår – hela kommunen"
    assert fig.layout.showlegend is True  # the target lines are named in the legend
    assert {"Målnivå, grundskola", "Målnivå, gymnasieskola"} <= {t.name for t in fig.data}
    footnote = fig.layout.xaxis.title.text
    assert "Källa: Demodata – fiktiv kommun. Data t.o.m. 2026-10-31." in footnote
    assert "Period: läsåret 2025/26." in footnote and "'..' betyder" in footnote
    assert fig.layout.separators == ",\u202f"  # decimal comma, thin space between thousands
    # the interactive figure is untouched
    assert chart_figures["bun-trend"].layout.xaxis.title.text is None


def test_every_chart_of_every_page_keeps_all_its_text_inside_the_image(chart_figures, browser):
    """Measured in a real browser: every text element's box lies inside the SVG's viewport, with
    the longest footnote a page gives (wrapped, never cut at the right edge), and each image
    names its source and data date."""
    page = browser.new_page()
    # the check itself: labels pushed out of an image by a too-narrow margin are found
    clipped = go.Figure(go.Scatter(x=[1, 2], y=["Tekniska gymnasiet", "Fläderskolan"], mode="markers"))
    clipped.update_layout(margin={"l": 5, "r": 5, "t": 5, "b": 5}).update_yaxes(automargin=False)
    found = svg_text_outside(page, exports.image_bytes(clipped, "svg", 600, 300).decode("utf-8"))
    assert {"Tekniska gymnasiet", "Fläderskolan"} <= {x["text"] for x in found}
    assert len(chart_figures) == 15  # 3 goal trends, 6 BUN charts (the school drill-down too), 6 SN charts
    drawn = [(name, images.svg(fig, LONG_NOTE).decode("utf-8"), True) for name, fig in chart_figures.items()]
    # and the goal trends as a goal card draws them at tablet width (where an event once covered the value)
    # (with plotly's template, as in a page, whatever template the process has as its default)
    drawn += [(f"{name} (surfplatta)", exports.image_bytes(go.Figure(fig).update_layout(template="plotly"), "svg", 450,
                                                          fig.layout.height).decode("utf-8"), False)
              for name, fig in chart_figures.items() if name.startswith("mal-")]
    for name, svg, image in drawn:
        outside = svg_text_outside(page, svg)
        assert outside == [], (name, outside)
        text = page.evaluate("() => document.querySelector('svg').textContent")
        if image:
            assert "Källa: Demodata – fiktiv kommun. Data t.o.m. 2026-10-31." in text, name
            assert "Målensstatusräknaspåexaktaantal." in re.sub(r"\s", "", text), name  # the note's end (wrapped)
        # no event text covers a value's label
        covered = page.evaluate("""() => {
            const box = e => e.getBoundingClientRect();
            const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
            const values = [...document.querySelectorAll('.textpoint text')].filter(t => t.textContent.trim());
            return [...document.querySelectorAll('.annotation')].flatMap(a => values.filter(v => hit(box(a), box(v)))
                .map(v => a.textContent + ' / ' + v.textContent));
        }""")
        assert covered == [], (name, covered)
    page.close()


def test_the_funnel_numbers_every_school_clear_of_the_other_numbers_and_the_points(chart_figures, browser, demo_wh):
    """Every school drawn has its number; measured in the exported SVG, no number's box overlaps
    another number or any point, and the key in the footnote names every school."""
    fig = chart_figures["bun-tratt"]
    drawn = [t for t in fig.data if t.mode == "markers"]
    numbers = sorted(int(x) for t in drawn for x in t.text)
    assert numbers and len(numbers) == len(set(numbers)) and len(numbers) >= 20
    page = browser.new_page()
    svg = images.svg(fig, NOTE).decode("utf-8")
    page.set_content(f"<html><body style='margin:0'>{svg[svg.index('<svg'):]}</body></html>")
    boxes = page.evaluate("""() => {
        const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        return {texts: [...document.querySelectorAll('.annotation-text')].filter(t => /^\\d+$/.test(t.textContent))
                          .map(t => [t.textContent, box(t)]),
                markers: [...document.querySelectorAll('.scatterlayer .points path.point')].map(box)};
    }""")
    page.close()
    assert sorted(int(t) for t, _ in boxes["texts"]) == numbers and len(boxes["markers"]) == len(numbers)

    def overlap(a, b, slack=0.5):
        return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack

    texts = [b for _, b in boxes["texts"]]
    clashes = [(boxes["texts"][i][0], boxes["texts"][j][0]) for i in range(len(texts)) for j in range(i + 1, len(texts))
               if overlap(texts[i], texts[j])]
    on_points = [t for t, b in boxes["texts"] if any(overlap(b, m) for m in boxes["markers"])]
    assert clashes == [] and on_points == [], (clashes, on_points)
    key = html.unescape(images.static(fig, NOTE).layout.xaxis.title.text).replace("<br>", " ")
    schools = views.school_comparison(demo_wh, "2025/26")["school_name"].to_list()
    assert all(name in key for name in schools)


def test_a_page_report_holds_the_goal_cards_and_stays_small(demo_wh, cfg, app_env):
    results = attainment.evaluate_all(demo_wh, cfg)
    sections = [{"goal": brief.goal_block(r, cfg, None, "Demodata – fiktiv kommun", date(2026, 10, 31))}
                for r in results]
    html = brief.page_html("Översikt – måluppfyllelse", "Demodata", sections)
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html  # no plotly.js: e-mailable
    assert len(html.encode("utf-8")) < 1_000_000
    for r in attainment.flatten(results):
        assert re.escape(r.title) and r.title in html
    assert html.count("✗ Ej uppnått") >= 2 and "◐ Delvis uppnått" in html and "✓ Uppnått" in html
    assert html.count("<svg") == 3  # each goal's trend, as a static image with its footnote
    assert "Population: Elever i kommunala grundskolor" in html and "Målnivå" in html
    # each chart is an image with its text alternative and the one-sentence summary as its caption
    grund = next(r for r in attainment.flatten(results) if r.id == "bun-hog-franvaro-grundskola")
    shown = [m for m in grund.series if m.value is not None]
    first, last = shown[0], shown[-1]
    said = (f"Andelen gick från {fmt.pct(first.value)} ({first.period}) till {fmt.pct(last.value)} ({last.period}); "
            f"målnivån är {fmt.pct(grund.target_value)}")
    assert html.count("<figure><svg role=\"img\" aria-label=\"") == 3 and html.count("<figcaption>") == 3
    assert said in html


@pytest.fixture(scope="module")
def briefs(demo_db, tmp_path_factory):
    """The brief built by the CLI, as a user would: both committees, Word and PDF."""
    from data import store

    folder = tmp_path_factory.mktemp("brief")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    store.add_comment(url, "sn-hog-franvaro-insats", "2025/26", "SN",
                      "Analys: insatserna når fler barn men frånvaron minskar för långsamt.", author="SN")
    env = {"SAMVERKAN_DB": str(demo_db), "SAMVERKAN_STORE_URL": url, "PATH": "/usr/bin:/bin"}
    out = {}
    for committee in ("BUN", "SN"):
        for kind in ("docx", "pdf"):
            path = folder / f"{committee}.{kind}"
            done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "report", "--committee", committee,
                                   "--period", "2025/26", "--format", kind, "--out", str(path)],
                                  env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            out[committee, kind] = path
    return out


def docx_text(path: Path) -> str:
    import docx

    doc = docx.Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_the_brief_holds_titles_statuses_values_and_the_analysis(briefs, kind, demo_wh, cfg):
    read = docx_text if kind == "docx" else pdf_text
    bun, sn = (re.sub(r"\s+", " ", read(briefs[c, kind])) for c in ("BUN", "SN"))
    results = {r.id: r for r in attainment.flatten(attainment.evaluate_all(demo_wh, cfg, "2025/26"))}
    for text, committee in ((bun, "Barn- och utbildningsnämnden"), (sn, "Socialnämnden")):
        assert "Uppföljningsrapport" in text and committee in text and "läsåret 2025/26" in text
        assert "Demodata – fiktiv kommun" in text and "2026-10-31" in text  # source and data date
    assert "Andelen elever med hög frånvaro ska minska med minst två procentenheter" in bun
    assert "Grundskolan" in bun and "Gymnasieskolan" in bun and "Hög frånvaro ska minska" not in bun
    assert "Ej uppnått" in bun and "Uppnått" in bun and "Delvis uppnått" in sn
    grund = results["bun-hog-franvaro-grundskola"]
    assert f"{grund.current.value * 100:.1f} %".replace(".", ",") in bun  # 13,9 %
    assert "Analys: insatserna når fler barn men frånvaron minskar för långsamt." in sn
    assert "Population: Elever i förskoleklass–årskurs 9 i kommunala skolor" in sn
    assert "\u2212" in sn  # the true minus sign


def test_the_docx_has_the_charts_and_is_swedish(briefs):
    import docx

    doc = docx.Document(str(briefs["BUN", "docx"]))
    assert len(doc.inline_shapes) == 2  # grundskola and gymnasieskola trends (PNG)
    alts = [shape._inline.docPr.get("descr") for shape in doc.inline_shapes]  # Word's "Alternativ text"
    assert all(a.startswith("Andel elever med hög frånvaro per läsår") and "Andelen gick från" in a for a in alts)
    assert "målnivån är 12,0 %" in alts[0] and "Källa: Demodata – fiktiv kommun" in alts[0]
    assert doc.core_properties.language == "sv-SE"
    assert [c.text for c in doc.tables[0].rows[0].cells] == list(brief.SCORECARD_HEADINGS)


def test_the_pdf_is_tagged_and_has_its_outline(briefs):
    from pypdf import PdfReader

    reader = PdfReader(str(briefs["SN", "pdf"]))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged (PDF/UA-1)
    assert "sv" in str(root.get("/Lang", ""))
    assert reader.metadata.title.startswith("Uppföljningsrapport – Socialnämnden")
    assert any("Målen" in str(o.title) for o in reader.outline if not isinstance(o, list))
    # the chart is a tagged figure whose alternative text says what it shows
    alts, todo = [], [root["/StructTreeRoot"]]
    while todo:
        node = todo.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            todo.extend(node)
        elif hasattr(node, "get"):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                alts.append(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                todo.extend(kids if isinstance(kids, list) else [kids])
    assert alts and all("Andelen gick från" in a for a in alts), alts


def test_the_steering_groups_brief_has_changes_and_key_indicators(demo_db, demo_wh, cfg, tmp_path):
    b = brief.build(Warehouse(demo_db), cfg, f"sqlite:///{tmp_path / 's.sqlite'}", "all", None, "2026-09")
    assert b.committee == "Styrgruppen" and b.month == "september 2026"
    assert any("Gymnasieskolan (preliminärt" in line for line in b.changes)  # as on the steering page
    assert b.key_indicators is not None and b.key_indicators["Indikator"][0].startswith("Andel elever med hög")
    text = pdf_text_bytes(brief.pdf_bytes(b))
    assert "Nyckeltal, september 2026" in text and "Förändringar sedan månaden innan" in text


def pdf_text_bytes(data: bytes) -> str:
    from pypdf import PdfReader

    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def test_a_brief_for_an_earlier_month_quotes_that_month_only(demo_wh, cfg, tmp_path):
    """March 2026: the school year 2025/26 is in progress, so the official results are 2024/25's
    and the preliminary ones run to March; nothing from the later months (up to October 2026) may
    appear, and the registers are said to be today's."""
    b = brief.build(demo_wh, cfg, f"sqlite:///{tmp_path / 's.sqlite'}", "all", None, "2026-03")
    assert b.month == "mars 2026" and b.as_of == date(2026, 3, 31)
    assert b.period == "läsåret 2024/25"
    heads = brief.SCORECARD_HEADINGS
    rows = [dict(zip(heads, r, strict=True)) for r in b.scorecard]
    assert all("2025/26" not in r["Nu"] for r in rows), [r["Nu"] for r in rows]
    preliminary = [r["Preliminärt"] for r in rows if r["Preliminärt"]]
    assert preliminary and all("t.o.m. mars" in p and "oktober" not in p for p in preliminary), preliminary
    text = pdf_text_bytes(brief.pdf_bytes(b))
    assert "oktober 2026" not in text and "2026-10-31" not in text
    assert f"Att följa upp i dag ({date.today().isoformat()})" in text
