#!/usr/bin/env bash
# What `make test` needs beyond Python, installed only when missing: Debian's chromium (the browser tests drive it
# through Playwright, which never downloads a browser), redis-server and postgresql (the scale-out tests start their
# own servers from them), and the axe-core npm package (accessibility tests, `npm ci` from tests/axe's lock file).
# Without root (and without password-less sudo) it stops at once and names the command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || packages+=(postgresql)
command -v npm >/dev/null 2>&1 || packages+=(npm)
command -v curl >/dev/null 2>&1 || packages+=(curl)
if [ "${#packages[@]}" -gt 0 ]; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      as_root=(sudo)
    else
      echo "make test needs these Debian packages, which are missing: ${packages[*]}" >&2
      echo "Install them as root, then run make test again:" >&2
      echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages[*]}" >&2
      exit 1
    fi
  fi
  echo "Installing Debian packages for the tests: ${packages[*]}"
  "${as_root[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

if [ ! -f tests/axe/node_modules/axe-core/axe.min.js ]; then
  (cd tests/axe && npm ci --no-audit --no-fund --loglevel=error)
fi
