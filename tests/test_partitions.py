"""The warehouse's school-year partitions: a write rewrites only the school years it touches,
readers see the old files or the new ones and never a mix, and nothing is left behind."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from data import importer, warehouse
from data.warehouse import Warehouse
from tests.conftest import ROOT, absence_rows, build_warehouse, frame

TODAY = date(2026, 11, 30)
HEADER = "pupil_id;school_id;grade;gender;month;scheduled_minutes;absent_minutes;invalid_absent_minutes\n"

# Two school years: 2024/25 (three months) and 2025/26 (September).
ROWS = [
    *absence_rows("P1", "G1", "7", "flicka", [(date(2024, 9, 1), 4000, 800), (date(2024, 10, 1), 4000, 0),
                                              (date(2025, 2, 1), 3000, 300), (date(2025, 9, 1), 4000, 100)]),
    *absence_rows("P2", "G2", "8", "pojke", [(date(2024, 9, 1), 4000, 0), (date(2025, 9, 1), 4000, 900)]),
    *absence_rows("P3", "Y1", "1", "flicka", [(date(2025, 2, 1), 3000, 3000)]),
]


def _parts(path: Path) -> dict[str, tuple[int, int]]:
    """Each partition file of the live warehouse: name -> (inode, mtime)."""
    return {f.name: (f.stat().st_ino, f.stat().st_mtime_ns) for f in warehouse.files(path)[1:]}


def _on_disk(path: Path) -> set[str]:
    return {f.name for f in warehouse.parts_dir(path).iterdir()}


def test_each_school_year_is_its_own_file_and_the_views_see_them_all(tmp_path):
    path = tmp_path / "w.duckdb"
    wh = build_warehouse(path, absence=ROWS)
    assert sorted(n.split("-")[0] for n in _parts(path)) == ["2024", "2025"]
    assert _on_disk(path) == set(_parts(path))  # nothing else in the folder
    # the main file has no monthly rows of its own
    con = duckdb.connect(str(path), read_only=True)
    assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'absence'").fetchone()[0]
    con.close()
    assert wh.fetchone("SELECT count(*), sum(absent_minutes) FROM absence") == (7, 5100)
    # pupil sums per term and school year, by hand: P1 HT2024 800/8000, VT2025 300/3000, 2024/25 1100/11000
    got = wh.sql("SELECT period, scheduled, absent FROM pupil_periods WHERE pupil_key = 'P1' ORDER BY period").rows()
    whole = [r for r in got if ".." not in r[0]]
    assert whole == [("2024/25", 11000, 1100), ("2025/26", 4000, 100), ("HT2024", 8000, 800),
                     ("HT2025", 4000, 100), ("VT2025", 3000, 300)]
    # terms to date, from each term's first day to a month's end before its last month (none
    # before P1's first month): HT2024 from September, VT2025 from February, HT2025 from September
    assert [r for r in got if ".." in r[0]] == [
        ("2024-07-01..2024-09-30", 4000, 800), ("2024-07-01..2024-10-31", 8000, 800),
        ("2024-07-01..2024-11-30", 8000, 800), ("2025-01-01..2025-02-28", 3000, 300),
        ("2025-01-01..2025-03-31", 3000, 300), ("2025-01-01..2025-04-30", 3000, 300),
        ("2025-01-01..2025-05-31", 3000, 300), ("2025-07-01..2025-09-30", 4000, 100),
        ("2025-07-01..2025-10-31", 4000, 100), ("2025-07-01..2025-11-30", 4000, 100)]


def test_a_monthly_extract_rewrites_only_its_school_year_and_a_reader_sees_it(tmp_path):
    path = tmp_path / "w.duckdb"
    reader = build_warehouse(path, absence=ROWS)
    before = _parts(path)
    old_2025 = next(n for n in before if n.startswith("2025-"))
    assert reader.fetchone("SELECT count(*) FROM absence")[0] == 7
    held = reader.cursor()  # a query in flight on the old files, e.g. another session's

    csv = HEADER + "P1;G1;7;flicka;2025-10;4400;440;0\nP2;G2;8;pojke;2025-10;4400;0;0\n"
    plan = importer.prepare("absence", csv.encode(), "oktober.csv", path, today=TODAY)
    assert plan.ok, [str(p) for p in plan.problems]
    assert importer.apply(plan, path, user="test").rows_added == 2

    after = _parts(path)
    # 2024/25's file is the very same file; 2025/26's is a new one and the old one is gone
    assert {n: s for n, s in after.items() if n.startswith("2024-")} == \
        {n: s for n, s in before.items() if n.startswith("2024-")}
    assert old_2025 not in after and any(n.startswith("2025-") for n in after)
    assert _on_disk(path) == set(after)
    # the running reader follows the swap; the held cursor still reads the files it had
    assert reader.fetchone("SELECT count(*) FROM absence")[0] == 9
    assert reader.fetchone("SELECT absent FROM pupil_periods WHERE pupil_key = 'P1' AND period = 'HT2025'")[0] == 540
    assert held.execute("SELECT count(*) FROM absence").fetchone()[0] == 7


def test_a_failed_write_leaves_every_file_as_it_was_and_nothing_behind(tmp_path):
    path = tmp_path / "w.duckdb"
    reader = build_warehouse(path, absence=ROWS)
    before, main_bytes = _parts(path), path.read_bytes()

    def fill(con):
        warehouse.replace_absence(con, frame("absence", absence_rows("P9", "G1", "7", "pojke",
                                                                     [(date(2024, 11, 1), 4000, 4000)])))
        warehouse.refresh_pupil_periods(con, [date(2024, 11, 1)])
        raise RuntimeError("the import died half-way")

    with pytest.raises(RuntimeError):
        warehouse.write(path, fill)
    assert _parts(path) == before and path.read_bytes() == main_bytes
    assert _on_disk(path) == set(before)
    assert reader.fetchone("SELECT count(*) FROM absence WHERE pupil_key = 'P9'")[0] == 0


def test_files_of_a_killed_writer_are_removed_by_the_next_write(tmp_path):
    path = tmp_path / "w.duckdb"
    build_warehouse(path, absence=ROWS)
    stale = warehouse.parts_dir(path) / "2025-deadbeef0000.duckdb"
    stale.write_bytes(b"half a file")
    (warehouse.parts_dir(path) / "2025-deadbeef0000.duckdb.wal").write_bytes(b"x")
    warehouse.write(path, lambda con: con.execute("INSERT INTO meta VALUES ('note', 'x')"))
    assert _on_disk(path) == set(_parts(path)) and len(_parts(path)) == 2


def test_a_fresh_write_replaces_every_school_year(tmp_path):
    path = tmp_path / "w.duckdb"
    build_warehouse(path, absence=ROWS)
    build_warehouse(path, absence=[r for r in ROWS if r[4] >= date(2025, 7, 1)])
    assert sorted(n.split("-")[0] for n in _parts(path)) == ["2025"]
    assert _on_disk(path) == set(_parts(path))
    assert Warehouse(path).fetchone("SELECT count(*), min(month) FROM absence") == (2, date(2025, 9, 1))


def test_a_warehouse_without_absence_has_empty_views(tmp_path):
    wh = build_warehouse(tmp_path / "w.duckdb")
    assert wh.fetchone("SELECT count(*) FROM absence")[0] == 0
    assert wh.fetchone("SELECT count(*) FROM pupil_periods")[0] == 0
    assert wh.has_table("absence") and wh.has_table("pupil_periods")


def test_a_copy_is_independent_of_its_source(tmp_path):
    source, target = tmp_path / "a.duckdb", tmp_path / "kopia" / "b.duckdb"
    target.parent.mkdir()
    build_warehouse(source, absence=ROWS)
    warehouse.copy(source, target)
    assert all(f.parent == warehouse.parts_dir(target) for f in warehouse.files(target)[1:])
    warehouse.write(source, lambda con: warehouse.delete_absence(con, [date(2024, 9, 1)]))
    assert Warehouse(source).fetchone("SELECT count(*) FROM absence")[0] == 5
    assert Warehouse(target).fetchone("SELECT count(*) FROM absence")[0] == 7


def test_a_warehouse_from_before_partitions_is_read_as_it_is_and_moved_by_the_first_write(tmp_path):
    """Schema version 2 kept every table in one file; the first write moves the monthly rows."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    warehouse.create_schema(con, partitioned=False)
    con.execute("DROP TABLE partitions")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.execute("INSERT INTO schools VALUES ('G1', 'Alfaskolan', 'grundskola', 'Norr', 'kommunal'), "
                "('G2', 'Betaskolan', 'grundskola', 'Söder', 'kommunal'), "
                "('Y1', 'Deltagymnasiet', 'gymnasieskola', 'Norr', 'kommunal')")
    con.register("_rows", frame("absence", ROWS))
    con.execute("INSERT INTO absence SELECT * FROM _rows")
    con.close()
    # its pupil sums, computed by the current code into the old single file
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{path}' AS wh")
    con.execute("USE wh")
    con.execute("""INSERT INTO pupil_periods SELECT 'HT2024', pupil_key, 'grundskola', any_value(school_id),
                   any_value(grade), any_value(gender), sum(scheduled_minutes), sum(absent_minutes),
                   sum(invalid_absent_minutes), count(invalid_absent_minutes), count(*), max(month)
                   FROM absence WHERE month BETWEEN DATE '2024-07-01' AND DATE '2024-12-01' GROUP BY pupil_key""")
    con.close()
    reader = Warehouse(path)
    assert reader.fetchone("SELECT count(*), sum(absent_minutes) FROM absence") == (7, 5100)
    ht = reader.sql("SELECT pupil_key, absent FROM pupil_periods ORDER BY ALL").rows()
    assert ht == [("P1", 800), ("P2", 0)]

    warehouse.write(path, lambda con: warehouse.refresh_pupil_periods(con))
    assert sorted(n.split("-")[0] for n in _parts(path)) == ["2024", "2025"]
    assert reader.fetchone("SELECT count(*), sum(absent_minutes) FROM absence") == (7, 5100)
    assert reader.fetchone("SELECT value FROM meta WHERE key = 'schema_version'")[0] == warehouse.SCHEMA_VERSION
    assert reader.sql("SELECT pupil_key, absent FROM pupil_periods WHERE period = 'HT2024' ORDER BY ALL").rows() == \
        [("P1", 800), ("P2", 0)]
    con = duckdb.connect(str(path), read_only=True)
    assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'absence'").fetchone()[0]
    con.close()


