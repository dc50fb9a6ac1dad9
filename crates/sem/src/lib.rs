//! Structural equation models with lavaan's syntax, defaults and numbers.
//!
//! ```
//! use sem::{Data, FitOptions, Sem};
//! let csv = "x1,x2,x3\n1,2,2\n2,2,3\n3,4,3\n4,3,5\n5,6,4\n2,1,2\n";
//! let frame = sem::DataFrame::from_csv_str(csv, "demo.csv").unwrap();
//! let fit = Sem::new("f =~ x1 + x2 + x3").unwrap().fit(&Data::Frame(&frame), &FitOptions::default()).unwrap();
//! assert_eq!(fit.npar, 6);
//! ```
//!
//! The pipeline mirrors lavaan's, one crate per step, each step timed:
//! syntax ([`sem_syntax`]) → parameter table ([`sem_partable`]) → sample statistics
//! ([`sem_data`]) → model matrices ([`sem_model`]) → start values and ML estimation
//! ([`sem_estimate`]) → standard errors, test, baseline, fit measures and standardised solution
//! ([`sem_fit`]). [`Sem::fit`] runs it and returns a [`Fit`] whose parameter rows and fit
//! measures carry lavaan's names, so that results can be compared column for column with
//! `parameterEstimates(fit, standardized = TRUE)` and `fitMeasures(fit)`.
#![deny(missing_docs)]

pub use sem_data::{CovInput, DataError, DataFrame, GroupStats, MissingStats, SampleStats};
pub use sem_linalg::Mat;
pub use sem_ordinal::wls::Parameterization;
pub use sem_partable::{GroupEqual, Op, ParTable, PartableError};
pub use sem_syntax::{ModelSyntax, ParseError};

pub mod compare;
pub mod fiml;
mod fiml_corrected;
mod fiml_robust;
mod modindices;
mod ordinal;
pub mod quality;
pub mod robust;
pub use modindices::{candidates, ModIndex};

pub use sem_estimate::Warm;
use sem_estimate::{EstimateOptions, GroupData, LinearConstraint, Problem};
use sem_fit::{FitInput, Moments};
use std::time::Instant;

