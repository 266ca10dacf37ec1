"""Issue 23, item 8: retention (gallring) of pupil-level rows, on hand-written rows.

Every expectation is counted by hand from the fixture: which rows are dated before the cutoff,
which school years' files go, what the goal file's baseline keeps.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

from data import retention, store, warehouse
from data.warehouse import Warehouse
from metrics import attainment, completeness, goals, precompute
from tests.conftest import ROOT, absence_rows, build_warehouse
from tests.test_import import digest

TODAY = date(2026, 12, 3)  # school year 2026/27
BASELINES = {"bun-mal": "2022/23"}


def _months(*pairs: tuple[int, int]) -> list[tuple[date, int, int]]:
    return [(date(y, m, 1), 4000, 400) for y, m in pairs]


def _fixture(path):
    """One pupil per school year from 2019/20 to 2025/26 (two months each), a pupil who is only
    in 2020/21 with a key that must vanish from the files, reports and interventions around the
    cutoff, one ledger row."""
    absence = []
    for y in range(2019, 2026):
        absence += absence_rows(f"P{y}", "G1", "5", "flicka", _months((y, 9), (y + 1, 3)))
    absence += absence_rows("RADERAS-ELEV-2020", "G2", "7", "pojke", _months((2020, 10)))
    reports = [(f"R{i}", f"C{i}", d, "flicka", 10, "skola", "G1", "Norr", "utredning_inleds", d, True, d, True, True)
               for i, d in enumerate([date(2020, 5, 4), date(2022, 6, 30), date(2022, 7, 1), date(2025, 1, 9)])]
    interventions = [
        ("I0", "C0", "narvaroteam", "bun", date(2019, 9, 1), date(2020, 6, 30), "G1"),  # ended before: goes
        ("I1", "C1", "tsi", "gemensam", date(2020, 1, 1), None, "G1"),  # still active: stays
        ("I2", "C2", "starka", "sn", date(2021, 3, 1), date(2022, 8, 15), "G1"),  # active in the baseline year
        ("I3", "C3", "sip", "sn", date(2021, 3, 1), date(2022, 6, 30), None),  # ended the day before: goes
        ("I4", "C4", "sip", "sn", date(2024, 3, 1), None, None),
    ]
    ledger = [("L1", "absence", "import", "franvaro.csv", "abc", "2019-09..2026-03", 15, 0, 0, date(2026, 3, 31),
               "test", "1", datetime(2026, 4, 1))]
    return build_warehouse(path, absence=absence, reports=reports, interventions=interventions, import_ledger=ledger)


def test_retention_deletes_what_is_older_than_the_cutoff_and_keeps_the_baselines(tmp_path):
    path = tmp_path / "wh.duckdb"
    _fixture(path)
    before = {f.name for f in warehouse.parts_dir(path).iterdir()}
    plan = retention.plan(path, 2, BASELINES, today=TODAY)
    # the setting alone: 2026/27 and two before it, from 2024-07-01; the baseline 2022/23 keeps more
    assert (plan.configured, plan.cutoff, plan.kept_for) == (date(2024, 7, 1), date(2022, 7, 1), BASELINES)
    # by hand: 2019/20, 2020/21, 2021/22 – two months each, plus the 2020 pupil's one month; the sums:
    # per school year two terms, the year and six terms to date for each of those pupils (3 × 9:
    # September in those ending in September, October and November, March in those ending in
    # March, April and May) and the extra pupil's HT2020, 2020/21 and two terms to date (October,
    # November); reports of 2020-05-04 and 2022-06-30; interventions I0 and I3
    assert plan.counts == {"absence": 7, "pupil_periods": 31, "reports": 2, "interventions": 2}
    lines = "\n".join(plan.lines())
    assert "Behåller ändå från 2022-07-01 (läsåret 2022/23): målfilen behöver basåren – bun-mal (basår 2022/23)" in lines
    assert retention.apply(path, plan) == plan.counts
    wh = Warehouse(path)
    assert wh.sql("SELECT DISTINCT pupil_key FROM absence ORDER BY 1")["pupil_key"].to_list() == [
        "P2022", "P2023", "P2024", "P2025"]
    assert wh.sql("SELECT report_id FROM reports ORDER BY 1")["report_id"].to_list() == ["R2", "R3"]
    assert wh.sql("SELECT intervention_id FROM interventions ORDER BY 1")["intervention_id"].to_list() == [
        "I1", "I2", "I4"]
    assert wh.fetchone("SELECT count(*) FROM import_ledger")[0] == 1  # no pupil rows: kept
    assert wh.fetchone("SELECT count(*) FROM schools")[0] == 5
    assert wh.meta()["retention_cutoff"] == "2022-07-01"
    # the dropped school years' files are gone; the kept ones are the same files, untouched
    after = {f.name for f in warehouse.parts_dir(path).iterdir()}
    assert after < before and {int(n[:4]) for n in after} == {2022, 2023, 2024, 2025}
    assert {n for n in before if int(n[:4]) >= 2022} == after
    # nothing of a deleted pupil or report is left in any file of the warehouse
    for f in [path, *warehouse.parts_dir(path).iterdir()]:
        data = f.read_bytes()
        assert b"RADERAS-ELEV-2020" not in data and b"P2019" not in data, f


def test_the_views_are_computed_again_and_no_gap_is_reported_before_the_cutoff(tmp_path):
    path = tmp_path / "wh.duckdb"
    _fixture(path)
    # the complete school years with data (2025/26 is not over in March 2026, the data's last month)
    assert precompute.lookup(Warehouse(path), "school_years", ()) == [
        "2024/25", "2023/24", "2022/23", "2021/22", "2020/21", "2019/20"]
    retention.apply(path, retention.plan(path, 2, BASELINES, today=TODAY))
    wh = Warehouse(path)
    assert precompute.lookup(wh, "school_years", ()) == ["2024/25", "2023/24", "2022/23"]
    # I1 started in 2020 and is kept alone: its start month is no series with holes
    assert [g.text for g in completeness.gaps(wh) if g.month < date(2022, 7, 1)] == []


def test_a_baseline_inside_the_setting_changes_nothing(tmp_path):
    path = tmp_path / "wh.duckdb"
    _fixture(path)
    plan = retention.plan(path, 5, {"g": "2024/25"}, today=TODAY)
    assert (plan.configured, plan.cutoff, plan.kept_for) == (date(2021, 7, 1), date(2021, 7, 1), {})
    # 2019/20 and 2020/21: 2 × 9 sums and the extra pupil's 4 (as above)
    assert plan.counts == {"absence": 5, "pupil_periods": 22, "reports": 1, "interventions": 1}


def test_goal_statuses_are_the_same_after_retention(demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    warehouse.copy(demo_db, path)
    cfg = goals.load(ROOT / "config" / "goals.yaml")

    def statuses():
        return [(r.id, r.status, r.baseline.value if r.baseline else None, r.current.value if r.current else None,
                 r.incomplete) for r in attainment.flatten(attainment.evaluate_all(Warehouse(path), cfg))]

    first, gaps = statuses(), [g.text for g in completeness.gaps(Warehouse(path))]
    plan = retention.plan(path, 1, {"bun-hog-franvaro": "2022/23", "sn-hog-franvaro-insats": "2022/23"})
    assert plan.cutoff == date(2022, 7, 1) and plan.counts["absence"] > 0
    retention.apply(path, plan)
    assert statuses() == first
    # interventions that started before the cutoff and are still needed stay, one here and there:
    # no month before the cutoff is reported missing (the sidebar lists every gap)
    assert [g.text for g in completeness.gaps(Warehouse(path))] == gaps


def test_the_command_needs_a_setting_says_what_it_keeps_and_records_it(tmp_path):
    path = tmp_path / "wh.duckdb"
    _fixture(path)
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    env = {"PATH": "/usr/bin:/bin", "SAMVERKAN_STORE_URL": url}

    def cli(*args, **extra):
        return subprocess.run([sys.executable, str(ROOT / "cli.py"), "retention", "--db", str(path), *args],
                              capture_output=True, text=True, env={**env, **extra}, cwd=ROOT)

    out = cli()
    assert out.returncode == 2 and "Ingen gallringstid är satt" in out.stderr
    before = digest(path)
    out = cli("--dry-run", SAMVERKAN_RETENTION_YEARS="1")
    assert out.returncode == 0 and "Provkörning: inget raderades." in out.stdout
    assert "målfilen behöver basåren – bun-hog-franvaro (basår 2022/23)" in out.stdout  # the shipped goal file
    assert digest(path) == before
    out = cli("--years", "1")
    assert out.returncode == 0, out.stderr
    assert "orosanmälningar 2" in out.stdout and "insatser 2" in out.stdout
    events = store.audit_events(url, action="retention")
    assert len(events) == 1 and events[0].detail.startswith("Gallring före 2022-07-01 i wh.duckdb: ")
