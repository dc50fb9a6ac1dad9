//! `entente study run`: screening, CFA and measurement quality, the full-mediation SEM, the
//! competing models, the P1-P9 verdicts, bootstrapped indirect effects, moderators and the
//! longitudinal invariance of trust. Each step that fails is reported in
//! [`StudyReport::problems`] and the study goes on with what it can.

use crate::config::StudyConfig;
use crate::error::StudyError;
use crate::model::{self, LongStep, Measured};
use crate::responses::Responses;
use crate::screen::{self, Screening};
use alliance_core::constructs::{self, Sign};
use rayon::prelude::*;
use sem::{Data, DataFrame, Estimator, Fit, FitOptions, GroupEqual, Sem};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// Standardised loadings below this are flagged as weak items.
pub const WEAK_LOADING: f64 = 0.5;

/// Options of a run beyond `study.toml`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunOptions {
    /// Bootstrap draws (overrides `analysis.bootstrap_draws`).
    pub draws: Option<u32>,
    /// Skip the moderator analyses.
    pub skip_moderators: bool,
    /// Treat the items as ordered categories: the CFA and the mediation models are fitted by
    /// WLSMV (polychoric correlations, scaled test); the steps that need ML (likelihood-ratio
    /// tests, bootstrap, moderators, invariance) are skipped with a note.
    pub ordinal: bool,
}

/// Fit of one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelFit {
    /// Model name.
    pub name: String,
    /// File name in `models/` (or the report folder for derived models).
    pub file: String,
    /// `ML` or `MLR`.
    pub estimator: String,
    /// Observations used.
    pub nobs: usize,
    /// Free parameters.
    pub npar: usize,
    /// Chi-square (standard).
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// p-value of the standard test.
    pub pvalue: f64,
    /// Scaled chi-square (MLR), else NaN.
    pub chisq_scaled: f64,
    /// Its p-value.
    pub pvalue_scaled: f64,
    /// CFI (robust under MLR).
    pub cfi: f64,
    /// TLI (robust under MLR).
    pub tli: f64,
    /// RMSEA (robust under MLR).
    pub rmsea: f64,
    /// SRMR.
    pub srmr: f64,
    /// AIC.
    pub aic: f64,
    /// BIC.
    pub bic: f64,
}

fn measure(fit: &Fit, names: &[&str]) -> f64 {
    names.iter().find_map(|n| fit.measure(n)).unwrap_or(f64::NAN)
}

impl ModelFit {
    fn from_fit(name: &str, file: &str, fit: &Fit) -> ModelFit {
        ModelFit {
            name: name.into(),
            file: file.into(),
            estimator: fit.estimator.into(),
            nobs: fit.nobs.iter().sum(),
            npar: fit.npar,
            chisq: measure(fit, &["chisq"]),
            df: measure(fit, &["df"]),
            pvalue: measure(fit, &["pvalue"]),
            chisq_scaled: measure(fit, &["chisq.scaled"]),
            pvalue_scaled: measure(fit, &["pvalue.scaled"]),
            cfi: measure(fit, &["cfi.robust", "cfi"]),
            tli: measure(fit, &["tli.robust", "tli"]),
            rmsea: measure(fit, &["rmsea.robust", "rmsea"]),
            srmr: measure(fit, &["srmr"]),
            aic: measure(fit, &["aic"]),
            bic: measure(fit, &["bic"]),
        }
    }
}

/// A loading of the CFA.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loading {
    /// Factor.
    pub factor: String,
    /// Item.
    pub item: String,
    /// Unstandardised estimate.
    pub est: f64,
    /// Standardised (`std.all`).
    pub std: f64,
    /// p-value (NaN for the marker).
    pub pvalue: f64,
    /// Below [`WEAK_LOADING`].
    pub weak: bool,
}

/// Reliability and validity of one factor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorQuality {
    /// Factor.
    pub factor: String,
    /// Cronbach's alpha.
    pub alpha: f64,
    /// Composite reliability (omega).
    pub cr: f64,
    /// Average variance extracted.
    pub ave: f64,
    /// Fornell-Larcker criterion met.
    pub fornell_larcker: bool,
}

/// The CFA step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cfa {
    /// Fit.
    pub fit: ModelFit,
    /// Loadings.
    pub loadings: Vec<Loading>,
    /// Per factor.
    pub quality: Vec<FactorQuality>,
    /// Factor names of the matrices.
    pub factors: Vec<String>,
    /// HTMT ratios.
    pub htmt: Vec<Vec<f64>>,
    /// Factor correlations.
    pub cor_lv: Vec<Vec<f64>>,
    /// Plain-language flags (weak items, low reliability, discriminant validity).
    pub flags: Vec<String>,
}

