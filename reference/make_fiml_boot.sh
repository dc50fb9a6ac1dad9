#!/usr/bin/env bash
# Regenerates hs_cfa_fiml_boot.json: the FIML bootstrap reference (lavaan 0.6.14,
# missing = "ml", se = "bootstrap", 2000 draws, iseed 7) on hs_missing.csv, the data of
# hs_cfa_fiml.json. Needs R with lavaan 0.6.14 and jsonlite, like make.sh. Runs from any
# directory; takes a few minutes (every draw is a FIML fit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
Rscript R/lavaan_reference.R --out hs_cfa_fiml_boot.json --model models/hs_cfa.lav \
  --data data/hs_missing.csv --fun cfa --opt 'missing="ml"' --opt 'se="bootstrap"' \
  --opt 'bootstrap=2000' --opt 'iseed=7'
