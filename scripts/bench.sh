#!/usr/bin/env bash
# Run the benchmark (bench/run.py): prints a table with every target and writes bench/results.json.
# Extra arguments go to bench/run.py, e.g. --scales 0.1,1 --repeats 3 --no-browser.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
ensure_venv requirements-dev.txt
ensure_chromium
cd "$ROOT"
exec "$VENV/bin/python" bench/run.py "$@"
