//! Every lavaan 0.6.14 reference in `reference/` (made by `reference/make.sh`): estimates,
//! standard errors and `std.all` within 1e-4 (absolute, or relative where |value| > 1), fit
//! measures within 1e-4 relative, and the same parameter rows with the same free/fixed status.
use sem::{CovInput, Data, DataFrame, FitOptions, GroupEqual, Sem};
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reference")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Fit measures compared for every reference (all that `entente fit` reports and lavaan has).
const MEASURES: &[&str] = &[
    "npar",
    "fmin",
    "chisq",
    "df",
    "pvalue",
    "baseline.chisq",
    "baseline.df",
    "baseline.pvalue",
    "cfi",
    "tli",
    "nnfi",
    "rfi",
    "nfi",
    "pnfi",
    "ifi",
    "rni",
    "logl",
    "unrestricted.logl",
    "aic",
    "bic",
    "ntotal",
    "bic2",
    "rmsea",
    "rmsea.ci.lower",
    "rmsea.ci.upper",
    "rmsea.pvalue",
    "rmsea.notclose.pvalue",
    "rmr",
    "srmr",
    "gfi",
    "agfi",
    "pgfi",
    "mfi",
    "ecvi",
];

fn check(name: &str, model: &str, data: Data, opts: FitOptions) {
    check_skip(name, model, data, opts, &[]);
}

