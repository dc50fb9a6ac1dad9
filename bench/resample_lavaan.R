# lavaan's side of bench/resample.sh: the serial time (ms) of 1000 bootstrap draws of the
# alliance39 model (sem(..., se = "bootstrap", bootstrap = 1000)) and of 200 Monte Carlo
# replications (simulateData(n = 500) from the population model + sem()). Prints JSON.
# Usage: Rscript bench/resample_lavaan.R   (from the repository root; needs r-cran-lavaan)
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
model <- paste(readLines("reference/models/alliance39.lav"), collapse = "\n")
pop <- paste(readLines("reference/models/alliance39_population.lav"), collapse = "\n")
d <- read.csv("reference/data/alliance39.csv")
boot <- system.time(sem(model, data = d, se = "bootstrap", bootstrap = 1000L, iseed = 7))[["elapsed"]]
set.seed(7)
power <- system.time(for (r in 1:200) {
  sim <- simulateData(pop, sample.nobs = 500L)
  sem(model, data = sim)
})[["elapsed"]]
cat(toJSON(list(bootstrap_1000 = 1000 * boot, power_200 = 1000 * power), auto_unbox = TRUE), "\n")
