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

# data/hs_binary.csv  HolzingerSwineford1939 (n = 301): each score x1..x9 cut into a binary item
#     b1..b9 (1 = at or below, 2 = above the quantile of its own distribution, type 7). The extreme
#     cuts of b3 and b9 (97%) leave one empty cell in the 2 x 2 tables b1 x b3, b1 x b9, b3 x b8:
#     lavaan's empty-cell correction (zero.add = 0.5, zero.keep.margins = TRUE) applies there.
bprobs <- c(0.30, 0.40, 0.97, 0.50, 0.40, 0.60, 0.50, 0.25, 0.97)
bin <- as.data.frame(lapply(1:9, function(i) {
  x <- d[[paste0("x", i)]]
  as.integer(x > stats::quantile(x, bprobs[i], type = 7)) + 1L
}))
names(bin) <- paste0("b", 1:9)
utils::write.csv(bin, "data/hs_binary.csv", row.names = FALSE)
message("wrote data/hs_binary.csv")
