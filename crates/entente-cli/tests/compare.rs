//! `entente compare`: likelihood-ratio test of nested models, refusal of unnested ones.
use crate::util::{entente, repo, stderr, stdout, temp_file};
use serde_json::Value;

const HS: &str = "reference/data/HolzingerSwineford1939.csv";

#[test]
fn nested_models_in_either_order() {
    let full = repo("reference/models/hs_cfa.lav");
    // The orthogonal CFA restricts the three factor covariances to zero.
    let orth = temp_file(
        "hs_orth.lav",
        "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nvisual ~~ 0*textual + 0*speed\ntextual ~~ 0*speed\n",
    );
    let o = entente(&["compare", &orth, &full, "--data", &repo(HS), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let t = out["table"].as_array().unwrap();
    assert_eq!(t[0]["model"], "hs_cfa.lav");
    assert_eq!(t[1]["Df diff"].as_f64(), Some(3.0));
    assert!(t[0]["Chisq diff"].is_null());
    let d = t[1]["Chisq diff"].as_f64().unwrap();
    let chisq = |r: &Value| r["Chisq"].as_f64().unwrap();
    assert!((d - (chisq(&t[1]) - chisq(&t[0]))).abs() < 1e-9 && d > 0.0);
    let text = stdout(&entente(&["compare", &full, &orth, "--data", &repo(HS)]));
    assert!(text.starts_with("Chi-Squared Difference Test"), "{text}");
}

#[test]
fn unnested_models_are_refused() {
    let full = repo("reference/models/hs_cfa.lav");
    let o = entente(&["compare", &full, &full, "--data", &repo(HS)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not nested"), "{}", stderr(&o));
    let other = temp_file("hs_two.lav", "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n");
    let o = entente(&["compare", &full, &other, "--data", &repo(HS)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not fitted to the same data"), "{}", stderr(&o));
    let o = entente(&["compare", &full, "--data", &repo(HS)]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn mlr_models_get_the_scaled_difference() {
    let o = entente(&[
        "compare",
        &repo("reference/models/alliance39.lav"),
        &repo("reference/models/alliance39_partial.lav"),
        "--data",
        &repo("reference/data/alliance39_likert.csv"),
        "--estimator",
        "mlr",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(out["heading"].as_str().unwrap().contains("satorra.bentler.2001"));
    // lavaan 0.6.14 lavTestLRT: 0.5934 on 2 df
    let d = out["table"][1]["Chisq diff"].as_f64().unwrap();
    assert!((d - 0.593416266302711).abs() < 1e-4, "{d}");
}
