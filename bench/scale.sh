#!/usr/bin/env bash
# Scale (issue #11): a deployment grown to 1,000,000 published items and 100,000 applications
# (SQLite, the default), then: the search index rebuilt, the annual report of a year generated,
# start-up time and resident memory, and the catalog's latency under load with wrk. Every figure
# is printed beside a baseline measured in the same run:
#   - start-up and memory: the same binary on the demo data set, before it is grown;
#   - reindex: one raw SQL pass reading every revision's text (python3's sqlite3);
#   - annual report: the report's two main aggregate queries, raw (python3's sqlite3);
#   - catalog: nginx serving the identical bytes of the same 2,000 pages as static files.
#
#   bench/scale.sh [items] [applications] [seconds-per-wrk-run]   (defaults 1000000 100000 10)
#
# Needs ~8 GB of free disk at the defaults. Installs wrk and nginx from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS="${1:-1000000}"
APPS="${2:-100000}"
DURATION="${3:-10}"
TARGET="${CARGO_TARGET_DIR:-/var/tmp/gongkai-target}"
. bench/lib.sh
need_packages wrk:wrk /usr/sbin/nginx:nginx-light /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc:fonts-noto-cjk
CARGO_TARGET_DIR="$TARGET" cargo build --release --quiet --bin gongkai --bin bench-load
GK_BIN="$TARGET/release/gongkai"
LOAD="$TARGET/release/bench-load"
WORK="${BENCH_DIR:-$(mktemp -d /var/tmp/gk-bench-scale.XXXXXX)}"
mkdir -p "$WORK"
DATA="$WORK/data"
PID=""
NGINX_PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
PORT=$(free_port)
NGX_PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
NGX="http://127.0.0.1:$NGX_PORT"
mem() { awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s %s kB  ", $1, $2}' "/proc/$PID/status"; }
# Starts `gongkai serve` on the data folder with a render cache of $1 MB; sets PID, and STARTUP
# to the seconds from exec to the first served page.
serve() {
  local t0 t1
  t0=$(date +%s%N)
  GONGKAI_HTTP_PAGE_CACHE_MB=$1 "$GK_BIN" serve --data "$DATA" --bind "127.0.0.1:$PORT" >>"$WORK/serve.log" 2>&1 &
  PID=$!
  until curl -fs -o /dev/null "$URL/"; do sleep 0.005; done
  t1=$(date +%s%N)
  STARTUP=$(secs "$t0" "$t1")
}
stop() { kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }

machine

# 1. The demo deployment (organisations, vocabularies, keys), its search index built; the
# baseline of start-up and memory is this small deployment, before it is grown. A data folder
# grown by an earlier run (KEEP=1 BENCH_DIR=DIR) is reused as it is, without this step.
if [ -e "$DATA/gongkai.db" ]; then
  echo "reusing the data folder $DATA ($(du -sh "$DATA/gongkai.db" | cut -f1)): no demo baseline, nothing generated"
else
  demo_deployment "$GK_BIN" "$DATA" "$PORT" "$WORK/demo.log"
  serve 64
  echo "[baseline: demo data set] start-up to the first page: $STARTUP s"
  sleep 2
  echo "[baseline: demo data set] memory idle: $(mem)"
  stop
  "$LOAD" generate --database-url "$DATA/gongkai.db" --key-file "$DATA/keys/vault.toml" --items "$ITEMS" --applications "$APPS"
  echo "database: $(du -sh "$DATA/gongkai.db" | cut -f1)"
fi

# 2. The search index of every item (SKIP_REINDEX=1 leaves it out, to re-measure the rest).
if [ -z "${SKIP_REINDEX:-}" ]; then
  t0=$(date +%s%N)
  "$GK_BIN" reindex --data "$DATA" >"$WORK/reindex.log" 2>&1
  t1=$(date +%s%N)
  echo "reindex: $(secs "$t0" "$t1") s; index $(du -sh "$DATA/search" | cut -f1)"
  t0=$(date +%s%N)
  chars=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT SUM(LENGTH(title) + LENGTH(summary) + LENGTH(body_html)) FROM item_revisions").fetchone()[0])' "$DATA/gongkai.db")
  t1=$(date +%s%N)
  echo "[baseline] one raw SQL pass reading every revision's text ($chars characters): $(secs "$t0" "$t1") s"
fi

# 3. The annual report of one year, tables 二/三/四 counted from the records (REPORT_YEAR, default
# 2024: the demo's 2019 report is locked, and a locked report is read from its snapshot), JSON
# and PDF.
YEAR="${REPORT_YEAR:-2024}"
for fmt in json pdf; do
  t0=$(date +%s%N)
  "$GK_BIN" report generate --data "$DATA" --year "$YEAR" --format "$fmt" --out "$WORK/report-$YEAR.$fmt" >"$WORK/report.log"
  t1=$(date +%s%N)
  grep -q '按当前办理记录统计' "$WORK/report.log" || { echo "the $YEAR report was not counted from the records: $(cat "$WORK/report.log")" >&2; exit 1; }
  echo "report generate --year $YEAR --format $fmt (counted from the records): $(secs "$t0" "$t1") s"
done
t0=$(date +%s%N)
python3 - "$DATA/gongkai.db" "$YEAR" <<'PY'
import sqlite3, sys
db, y = sqlite3.connect(sys.argv[1]), sys.argv[2]
db.execute("SELECT SUBSTR(published_on, 6, 2), COUNT(*) FROM items WHERE published_on BETWEEN ? AND ? GROUP BY 1", (f"{y}-01-01", f"{y}-12-31")).fetchall()
db.execute("SELECT ai.outcome, COUNT(*) FROM application_items ai JOIN applications a ON a.id = ai.application_id WHERE ai.decided_on BETWEEN ? AND ? AND ai.outcome IS NOT NULL GROUP BY ai.outcome", (f"{y}-01-01", f"{y}-12-31")).fetchall()
PY
t1=$(date +%s%N)
echo "[baseline] the report's two main aggregate queries, raw, over every organisation: $(secs "$t0" "$t1") s"

# 4. and 5., with the render cache on (the default) and off (every page rendered from the
# database): start-up to the first served page, memory, catalog pages under load; and nginx
# serving the same pages' bytes as static files.
python3 - "$WORK/paths.txt" <<'PY'
import random, sys
random.seed(2019)
cats = ["art20-01", "art20-02", "art20-05", "art20-08", "art21-01"]
with open(sys.argv[1], "w") as out:
    for _ in range(2000):
        r = random.randint(1, 4)
        if r == 1: p = f"/catalog?page={random.randint(1, 500)}"
        elif r == 2: p = f"/catalog?year={random.randint(2010, 2025)}&page={random.randint(1, 50)}"
        elif r == 3: p = f"/catalog?category={random.choice(cats)}&page={random.randint(1, 50)}"
        else: p = f"/catalog?sort=oldest&page={random.randint(1, 200)}"
        print(p, file=out)
PY
cat >"$WORK/catalog.lua" <<LUA
local paths = {}
for line in io.lines("$WORK/paths.txt") do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
LUA
# Fetches every path once (untimed, as after a while in service); with a directory in $1, keeps
# each page's bytes there, named by its query string, for nginx.
fetch_all() {
  python3 - "$URL" "$WORK/paths.txt" "${1:-}" <<'PY'
import os, sys, urllib.request
base, paths, keep = sys.argv[1], sys.argv[2], sys.argv[3]
for p in open(paths).read().split():
    body = urllib.request.urlopen(base + p).read()
    if keep:
        with open(os.path.join(keep, p.split("?", 1)[1] + ".html"), "wb") as f:
            f.write(body)
PY
}
# wrk over the 2,000 paths against $1, 16 connections; samples the server's memory half-way.
catalog_run() {
  wrk -t1 -c16 -d"${DURATION}s" --latency -s "$WORK/catalog.lua" "$1" >"$WORK/wrk.txt" &
  local w=$!
  sleep $(( DURATION / 2 ))
  if [ -n "$PID" ]; then mem >"$WORK/loadmem"; fi
  wait "$w"
  wrk_ok "$WORK/wrk.txt"
  echo "$(awk '/Requests\/sec/ {printf "%.0f req/s", $2}' "$WORK/wrk.txt"), latency p50 $(awk '$1=="50%" {print $2}' "$WORK/wrk.txt"), p90 $(awk '$1=="90%" {print $2}' "$WORK/wrk.txt"), p99 $(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")"
}
mkdir -p "$WORK/www/catalog"
for mb in 64 0; do
  serve "$mb"
  echo "[page cache ${mb} MB] start-up to the first page: $STARTUP s"
  sleep 2
  echo "[page cache ${mb} MB] memory idle: $(mem)"
  if [ "$mb" != 0 ]; then fetch_all "$WORK/www/catalog"; else fetch_all; fi
  r=$(catalog_run "$URL")
  echo "[page cache ${mb} MB] catalog (2,000 random pages and filters, 16 connections): $r"
  echo "[page cache ${mb} MB] memory under load: $(cat "$WORK/loadmem")"
  stop
done
start_nginx "$WORK/nginx" "$WORK/www" "$NGX_PORT" "$(head -1 "$WORK/paths.txt")" 'location /catalog { try_files /catalog/$args.html =404; }'
r=$(catalog_run "$NGX")
echo "[baseline: nginx, the same pages as static files] catalog: $r"