/// Verdict on a proposition path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Expected sign, significant.
    Supported,
    /// Not significant at alpha.
    NotSignificant,
    /// Significant with the opposite sign.
    OppositeSign,
    /// A construct of the path is missing.
    NotTested,
}

impl Verdict {
    /// Plain words.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Supported => "supported",
            Verdict::NotSignificant => "not significant",
            Verdict::OppositeSign => "opposite sign",
            Verdict::NotTested => "not tested",
        }
    }

    /// The verdict of an estimate with expected sign `sign`, p-value `p` at level `alpha`.
    pub fn of(sign: Sign, est: f64, p: f64, alpha: f64) -> Verdict {
        if !(est.is_finite() && p.is_finite()) {
            Verdict::NotTested
        } else if p >= alpha {
            Verdict::NotSignificant
        } else if est * sign.factor() > 0.0 {
            Verdict::Supported
        } else {
            Verdict::OppositeSign
        }
    }
}

/// One row of the P1-P9 table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropositionRow {
    /// `P1` ... `P9`.
    pub proposition: String,
    /// Statement.
    pub statement: String,
    /// Predictor.
    pub from: String,
    /// Outcome.
    pub to: String,
    /// Expected sign.
    pub expected: String,
    /// Estimate.
    pub est: f64,
    /// Standardised estimate (`std.all`).
    pub std: f64,
    /// Standard error.
    pub se: f64,
    /// 95% CI lower bound.
    pub ci_lower: f64,
    /// 95% CI upper bound.
    pub ci_upper: f64,
    /// p-value.
    pub pvalue: f64,
    /// Verdict.
    pub verdict: Verdict,
}

/// A structural path of the fitted full-mediation model, for the diagram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathEstimate {
    /// Predictor.
    pub from: String,
    /// Outcome.
    pub to: String,
    /// Estimate.
    pub est: f64,
    /// Standardised.
    pub std: f64,
    /// p-value.
    pub pvalue: f64,
}

/// An indirect effect on learning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indirect {
    /// Defined parameter name.
    pub name: String,
    /// Antecedent.
    pub from: String,
    /// Its definition.
    pub expression: String,
    /// Estimate.
    pub est: f64,
    /// Standardised.
    pub std: f64,
    /// Delta-method p-value.
    pub pvalue: f64,
    /// Bootstrap percentile 95% interval.
    pub boot_ci: (f64, f64),
    /// Bias-corrected (`bca.simple`) interval.
    pub bca_ci: (f64, f64),
    /// Whether the percentile interval excludes 0.
    pub significant: bool,
}

/// A multi-group comparison of one moderator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTest {
    /// Which paths are held equal.
    pub paths: String,
    /// Chi-square difference (scaled under MLR).
    pub chisq_diff: f64,
    /// df difference.
    pub df_diff: f64,
    /// p-value.
    pub pvalue: f64,
    /// Plain words.
    pub verdict: String,
}

/// One moderator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moderator {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// How groups were made.
    pub grouping: String,
    /// Estimator of the moderator models (`ML` unless `analysis.robust_moderators`).
    pub estimator: String,
    /// Group sizes (complete cases).
    pub group_sizes: Vec<(String, usize)>,
    /// Equal versus free paths.
    pub tests: Vec<GroupTest>,
    /// Latent interaction `LE ~ T2xM`: estimate, std, p.
    pub interaction: Option<(f64, f64, f64)>,
    /// Notes (too few cases, failures).
    pub notes: Vec<String>,
}

/// One step of the longitudinal invariance of trust.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LongRow {
    /// Step.
    pub step: String,
    /// Fit.
    pub fit: ModelFit,
    /// Chi-square difference, df, p against the step before.
    pub diff: Option<(f64, f64, f64)>,
    /// CFI change.
    pub delta_cfi: Option<f64>,
    /// Plain words.
    pub verdict: String,
}

/// Everything `study run` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyReport {
    /// Study title.
    pub title: String,
    /// Where the data came from.
    pub data_source: String,
    /// Significance level.
    pub alpha: f64,
    /// Screening.
    pub screening: Screening,
    /// Why this estimator.
    pub estimator: String,
    /// CFA.
    pub cfa: Option<Cfa>,
    /// Full-mediation model fit.
    pub full: Option<ModelFit>,
    /// Competing models (full first).
    pub competing: Vec<ModelFit>,
    /// Likelihood-ratio tests between consecutive models (by df): `(model, against, chisq, df, p)`.
    pub lrt: Vec<(String, String, f64, f64, f64)>,
    /// Full versus partial mediation, in words.
    pub mediation_verdict: String,
    /// P1-P9.
    pub propositions: Vec<PropositionRow>,
    /// Every structural path of the full model.
    pub paths: Vec<PathEstimate>,
    /// Indirect effects.
    pub indirect: Vec<Indirect>,
    /// Bootstrap draws asked and used.
    pub bootstrap: (u32, usize),
    /// Moderators.
    pub moderators: Vec<Moderator>,
    /// Longitudinal invariance of trust.
    pub longitudinal: Vec<LongRow>,
    /// Steps that could not be done, in words.
    pub problems: Vec<String>,
    /// Model syntax by file name (written next to the report).
    pub models: BTreeMap<String, String>,
    /// Seconds per step.
    pub timing: Vec<(String, f64)>,
}

