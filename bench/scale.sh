#!/usr/bin/env bash
# bench/scale.sh — throughput and scale figures of the default scenario (every shipped module),
# CSV output, printed as rates and ratios (tests never assert them):
#   - lives/s and CSV records/s with 1 thread and with every core, and the scaling efficiency
#   - lives/s per core with --years-of-history 10
#   - peak RSS at 10,000 and 100,000 patients
#   - the cost of gzip
#   - the floor: generation time over the time to merely write the same bytes (cat into a file)
# usage: bench/scale.sh [PATIENTS]   (default 20000; BENCH_TMP picks the file system)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
bin=${LIFESIM:-./build-rel/lifesim}
[ -x "$bin" ] || { echo "bench: build first (cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel)" >&2; exit 1; }
tmp=$(mktemp -d ${BENCH_TMP:+-p "$BENCH_TMP"})
trap 'rm -rf "$tmp"' EXIT
cores=$(nproc)

# run NAME FLAGS...: prints "seconds lives records peak_kib" of one run
run() {
  local name=$1; shift
  rm -rf "$tmp/$name"; sync
  /usr/bin/time -f "%e %M" -o "$tmp/time.txt" "$bin" run -q -o "$tmp/$name" "$@"
  local secs kib lives records
  read -r secs kib < "$tmp/time.txt"
  lives=$(python3 -c "import json;print(json.load(open('$tmp/$name/manifest.json'))['patients']['simulated'])")
  records=$(python3 -c "import json;m=json.load(open('$tmp/$name/manifest.json'));print(sum(f.get('rows',0) for f in m['files'] if f['path'].startswith('csv/')))")
  echo "$secs $lives $records $kib"
}
rate() { python3 -c "print(f'{$1/max($2,1e-9):,.0f}')"; }

echo "lifesim scale bench: $n patients, default scenario, CSV, $cores cores"
read -r s1 l1 r1 k1 <<<"$(run t1 -p "$n" -f csv -t 1)"
read -r sa la ra ka <<<"$(run ta -p "$n" -f csv -t "$cores")"
echo "  1 thread:        $(rate "$l1" "$s1") lives/s, $(rate "$r1" "$s1") CSV records/s"
echo "  $cores threads:       $(rate "$la" "$sa") lives/s, $(rate "$ra" "$sa") CSV records/s"
python3 -c "sp=$s1/$sa; print(f'  speed-up x{sp:.2f} from 1 to $cores threads, efficiency {sp/$cores:.0%}')"
read -r sh lh rh kh <<<"$(run hist -p "$n" -f csv -t 1 --years-of-history 10)"
echo "  --years-of-history 10, 1 thread: $(rate "$lh" "$sh") lives/s, $(rate "$rh" "$sh") CSV records/s"
read -r sg lg rg kg <<<"$(run gz -p "$n" -f csv -t 1 --gzip)"
python3 -c "print(f'  gzip: x{$sg/$s1:.2f} the time of plain CSV')"
# the floor: the same bytes, merely written
bytes=$(cat "$tmp/t1"/csv/*.csv | wc -c)
sync
start=$(date +%s.%N)
cat "$tmp/t1"/csv/*.csv > "$tmp/floor.csv"
sync
end=$(date +%s.%N)
python3 -c "w=$end-$start; print(f'  floor: {$bytes/1e6:.0f} MB written in {w:.2f} s; generation (1 thread) takes x{$s1/w:.1f} that')"
read -r s10 l10 r10 k10 <<<"$(run r10 -p 10000 -f csv -t "$cores")"
read -r s100 l100 r100 k100 <<<"$(run r100 -p 100000 -f csv -t "$cores")"
python3 -c "print(f'  peak RSS: 10,000 patients {$k10/1024:.1f} MB, 100,000 patients {$k100/1024:.1f} MB ({($k100-$k10)/$k10:+.1%})')"
