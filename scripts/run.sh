#!/usr/bin/env bash
# Start the dashboard. With no SAMVERKAN_DB set it runs on the demo municipality, built on first
# start. Extra arguments go to `streamlit run` (e.g. --server.port 8600). scripts/serve.py is
# `python -m streamlit run app.py` after loading the heavy modules, so the first visitor after a
# restart does not wait for them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
ensure_venv requirements.txt
cd "$ROOT"
if [ -z "${SAMVERKAN_DB:-}" ]; then
  "$VENV/bin/python" cli.py demo --if-missing
fi
exec "$VENV/bin/python" scripts/serve.py "$@"
