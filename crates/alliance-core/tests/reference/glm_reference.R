# Reference values for alliance-core's GLM (population::glm), from R's glm(), and for its
# proportional-odds model (population::ordinal), from MASS::polr().
#
# Run from the repository root:
#   Rscript crates/alliance-core/tests/reference/glm_reference.R
# Writes, next to this script:
#   glm_data.csv        a simulated population (seeded; R's own RNG)
#   glm_reference.json  coefficients, standard errors, z/t statistics, p-values, 95% Wald
#                       intervals, deviances, AIC and residual df of each model below.
# glm() runs with a tight convergence tolerance (epsilon 1e-14) so that the reference is the
# maximum-likelihood solution to far better than the 1e-6 the Rust test asks for.
# Intervals: binomial est +- qnorm(0.975) se (confint.default); gaussian est +- qt(0.975, df) se.
# polr() runs with reltol 1e-15 so its estimates are converged; its standard errors come from
# optim's finite-difference Hessian (step 1e-3), so they carry that approximation's error.
suppressPackageStartupMessages(library(jsonlite))
args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg) == 1) dirname(normalizePath(file_arg)) else "."

set.seed(20240606)
n <- 240
quadrant <- sample(c("economies", "synergies", "mismatch"), n, replace = TRUE)
mismatch <- as.integer(quadrant == "mismatch")
explore_match <- as.integer(quadrant == "synergies")
exploit_match <- as.integer(quadrant == "economies")
dynamism <- round(runif(n), 4)
age <- round(runif(n, 1, 15), 2)
# integration is a level of the continuum: 1 licensing .. 4 merger/acquisition
integration <- as.integer(pmin(pmax(round(2.5 - 0.7 * exploit_match + 0.8 * explore_match +
  rnorm(n, 0, 0.6)), 1), 4))
performance <- round(0.2 - 0.5 * mismatch - 0.3 * dynamism + 0.6 * explore_match * dynamism +
  0.02 * age + rnorm(n, 0, 0.5), 4)
learning <- round(0.1 + 0.6 * explore_match - 0.2 * mismatch + rnorm(n, 0, 0.5), 4)
failed <- rbinom(n, 1, plogis(-1.2 + 1.1 * mismatch + 0.05 * age))
terminated <- rbinom(n, 1, plogis(-1.5 + 0.9 * mismatch - 0.04 * age + 0.5 * dynamism))
d <- data.frame(id = sprintf("A%03d", seq_len(n)), quadrant, integration, dynamism, performance,
  learning, failed, terminated, age)
write.csv(d, file.path(here, "glm_data.csv"), row.names = FALSE, quote = FALSE)
d$mismatch <- mismatch
d$explore_match <- explore_match
d$exploit_match <- exploit_match

ctl <- glm.control(epsilon = 1e-14, maxit = 100)
models <- list(
  list(name = "failed_logit", formula = failed ~ mismatch + age, family = binomial()),
  list(name = "terminated_logit", formula = terminated ~ mismatch + age + dynamism, family = binomial()),
  list(name = "integration_linear", formula = integration ~ exploit_match + explore_match, family = gaussian()),
  list(name = "performance_interaction", formula = performance ~ explore_match * dynamism + age,
       family = gaussian())
)
out <- list()
for (m in models) {
  fit <- glm(m$formula, data = d, family = m$family, control = ctl)
  s <- summary(fit)$coefficients
  se <- s[, 2]
  q <- if (m$family$family == "binomial") qnorm(0.975) else qt(0.975, fit$df.residual)
  out[[m$name]] <- list(
    formula = paste(deparse(m$formula), collapse = ""),
    family = m$family$family,
    terms = rownames(s),
    estimate = unname(s[, 1]),
    std_error = unname(se),
    statistic = unname(s[, 3]),
    p_value = unname(s[, 4]),
    ci_lower = unname(s[, 1] - q * se),
    ci_upper = unname(s[, 1] + q * se),
    deviance = fit$deviance,
    null_deviance = fit$null.deviance,
    aic = fit$aic,
    df_residual = fit$df.residual,
    dispersion = summary(fit)$dispersion
  )
}
suppressPackageStartupMessages(library(MASS))
ord <- polr(factor(integration) ~ exploit_match + explore_match, data = d, Hess = TRUE,
  control = list(reltol = 1e-15, maxit = 10000))
v <- sqrt(diag(vcov(ord)))
est <- c(coef(ord), ord$zeta)
out[["integration_ordinal"]] <- list(
  formula = "integration ~ exploit_match + explore_match",
  family = "ordinal",
  terms = names(est),
  estimate = unname(est),
  std_error = unname(v[names(est)]),
  deviance = ord$deviance,
  aic = AIC(ord)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
  file.path(here, "glm_reference.json"))
cat("wrote", file.path(here, "glm_reference.json"), "\n")
