#!/usr/bin/env bash
# import-gmf round trip: for every GMF JSON module of the set, the Lua module import-gmf writes
# gives the same records as the JSON one for the same seed. The set: the hand-written JSON twin
# of appendicitis, and every Lua module of the GMF fixtures (tests/fixtures/gmf, which cover every
# state, transition, condition and distribution) and of the shipped library, written as JSON by
# export-gmf (modules with Lua functions cannot be JSON and are left out, and counted).
set -uo pipefail
home=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${LIFESIM_BIN:-$home/build/lifesim}")
t=$(mktemp -d "${LIFESIM_TEST_TMP:-/tmp}/gmf.XXXXXX")
trap 'rm -rf "$t"' EXIT
# a root with the tables but no modules: the module under test runs alone
mkdir -p "$t/root/modules"
cp -r "$home/modules/data" "$t/root/modules/"
[ -d "$home/modules/lib" ] && cp -r "$home/modules/lib" "$t/root/modules/"
export LIFESIM_HOME=$t/root
pass=0 fail=0 skipped=0 helpers=0
# check KEY BASE_DIR JSON: run the JSON module and its import, compare the CSV
check() {
  local key=$1 base=$2 json=$3 w=$t/$1
  rm -rf "$w"; mkdir -p "$w/a" "$w/b"
  # the module's folder (submodules), without its other modules; its tables and libraries go
  # where the loader looks for them, the root's modules/data and modules/lib
  for d in "$base"/*/; do [ -d "$d" ] && cp -r "$d" "$w/a/" && cp -r "$d" "$w/b/"; done
  [ -d "$base/data" ] && cp -r "$base/data/." "$t/root/modules/data/"
  [ -d "$base/lib" ] && mkdir -p "$t/root/modules/lib" && cp -r "$base/lib/." "$t/root/modules/lib/"
  cp "$json" "$w/a/$key.json"
  if ! "$bin" import-gmf "$json" -o "$w/b/$key.lua" 2> "$w/err"; then
    echo "FAIL $key: import-gmf: $(cat "$w/err")"; fail=$((fail + 1)); return
  fi
  grep -q -e 'sct(\|loinc(\|pick {\|when {\|age(\|years(\|days(' "$w/b/$key.lua" && helpers=$((helpers + 1))
  for v in a b; do
    if ! "$bin" run -q -p 40 -s 3 -f csv -t 1 -d "$w/$v" -o "$w/out-$v" 2> "$w/err-$v"; then
      echo "FAIL $key ($v): $(head -3 "$w/err-$v")"; fail=$((fail + 1)); return
    fi
  done
  if diff -r "$w/out-a/csv" "$w/out-b/csv" > "$w/diff"; then
    pass=$((pass + 1))
  else
    echo "FAIL $key: the imported Lua gives other records"; head -5 "$w/diff"; fail=$((fail + 1))
  fi
}
check appendicitis "$home/tests/fixtures/twin_json/modules" "$home/tests/fixtures/twin_json/modules/appendicitis.json"
for dir in "$home/tests/fixtures/gmf/modules" "$home/modules"; do
  for m in "$dir"/*.lua; do
    key=$(basename "$m" .lua)
    # (lib() reads the libraries of the root the modules came with)
    if ! LIFESIM_HOME=$(dirname "$dir") "$bin" export-gmf "$m" -o "$t/$key.export.json" 2> "$t/export.err"; then
      if grep -q "cannot hold Lua functions" "$t/export.err"; then skipped=$((skipped + 1)); continue; fi
      echo "FAIL $key: export-gmf: $(cat "$t/export.err")"; fail=$((fail + 1)); continue
    fi
    check "$key" "$dir" "$t/$key.export.json"
  done
done
echo "import-gmf round trip: $pass modules give the same records ($helpers written with helpers), $fail failed, $skipped left out (Lua functions)"
[ $fail = 0 ] && [ $pass -ge 10 ]
