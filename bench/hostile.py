"""Hostile import files: how long each takes to be refused, and the importing process's peak memory.

    .venv/bin/python -m bench.hostile

Each file is written to a temporary folder and imported with ``cli.py import --dry-run`` in its
own process against an empty warehouse with the example schools; the figures (wall time, peak
RSS from the kernel's accounting, exit code and the first message) are printed. Nothing is
asserted: tests/test_robustness.py checks the messages.
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

ROOT = Path(__file__).resolve().parents[1]
HEADER = "pupil_id;school_id;grade;gender;month;scheduled_minutes;absent_minutes;invalid_absent_minutes\n"


def files(work: Path) -> dict[str, Path]:
    out = {}
    p = work / "en-miljon-kolumner.csv"  # ~10 MB: 1,000,000 columns
    p.write_text(";".join(f"c{i}" for i in range(1_000_000)) + "\n" + ";".join("1" for _ in range(1_000_000)) + "\n")
    out["1 000 000 columns (CSV)"] = p
    p = work / "lang-rubrik.csv"  # a 20 MB header line
    p.write_bytes(b"x" * 20_000_000 + b"\n1\n")
    out["20 MB header line (CSV)"] = p
    p = work / "bomb.xlsx"  # packs to a few MB, unpacks to ~1.8 GB
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"<c><v>0</v></c>" * 100_000
            for _ in range(1_200):
                f.write(chunk)
    out[f"xlsx bomb ({p.stat().st_size / 1e6:.1f} MB packed)"] = p
    p = work / "trasig-utf8.csv"
    p.write_bytes(HEADER.encode() + "E1;EX-G1;7;flicka;2025-09;4400;10;0\n".encode() * 100_000 + "E2;Söder".encode() + b"\xff;7\n")
    out["UTF-8 with one stray byte (4 MB)"] = p
    p = work / "stort-tal.csv"
    p.write_text(HEADER + "E1;EX-G1;7;flicka;2025-09;99999999999;10;0\n")
    out["out-of-range integer"] = p
    return out


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