/// [`check`] without the fit measures in `skip` (which the engine does not report for this case).
fn check_skip(name: &str, model: &str, data: Data, opts: FitOptions, skip: &[&str]) {
    let reference: Value = serde_json::from_str(&read(&format!("{name}.json"))).unwrap();
    let fit = Sem::new(&read(&format!("models/{model}"))).unwrap().fit(&data, &opts).unwrap();
    let mut failures = Vec::new();
    // 1e-4 is the accuracy the engine promises; lavaan itself converges to about 1e-6 here.
    let tol = 1e-4;
    let ref_rows: Vec<&Value> = reference["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !matches!(r["op"].as_str().unwrap(), "==" | "<" | ">"))
        .collect();
    let key = |lhs: &str, op: &str, rhs: &str, g: usize| format!("{lhs} {op} {rhs} [{g}]");
    let ours: std::collections::HashMap<String, &sem::ParamRow> = fit
        .parameters
        .iter()
        .filter(|r| !matches!(r.op.as_str(), "==" | "<" | ">"))
        .map(|r| (key(&r.lhs, &r.op, &r.rhs, r.group.max(1)), r))
        .collect();
    assert_eq!(ours.len(), ref_rows.len(), "{name}: number of parameter rows");
    for r in &ref_rows {
        let g = r.get("group").and_then(|v| v.as_u64()).unwrap_or(1).max(1) as usize;
        let k = key(r["lhs"].as_str().unwrap(), r["op"].as_str().unwrap(), r["rhs"].as_str().unwrap(), g);
        let Some(o) = ours.get(&k) else {
            failures.push(format!("row missing: {k}"));
            continue;
        };
        if r["op"] != ":=" {
            if let Some(free) = r["free"].as_bool() {
                if free != o.free {
                    failures.push(format!("{k}: free {} vs lavaan {free}", o.free));
                }
            }
        }
        for (col, got) in [("est", o.est), ("se", o.se), ("std.all", o.std_all)] {
            let Some(want) = num(&r[col]) else { continue };
            if (want - got).abs() > tol * want.abs().max(1.0) {
                failures.push(format!("{k} {col}: lavaan {want} entente {got}"));
            }
        }
    }
    for m in MEASURES.iter().filter(|m| !skip.contains(m)) {
        let Some(want) = num(&reference["fit_measures"][m]) else { continue };
        let got = fit.measure(m).unwrap_or(f64::NAN);
        // relative 1e-4, with the same floors as the shared compare_ref.py
        let within = (want - got).abs() <= (tol * want.abs().max(1e-2)).max(1e-6);
        if !within {
            failures.push(format!("fit measure {m}: lavaan {want} entente {got}"));
        }
    }
    let nobs: Vec<usize> = reference["nobs"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    assert_eq!(fit.nobs, nobs, "{name}: nobs");
    assert!(fit.converged);
    assert!(failures.is_empty(), "{name}: {} deviations from lavaan:\n{}", failures.len(), failures.join("\n"));
}

fn frame(rel: &str) -> DataFrame {
    DataFrame::from_csv_str(&read(&format!("data/{rel}")), rel).unwrap()
}

fn group(g: &str, eq: &[GroupEqual]) -> FitOptions {
    FitOptions { group: Some(g.into()), group_equal: eq.to_vec(), ..Default::default() }
}

#[test]
fn hs_cfa() {
    check("hs_cfa", "hs_cfa.lav", Data::Frame(&frame("HolzingerSwineford1939.csv")), FitOptions::default());
}

#[test]
fn hs_cfa_std_lv() {
    let opts = FitOptions { std_lv: true, ..Default::default() };
    check("hs_cfa_stdlv", "hs_cfa.lav", Data::Frame(&frame("HolzingerSwineford1939.csv")), opts);
}

#[test]
fn hs_cfa_meanstructure() {
    let opts = FitOptions { meanstructure: true, ..Default::default() };
    check("hs_cfa_means", "hs_cfa.lav", Data::Frame(&frame("HolzingerSwineford1939.csv")), opts);
}

#[test]
fn hs_cfa_listwise_deletion() {
    check("hs_cfa_missing_listwise", "hs_cfa.lav", Data::Frame(&frame("hs_missing.csv")), FitOptions::default());
}

#[test]
fn hs_mimic_observed_covariates() {
    check("hs_mimic", "hs_mimic.lav", Data::Frame(&frame("HolzingerSwineford1939.csv")), FitOptions::default());
}

#[test]
fn hs_path_model_with_defined_parameter() {
    check("hs_path", "hs_path.lav", Data::Frame(&frame("HolzingerSwineford1939.csv")), FitOptions::default());
}

#[test]
fn inequality_constraints_active_and_inactive() {
    check("hs_cfa_ineq", "hs_cfa_ineq.lav", Data::Frame(&frame("HolzingerSwineford1939.csv")), FitOptions::default());
}

#[test]
fn political_democracy_structural_model() {
    check("polidemo_sem", "polidemo_sem.lav", Data::Frame(&frame("PoliticalDemocracy.csv")), FitOptions::default());
}

#[test]
fn political_democracy_equality_constraints_and_defined() {
    check("polidemo_eq", "polidemo_eq.lav", Data::Frame(&frame("PoliticalDemocracy.csv")), FitOptions::default());
}

#[test]
fn wheaton_covariance_input_lower_and_full() {
    for file in ["wheaton.cov", "wheaton_full.cov"] {
        let input = CovInput::from_str(&read(&format!("data/{file}")), file).unwrap();
        check("wheaton_cov", "wheaton.lav", Data::Cov { input: &input, nobs: 932 }, FitOptions::default());
    }
}

#[test]
fn alliance39_large_model() {
    check("alliance39", "alliance39.lav", Data::Frame(&frame("alliance39.csv")), FitOptions::default());
}

#[test]
fn two_groups_configural_to_strict() {
    let hs = frame("HolzingerSwineford1939.csv");
    use GroupEqual::*;
    check("hs_inv_configural", "hs_cfa.lav", Data::Frame(&hs), group("school", &[]));
    check("hs_cfa_school_metric", "hs_cfa.lav", Data::Frame(&hs), group("school", &[Loadings]));
    check("hs_inv_scalar", "hs_cfa.lav", Data::Frame(&hs), group("school", &[Loadings, Intercepts]));
    check("hs_inv_strict", "hs_cfa.lav", Data::Frame(&hs), group("school", &[Loadings, Intercepts, Residuals]));
}

/// The parameter table's free/fixed rows equal lavaan's `parTable()` (the `partable` field).
#[test]
fn partable_rows_match_lavaan() {
    for (name, model) in [("hs_cfa_pt", "hs_cfa.lav"), ("hs_mimic", "hs_mimic.lav"), ("polidemo_eq", "polidemo_eq.lav")]
    {
        let reference: Value = serde_json::from_str(&read(&format!("{name}.json"))).unwrap();
        let syntax = sem_syntax_rows(model);
        let mut want: Vec<(String, String, String, bool, bool)> = reference["partable"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| !matches!(r["op"].as_str().unwrap(), "==" | ":=" | "<" | ">"))
            .map(|r| {
                (
                    r["lhs"].as_str().unwrap().to_string(),
                    r["op"].as_str().unwrap().to_string(),
                    r["rhs"].as_str().unwrap().to_string(),
                    r["free"].as_u64().unwrap() > 0,
                    r["exo"].as_u64().unwrap() > 0,
                )
            })
            .collect();
        let mut got: Vec<(String, String, String, bool, bool)> = syntax
            .rows
            .iter()
            .map(|r| (r.lhs.clone(), r.op.as_str().to_string(), r.rhs.clone(), r.free > 0, r.exo))
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{name}: parameter table differs from lavaan's parTable()");
    }
}

fn sem_syntax_rows(model: &str) -> sem::ParTable {
    let sem = Sem::new(&read(&format!("models/{model}"))).unwrap();
    sem::ParTable::build(sem.syntax(), &Default::default()).unwrap()
}

/// The robust indices lavaan reports under `missing = "ml"` even without MLR: the FIML-corrected
/// CFI, TLI and RMSEA of Zhang & Savalei (2022).
const FIML_ROBUST: &[&str] = &[
    "cfi.robust",
    "tli.robust",
    "nnfi.robust",
    "rni.robust",
    "rmsea.robust",
    "rmsea.ci.lower.robust",
    "rmsea.ci.upper.robust",
    "rmsea.pvalue.robust",
    "rmsea.notclose.pvalue.robust",
];

/// [`check`], then the FIML-corrected robust indices within 1e-4 relative.
fn check_fiml(name: &str, model: &str, data: &str, opts: FitOptions) {
    check(name, model, Data::Frame(&frame(data)), opts.clone());
    let reference: Value = serde_json::from_str(&read(&format!("{name}.json"))).unwrap();
    let fit = Sem::new(&read(&format!("models/{model}"))).unwrap().fit(&Data::Frame(&frame(data)), &opts).unwrap();
    let mut failures = Vec::new();
    for m in FIML_ROBUST {
        let want = num(&reference["fit_measures"][m]).unwrap_or_else(|| panic!("{name}: no {m} in the reference"));
        let got = fit.measure(m).unwrap_or(f64::NAN);
        if (want - got).abs() > (1e-4 * want.abs().max(1e-2)).max(1e-6) {
            failures.push(format!("fit measure {m}: lavaan {want} entente {got}"));
        }
    }
    assert!(failures.is_empty(), "{name}: {} deviations from lavaan:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn hs_cfa_fiml_missing_ml() {
    let opts = FitOptions { missing: sem::Missing::Ml, ..Default::default() };
    check_fiml("hs_cfa_fiml", "hs_cfa.lav", "hs_missing.csv", opts);
}

#[test]
fn alliance39_fiml_missing_ml() {
    let opts = FitOptions { missing: sem::Missing::Ml, ..Default::default() };
    check_fiml("alliance39_fiml", "alliance39.lav", "alliance39_mar.csv", opts);
}

#[test]
fn two_groups_equal_loadings_fiml() {
    let opts = FitOptions { missing: sem::Missing::Ml, ..group("school", &[GroupEqual::Loadings]) };
    check_fiml("hs_inv_metric_fiml", "hs_cfa.lav", "hs_missing.csv", opts);
}
