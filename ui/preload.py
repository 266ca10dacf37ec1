"""What a freshly started server loads before its first visitor arrives (scripts/serve.py).

Without it, the first visitor after every restart waits about a second for imports (pandas,
plotly, pyarrow, SQLAlchemy and Alembic, the engine's modules) and for the store's migration
check. Only modules without Streamlit caches are imported here: ``st.cache_data`` decorators run
at import time and must see the server's runtime, so the ``ui`` page modules are left to the first
run (they are small; what they import is loaded here).
"""

from __future__ import annotations

import logging

log = logging.getLogger("samverkan.app")


def preload() -> None:
    import docx  # noqa: F401  (the committee brief)

    import ui.warmup  # noqa: F401  (pandas, plotly, pyarrow, xlsxwriter, Babel's Swedish data)
    from data import access, demo, importer, registers, settings, store  # noqa: F401
    from metrics import attainment, completeness, engine, precompute, views  # noqa: F401

    try:
        store.engine(settings.store_url())  # connects and checks (or upgrades) the schema once
    except Exception:  # the first page says what is wrong with the store, in Swedish
        log.exception("the store could not be opened at start")
