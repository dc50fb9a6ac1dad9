# Writes data/hs_binary_perfect.csv (run from reference/; make.sh does): the binary items b1..b9
# of data/hs_binary.csv (R/simulate_ordinal.R) and two items that repeat one of them, so that
# their 2 x 2 tables have two empty cells (a perfect association):
#   b10 = 3 - b9  (reversed b9: the table b9 x b10 is (0, 292; 9, 0), lavaan sets rho = -1)
#   b11 = b7      (a copy of b7: the table b7 x b11 is diagonal, lavaan sets rho = +1)
d <- utils::read.csv("data/hs_binary.csv")
d$b10 <- 3L - d$b9
d$b11 <- d$b7
utils::write.csv(d, "data/hs_binary_perfect.csv", row.names = FALSE)
message("wrote data/hs_binary_perfect.csv: b9 x b10 ", paste(table(d$b9, d$b10), collapse = " "),
        ", b7 x b11 ", paste(table(d$b7, d$b11), collapse = " "))
