"""Shared fixtures: hand-written warehouses and one demo warehouse per test session."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from bench.postgres import PgCluster, PgMissing  # noqa: F401 (PgCluster: tests stop and start it)
from data import demo, demo_registers, store, warehouse
from data.warehouse import Warehouse
from metrics import precompute

ROOT = Path(__file__).resolve().parents[1]

# Most tests compare published figures with independent exact computations on fixture rows, so the
# session runs with exact counts (SAMVERKAN_ROUNDING_BASE=1, a documented setting; servers started
# by the tests inherit it). The product's default, base 5, is tested where it matters: the
# disclosure tests (test_disclosure.py) set it back with monkeypatch.
os.environ["SAMVERKAN_ROUNDING_BASE"] = "1"

# Every write in the session stores the pages' first views, as the CLI and the dashboard do
# (not only after the first test that happens to import ui.state): the stored and the engine's
# figures are compared in test_precompute.py, and the app tests read them on first views.
precompute.install()

SCHOOLS = [
    # school_id, school_name, school_form, area, operator
    ("G1", "Alfaskolan", "grundskola", "Norr", "kommunal"),
    ("G2", "Betaskolan", "grundskola", "Söder", "kommunal"),
    ("G3", "Friskolan Gamma", "grundskola", "Söder", "fristaende"),
    ("Y1", "Deltagymnasiet", "gymnasieskola", "Norr", "kommunal"),
    ("F1", "Förskolan Epsilon", "forskola", "Norr", "kommunal"),
]

_SCHEMAS = {
    "schools": {"school_id": pl.String, "school_name": pl.String, "school_form": pl.String,
                "area": pl.String, "operator": pl.String},
    "population": {"year": pl.Int32, "area": pl.String, "age_from": pl.Int32, "age_to": pl.Int32,
                   "residents": pl.Int32},
    "absence": {"pupil_key": pl.String, "school_id": pl.String, "grade": pl.String,
                "gender": pl.String, "month": pl.Date, "scheduled_minutes": pl.Int32,
                "absent_minutes": pl.Int32, "invalid_absent_minutes": pl.Int32},
    "reports": {"report_id": pl.String, "child_key": pl.String, "received_date": pl.Date,
                "gender": pl.String, "age": pl.Int32, "reporter_category": pl.String,
                "school_id": pl.String, "area": pl.String, "decision": pl.String,
                "decision_date": pl.Date, "feedback_given": pl.Boolean, "feedback_date": pl.Date,
                "meeting_held": pl.Boolean, "reporter_attended": pl.Boolean},
    "interventions": {"intervention_id": pl.String, "child_key": pl.String,
                      "intervention_type": pl.String, "committee": pl.String,
                      "start_date": pl.Date, "end_date": pl.Date, "school_id": pl.String},
    "import_ledger": {"import_id": pl.String, "kind": pl.String, "source": pl.String, "file_name": pl.String,
                      "file_hash": pl.String, "period": pl.String, "rows_added": pl.Int64,
                      "rows_replaced": pl.Int64, "rows_rejected": pl.Int64, "data_until": pl.Date,
                      "imported_by": pl.String, "key_version": pl.String, "imported_at": pl.Datetime},
}


def shown(markdown: str) -> str:
    """What a reader sees of escaped Markdown (ui.format.literal): the backslashes dropped."""
    return re.sub(r"\\(.)", r"\1", markdown)


def html_tables(at) -> list[pl.DataFrame]:
    """The responsive HTML tables (``ui.tables.responsive_html``) an AppTest run drew, read back
    from their markup as users' browsers get it: header cells and data cells, unescaped."""
    from html.parser import HTMLParser

    class _Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "table" and ("class", "sv-table") in attrs:
                self.tables.append({"head": [], "rows": []})
            elif tag == "tr" and self.tables:
                self.tables[-1]["rows"].append([])
            elif tag in ("th", "td") and self.tables:
                self.cell = []

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

        def handle_endtag(self, tag):
            if tag in ("th", "td") and self.cell is not None:
                t = self.tables[-1]
                (t["head"] if tag == "th" else t["rows"][-1]).append("".join(self.cell))
                self.cell = None

    reader = _Reader()
    for h in at.get("html"):
        reader.feed(h.proto.body)
    return [pl.DataFrame([r for r in t["rows"] if r], schema=t["head"], orient="row") for t in reader.tables]


