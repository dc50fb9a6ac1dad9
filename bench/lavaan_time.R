# Median in-process time (ms) of a full lavaan::sem() call for several cases at once, printed as
# JSON {"name": median_ms, ...} on stdout, for side-by-side benchmarks with the Entente engine.
#
# Usage:
#   Rscript bench/lavaan_time.R [--reps N] [SPEC ...]
#   SPEC = name=MODEL.lav,DATA[,lavaan arguments]
#   DATA is a CSV file, or a covariance file (*.cov, format of reference/R/moments.R) that is
#   passed as sample.cov and then needs sample.nobs among the arguments. The arguments are R
#   code, as in a call: std.lv=TRUE, estimator="MLR", group.equal=c("loadings","intercepts").
#   Without SPECs the cases are read from bench/cases.txt (one SPEC a line, `#` comments; paths
#   relative to that file); SPEC paths on the command line are relative to the working directory.
# Examples:
#   Rscript bench/lavaan_time.R
#   Rscript bench/lavaan_time.R 'hs=reference/models/hs_cfa.lav,reference/data/HolzingerSwineford1939.csv,std.lv=TRUE'
# Each case: the model text and data are read once, sem() runs twice to warm up, then N times
# (default 10) under system.time(); the median elapsed time is reported.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(here, "..", "reference", "R", "moments.R"))

args <- commandArgs(trailingOnly = TRUE)
reps <- 10L
i <- which(args == "--reps")
if (length(i)) { reps <- as.integer(args[i + 1]); args <- args[-c(i, i + 1)] }
if (is.na(reps) || reps < 1) stop("--reps needs a positive integer")
base <- "."
if (!length(args)) {
  cases_file <- file.path(here, "cases.txt")
  lines <- trimws(sub("#.*$", "", readLines(cases_file, warn = FALSE)))
  args <- lines[nzchar(lines)]
  base <- here
}

# name=model,data[,args] -> list(name, call arguments)
parse_spec <- function(spec) {
  m <- regmatches(spec, regexec("^([^=]+)=([^,]+),([^,]+)(,(.*))?$", spec))[[1]]
  if (!length(m)) stop("bad case `", spec, "`: expected name=model.lav,data[,arguments]")
  path <- function(p) if (grepl("^/", p)) p else file.path(base, p)
  extra <- if (nzchar(m[6])) eval(parse(text = paste0("list(", m[6], ")"))) else list()
  model <- paste(readLines(path(m[3]), warn = FALSE), collapse = "\n")
  input <- if (grepl("\\.cov$", m[4])) {
    if (is.null(extra$sample.nobs)) stop("case `", m[2], "`: covariance input needs sample.nobs")
    list(sample.cov = read_cov(path(m[4])))
  } else list(data = utils::read.csv(path(m[4]), stringsAsFactors = FALSE))
  list(name = m[2], args = c(list(model = model), input, extra))
}

cases <- lapply(args, parse_spec)
res <- list()
for (cs in cases) {
  fit_once <- function() invisible(do.call("sem", cs$args))
  fit_once(); fit_once()
  t <- replicate(reps, system.time(fit_once())[["elapsed"]])
  res[[cs$name]] <- round(1000 * stats::median(t), 3)
  message(cs$name, ": ", res[[cs$name]], " ms")
}
cat(jsonlite::toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