fn fit_model(name: &str, src: &str, frame: &DataFrame, opts: &FitOptions) -> Result<Fit, StudyError> {
    let sem = Sem::new(src).map_err(|e| StudyError::sem(name, e))?;
    let opts = ordered_in(&sem, opts);
    sem.fit(&Data::Frame(frame), &opts).map_err(|e| StudyError::sem(name, e))
}

/// `opts` with its ordered variables restricted to the observed variables of `sem`.
fn ordered_in(sem: &Sem, opts: &FitOptions) -> FitOptions {
    let ov = sem.observed_variables();
    FitOptions { ordered: opts.ordered.iter().filter(|v| ov.contains(v)).cloned().collect(), ..opts.clone() }
}

fn row<'a>(fit: &'a Fit, lhs: &str, op: &str, rhs: &str, group: usize) -> Option<&'a sem::ParamRow> {
    fit.parameters.iter().find(|r| r.lhs == lhs && r.op == op && r.rhs == rhs && r.group.max(1) == group)
}

fn mat_rows(m: &sem::Mat) -> Vec<Vec<f64>> {
    (0..m.rows()).map(|i| (0..m.cols()).map(|j| m[(i, j)]).collect()).collect()
}

fn cfa_step(src: &str, frame: &DataFrame, opts: &FitOptions) -> Result<Cfa, StudyError> {
    let fit = fit_model("cfa", src, frame, opts)?;
    let mut flags = Vec::new();
    let loadings: Vec<Loading> = fit
        .parameters
        .iter()
        .filter(|r| r.op == "=~")
        .map(|r| {
            let weak = r.std_all.abs() < WEAK_LOADING;
            if weak {
                flags.push(format!(
                    "Item `{}` loads weakly on `{}` (standardised {:.2} < {WEAK_LOADING}); consider dropping or rewording it.",
                    r.rhs, r.lhs, r.std_all
                ));
            }
            Loading { factor: r.lhs.clone(), item: r.rhs.clone(), est: r.est, std: r.std_all, pvalue: r.pvalue, weak }
        })
        .collect();
    let q = sem::quality::quality(&fit, 0);
    let (quality, factors, htmt, cor_lv) = match &q {
        Some(q) => {
            let fq: Vec<FactorQuality> = q
                .factors
                .iter()
                .map(|f| FactorQuality {
                    factor: f.name.clone(),
                    alpha: f.alpha,
                    cr: f.omega,
                    ave: f.ave,
                    fornell_larcker: f.fornell_larcker,
                })
                .collect();
            for f in &fq {
                if f.alpha < sem::quality::RELIABILITY_MIN || f.cr < sem::quality::RELIABILITY_MIN {
                    flags.push(format!(
                        "`{}` has low reliability (alpha {:.2}, CR {:.2}; both should reach {}).",
                        f.factor,
                        f.alpha,
                        f.cr,
                        sem::quality::RELIABILITY_MIN
                    ));
                }
                if f.ave < sem::quality::AVE_MIN {
                    flags.push(format!(
                        "`{}` has AVE {:.2} < {}: weak convergent validity.",
                        f.factor,
                        f.ave,
                        sem::quality::AVE_MIN
                    ));
                }
                if !f.fornell_larcker {
                    flags.push(format!("`{}` fails the Fornell-Larcker criterion.", f.factor));
                }
            }
            let names: Vec<String> = fq.iter().map(|f| f.factor.clone()).collect();
            for a in 0..names.len() {
                for b in 0..a {
                    let h = q.htmt[(a, b)];
                    if h >= sem::quality::HTMT_MAX {
                        flags.push(format!(
                            "HTMT of `{}` and `{}` is {h:.2} (>= {}): the two may not be distinct.",
                            names[a],
                            names[b],
                            sem::quality::HTMT_MAX
                        ));
                    }
                }
            }
            (fq, names, mat_rows(&q.htmt), mat_rows(&q.cor_lv))
        }
        None => (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
    };
    Ok(Cfa { fit: ModelFit::from_fit("CFA", "cfa.lav", &fit), loadings, quality, factors, htmt, cor_lv, flags })
}

/// The data a run analyses: screened responses (out-of-range answers missing, reverse-keyed
/// items recoded).
pub fn prepare_data(cfg: &StudyConfig, mut resp: Responses) -> (Responses, Screening) {
    let s = screen::screen(cfg, &mut resp);
    (resp, s)
}

/// Run the study on `resp`.
pub fn run(cfg: &StudyConfig, resp: Responses, ro: &RunOptions) -> Result<(StudyReport, Responses), StudyError> {
    let t_all = Instant::now();
    let mut timing: Vec<(String, f64)> = Vec::new();
    let mut lap = {
        let mut t = Instant::now();
        move |name: &str, timing: &mut Vec<(String, f64)>| {
            timing.push((name.to_string(), t.elapsed().as_secs_f64()));
            t = Instant::now();
        }
    };
    let source = resp.source_name.clone();
    let (data, screening) = prepare_data(cfg, resp);
    lap("screening", &mut timing);
    let alpha = cfg.analysis.alpha;
    let estimator = if ro.ordinal {
        Estimator::Wlsmv
    } else if screening.estimator == "MLR" {
        Estimator::Mlr
    } else {
        Estimator::Ml
    };
    // With --ordinal every item column is ordered (each model keeps those it uses).
    let items: Vec<String> =
        if ro.ordinal { screening.measured.iter().flat_map(|m| m.items.iter().cloned()).collect() } else { Vec::new() };
    let opts = FitOptions { estimator, ordered: items, ..Default::default() };
    let frame = data.to_frame(&[]);
    let mut problems = Vec::new();
    let mut models = BTreeMap::new();
    let meas = screening.measured.clone();
    if !meas.iter().any(|m| m.id == "LE") {
        problems
            .push("Learning (`LE`) has fewer than two items in the data, so no structural model can be fitted.".into());
    }
    let sm = model::study_models(cfg, &meas)?;
    models.insert("cfa.lav".to_string(), sm.cfa.clone());
    models.insert("full_mediation.lav".to_string(), sm.full.clone());

    let cfa = match cfa_step(&sm.cfa, &frame, &opts) {
        Ok(c) => Some(c),
        Err(e) => {
            problems.push(format!("CFA: {e}"));
            None
        }
    };
    lap("cfa", &mut timing);

    let full_fit = match fit_model("full_mediation", &sm.full, &frame, &opts) {
        Ok(f) => Some(f),
        Err(e) => {
            problems.push(format!("Full-mediation model: {e}"));
            None
        }
    };
    lap("full mediation", &mut timing);

    // P1-P9
    let available: Vec<&str> = meas.iter().map(|m| m.id.as_str()).collect();
    let mut propositions = Vec::new();
    for p in constructs::PROPOSITIONS.iter() {
        for path in p.paths {
            let r = full_fit.as_ref().and_then(|f| row(f, path.to, "~", path.from, 1));
            let tested = available.contains(&path.from) && available.contains(&path.to);
            let (est, std, se, lo, hi, pv) = match (r, tested) {
                (Some(r), true) => (r.est, r.std_all, r.se, r.ci_lower, r.ci_upper, r.pvalue),
                _ => (f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN),
            };
            propositions.push(PropositionRow {
                proposition: p.id.into(),
                statement: p.statement.into(),
                from: path.from.into(),
                to: path.to.into(),
                expected: path.sign.symbol().into(),
                est,
                std,
                se,
                ci_lower: lo,
                ci_upper: hi,
                pvalue: pv,
                verdict: Verdict::of(path.sign, est, pv, alpha),
            });
        }
    }
    let paths: Vec<PathEstimate> = full_fit
        .as_ref()
        .map(|f| {
            sm.full_paths
                .iter()
                .filter_map(|(a, b)| row(f, b, "~", a, 1))
                .map(|r| PathEstimate {
                    from: r.rhs.clone(),
                    to: r.lhs.clone(),
                    est: r.est,
                    std: r.std_all,
                    pvalue: r.pvalue,
                })
                .collect()
        })
        .unwrap_or_default();

    // competing models
    let mut competing = Vec::new();
    let mut lrt = Vec::new();
    let mut mediation_verdict = String::from("No competing model could be compared.");
    if let Some(ff) = &full_fit {
        competing.push(ModelFit::from_fit("full mediation", "full_mediation.lav", ff));
        let mut fits: Vec<(String, Fit)> = Vec::new();
        for (name, file, src) in [
            ("partial mediation", "partial_mediation.lav", sm.partial.as_ref()),
            ("extra paths", "extra_paths.lav", sm.extra.as_ref()),
        ] {
            let Some(src) = src else { continue };
            models.insert(file.to_string(), src.clone());
            match fit_model(name, src, &frame, &opts) {
                Ok(f) => {
                    competing.push(ModelFit::from_fit(name, file, &f));
                    fits.push((name.to_string(), f));
                }
                Err(e) => problems.push(format!("Competing model `{name}`: {e}")),
            }
        }
        let mut all: Vec<(String, &Fit)> = vec![("full mediation".to_string(), ff)];
        all.extend(fits.iter().map(|(n, f)| (n.clone(), f)));
        if all.len() >= 2 && ro.ordinal {
            problems.push(
                "With ordinal items the competing models are compared by their scaled fit only: the likelihood-ratio (chi-square difference) test needs ML."
                    .into(),
            );
        } else if all.len() >= 2 {
            match sem::compare::lrt(&all) {
                Ok(rows) => {
                    for k in 1..rows.len() {
                        if let (Some(d), Some(df), Some(p)) = (rows[k].chisq_diff, rows[k].df_diff, rows[k].pvalue_diff)
                        {
                            lrt.push((rows[k].name.clone(), rows[k - 1].name.clone(), d, df, p));
                        }
                    }
                }
                Err(e) => problems.push(format!("Likelihood-ratio test: {e}")),
            }
        }
        if let Some(pm) = competing.iter().find(|m| m.name == "partial mediation") {
            let full = &competing[0];
            let test = lrt.iter().find(|r| r.0 == "full mediation" && r.1 == "partial mediation");
            let ic = |a: f64, b: f64| if a < b { "full" } else { "partial" };
            mediation_verdict = match test {
                Some((_, _, d, df, p)) if *p < alpha => format!(
                    "Partial mediation fits significantly better (chi-square difference {d:.2}, df {df}, p = {}): the direct paths add to what trust carries, so trust does not fully mediate. AIC prefers {} mediation, BIC prefers {} mediation.",
                    screen::fmt_p(*p),
                    ic(full.aic, pm.aic),
                    ic(full.bic, pm.bic)
                ),
                Some((_, _, d, df, p)) => format!(
                    "Full mediation holds: the direct paths do not improve the fit significantly (chi-square difference {d:.2}, df {df}, p = {}). AIC prefers {} mediation, BIC prefers {} mediation.",
                    screen::fmt_p(*p),
                    ic(full.aic, pm.aic),
                    ic(full.bic, pm.bic)
                ),
                None => "The partial-mediation model could not be tested against full mediation.".into(),
            };
        }
    }
    lap("competing models", &mut timing);

    // indirect effects with bootstrap
    let draws = ro.draws.unwrap_or(cfg.analysis.bootstrap_draws);
    let mut indirect = Vec::new();
    let mut boot_used = 0;
    if let Some(ff) = &full_fit {
        let defs = model::indirect_effects(&sm.full_paths);
        if ro.ordinal && draws > 0 && !defs.is_empty() {
            problems.push("With ordinal items the indirect effects are not bootstrapped (the bootstrap refits by ML); their WLSMV estimates and delta-method p-values are reported.".into());
        }
        let boot = if draws > 0 && !defs.is_empty() && !ro.ordinal {
            match bootstrap(&sm.full, &frame, ff, draws, cfg.analysis.seed) {
                Ok(b) => Some(b),
                Err(e) => {
                    problems.push(format!("Bootstrap: {e}"));
                    None
                }
            }
        } else {
            None
        };
        if let Some(b) = &boot {
            boot_used = b.successful;
        }
        for (name, expr, from) in defs {
            let Some((k, r)) = ff.parameters.iter().enumerate().find(|(_, r)| r.op == ":=" && r.lhs == name) else {
                continue;
            };
            let (ci, bca) = match &boot {
                Some(b) if k < b.perc.len() => (b.perc[k], b.bca_simple[k]),
                _ => ((f64::NAN, f64::NAN), (f64::NAN, f64::NAN)),
            };
            let significant = ci.0.is_finite() && (ci.0 > 0.0 || ci.1 < 0.0);
            indirect.push(Indirect {
                name,
                from,
                expression: expr,
                est: r.est,
                std: r.std_all,
                pvalue: r.pvalue,
                boot_ci: ci,
                bca_ci: bca,
                significant,
            });
        }
    }
    lap("bootstrap", &mut timing);

    // moderators
    let mut moderators = Vec::new();
    if ro.ordinal && !ro.skip_moderators && !cfg.moderators.is_empty() {
        problems
            .push("With ordinal items the moderator analyses (multi-group and interaction models) are skipped.".into());
    }
    if !ro.skip_moderators && !ro.ordinal {
        let model_meas: Vec<Measured> =
            meas.iter().filter(|m| constructs::MODEL_CONSTRUCTS.contains(&m.id.as_str())).cloned().collect();
        let mod_opts = if cfg.analysis.robust_moderators { opts.clone() } else { FitOptions::default() };
        // moderators are independent: fit them in parallel
        moderators = cfg
            .moderators
            .par_iter()
            .map(|mid| moderator(cfg, mid, &data, &meas, &model_meas, &sm, &mod_opts))
            .collect();
    }
    lap("moderators", &mut timing);

    // longitudinal invariance of trust
    let mut longitudinal = Vec::new();
    let t1 = meas.iter().find(|m| m.id == "T1");
    let t2 = meas.iter().find(|m| m.id == "T2");
    if let (Some(_), Some(_), true) = (t1, t2, ro.ordinal) {
        problems.push("With ordinal items longitudinal invariance is not tested (equality constraints are not available with WLSMV in this version).".into());
    } else if let (Some(t1), Some(t2)) = (t1, t2) {
        let pairs: Vec<(String, String)> = t1
            .items
            .iter()
            .filter_map(|a| {
                let b = a.replacen("t1_", "t2_", 1);
                t2.items.contains(&b).then(|| (a.clone(), b))
            })
            .collect();
        if pairs.len() >= 3 {
            let (a, b): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
            match longitudinal_steps(&a, &b, &frame, &opts, alpha, &mut models) {
                Ok(rows) => longitudinal = rows,
                Err(e) => problems.push(format!("Longitudinal invariance of trust: {e}")),
            }
        } else {
            problems.push(
                "Trust has fewer than three items measured at both waves; longitudinal invariance is not tested."
                    .into(),
            );
        }
    }
    lap("longitudinal invariance", &mut timing);
    timing.push(("total".into(), t_all.elapsed().as_secs_f64()));

    let report = StudyReport {
        title: cfg.title.clone(),
        data_source: source,
        alpha,
        estimator: if ro.ordinal {
            "WLSMV (--ordinal): the items are treated as ordered categories; thresholds and polychoric correlations, DWLS estimates with robust standard errors, the scaled-shifted test and lavaan's robust CFI, TLI and RMSEA.".into()
        } else {
            screening.estimator_reason.clone()
        },
        screening,
        cfa,
        full: competing.first().cloned(),
        competing,
        lrt,
        mediation_verdict,
        propositions,
        paths,
        indirect,
        bootstrap: (draws, boot_used),
        moderators,
        longitudinal,
        problems,
        models,
        timing,
    };
    Ok((report, data))
}

fn bootstrap(
    src: &str,
    frame: &DataFrame,
    fit: &Fit,
    draws: u32,
    seed: u64,
) -> Result<sem_resample::bootstrap::Summary, StudyError> {
    let sem = Sem::new(src).map_err(|e| StudyError::sem("full_mediation", e))?;
    let opts = FitOptions::default();
    let stats = sem::SampleStats::from_frame(frame, &sem.observed_variables(), None)
        .map_err(|e| StudyError::sem("full_mediation", e.into()))?;
    let prep = sem.prepare(1, &opts).map_err(|e| StudyError::sem("full_mediation", e))?;
    let nrows = prep.nrows().min(fit.parameters.len());
    let est0: Vec<f64> = fit.parameters[..nrows].iter().map(|r| r.est).collect();
    let mut x0 = vec![0.0; prep.partable().nfree];
    for (r, p) in prep.partable().rows.iter().zip(&fit.parameters) {
        if r.free > 0 {
            x0[r.free - 1] = p.est;
        }
    }
    let data = sem_resample::bootstrap::BootData::new(&stats, None)?;
    let d = sem_resample::bootstrap::run_draws(&prep, &data, &x0, seed, 0..draws, &|| {});
    Ok(sem_resample::bootstrap::summarize(&est0, fit.measure("chisq").unwrap_or(f64::NAN), &d, 0.95))
}

fn composite(data: &Responses, items: &[String]) -> Vec<f64> {
    (0..data.nrows())
        .map(|i| {
            let v: Vec<f64> =
                items.iter().filter_map(|c| data.column(c)).map(|c| c[i]).filter(|x| x.is_finite()).collect();
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        })
        .collect()
}

fn moderator(
    cfg: &StudyConfig,
    mid: &str,
    data: &Responses,
    meas: &[Measured],
    model_meas: &[Measured],
    sm: &model::StudyModels,
    opts: &FitOptions,
) -> Moderator {
    let name = constructs::study_construct(mid).map(|c| c.construct.name).unwrap_or_default();
    let mut out = Moderator {
        id: mid.to_string(),
        name,
        grouping: String::new(),
        estimator: if opts.estimator == Estimator::Mlr { "MLR".into() } else { "ML".into() },
        group_sizes: Vec::new(),
        tests: Vec::new(),
        interaction: None,
        notes: Vec::new(),
    };
    let Some(m) = meas.iter().find(|m| m.id == mid) else {
        out.notes.push(format!("Moderator `{mid}` has fewer than two items in the data; it is not analysed."));
        return out;
    };
    // groups: a user column, or a median split of the moderator's mean score
    let labels: Vec<Option<String>> = match cfg.analysis.moderator_groups.get(mid) {
        Some(col) => {
            out.grouping = format!("groups of column `{col}`");
            if let Some(t) = data.text.get(col) {
                t.clone()
            } else if let Some(c) = data.column(col) {
                c.iter().map(|v| v.is_finite().then(|| format!("{v}"))).collect()
            } else {
                out.notes.push(format!("Grouping column `{col}` of moderator `{mid}` is not in the data."));
                Vec::new()
            }
        }
        None => {
            let score = composite(data, &m.items);
            let mut sorted: Vec<f64> = score.iter().copied().filter(|v| v.is_finite()).collect();
            sorted.sort_by(f64::total_cmp);
            let med = if sorted.is_empty() { f64::NAN } else { sorted[sorted.len() / 2] };
            out.grouping = format!("median split of the mean item score at {med:.2} (low: below, high: at or above)");
            score
                .iter()
                .map(|v| v.is_finite().then(|| if *v < med { "low".to_string() } else { "high".to_string() }))
                .collect()
        }
    };
    let model_items: Vec<&String> = model_meas.iter().flat_map(|m| m.items.iter()).collect();
    let complete = |i: usize| model_items.iter().all(|c| data.column(c).map(|v| v[i].is_finite()).unwrap_or(true));
    if !labels.is_empty() {
        let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
        for (i, l) in labels.iter().enumerate() {
            if let Some(l) = l {
                if complete(i) {
                    *sizes.entry(l.clone()).or_default() += 1;
                }
            }
        }
        out.group_sizes = sizes.iter().map(|(k, v)| (k.clone(), *v)).collect();
        let small: Vec<String> = sizes
            .iter()
            .filter(|(_, n)| **n < cfg.analysis.min_group_size)
            .map(|(k, n)| format!("`{k}` ({n})"))
            .collect();
        if sizes.len() < 2 {
            out.notes.push(format!("Moderator `{mid}` gives fewer than two groups; no multi-group test."));
        } else if !small.is_empty() {
            out.notes.push(format!(
                "Moderator `{mid}`: group(s) {} have fewer than {} complete cases (`analysis.min_group_size`); the multi-group test is skipped.",
                small.join(", "),
                cfg.analysis.min_group_size
            ));
        } else {
            match group_tests(cfg, mid, data, labels, model_meas, sm, opts) {
                Ok(t) => out.tests = t,
                Err(e) => out.notes.push(format!("Multi-group test of `{mid}`: {e}")),
            }
        }
    }
    // latent interaction with trust2
    if let Some(t2) = meas.iter().find(|m| m.id == "T2") {
        let k = t2.items.len().min(m.items.len());
        let mut d = data.clone();
        let mut prods = Vec::new();
        for j in 0..k {
            let centred = |c: &str| -> Vec<f64> {
                let v = data.column(c).unwrap_or(&[]);
                let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
                let mean = f.iter().sum::<f64>() / f.len().max(1) as f64;
                v.iter().map(|x| x - mean).collect()
            };
            let (a, b) = (centred(&t2.items[j]), centred(&m.items[j]));
            let p: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
            let f: Vec<f64> = p.iter().copied().filter(|x| x.is_finite()).collect();
            let mean = f.iter().sum::<f64>() / f.len().max(1) as f64;
            let name = format!("{}x{}", t2.items[j], m.items[j]);
            d.columns.push((name.clone(), p.iter().map(|x| x - mean).collect()));
            prods.push(name);
        }
        let src = model::interaction(&sm.full, m, &prods);
        let frame = d.to_frame(&[]);
        let iname = format!("T2x{mid}");
        match fit_model(&format!("interaction_{mid}"), &src, &frame, opts) {
            Ok(f) => {
                if let Some(r) = row(&f, "LE", "~", &iname, 1) {
                    out.interaction = Some((r.est, r.std_all, r.pvalue));
                }
            }
            Err(e) => out.notes.push(format!("Latent interaction of `{mid}`: {e}")),
        }
    } else {
        out.notes.push("Trust2 (`T2`) is not measured; no latent interaction.".into());
    }
    out
}

fn group_tests(
    cfg: &StudyConfig,
    mid: &str,
    data: &Responses,
    labels: Vec<Option<String>>,
    model_meas: &[Measured],
    sm: &model::StudyModels,
    opts: &FitOptions,
) -> Result<Vec<GroupTest>, StudyError> {
    let gcol = format!("__group_{mid}");
    let frame = data.to_frame(&[(gcol.clone(), labels)]);
    let src = model::structural_unlabelled(model_meas, &sm.full_paths);
    let base = FitOptions { group: Some(gcol), group_equal: vec![GroupEqual::Loadings], ..opts.clone() };
    let key = |(a, b): &(String, String)| format!("{b}~{a}");
    let learning: Vec<String> = sm.full_paths.iter().filter(|(_, b)| b == "LE").map(key).collect();
    let antecedent: Vec<String> =
        sm.full_paths.iter().filter(|(a, b)| (b == "T1" || b == "T2") && !(a == "T1" && b == "T2")).map(key).collect();
    let others =
        |keep: &[String]| -> Vec<String> { sm.full_paths.iter().map(key).filter(|k| !keep.contains(k)).collect() };
    let tests = [
        ("trust -> learning", others(&learning)),
        ("antecedents -> trust", others(&antecedent)),
        ("all structural paths", Vec::new()),
    ];
    // the free model and the three restricted ones are independent fits
    let mut variants: Vec<(String, FitOptions)> = vec![(format!("{mid} free paths"), base.clone())];
    for (what, partial) in &tests {
        variants.push((
            format!("{mid} equal {what}"),
            FitOptions {
                group_equal: vec![GroupEqual::Loadings, GroupEqual::Regressions],
                group_partial: partial.clone(),
                ..base.clone()
            },
        ));
    }
    let fits: Vec<Result<Fit, StudyError>> =
        variants.par_iter().map(|(name, o)| fit_model(name, &src, &frame, o)).collect();
    let mut fits = fits.into_iter();
    let free = fits.next().unwrap_or_else(|| Err(StudyError::Config("no fit".into())))?;
    let mut out = Vec::new();
    for ((what, _), fit) in tests.iter().zip(fits) {
        let fit = fit?;
        let rows = sem::compare::lrt(&[("free".to_string(), &free), ("equal".to_string(), &fit)])
            .map_err(|e| StudyError::sem(mid, e.into()))?;
        let last = rows.last();
        let (d, df, p) = match last {
            Some(r) => {
                (r.chisq_diff.unwrap_or(f64::NAN), r.df_diff.unwrap_or(f64::NAN), r.pvalue_diff.unwrap_or(f64::NAN))
            }
            None => (f64::NAN, f64::NAN, f64::NAN),
        };
        let verdict = if p < cfg.analysis.alpha {
            format!("the {what} paths differ between the groups: `{mid}` moderates them")
        } else {
            format!("no evidence that `{mid}` moderates the {what} paths")
        };
        out.push(GroupTest { paths: (*what).into(), chisq_diff: d, df_diff: df, pvalue: p, verdict });
    }
    Ok(out)
}

fn longitudinal_steps(
    t1: &[String],
    t2: &[String],
    frame: &DataFrame,
    opts: &FitOptions,
    alpha: f64,
    models: &mut BTreeMap<String, String>,
) -> Result<Vec<LongRow>, StudyError> {
    let o = FitOptions { meanstructure: true, ..opts.clone() };
    let mut fits = Vec::new();
    for step in [LongStep::Configural, LongStep::Metric, LongStep::Scalar] {
        let src = model::longitudinal(t1, t2, step);
        let file = format!("trust_invariance_{}.lav", step.name());
        models.insert(file.clone(), src.clone());
        let fit = fit_model(&file, &src, frame, &o)?;
        fits.push((step, file, fit));
    }
    let mut out: Vec<LongRow> = Vec::new();
    for k in 0..fits.len() {
        let (step, file, fit) = &fits[k];
        let mf = ModelFit::from_fit(step.name(), file, fit);
        let (diff, delta_cfi, verdict) = if k == 0 {
            (None, None, "baseline: the same factor structure at both waves".to_string())
        } else {
            let prev = &fits[k - 1].2;
            let rows = sem::compare::lrt(&[("a".to_string(), prev), ("b".to_string(), fit)])
                .map_err(|e| StudyError::sem(file, e.into()))?;
            let r = rows.last();
            let d = r.and_then(|r| Some((r.chisq_diff?, r.df_diff?, r.pvalue_diff?)));
            let dcfi = mf.cfi - out[k - 1].fit.cfi;
            let holds = d.map(|x| x.2 >= alpha).unwrap_or(false) || dcfi > -0.01;
            let what = match step {
                LongStep::Metric => "equal loadings",
                _ => "equal intercepts",
            };
            let v = if holds {
                format!("{} invariance holds ({what} across waves)", step.name())
            } else {
                format!("{} invariance is rejected ({what} do not hold across waves)", step.name())
            };
            (d, Some(dcfi), v)
        };
        out.push(LongRow { step: step.name().into(), fit: mf, diff, delta_cfi, verdict });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_sign_and_significance() {
        assert_eq!(Verdict::of(Sign::Negative, -0.3, 0.001, 0.05), Verdict::Supported);
        assert_eq!(Verdict::of(Sign::Negative, 0.3, 0.001, 0.05), Verdict::OppositeSign);
        assert_eq!(Verdict::of(Sign::Positive, 0.3, 0.2, 0.05), Verdict::NotSignificant);
        assert_eq!(Verdict::of(Sign::Positive, f64::NAN, f64::NAN, 0.05), Verdict::NotTested);
    }
}
