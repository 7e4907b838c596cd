#!/usr/bin/env bash
# Build the native benchmarks (release flags) and run them:
#
#   bash native/bench/run.sh [--quick] [--only WORD]...
#
# Prints one JSON object per line (see bench.c); exits nonzero if a row
# failed. Run it on an otherwise idle machine: the figures are only as good
# as the cores are free, and the closing "goals" line records the load
# average the run started with.
set -euo pipefail
native="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
make -s -C "$native" bench >&2
exec "$native/build/kucomms_bench" "$@"
