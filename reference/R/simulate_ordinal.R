# Writes the ordinal test data (run from reference/; make.sh does):
#   data/hs_ordinal.csv  HolzingerSwineford1939 (n = 301): the nine ability scores x1..x9 kept as
#       they are, and each also cut into a 5-point item u1..u9 at the quantiles 10%, 30%, 60%, 85%
#       of its own distribution (findInterval, so ties go up). One sparse item: u9s is x9 cut at
#       the 1%, 30%, 60%, 85% quantiles, so its first category holds 3 answers and some of its
#       bivariate tables with u1..u8 have empty cells.
# The alliance survey items (data/alliance39_likert.csv, 5 points) come from simulate_survey.R.
d <- utils::read.csv("data/HolzingerSwineford1939.csv")
cut5 <- function(x, probs) findInterval(x, stats::quantile(x, probs, type = 7)) + 1L
out <- d[, paste0("x", 1:9)]
for (i in 1:9) out[[paste0("u", i)]] <- cut5(d[[paste0("x", i)]], c(0.10, 0.30, 0.60, 0.85))
out$u9s <- cut5(d$x9, c(0.01, 0.30, 0.60, 0.85))
utils::write.csv(out, "data/hs_ordinal.csv", row.names = FALSE)
message("wrote data/hs_ordinal.csv: u9s categories ", paste(table(out$u9s), collapse = " "))
