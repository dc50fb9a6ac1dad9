# Writes a lavaan reference fit as JSON, for tests of a second SEM engine.
#
# Usage:
#   Rscript lavaan_reference.R --model MODEL.lav --data DATA.csv --out REF.json \
#       [--fun sem|cfa|growth|lavaan] [--opt 'name=R-expression'] ... [--modindices]
#   Rscript lavaan_reference.R --model MODEL.lav --cov COV.cov --nobs N [--means MEANS.txt] \
#       --out REF.json [--fun ...] [--opt ...] [--modindices]
# Examples of --opt: 'estimator="MLR"', 'group="school"', 'missing="fiml"',
#   'group.equal=c("loadings","intercepts")', 'std.lv=TRUE', 'se="bootstrap"', 'bootstrap=1000'.
# Needs: apt-get install -y r-cran-lavaan r-cran-jsonlite (lavaan 0.6.14 on Debian 12).
# Output: call, software versions, options, converged, iterations, nobs, npar, all fit
# measures, parameterEstimates() with std.lv/std.all (one row per parameter, including :=,
# equality constraints and group/block columns), sample and implied moments per group,
# and `partable`: the rows of parTable(fit) (id, lhs, op, rhs, user, block, group, free,
# ustart, exo, label, plabel, est, se). With --modindices, also `modindices`: the rows of
# modindices(fit) with lavaan's defaults (mi, epc, sepc.lv, sepc.all, sepc.nox).
#
# This is the shared tool (shared/tools/lavaan_reference.R) extended with covariance input,
# `partable` and `modindices`; for --data input every other field is written exactly as there.
#
# Covariance input (--cov): a text file; `#` starts a comment; the first non-empty line holds the
# variable names (whitespace-separated), the following lines the matrix, either the lower
# triangle (row i has i numbers) or the full p x p matrix. It is passed to lavaan as
# sample.cov with sample.nobs = N (lavaan rescales it by (N-1)/N, see SEM-NOTES). --means: the
# same layout with one row of p means (passed as sample.mean). Readers: inputs.R beside this file.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(here, "inputs.R"))

args <- commandArgs(trailingOnly = TRUE)
get_arg <- function(flag, default = NULL) {
  i <- which(args == flag)
  if (length(i) == 0) return(default)
  args[i[1] + 1]
}
opts_txt <- args[which(args == "--opt") + 1]
model_file <- get_arg("--model"); data_file <- get_arg("--data"); out <- get_arg("--out")
cov_file <- get_arg("--cov"); nobs_txt <- get_arg("--nobs"); means_file <- get_arg("--means")
want_mi <- "--modindices" %in% args
fun <- get_arg("--fun", "sem")
usage <- paste("Usage: Rscript lavaan_reference.R --model M.lav (--data D.csv | --cov C.cov --nobs N",
               "[--means M.txt]) --out R.json [--fun sem] [--opt 'k=v']... [--modindices]")
if (is.null(model_file) || is.null(out) || is.null(data_file) == is.null(cov_file))
  stop(usage)
if (!is.null(cov_file) && is.null(nobs_txt)) stop("--cov needs --nobs. ", usage)

model <- paste(readLines(model_file, warn = FALSE), collapse = "\n")
extra <- list()
for (o in opts_txt) {
  k <- sub("=.*$", "", o); v <- sub("^[^=]*=", "", o)
  extra[[k]] <- eval(parse(text = v))
}
if (!fun %in% c("sem", "cfa", "growth", "lavaan")) stop("unknown --fun ", fun)
input <- if (is.null(cov_file)) csv_input(data_file) else
  cov_input(cov_file, nobs = as.integer(nobs_txt), means = means_file)
fit <- do.call(fun, c(list(model = model), input$args, extra))

pe <- parameterEstimates(fit, standardized = TRUE, ci = TRUE, level = 0.95,
                         remove.system.eq = TRUE, remove.eq = FALSE,
                         remove.ineq = FALSE, remove.def = FALSE)
if (is.null(pe$label)) pe$label <- ""
pt <- parTable(fit)
key <- function(d) paste(d$lhs, d$op, d$rhs, if (is.null(d$group)) 1 else d$group)
pe$free <- pt$free[match(key(pe), key(pt))] > 0

fm <- fitMeasures(fit)
mom <- function(x) {
  one <- function(g) list(cov = list(names = colnames(g$cov), matrix = unname(unclass(g$cov))),
                          mean = if (is.null(g$mean)) NULL else as.list(g$mean))
  if (!is.null(x$cov)) list(one(x)) else lapply(x, one)
}
o <- lavInspect(fit, "options")
pt_cols <- c("id", "lhs", "op", "rhs", "user", "block", "group", "free", "ustart", "exo",
             "label", "plabel", "est", "se")
rec <- list(
  lavaan_call = sprintf("%s(model = readLines('%s'), %s%s)", fun, basename(model_file), input$text,
                        paste0(if (length(opts_txt)) ", " else "", paste(opts_txt, collapse = ", "))),
  software = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  options = o[c("estimator", "likelihood", "information", "se", "test", "missing",
                "fixed.x", "std.lv", "meanstructure", "auto.fix.first", "group.equal")],
  converged = lavInspect(fit, "converged"),
  iterations = lavInspect(fit, "iterations"),
  nobs = as.list(lavInspect(fit, "nobs")),
  npar = lavInspect(fit, "npar"),
  fit_measures = as.list(setNames(as.numeric(fm), names(fm))),
  parameters = as.data.frame(pe),
  sample_moments = mom(lavInspect(fit, "sampstat")),
  implied_moments = mom(lavInspect(fit, "implied")),
  partable = as.data.frame(pt)[, pt_cols]
)
if (want_mi) rec$modindices <- as.data.frame(modindices(fit))
jsonlite::write_json(rec, out, auto_unbox = TRUE, pretty = TRUE, digits = NA,
                     na = "null", null = "null")
message("wrote ", out, ": chisq = ", round(fm[["chisq"]], 4), ", df = ", fm[["df"]],
        ", npar = ", fm[["npar"]], ", converged = ", lavInspect(fit, "converged"))
