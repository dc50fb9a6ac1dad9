# Measurement-quality reference (semTools 0.5.6 on lavaan 0.6.14): per factor, Cronbach's alpha
# (compRelSEM(tau.eq = TRUE)), omega (compRelSEM()), AVE (AVE()), the latent correlations and
# HTMT (htmt(model, data)).
# Usage: Rscript reference/R/quality_reference.R MODEL.lav DATA.csv OUT.json
suppressPackageStartupMessages({ library(lavaan); library(semTools); library(jsonlite) })
a <- commandArgs(trailingOnly = TRUE)
model <- paste(readLines(a[1], warn = FALSE), collapse = "\n")
data <- read.csv(a[2])
fit <- cfa(model, data)
h <- htmt(model, data)
out <- list(
  call = sprintf("cfa(readLines('%s'), read.csv('%s')); compRelSEM, AVE, htmt(model, data)", basename(a[1]), basename(a[2])),
  software = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                  semTools = as.character(packageVersion("semTools"))),
  factors = names(compRelSEM(fit)),
  alpha = as.list(unclass(compRelSEM(fit, tau.eq = TRUE))),
  omega = as.list(unclass(compRelSEM(fit))),
  ave = as.list(unclass(AVE(fit))),
  cor_lv = unname(lavInspect(fit, "cor.lv")),
  htmt = unname(as.matrix(h))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), a[3])
