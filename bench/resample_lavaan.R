# lavaan's side of bench/resample.sh: the serial time (ms) of 1000 bootstrap draws of the
# alliance39 model (sem(..., se = "bootstrap", bootstrap = B)) and of 200 Monte Carlo
# replications (simulateData(n = 500) from the population model + sem()). Prints JSON.
# Usage: Rscript bench/resample_lavaan.R [B] [R]   (from the repository root; needs r-cran-lavaan)
# With B < 1000 draws or R < 200 replications (to finish in a few minutes), the times are
# scaled linearly to 1000 and 200 (both loops are serial, so the time per draw is constant).
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
nboot <- if (length(args) >= 1) as.integer(args[[1]]) else 1000L
nreps <- if (length(args) >= 2) as.integer(args[[2]]) else 200L
model <- paste(readLines("reference/models/alliance39.lav"), collapse = "\n")
pop <- paste(readLines("reference/models/alliance39_population.lav"), collapse = "\n")
d <- read.csv("reference/data/alliance39.csv")
fit0 <- system.time(sem(model, data = d))[["elapsed"]]
boot <- system.time(sem(model, data = d, se = "bootstrap", bootstrap = nboot, iseed = 7))[["elapsed"]]
# the full fit's own time (estimates, standard errors skipped) is not part of the draws
boot <- max(boot - fit0, 0) * 1000 / nboot
set.seed(7)
power <- system.time(for (r in seq_len(nreps)) {
  sim <- simulateData(pop, sample.nobs = 500L)
  sem(model, data = sim)
})[["elapsed"]] * 200 / nreps
cat(toJSON(list(bootstrap_1000 = 1000 * boot, power_200 = 1000 * power), auto_unbox = TRUE), "\n")
