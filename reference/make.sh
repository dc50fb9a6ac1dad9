#!/usr/bin/env bash
# Regenerates every lavaan reference of this folder from scratch: data files, the simulated
# alliance data, then one JSON per fit. Needs R with lavaan 0.6.14 and jsonlite
# (Debian 12: apt-get install -y r-cran-lavaan r-cran-jsonlite). Runs from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

Rscript R/write_data.R
Rscript R/simulate_alliance.R
Rscript R/simulate_survey.R
Rscript R/simulate_ordinal.R

ref() {
  local name=$1
  shift
  Rscript R/lavaan_reference.R --out "$name.json" "$@"
}
HS=data/HolzingerSwineford1939.csv
PD=data/PoliticalDemocracy.csv

ref hs_cfa_pt --model models/hs_cfa.lav --data "$HS" --fun cfa
ref hs_cfa_stdlv --model models/hs_cfa.lav --data "$HS" --fun cfa --opt 'std.lv=TRUE'
ref hs_cfa_means --model models/hs_cfa.lav --data "$HS" --fun cfa --opt 'meanstructure=TRUE'
ref hs_cfa_missing_listwise --model models/hs_cfa.lav --data data/hs_missing.csv --fun cfa
ref hs_mimic --model models/hs_mimic.lav --data "$HS"
ref hs_path --model models/hs_path.lav --data "$HS"
# Bootstrap SEs and percentile intervals (2000 draws, iseed 7): the target of crates/sem-resample.
ref hs_path_boot --model models/hs_path.lav --data "$HS" --opt 'se="bootstrap"' --opt 'bootstrap=2000' --opt 'iseed=7'
ref hs_cfa_ineq --model models/hs_cfa_ineq.lav --data "$HS" --fun cfa
ref polidemo_sem --model models/polidemo_sem.lav --data "$PD"
ref polidemo_eq --model models/polidemo_eq.lav --data "$PD"
ref wheaton_cov --model models/wheaton.lav --cov data/wheaton.cov --nobs 932
ref alliance39 --model models/alliance39.lav --data data/alliance39.csv

# Survey-data references: modification indices, the two-group invariance ladder and its LRTs.
ref hs_cfa_mi --model models/hs_cfa.lav --data "$HS" --fun cfa --modindices
steps=(configural metric scalar strict)
equal=('' '"loadings"' '"loadings","intercepts"' '"loadings","intercepts","residuals"')
inv=()
for i in "${!steps[@]}"; do
  opts=('group="school"')
  [ -n "${equal[i]}" ] && opts+=("group.equal=c(${equal[i]})")
  args=()
  for o in "${opts[@]}"; do args+=(--opt "$o"); done
  ref "hs_inv_${steps[i]}" --model models/hs_cfa.lav --data "$HS" --fun cfa "${args[@]}"
  inv+=("${steps[i]}=models/hs_cfa.lav,$HS,$(IFS=,; echo "${opts[*]}")")
done
Rscript R/lrt_reference.R --out hs_inv_lrt.json "${inv[@]}"
ref hs_inv_metric_mlr --model models/hs_cfa.lav --data "$HS" --fun cfa --opt 'group="school"' \
  --opt 'group.equal=c("loadings")' --opt 'estimator="MLR"'
ref hs_inv_metric_mi --model models/hs_cfa.lav --data "$HS" --fun cfa --opt 'group="school"' \
  --opt 'group.equal=c("loadings")' --modindices
Rscript R/quality_reference.R models/hs_cfa.lav "$HS" hs_cfa_quality.json

# Non-normal (Likert) data: MLR, and a scaled LRT of full against partial mediation.
LK=data/alliance39_likert.csv
ref alliance39_likert_mlr --model models/alliance39.lav --data "$LK" --opt 'estimator="MLR"'
ref alliance39_likert_partial_mlr --model models/alliance39_partial.lav --data "$LK" --opt 'estimator="MLR"'
mediation=("full=models/alliance39.lav,$LK,estimator=\"MLR\""
           "partial=models/alliance39_partial.lav,$LK,estimator=\"MLR\"")
Rscript R/lrt_reference.R --out alliance39_likert_lrt_mlr.json "${mediation[@]}"
Rscript R/lrt_reference.R --out alliance39_likert_lrt_mlr_sb2010.json --method satorra.bentler.2010 \
  "${mediation[@]}"

# Observed exogenous covariates (fixed.x): MLR and modification indices of the MIMIC model.
ref hs_mimic_mlr --model models/hs_mimic.lav --data "$HS" --opt 'estimator="MLR"'
ref hs_mimic_mi --model models/hs_mimic.lav --data "$HS" --modindices

# Missing data: FIML (missing = "ml"), with and without robust (MLR) corrections.
ref hs_cfa_fiml --model models/hs_cfa.lav --data data/hs_missing.csv --fun cfa --opt 'missing="ml"'
ref hs_inv_metric_fiml --model models/hs_cfa.lav --data data/hs_missing.csv --fun cfa --opt 'group="school"' \
  --opt 'group.equal=c("loadings")' --opt 'missing="ml"'
ref alliance39_fiml --model models/alliance39.lav --data data/alliance39_mar.csv --opt 'missing="ml"'
ref alliance39_fiml_mlr --model models/alliance39.lav --data data/alliance39_mar.csv \
  --opt 'missing="ml"' --opt 'estimator="MLR"'
