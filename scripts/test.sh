#!/usr/bin/env bash
# Run the whole test suite, setting up everything it needs first (virtualenv, packages, chromium,
# PostgreSQL for the store's tests, nginx for the front door's, axe-core for the accessibility sweep).
# Extra arguments go to pytest (e.g. -k attainment, -m "not e2e").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
ensure_venv requirements-dev.txt
ensure_chromium
ensure_postgresql
ensure_nginx
ensure_axe
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
