# Simulates data/alliance39.csv: a survey-like data set for the trust-learning model of
# shared THEORY.md section 1 (11 factors, 39 items, n = 500), and writes the population model
# it comes from to models/alliance39_population.lav. Run from reference/ (make.sh does).
#
# Population: factors in a standardized metric. The eight exogenous factors (PE, TR, RE, RO, PR,
# ID, LO, CD) have variance 1 and correlations 0.10-0.40; the paths carry THEORY.md's signs (PE, TR,
# RE -> T1 positive; RO, PR, CD -> T2 negative; ID, LO, T1 -> T2 positive; T1, T2 -> LE positive);
# the residual variances of T1, T2 and LE are set so that their total variances are 1; loadings
# are 0.60-0.85 and item residual variances 1 - loading^2, so every item has variance 1.
# Data: lavaan::simulateData(pop, sample.nobs = 500, seed = 20261126), rounded to 4 decimals.
suppressPackageStartupMessages(library(lavaan))
RNGkind("Mersenne-Twister", "Inversion", "Rejection")

items <- c(PE = 4, TR = 4, RE = 4, T1 = 4, RO = 3, PR = 3, ID = 3, LO = 3, CD = 3, T2 = 4, LE = 4)
prefix <- c(PE = "pe", TR = "tr", RE = "re", T1 = "t1_", RO = "ro", PR = "pr", ID = "id",
            LO = "lo", CD = "cd", T2 = "t2_", LE = "le")
lambda_cycle <- c(0.80, 0.70, 0.75, 0.65, 0.85, 0.60, 0.72, 0.78, 0.68, 0.82, 0.62)
stopifnot(sum(items) == 39)

exo <- c("PE", "TR", "RE", "RO", "PR", "ID", "LO", "CD")
phi <- diag(8); dimnames(phi) <- list(exo, exo)
r <- c(PE.TR = .35, PE.RE = .40, PE.RO = .10, PE.PR = .15, PE.ID = .30, PE.LO = .35, PE.CD = .10,
       TR.RE = .30, TR.RO = .20, TR.PR = .25, TR.ID = .20, TR.LO = .15, TR.CD = .10,
       RE.RO = .10, RE.PR = .15, RE.ID = .40, RE.LO = .30, RE.CD = .15,
       RO.PR = .35, RO.ID = .10, RO.LO = .10, RO.CD = .30,
       PR.ID = .15, PR.LO = .10, PR.CD = .25,
       ID.LO = .30, ID.CD = .10,
       LO.CD = .20)
for (nm in names(r)) {
  ij <- strsplit(nm, ".", fixed = TRUE)[[1]]
  phi[ij[1], ij[2]] <- phi[ij[2], ij[1]] <- r[[nm]]
}
stopifnot(min(eigen(phi, only.values = TRUE)$values) > 0)

paths <- list(T1 = c(PE = .30, TR = .25, RE = .20),
              T2 = c(T1 = .40, RO = -.20, PR = -.15, ID = .20, LO = .15, CD = -.15),
              LE = c(T1 = .20, T2 = .45))

# Latent covariances, built in the causal order T1, T2, LE; each residual variance is
# 1 - (explained variance), so each endogenous factor has total variance 1.
lv <- c(exo, "T1", "T2", "LE")
cov_lv <- matrix(0, length(lv), length(lv), dimnames = list(lv, lv))
cov_lv[exo, exo] <- phi
psi <- list()
for (y in names(paths)) {
  b <- paths[[y]]; x <- names(b)
  cov_lv[y, ] <- cov_lv[, y] <- as.vector(b %*% cov_lv[x, , drop = FALSE])
  explained <- as.numeric(t(b) %*% cov_lv[x, x] %*% b)
  psi[[y]] <- round(1 - explained, 4)
  cov_lv[y, y] <- explained + psi[[y]]
}

num <- function(v) formatC(v, format = "f", digits = 4)
lines <- c(
  "# Population model of alliance39.csv, written by R/simulate_alliance.R (do not edit).",
  "# Trust-learning model of THEORY.md section 1; every parameter fixed to its population value.",
  "", "# measurement model")
k <- 0
resid_lines <- character(0)
for (f in names(items)) {
  lam <- lambda_cycle[(k + seq_len(items[[f]]) - 1) %% length(lambda_cycle) + 1]
  k <- k + items[[f]]
  its <- paste0(prefix[[f]], seq_len(items[[f]]))
  lines <- c(lines, sprintf("%s =~ %s", f, paste0(num(lam), "*", its, collapse = " + ")))
  resid_lines <- c(resid_lines, sprintf("%s ~~ %s*%s", its, num(1 - lam^2), its))
}
lines <- c(lines, "", "# structural model")
for (y in names(paths))
  lines <- c(lines, sprintf("%s ~ %s", y, paste0(num(paths[[y]]), "*", names(paths[[y]]), collapse = " + ")))
lines <- c(lines, "", "# exogenous factors: variances and correlations")
for (i in seq_along(exo)) for (j in i:length(exo))
  lines <- c(lines, sprintf("%s ~~ %s*%s", exo[i], num(phi[i, j]), exo[j]))
lines <- c(lines, "", "# residual variances of the endogenous factors",
           sprintf("%s ~~ %s*%s", names(psi), num(unlist(psi)), names(psi)),
           "", "# item residual variances", resid_lines)
writeLines(lines, "models/alliance39_population.lav")

pop <- paste(lines, collapse = "\n")
d <- lavaan::simulateData(pop, sample.nobs = 500, seed = 20261126)
d <- round(d, 4)
utils::write.csv(d, "data/alliance39.csv", row.names = FALSE, na = "")
message("wrote models/alliance39_population.lav and data/alliance39.csv (", nrow(d), " x ", ncol(d), ")")
