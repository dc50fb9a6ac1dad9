//! The lavaan models a study generates: the CFA, the full-mediation SEM, the
//! partial-mediation and extra competing models, the longitudinal invariance ladder of trust,
//! the latent-interaction model of a moderator and the population model of a simulation.
//!
//! Latent variables carry the construct ids (`PE`, `T2`); items are the catalogue's item ids.
//! Every structural path is labelled `<from>_<to>` in lower case (`pe_t1`), and each indirect
//! effect of an antecedent on learning is a defined parameter `ind_<from> := ...`: the sum over
//! all directed paths of length two or more from the antecedent to `LE` of the product of their
//! labels (e.g. `ind_pe := pe_t1*t1_le + pe_t1*t1_t2*t2_le`).

use crate::config::{parse_path, StudyConfig};
use crate::error::StudyError;
use alliance_core::constructs;

/// A measured construct: id and the item columns that measure it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Measured {
    /// Construct id.
    pub id: String,
    /// Item ids (columns).
    pub items: Vec<String>,
}

/// Measurement of every catalogue construct, with all its items.
pub fn full_measurement(cfg: &StudyConfig) -> Vec<Measured> {
    constructs::catalogue()
        .into_iter()
        .filter(|c| cfg.uses(c.id()))
        .map(|c| Measured { id: c.id().to_string(), items: c.item_ids().iter().map(|s| s.to_string()).collect() })
        .collect()
}

/// Label of a structural path.
pub fn label(from: &str, to: &str) -> String {
    format!("{}_{}", from.to_ascii_lowercase(), to.to_ascii_lowercase())
}

/// Name of the defined indirect effect of `from` on learning.
pub fn indirect_name(from: &str) -> String {
    format!("ind_{}", from.to_ascii_lowercase())
}

/// Structural paths of the full-mediation model among the `available` constructs: every
/// proposition path and the carry-over `T1 -> T2` whose two ends are available.
pub fn mediation_paths(available: &[&str]) -> Vec<(String, String)> {
    std::iter::once(constructs::CARRY_OVER)
        .chain(constructs::proposition_paths())
        .filter(|p| available.contains(&p.from) && available.contains(&p.to))
        .map(|p| (p.from.to_string(), p.to.to_string()))
        .collect()
}

/// Paths listed in `study.toml` (`"PR -> LE"`) whose ends are available.
pub fn listed_paths(list: &[String], available: &[&str]) -> Result<Vec<(String, String)>, StudyError> {
    let mut out = Vec::new();
    for s in list {
        let (a, b) = parse_path(s)?;
        if available.contains(&a.as_str()) && available.contains(&b.as_str()) {
            out.push((a, b));
        }
    }
    Ok(out)
}

/// Measurement lines; a construct with one indicator (an observed score such as the
/// Kogut-Singh index for CD) is that score without measurement error.
fn measurement_lines(meas: &[Measured]) -> String {
    meas.iter()
        .map(|m| match m.items.as_slice() {
            [one] => format!("{} =~ {one}\n{one} ~~ 0*{one}\n", m.id),
            items => format!("{} =~ {}\n", m.id, items.join(" + ")),
        })
        .collect()
}

/// The confirmatory factor analysis of every measured construct.
pub fn cfa(meas: &[Measured]) -> String {
    format!("# CFA: every construct measured by its items; factors correlate freely\n{}", measurement_lines(meas))
}

/// All directed paths from `from` to `to` in the graph `edges` (acyclic), as node lists.
fn all_paths(edges: &[(String, String)], from: &str, to: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![vec![from.to_string()]];
    while let Some(p) = stack.pop() {
        let last = p.last().cloned().unwrap_or_default();
        if last == to {
            out.push(p);
            continue;
        }
        if p.len() > edges.len() + 1 {
            continue;
        }
        for (a, b) in edges {
            if *a == last && !p.contains(b) {
                let mut q = p.clone();
                q.push(b.clone());
                stack.push(q);
            }
        }
    }
    out.sort();
    out
}

