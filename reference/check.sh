#!/usr/bin/env bash
# Runs `entente fit` on every ML reference and prints the worst deviation from lavaan per file.
# Usage: reference/check.sh [path/to/entente]   (default: target/release/entente)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
E=${1:-$here/../target/release/entente}
D=$here/data; M=$here/models; HS=$D/HolzingerSwineford1939.csv
MEASURES=chisq,df,pvalue,baseline.chisq,baseline.df,cfi,tli,rmsea,rmsea.ci.lower,rmsea.ci.upper,rmsea.pvalue,srmr,aic,bic,bic2,logl,unrestricted.logl,npar,ntotal
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
run() {
  local name=$1; shift
  if ! "$E" fit "$@" --format json >"$tmp/$name.json" 2>"$tmp/$name.err"; then
    echo "$name: entente failed: $(cat "$tmp/$name.err")"; status=1; return
  fi
  printf '%-28s ' "$name"
  python3 "$here/compare_ref.py" "$here/$name.json" "$tmp/$name.json" --measures "$MEASURES" | tail -n 1 || status=1
}
run hs_cfa --model $M/hs_cfa.lav --data $HS
run hs_cfa_stdlv --model $M/hs_cfa.lav --data $HS --std-lv
run hs_cfa_means --model $M/hs_cfa.lav --data $HS --meanstructure
run hs_cfa_missing_listwise --model $M/hs_cfa.lav --data $D/hs_missing.csv
run hs_mimic --model $M/hs_mimic.lav --data $HS
run hs_path --model $M/hs_path.lav --data $HS
run hs_cfa_ineq --model $M/hs_cfa_ineq.lav --data $HS
run polidemo_sem --model $M/polidemo_sem.lav --data $D/PoliticalDemocracy.csv
run polidemo_eq --model $M/polidemo_eq.lav --data $D/PoliticalDemocracy.csv
run wheaton_cov --model $M/wheaton.lav --cov $D/wheaton.cov --nobs 932
run alliance39 --model $M/alliance39.lav --data $D/alliance39.csv
run hs_inv_configural --model $M/hs_cfa.lav --data $HS --group school
run hs_cfa_school_metric --model $M/hs_cfa.lav --data $HS --group school --group-equal loadings
run hs_inv_scalar --model $M/hs_cfa.lav --data $HS --group school --group-equal loadings,intercepts
run hs_inv_strict --model $M/hs_cfa.lav --data $HS --group school --group-equal loadings,intercepts,residuals
exit $status
