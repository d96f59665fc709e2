#!/usr/bin/env bash
# Portal throughput and latency (issue #11), measured with wrk against `gongkai serve --demo`
# (release build, SQLite, render cache on) and, in the same run, against nginx serving the
# identical HTML bytes as static files — the baseline every figure is quoted beside.
#
#   bench/portal.sh [seconds-per-run]      (default 10)
#
# Everything binds to 127.0.0.1; every run is bounded by its duration. Installs wrk and nginx
# from Debian when missing. Prints a Markdown table for bench/RESULTS.md ("Portal").
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
CONNS="${BENCH_CONNECTIONS:-32}"
TARGET="${CARGO_TARGET_DIR:-/var/tmp/gongkai-target}"
BIN="$TARGET/release/gongkai"

. bench/lib.sh
need_packages wrk:wrk /usr/sbin/nginx:nginx-light

CARGO_TARGET_DIR="$TARGET" cargo build --release --quiet --bin gongkai --bin bench-load

WORK="$(mktemp -d /tmp/gk-bench-portal.XXXXXX)"
SERVER_PID=""
NGINX_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

GK_PORT="$(free_port)"
NGX_PORT="$(free_port)"
GK="http://127.0.0.1:$GK_PORT"
NGX="http://127.0.0.1:$NGX_PORT"

# --- start-up: from exec to the first served page --------------------------------------------
# A first start loads the demo (not timed); the timed start opens the existing data folder.
demo_deployment "$BIN" "$WORK/data" "$GK_PORT" "$WORK/first.log"
start_ns=$(date +%s%N)
"$BIN" serve --data "$WORK/data" --bind "127.0.0.1:$GK_PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
until curl -fs -o /dev/null "$GK/"; do sleep 0.005; done
startup_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
idle_rss=$(rss_kb)

# --- the pages, and their bytes for nginx ------------------------------------------------------
item_id=$(curl -fs "$GK/catalog" | grep -o 'href="/items/[0-9]*"' | head -1 | grep -o '[0-9]*')
ITEM="/items/$item_id"
CATALOG="/catalog"
SEARCH="/search?q=%E6%AE%8B%E7%96%BE%E4%BA%BA%E5%B0%B1%E4%B8%9A"   # 残疾人就业
mkdir -p "$WORK/www"
curl -fs "$GK$ITEM" >"$WORK/www/item.html"
curl -fs "$GK$CATALOG" >"$WORK/www/catalog.html"
curl -fs "$GK$SEARCH" >"$WORK/www/search.html"

start_nginx "$WORK" "$WORK/www" "$NGX_PORT" /item.html

# wrk prints "Requests/sec: N"; `--latency` the percentiles.
# Runs wrk against $1; samples the server's resident memory half-way through into $WORK/rss.
rps() {
  wrk -t1 -c"$CONNS" -d"${DURATION}s" "$1" >"$WORK/rps.txt" &
  local w=$!
  sleep $(( DURATION / 2 ))
  rss_kb >"$WORK/rss"
  wait "$w"
  wrk_ok "$WORK/rps.txt"
  awk '/Requests\/sec/ {printf "%.0f", $2}' "$WORK/rps.txt"
}
# Latency at a fixed rate: each connection waits 10 ms (wrk's delay() hook) after each answer
# before its next request, so enough connections are opened for the offered load to be about
# `rate` requests per second (conns = rate × (10 ms + ~0.5 ms per answer) / 1000).
latency_at() {
  local url=$1 rate=$2 delay=10
  local conns=$(( (rate * 105 + 9999) / 10000 ))
  [ "$conns" -lt 1 ] && conns=1
  printf 'function delay() return %d end\n' "$delay" >"$WORK/delay.lua"
  wrk -t1 -c"$conns" -d"${DURATION}s" --latency -s "$WORK/delay.lua" "$url" >"$WORK/lat.txt"
  wrk_ok "$WORK/lat.txt"
  local achieved p50 p99
  achieved=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$WORK/lat.txt")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/lat.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/lat.txt")
  echo "$achieved $p50 $p99"
}

# Warm every page once (first render fills the render cache; the search index is warm).
for p in "$ITEM" "$CATALOG" "$SEARCH"; do curl -fs -o /dev/null "$GK$p"; done

machine
echo "wrk: 1 thread, $CONNS connections, ${DURATION}s per run; gongkai serve (release, SQLite, demo data, page cache on) and nginx $(nproc) workers on the same machine as wrk"
echo
echo "| page | bytes | gongkai req/s | nginx static req/s | ratio | p50 / p99 at 50% of gongkai's peak |"
echo "|---|---|---|---|---|---|"
peak_rss=$idle_rss
for spec in "item:$ITEM:item.html" "catalog:$CATALOG:catalog.html" "search:$SEARCH:search.html"; do
  name=${spec%%:*}; rest=${spec#*:}; path=${rest%:*}; file=${rest##*:}
  g=$(rps "$GK$path")
  r=$(cat "$WORK/rss"); [ "$r" -gt "$peak_rss" ] && peak_rss=$r
  n=$(rps "$NGX/$file")
  read -r achieved p50 p99 < <(latency_at "$GK$path" $(( g / 2 )))
  ratio=$(python3 -c "print(f'{$g/$n:.2f}')")
  bytes=$(stat -c %s "$WORK/www/$file")
  echo "| $name (\`$path\`) | $bytes | $g | $n | ${ratio}× | $p50 / $p99 (at $achieved req/s) |"
done
echo
echo "start-up to the first served page: ${startup_ms} ms (demo data set, existing data folder and search index)"
echo "resident memory (VmRSS): idle ${idle_rss} kB; under load ${peak_rss} kB (highest of the samples taken half-way through each gongkai run)"
