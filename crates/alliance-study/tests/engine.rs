//! Every SEM number of the report equals a direct fit with the engine (`entente fit`) on the
//! model file and the analysed data the run writes.
use super::{run_on, sim};
use alliance_study::StudyConfig;
use sem::{Data, DataFrame, Estimator, FitOptions, Sem};

fn close(a: f64, b: f64) -> bool {
    // same code path, same data: only formatting could differ
    (a - b).abs() <= 1e-9 * (1.0 + a.abs())
}

#[test]
fn report_numbers_equal_a_direct_fit() {
    let cfg = StudyConfig::default();
    let (rep, analysed) = run_on(&cfg, sim(&cfg, 400, 3), 0, false);
    let csv = analysed.to_csv(&cfg.analysis.id_column);
    let frame = DataFrame::from_csv_str(&csv, "analysis_data.csv").expect("csv");
    let est = if rep.screening.estimator == "MLR" { Estimator::Mlr } else { Estimator::Ml };
    let opts = FitOptions { estimator: est, ..Default::default() };
    let full =
        Sem::new(&rep.models["full_mediation.lav"]).expect("syntax").fit(&Data::Frame(&frame), &opts).expect("fit");
    let m = rep.full.as_ref().expect("full fit");
    assert!(close(m.chisq, full.measure("chisq").expect("chisq")));
    assert!(close(m.aic, full.measure("aic").expect("aic")));
    for p in &rep.propositions {
        let r = full.parameters.iter().find(|r| r.op == "~" && r.lhs == p.to && r.rhs == p.from).expect("row");
        assert!(close(p.est, r.est) && close(p.std, r.std_all) && close(p.pvalue, r.pvalue) && close(p.se, r.se));
    }
    let cfa = Sem::new(&rep.models["cfa.lav"]).expect("syntax").fit(&Data::Frame(&frame), &opts).expect("fit");
    let c = rep.cfa.as_ref().expect("cfa");
    assert!(close(c.fit.chisq, cfa.measure("chisq").expect("chisq")));
    assert!(close(c.fit.cfi, cfa.measure(if est == Estimator::Mlr { "cfi.robust" } else { "cfi" }).expect("cfi")));
    let q = sem::quality::quality(&cfa, 0).expect("quality");
    for (a, b) in c.quality.iter().zip(&q.factors) {
        assert!(close(a.cr, b.omega) && close(a.ave, b.ave) && close(a.alpha, b.alpha));
    }
}

#[test]
fn likert_data_are_non_normal_so_the_study_chooses_mlr() {
    let cfg = StudyConfig::default();
    let (rep, _) = run_on(&cfg, sim(&cfg, 300, 4), 0, false);
    let m = rep.screening.mardia.as_ref().expect("mardia");
    assert_eq!(m.p, 56);
    assert!(m.kurt_p < 0.05 || m.skew_p < 0.05);
    assert_eq!(rep.screening.estimator, "MLR");
    assert!(rep.estimator.contains("MLR"));
}
