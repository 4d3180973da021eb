#!/usr/bin/env bash
# Two builds of the Rust flat bench (benches/flat.rs) run at the same time, one per core, swapping cores each
# round; prints each round's times and the median of B's speed over A's. On a VM whose memory-bound speed drifts
# by 2x between minutes, timing A and then B measures the drift; run side by side, both see the same minute.
#
#   cargo bench --bench flat --no-run  # once per build: copy target/release/deps/flat-<hash> somewhere
#   benches/side_by_side.sh A_BINARY B_BINARY TOKENIZER_JSON CORPUS [MB] [ROUNDS] [INNER_ROUNDS] [offsets|ids]
#
# MB of CORPUS per run (default 20), ROUNDS pairs (default 6), the bench's best of INNER_ROUNDS (default 1: a
# single pass, so the run cache starts cold as on a large corpus). Needs taskset and two CPUs.
set -euo pipefail
if [ $# -lt 4 ]; then
    sed -n 2,10p "$0"
    exit 2
fi
a=$1 b=$2 tok=$3 corpus=$4 mb=${5:-20} rounds=${6:-6} inner=${7:-1} what=${8:-offsets}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ratios=()
for r in $(seq "$rounds"); do
    ca=$(( r % 2 )) cb=$(( (r + 1) % 2 ))
    taskset -c "$ca" "$a" "$tok" "$corpus" "$mb" 1 "$what" "$inner" >"$out/a" 2>&1 &
    taskset -c "$cb" "$b" "$tok" "$corpus" "$mb" 1 "$what" "$inner" >"$out/b" 2>&1 &
    wait
    ta=$(grep -o 'best [0-9.]*' "$out/a" | cut -d' ' -f2)
    tb=$(grep -o 'best [0-9.]*' "$out/b" | cut -d' ' -f2)
    echo "round $r: A ${ta} s, B ${tb} s"
    ratios+=("$(python3 -c "print($ta / $tb)")")
done
python3 - "${ratios[@]}" <<'PY'
import statistics
import sys

r = [float(x) for x in sys.argv[1:]]
print(f"B speed / A speed: median {statistics.median(r):.3f} (rounds: {', '.join(f'{x:.3f}' for x in r)})")
PY
