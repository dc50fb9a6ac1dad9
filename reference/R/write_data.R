# Writes the data files of the reference set (run from reference/, as make.sh does):
#   data/HolzingerSwineford1939.csv  lavaan's data set (n = 301; missing grade = empty field)
#   data/PoliticalDemocracy.csv      lavaan's data set (n = 75; Bollen 1989)
#   data/hs_missing.csv              HolzingerSwineford1939 with about 5% of the x1..x9 cells
#                                    set to missing (completely at random, fixed seed)
#   data/wheaton.cov                 Wheaton et al. (1977) covariances, lower triangle (N = 932),
#                                    as printed in lavaan's ?getCov example
#   data/wheaton_full.cov            the same matrix as a full p x p matrix
# CSV files have a header line; a missing value is an empty field.
suppressPackageStartupMessages(library(lavaan))

write_csv <- function(d, path) utils::write.csv(d, path, row.names = FALSE, na = "")

hs <- lavaan::HolzingerSwineford1939
write_csv(hs, "data/HolzingerSwineford1939.csv")
write_csv(lavaan::PoliticalDemocracy, "data/PoliticalDemocracy.csv")

# 5% of the 301 x 9 test-score cells, drawn without replacement.
set.seed(20261126, kind = "Mersenne-Twister", normal.kind = "Inversion", sample.kind = "Rejection")
xs <- paste0("x", 1:9)
scores <- as.matrix(hs[, xs])
scores[sample(length(scores), round(0.05 * length(scores)))] <- NA
hs_missing <- hs
hs_missing[, xs] <- scores
write_csv(hs_missing, "data/hs_missing.csv")

wheaton_names <- c("anomia67", "powerless67", "anomia71", "powerless71", "education", "sei")
wheaton_lower <- list(
  c(11.834),
  c(6.947, 9.364),
  c(6.819, 5.091, 12.532),
  c(4.783, 5.028, 7.495, 9.986),
  c(-3.839, -3.889, -3.841, -3.625, 9.610),
  c(-21.899, -18.831, -21.748, -18.775, 35.522, 450.288)
)
p <- length(wheaton_names)
wheaton <- matrix(0, p, p)
for (i in seq_len(p)) { wheaton[i, seq_len(i)] <- wheaton_lower[[i]]; wheaton[seq_len(i), i] <- wheaton_lower[[i]] }
header <- c(
  "# Wheaton, Muthen, Alwin & Summers (1977), stability of alienation: sample covariances, N = 932.",
  "# Source: lavaan's ?getCov example (lavaan 0.6.14). Format: a line of names, then the rows.")
fmt <- function(v) paste(formatC(v, format = "f", digits = 3), collapse = " ")
writeLines(c(header, "# Lower triangle: row i holds i numbers.", paste(wheaton_names, collapse = " "),
             vapply(wheaton_lower, fmt, "")), "data/wheaton.cov")
writeLines(c(header, "# Full symmetric p x p matrix.", paste(wheaton_names, collapse = " "),
             apply(wheaton, 1, fmt)), "data/wheaton_full.cov")
message("wrote data/HolzingerSwineford1939.csv, data/PoliticalDemocracy.csv, data/hs_missing.csv (",
        sum(is.na(scores)), " missing cells, ", sum(stats::complete.cases(scores)), " complete rows), ",
        "data/wheaton.cov, data/wheaton_full.cov")
