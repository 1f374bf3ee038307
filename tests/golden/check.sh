#!/usr/bin/env bash
# tests/golden/check.sh CASE — runs tests/golden/CASE/scenario.yaml and compares every file of
# the output, byte for byte, with tests/golden/CASE/expected/. Run from the repository root.
# The expected files change only through tests/golden/refresh.sh, never automatically.
set -euo pipefail
case_name=${1:?usage: check.sh CASE}
bin=${LIFESIM_BIN:-./build/lifesim}
dir=tests/golden/$case_name
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" run "$dir/scenario.yaml" -q --strict -o "$out/run"
# the output is also held to the coherence checker
if ! "$bin" check -q "$out/run" > "$out/check.txt"; then
  echo "golden case '$case_name': lifesim check finds violations:"
  cat "$out/check.txt"
  exit 1
fi
if ! diff -r "$dir/expected" "$out/run" > "$out/diff.txt"; then
  echo "golden case '$case_name' differs from $dir/expected (first lines of the diff):"
  head -40 "$out/diff.txt"
  echo "If the change is intended, refresh with: tests/golden/refresh.sh $case_name"
  exit 1
fi
echo "golden case '$case_name': $(find "$dir/expected" -type f | wc -l) files identical"