def frame(table: str, rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=_SCHEMAS[table], orient="row")


def build_warehouse(path: Path, **tables: list[tuple]) -> Warehouse:
    """A warehouse file with the given hand-written rows (schools default to SCHOOLS)."""
    tables.setdefault("schools", SCHOOLS)

    def fill(con):
        for name, rows in tables.items():
            df = frame(name, rows)
            if name == "absence":
                warehouse.replace_absence(con, df)
                continue
            con.register("_src", df)
            con.execute(f"INSERT INTO {name} ({', '.join(df.columns)}) SELECT {', '.join(df.columns)} FROM _src")
            con.unregister("_src")
        warehouse.refresh_pupil_periods(con)
        con.execute("INSERT INTO meta VALUES ('dataset_label', 'Testdata')")

    warehouse.write(path, fill, fresh=True)
    return Warehouse(path)


def absence_rows(pupil: str, school: str, grade: str, gender: str,
                 months: list[tuple[date, int, int]], invalid: int | None = 0) -> list[tuple]:
    """Rows for one pupil: months as (first day, scheduled, absent)."""
    return [(pupil, school, grade, gender, m, s, a, invalid) for m, s, a in months]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The default demo municipality, built once per test session."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build(path, demo.DemoSpec())
    return path


@pytest.fixture(scope="session")
def demo_wh(demo_db) -> Warehouse:
    return Warehouse(demo_db)


@pytest.fixture
def app_env(demo_db, tmp_path, monkeypatch):
    """Environment for AppTest runs: the session's demo warehouse and a fresh store."""
    monkeypatch.setenv("SAMVERKAN_DB", str(demo_db))
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store.seed_demo_comments(url, "2026/27")  # as `cli.py demo` does
    demo_registers.seed(url)
    monkeypatch.setenv("SAMVERKAN_STORE_URL", url)
    monkeypatch.setenv("SAMVERKAN_GOALS", str(ROOT / "config" / "goals.yaml"))
    yield os.environ


def pytest_terminal_summary(terminalreporter):
    shots = ROOT / "test-artifacts" / "screenshots"
    if shots.exists() and any(shots.iterdir()):
        terminalreporter.write_line(f"Screenshots of every page: {shots}")


@pytest.fixture
def db(tmp_path) -> Path:
    """An empty warehouse with the example schools imported (the import tests' starting point)."""
    from data import importer

    path = tmp_path / "w.duckdb"
    data = (ROOT / "data" / "examples" / "schools.csv").read_bytes()
    plan = importer.prepare("schools", data, "schools.csv", path)
    assert plan.ok, [str(p) for p in plan.problems]
    importer.apply(plan, path, user="test")
    return path


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (test modules may define their own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def svg_text_outside(page, svg: str) -> list[dict]:
    """Every non-empty text element of an SVG image whose box, measured in a real browser, lies
    (partly) outside the image: [] when all text is inside."""
    page.set_content(f"<html><body style='margin:0'>{svg[svg.index('<svg'):]}</body></html>")
    return page.evaluate("""() => {
        const svg = document.querySelector('svg'); const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, l: r.left - box.left, r: r.right - box.left, t: r.top - box.top,
                    b: r.bottom - box.top, w: box.width, h: box.height};
        }).filter(x => x.l < -0.5 || x.t < -0.5 || x.r > x.w + 0.5 || x.b > x.h + 0.5);
    }""")


@pytest.fixture(scope="session")
def postgres_cluster():
    try:
        with PgCluster.running() as cluster:
            yield cluster
    except PgMissing as exc:
        pytest.fail(str(exc))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """An empty store on SQLite and on a real PostgreSQL server (a fresh database per test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("postgres_cluster").database()
