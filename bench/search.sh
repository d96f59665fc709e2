#!/usr/bin/env bash
# Search benchmark (issue #8): release build; corpus size from $1 (default 100000 documents).
# Record the output and the machine facts in bench/RESULTS.md ("Full-text search").
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p gongkai-bench-search
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), rustc $(rustc --version | cut -d' ' -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
# `cargo run` finds the binary wherever the target directory is (.cargo/config.toml puts it
# outside the checkout).
exec cargo run --quiet --release -p gongkai-bench-search -- --docs "${1:-100000}" --queries 1000 --threads 2
