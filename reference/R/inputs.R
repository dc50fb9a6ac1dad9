# Input readers shared by lavaan_reference.R, lrt_reference.R and bench/lavaan_time.R:
# moment files (covariance matrices, means) and fit cases (`name=model,data[,arguments]`).
#
# Moment file format: text; `#` starts a comment; the first non-empty line holds the variable names
# (whitespace-separated), the following lines the numbers. A covariance file holds the lower
# triangle (row i has i numbers) or the full p x p matrix; a means file holds one row of p means.

# Reads the names line and the rows of numbers of a moment file.
read_moment_file <- function(path) {
  lines <- trimws(sub("#.*$", "", readLines(path, warn = FALSE)))
  lines <- lines[nzchar(lines)]
  if (length(lines) < 2) stop(path, ": needs a names line and at least one row of numbers")
  nm <- strsplit(lines[1], "[[:space:]]+")[[1]]
  rows <- lapply(lines[-1], function(l) as.numeric(strsplit(l, "[[:space:],]+")[[1]]))
  if (anyNA(unlist(rows))) stop(path, ": a matrix entry is not a number")
  list(names = nm, rows = rows)
}

# A covariance file as a named symmetric matrix (for sample.cov).
read_cov <- function(path) {
  f <- read_moment_file(path); p <- length(f$names); r <- f$rows
  if (length(r) != p) stop(path, ": ", p, " names but ", length(r), " rows")
  lens <- vapply(r, length, 1L)
  m <- matrix(0, p, p, dimnames = list(f$names, f$names))
  if (all(lens == seq_len(p))) {
    for (i in seq_len(p)) { m[i, seq_len(i)] <- r[[i]]; m[seq_len(i), i] <- r[[i]] }
  } else if (all(lens == p)) {
    m[, ] <- do.call(rbind, r)
    if (max(abs(m - t(m))) > 1e-12) stop(path, ": the full matrix is not symmetric")
  } else stop(path, ": rows are neither a lower triangle nor a full square matrix")
  m
}

# A means file as a named vector (for sample.mean).
read_means <- function(path) {
  f <- read_moment_file(path)
  if (length(f$rows) != 1 || length(f$rows[[1]]) != length(f$names))
    stop(path, ": expected one row of ", length(f$names), " means")
  setNames(f$rows[[1]], f$names)
}

# The data arguments of a lavaan call and their text for `lavaan_call`, as list(args, text):
# a CSV file (missing = empty field) as `data`; a covariance file as `sample.cov`, with
# `sample.nobs` and a means file as `sample.mean` when given.
csv_input <- function(path) {
  list(args = list(data = utils::read.csv(path, stringsAsFactors = FALSE)),
       text = sprintf("data = read.csv('%s')", basename(path)))
}
cov_input <- function(path, nobs = NULL, means = NULL) {
  args <- list(sample.cov = read_cov(path))
  text <- sprintf("sample.cov = read_cov('%s')", basename(path))
  if (!is.null(nobs)) {
    args$sample.nobs <- nobs
    text <- sprintf("%s, sample.nobs = %d", text, nobs)
  }
  if (!is.null(means)) {
    args$sample.mean <- read_means(means)
    text <- sprintf("%s, sample.mean = read_means('%s')", text, basename(means))
  }
  list(args = args, text = text)
}

# A fit case `name=MODEL.lav,DATA[,arguments]` as list(name, args, call): `args` are the arguments
# of a lavaan fitting call. DATA is a CSV file (passed as data), or a covariance file (*.cov) that
# is passed as sample.cov and then needs sample.nobs among the arguments. The arguments are R code
# as in a call (std.lv=TRUE, estimator="MLR", group.equal=c("loadings","intercepts")). Relative
# paths are taken from `base`. `call` is the call as text, with the files' base names.
read_case <- function(spec, base = ".") {
  m <- regmatches(spec, regexec("^([^=]+)=([^,]+),([^,]+)(,(.*))?$", spec))[[1]]
  if (!length(m)) stop("bad case `", spec, "`: expected name=model.lav,data[,arguments]")
  path <- function(p) if (grepl("^/", p)) p else file.path(base, p)
  extra <- if (nzchar(m[6])) eval(parse(text = paste0("list(", m[6], ")"))) else list()
  model <- paste(readLines(path(m[3]), warn = FALSE), collapse = "\n")
  input <- if (grepl("\\.cov$", m[4])) {
    if (is.null(extra$sample.nobs)) stop("case `", m[2], "`: covariance input needs sample.nobs")
    cov_input(path(m[4]))
  } else csv_input(path(m[4]))
  list(name = m[2], args = c(list(model = model), input$args, extra),
       call = sprintf("sem(model = readLines('%s'), %s%s)", basename(m[3]), input$text,
                      if (nzchar(m[6])) paste0(", ", m[6]) else ""))
}
