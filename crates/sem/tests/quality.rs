//! Measurement quality against semTools 0.5.6 (`reference/hs_cfa_quality.json`, made by
//! `reference/R/quality_reference.R`).
use sem::{Data, DataFrame, FitOptions, Sem};
use serde_json::Value;
use std::path::PathBuf;

fn read(rel: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reference");
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

#[test]
fn hs_cfa_quality_matches_semtools() {
    let frame = DataFrame::from_csv_str(&read("data/HolzingerSwineford1939.csv"), "hs.csv").unwrap();
    let fit = Sem::new(&read("models/hs_cfa.lav")).unwrap().fit(&Data::Frame(&frame), &FitOptions::default()).unwrap();
    let q = sem::quality::quality(&fit, 0).unwrap();
    let want: Value = serde_json::from_str(&read("hs_cfa_quality.json")).unwrap();
    let names: Vec<&str> = want["factors"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(q.factors.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), names);
    let mut failures = Vec::new();
    // 1e-4: the accuracy of the estimates these are computed from
    let mut chk = |what: String, w: f64, g: f64| {
        if (w - g).abs() > 1e-4 {
            failures.push(format!("{what}: semTools {w} entente {g}"));
        }
    };
    for (a, f) in q.factors.iter().enumerate() {
        chk(format!("{} alpha", f.name), want["alpha"][&f.name].as_f64().unwrap(), f.alpha);
        chk(format!("{} omega", f.name), want["omega"][&f.name].as_f64().unwrap(), f.omega);
        chk(format!("{} ave", f.name), want["ave"][&f.name].as_f64().unwrap(), f.ave);
        for b in 0..names.len() {
            chk(format!("htmt {a},{b}"), want["htmt"][a][b].as_f64().unwrap(), q.htmt[(a, b)]);
            chk(format!("cor.lv {a},{b}"), want["cor_lv"][a][b].as_f64().unwrap(), q.cor_lv[(a, b)]);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // visual: AVE 0.371, sqrt 0.609 > its correlations 0.459 and 0.471
    assert!(q.factors.iter().all(|f| f.fornell_larcker));
}

#[test]
fn cross_loadings_leave_ave_undefined() {
    let frame = DataFrame::from_csv_str(&read("data/HolzingerSwineford1939.csv"), "hs.csv").unwrap();
    let model = "visual =~ x1 + x2 + x3 + x9\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9";
    let fit = Sem::new(model).unwrap().fit(&Data::Frame(&frame), &FitOptions::default()).unwrap();
    let q = sem::quality::quality(&fit, 0).unwrap();
    assert!(q.factors[0].ave.is_nan() && !q.factors[0].fornell_larcker);
    assert!(q.factors[1].ave.is_finite());
}
