//! MLR against lavaan 0.6.14 (`hs_cfa_mlr.json`, `alliance39_likert_mlr.json`): robust SEs and
//! the Yuan-Bentler (Mplus) scaled test with scaled and robust CFI, TLI and RMSEA.
use sem::{Data, DataFrame, Estimator, FitOptions, Sem};
use serde_json::Value;
use std::path::PathBuf;

fn read(rel: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reference");
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

const MEASURES: &[&str] = &[
    "chisq",
    "chisq.scaled",
    "pvalue.scaled",
    "chisq.scaling.factor",
    "baseline.chisq.scaled",
    "baseline.chisq.scaling.factor",
    "cfi.scaled",
    "tli.scaled",
    "cfi.robust",
    "tli.robust",
    "rmsea.scaled",
    "rmsea.robust",
    "rmsea.ci.lower.scaled",
    "rmsea.ci.upper.scaled",
    "rmsea.pvalue.scaled",
    "rmsea.notclose.pvalue.scaled",
    "rmsea.ci.lower.robust",
    "rmsea.ci.upper.robust",
    "rmsea.pvalue.robust",
    "rmsea.notclose.pvalue.robust",
];

fn check(name: &str, model: &str, data: &str) {
    check_with(name, model, data, FitOptions { estimator: Estimator::Mlr, ..Default::default() });
}

fn check_with(name: &str, model: &str, data: &str, opts: FitOptions) {
    let reference: Value = serde_json::from_str(&read(&format!("{name}.json"))).unwrap();
    let frame = DataFrame::from_csv_str(&read(&format!("data/{data}")), data).unwrap();
    let fit = Sem::new(&read(&format!("models/{model}"))).unwrap().fit(&Data::Frame(&frame), &opts).unwrap();
    assert_eq!(fit.estimator, "MLR");
    let mut failures = Vec::new();
    for r in reference["parameters"].as_array().unwrap() {
        let (lhs, op, rhs) = (r["lhs"].as_str().unwrap(), r["op"].as_str().unwrap(), r["rhs"].as_str().unwrap());
        if matches!(op, "==" | ":=") {
            continue;
        }
        let g = r.get("group").and_then(|v| v.as_u64()).unwrap_or(1).max(1) as usize;
        let Some(o) = fit.parameters.iter().find(|p| p.lhs == lhs && p.op == op && p.rhs == rhs && p.group.max(1) == g)
        else {
            failures.push(format!("missing {lhs} {op} {rhs}"));
            continue;
        };
        let Some(want) = r["se"].as_f64() else { continue };
        // est/se within 1e-4 (relative above 1)
        if (want - o.se).abs() > 1e-4 * want.abs().max(1.0) {
            failures.push(format!("{lhs} {op} {rhs} se: lavaan {want} entente {}", o.se));
        }
    }
    for m in MEASURES {
        let want = reference["fit_measures"][m].as_f64().unwrap();
        let got = fit.measure(m).unwrap_or(f64::NAN);
        if (want - got).abs() > (1e-4 * want.abs().max(1e-2)).max(1e-6) {
            failures.push(format!("{m}: lavaan {want} entente {got}"));
        }
    }
    assert!(failures.is_empty(), "{name}: {} deviations:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn hs_cfa_mlr() {
    check("hs_cfa_mlr", "hs_cfa.lav", "HolzingerSwineford1939.csv");
}

#[test]
fn alliance39_likert_mlr() {
    check("alliance39_likert_mlr", "alliance39.lav", "alliance39_likert.csv");
}

#[test]
fn two_groups_equal_loadings_mlr() {
    let opts = FitOptions {
        estimator: Estimator::Mlr,
        group: Some("school".into()),
        group_equal: vec![sem::GroupEqual::Loadings],
        ..Default::default()
    };
    check_with("hs_inv_metric_mlr", "hs_cfa.lav", "HolzingerSwineford1939.csv", opts);
}

/// MLR on FIML: sandwich SEs with the observed information and casewise scores of the observed
/// values, Yuan-Bentler scaled test with the saturated model's observed information at the EM
/// moments, and the FIML-corrected robust CFI/TLI/RMSEA (lavaan's "V3" correction), for the
/// 39-item model (`alliance39_fiml_mlr.json`) and the three-factor CFA (`hs_cfa_fiml_mlr.json`).
#[test]
fn alliance39_fiml_mlr() {
    check_fiml_mlr("alliance39_fiml_mlr", "alliance39.lav", "alliance39_mar.csv");
}

#[test]
fn hs_cfa_fiml_mlr() {
    check_fiml_mlr("hs_cfa_fiml_mlr", "hs_cfa.lav", "hs_missing.csv");
}

fn check_fiml_mlr(name: &str, model: &str, data: &str) {
    let reference: Value = serde_json::from_str(&read(&format!("{name}.json"))).unwrap();
    let frame = DataFrame::from_csv_str(&read(&format!("data/{data}")), data).unwrap();
    let opts = FitOptions { estimator: Estimator::Mlr, missing: sem::Missing::Ml, ..Default::default() };
    let fit = Sem::new(&read(&format!("models/{model}"))).unwrap().fit(&Data::Frame(&frame), &opts).unwrap();
    let mut failures = Vec::new();
    for r in reference["parameters"].as_array().unwrap() {
        let (lhs, op, rhs) = (r["lhs"].as_str().unwrap(), r["op"].as_str().unwrap(), r["rhs"].as_str().unwrap());
        let o = fit.parameters.iter().find(|p| p.lhs == lhs && p.op == op && p.rhs == rhs).unwrap();
        let Some(want) = r["se"].as_f64() else { continue };
        if (want - o.se).abs() > 1e-4 * want.abs().max(1.0) {
            failures.push(format!("{lhs} {op} {rhs} se: lavaan {want} entente {}", o.se));
        }
    }
    for m in MEASURES.iter().chain(&["nnfi.robust", "rni.robust", "gfi"]) {
        let want = reference["fit_measures"][m].as_f64().unwrap();
        let got = fit.measure(m).unwrap_or(f64::NAN);
        if (want - got).abs() > (1e-4 * want.abs().max(1e-2)).max(1e-6) {
            failures.push(format!("{m}: lavaan {want} entente {got}"));
        }
    }
    assert!(failures.is_empty(), "{name}: {} deviations:\n{}", failures.len(), failures.join("\n"));
}

/// MLR with fixed exogenous covariates (a MIMIC model, fixed.x = TRUE): the saturated model's
/// information drops the covariates' moments (`hs_mimic_mlr.json`).
#[test]
fn hs_mimic_mlr_fixed_x() {
    check("hs_mimic_mlr", "hs_mimic.lav", "HolzingerSwineford1939.csv");
}
