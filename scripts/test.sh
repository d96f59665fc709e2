#!/usr/bin/env bash
# Runs every test of the project, as CI does:
#   lints (rustfmt, clippy -D warnings), the Rust tests (every store and HTTP behaviour test runs on
#   SQLite and on PostgreSQL), the oracle tests against independent Python/JS implementations,
#   and the real-browser accessibility tests in headless Chromium.
# Installs what the tests need on a fresh machine (scripts/test-deps.sh) and starts PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/gongkai-target}"
export GONGKAI_BIN="$CARGO_TARGET_DIR/debug/gongkai"
VENV="${GONGKAI_VENV:-/var/tmp/gongkai-venv}"

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
bash scripts/test-deps.sh
bash scripts/ensure-postgres.sh

step "rustfmt"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "build"
cargo build --workspace --all-targets --quiet

step "Rust tests (SQLite and PostgreSQL)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast --status-level fail --final-status-level slow
else
  cargo test --workspace --no-fail-fast
fi

step "oracle tests (python-stdnum, chinesecalendar, chinese-days)"
"$VENV/bin/pytest" tests/oracles -q -p no:cacheprovider

step "browser tests (Chromium + axe-core)"
if [ -f tests/browser/run.sh ]; then
  bash tests/browser/run.sh
fi
