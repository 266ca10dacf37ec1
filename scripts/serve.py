"""Start the dashboard: ``python scripts/serve.py [streamlit run options]`` (scripts/run.sh uses it).

The same as ``python -m streamlit run app.py`` – Streamlit's documented command, run here through
``runpy`` – after ``ui.preload`` has loaded the heavy modules and opened the store, so that the
first visitor after a restart does not wait for them.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui import preload  # noqa: E402

if __name__ == "__main__":
    preload.preload()
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    runpy.run_module("streamlit", run_name="__main__", alter_sys=True)
