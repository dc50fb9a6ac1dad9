//! Recovery of the propositions' signs from data simulated with known effects.
use super::{run_on, sim};
use alliance_study::analysis::Verdict;
use alliance_study::StudyConfig;

#[test]
fn every_proposition_is_supported_on_data_from_the_theory() {
    let cfg = StudyConfig::default();
    let (rep, _) = run_on(&cfg, sim(&cfg, 500, 11), 50, false);
    assert_eq!(rep.propositions.len(), 10);
    for p in &rep.propositions {
        assert_eq!(
            p.verdict,
            Verdict::Supported,
            "{} {} -> {}: est {} p {}",
            p.proposition,
            p.from,
            p.to,
            p.est,
            p.pvalue
        );
        assert!(p.ci_lower < p.est && p.est < p.ci_upper);
    }
    // the population's standardised effects are recovered within sampling error
    for p in &rep.propositions {
        let truth = cfg.effect(&p.from, &p.to);
        assert!((p.std - truth).abs() < 0.15, "{} -> {}: std {} vs {truth}", p.from, p.to, p.std);
    }
    // indirect effects of every antecedent are bootstrapped and excluded from 0 with the right sign
    assert!(rep.indirect.iter().any(|i| i.from == "PE"));
    for i in &rep.indirect {
        assert!(i.boot_ci.0 <= i.est && i.est <= i.boot_ci.1, "{i:?}");
    }
    assert!(rep.mediation_verdict.starts_with("Full mediation holds"), "{}", rep.mediation_verdict);
}

#[test]
fn a_reversed_population_path_gets_opposite_sign() {
    let mut cfg = StudyConfig::default();
    cfg.population.effects.insert("PE -> T1".into(), -0.35);
    cfg.population.effects.insert("LO -> T2".into(), -0.35);
    let (rep, _) = run_on(&cfg, sim(&cfg, 500, 5), 0, false);
    let verdict = |from: &str| rep.propositions.iter().find(|p| p.from == from).map(|p| p.verdict);
    assert_eq!(verdict("PE"), Some(Verdict::OppositeSign));
    assert_eq!(verdict("LO"), Some(Verdict::OppositeSign));
    assert_eq!(verdict("TR"), Some(Verdict::Supported));
}

#[test]
fn direct_paths_in_the_population_favour_partial_mediation() {
    let mut cfg = StudyConfig::default();
    // a population with a strong direct protectiveness -> learning path is not fully mediated;
    // `study simulate` only writes mediation paths, so add the direct effect to the items of LE
    cfg.population.effects.insert("PR -> T2".into(), -0.3);
    let mut resp = sim(&cfg, 600, 9);
    let pr: Vec<Vec<f64>> = (1..=4).map(|k| resp.column(&format!("pr_{k}")).expect("pr").to_vec()).collect();
    for k in 1..=3 {
        let col = resp.column_mut(&format!("le_{k}")).expect("le");
        for (i, v) in col.iter_mut().enumerate() {
            // raise learning where protectiveness is low (pr_1..3 are positively keyed)
            let shift = if pr[0][i] + pr[1][i] + pr[2][i] < 10.0 { 1.0 } else { 0.0 };
            *v = (*v + shift).min(7.0);
        }
    }
    let (rep, _) = run_on(&cfg, resp, 0, false);
    assert!(
        rep.mediation_verdict.starts_with("Partial mediation fits significantly better"),
        "{}",
        rep.mediation_verdict
    );
}

#[test]
fn an_observed_cultural_distance_replaces_the_perceived_items() {
    let mut cfg = StudyConfig::default();
    cfg.analysis.observed_cd = Some("cd_kogut_singh".into());
    let mut resp = sim(&cfg, 500, 12);
    // an observed distance that tracks the population's CD: the mean keyed item score
    let items: Vec<Vec<f64>> = (1..=4).map(|k| resp.column(&format!("cd_{k}")).expect("cd").to_vec()).collect();
    let score: Vec<f64> =
        (0..resp.nrows()).map(|i| (items[0][i] + items[1][i] + items[2][i] + 8.0 - items[3][i]) / 4.0).collect();
    resp.columns.retain(|(n, _)| !n.starts_with("cd_"));
    resp.columns.push(("cd_kogut_singh".into(), score));
    let (rep, _) = run_on(&cfg, resp, 0, false);
    assert!(rep.models["full_mediation.lav"].contains("CD =~ cd_kogut_singh\ncd_kogut_singh ~~ 0*cd_kogut_singh"));
    let p9 = rep.propositions.iter().find(|p| p.proposition == "P9").expect("P9");
    assert_eq!(p9.verdict, Verdict::Supported, "{p9:?}");
    assert!(rep.screening.notes.iter().any(|n| n.contains("observed score `cd_kogut_singh`")));
}
