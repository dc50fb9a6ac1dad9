# Writes data/hs_ordinal_school.csv (run from reference/; make.sh does): the school of each pupil of
# HolzingerSwineford1939 (n = 301; Pasteur 156, Grant-White 145) and its nine ability scores cut
# into 4-point items u1..u9 at the 20%, 50% and 80% quantiles of the whole sample (findInterval,
# so ties go up). Every category holds at least 10 answers in each school.
d <- utils::read.csv("data/HolzingerSwineford1939.csv")
cut4 <- function(x) findInterval(x, stats::quantile(x, c(0.20, 0.50, 0.80), type = 7)) + 1L
out <- data.frame(school = d$school)
for (i in 1:9) out[[paste0("u", i)]] <- cut4(d[[paste0("x", i)]])
utils::write.csv(out, "data/hs_ordinal_school.csv", row.names = FALSE)
message("wrote data/hs_ordinal_school.csv: smallest category count per school ",
        paste(sapply(split(out[-1], out$school), function(s) min(sapply(s, table))), collapse = " "))
