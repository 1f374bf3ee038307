#!/usr/bin/env bash
# Submits a sharded Lifesim run to Slurm: a job array of N shards and a merge job that starts
# when every shard has succeeded.
#   scale/slurm/submit.sh SCENARIO OUT N [lifesim run flags...]
# Prints the two job ids (array, merge). The result is OUT/merged, checked (OUT/check.txt).
# LIFESIM names the program (default: lifesim on PATH); extra sbatch options go in SBATCH_ARGS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scenario=${1:?usage: submit.sh SCENARIO OUT N [flags]}
out=${2:?usage: submit.sh SCENARIO OUT N [flags]}
n=${3:?usage: submit.sh SCENARIO OUT N [flags]}
shift 3
case $n in '' | *[!0-9]* | 0) echo "submit.sh: N must be a whole number of shards, 1 or more" >&2; exit 2 ;; esac
mkdir -p "$out"
scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")
out=$(cd "$out" && pwd)
# the jobs run in OUT: a program named by a relative path is made absolute
if [ -n "${LIFESIM:-}" ] && [ "${LIFESIM#*/}" != "$LIFESIM" ]; then
  LIFESIM=$(cd "$(dirname "$LIFESIM")" && pwd)/$(basename "$LIFESIM")
  export LIFESIM
fi
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_ARGS:-} --chdir="$out" --array=0-$((n - 1)) \
  --export=ALL "$here/lifesim-shard.sbatch" "$scenario" "$out" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_ARGS:-} --chdir="$out" --dependency=afterok:"$array" \
  --kill-on-invalid-dep=yes \
  --export=ALL "$here/lifesim-merge.sbatch" "$out" "$n")
merge=${merge%%;*}
echo "$array $merge"
