#!/usr/bin/env bash
# The runnable jar and a JVM start (issue 19, lean jar): for one or more source checkouts,
# print the size and entry count of cli/target/pgnest.jar and the wall time of
# `<checkout>/pgnest --version` (median and min of N runs, after one untimed run that builds
# the jar and its class-data-sharing archive when stale). Run it with the checkouts to compare
# in one invocation, on an otherwise idle machine.
#
# Usage: bench/startup.sh [-n RUNS] CHECKOUT...     (default: this checkout, 10 runs)
set -euo pipefail
runs=10
if [ "${1:-}" = -n ]; then runs="$2"; shift 2; fi
[ $# -gt 0 ] || set -- "$(cd "$(dirname "$0")/.." && pwd)"
printf '%-40s %10s %8s %12s %10s\n' checkout "jar MiB" entries "median s" "min s"
for checkout in "$@"; do
  "$checkout/pgnest" --version >/dev/null
  jar="$checkout/cli/target/pgnest.jar"
  size=$(stat -c %s "$jar")
  entries=$(unzip -Z1 "$jar" | wc -l)
  times=()
  for _ in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    "$checkout/pgnest" --version >/dev/null
    end=$(date +%s%N)
    times+=("$(( (end - start) / 1000000 ))")
  done
  python3 - "$checkout" "$size" "$entries" "${times[@]}" <<'PY'
import statistics, sys
checkout, size, entries, *t = sys.argv[1:]
t = [int(x) / 1000 for x in t]
print(f"{checkout:<40} {int(size)/2**20:10.1f} {int(entries):8d} {statistics.median(t):12.3f} {min(t):10.3f}")
PY
done
