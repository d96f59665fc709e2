#!/usr/bin/env bash
# Write throughput (issue #11): online applications submitted per second — the portal's form
# validation, `applications::create` (sealed personal data, tracking number, clocks, audit record,
# search outbox) and one durable commit each — on SQLite and on PostgreSQL, each beside a raw
# one-row insert-and-commit loop on the same database in the same run (the baseline).
#
#   bench/writes.sh [seconds] [clients]     (defaults 10 and 8)
#
# PostgreSQL: the local server (GONGKAI_TEST_PG, default postgres://postgres@127.0.0.1:5432/postgres);
# the benchmark creates its own database and drops it.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-10}"
CLIENTS="${2:-8}"
TARGET="${CARGO_TARGET_DIR:-/var/tmp/gongkai-target}"
CARGO_TARGET_DIR="$TARGET" cargo build --release --quiet --bin gongkai --bin bench-load
BIN="$TARGET/release/bench-load"
WORK="$(mktemp -d /tmp/gk-bench-writes.XXXXXX)"
ADMIN="${GONGKAI_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
PGDB="gk_bench_writes_$$"
cleanup() {
  rm -rf "$WORK"
  psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -sr), rustc $(rustc --version | cut -d' ' -f2), $(psql --version | cut -d' ' -f3 | sed 's/^/PostgreSQL /'), disk $(df -h "$WORK" | awk 'NR==2 {print $1}'), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" writes --database-url "$WORK/gongkai.db" --seconds "$SECONDS_PER_RUN" --clients "$CLIENTS"
psql -q "$ADMIN" -c "CREATE DATABASE $PGDB" >/dev/null
"$BIN" writes --database-url "${ADMIN%/*}/$PGDB" --seconds "$SECONDS_PER_RUN" --clients "$CLIENTS"
