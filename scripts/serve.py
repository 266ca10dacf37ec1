"""Start the dashboard: ``python scripts/serve.py [streamlit run options]`` (scripts/run.sh uses it).

The same as ``python -m streamlit run app.py`` – Streamlit's documented command, run here through
``runpy`` – after ``ui.preload`` has loaded the heavy modules and opened the store, so that the
first visitor after a restart does not wait for them. What the start loaded lives as long as the
process: ``gc.freeze()`` keeps Python's garbage collector from scanning it again at every full
collection (about 220,000 objects, 0.2-0.4 s each time; BENCHMARKS.md, "Capacity").
"""

from __future__ import annotations

import gc
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui import preload  # noqa: E402

if __name__ == "__main__":
    preload.preload()
    gc.collect()
    gc.freeze()
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    runpy.run_module("streamlit", run_name="__main__", alter_sys=True)
