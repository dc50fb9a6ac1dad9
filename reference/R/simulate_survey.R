# Writes two survey-like variants of the alliance data (run from reference/, after
# simulate_alliance.R; make.sh does):
#   data/alliance39_likert.csv  a new draw (n = 500, seed 20261127) from
#       models/alliance39_population.lav, each item cut into a 5-point Likert scale with the
#       same thresholds (-2.0, -1.4, -0.7, 0.1) on its standardized population metric: about 2%,
#       6%, 16%, 30% and 46% of answers in categories 1-5, so every item is skewed to the left
#       (agreement bias) and far from normal.
#   data/alliance39_mar.csv     data/alliance39.csv with about 10% of all cells missing at random
#       (MAR): the four prior-experience items pe1..pe4 are always observed; every other cell of
#       a respondent is missing with probability plogis(a - 1.5 z), z the standardized mean of
#       that respondent's pe items (low prior experience, more skipped questions), with `a`
#       set so that 10% of the 39 x 500 cells are expected missing.
suppressPackageStartupMessages(library(lavaan))
RNGkind("Mersenne-Twister", "Inversion", "Rejection")

pop <- paste(readLines("models/alliance39_population.lav", warn = FALSE), collapse = "\n")
latent <- lavaan::simulateData(pop, sample.nobs = 500, seed = 20261127)
likert <- as.data.frame(lapply(latent, function(x) findInterval(x, c(-2.0, -1.4, -0.7, 0.1)) + 1L))
utils::write.csv(likert, "data/alliance39_likert.csv", row.names = FALSE)

d <- utils::read.csv("data/alliance39.csv")
always <- paste0("pe", 1:4)
others <- setdiff(names(d), always)
z <- as.numeric(scale(rowMeans(d[, always])))
target <- 0.10 * ncol(d) / length(others)  # share of the `others` cells to remove
a <- stats::uniroot(function(a) mean(stats::plogis(a - 1.5 * z)) - target, c(-10, 10))$root
set.seed(20261128)
p_miss <- stats::plogis(a - 1.5 * z)
for (v in others) d[[v]][stats::runif(nrow(d)) < p_miss] <- NA
utils::write.csv(d, "data/alliance39_mar.csv", row.names = FALSE, na = "")

tab <- table(unlist(likert)) / length(unlist(likert))
message("wrote data/alliance39_likert.csv (categories 1-5: ",
        paste(sprintf("%.1f%%", 100 * tab), collapse = ", "), ") and data/alliance39_mar.csv (",
        sprintf("%.1f%%", 100 * mean(is.na(d))), " cells missing, ", sum(stats::complete.cases(d)),
        " complete rows, ", nrow(unique(is.na(d))), " patterns)")
