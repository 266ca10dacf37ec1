"""Issue 23, item 1: the import ledger, not a stored flag, decides whether a warehouse is the demo.

The open demo mode (no login, "Visa som (demo)", Import and Granskningslogg open, a banner saying
the figures are fictional) must never serve imported data: a demo warehouse that has received an
import is real data and is served only behind login; the open demo's Import page imports nothing.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from data import demo, importer, warehouse
from data.warehouse import Warehouse
from tests.conftest import ROOT, build_warehouse, shown
from tests.test_import import digest

APP = str(ROOT / "app.py")
SCHOOL = "school_id;school_name;school_form;area;operator\nR1;Riktiga skolan;grundskola;Norr;kommunal\n"


@pytest.fixture
def demo_copy(demo_db, tmp_path, app_env, monkeypatch):
    """A copy of the demo warehouse, served by the app (app_env's store)."""
    db = tmp_path / "demo.duckdb"
    warehouse.copy(demo_db, db)
    monkeypatch.setenv("SAMVERKAN_DB", str(db))
    return db


def _import_school(db) -> None:
    plan = importer.prepare("schools", SCHOOL.encode(), "skolor.csv", db)
    assert plan.ok, [str(p) for p in plan.problems]
    importer.apply(plan, db, user="dataforvaltare")


def test_the_ledger_decides(tmp_path, demo_db):
    assert Warehouse(demo_db).provenance() == "demo"
    assert Warehouse(demo_db).meta()["is_demo"] == "1"
    hand = build_warehouse(tmp_path / "hand.duckdb")  # no ledger rows: no demo
    assert hand.provenance() == "empty" and hand.meta()["is_demo"] == "0"
    db = tmp_path / "d.duckdb"
    warehouse.copy(demo_db, db)
    _import_school(db)
    wh = Warehouse(db)
    # the stored flag still says demo; the ledger has an import: real data, labelled as mixed
    assert wh.fetchone("SELECT value FROM meta WHERE key = 'is_demo'")[0] == "1"
    assert wh.provenance() == "real"
    meta = wh.meta()
    assert (meta["is_demo"], meta["dataset_label"], meta["municipality"]) == ("0", "Demodata och importerade data", "")


def test_a_demo_that_received_an_import_never_serves_without_login(demo_copy):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert "Demoläge – ingen inloggning" in " ".join(i.value for i in at.info)  # before: the open demo
    _import_school(demo_copy)
    for page in ("pages/overview.py", "pages/import.py", "pages/granskningslogg.py"):
        at = AppTest.from_file(APP, default_timeout=120).run()
        at.switch_page(page).run()
        errors = " ".join(shown(e.value) for e in at.error)
        assert "byggdes som demodata men har tagit emot importerade filer" in errors
        assert "startar inte utan inloggning" in errors
        assert not at.subheader and not at.dataframe and not at.get("download_button"), page
        assert not [s for s in at.selectbox if s.key == "demo_view"]  # no "Visa som (demo)"
        assert "Alla siffror är påhittade" not in " ".join(w.value for w in at.warning)


def test_the_open_demo_imports_nothing(demo_copy):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.selectbox(key="demo_view").set_value("Dataförvaltare").run()
    at.switch_page("pages/import.py").run()
    at.selectbox(key="import_kind").set_value("schools").run()
    before = digest(demo_copy)
    at.file_uploader(key="import_file").set_value(("skolor.csv", SCHOOL.encode(), "text/csv")).run()
    assert any("skolor.csv är giltig" in shown(s.value) for s in at.success)  # checked, as a demo shows
    assert not [b for b in at.button if b.key == "import_confirm"]
    assert any("I demoläget, utan inloggning, importeras inget" in i.value for i in at.info)
    assert digest(demo_copy) == before and Warehouse(demo_copy).provenance() == "demo"


def test_the_cli_says_so_and_never_builds_the_demo_over_imported_data(demo_db, tmp_path):
    db = tmp_path / "d.duckdb"
    warehouse.copy(demo_db, db)
    csv = tmp_path / "skolor.csv"
    csv.write_text(SCHOOL, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "SAMVERKAN_STORE_URL": f"sqlite:///{tmp_path / 's.sqlite'}"}

    def cli(*args):
        return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True,
                              env=env, cwd=ROOT)

    out = cli("import", "schools", str(csv), "--db", str(db))
    assert out.returncode == 0 and f"Obs: {db} var demodatabasen" in out.stdout
    before = digest(db)
    out = cli("demo", "--db", str(db))
    assert out.returncode == 2 and "innehåller importerade data" in out.stderr
    assert digest(db) == before


def test_only_the_generators_own_files_are_relabelled_as_demo(tmp_path):
    spec = demo.DemoSpec(first_school_year=2025, areas=1, grundskolor_per_area=2, preschools_per_area=1,
                         gymnasieskolor=1, cohort_size=60, reports_first_year=100, intervention_starts_per_year=20)
    files = demo.stream_import_files(spec, tmp_path / "files")
    db = tmp_path / "stad.duckdb"
    for kind in ("schools", "population", "interventions", "reports", "absence"):
        for path in files[kind]:
            plan = importer.prepare(kind, path.read_bytes(), path.name, db)
            assert plan.ok, [str(p) for p in plan.problems[:3]]
            importer.apply(plan, db, user="bench")
    assert Warehouse(db).provenance() == "real"
    generated = [p for paths in files.values() for p in paths]
    demo.label_as_demo(db, spec, generated)
    assert Warehouse(db).provenance() == "demo" and Warehouse(db).meta()["is_demo"] == "1"
    _import_school(db)  # then someone imports a real file
    with pytest.raises(ValueError, match="kommer inte från demogeneratorn"):
        demo.label_as_demo(db, spec, generated)
    assert Warehouse(db).provenance() == "real"
