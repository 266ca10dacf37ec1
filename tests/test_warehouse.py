"""The warehouse: schema, atomic swap, readers that follow swaps and never block writers."""

from __future__ import annotations

import duckdb
import pytest

from data import warehouse
from data.warehouse import Warehouse
from tests.conftest import SCHOOLS, build_warehouse

EXPECTED_COLUMNS = {
    "schools": {"school_id", "school_name", "school_form", "area", "operator"},
    "population": {"year", "area", "age_from", "age_to", "residents"},
    "absence": {"pupil_key", "school_id", "grade", "gender", "month", "scheduled_minutes",
                "absent_minutes", "invalid_absent_minutes"},
    "reports": {"report_id", "child_key", "received_date", "gender", "age", "reporter_category",
                "school_id", "area", "decision", "decision_date", "feedback_given",
                "feedback_date", "meeting_held", "reporter_attended"},
    "interventions": {"intervention_id", "child_key", "intervention_type", "committee",
                      "start_date", "end_date", "school_id"},
    "import_ledger": {"import_id", "kind", "source", "file_name", "file_hash", "period",
                      "rows_added", "rows_replaced", "rows_rejected", "data_until",
                      "imported_by", "key_version", "imported_at"},
}


def test_schema(tmp_path):
    wh = build_warehouse(tmp_path / "w.duckdb")
    for table, cols in EXPECTED_COLUMNS.items():
        got = set(wh.sql(f"SELECT * FROM {table} LIMIT 0").columns)
        assert got == cols, table
    # no column anywhere is named like a personal identity number
    all_cols = wh.sql("SELECT column_name FROM duckdb_columns() WHERE database_name = 'wh'")["column_name"]
    assert not [c for c in all_cols if "personnummer" in c or c in ("pnr", "ssn")]


def test_constraints_reject_impossible_codes(tmp_path):
    def fill(con):
        con.execute("INSERT INTO schools VALUES ('X', 'x', 'universitet', 'Norr', 'kommunal')")

    with pytest.raises(duckdb.ConstraintException):
        warehouse.write(tmp_path / "w.duckdb", fill, fresh=True)
    assert not (tmp_path / "w.duckdb").exists()


def test_failed_write_leaves_the_live_file_untouched(tmp_path):
    path = tmp_path / "w.duckdb"
    wh = build_warehouse(path)
    before = path.read_bytes()

    def fill(con):
        con.execute("DELETE FROM schools")
        raise RuntimeError("import died half-way")

    with pytest.raises(RuntimeError):
        warehouse.write(path, fill)
    assert path.read_bytes() == before
    assert wh.fetchone("SELECT count(*) FROM schools")[0] == len(SCHOOLS)
    assert not path.with_name(path.name + ".tmp").exists()


def test_reader_follows_a_swap_and_does_not_block_the_writer(tmp_path):
    path = tmp_path / "w.duckdb"
    reader = build_warehouse(path)
    assert reader.fetchone("SELECT count(*) FROM schools")[0] == len(SCHOOLS)
    # the reader holds the file open while a writer swaps a new one in
    warehouse.write(path, lambda con: con.execute("DELETE FROM schools WHERE school_id = 'G1'"))
    assert reader.fetchone("SELECT count(*) FROM schools")[0] == len(SCHOOLS) - 1
    # a second reader in another "process" sees the same
    assert Warehouse(path).fetchone("SELECT count(*) FROM schools")[0] == len(SCHOOLS) - 1


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(warehouse.WarehouseMissing, match="finns inte"):
        Warehouse(tmp_path / "nope.duckdb").fetchone("SELECT 1")