ref hs_cfa_fiml_mlr --model models/hs_cfa.lav --data data/hs_missing.csv --fun cfa --opt 'missing="ml"' \
  --opt 'estimator="MLR"'
ref hs_cfa_fiml_mi --model models/hs_cfa.lav --data data/hs_missing.csv --fun cfa --opt 'missing="ml"' --modindices

# hs_cfa.json, hs_cfa_mlr.json and hs_cfa_school_metric.json come from the shared reference set
# and are kept byte for byte; check that this script still reproduces them.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
Rscript R/lavaan_reference.R --out "$tmp/hs_cfa.json" --model models/hs_cfa.lav --data "$HS" --fun cfa
Rscript R/lavaan_reference.R --out "$tmp/hs_cfa_mlr.json" --model models/hs_cfa.lav --data "$HS" \
  --fun cfa --opt 'estimator="MLR"'
Rscript R/lavaan_reference.R --out "$tmp/hs_cfa_school_metric.json" --model models/hs_cfa.lav \
  --data "$HS" --fun cfa --opt 'group="school"' --opt 'group.equal=c("loadings")'
Rscript R/same_json.R "$tmp" hs_cfa.json hs_cfa_mlr.json hs_cfa_school_metric.json

# Ordinal indicators (issue 10): lavCor statistics with Gamma, then WLSMV / WLS / ULSMV fits.
HO=data/hs_ordinal.csv
U=u1,u2,u3,u4,u5,u6,u7,u8,u9
Rscript R/ordinal_stats_reference.R --data "$HO" --vars "$U" --ordered "$U" --out hs_ordinal_stats.json
Rscript R/ordinal_stats_reference.R --data "$HO" --vars u1,u2,u3,x4,x5,u9s --ordered u1,u2,u3,u9s \
  --out hs_mixed_stats.json
ORD='ordered=c("u1","u2","u3","u4","u5","u6","u7","u8","u9")'
ref hs_ord_cfa_wlsmv --model models/hs_ord_cfa.lav --data "$HO" --fun cfa --opt "$ORD"
ref hs_ord_sem_wlsmv --model models/hs_ord_sem.lav --data "$HO" --opt "$ORD"
ref hs_ord_mixed_wlsmv --model models/hs_ord_mixed.lav --data "$HO" --fun cfa \
  --opt 'ordered=c("u1","u2","u3","u7","u8","u9s")'
ref hs_ord_sparse_wlsmv --model models/hs_ord_sparse.lav --data "$HO" --fun cfa \
  --opt 'ordered=c("u1","u2","u3","u4","u5","u6","u7","u8","u9s")'
ref hs_ord_cfa_theta --model models/hs_ord_cfa.lav --data "$HO" --fun cfa --opt "$ORD" --opt 'parameterization="theta"'
ref hs_ord_cfa_wls --model models/hs_ord_cfa.lav --data "$HO" --fun cfa --opt "$ORD" --opt 'estimator="WLS"'
ref hs_ord_cfa_ulsmv --model models/hs_ord_cfa.lav --data "$HO" --fun cfa --opt "$ORD" --opt 'estimator="ULSMV"'
# Binary items with empty cells in three 2 x 2 tables (lavaan's zero.add = 0.5, margins kept).
HB=data/hs_binary.csv
B=b1,b2,b3,b4,b5,b6,b7,b8,b9
Rscript R/ordinal_stats_reference.R --data "$HB" --vars "$B" --ordered "$B" --out hs_binary_stats.json
ref hs_bin_cfa_wlsmv --model models/hs_bin_cfa.lav --data "$HB" --fun cfa \
  --opt 'ordered=c("b1","b2","b3","b4","b5","b6","b7","b8","b9")'
# A perfect association (two empty cells in a 2 x 2 table): lavaan sets the tetrachoric to +-1.
Rscript R/binary_perfect.R
HP=data/hs_binary_perfect.csv
B11=b1,b2,b3,b4,b5,b6,b7,b8,b9,b10,b11
Rscript R/ordinal_stats_reference.R --data "$HP" --vars "$B11" --ordered "$B11" --out hs_binary_perfect_stats.json
ref hs_bin_perfect_wlsmv --model models/hs_bin_perfect.lav --data "$HP" --fun cfa \
  --opt 'ordered=c("b1","b2","b3","b4","b5","b6","b7","b8","b9","b10")'
# Equality constraints with ordered items: a shared label and an explicit b == c.
ref hs_ord_eq_wlsmv --model models/hs_ord_eq.lav --data "$HO" --fun cfa --opt "$ORD"
# Two groups with ordered items (lavaan's default, configural, parameterisation for ordered data).
Rscript R/simulate_ordinal_school.R
ref hs_ord_school_wlsmv --model models/hs_ord_school.lav --data data/hs_ordinal_school.csv --fun cfa \
  --opt "$ORD" --opt 'group="school"'
ref hs_ord_school_wls --model models/hs_ord_school.lav --data data/hs_ordinal_school.csv --fun cfa \
  --opt "$ORD" --opt 'group="school"' --opt 'estimator="WLS"'
ref hs_ord_school_ulsmv --model models/hs_ord_school.lav --data data/hs_ordinal_school.csv --fun cfa \
  --opt "$ORD" --opt 'group="school"' --opt 'estimator="ULSMV"'
ref alliance39_ord_wlsmv --model models/alliance39.lav --data "$LK" --opt 'ordered=TRUE'
# The FIML bootstrap reference takes minutes (2000 FIML fits): its own script.
bash make_fiml_boot.sh
