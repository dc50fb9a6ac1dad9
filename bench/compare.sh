#!/usr/bin/env bash
# Side-by-side benchmark: lavaan's sem() (bench/lavaan_time.R) and Entente's full fit
# (crates/sem/benches/fit.rs) on the cases of bench/cases.txt, in the same run, with ratios.
# Both sides time the same output: the fit, all fit measures and the standardized solution
# (lavaan: sem() + fitMeasures() + parameterEstimates(standardized = TRUE)).
# Usage: bench/compare.sh [--reps N] [CASE ...]      (needs R with lavaan: apt-get install r-cran-lavaan r-cran-jsonlite)
# Also prints the whole `entente fit` process time and peak memory on alliance39.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
reps=()
if [ "${1:-}" = "--reps" ]; then reps=(--reps "$2"); shift 2; fi
cases=("$@")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "== lavaan 0.6.14 (median of 10 in-process sem() calls)" >&2
specs=()
if [ ${#cases[@]} -gt 0 ]; then
  for c in "${cases[@]}"; do specs+=("$(grep -E "^@?$c=" bench/cases.txt | sed 's#^@##; s#\.\./#'"$here"'/../#g')"); done
fi
lav=$(Rscript bench/lavaan_time.R "${reps[@]}" "${specs[@]}")
echo "== entente (median of 200 in-process fits)" >&2
cargo bench -q -p sem --bench fit -- "${reps[@]}" "${cases[@]}" >/tmp/entente-bench.$$ 2>/dev/null
ent=$(cat /tmp/entente-bench.$$); rm -f /tmp/entente-bench.$$
python3 - "$lav" "$ent" <<'PY'
import json, sys
lav, ent = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'case':<26}{'lavaan ms':>11}{'entente ms':>12}{'ratio':>9}")
for k, l in lav.items():
    e = ent.get(k)
    if l is None or e is None:
        print(f"{k:<26}{'' if l is None else f'{l:.1f}':>11}{'n/a':>12}")
        continue
    print(f"{k:<26}{l:>11.1f}{e:>12.3f}{l / e:>8.0f}x")
PY
cargo build -q --release -p entente-cli
bin=target/release/entente
args=(fit --model reference/models/alliance39.lav --data reference/data/alliance39.csv)
"$bin" "${args[@]}" >/dev/null
best=999999
for _ in $(seq 20); do
  s=$(date +%s%N); "$bin" "${args[@]}" >/dev/null; e=$(date +%s%N)
  t=$(( (e - s) / 1000 )); [ "$t" -lt "$best" ] && best=$t
done
mem=$( { /usr/bin/time -f '%M' "$bin" "${args[@]}" >/dev/null; } 2>&1 | tail -n 1 )
echo "entente fit process on alliance39: best of 20 = $(( best / 1000 )).$(( (best % 1000) / 100 )) ms, peak RSS = $(( mem / 1024 )) MB"
