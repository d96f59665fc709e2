#!/usr/bin/env bash
# Every benchmark of the project, one after the other (issue #11), each bounded in time and
# bound to 127.0.0.1. Prints each report in turn; copy the figures into bench/RESULTS.md with
# the date and machine line each script prints first.
#
#   bench/all.sh [seconds-per-run]     (default 10; the fuzz targets get 6× that each)
#
# Environment: SCALE_ITEMS / SCALE_APPS (defaults 1000000 / 100000), SEARCH_DOCS (100000),
# IMPORT_ROWS (10000). The scale step needs ~6 GB of free disk at its defaults. Run on an idle
# machine: every figure is quoted beside a baseline measured in the same run, but a busy machine
# still widens the spread.
set -euo pipefail
cd "$(dirname "$0")"
SECS="${1:-10}"
run() {
  printf '\n## %s\n\n' "$*"
  local t0=$SECONDS
  bash "$@"
  printf '\n(%s took %d s)\n' "$1" $(( SECONDS - t0 ))
}
run scanner.sh
run portal.sh "$SECS"
run writes.sh "$SECS"
PROFILE=release run import.sh "${IMPORT_ROWS:-10000}"
run search.sh "${SEARCH_DOCS:-100000}"
run scale.sh "${SCALE_ITEMS:-1000000}" "${SCALE_APPS:-100000}" "$SECS"
run fuzz.sh $(( SECS * 6 ))
