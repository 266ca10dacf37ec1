"""Samverkan benchmark: import, metrics, pages and memory at large-city scale.

    ./scripts/bench.sh [--scales 0.1,1,3] [--repeats 3] [--no-browser]

Prints a table with every target and ✓/✗, and writes the figures to bench/results.json.
Each scale runs in its own process (so memory is measured and freed per scale). Every timing
is the median of several runs, with min and max. No test asserts on these figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from bench import pandas_baseline  # noqa: E402
from bench.load import IDLE  # noqa: E402
from data import demo, importer  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402
from metrics import attainment, engine, goals, views  # noqa: E402

ABSENCE_COLUMNS = ("{'pupil_id': 'VARCHAR', 'school_id': 'VARCHAR', 'grade': 'VARCHAR', 'gender': 'VARCHAR', "
                   "'month': 'VARCHAR', 'scheduled_minutes': 'INTEGER', 'absent_minutes': 'INTEGER', "
                   "'invalid_absent_minutes': 'INTEGER'}")


def timed(fn, repeats: int, setup=None) -> dict:
    """Median, min and max seconds of ``fn`` over ``repeats`` runs (``setup`` before each, untimed)."""
    runs = []
    for _ in range(repeats):
        arg = setup() if setup else None
        t0 = time.perf_counter()
        fn(arg) if setup else fn()
        runs.append(time.perf_counter() - t0)
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs), "runs": len(runs)}


# --- what each page asks the engine for (the same view calls the page scripts make) -----------

def page_data(wh: Warehouse, cfg: goals.GoalConfig) -> dict:
    sy = views.school_years(wh)
    yrs = views.years(wh)
    month = views.months(wh)[0]
    return {
        "Översikt": lambda: (attainment.evaluate_all(wh, cfg), views.school_years(wh)),
        "Barn- och utbildningsnämnden": lambda: (
            views.absence_trend(wh, sy), views.absence_breakdown(wh, sy[0], "area"),
            views.absence_breakdown(wh, sy[0], "gender"), views.absence_distribution(wh, sy[0]),
            views.school_comparison(wh, sy[0]), views.absence_periods(wh)),
        "Socialnämnden": lambda: (
            views.report_funnel(wh, str(yrs[1])), views.reports_per_year(wh, yrs),
            views.share_by(wh, "investigation_share", str(yrs[1]), "reporter_category"),
            views.quality_trend(wh, yrs), views.interventions_by_type(wh, str(yrs[1])),
            views.share_by(wh, "intervention_coverage", sorted(sy), None)),
        "Styrgruppen": lambda: (views.goal_status_month(wh, cfg, month),
                                views.key_indicators_month(wh, month), views.months(wh)),
        "Importera data": lambda: importer.ledger(wh.path),
    }


def engine_metric_set(wh: Warehouse, school_years: list[str], years: list[int]) -> dict:
    """The baseline's metric set from the engine (unsuppressed, to compare every number)."""
    out = {"by_form": {}, "sn": {}, "investigation": {}, "counts": {}, "interventions": {}}
    df = engine.evaluate(wh, "high_absence_share", school_years, by=["school_form"], suppress=False, exact=True)
    for r in df.filter(df["school_form"].is_not_null()).iter_rows(named=True):
        out["by_form"][(r["period"], r["school_form"])] = (r["numerator"], r["denominator"])
    for r in engine.evaluate(wh, "high_absence_share_intervention", school_years, suppress=False, exact=True).iter_rows(named=True):
        out["sn"][r["period"]] = (r["numerator"], r["denominator"])
    ps = [str(y) for y in years]
    inv = engine.evaluate(wh, "investigation_share", ps, by=["reporter_category"], suppress=False, exact=True)
    for r in inv.filter(inv["reporter_category"].is_not_null()).iter_rows(named=True):
        out["investigation"][(int(r["period"]), r["reporter_category"])] = (r["numerator"], r["denominator"])
    for r in engine.evaluate(wh, "report_count", ps, suppress=False, exact=True).iter_rows(named=True):
        out["counts"][int(r["period"])] = r["numerator"]
    act = engine.evaluate(wh, "interventions_active", ps, by=["intervention_type"], suppress=False, exact=True)
    for r in act.filter(act["intervention_type"].is_not_null()).iter_rows(named=True):
        out["interventions"][(int(r["period"]), r["intervention_type"])] = r["numerator"]
    return out


