#!/usr/bin/env bash
# Import throughput (issue #14): `gongkai import` of a generated CSV of $1 rows (default 10000;
# 1 in 50 with an attachment) into a fresh deployment on SQLite and on PostgreSQL, beside a raw
# insert baseline measured in the same run: the same rows as two plain INSERT statements each
# (items + item_revisions) in one transaction, sent by a client (sqlite3 / psql). Prints rows/s;
# record the figures and the machine facts in bench/RESULTS.md ("Bulk import").
#
# PROFILE=release builds and uses the release binary (default: the debug build the tests use).
# PostgreSQL: $GONGKAI_BENCH_PG (default postgres://postgres@127.0.0.1:5432), a database
# gk_bench_import is created and dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-10000}"
PROFILE="${PROFILE:-debug}"
PG="${GONGKAI_BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
TARGET="${CARGO_TARGET_DIR:-/var/tmp/gongkai-target}"
# The same selection as the other bench scripts, so their release builds share every crate.
if [ "$PROFILE" = release ]; then CARGO_TARGET_DIR="$TARGET" cargo build --release --quiet --bin gongkai --bin bench-load; else CARGO_TARGET_DIR="$TARGET" cargo build --workspace; fi
BIN="$TARGET/$PROFILE/gongkai"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"; psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS gk_bench_import" >/dev/null 2>&1 || true' EXIT
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), rustc $(rustc --version | cut -d' ' -f2), $PROFILE build, load $(cut -d' ' -f1-3 /proc/loadavg)"

# The input: ROWS rows of the documented columns, and the baseline's SQL for the same rows.
mkdir -p "$WORK/files"
echo "附件说明：本文件为导入基准测试生成。" > "$WORK/files/说明.txt"
python3 - "$ROWS" "$WORK" <<'PY'
import sys
rows, work = int(sys.argv[1]), sys.argv[2]
body = "为进一步做好信息公开工作，现将有关事项通知如下。" * 8
with open(f"{work}/rows.csv", "w", encoding="utf-8") as f:
    f.write("索引号,标题,发布机构,发布日期,公开目录,主题分类,文号,正文,附件\n")
    for i in range(rows):
        files = "说明.txt" if i % 50 == 0 else ""
        f.write(f"BENCH-{i:07d},关于第{i}号事项的通知,某市某局,2019-03-05,art20-07,,"
                f"某发〔2019〕{i}号,{body},{files}\n")
with open(f"{work}/baseline.sql", "w", encoding="utf-8") as f:
    f.write("BEGIN;\n")
    for i in range(rows):
        f.write("INSERT INTO items (id, org_id, state, index_no, formed_on, publisher_name, "
                "catalog_code, disclosure, created_by, created_at, updated_at) VALUES "
                f"({i + 1}, 1, 'published', 'RAW-{i:07d}', '2019-03-05', '某市某局', "
                "'art20-07', 'proactive', 'bench', 0, 0);\n")
        f.write("INSERT INTO item_revisions (item_id, number, title, body_html, created_by, "
                f"created_at) VALUES ({i + 1}, 1, '关于第{i}号事项的通知', '<p>{body}</p>', "
                "'bench', 0);\n")
    f.write("COMMIT;\n")
PY

now() { date +%s.%N; }
rate() { python3 -c "print(f'{$1 / ($3 - $2):,.0f} rows/s ({$3 - $2:.2f} s)')"; }

run() { # backend url
  local name="$1" url="$2" data="$WORK/data-$1"
  mkdir -p "$data"
  export GONGKAI_DATA="$data" GONGKAI_DATABASE_URL="$url"
  "$BIN" migrate >/dev/null
  "$BIN" org add --code bench --kind body --name 某市某局 >/dev/null
  local t0 t1
  t0=$(now)
  "$BIN" import --quiet --org bench --files "$WORK/files" "$WORK/rows.csv" >"$WORK/out-$name.txt"
  t1=$(now)
  echo "$name import:   $(rate "$ROWS" "$t0" "$t1")   [$(tail -1 "$WORK/out-$name.txt")]"
}

baseline() { # backend
  local t0 t1
  if [ "$1" = sqlite ]; then
    sqlite3 "$WORK/raw.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;" >/dev/null
    sqlite3 "$WORK/raw.db" < crates/store/migrations/sqlite/0001_foundation.sql
    sqlite3 "$WORK/raw.db" "INSERT INTO orgs (id, kind, code, full_name, short_name, created_at, updated_at) VALUES (1, 'body', 'bench', 'x', 'x', 0, 0);"
    sqlite3 "$WORK/raw.db" < crates/store/migrations/sqlite/0003_items.sql
    t0=$(now); sqlite3 "$WORK/raw.db" < "$WORK/baseline.sql"; t1=$(now)
  else
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS gk_bench_import" -c "CREATE DATABASE gk_bench_import" >/dev/null
    psql -q "$PG/gk_bench_import" -f crates/store/migrations/postgres/0001_foundation.sql >/dev/null
    psql -q "$PG/gk_bench_import" -c "INSERT INTO orgs (id, kind, code, full_name, short_name, created_at, updated_at) VALUES (1, 'body', 'bench', 'x', 'x', 0, 0);" >/dev/null
    psql -q "$PG/gk_bench_import" -f crates/store/migrations/postgres/0003_items.sql >/dev/null
    t0=$(now); psql -q "$PG/gk_bench_import" -f "$WORK/baseline.sql" >/dev/null; t1=$(now)
    psql -q "$PG/postgres" -c "DROP DATABASE gk_bench_import" >/dev/null
  fi
  echo "$1 baseline: $(rate "$ROWS" "$t0" "$t1")   [2 plain INSERTs per row, one transaction]"
}

baseline sqlite
run sqlite "sqlite://$WORK/data-sqlite/gongkai.db"
baseline postgres
psql -q "$PG/postgres" -c "CREATE DATABASE gk_bench_import" >/dev/null
run postgres "$PG/gk_bench_import"
