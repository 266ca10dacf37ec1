"""The command line: documented JSON on the demo warehouse, Swedish errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import cli
from metrics import catalog
from tests.conftest import ROOT


def run(*args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_status_json_on_the_demo(demo_db):
    out = run("status", "--db", str(demo_db), "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [g["id"] for g in data] == ["bun-hog-franvaro", "sn-hog-franvaro-insats"]
    assert {g["committee"] for g in data} == {"BUN", "SN"}
    for goal in [data[1], *data[0]["parts"]]:
        for key in ("baseline", "current"):
            assert {"period", "value", "numerator", "denominator"} <= set(goal[key])
            assert 0 < goal[key]["value"] < 1  # a fraction, not a percentage
        assert goal["status"] in ("achieved", "partly", "not_achieved", "no_data")
        assert goal["target"]["kind"] in ("absolute_change", "relative_change")


def test_status_table_and_period(demo_db):
    out = run("status", "--db", str(demo_db), "--period", "2023/24")
    assert out.returncode == 0, out.stderr
    assert "bun-hog-franvaro" in out.stdout and "Uppnått" in out.stdout


def test_metric_list_names_every_indicator():
    out = run("metric", "--list")
    for ind in catalog.INDICATORS:
        assert ind.name in out.stdout and ind.label in out.stdout


def test_metric_json_for_every_indicator(demo_db, capsys):
    for ind in catalog.INDICATORS:
        rc = cli.main(["metric", ind.name, "--period", "2024/25", "--by", ind.dims[0], "--db",
                       str(demo_db), "--format", "json"])
        assert rc == 0, ind.name
        data = json.loads(capsys.readouterr().out)
        assert data["metric"] == ind.name and data["period"] == "2024/25"
        for row in data["rows"]:
            assert {ind.dims[0], "numerator", "denominator", "value", "ci_low", "ci_high",
                    "suppressed"} <= set(row)
            if row["suppressed"]:
                assert row["value"] is None and row["numerator"] is None


def test_metric_csv_and_filter(demo_db):
    out = run("metric", "high_absence_share", "--period", "HT2024", "--by", "area", "--filter",
              "school_form=grundskola", "--db", str(demo_db), "--format", "csv")
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0]
    assert header == "area,numerator,denominator,value,ci_low,ci_high,suppressed,coverage,covered_from,covered_until,missing"


@pytest.mark.parametrize("args,message", [
    (["metric", "nope"], "Okänd indikator 'nope'"),
    (["metric", "report_count", "--by", "grade"], "kan inte delas upp på grade"),
    (["metric", "report_count", "--period", "hösten"], "Okänd period 'hösten'"),
    (["status", "--goals", "/nonexistent/goals.yaml"], "Målfilen /nonexistent/goals.yaml finns inte"),
])
def test_errors_are_swedish_without_traceback(demo_db, args, message):
    out = run(*args, "--db", str(demo_db))
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_missing_database_says_how_to_build_it(tmp_path):
    out = run("status", "--db", str(tmp_path / "none.duckdb"))
    assert out.returncode == 2 and "python cli.py demo" in out.stderr


def test_explain_prints_the_sql_that_gives_the_number(demo_db):
    out = run("metric", "report_count", "--period", "2025", "--by", "area", "--filter", "reporter_category=skola",
              "--explain", "--db", str(demo_db))
    assert out.returncode == 0, out.stderr
    sql = "\n".join(line for line in out.stdout.splitlines() if not line.startswith("--"))
    assert "GROUP BY period, CUBE(area)" in sql and "-- parametrar (?): ['skola']" in out.stdout
    from data.warehouse import Warehouse

    wh = Warehouse(demo_db)
    rows = wh.sql(sql, params=["skola"])
    total = rows.filter(rows["area"].is_null())["numerator"][0]
    plain = wh.fetchone("SELECT count(*) FROM reports WHERE year(received_date) = 2025 "
                        "AND reporter_category = 'skola'")[0]
    assert total == plain
