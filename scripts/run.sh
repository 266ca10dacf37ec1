#!/usr/bin/env bash
# Start the dashboard. With no SAMVERKAN_DB set it runs on the demo municipality, built on first
# start. Extra arguments go to `streamlit run` (e.g. --server.port 8600). scripts/serve.py is
# `python -m streamlit run app.py` after loading the heavy modules, so the first visitor after a
# restart does not wait for them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
ensure_venv requirements.txt
# the chart images (PNG, SVG) and the brief's charts are drawn by Debian's chromium; without it the
# dashboard runs and says on its pages that image export is unavailable, and why
ensure_chromium || echo "Varning: chromium kunde inte installeras; bildexport (PNG, SVG, rapporternas diagram) är inte tillgänglig." >&2
cd "$ROOT"
if [ -z "${SAMVERKAN_DB:-}" ]; then
  "$VENV/bin/python" cli.py demo --if-missing
fi
exec "$VENV/bin/python" scripts/serve.py "$@"