/// Everything that can go wrong, with a located, plain-language message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SemError {
    /// Malformed model syntax.
    #[error(transparent)]
    Syntax(#[from] ParseError),
    /// A model that cannot be turned into a parameter table.
    #[error(transparent)]
    Model(#[from] PartableError),
    /// A data problem.
    #[error(transparent)]
    Data(#[from] DataError),
    /// More free parameters than sample moments.
    #[error("The model is not identified: it has {npar} free parameters but the data provide only {ndat} sample moments (df = {df}). Fix more parameters or simplify the model.")]
    NotIdentified {
        /// Free parameters.
        npar: usize,
        /// Sample moments.
        ndat: usize,
        /// Degrees of freedom.
        df: i64,
    },
    /// Estimation failed.
    #[error(transparent)]
    Estimate(#[from] sem_estimate::EstimateError),
    /// Inference failed (singular information).
    #[error(transparent)]
    Inference(#[from] sem_fit::FitError),
    /// Models that cannot be compared.
    #[error(transparent)]
    Compare(#[from] compare::CompareError),
    /// An option combination the engine does not support yet.
    #[error("{0}")]
    Unsupported(String),
    /// The optimiser did not converge.
    #[error("The model did not converge after {iterations} iterations (largest gradient element {grad:.2e}); results would not be trustworthy. Try other start values (`start(...)`), fewer parameters, or check the data.")]
    NotConverged {
        /// Iterations.
        iterations: usize,
        /// Largest gradient element.
        grad: f64,
    },
}

/// Input data.
#[derive(Debug, Clone, Copy)]
pub enum Data<'a> {
    /// Raw data.
    Frame(&'a DataFrame),
    /// A covariance matrix with its number of observations.
    Cov {
        /// The matrix (and optional means).
        input: &'a CovInput,
        /// Number of observations.
        nobs: usize,
    },
}

/// Options of a fit; the defaults are lavaan's `sem()`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FitOptions {
    /// Identify latent variables by unit variances.
    pub std_lv: bool,
    /// Add a mean structure.
    pub meanstructure: bool,
    /// Treat exogenous covariates as random (lavaan's `fixed.x = FALSE`).
    pub random_x: bool,
    /// Grouping column for a multiple-group analysis.
    pub group: Option<String>,
    /// Parameter types held equal across groups.
    pub group_equal: Vec<GroupEqual>,
    /// Rows released from `group_equal`.
    pub group_partial: Vec<String>,
    /// Iteration limit of the optimiser (`None`: 500).
    pub max_iter: Option<usize>,
    /// Compute modification indices ([`Fit::modindices`]).
    pub modindices: bool,
    /// Estimator: ML, or ML with robust SEs and the Yuan-Bentler scaled test; WLSMV, WLS or
    /// ULSMV for ordered indicators.
    pub estimator: Estimator,
    /// Observed variables to treat as ordered (ordinal); with any, the default estimator is WLSMV.
    pub ordered: Vec<String>,
    /// Scaling of the latent responses of ordered variables (delta by default).
    pub parameterization: Parameterization,
    /// Missing data: listwise deletion, or full-information ML (lavaan's `missing = "ml"`).
    pub missing: Missing,
}

/// Treatment of missing values (lavaan's `missing` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// Drop every row with a missing model variable (lavaan's default).
    #[default]
    Listwise,
    /// Full-information ML over the missing-data patterns (`missing = "ml"`, alias `fiml`); rows
    /// whose model variables are all missing are dropped.
    Ml,
}

/// The estimator (lavaan's `estimator` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Estimator {
    /// Maximum likelihood with expected-information SEs.
    #[default]
    Ml,
    /// Maximum likelihood with Huber-White SEs and the Yuan-Bentler (Mplus) scaled test.
    Mlr,
    /// Diagonally weighted least squares on thresholds and polychoric correlations, robust SEs,
    /// mean-and-variance adjusted test (lavaan's default for ordered data).
    Wlsmv,
    /// Weighted least squares with the full inverse of Gamma.
    Wls,
    /// Unweighted least squares, robust SEs, mean-and-variance adjusted test.
    Ulsmv,
}

/// One row of the results: lavaan's `parameterEstimates(fit, standardized = TRUE)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRow {
    /// Left-hand side.
    pub lhs: String,
    /// Operator spelling.
    pub op: String,
    /// Right-hand side.
    pub rhs: String,
    /// User label.
    pub label: String,
    /// 1-based group.
    pub group: usize,
    /// Whether the row is a free parameter.
    pub free: bool,
    /// Whether the row is a fixed exogenous-covariate moment.
    pub exo: bool,
    /// Estimate.
    pub est: f64,
    /// Standard error (0 for fixed rows, as lavaan prints).
    pub se: f64,
    /// z statistic (NaN for fixed rows).
    pub z: f64,
    /// Two-sided p-value.
    pub pvalue: f64,
    /// Lower 95% bound.
    pub ci_lower: f64,
    /// Upper 95% bound.
    pub ci_upper: f64,
    /// Standardised on latent variances.
    pub std_lv: f64,
    /// Standardised on latent and observed variances.
    pub std_all: f64,
    /// Like `std_all` without standardising exogenous covariates.
    pub std_nox: f64,
}

/// Wall-clock time of each pipeline step, in milliseconds.
pub type Timing = Vec<(&'static str, f64)>;

/// A fitted model.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Whether the optimiser converged.
    pub converged: bool,
    /// Optimiser iterations.
    pub iterations: usize,
    /// Observations per group after listwise deletion.
    pub nobs: Vec<usize>,
    /// Group labels.
    pub group_labels: Vec<String>,
    /// Rows in the data before listwise deletion.
    pub norig: usize,
    /// Rows dropped by listwise deletion.
    pub dropped: usize,
    /// Free parameters minus equality constraints.
    pub npar: usize,
    /// Parameter rows.
    pub parameters: Vec<ParamRow>,
    /// Fit measures with lavaan's names, in lavaan's order.
    pub fit_measures: Vec<(String, f64)>,
    /// Residual correlations $\operatorname{cor}(S) - \operatorname{cor}(\hat\Sigma)$ per group.
    pub residual_cor: Vec<Mat>,
    /// Observed variable names (matrix order).
    pub ov_names: Vec<String>,
    /// Implied covariance matrices.
    pub implied_cov: Vec<Mat>,
    /// Warnings (Heywood cases, ignored duplicates, ...).
    pub warnings: Vec<String>,
    /// Per-step timing.
    pub timing: Timing,
    /// The parameter table (after estimation).
    pub partable: ParTable,
    /// Estimator name.
    pub estimator: &'static str,
    /// Whether the model has a mean structure.
    pub meanstructure: bool,
    /// Sample covariance matrices (N divisor) per group, in `ov_names` order.
    pub sample_cov: Vec<Mat>,
    /// Model-implied covariance matrices of the latent variables per group (`lavInspect(fit, "cov.lv")`).
    pub cov_lv: Vec<Mat>,
    /// Modification indices, largest first (empty unless [`FitOptions::modindices`]).
    pub modindices: Vec<ModIndex>,
    /// How missing values were treated.
    pub missing: Missing,
}

impl Fit {
    /// A fit measure by lavaan name.
    pub fn measure(&self, name: &str) -> Option<f64> {
        self.fit_measures.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }
}

/// A parsed model, ready to be fitted to data.
#[derive(Debug, Clone)]
pub struct Sem {
    syntax: ModelSyntax,
    parse_ms: f64,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

impl Sem {
    /// Parse lavaan model syntax.
    pub fn new(src: &str) -> Result<Sem, SemError> {
        let t = Instant::now();
        let syntax = sem_syntax::parse(src)?;
        Ok(Sem { syntax, parse_ms: ms(t) })
    }

    /// The parsed syntax.
    pub fn syntax(&self) -> &ModelSyntax {
        &self.syntax
    }

    /// Observed variables the model needs from the data, in lavaan's order.
    pub fn observed_variables(&self) -> Vec<String> {
        sem_partable::Vnames::from_syntax(&self.syntax).ov
    }

    /// The parameter table and model of this syntax for sample statistics with `ngroups` groups,
    /// ready for many quick refits ([`Prepared::refit`]) without parsing or building again.
    pub fn prepare(&self, ngroups: usize, opts: &FitOptions) -> Result<Prepared, SemError> {
        let pt_opts = sem_partable::PartableOptions {
            std_lv: opts.std_lv,
            // Full-information ML always has a mean structure, as in [`Sem::fit`].
            meanstructure: opts.meanstructure || opts.missing == Missing::Ml,
            fixed_x: !opts.random_x,
            orthogonal: false,
            ngroups,
            group_equal: opts.group_equal.clone(),
            group_partial: opts.group_partial.clone(),
        };
        let pt = ParTable::build(&self.syntax, &pt_opts)?;
        let model = sem_model::Model::new(&pt);
        let constraints = LinearConstraint::from_partable(&pt);
        let ndat = pt.ndat_per_group() * pt.ngroups;
        let npar = pt.nfree - sem_estimate::equality_rank(&constraints, pt.nfree);
        if npar > ndat {
            return Err(SemError::NotIdentified { npar, ndat, df: ndat as i64 - npar as i64 });
        }
        // When no fixed row takes its value from the data (exogenous moments) or from the start
        // rules, the fixed values are the same for every refit.
        let fixed_values = pt
            .rows
            .iter()
            .all(|r| r.free > 0 || (!r.exo && r.ustart.is_some()))
            .then(|| pt.rows.iter().map(|r| if r.free > 0 { 0.0 } else { r.ustart.unwrap_or(0.0) }).collect());
        Ok(Prepared { pt, model, constraints, npar, ndat, max_iter: opts.max_iter.unwrap_or(500), fixed_values })
    }

    /// Fit the model by maximum likelihood.
    pub fn fit(&self, data: &Data, opts: &FitOptions) -> Result<Fit, SemError> {
        if ordinal::wanted(opts) {
            if opts.missing == Missing::Ml {
                return Err(SemError::Unsupported(
                    "Full-information ML (`missing = \"ml\"`) is not available with ordered indicators; use listwise deletion.".into(),
                ));
            }
            return ordinal::fit(self, data, opts);
        }
        let mut timing: Timing = vec![("parse", self.parse_ms)];
        let t = Instant::now();
        let vars = self.observed_variables();
        let fiml = opts.missing == Missing::Ml;
        let mstats = match data {
            Data::Frame(f) if fiml => Some(MissingStats::from_frame(f, &vars, opts.group.as_deref())?),
            Data::Cov { .. } if fiml => {
                return Err(SemError::Unsupported(
                    "Full-information ML (`missing = \"ml\"`) needs raw data (--data); a covariance matrix has no missing-data patterns.".into(),
                ))
            }
            _ => None,
        };
        let stats = match (data, &mstats) {
            (_, Some(ms)) => SampleStats {
                names: ms.names.clone(),
                groups: ms.group_stats(),
                norig: ms.norig,
                dropped: ms.all_missing + ms.no_group,
            },
            (Data::Frame(f), None) => SampleStats::from_frame(f, &vars, opts.group.as_deref())?,
            (Data::Cov { input, nobs }, None) => SampleStats::from_cov(input, &vars, *nobs)?,
        };
        timing.push(("sample statistics", ms(t)));
        let t = Instant::now();
        let pt_opts = sem_partable::PartableOptions {
            std_lv: opts.std_lv,
            meanstructure: opts.meanstructure || fiml,
            fixed_x: !opts.random_x,
            orthogonal: false,
            ngroups: stats.groups.len(),
            group_equal: opts.group_equal.clone(),
            group_partial: opts.group_partial.clone(),
        };
        let pt = ParTable::build(&self.syntax, &pt_opts)?;
        if let Data::Cov { input, .. } = data {
            if pt.meanstructure && input.means.is_none() {
                return Err(SemError::Data(DataError::CovFile {
                    source_name: input.source_name.clone(),
                    line: 1,
                    msg: "the model has a mean structure, so the covariance input needs means (add a line of means or use --means)".into(),
                }));
            }
        }
        let model = sem_model::Model::new(&pt);
        let constraints = LinearConstraint::from_partable(&pt);
        timing.push(("parameter table", ms(t)));
        if fiml && pt.rows.iter().any(|r| r.exo) {
            return Err(SemError::Unsupported(
                "Full-information ML with fixed exogenous covariates (fixed.x) is not supported yet; treat them as random (lavaan's fixed.x = FALSE) or use listwise deletion.".into(),
            ));
        }
        if fiml && constraints.iter().any(|c| c.op != Op::Equal) {
            return Err(SemError::Unsupported(
                "Full-information ML with inequality constraints is not supported yet.".into(),
            ));
        }

        let ndat = pt.ndat_per_group() * pt.ngroups;
        let n_eq_upper = constraints.iter().filter(|c| c.op == Op::Equal).count();
        if pt.nfree > ndat + n_eq_upper {
            let npar = pt.nfree - n_eq_upper.min(pt.nfree);
            return Err(SemError::NotIdentified { npar, ndat, df: ndat as i64 - npar as i64 });
        }

        let t = Instant::now();
        let gdata: Vec<GroupData> =
            stats.groups.iter().map(|g| GroupData { cov: &g.cov, mean: &g.mean, nobs: g.nobs }).collect();
        let (start, values0) = sem_estimate::start_values(&pt, &gdata);
        timing.push(("start values", ms(t)));
        let t = Instant::now();
        let problem = Problem::new(&model, &values0, gdata.clone());
        let est_opts = EstimateOptions { max_iter: opts.max_iter.unwrap_or(500), ..Default::default() };
        let fproblem = mstats
            .as_ref()
            .map(|ms| sem_estimate::fiml::FimlProblem::new(&model, &values0, ms.groups.iter().collect()));
        let est = match &fproblem {
            Some(fp) => sem_estimate::fiml::estimate_fiml(fp, &start, &constraints, &est_opts)?,
            None => sem_estimate::estimate(&problem, &start, &constraints, &est_opts)?,
        };
        timing.push(("estimation", ms(t)));
        // inequalities do not count for df and npar
        let npar = pt.nfree - sem_estimate::equality_rank(&constraints, pt.nfree);
        if npar > ndat {
            return Err(SemError::NotIdentified { npar, ndat, df: ndat as i64 - npar as i64 });
        }
        if !est.converged {
            return Err(SemError::NotConverged { iterations: est.iterations, grad: est.grad_max });
        }

        let t = Instant::now();
        let ntotal = stats.ntotal() as f64;
        let info = problem.information(&est.states);
        let describe = |j: usize| -> String {
            pt.rows
                .iter()
                .find(|r| r.free == j + 1)
                .map(|r| format!("`{} {} {}`", r.lhs, r.op.as_str(), r.rhs))
                .unwrap_or_else(|| format!("#{}", j + 1))
        };
        let mut robust = None;
        // the saturated model's information at the EM moments, for MLR and the corrected robust indices
        let saturated: Vec<fiml_corrected::Saturated> = match &mstats {
            Some(ms) => ms
                .groups
                .iter()
                .map(|g| fiml_corrected::Saturated::new(g, opts.estimator == Estimator::Mlr))
                .collect::<Option<_>>()
                .ok_or_else(|| {
                    sem_fit::FitError::SingularInformation("the saturated model's observed information".into())
                })?,
            None => Vec::new(),
        };
        if fiml {
            timing.push(("saturated information", ms(t)));
        }
        let t = Instant::now();
        let vcov = if let Some(fp) = &fproblem {
            let mut states = est.states.clone();
            let hess = fp
                .observed_information(&est.x, &mut states)
                .ok_or_else(|| sem_fit::FitError::SingularInformation("the observed information".into()))?;
            let vcov = sem_fit::vcov_from_information(&hess, est.k.as_ref(), ntotal, &describe)?;
            if opts.estimator == Estimator::Mlr {
                let r = fiml_robust::robust_fiml(fp, &est.x, est.k.as_ref(), &hess, &saturated, &mut states)
                    .ok_or_else(|| sem_fit::FitError::SingularInformation("the observed information".into()))?;
                let v = r.vcov.clone();
                robust = Some(r);
                v
            } else {
                vcov
            }
        } else if opts.estimator == Estimator::Mlr {
            let data: Vec<&Mat> = stats.groups.iter().filter_map(|g| g.data.as_ref()).collect();
            if data.len() != stats.groups.len() {
                return Err(SemError::Unsupported(
                    "MLR needs raw data (--data); a covariance matrix has no casewise scores.".into(),
                ));
            }
            let x_idx: Vec<usize> = if pt.rows.iter().any(|r| r.exo) {
                pt.vnames.ov_x.iter().filter_map(|v| pt.vnames.ov.iter().position(|o| o == v)).collect()
            } else {
                Vec::new()
            };
            let mut states = est.states.clone();
            let r = robust::robust(&problem, &est.x, est.k.as_ref(), &data, pt.meanstructure, &x_idx, &mut states)
                .ok_or_else(|| sem_fit::FitError::SingularInformation("the observed information".into()))?;
            let v = r.vcov.clone();
            robust = Some(r);
            v
        } else {
            sem_fit::vcov_from_information(&info, est.k.as_ref(), ntotal, &describe)?
        };
        timing.push(("standard errors", ms(t)));

        let t = Instant::now();
        let moments: Vec<Moments> =
            stats.groups.iter().map(|g| Moments { cov: &g.cov, mean: &g.mean, nobs: g.nobs }).collect();
        let finp = FitInput {
            pt: &pt,
            model: &model,
            states: &est.states,
            moments: &moments,
            fmin: est.fmin,
            fx_group: &est.fx_group,
            npar,
        };
        let test = sem_fit::model_test(&finp);
        let mut fit_measures = sem_fit::fit_measures(&finp, &test);
        if let (Some(fp), Some(ms)) = (&fproblem, &mstats) {
            let logl: f64 = fp.logl(&est.states).iter().sum();
            let h1: f64 = ms.groups.iter().map(|g| g.h1_logl).sum();
            let base: f64 = ms.groups.iter().map(fiml::baseline_logl).sum();
            let p = pt.vnames.ov.len();
            let m = fiml::FimlMeasures {
                logl,
                h1,
                baseline: base,
                npar: npar as f64,
                gfi: fiml::gfi(&ms.groups.iter().collect::<Vec<_>>(), &est.states),
                nel: (pt.ngroups * (p + p * (p + 1) / 2)) as f64,
            };
            fiml::patch_measures(&mut fit_measures, &m);
        }
        if let Some(r) = &robust {
            let extra = robust::scaled_measures(&fit_measures, r, pt.ngroups as f64);
            fit_measures.extend(extra);
        }
        let mut late_warnings = Vec::new();
        if let Some(fp) = &fproblem {
            // lavaan's robust CFI/TLI/RMSEA under missing data: the FIML-corrected versions
            // (`lav_fit_fiml_corrected`), reported with and without MLR.
            fit_measures.retain(|(k, _)| !k.ends_with(".robust"));
            let get = |k: &str| fit_measures.iter().find(|(n, _)| n == k).map(|(_, v)| *v).unwrap_or(f64::NAN);
            let (df, dfb, n) = (get("df"), get("baseline.df"), get("ntotal"));
            if let Some(c) = fiml_corrected::corrected(fp, &est.states, est.k.as_ref(), &saturated, df, dfb) {
                let extra =
                    robust::robust_measures((c.xx3, c.c), (c.xx3_null, c.c_null), (df, dfb), n, pt.ngroups as f64);
                fit_measures.extend(extra);
            } else {
                late_warnings.push("The robust (FIML-corrected) CFI, TLI and RMSEA could not be computed: an information matrix is singular.".to_string());
            }
        }
        timing.push(("fit measures", ms(t)));

        let t = Instant::now();
        let row_est = row_estimates(&pt, &est.x, &values0);
        let stdz = sem_fit::standardize(&pt, &model, &est.states, &row_est);
        let defs = sem_fit::defined_params(&pt, &est.x, Some(&vcov));
        let std_lv_rows: Vec<f64> = stdz.iter().map(|s| s.0).collect();
        let std_all_rows: Vec<f64> = stdz.iter().map(|s| s.1).collect();
        let std_nox_rows: Vec<f64> = stdz.iter().map(|s| s.2).collect();
        let def_lv = sem_fit::standardize_defined(&pt, &std_lv_rows);
        let def_all = sem_fit::standardize_defined(&pt, &std_all_rows);
        let def_nox = sem_fit::standardize_defined(&pt, &std_nox_rows);
        let zq = sem_fit::dist::qnorm(0.975);
        let mut parameters = Vec::with_capacity(pt.rows.len() + pt.defined.len());
        let mut warnings = pt.warnings.clone();
        warnings.extend(late_warnings);
        for (i, r) in pt.rows.iter().enumerate() {
            let e = row_est[i];
            let se = if r.free > 0 { vcov[(r.free - 1, r.free - 1)].max(0.0).sqrt() } else { 0.0 };
            parameters.push(make_row(
                &r.lhs,
                r.op.as_str(),
                &r.rhs,
                &r.label,
                r.group,
                r.free > 0,
                r.exo,
                e,
                se,
                zq,
                stdz[i],
            ));
            if r.is_variance() && e < 0.0 && r.free > 0 {
                warnings.push(format!(
                    "The estimated variance of `{}`{} is negative ({e:.4}): a Heywood case; the solution is not admissible.",
                    r.lhs,
                    if pt.ngroups > 1 { format!(" in group {}", r.group) } else { String::new() }
                ));
            }
        }
        parameters.extend(defined_rows(&pt, &defs, (&def_lv, &def_all, &def_nox), zq));
        for c in &pt.constraints {
            let v = c.expr.eval(&est.x, &[]);
            parameters.push(ParamRow {
                lhs: c.lhs_text.clone(),
                op: c.op.as_str().into(),
                rhs: c.rhs_text.clone(),
                label: String::new(),
                group: 0,
                free: false,
                exo: false,
                est: v,
                se: f64::NAN,
                z: f64::NAN,
                pvalue: f64::NAN,
                ci_lower: f64::NAN,
                ci_upper: f64::NAN,
                std_lv: f64::NAN,
                std_all: f64::NAN,
                std_nox: f64::NAN,
            });
        }
        // Non-positive-definite latent covariance matrix.
        for (gi, st) in est.states.iter().enumerate() {
            let nl = pt.vnames.lv.len();
            if nl > 0 {
                let mut v = Mat::zeros(nl, nl);
                for a in 0..nl {
                    for b in 0..nl {
                        v[(a, b)] = st.veta[(a, b)];
                    }
                }
                if sem_linalg::cholesky(&v).is_err() {
                    warnings.push(format!(
                        "The covariance matrix of the latent variables{} is not positive definite; inspect the latent variances and correlations.",
                        if pt.ngroups > 1 { format!(" in group {}", gi + 1) } else { String::new() }
                    ));
                }
            }
        }
        let residual_cor =
            stats.groups.iter().zip(&est.states).map(|(g, st)| cor_residual(&g.cov, &st.sigma)).collect();
        timing.push(("standardised solution", ms(t)));
        let modindices = if opts.modindices {
            let t = Instant::now();
            let mi = modindices::modindices(&modindices::MiInput {
                pt: &pt,
                x: &est.x,
                values: &values0,
                row_est: &row_est,
                groups: gdata.clone(),
                vcov: &vcov,
                missing: mstats.as_ref().map(|ms| ms.groups.iter().collect()),
                k: est.k.as_ref(),
            });
            timing.push(("modification indices", ms(t)));
            mi
        } else {
            Vec::new()
        };
        let implied_cov = est.states.iter().map(|s| s.sigma.clone()).collect();
        let nlv = pt.vnames.lv.len();
        let cov_lv = est
            .states
            .iter()
            .map(|st| {
                let mut v = Mat::zeros(nlv, nlv);
                for a in 0..nlv {
                    for b in 0..nlv {
                        v[(a, b)] = st.veta[(a, b)];
                    }
                }
                v
            })
            .collect();
        Ok(Fit {
            converged: est.converged,
            iterations: est.iterations,
            nobs: stats.groups.iter().map(|g| g.nobs).collect(),
            group_labels: stats.groups.iter().map(|g| g.label.clone()).collect(),
            norig: stats.norig,
            dropped: stats.dropped,
            npar,
            parameters,
            fit_measures,
            residual_cor,
            ov_names: pt.vnames.ov.clone(),
            implied_cov,
            warnings,
            timing,
            meanstructure: pt.meanstructure,
            partable: pt,
            estimator: if opts.estimator == Estimator::Mlr { "MLR" } else { "ML" },
            modindices,
            missing: opts.missing,
            sample_cov: stats.groups.iter().map(|g| g.cov.clone()).collect(),
            cov_lv,
        })
    }
}

/// A parameter table and model built once, refitted to many sets of sample statistics (bootstrap
/// draws, Monte Carlo replications) by [`Prepared::refit`].
#[derive(Debug, Clone)]
pub struct Prepared {
    pt: ParTable,
    model: sem_model::Model,
    constraints: Vec<LinearConstraint>,
    npar: usize,
    ndat: usize,
    max_iter: usize,
    /// Values of the fixed rows when they do not depend on the data (free rows hold 0).
    fixed_values: Option<Vec<f64>>,
}

/// The result of a quick refit: estimates of every row, the test statistic, optional SEs.
#[derive(Debug, Clone, PartialEq)]
pub struct Refit {
    /// Free parameters.
    pub x: Vec<f64>,
    /// Estimates in the order of [`Fit::parameters`]: parameter-table rows, then `:=` rows.
    pub est: Vec<f64>,
    /// Standard errors in the same order (0 for fixed rows, delta method for `:=`), when asked.
    pub se: Option<Vec<f64>>,
    /// $\chi^2 = 2 N f_{min}$.
    pub chisq: f64,
    /// Optimiser iterations.
    pub iterations: usize,
}

impl Prepared {
    /// The parameter table.
    pub fn partable(&self) -> &ParTable {
        &self.pt
    }

    /// Free parameters minus independent equality constraints.
    pub fn npar(&self) -> usize {
        self.npar
    }

    /// Degrees of freedom of the model test.
    pub fn df(&self) -> f64 {
        self.ndat as f64 - self.npar as f64
    }

    /// Number of rows of [`Refit::est`]: parameter-table rows and `:=` rows.
    pub fn nrows(&self) -> usize {
        self.pt.rows.len() + self.pt.defined.len()
    }

    /// `(lhs, op, rhs, label, group, free)` of each row of [`Refit::est`].
    pub fn row_keys(&self) -> Vec<(String, String, String, String, usize, bool)> {
        let mut out: Vec<_> = self
            .pt
            .rows
            .iter()
            .map(|r| (r.lhs.clone(), r.op.as_str().to_string(), r.rhs.clone(), r.label.clone(), r.group, r.free > 0))
            .collect();
        out.extend(
            self.pt.defined.iter().map(|d| (d.name.clone(), ":=".into(), d.text.clone(), d.name.clone(), 0, false)),
        );
        out
    }

    /// Refit to the sample statistics `groups` (one per group, in the order of the original
    /// data), starting from `start` (e.g. the original estimates) or from the default start values.
    /// Non-convergence is an error, as for [`Sem::fit`].
    pub fn refit(&self, groups: &[GroupStats], start: Option<&[f64]>, with_se: bool) -> Result<Refit, SemError> {
        self.refit_from(groups, start.map(Start::Point), with_se)
    }

    /// A warm start for many refits near the estimate `x` of the sample statistics `groups`
    /// (e.g. the original data of a bootstrap, or the population moments of a power study):
    /// the point and the observed Hessian there, reused as the quasi-Newton base of every
    /// [`Prepared::refit_warm`]. `None` when the Hessian cannot be computed at `x`.
    pub fn warm_start(&self, groups: &[GroupStats], x: &[f64]) -> Option<Warm> {
        let gdata: Vec<GroupData> =
            groups.iter().map(|g| GroupData { cov: &g.cov, mean: &g.mean, nobs: g.nobs }).collect();
        // The fixed values every warm refit uses when they do not depend on the data (then the
        // warm start's evaluated model is the first iterate of every refit).
        let values0 = match &self.fixed_values {
            Some(v) => v.clone(),
            None => sem_estimate::start_values(&self.pt, &gdata).1,
        };
        let problem = Problem::new(&self.model, &values0, gdata);
        Warm::new(&problem, x, &self.constraints)
    }

    /// [`Prepared::refit`] from a warm start: quasi-Newton steps with the warm start's Hessian
    /// from the first iteration. Converges to the same optimum (same convergence criterion) in
    /// fewer and cheaper iterations when the data are close to those of the warm start.
    pub fn refit_warm(&self, groups: &[GroupStats], warm: &Warm, with_se: bool) -> Result<Refit, SemError> {
        self.refit_from(groups, Some(Start::Warm(warm)), with_se)
    }

    /// [`Prepared::refit`] by full-information ML (`missing = "ml"`) on the missing-data patterns
    /// `ms` (e.g. of a bootstrap sample of incomplete rows), from `start` (e.g. the original
    /// estimates), without SEs. The model must have been prepared with `missing = ml` (which
    /// adds the mean structure); fixed exogenous covariates and inequality constraints are refused
    /// as in [`Sem::fit`].
    pub fn refit_fiml(&self, ms: &MissingStats, start: &[f64]) -> Result<Refit, SemError> {
        if !self.pt.meanstructure {
            return Err(SemError::Unsupported(
                "A full-information ML refit needs a model prepared with `missing = \"ml\"` (mean structure).".into(),
            ));
        }
        if self.pt.rows.iter().any(|r| r.exo) {
            return Err(SemError::Unsupported(
                "Full-information ML with fixed exogenous covariates (fixed.x) is not supported yet; treat them as random (lavaan's fixed.x = FALSE) or use listwise deletion.".into(),
            ));
        }
        if self.constraints.iter().any(|c| c.op != Op::Equal) {
            return Err(SemError::Unsupported(
                "Full-information ML with inequality constraints is not supported yet.".into(),
            ));
        }
        let nfree = self.pt.nfree;
        if start.len() != nfree {
            return Err(SemError::Unsupported(format!(
                "A full-information ML refit needs {nfree} start values, not {}.",
                start.len()
            )));
        }
        let gstats = ms.group_stats();
        let values0 = match &self.fixed_values {
            Some(v) => v.clone(),
            None => {
                let gdata: Vec<GroupData> =
                    gstats.iter().map(|g| GroupData { cov: &g.cov, mean: &g.mean, nobs: g.nobs }).collect();
                sem_estimate::start_values(&self.pt, &gdata).1
            }
        };
        let fp = sem_estimate::fiml::FimlProblem::new(&self.model, &values0, ms.groups.iter().collect());
        let est_opts = EstimateOptions { max_iter: self.max_iter, ..Default::default() };
        let est = sem_estimate::fiml::estimate_fiml(&fp, start, &self.constraints, &est_opts)?;
        if !est.converged {
            return Err(SemError::NotConverged { iterations: est.iterations, grad: est.grad_max });
        }
        let chisq: f64 = ms.groups.iter().zip(&est.fx_group).map(|(g, fx)| (2.0 * g.nobs as f64 * fx).max(0.0)).sum();
        let defs = sem_fit::defined_params(&self.pt, &est.x, None);
        let mut vals = row_estimates(&self.pt, &est.x, &values0);
        vals.extend(defs.iter().map(|d| d.0));
        Ok(Refit { x: est.x, est: vals, se: None, chisq, iterations: est.iterations })
    }

    fn refit_from(&self, groups: &[GroupStats], start: Option<Start>, with_se: bool) -> Result<Refit, SemError> {
        let gdata: Vec<GroupData> =
            groups.iter().map(|g| GroupData { cov: &g.cov, mean: &g.mean, nobs: g.nobs }).collect();
        let nfree = self.pt.nfree;
        // A warm refit needs only the fixed values, not the start values.
        let (start0, values0) = match (&start, &self.fixed_values) {
            (Some(Start::Warm(w)), Some(v)) if w.x.len() == nfree => (Vec::new(), v.clone()),
            _ => sem_estimate::start_values(&self.pt, &gdata),
        };
        let problem = Problem::new(&self.model, &values0, gdata);
        let est_opts = EstimateOptions { max_iter: self.max_iter, ..Default::default() };
        let est = match start {
            Some(Start::Warm(w)) if w.x.len() == nfree && !with_se => {
                sem_estimate::estimate_warm_lean(&problem, w, &self.constraints, &est_opts)?
            }
            Some(Start::Warm(w)) if w.x.len() == nfree => {
                sem_estimate::estimate_warm(&problem, w, &self.constraints, &est_opts)?
            }
            Some(Start::Point(s)) if s.len() == nfree => {
                sem_estimate::estimate(&problem, s, &self.constraints, &est_opts)?
            }
            _ => sem_estimate::estimate(&problem, &start0, &self.constraints, &est_opts)?,
        };
        if !est.converged {
            return Err(SemError::NotConverged { iterations: est.iterations, grad: est.grad_max });
        }
        let chisq: f64 = groups.iter().zip(&est.fx_group).map(|(g, fx)| (2.0 * g.nobs as f64 * fx).max(0.0)).sum();
        let vcov = if with_se {
            let ntotal: f64 = groups.iter().map(|g| g.nobs as f64).sum();
            let info = problem.information(&est.states);
            Some(sem_fit::vcov_from_information(&info, est.k.as_ref(), ntotal, &|j| format!("#{}", j + 1))?)
        } else {
            None
        };
        let defs = sem_fit::defined_params(&self.pt, &est.x, vcov.as_ref());
        let mut vals = row_estimates(&self.pt, &est.x, &values0);
        vals.extend(defs.iter().map(|d| d.0));
        let se = vcov.as_ref().map(|vc| {
            let mut se: Vec<f64> = self
                .pt
                .rows
                .iter()
                .map(|r| if r.free > 0 { vc[(r.free - 1, r.free - 1)].max(0.0).sqrt() } else { 0.0 })
                .collect();
            se.extend(defs.iter().map(|d| d.1.unwrap_or(f64::NAN)));
            se
        });
        Ok(Refit { x: est.x, est: vals, se, chisq, iterations: est.iterations })
    }
}

/// Where a refit starts.
enum Start<'a> {
    Point(&'a [f64]),
    Warm(&'a Warm),
}

/// The implied covariance matrix and means of group 1 of `pt` when every row takes `values`
/// (one value per parameter-table row). Fails when $\Sigma$ is not positive definite.
pub fn implied_moments(pt: &ParTable, values: &[f64]) -> Result<(Mat, Vec<f64>), sem_model::ModelError> {
    let model = sem_model::Model::new(pt);
    let x: Vec<f64> =
        (0..pt.nfree).map(|j| pt.rows.iter().position(|r| r.free == j + 1).map(|i| values[i]).unwrap_or(0.0)).collect();
    let mut st = sem_model::GroupState::default();
    model.evaluate(0, &x, values, &mut st)?;
    let p = st.sigma.rows();
    let mu = if st.mu.len() == p { st.mu.clone() } else { vec![0.0; p] };
    Ok((st.sigma, mu))
}

/// Every row's value at the estimates: free rows from `x` (by their free index), fixed rows
/// from `values0`.
pub(crate) fn row_estimates(pt: &ParTable, x: &[f64], values0: &[f64]) -> Vec<f64> {
    pt.rows.iter().enumerate().map(|(i, r)| if r.free > 0 { x[r.free - 1] } else { values0[i] }).collect()
}

/// The rows of the defined parameters (`:=`): value, SE (NaN when there is none) and the three
/// standardised values of each.
pub(crate) fn defined_rows(
    pt: &ParTable,
    defs: &[(f64, Option<f64>)],
    std: (&[f64], &[f64], &[f64]),
    zq: f64,
) -> Vec<ParamRow> {
    pt.defined
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let (v, se) = defs[k];
            make_row(
                &d.name,
                ":=",
                &d.text,
                &d.name,
                0,
                false,
                false,
                v,
                se.unwrap_or(f64::NAN),
                zq,
                (std.0[k], std.1[k], std.2[k]),
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn make_row(
    lhs: &str,
    op: &str,
    rhs: &str,
    label: &str,
    group: usize,
    free: bool,
    exo: bool,
    est: f64,
    se: f64,
    zq: f64,
    std: (f64, f64, f64),
) -> ParamRow {
    let has_se = se > 0.0 && se.is_finite();
    let z = if has_se { est / se } else { f64::NAN };
    let pvalue = if has_se { 2.0 * (1.0 - sem_fit::dist::pnorm(z.abs())) } else { f64::NAN };
    let (lo, hi) = if se.is_finite() { (est - zq * se, est + zq * se) } else { (f64::NAN, f64::NAN) };
    ParamRow {
        lhs: lhs.into(),
        op: op.into(),
        rhs: rhs.into(),
        label: label.into(),
        group,
        free,
        exo,
        est,
        se,
        z,
        pvalue,
        ci_lower: lo,
        ci_upper: hi,
        std_lv: std.0,
        std_all: std.1,
        std_nox: std.2,
    }
}

fn cor_residual(s: &Mat, sigma: &Mat) -> Mat {
    let p = s.rows();
    let mut r = Mat::zeros(p, p);
    for i in 0..p {
        for j in 0..p {
            r[(i, j)] =
                s[(i, j)] / (s[(i, i)] * s[(j, j)]).sqrt() - sigma[(i, j)] / (sigma[(i, i)] * sigma[(j, j)]).sqrt();
        }
    }
    r
}