def test_the_backup_command_copies_every_school_year_and_the_docs_name_it(tmp_path):
    source = tmp_path / "w.duckdb"
    build_warehouse(source, absence=ROWS)
    target = tmp_path / "kopia.duckdb"
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "backup", str(target), "--db", str(source)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Kopierade 3 filer" in proc.stdout
    assert Warehouse(target).fetchone("SELECT count(*), sum(absent_minutes) FROM absence") == (7, 5100)
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "backup", str(source), "--db", str(source)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "skrivas över databasen" in proc.stderr
    deploy = (ROOT / "DEPLOY.md").read_text(encoding="utf-8")
    assert "cli.py backup" in deploy and ".parts" in deploy


def test_a_missing_partition_file_is_a_clear_error_not_a_traceback(tmp_path):
    path = tmp_path / "w.duckdb"
    build_warehouse(path, absence=ROWS)
    warehouse.files(path)[1].unlink()  # e.g. a backup restored without its folder
    with pytest.raises(warehouse.WarehouseMissing, match="läsårsfil som saknas"):
        Warehouse(path).fetchone("SELECT count(*) FROM absence")


def test_the_dashboard_names_a_missing_partition_file_in_swedish(app_env, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "w.duckdb"
    build_warehouse(path, absence=ROWS)
    warehouse.files(path)[2].unlink()
    monkeypatch.setenv("SAMVERKAN_DB", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "pekar på en läsårsfil som saknas" in errors and "säkerhetskopian" in errors
