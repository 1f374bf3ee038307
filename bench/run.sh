#!/usr/bin/env bash
# bench/run.sh — patients per second and records per second of a whole run, median of several.
# usage: bench/run.sh [PATIENTS] [RUNS] [extra lifesim run flags...]
# Prints rates only; tests never assert a time.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}; runs=${2:-5}; shift $(( $# > 2 ? 2 : $# )) || true
bin=${LIFESIM:-./build/lifesim}
[ -x "$bin" ] || { echo "bench: build first (cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build)" >&2; exit 1; }
out=$(mktemp -d ${BENCH_TMP:+-p "$BENCH_TMP"})
trap 'rm -rf "$out"' EXIT
pr=(); rr=()
for i in $(seq 1 "$runs"); do
  rm -rf "$out/run" # outside the timing: a fresh folder, as a user's first run has
  sync
  t0=$(date +%s.%N)
  "$bin" run -q -p "$n" -s "$i" -o "$out/run" "$@"
  t1=$(date +%s.%N)
  lives=$(python3 -c "import json;m=json.load(open('$out/run/manifest.json'));print(m['patients']['simulated'])")
  rows=$(python3 -c "import json;m=json.load(open('$out/run/manifest.json'));print(sum(f.get('rows',0) for f in m['files']))")
  pr+=("$(python3 -c "print(f'{$lives/($t1-$t0):.0f}')")")
  rr+=("$(python3 -c "print(f'{$rows/($t1-$t0):.0f}')")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "lifesim bench: $n patients alive at the reference date, $runs runs, flags: ${*:-none}"
echo "  lives simulated per second (median): $(median "${pr[@]}")"
echo "  records (rows, resources) per second (median): $(median "${rr[@]}")"
