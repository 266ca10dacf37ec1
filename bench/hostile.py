"""Hostile import files: how long each takes to be refused, and the importing process's peak memory.

    .venv/bin/python -m bench.hostile

Each file is written to a temporary folder and imported with ``cli.py import --dry-run`` in its
own process against an empty warehouse with the example schools; the figures (wall time, peak
RSS from the kernel's accounting, exit code and the first message) are printed. Then the same for
the follow-up registers' Excel import (``registers.import_excel``, each in its own process against
an empty store): the 3 MB workbook that unpacks to 1.2 GB, a sheet of a million empty rows, and
for comparison a register file at the row limit and the bare process. Target (issue 23): the
register bomb is refused before it is unpacked with a peak under 300 MB. Nothing is asserted:
tests/test_robustness.py and tests/test_registers.py check the messages.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
HEADER = "pupil_id;school_id;grade;gender;month;scheduled_minutes;absent_minutes;invalid_absent_minutes\n"


def sheet_bomb(target: Path | IO[bytes], repeats: int, compresslevel: int = 9) -> None:
    """Write an .xlsx-shaped zip bomb to ``target`` (a path or a binary stream): one sheet of
    ``repeats`` × 1.5 MB of the same cell, which packs to almost nothing (800 -> 1.2 GB unpacked
    in about 3 MB)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"<c><v>0</v></c>" * 100_000
            for _ in range(repeats):
                f.write(chunk)


def files(work: Path) -> dict[str, Path]:
    out = {}
    p = work / "en-miljon-kolumner.csv"  # ~10 MB: 1,000,000 columns
    p.write_text(";".join(f"c{i}" for i in range(1_000_000)) + "\n" + ";".join("1" for _ in range(1_000_000)) + "\n")
    out["1 000 000 columns (CSV)"] = p
    p = work / "lang-rubrik.csv"  # a 20 MB header line
    p.write_bytes(b"x" * 20_000_000 + b"\n1\n")
    out["20 MB header line (CSV)"] = p
    p = work / "bomb.xlsx"  # packs to a few MB, unpacks to ~1.8 GB
    sheet_bomb(p, 1_200)
    out[f"xlsx bomb ({p.stat().st_size / 1e6:.1f} MB packed)"] = p
    p = work / "trasig-utf8.csv"
    p.write_bytes(HEADER.encode() + "E1;EX-G1;7;flicka;2025-09;4400;10;0\n".encode() * 100_000 + "E2;Söder".encode() + b"\xff;7\n")
    out["UTF-8 with one stray byte (4 MB)"] = p
    p = work / "stort-tal.csv"
    p.write_text(HEADER + "E1;EX-G1;7;flicka;2025-09;99999999999;10;0\n")
    out["out-of-range integer"] = p
    return out


def register_files(work: Path) -> dict[str, Path]:
    import openpyxl

    out = {}
    p = work / "register-bomb.xlsx"  # the adversarial test's workbook: about 3 MB, 1.2 GB unpacked
    sheet_bomb(p, 800)
    out[f"register bomb ({p.stat().st_size / 1e6:.1f} MB packed, 1.2 GB unpacked)"] = p
    p = work / "register-tomma-rader.xlsx"  # a real workbook whose sheet has a million numbered empty rows
    small = work / "liten.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Nyckel"])
    wb.save(small)
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                z.writestr(info, src.read(info))
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for start in range(1, 1_000_001, 10_000):
                f.write(b"".join(b'<row r="%d"/>' % i for i in range(start, start + 10_000)))
            f.write(b"</sheetData></worksheet>")
    out["register, 1 000 000 empty rows"] = p
    p = work / "register-5000.xlsx"  # the largest file a register takes: the limit's 5,000 rows
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Nyckel", "Mål (id)", "Åtgärd", "Beskrivning", "Ansvarig nämnd", "Ansvarig enhet",
               "Ansvarig (roll eller namn)", "Start", "Klart senast", "Status"])
    for i in range(5_000):
        ws.append([None, "bun-hog-franvaro", f"Åtgärd {i}", "Beskrivning " * 20, "BUN", "Elevhälsan", "Rektor",
                   "2026-01-01", "2026-12-31", "planerad"])
    wb.save(p)
    out["register at the row limit (5 000 rows)"] = p
    return out


# The child reports its own peak: VmHWM, the high-water mark of its own memory since the exec
# (ru_maxrss would include the parent's size at the fork).
_REGISTER_CHILD = """
import sys
sys.path.insert(0, {root!r})
from data import registers, store
path = {path!r}
if path is None:
    store.engine({url!r})
    print("no file")
else:
    try:
        s = registers.import_excel({url!r}, registers.REGISTERS["atgarder"], open(path, "rb").read(),
                                   path.rsplit("/", 1)[-1], "bench")
        print("imported: " + s.text())
    except registers.RegisterError as exc:
        print("refused: " + exc.problems[0])
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


def register_imports(work: Path) -> list[dict]:
    """Each register file imported in its own process; the bare process (imports only) first."""
    rows = []
    for label, path in {"bare process (modules and store, no file)": None, **register_files(work)}.items():
        url = f"sqlite:///{work / (str(len(rows)) + '.sqlite')}"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _REGISTER_CHILD.format(
            root=str(ROOT), path=str(path) if path else None, url=url)], capture_output=True, text=True)
        lines = proc.stdout.strip().splitlines()
        ok = proc.returncode == 0 and len(lines) >= 2
        rows.append({"label": label, "seconds": time.perf_counter() - t0, "exit": proc.returncode,
                     "peak_mb": int(lines[-1]) / 1024 if ok else None,
                     "message": lines[-2] if ok else (proc.stderr.strip().splitlines() or [""])[-1]})
    return rows


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "wh.duckdb"
        env = {**os.environ, "SAMVERKAN_DB": str(db)}
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "import", "schools",
                        str(ROOT / "data" / "examples" / "schools.csv")], env=env, check=True, capture_output=True)
        print(f"{'file':38} {'seconds':>8} {'peak MB':>8}  exit  first message")
        for label, path in files(work).items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "import", "absence", str(path), "--dry-run"],
                                  env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            # ru_maxrss of children is the largest so far: report it only when this child raised it
            shown = f"{peak / 1024:8.0f}" if peak > before else f"{'≤' + format(before / 1024, '.0f'):>8}"
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            first = lines[1].strip() if len(lines) > 1 else (lines[0] if lines else "")
            print(f"{label:38} {seconds:8.1f} {shown}  {proc.returncode:>4}  {first[:110]}")
        print(f"\n{'register import (data/registers.py)':52} {'seconds':>8} {'peak MB':>8}  exit  message")
        for r in register_imports(work):
            peak = f"{r['peak_mb']:8.0f}" if r["peak_mb"] else f"{'..':>8}"
            target = ""
            if r["label"].startswith("register bomb"):
                ok = r["peak_mb"] is not None and r["peak_mb"] < 300 and r["message"].startswith("refused")
                target = " ✓ (target: refused, peak < 300 MB)" if ok else " ✗ (target: refused, peak < 300 MB)"
            print(f"{r['label']:52} {r['seconds']:8.1f} {peak}  {r['exit']:>4}  {r['message'][:90]}{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
