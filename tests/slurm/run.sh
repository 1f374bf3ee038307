#!/usr/bin/env bash
# The Slurm path end to end on this machine: a single-node Slurm (munge, slurmctld, slurmd from
# Debian's packages, started directly, no systemd), scale/slurm/submit.sh running a 4-task job
# array and its dependent merge, and the merged folder compared byte for byte with a
# one-process run. Exit 77 (ctest: skipped, saying why) where Slurm cannot be started here.
set -uo pipefail
home=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${LIFESIM_BIN:-$home/build/lifesim}")
skip() { echo "SKIPPED: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "starting munged and slurmd needs root"
for p in munged slurmctld slurmd sbatch squeue scontrol srun; do
  command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || skip "$p is not installed (apt-get install munge slurmctld slurmd slurm-client)"
done
PATH=$PATH:/usr/sbin
t=$(mktemp -d "${LIFESIM_TEST_TMP:-/tmp}/slurm.XXXXXX")
chmod 755 "$t"
started_munge=0
cleanup() {
  for f in "$t/slurmd.pid" "$t/slurmctld.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  if [ $started_munge = 1 ] && [ -f /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null; fi
  sleep 0.5
  rm -rf "$t"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for l in "$t"/*.log; do [ -f "$l" ] && { echo "--- $l" >&2; tail -20 "$l" >&2; }; done; exit 1; }

# munge
if ! pgrep -x munged >/dev/null; then
  [ -f /etc/munge/munge.key ] || skip "no /etc/munge/munge.key (the munge package creates it)"
  mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
  runuser -u munge -- munged || skip "munged does not start here"
  started_munge=1
fi

# slurm.conf for one node: this machine's CPUs and a little less memory than slurmd sees
cpus=$(nproc)
mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
mem=$(( ${mem:-2048} > 1024 ? ${mem:-2048} - 512 : ${mem:-2048} ))
mkdir -p "$t/state" "$t/spool"
cat > "$t/slurm.conf" <<CONF
ClusterName=lifesimtest
SlurmctldHost=localhost
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=600
StateSaveLocation=$t/state
SlurmdSpoolDir=$t/spool
SlurmctldPidFile=$t/slurmctld.pid
SlurmdPidFile=$t/slurmd.pid
SlurmctldLogFile=$t/slurmctld.log
SlurmdLogFile=$t/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$t/slurm.conf
slurmctld -f "$SLURM_CONF" || fail "slurmctld does not start"
slurmd -f "$SLURM_CONF" -N localhost || fail "slurmd does not start"
up=0
for _ in $(seq 1 60); do
  if timeout 5 srun -n 1 true 2>/dev/null; then up=1; break; fi
  sleep 0.5
done
[ $up = 1 ] || fail "the cluster did not come up (srun -n 1 true)"

# the array and its merge
out=$t/run
mkdir -p "$out"
flags=(-p 60 -s 4 -f csv,fhir,ndjson)
ids=$(LIFESIM=$bin "$home/scale/slurm/submit.sh" "$home/scenarios/fixtures.yaml" "$out" 4 "${flags[@]}") \
  || fail "submit.sh failed"
read -r array merge <<<"$ids"
echo "submitted array $array, merge $merge"
for _ in $(seq 1 600); do
  [ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] && break
  sleep 0.2
done
[ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] || fail "the jobs did not finish in 2 minutes"
state=$(scontrol show job "$merge" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1)
[ "$state" = COMPLETED ] || { cat "$out"/*.out >&2; fail "the merge job ended $state"; }
tasks=$(scontrol show job "$array" 2>/dev/null | grep -c 'JobState=COMPLETED')
[ "$tasks" = 4 ] || { cat "$out"/*.out >&2; fail "$tasks of 4 array tasks completed"; }
grep -q "no violations" "$out/check.txt" || fail "lifesim check on the merged output: $(cat "$out/check.txt")"

# the same run in one process
"$bin" run "$home/scenarios/fixtures.yaml" "${flags[@]}" -q -o "$t/single" || fail "the single run failed"
diff -r "$t/single" "$out/merged" > "$t/diff.txt" || { head -20 "$t/diff.txt" >&2; fail "the merged output differs from a single run"; }
echo "4-task Slurm array + merge: byte-identical to the single-process run ($(find "$out/merged" -type f | wc -l) files)"
