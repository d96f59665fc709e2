#!/usr/bin/env bash
# Scale (issue #11): a deployment grown to 1,000,000 published items and 100,000 applications
# (SQLite, the default), then: the search index rebuilt, the annual report of a year generated,
# start-up time and resident memory, and the catalog's latency under load with wrk.
#
#   bench/scale.sh [items] [applications] [seconds-per-wrk-run]   (defaults 1000000 100000 10)
#
# Needs ~6 GB of free disk at the defaults. Installs wrk from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS="${1:-1000000}"
APPS="${2:-100000}"
DURATION="${3:-10}"
TARGET="${CARGO_TARGET_DIR:-/var/tmp/gongkai-target}"
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
CARGO_TARGET_DIR="$TARGET" cargo build --release --quiet --bin gongkai --bin bench-load
GK_BIN="$TARGET/release/gongkai"
LOAD="$TARGET/release/bench-load"
WORK="${BENCH_DIR:-$(mktemp -d /var/tmp/gk-bench-scale.XXXXXX)}"
mkdir -p "$WORK"
DATA="$WORK/data"
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -z "${KEEP:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(port)
URL="http://127.0.0.1:$PORT"
secs() { python3 -c "print(f'{($2-$1)/1e9:.2f}')"; }

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/ {print $2}') GB RAM, $(uname -sr), rustc $(rustc --version | cut -d' ' -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. The demo deployment (organisations, vocabularies, keys), then grown to scale.
"$GK_BIN" serve --demo --data "$DATA" --bind "127.0.0.1:$PORT" >"$WORK/demo.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do curl -fs -o /dev/null "$URL/healthz" && break; sleep 0.2; done
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""
"$LOAD" generate --database-url "$DATA/gongkai.db" --key-file "$DATA/keys/vault.toml" --items "$ITEMS" --applications "$APPS"
echo "database: $(du -sh "$DATA/gongkai.db" | cut -f1)"

# 2. The search index of every item (SKIP_REINDEX=1 leaves it out, to re-measure the rest).
if [ -z "${SKIP_REINDEX:-}" ]; then
  t0=$(date +%s%N)
  "$GK_BIN" reindex --data "$DATA" >"$WORK/reindex.log" 2>&1
  t1=$(date +%s%N)
  echo "reindex: $(secs "$t0" "$t1") s; index $(du -sh "$DATA/search" | cut -f1)"
fi

# 3. The annual report of one year (tables 二/三/四 counted from the records), JSON and PDF.
for fmt in json pdf; do
  t0=$(date +%s%N)
  "$GK_BIN" report generate --data "$DATA" --year 2019 --format "$fmt" --out "$WORK/report-2019.$fmt" >/dev/null
  t1=$(date +%s%N)
  echo "report generate --year 2019 --format $fmt: $(secs "$t0" "$t1") s"
done

# 4. and 5., with the render cache on (the default) and off (every page rendered from the
# database): start-up to the first served page, memory, catalog pages under load.
cat >"$WORK/catalog.lua" <<'LUA'
local paths = {}
math.randomseed(2019)
local cats = {"art20-01", "art20-02", "art20-05", "art20-08", "art21-01"}
for i = 1, 2000 do
  local r = math.random(4)
  if r == 1 then paths[i] = "/catalog?page=" .. math.random(1, 500)
  elseif r == 2 then paths[i] = "/catalog?year=" .. math.random(2010, 2025) .. "&page=" .. math.random(1, 50)
  elseif r == 3 then paths[i] = "/catalog?category=" .. cats[math.random(#cats)] .. "&page=" .. math.random(1, 50)
  else paths[i] = "/catalog?sort=oldest&page=" .. math.random(1, 200) end
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
LUA
mem() { awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s %s kB  ", $1, $2}' "/proc/$PID/status"; }
for mb in 64 0; do
  t0=$(date +%s%N)
  GONGKAI_HTTP_PAGE_CACHE_MB=$mb "$GK_BIN" serve --data "$DATA" --bind "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
  PID=$!
  until curl -fs -o /dev/null "$URL/"; do sleep 0.005; done
  t1=$(date +%s%N)
  echo "[page cache ${mb} MB] start-up to the first page: $(secs "$t0" "$t1") s"
  sleep 2
  echo "[page cache ${mb} MB] memory idle: $(mem)"
  # Every path once, untimed, as after a while in service.
  wrk -t1 -c4 -d"${DURATION}s" -s "$WORK/catalog.lua" "$URL" >/dev/null
  wrk -t1 -c16 -d"${DURATION}s" --latency -s "$WORK/catalog.lua" "$URL" >"$WORK/wrk.txt" &
  W=$!; sleep $(( DURATION / 2 )); LOADMEM=$(mem); wait "$W"
  echo "[page cache ${mb} MB] catalog (2,000 random pages and filters, 16 connections): $(awk '/Requests\/sec/ {printf "%.0f req/s", $2}' "$WORK/wrk.txt"), latency p50 $(awk '$1=="50%" {print $2}' "$WORK/wrk.txt"), p90 $(awk '$1=="90%" {print $2}' "$WORK/wrk.txt"), p99 $(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")"
  echo "[page cache ${mb} MB] memory under load: $LOADMEM"
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""
done