/// Indirect effects on `LE` of every predictor with at least one path of length two or more:
/// `(name, expression, predictor)`.
pub fn indirect_effects(edges: &[(String, String)]) -> Vec<(String, String, String)> {
    let mut preds: Vec<&String> = edges.iter().map(|(a, _)| a).collect();
    preds.sort();
    preds.dedup();
    let order = |id: &str| constructs::MODEL_CONSTRUCTS.iter().position(|c| *c == id).unwrap_or(usize::MAX);
    preds.sort_by_key(|p| order(p));
    let mut out = Vec::new();
    for p in preds {
        let terms: Vec<String> = all_paths(edges, p, "LE")
            .into_iter()
            .filter(|path| path.len() >= 3)
            .map(|path| path.windows(2).map(|w| label(&w[0], &w[1])).collect::<Vec<_>>().join("*"))
            .collect();
        if !terms.is_empty() {
            out.push((indirect_name(p), terms.join(" + "), p.clone()));
        }
    }
    out
}

/// A structural model: measurement, labelled regressions, indirect effects.
pub fn structural(title: &str, meas: &[Measured], edges: &[(String, String)]) -> String {
    structural_with(title, meas, edges, true)
}

/// A structural model without labels or defined parameters, for multi-group fits (a label
/// shared by the groups would hold the path equal across them).
pub fn structural_unlabelled(meas: &[Measured], edges: &[(String, String)]) -> String {
    structural_with("Full mediation (multi-group)", meas, edges, false)
}

fn structural_with(title: &str, meas: &[Measured], edges: &[(String, String)], labels: bool) -> String {
    let mut s = format!("# {title}\n# measurement model\n{}", measurement_lines(meas));
    s.push_str("# structural model\n");
    let mut outcomes: Vec<&String> = edges.iter().map(|(_, b)| b).collect();
    let order = |id: &str| constructs::MODEL_CONSTRUCTS.iter().position(|c| *c == id).unwrap_or(usize::MAX);
    outcomes.sort_by_key(|o| order(o));
    outcomes.dedup();
    for o in outcomes {
        let rhs: Vec<String> = edges
            .iter()
            .filter(|(_, b)| b == o)
            .map(|(a, b)| if labels { format!("{}*{}", label(a, b), a) } else { a.clone() })
            .collect();
        s.push_str(&format!("{o} ~ {}\n", rhs.join(" + ")));
    }
    let ind = if labels { indirect_effects(edges) } else { Vec::new() };
    if !ind.is_empty() {
        s.push_str("# indirect effects on learning\n");
        for (name, expr, _) in ind {
            s.push_str(&format!("{name} := {expr}\n"));
        }
    }
    s
}

/// Models of one study: CFA, full mediation, partial mediation, optional extra model.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyModels {
    /// CFA syntax (model constructs and moderators).
    pub cfa: String,
    /// Full mediation (model constructs only).
    pub full: String,
    /// Paths of the full-mediation model.
    pub full_paths: Vec<(String, String)>,
    /// Partial mediation: full plus the partial paths.
    pub partial: Option<String>,
    /// Extra: partial plus the extra paths.
    pub extra: Option<String>,
}

/// The study's models for the constructs that are `available` in the data (`meas` lists their
/// items; moderators appear only in the CFA).
pub fn study_models(cfg: &StudyConfig, meas: &[Measured]) -> Result<StudyModels, StudyError> {
    let model_meas: Vec<Measured> =
        meas.iter().filter(|m| constructs::MODEL_CONSTRUCTS.contains(&m.id.as_str())).cloned().collect();
    let available: Vec<&str> = model_meas.iter().map(|m| m.id.as_str()).collect();
    let full_paths = mediation_paths(&available);
    let full = structural(
        "Full mediation: trust1 and trust2 carry every antecedent's effect on learning",
        &model_meas,
        &full_paths,
    );
    let partial_add = listed_paths(&cfg.partial_paths, &available)?;
    let partial_paths: Vec<(String, String)> = full_paths.iter().cloned().chain(partial_add.iter().cloned()).collect();
    let partial = (!partial_add.is_empty()).then(|| {
        let names: Vec<String> = partial_add.iter().map(|(a, b)| format!("{a} -> {b}")).collect();
        structural(&format!("Partial mediation: direct paths {}", names.join(", ")), &model_meas, &partial_paths)
    });
    let extra_add: Vec<(String, String)> =
        listed_paths(&cfg.extra_paths, &available)?.into_iter().filter(|p| !partial_paths.contains(p)).collect();
    let extra = (!extra_add.is_empty()).then(|| {
        let names: Vec<String> = extra_add.iter().map(|(a, b)| format!("{a} -> {b}")).collect();
        let paths: Vec<(String, String)> = partial_paths.iter().cloned().chain(extra_add.iter().cloned()).collect();
        structural(&format!("Extra direct paths: {}", names.join(", ")), &model_meas, &paths)
    });
    Ok(StudyModels { cfa: cfa(meas), full, full_paths, partial, extra })
}

