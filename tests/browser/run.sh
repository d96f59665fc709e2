#!/usr/bin/env bash
# Runs the real-browser accessibility tests (tests/browser/a11y.mjs) against an already built
# binary: GONGKAI_BIN (default /var/tmp/gongkai-target/debug/gongkai). Builds nothing. Needs the
# npm packages and Chromium from scripts/test-deps.sh. Extra arguments (e.g. --screenshot) are
# passed on. Exit status: 0 when every check passed, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GONGKAI_BIN="${GONGKAI_BIN:-${CARGO_TARGET_DIR:-/var/tmp/gongkai-target}/debug/gongkai}"
if [ ! -x "$GONGKAI_BIN" ]; then
  echo "browser tests: no gongkai binary at $GONGKAI_BIN (build it first or set GONGKAI_BIN)" >&2
  exit 1
fi
if [ ! -d tests/node_modules/playwright-core ]; then
  echo "browser tests: tests/node_modules is missing; run scripts/test-deps.sh" >&2
  exit 1
fi
exec node tests/browser/a11y.mjs "$@"
