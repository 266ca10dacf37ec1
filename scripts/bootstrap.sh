# Sourced by scripts/run.sh and scripts/test.sh: sets up what the project needs on a fresh machine.
# - .venv with the pinned packages (reinstalled only when a requirements file changes)
# - Debian's chromium for browser tests and server-side chart export (when missing)
# - Debian's postgresql and nginx for the store's and the front door's tests (test.sh, when missing)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_venv() {  # $1: requirements file relative to ROOT
  local req="$1" stamp hash
  if [ ! -x "$VENV/bin/python" ]; then
    echo "Skapar virtuell miljö i $VENV …"
    "${PYTHON:-python3}" -m venv "$VENV"
  fi
  stamp="$VENV/.installed-$(basename "$req")"
  hash="$(cat "$ROOT"/requirements*.txt | sha256sum | cut -c1-16)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]; then
    echo "Installerar paket från $req …"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/$req"
    echo "$hash" > "$stamp"
  fi
}

apt_install() {  # $1: Debian package, $2: why (printed)
  echo "Installerar Debians $1 ($2) …"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >/dev/null
}

ensure_chromium() {
  command -v chromium >/dev/null 2>&1 || apt_install chromium "behövs för webbläsartester och bildexport"
}

ensure_nginx() {
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 \
    || apt_install nginx "DEPLOY.md:s omvända proxy testas framför en riktig server"
}

ensure_postgresql() {
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
    || apt_install postgresql "store-testerna körs mot en riktig PostgreSQL-server"
}

ensure_axe() {  # axe-core for the accessibility sweep (tests/test_a11y.py), pinned in tests/a11y/package.json
  local dir="$ROOT/tests/a11y" want have
  want="$(sed -n 's/.*"axe-core": *"\([^"]*\)".*/\1/p' "$dir/package.json")"
  have=""  # (a missing file is no error: set -e and pipefail would end the script here)
  if [ -f "$dir/node_modules/axe-core/package.json" ]; then
    have="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$dir/node_modules/axe-core/package.json" | head -1)"
  fi
  if [ "$want" != "$have" ]; then
    command -v npm >/dev/null 2>&1 || apt_install npm "npm installerar axe-core för tillgänglighetstesterna"
    echo "Installerar axe-core $want (tillgänglighetstesterna) …"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
