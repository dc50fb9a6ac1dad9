# Writes the ordinal sample statistics of lavaan as JSON: thresholds (lavCor output = "th"),
# polychoric/polyserial correlations (output = "cor"), the stacked WLS vector and its NACOV
# (Gamma = N x asymptotic covariance, lavInspect(fit, "gamma") of the saturated lavCor fit).
#
# Usage: Rscript ordinal_stats_reference.R --data D.csv --vars a,b,c --ordered a,b --out R.json
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
get_arg <- function(flag) { i <- which(args == flag); if (length(i)) args[i[1] + 1] else NULL }
d <- utils::read.csv(get_arg("--data"))
vars <- strsplit(get_arg("--vars"), ",")[[1]]
ordered <- strsplit(get_arg("--ordered"), ",")[[1]]
th <- lavCor(d[vars], ordered = ordered, output = "th")
cr <- lavCor(d[vars], ordered = ordered, output = "cor")
fit <- lavCor(d[vars], ordered = ordered, output = "fit", estimator = "WLSMV")
wls <- lavInspect(fit, "wls.obs")
rec <- list(
  lavaan_call = sprintf("lavCor(%s[c(%s)], ordered = c(%s), output = 'th' / 'cor' / 'fit', estimator = 'WLSMV')",
                        basename(get_arg("--data")), get_arg("--vars"), get_arg("--ordered")),
  software = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  vars = vars, ordered = ordered, nobs = lavInspect(fit, "nobs"),
  th_names = names(th), th = unname(as.numeric(th)),
  cor = unname(unclass(cr)),
  wls_names = names(wls), wls_obs = unname(as.numeric(wls)),
  gamma = unname(unclass(lavInspect(fit, "gamma")))
)
jsonlite::write_json(rec, get_arg("--out"), auto_unbox = TRUE, pretty = FALSE, digits = NA)
message("wrote ", get_arg("--out"), ": ", length(th), " thresholds, ", length(wls), " statistics")
