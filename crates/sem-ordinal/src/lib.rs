//! Ordinal indicators for the SEM engine: thresholds, polychoric correlations and WLSMV.
//!
//! Likert items are ordered categories, not interval scores. The usual model (Muthén 1984)
//! takes each item $y$ as a cut of a continuous latent response $y^*$:
//! $y = k \iff \tau_{k-1} < y^* \le \tau_k$, with $y^*$ standard normal in the delta
//! parameterisation. The SEM then describes the correlations of the $y^*$ (and the
//! covariances of any continuous indicators), and is fitted to sample statistics in three steps,
//! as lavaan 0.6.14 does (`lav_samplestats_step1/2`, `muthen1984`, `lav_model_wls`):
//!
//! 1. **Thresholds** from the univariate margins: $\hat\tau_k = \Phi^{-1}(\text{cumulative
//!    proportion up to } k)$. Continuous variables contribute their mean and variance.
//! 2. **Correlations** by two-step ML with the thresholds fixed: polychoric for two ordered
//!    variables (bivariate normal cell probabilities $\pi_{ab}(\rho)$, Genz's algorithm for
//!    $\Phi_2$), polyserial for an ordered and a continuous one, Pearson for two continuous ones.
//! 3. **Asymptotic covariance** $\Gamma$ (lavaan's NACOV) of the stacked vector
//!    $s = (\tau, -\bar y, \operatorname{var}, \rho)$ by Muthén's sandwich of casewise scores:
//!    with $S_i$ the scores of case $i$ (univariate ones, then the bivariate score of each
//!    correlation), $A$ the block-triangular derivative matrix (outer-product form) and
//!    $g_i = A^{-1} S_i$ (then a delta rule from correlations to covariances for continuous
//!    variables), $\Gamma = N \sum_i g_i g_i^\top$. [`OrdinalStats::influence`] keeps the
//!    $g_i$, so sandwich products $\Delta^\top V \Gamma V \Delta$ and traces never need
//!    $\Gamma$ itself.
//!
//! Estimation ([`wls`]) minimises $F(\theta) = (s - \sigma(\theta))^\top V (s - \sigma(\theta))$
//! with $V = \operatorname{diag}(\Gamma)^{-1}$ (DWLS: WLSMV), $V = \Gamma^{-1}$ (WLS) or
//! $V = I$ (ULS: ULSMV) by Gauss-Newton with step halving, using the Jacobian of the implied
//! moments from `sem-model`. Standard errors are the robust sandwich
//! $\frac{1}{N-1}E^{-1}\Delta^\top V\Gamma V\Delta E^{-1}$, $E = \Delta^\top V \Delta$; the test is
//! $X^2 = (N-1)F$ with lavaan's mean-and-variance ("scaled.shifted") correction
//! $T = aX^2 + b$, $a = \sqrt{df/\operatorname{tr}(U\Gamma)^2}$, $b = df - a\operatorname{tr}(U\Gamma)$,
//! $U = V - V\Delta E^{-1}\Delta^\top V$ (Asparouhov and Muthén 2010).
//!
//! A 2 x 2 table with one empty cell is estimated, as by lavaan (`zero.add = c(0.5, 0)`,
//! `zero.keep.margins = TRUE`), from the table with 0.5 added to the empty cell's diagonal and
//! taken from the other diagonal (margins kept); scores and Gamma use the observed table. A 2 x 2
//! table with two empty cells (a perfect association) gets the correlation +1 (first cell
//! filled) or -1, as in lavaan; its scores take $\partial\pi/\partial\rho$ at $\pm 0.9999$
//! (lavaan's limit for the bivariate density) and half the univariate density for the
//! threshold terms (lavaan's convention when $\sqrt{1-\rho^2} = 0$), so Gamma stays finite.
//!
//! Several groups that share no parameter (lavaan's default for ordered data without
//! `group.equal`) are fitted one by one; [`wls::fit_measures`] combines their [`wls::TestParts`]
//! as lavaan does (statistics, df and traces add up; RMSEA with $N - G$ and $\sqrt G$).
//!
//! Sources: Muthén (1984), Psychometrika 49; Olsson (1979), Psychometrika 44 (polychoric ML);
//! Genz (2004), Statistics and Computing 14 (bivariate normal); lavaan 0.6.14 (Rosseel 2012),
//! whose numbers the tests reproduce to 1e-4 (`reference/hs_ordinal_stats.json` and the
//! `hs_ord_*` fits).
#![deny(missing_docs)]

mod gemm;
pub mod normal;
pub mod stats;
pub mod wls;

pub use stats::{Layout, OrdinalStats, Variable, MAX_CATEGORIES};

/// Errors of ordinal sample statistics and estimation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OrdinalError {
    /// An ordered column holds a value that is not a whole number.
    #[error("The ordered variable `{name}` has the value {value}, which is not a whole number; ordered columns must hold integer category codes.")]
    NotInteger {
        /// Variable.
        name: String,
        /// The offending value.
        value: f64,
    },
    /// An ordered variable has a single observed category.
    #[error("The ordered variable `{name}` has only one observed category ({value}); it has no thresholds and no correlations, so drop it from the model.")]
    OneCategory {
        /// Variable.
        name: String,
        /// Its one value.
        value: f64,
    },
    /// Too many categories for an ordered variable.
    #[error("The ordered variable `{name}` has {k} categories (at most {max} are allowed); treat it as continuous or recode it.")]
    TooManyCategories {
        /// Variable.
        name: String,
        /// Its number of categories.
        k: usize,
        /// The limit.
        max: usize,
    },
    /// Not enough usable data.
    #[error("Not enough data for ordinal statistics: {0}.")]
    NoData(String),
    /// The model cannot be fitted as asked.
    #[error("{0}")]
    Unsupported(String),
    /// The optimiser did not converge.
    #[error("The WLS optimiser did not converge in {iterations} iterations (largest gradient {grad:.3e}).")]
    NotConverged {
        /// Iterations used.
        iterations: usize,
        /// Largest absolute gradient element.
        grad: f64,
    },
    /// A singular matrix where an inverse is needed.
    #[error("The {0} is singular; the model may not be identified.")]
    Singular(String),
}
