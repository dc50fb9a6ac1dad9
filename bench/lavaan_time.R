# Median in-process time (ms) of a full lavaan::sem() call for several cases at once, printed as
# JSON {"name": median_ms, ...} on stdout, for side-by-side benchmarks with the Entente engine.
#
# Usage:
#   Rscript bench/lavaan_time.R [--reps N] [SPEC ...]
#   SPEC = name=MODEL.lav,DATA[,lavaan arguments]
#   DATA is a CSV file, or a covariance file (*.cov, format in reference/R/inputs.R) that is
#   passed as sample.cov and then needs sample.nobs among the arguments. The arguments are R
#   code, as in a call: std.lv=TRUE, estimator="MLR", group.equal=c("loadings","intercepts");
#   modindices=TRUE also times modindices(fit).
#   Without SPECs the cases are read from bench/cases.txt (one SPEC a line, `#` comments; paths
#   relative to that file); SPEC paths on the command line are relative to the working directory.
# Examples:
#   Rscript bench/lavaan_time.R
#   Rscript bench/lavaan_time.R 'hs=reference/models/hs_cfa.lav,reference/data/HolzingerSwineford1939.csv,std.lv=TRUE'
# Each case: the model text and data are read once, sem() runs twice to warm up, then N times
# (default 10) under system.time(); the median elapsed time is reported.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(here, "..", "reference", "R", "inputs.R"))

args <- commandArgs(trailingOnly = TRUE)
reps <- 10L
i <- which(args == "--reps")
if (length(i)) { reps <- as.integer(args[i + 1]); args <- args[-c(i, i + 1)] }
if (is.na(reps) || reps < 1) stop("--reps needs a positive integer")
base <- "."
if (!length(args)) {
  cases_file <- file.path(here, "cases.txt")
  lines <- trimws(sub("#.*$", "", readLines(cases_file, warn = FALSE)))
  args <- lines[nzchar(lines) & !startsWith(lines, "@")]
  base <- here
}

cases <- lapply(args, read_case, base = base)
res <- list()
for (cs in cases) {
  # modindices=TRUE is not a sem() argument: time modindices(fit) after the fit, as
  # `entente fit --modindices` does.
  mi <- isTRUE(cs$args$modindices)
  cs$args$modindices <- NULL
  # Timed: what `entente fit` computes in its timed fit, i.e. the fit, every fit measure
  # (fitMeasures: for WLSMV the robust CFI/TLI/RMSEA are computed here, not in sem()) and the
  # standardized solution, as summary(fit, fit.measures = TRUE, standardized = TRUE) would.
  fit_once <- function() {
    fit <- do.call("sem", cs$args)
    fitMeasures(fit)
    parameterEstimates(fit, standardized = TRUE)
    if (mi) modindices(fit)
    invisible(fit)
  }
  fit_once(); fit_once()
  t <- replicate(reps, system.time(fit_once())[["elapsed"]])
  res[[cs$name]] <- round(1000 * stats::median(t), 3)
  message(cs$name, ": ", res[[cs$name]], " ms")
}
cat(jsonlite::toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
