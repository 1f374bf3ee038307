#!/usr/bin/env bash
# tests/golden/refresh.sh CASE — rewrites tests/golden/CASE/expected/ from a fresh run. An
# explicit step: review `git diff tests/golden` before committing the new files.
set -euo pipefail
case_name=${1:?usage: refresh.sh CASE}
bin=${LIFESIM_BIN:-./build/lifesim}
dir=tests/golden/$case_name
rm -rf "$dir/expected"
"$bin" run "$dir/scenario.yaml" -q -o "$dir/expected"
echo "refreshed $dir/expected ($(find "$dir/expected" -type f | wc -l) files): review with git diff"
