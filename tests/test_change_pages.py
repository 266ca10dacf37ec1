"""The BUN page's decomposition and status × change grid, and the Jämförelser page, on the demo."""

from __future__ import annotations

import json

import plotly.io as pio
from streamlit.testing.v1 import AppTest

from data import peers
from metrics import attainment, decomposition, goals
from tests.conftest import ROOT, shown as unescaped
from ui import peers as ui_peers

APP = str(ROOT / "app.py")


def open_page(path: str, role: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if role:
        at.selectbox(key="demo_view").set_value(role).run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def charts(at: AppTest) -> dict:
    """The page's charts by title (shown as text above each chart, kept in its meta)."""
    out = {}
    for c in at.get("plotly_chart"):
        fig = pio.from_json(c.proto.spec)
        meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
        out[meta.get("title") or fig.layout.title.text] = fig
    return out


def texts(at: AppTest) -> str:
    return unescaped(" ".join(e.value for kind in ("markdown", "caption", "info", "warning")
                              for e in at.get(kind) if isinstance(getattr(e, "value", None), str)))


def test_bun_page_shows_where_the_change_came_from_and_the_grid(app_env, demo_wh):
    at = open_page("pages/bun.py")
    heads = [s.value for s in at.subheader]
    assert "Var kom förändringen ifrån?" in heads and "Nivå och förändring per område" in heads
    figs = charts(at)
    title = "Bidrag till förändringen per område – Grundskolan, läsåret 2025/26 mot basåret 2022/23"
    fig = figs[title]
    # the published table, from the engine, decomposed independently here: the chart shows its sums
    cfg = goals.load(ROOT / "config" / "goals.yaml")
    leaf = decomposition.goal_leaf(attainment.evaluate_all(demo_wh, cfg), "bun-hog-franvaro-grundskola")
    table = decomposition.unit_table(demo_wh, leaf, "area")
    cells = table.filter(table["unit"].is_not_null())
    p0 = cells["k0"].sum() / cells["n0"].sum()
    p1 = cells["k1"].sum() / cells["n1"].sum()
    total_x = fig.data[2].x[-1]  # 'Hela förändringen' is the top row (last y)
    assert fig.data[2].y[-1] == "Hela förändringen"
    assert abs(total_x - (p1 - p0) * 100) < 1e-9
    assert abs(sum(fig.data[2].x[:-1]) - total_x) < 1e-9  # the units' contributions add up to it
    shown = texts(at)
    assert "samma publicerade tabell" in shown and "räknad på exakta antal (−0,10 procentenheter)" in shown
    grid = figs["Nivå och förändring per område – Grundskolan, läsåret 2025/26 mot basåret 2022/23"]
    counts = [a.text.split("</b>")[0].removeprefix("<b>") for a in grid.layout.annotations]
    assert len(counts) == 9
    assert sum(int(c.split()[0]) for c in counts) == cells.height  # every area placed once (none hidden)
    assert "Raderna visar var andelen ligger nu" in shown  # the text legend


def test_bun_page_by_school_and_exact_figures_for_analysts_only(app_env):
    at = open_page("pages/bun.py", role="Ledamot, BUN", mal="Gymnasieskolan", enhet="Skolenhet")
    assert not [t for t in at.get("toggle") if t.label.startswith("Exakta")]  # no exact switch at all
    assert "Bidrag till förändringen per skolenhet – Gymnasieskolan, läsåret 2025/26 mot basåret 2022/23" in charts(at)
    at = open_page("pages/bun.py", role="Analytiker")
    # the sidebar's exact switch (issue 22) turns the decomposition exact too
    at.toggle(key="exact_toggle").set_value(True).run()
    shown = texts(at)
    assert "Exakta antal – internt underlag, får inte publiceras" in shown
    assert "summerar exakt till målets förändring" in shown


def test_comparisons_page_shows_the_demos_peers_from_the_example_files(app_env):
    at = open_page("pages/jamforelser.py", role="Ledamot, SN")  # every committee member may open it
    assert at.title[0].value == "Jämförelser – kommunen, riket och jämförelsekommunerna"
    assert any("exempelfiler" in w.value and "påhittade värden" in w.value for w in at.warning)
    heads = [s.value for s in at.subheader]
    assert heads == ["Andel invånare 0–20 år", "Kostnad för öppna insatser för barn och unga, kr per invånare",
                     "Indragen studiehjälp för ogiltig frånvaro i gymnasiet", "Invånare 0–20 år",
                     "Det som saknar nationell motsvarighet"]
    figs = charts(at)
    cfg = peers.load(ROOT / "config" / "peers.yaml")
    names = ["Helsingborg (kommunen)", "Riket", *(peers.name(c) for c in cfg.peers)]
    kolada = next(f for t, f in figs.items() if t.startswith("Andel invånare 0–20 år (N33900)"))
    assert [t.name for t in kolada.data] == names
    csn = next(f for t, f in figs.items() if t.startswith("Andel med indragen studiehjälp"))
    assert [t.name for t in csn.data] == [*names, ui_peers.OWN_SERIES]
    country = next(t for t in csn.data if t.name == "Riket")
    assert abs(country.y[-1] - 10.8) < 1e-9  # the national share 2024/25 of the example file
    hoganas = next(t for t in csn.data if t.name == "Höganäs")
    assert hoganas.y[0] is None  # CSN's 0,0 beside a suppressed count is missing, not zero
    # residents: the municipalities only (the country's 2.5 million would flatten them), said so
    population = next(f for t, f in figs.items() if t.startswith("Invånare 0–20 år"))
    assert [t.name for t in population.data] == [n for n in names if n != "Riket"]
    shown = texts(at)
    assert ui_peers.POPULATION_NOTE in shown
    assert "Källa: Kolada (RKA). Data t.o.m. 2025 (exempelfil med påhittade värden)." in shown
    assert "Källa: CSN, tabell SUSHSVL10. Data t.o.m. 2024/25" in shown
    assert "olika populationer" in shown
    assert "Ingen" in json.dumps([h.value for h in at.get("html")], ensure_ascii=False)
