# Writes a lavaan likelihood-ratio (chi-square difference) test between nested fits as JSON.
#
# Usage:
#   Rscript lrt_reference.R --out LRT.json [--method M] CASE CASE [CASE ...]
#   CASE = name=MODEL.lav,DATA[,lavaan arguments]   (see read_case() in inputs.R; paths
#          relative to the working directory), e.g.
#   'metric=models/hs_cfa.lav,data/HolzingerSwineford1939.csv,group="school",group.equal=c("loadings")'
# Each case is fitted with sem(); then lavTestLRT(fit1, fit2, ..., method = M,
# model.names = names) is run (M = "default": the standard difference test for ML, the
# Satorra-Bentler (2001) scaled difference test for MLR). lavTestLRT sorts the models by df and
# compares each with the next.
# Output: lrt_call, software, method, heading (lavaan's printed heading), models (per case: name,
# lavaan_call, converged, nobs, npar and the fit measures npar, chisq, df, pvalue and, when the
# test is robust, chisq.scaled, df.scaled, pvalue.scaled, chisq.scaling.factor), and table: one
# row per model in lavTestLRT's order with `model` and lavaan's columns (Df, AIC, BIC, Chisq,
# `Chisq diff`, RMSEA (standard test only), `Df diff`, `Pr(>Chisq)`; null on the first row).
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(here, "inputs.R"))

args <- commandArgs(trailingOnly = TRUE)
take <- function(flag, default = NULL) {
  i <- which(args == flag)
  if (!length(i)) return(default)
  v <- args[i + 1]; args <<- args[-c(i, i + 1)]; v
}
out <- take("--out"); method <- take("--method", "default")
if (is.null(out) || length(args) < 2)
  stop("Usage: Rscript lrt_reference.R --out LRT.json [--method M] CASE CASE [CASE ...]")

cases <- lapply(args, read_case)
fits <- lapply(cases, function(cs) do.call("sem", cs$args))
names(fits) <- vapply(cases, `[[`, "", "name")
lrt <- do.call(lavTestLRT, c(unname(fits), list(method = method, model.names = names(fits))))

measures <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor")
models <- lapply(seq_along(fits), function(i) {
  fm <- fitMeasures(fits[[i]])
  list(name = cases[[i]]$name, lavaan_call = cases[[i]]$call,
       converged = lavInspect(fits[[i]], "converged"),
       nobs = as.list(lavInspect(fits[[i]], "nobs")), npar = lavInspect(fits[[i]], "npar"),
       fit_measures = as.list(fm[intersect(measures, names(fm))]))
})
table <- cbind(model = rownames(lrt), as.data.frame(lrt, stringsAsFactors = FALSE))
rownames(table) <- NULL
rec <- list(
  lrt_call = sprintf("lavTestLRT(%s, method = \"%s\")", paste(names(fits), collapse = ", "), method),
  software = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  method = method,
  heading = trimws(attr(lrt, "heading")),
  models = models,
  table = table
)
jsonlite::write_json(rec, out, auto_unbox = TRUE, pretty = TRUE, digits = NA,
                     na = "null", null = "null")
last <- table[nrow(table), ]
message("wrote ", out, ": ", paste(table$model, collapse = " < "), "; last Chisq diff = ",
        round(last[["Chisq diff"]], 4), " on ", last[["Df diff"]], " df, p = ",
        signif(last[["Pr(>Chisq)"]], 4))
