#!/usr/bin/env bash
# Fuzzing (issue #11, hostile input): runs every cargo-fuzz target of fuzz/ for a bounded time,
# one process each, and prints a summary (executions, executions per second, corpus growth).
#
#   bench/fuzz.sh [seconds-per-target] [target…]     (default 60 s, every target)
#
# Installs cargo-fuzz when it is missing. Uses the nightly toolchain when one is installed,
# otherwise the stable one with RUSTC_BOOTSTRAP=1 (libFuzzer needs -Z flags). Builds into
# /var/tmp/gk-fuzz-target (never the main target directory); the corpus each run grows is kept
# under /var/tmp/gk-fuzz-corpus, the committed seeds in fuzz/corpus/<target>/ are only read.
# Exits non-zero when a target crashed (a panic, a failed property, a timeout or running out of
# memory), leaving the input in fuzz/artifacts/<target>/: reproduce it with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
# then fix the code and add the input as a regression test in the crate's own tests.
# Record what ran, for how long, the executions per second and what was found in
# bench/RESULTS.md ("Fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-60}"
shift || true
ALL_TARGETS=(ids scan_mask richtext filetype extract forms import)
if [ "$#" -gt 0 ]; then
  TARGETS=("$@")
else
  TARGETS=("${ALL_TARGETS[@]}")
fi

export CARGO_TARGET_DIR="${GK_FUZZ_TARGET_DIR:-/var/tmp/gk-fuzz-target}"
CORPUS_DIR="${GK_FUZZ_CORPUS_DIR:-/var/tmp/gk-fuzz-corpus}"
# Sanitizer: none by default (the code under test has no unsafe; panics, failed assertions,
# overflows with debug assertions, stack overflows, timeouts and OOM are all caught without
# one, at several times the speed). FUZZ_SANITIZER=address for AddressSanitizer.
SANITIZER="${FUZZ_SANITIZER:-none}"

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  TOOLCHAIN=(+nightly)
else
  echo "no nightly toolchain: using stable with RUSTC_BOOTSTRAP=1"
  TOOLCHAIN=()
  export RUSTC_BOOTSTRAP=1
fi

if ! command -v cargo-fuzz >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo-fuzz" ]; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
export PATH="$HOME/.cargo/bin:$PATH"

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc "${TOOLCHAIN[@]}" --version), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "fuzzing ${TARGETS[*]} for ${SECONDS_PER_TARGET} s each (sanitizer: $SANITIZER)"

# One build of every target (release, debug assertions on: overflows panic).
nice -n 10 cargo "${TOOLCHAIN[@]}" fuzz build --fuzz-dir fuzz -O -a -s "$SANITIZER"

mkdir -p "$CORPUS_DIR"
summary=()
failed=0
for t in "${TARGETS[@]}"; do
  work="$CORPUS_DIR/$t"
  mkdir -p "$work" "fuzz/artifacts/$t"
  log="$CORPUS_DIR/$t.log"
  echo "--- $t (${SECONDS_PER_TARGET} s)"
  status=0
  # The first corpus directory receives new inputs; the committed seeds are read only.
  nice -n 10 cargo "${TOOLCHAIN[@]}" fuzz run --fuzz-dir fuzz -O -a -s "$SANITIZER" "$t" \
    "$work" "fuzz/corpus/$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  units=$(find "$work" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    result="ok"
  else
    failed=1
    artifact=$(grep -o "fuzz/artifacts/$t/[^ ]*" "$log" | tail -1)
    result="CRASH (exit $status) ${artifact:-see $log}"
    grep -m3 -E "panicked at|ERROR: libFuzzer|SUMMARY" "$log" | sed 's/^/    /' || true
  fi
  summary+=("$(printf '%-10s %6ss %12s execs %8s/s  cov %6s  corpus %5s  %s' \
    "$t" "$SECONDS_PER_TARGET" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$units" "$result")")
done

echo
echo "=== fuzzing summary ($(date -u +%Y-%m-%d), logs in $CORPUS_DIR/*.log)"
printf '%s\n' "${summary[@]}"
exit "$failed"
