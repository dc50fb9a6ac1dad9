//! Modification indices against `reference/hs_cfa_mi.json` (lavaan 0.6.14 `modindices(fit)`).
use sem::{Data, DataFrame, FitOptions, Sem};
use serde_json::Value;
use std::path::PathBuf;

fn read(rel: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reference");
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

fn hs_fit_with(opts: FitOptions) -> sem::Fit {
    let frame = DataFrame::from_csv_str(&read("data/HolzingerSwineford1939.csv"), "hs.csv").unwrap();
    Sem::new(&read("models/hs_cfa.lav")).unwrap().fit(&Data::Frame(&frame), &opts).unwrap()
}

fn hs_fit(modindices: bool) -> sem::Fit {
    hs_fit_with(FitOptions { modindices, ..Default::default() })
}

fn compare(reference: &str, fit: &sem::Fit) {
    compare_rows(reference, fit, &|_| true);
}

/// [`compare`] on the reference rows that `keep` accepts (the count is of those rows too).
fn compare_rows(reference: &str, fit: &sem::Fit, keep: &dyn Fn(&Value) -> bool) {
    let reference: Value = serde_json::from_str(&read(reference)).unwrap();
    let want: Vec<&Value> = reference["modindices"].as_array().unwrap().iter().filter(|w| keep(w)).collect();
    let ours =
        fit.modindices.iter().filter(|m| keep(&serde_json::json!({"lhs": m.lhs, "op": m.op, "rhs": m.rhs}))).count();
    assert_eq!(ours, want.len(), "number of modification indices");
    let mut failures = Vec::new();
    for w in want {
        let (lhs, op, rhs) = (w["lhs"].as_str().unwrap(), w["op"].as_str().unwrap(), w["rhs"].as_str().unwrap());
        let g = w.get("group").and_then(|v| v.as_u64()).unwrap_or(1) as usize;
        let Some(o) = fit.modindices.iter().find(|m| m.lhs == lhs && m.op == op && m.rhs == rhs && m.group == g) else {
            failures.push(format!("missing {lhs} {op} {rhs}"));
            continue;
        };
        for (col, got) in
            [("mi", o.mi), ("epc", o.epc), ("sepc.lv", o.sepc_lv), ("sepc.all", o.sepc_all), ("sepc.nox", o.sepc_nox)]
        {
            // lavaan leaves some standardised EPCs of the covariates' own rows undefined (NA)
            let Some(want) = w[col].as_f64() else { continue };
            // est/se accuracy of the engine (1e-4), relative for values above 1
            if (want - got).abs() > 1e-4 * want.abs().max(1.0) {
                failures.push(format!("{lhs} {op} {rhs} {col}: lavaan {want} entente {got}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hs_cfa_modindices_match_lavaan() {
    let fit = hs_fit(true);
    compare("hs_cfa_mi.json", &fit);
    // sorted, largest first: lavaan's largest is `visual =~ x9` (36.411)
    assert!(fit.modindices.windows(2).all(|w| w[0].mi >= w[1].mi));
    assert_eq!((fit.modindices[0].lhs.as_str(), fit.modindices[0].rhs.as_str()), ("visual", "x9"));
}

#[test]
fn modindices_are_off_by_default() {
    assert!(hs_fit(false).modindices.is_empty());
}

#[test]
fn two_group_modindices_with_equal_loadings_match_lavaan() {
    let fit = hs_fit_with(FitOptions {
        modindices: true,
        group: Some("school".into()),
        group_equal: vec![sem::GroupEqual::Loadings],
        ..Default::default()
    });
    compare("hs_inv_metric_mi.json", &fit);
}

/// Modification indices of a MIMIC model with fixed exogenous covariates (`hs_mimic_mi.json`):
/// all 83 rows of lavaan, including `covariate ~ factor` (largest `grade ~ textual`, 59.0, and
/// `ageyr ~ visual`, 52.16: the information gives the covariates' own moments no weight) and the
/// covariates' variances, covariances and regressions among themselves (numerically zero).
#[test]
fn mimic_fixed_x_modindices_match_lavaan() {
    let frame = DataFrame::from_csv_str(&read("data/HolzingerSwineford1939.csv"), "hs.csv").unwrap();
    let opts = FitOptions { modindices: true, ..Default::default() };
    let fit = Sem::new(&read("models/hs_mimic.lav")).unwrap().fit(&Data::Frame(&frame), &opts).unwrap();
    compare("hs_mimic_mi.json", &fit);
    let row = fit.modindices.iter().find(|m| m.lhs == "ageyr" && m.op == "~" && m.rhs == "visual").unwrap();
    assert!((row.mi - 52.158).abs() < 1e-3, "{}", row.mi);
    assert!(!fit.warnings.iter().any(|w| w.contains("fixed.x")), "{:?}", fit.warnings);
}

/// Modification indices under FIML (`hs_cfa_fiml_mi.json`, lavaan's `modindices()` with
/// `missing = "ml"`): the gradient of the casewise likelihood and the expected information under
/// missing data, every one of lavaan's 54 rows (loadings, residual covariances, factor means).
#[test]
fn fiml_modindices_match_lavaan() {
    let frame = DataFrame::from_csv_str(&read("data/hs_missing.csv"), "hs_missing.csv").unwrap();
    let opts = FitOptions { modindices: true, missing: sem::Missing::Ml, ..Default::default() };
    let fit = Sem::new(&read("models/hs_cfa.lav")).unwrap().fit(&Data::Frame(&frame), &opts).unwrap();
    compare("hs_cfa_fiml_mi.json", &fit);
    assert_eq!((fit.modindices[0].lhs.as_str(), fit.modindices[0].rhs.as_str()), ("visual", "x9"));
}