/// One step of the longitudinal invariance ladder of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongStep {
    /// Same factor structure, correlated item residuals across waves.
    Configural,
    /// Equal loadings.
    Metric,
    /// Equal loadings and intercepts; the wave-2 latent mean is free.
    Scalar,
}

impl LongStep {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            LongStep::Configural => "configural",
            LongStep::Metric => "metric",
            LongStep::Scalar => "scalar",
        }
    }
}

/// Longitudinal invariance model of trust: `T1` and `T2` measured by the paired items
/// `t1[k]`/`t2[k]`, each pair's residuals correlated; with a mean structure.
pub fn longitudinal(t1: &[String], t2: &[String], step: LongStep) -> String {
    let lab = |k: usize| -> String {
        match step {
            LongStep::Configural => String::new(),
            _ if k == 0 => String::new(),
            _ => format!("l{}*", k + 1),
        }
    };
    let side = |f: &str, items: &[String]| -> String {
        let rhs: Vec<String> = items.iter().enumerate().map(|(k, i)| format!("{}{i}", lab(k))).collect();
        format!("{f} =~ {}\n", rhs.join(" + "))
    };
    let mut s = format!("# Longitudinal invariance of trust: {}\n", step.name());
    s.push_str(&side("T1", t1));
    s.push_str(&side("T2", t2));
    for (a, b) in t1.iter().zip(t2) {
        s.push_str(&format!("{a} ~~ {b}\n"));
    }
    if step == LongStep::Scalar {
        for (k, (a, b)) in t1.iter().zip(t2).enumerate() {
            s.push_str(&format!("{a} ~ i{}*1\n{b} ~ i{}*1\n", k + 1, k + 1));
        }
        s.push_str("T1 ~ 0*1\nT2 ~ 1\n");
    }
    s
}

/// The full-mediation model with a moderator `m` and the latent interaction `T2xM` measured by
/// double-mean-centred products of matched trust2 and moderator items (`prod` names the
/// product columns), predicting learning.
pub fn interaction(full: &str, m: &Measured, prod: &[String]) -> String {
    let name = format!("T2x{}", m.id);
    format!(
        "{full}# moderator {id} and the latent interaction by double-mean-centred product indicators\n{id} =~ {items}\n{name} =~ {prods}\nLE ~ {mlab}*{id} + {ilab}*{name}\n",
        id = m.id,
        items = m.items.join(" + "),
        prods = prod.join(" + "),
        mlab = label(&m.id, "LE"),
        ilab = label(&name, "LE"),
    )
}