def same_numbers(engine_out: dict, pandas_out: dict) -> bool:
    flat = {**pandas_out["absence"], **pandas_out["reports"], "interventions": pandas_out["interventions"]}
    return all(engine_out[k] == flat[k] for k in ("by_form", "sn", "investigation", "counts", "interventions"))


# --- one scale ---------------------------------------------------------------------------------

def run_scale(scale: float, work: Path, repeats: int, browser: bool) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    res: dict = {"scale": scale}
    spec = demo.DemoSpec.city(scale)
    t0 = time.perf_counter()
    tables = demo.generate(spec)
    res["generate_s"] = time.perf_counter() - t0
    res["rows"] = {k: v.height for k, v in tables.items()}
    files = demo.write_import_files(tables, work / "files")
    db = work / "stad.duckdb"
    t0 = time.perf_counter()
    demo.build(db, spec)
    res["build_warehouse_s"] = time.perf_counter() - t0
    del tables
    gc.collect()

    # Import of the absence file: the importer against bare DuckDB read_csv + INSERT.
    base = work / "base.duckdb"
    base.unlink(missing_ok=True)
    for kind in ("schools", "population"):
        importer.apply(importer.prepare(kind, files[kind].read_bytes(), files[kind].name, base), base)
    target = work / "import.duckdb"

    def fresh(_=None):
        for p in (target, target.with_name(target.name + ".tmp")):
            p.unlink(missing_ok=True)
        shutil.copy(base, target)

    def our_import(_):
        plan = importer.prepare("absence", files["absence"].read_bytes(), "absence.csv", target)
        assert plan.ok, [str(p) for p in plan.problems[:5]]
        importer.apply(plan, target, user="bench")

    def bare_import(_):
        con = duckdb.connect(str(target))
        con.execute(
            "INSERT INTO absence SELECT pupil_id, school_id, grade, gender, strptime(month, '%Y-%m')::DATE, "
            "scheduled_minutes, absent_minutes, invalid_absent_minutes "
            f"FROM read_csv('{files['absence']}', delim=';', header=true, columns={ABSENCE_COLUMNS})")
        con.execute("CHECKPOINT")
        con.close()

    n = res["rows"]["absence"]
    imp_repeats = repeats if scale <= 1 else 1
    res["import"] = timed(our_import, imp_repeats, fresh)
    res["import_bare_duckdb"] = timed(bare_import, imp_repeats, fresh)
    res["import_rows_per_s"] = n / res["import"]["median"]
    res["import_vs_bare"] = res["import"]["median"] / res["import_bare_duckdb"]["median"]

    # Page data and goal statuses: cold = a new reader (new connection) and the first
    # computation; warm = the same computation again on the same reader; cached = the
    # dashboard's own cache (st.cache_data) on a second visit.
    cfg = goals.load(ROOT / "config" / "goals.yaml")
    res["goal_statuses_cold"] = timed(lambda: attainment.evaluate_all(Warehouse(db), cfg), repeats)
    pages = {}
    for name in page_data(Warehouse(db), cfg):
        cold = timed(lambda name=name: page_data(Warehouse(db), cfg)[name](), repeats)
        wh = Warehouse(db)
        fn = page_data(wh, cfg)[name]
        fn()
        warm = timed(fn, repeats)
        pages[name] = {"cold": cold, "warm": warm}
    res["pages"] = pages
    res["pages_cached"] = cached_page_data(db, repeats)

    # The naive pandas baseline on the same data, checked to give the same numbers.
    wh = Warehouse(db)
    sy, yrs = sorted(views.school_years(wh)), sorted(views.years(wh))
    con = duckdb.connect(str(db), read_only=True)
    t0 = time.perf_counter()
    frames = pandas_baseline.load(con)
    res["pandas_load_s"] = time.perf_counter() - t0
    con.close()
    res["pandas"] = timed(lambda: pandas_baseline.metric_set(frames, sy, yrs), max(1, repeats - 1))
    res["engine_metric_set_cold"] = timed(lambda: engine_metric_set(Warehouse(db), sy, yrs), repeats)
    res["same_numbers"] = same_numbers(engine_metric_set(wh, sy, yrs), pandas_baseline.metric_set(frames, sy, yrs))
    res["engine_vs_pandas"] = res["pandas"]["median"] / res["engine_metric_set_cold"]["median"]
    frames = None  # free the pandas frames before the dashboard is measured
    gc.collect()
    res["bench_process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if browser:
        res["dashboard"] = dashboard(db, work)
    return res


def cached_page_data(db: Path, repeats: int) -> dict:
    """Second-visit times through the dashboard's cache layer (ui.state), per page."""
    os.environ["SAMVERKAN_DB"] = str(db)
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from ui import state

    sy = views.school_years(Warehouse(db))
    calls = {
        "Översikt": lambda: state.goal_results(None),
        "Barn- och utbildningsnämnden": lambda: (state.absence_trend(sy, {}),
                                                 state.absence_breakdown(sy[0], "area", {}),
                                                 state.school_comparison(sy[0], {})),
        "Styrgruppen": lambda: state.key_indicators_month(views.months(Warehouse(db))[0]),
    }
    out = {}
    for name, fn in calls.items():
        fn()
        out[name] = timed(fn, repeats)
    return out


def dashboard(db: Path, work: Path) -> dict:
    """Peak RSS of a real Streamlit server after visiting every page, and browser render times."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SAMVERKAN_DB": str(db), "SAMVERKAN_STORE_URL": f"sqlite:///{work / 'store.sqlite'}"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                             str(port), "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    pages = [("Översikt", "/", "Nämndens analys"), ("Barn- och utbildningsnämnden", "/bun", "Skolorna jämförda"),
             ("Socialnämnden", "/sn", "Socialnämndens mål"), ("Styrgruppen", "/styrgrupp", "Nämndernas analyser"),
             ("Definitioner", "/definitioner", "Andel elever med hög frånvaro"),
             ("Importera data", "/import", "Importlogg")]
    out: dict = {"render_s": {}}
    try:
        import urllib.request

        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                  args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = b.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900}).new_page()

            def done(marker):
                """Wait until the marker is shown and the script run has finished."""
                page.get_by_text(marker).first.wait_for(timeout=180_000)
                page.wait_for_function(IDLE, timeout=180_000)

            def visit(path, marker):
                t0 = time.perf_counter()
                page.goto(url + path)
                done(marker)
                return time.perf_counter() - t0

            for name, path, marker in pages:  # first visits fill the caches
                out.setdefault("first_visit_s", {})[name] = visit(path, marker)
            for name, path, marker in pages:
                out["render_s"][name] = statistics.median(visit(path, marker) for _ in range(3))

            def navigate(name, marker):
                # in-app navigation, as a user moves between pages: a click in the sidebar
                t0 = time.perf_counter()
                page.locator("[data-testid=stSidebarNav]").get_by_text(name, exact=False).first.click()
                done(marker)
                return time.perf_counter() - t0

            out["navigate_s"] = {}
            for _ in range(3):
                for name, _path, marker in pages:
                    out["navigate_s"].setdefault(name, []).append(navigate(name, marker))
            out["navigate_s"] = {k: statistics.median(v) for k, v in out["navigate_s"].items()}
            b.close()
        status = Path(f"/proc/{proc.pid}/status").read_text()
        hwm = next(line for line in status.splitlines() if line.startswith("VmHWM"))
        out["peak_rss_mb"] = int(hwm.split()[1]) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


# --- report ------------------------------------------------------------------------------------

def fmt_t(d: dict) -> str:
    return f"{d['median'] * 1000:,.0f} ms ({d['min'] * 1000:,.0f}–{d['max'] * 1000:,.0f})".replace(",", " ")


def report(results: list[dict]) -> list[tuple[str, str, bool | None]]:
    by = {r["scale"]: r for r in results}
    one = by.get(1.0)
    checks: list[tuple[str, str, bool | None]] = []
    if one:
        checks += [
            ("import ≥ 500 000 rows/s (×1)", f"{one['import_rows_per_s']:,.0f} rows/s".replace(",", " "),
             one["import_rows_per_s"] >= 500_000),
            ("import within 2× bare DuckDB (×1)", f"{one['import_vs_bare']:.2f}×", one["import_vs_bare"] <= 2),
            ("all goal statuses cold < 1 s (×1)", fmt_t(one["goal_statuses_cold"]),
             one["goal_statuses_cold"]["median"] < 1),
        ]
        for name, p in one["pages"].items():
            checks.append((f"{name}: data cold < 1 s (×1)", fmt_t(p["cold"]), p["cold"]["median"] < 1))
            # information: the same computation again without the dashboard's cache
            checks.append((f"{name}: data again without cache (×1, information)", fmt_t(p["warm"]), None))
        for name, p in one["pages_cached"].items():
            checks.append((f"{name}: data warm < 100 ms, dashboard cache (×1)", fmt_t(p), p["median"] < 0.1))
        checks.append(("engine ≥ 10× faster than pandas (×1)", f"{one['engine_vs_pandas']:.1f}× "
                       f"(same numbers: {'yes' if one['same_numbers'] else 'NO'})",
                       one["engine_vs_pandas"] >= 10 and one["same_numbers"]))
        if "dashboard" in one:
            d = one["dashboard"]
            checks.append(("dashboard peak RSS < 1.5 GB (×1)", f"{d['peak_rss_mb']:,.0f} MB".replace(",", " "),
                           d["peak_rss_mb"] < 1536))
            for name, s in d.get("navigate_s", {}).items():
                checks.append((f"{name}: browser render < 2 s, in-app navigation (×1)",
                               f"{s * 1000:,.0f} ms".replace(",", " "), s < 2))
            for name, s in d["render_s"].items():
                checks.append((f"{name}: browser full reload (×1, information)", f"{s * 1000:,.0f} ms".replace(",", " "),
                               None))
    three = by.get(3.0)
    if one and three:
        for label, key in (("import", "import"), ("goal statuses", "goal_statuses_cold")):
            ratio = three[key]["median"] / one[key]["median"]
            checks.append((f"{label} ×1 → ×3 no worse than linear", f"{ratio:.2f}× for 3× the data", ratio <= 3.3))
        worst = max(three["pages"][n]["cold"]["median"] / one["pages"][n]["cold"]["median"] for n in one["pages"])
        checks.append(("page data ×1 → ×3 no worse than linear (worst page)", f"{worst:.2f}×", worst <= 3.3))
    return checks


def print_report(results: list[dict], checks) -> None:
    print("\nScale  absence rows  reports  interventions  generate  build  import (median)  bare DuckDB  goal statuses cold")
    for r in results:
        rows = r["rows"]
        print(f"×{r['scale']:<5} {rows['absence']:>12,} {rows['reports']:>8,} {rows['interventions']:>14,} "
              f"{r['generate_s']:>8.1f}s {r['build_warehouse_s']:>5.1f}s {r['import']['median']:>15.1f}s "
              f"{r['import_bare_duckdb']['median']:>11.1f}s {fmt_t(r['goal_statuses_cold']):>20}".replace(",", " "))
    print("\nPage data (cold / warm, engine)")
    for r in results:
        for name, p in r["pages"].items():
            print(f"  ×{r['scale']:<4} {name:32s} cold {fmt_t(p['cold']):>24}   warm {fmt_t(p['warm']):>24}")
    print("\nTargets")
    for label, figure, ok in checks:
        mark = "·" if ok is None else ("✓" if ok else "✗")
        print(f"  {mark} {label:58s} {figure}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="0.1,1,3")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--work", default="/tmp/samverkan-bench")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    ap.add_argument("--merge", action="store_true",
                    help="keep the other scales' figures from --out and replace only the scales run now")
    ap.add_argument("--one-scale", type=float, help=argparse.SUPPRESS)  # internal: run one scale
    args = ap.parse_args()
    work = Path(args.work)
    if args.one_scale is not None:
        res = run_scale(args.one_scale, work / f"x{args.one_scale}", args.repeats, not args.no_browser)
        print(json.dumps(res, default=str))
        return 0
    results = []
    for scale in [float(s) for s in args.scales.split(",")]:
        print(f"… scale ×{scale}", flush=True)
        cmd = [sys.executable, __file__, "--one-scale", str(scale), "--repeats", str(args.repeats),
               "--work", str(work)] + (["--no-browser"] if args.no_browser or scale != 1.0 else [])
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        shutil.rmtree(work / f"x{scale}", ignore_errors=True)
    if args.merge and Path(args.out).exists():
        kept = [r for r in json.loads(Path(args.out).read_text())["results"]
                if r["scale"] not in {x["scale"] for x in results}]
        results = sorted(kept + results, key=lambda r: r["scale"])
    checks = report(results)
    print_report(results, checks)
    machine = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
               "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
               "duckdb": duckdb.__version__, "taken": time.strftime("%Y-%m-%d %H:%M")}
    Path(args.out).write_text(json.dumps({"machine": machine, "results": results,
                                          "targets": [{"target": a, "figure": b, "met": c} for a, b, c in checks]},
                                         indent=2, ensure_ascii=False, default=str))
    print(f"\nFigures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
