#!/usr/bin/env bash
# Scanner throughput (issue #3): release build, one core. Prints MB/s; record the figure and the
# machine facts in bench/RESULTS.md ("Scanner throughput").
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p gongkai-core --bench scanner --no-run
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), rustc $(rustc --version | cut -d' ' -f2)"
exec taskset -c 0 cargo bench -p gongkai-core --bench scanner
