#!/usr/bin/env bash
# Install what this checkout needs and is missing: Debian packages, then the virtualenv.
# Idempotent: a second run checks stamps and returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(postgresql postgresql-15-postgis-3 gdal-bin redis-server gettext
                 chromium fonts-noto-cjk fonts-wqy-microhei docker-compose)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [[ $(id -u) == 0 ]]; then
    echo "Installing Debian packages: ${missing[*]}"
    bash -c "$cmd" >/dev/null
  elif sudo -n true 2>/dev/null; then
    echo "Installing Debian packages with sudo: ${missing[*]}"
    sudo bash -c "$cmd" >/dev/null
  else
    echo "These Debian packages are missing: ${missing[*]}" >&2
    echo "Install them as root, then run this again:" >&2
    echo "  sudo sh -c '$cmd'" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp || constraints.txt -nt $stamp ]]; then
  echo "Installing Python packages into .venv"
  # constraints.txt pins every package (the lock); pyproject.toml keeps the compatible ranges.
  if ! { .venv/bin/pip install --upgrade pip && .venv/bin/pip install -c constraints.txt -e '.[dev]'; } \
      > .venv/pip.log 2>&1; then
    tail -30 .venv/pip.log >&2; echo "pip failed; the whole log is in .venv/pip.log" >&2; exit 1
  fi
  touch "$stamp"
fi
