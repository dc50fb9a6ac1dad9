#!/usr/bin/env bash
# Side-by-side benchmark of resampling: lavaan (bench/resample_lavaan.R, serial) and Entente
# (crates/sem-resample/benches/resample.rs, rayon on all cores) in the same run, with ratios:
# 1000 bootstrap draws of the alliance39 model, 200 Monte Carlo replications (n = 500).
# Usage: bench/resample.sh [B] [R]   (needs R with lavaan: apt-get install r-cran-lavaan r-cran-jsonlite)
# B, R: lavaan's bootstrap draws and replications (default 1000 and 200); fewer finish sooner and
# are scaled linearly to 1000 and 200 (Entente always runs the full counts).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
lav=$(Rscript bench/resample_lavaan.R "${1:-1000}" "${2:-200}")
ent=$(cargo bench -q -p sem-resample --bench resample 2>/dev/null)
python3 - "$lav" "$ent" <<'PY'
import json, sys
lav, ent = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'task':<18}{'lavaan ms':>11}{'entente ms':>12}{'ratio':>9}")
for k, l in lav.items():
    e = ent[k]
    print(f"{k:<18}{l:>11.1f}{e:>12.1f}{l / e:>8.0f}x")
PY
