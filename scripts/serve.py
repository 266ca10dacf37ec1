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

from data import settings  # noqa: E402
from metrics import catalog  # noqa: E402
from ui import preload  # noqa: E402

if __name__ == "__main__":
    # An invalid setting or catalog entry stops the server here, before it listens, with the
    # messages 'python cli.py settings' gives (app.py shows the same to a visitor otherwise).
    if problems := settings.problems() + catalog.validate():
        print("Samverkan kan inte starta: inställningarna eller indikatorkatalogen är felaktiga:\n"
              + "\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        sys.exit(2)
    preload.preload()
    gc.collect()
    gc.freeze()
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    runpy.run_module("streamlit", run_name="__main__", alter_sys=True)
