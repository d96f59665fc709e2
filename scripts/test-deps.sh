#!/usr/bin/env bash
# Installs everything the test suite needs that is not a Rust crate: Debian packages (Chromium for
# the browser tests), the Python oracles (in a virtualenv) and the npm packages. Idempotent: a
# second run with nothing changed takes seconds. Used by scripts/test.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${GONGKAI_VENV:-/var/tmp/gongkai-venv}"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
# pdffonts/pdftotext/pdfinfo check the generated PDFs (tech-choices §2.1, §11).
command -v pdffonts >/dev/null 2>&1 || need_apt+=(poppler-utils)
# nginx for the scale-out test (crates/gongkai/tests/scale_out.rs), which runs its own with a
# configuration in a temporary folder on a free port; the package's service is not wanted.
[ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test-deps: installing ${need_apt[*]} from Debian"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  # Debian's way to keep packages from starting their services (nginx on port 80) on install:
  # a policy-rc.d that says no, only for the time of this install if there is none.
  added_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  if [ -n "$added_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi

# Python oracles, re-installed only when the requirements change.
req_hash=$(sha256sum tests/oracles/requirements.txt | cut -c1-16)
if [ ! -f "$VENV/.req-$req_hash" ]; then
  echo "test-deps: creating $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tests/oracles/requirements.txt
  touch "$VENV/.req-$req_hash"
fi

# npm packages (browser driver, axe, JS oracles); never downloads a browser.
pkg_hash=$(cat tests/package.json tests/package-lock.json 2>/dev/null | sha256sum | cut -c1-16 || true)
if [ ! -f "tests/node_modules/.pkg-$pkg_hash" ]; then
  echo "test-deps: installing npm packages"
  (cd tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >/dev/null)
  pkg_hash=$(cat tests/package.json tests/package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
  touch "tests/node_modules/.pkg-$pkg_hash"
fi