/// Population model: every parameter fixed. Items load `loading` (negatively for reverse-keyed
/// items, whose raw answers run against the construct) with residual variance
/// `1 - loading^2`; exogenous constructs have unit variance and correlate
/// `exogenous_correlation`; endogenous residual variances make every latent variance 1.
pub fn population(cfg: &StudyConfig) -> Result<String, StudyError> {
    let cat = constructs::catalogue();
    let used: Vec<&constructs::StudyConstruct> = cat.iter().filter(|c| cfg.uses(c.id())).collect();
    let ids: Vec<&str> = used.iter().map(|c| c.id()).collect();
    let edges = mediation_paths(&ids);
    let endo: Vec<&str> = ["T1", "T2", "LE"].into_iter().filter(|e| ids.contains(e)).collect();
    let exo: Vec<&str> = ids.iter().copied().filter(|i| !endo.contains(i)).collect();
    let l = cfg.population.loading;
    let mut s = String::from("# Population model written by `entente study` from study.toml (every parameter fixed)\n");
    for c in &used {
        let rhs: Vec<String> =
            c.construct.items.iter().map(|i| format!("{:.4}*{}", if i.reverse { -l } else { l }, i.id)).collect();
        s.push_str(&format!("{} =~ {}\n", c.id(), rhs.join(" + ")));
    }
    for c in &used {
        for i in &c.construct.items {
            s.push_str(&format!("{} ~~ {:.4}*{}\n", i.id, 1.0 - l * l, i.id));
        }
    }
    // latent covariance matrix, built in order: exogenous, then T1, T2, LE
    let order: Vec<&str> = exo.iter().chain(endo.iter()).copied().collect();
    let n = order.len();
    let mut cov = vec![vec![0.0; n]; n];
    let r = cfg.population.exogenous_correlation;
    for a in 0..exo.len() {
        for b in 0..exo.len() {
            cov[a][b] = if a == b { 1.0 } else { r };
        }
    }
    for (k, e) in endo.iter().enumerate() {
        let row = exo.len() + k;
        let preds: Vec<(usize, f64)> = edges
            .iter()
            .filter(|(_, b)| b == e)
            .filter_map(|(a, _)| order.iter().position(|o| o == a).map(|j| (j, cfg.effect(a, e))))
            .collect();
        for m in 0..row {
            cov[row][m] = preds.iter().map(|(j, b)| b * cov[*j][m]).sum();
            cov[m][row] = cov[row][m];
        }
        let explained: f64 =
            preds.iter().map(|(j, b)| preds.iter().map(|(k2, b2)| b * b2 * cov[*j][*k2]).sum::<f64>()).sum();
        if explained >= 1.0 {
            return Err(StudyError::Config(format!(
                "the effects on `{e}` explain {explained:.2} of its unit variance; make them smaller"
            )));
        }
        cov[row][row] = 1.0;
        let rhs: Vec<String> = preds.iter().map(|(j, b)| format!("{b:.4}*{}", order[*j])).collect();
        if !rhs.is_empty() {
            s.push_str(&format!("{e} ~ {}\n", rhs.join(" + ")));
        }
        s.push_str(&format!("{e} ~~ {:.4}*{e}\n", 1.0 - explained));
    }
    for a in 0..exo.len() {
        for b in a..exo.len() {
            s.push_str(&format!("{} ~~ {:.4}*{}\n", exo[a], cov[a][b], exo[b]));
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indirect_effects_sum_every_path_through_trust() {
        let edges: Vec<(String, String)> = [("PE", "T1"), ("T1", "T2"), ("T1", "LE"), ("T2", "LE"), ("RO", "T2")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let ind = indirect_effects(&edges);
        let pe = ind.iter().find(|i| i.2 == "PE").expect("PE");
        assert_eq!(pe.1, "pe_t1*t1_le + pe_t1*t1_t2*t2_le");
        let ro = ind.iter().find(|i| i.2 == "RO").expect("RO");
        assert_eq!(ro.1, "ro_t2*t2_le");
        let t1 = ind.iter().find(|i| i.2 == "T1").expect("T1");
        assert_eq!(t1.1, "t1_t2*t2_le");
        assert!(ind.iter().all(|i| i.2 != "T2"));
    }

    #[test]
    fn partial_model_adds_the_direct_paths() {
        let cfg = StudyConfig::default();
        let m = study_models(&cfg, &full_measurement(&cfg)).expect("models");
        assert!(m.full.contains("T2 ~ t1_t2*T1 + ro_t2*RO"));
        assert!(!m.full.contains("pr_le"));
        let partial = m.partial.expect("partial");
        assert!(partial.contains("pr_le*PR") && partial.contains("cd_le*CD"));
        assert!(m.extra.is_none());
        assert!(m.cfa.contains("CK =~ ck_1 + ck_2 + ck_3"));
    }

    #[test]
    fn scalar_step_equates_intercepts_and_frees_the_wave2_mean() {
        let t1: Vec<String> = (1..=3).map(|k| format!("t1_{k}")).collect();
        let t2: Vec<String> = (1..=3).map(|k| format!("t2_{k}")).collect();
        let s = longitudinal(&t1, &t2, LongStep::Scalar);
        assert!(s.contains("T2 =~ t2_1 + l2*t2_2 + l3*t2_3"));
        assert!(s.contains("t2_3 ~ i3*1") && s.contains("T2 ~ 1") && s.contains("t1_1 ~~ t2_1"));
    }
}
