//! Model comparison against lavaan 0.6.14: `lavTestLRT` of the invariance ladder
//! (`reference/hs_inv_lrt.json`) and the fit measures of each step (`hs_inv_*.json`).
use sem::compare::{invariance, lrt, CompareError};
use sem::{Data, DataFrame, FitOptions, GroupEqual, Sem, SemError};
use serde_json::Value;
use std::path::PathBuf;

fn read(rel: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reference");
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

fn hs() -> DataFrame {
    DataFrame::from_csv_str(&read("data/HolzingerSwineford1939.csv"), "hs.csv").unwrap()
}

/// Relative 1e-4 (the promised accuracy of test statistics), absolute below 1.
fn close(want: f64, got: f64) -> bool {
    (want - got).abs() <= 1e-4 * want.abs().max(1.0)
}

fn opt(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn invariance_ladder_matches_lavaan() {
    let sem = Sem::new(&read("models/hs_cfa.lav")).unwrap();
    let frame = hs();
    let rows = invariance(&sem, &Data::Frame(&frame), "school", &FitOptions::default()).unwrap();
    let lrt_ref: Value = serde_json::from_str(&read("hs_inv_lrt.json")).unwrap();
    let table = lrt_ref["table"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let mut failures = Vec::new();
    for (row, (want, file)) in
        rows.iter().zip(table.iter().zip(["hs_inv_configural", "hs_inv_metric", "hs_inv_scalar", "hs_inv_strict"]))
    {
        assert_eq!(row.step, want["model"].as_str().unwrap());
        let fm: Value = serde_json::from_str(&read(&format!("{file}.json"))).unwrap();
        let fm = &fm["fit_measures"];
        for (name, got, w) in [
            ("chisq", row.chisq, opt(&want["Chisq"])),
            ("df", row.df, opt(&want["Df"])),
            ("aic", row.aic, opt(&want["AIC"])),
            ("bic", row.bic, opt(&want["BIC"])),
            ("cfi", row.cfi, opt(&fm["cfi"])),
            ("rmsea", row.rmsea, opt(&fm["rmsea"])),
            ("srmr", row.srmr, opt(&fm["srmr"])),
            ("chisq diff", row.lrt.map_or(f64::NAN, |l| l.0), opt(&want["Chisq diff"])),
            ("df diff", row.lrt.map_or(f64::NAN, |l| l.1), opt(&want["Df diff"])),
            ("p diff", row.lrt.map_or(f64::NAN, |l| l.2), opt(&want["Pr(>Chisq)"])),
            ("rmsea diff", row.lrt.map_or(f64::NAN, |l| l.3), opt(&want["RMSEA"])),
        ] {
            match w {
                Some(w) if !close(w, got) => failures.push(format!("{} {name}: lavaan {w} entente {got}", row.step)),
                None if !got.is_nan() => failures.push(format!("{} {name}: lavaan has none, entente {got}", row.step)),
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The scalar step loses more than 0.01 of CFI in these data (0.923 -> 0.882).
    let scalar = &rows[2];
    assert!(scalar.delta_cfi.unwrap() < -0.01 && scalar.flag_cfi);
    assert!(!rows[1].flag_cfi, "metric invariance holds by the CFI rule");
    assert!(!rows[0].flag_cfi && rows[0].delta_cfi.is_none());
}

#[test]
fn lrt_sorts_by_df_and_refuses_unnested_models() {
    let frame = hs();
    let sem = Sem::new(&read("models/hs_cfa.lav")).unwrap();
    let fit = |eq: &[GroupEqual]| {
        let o = FitOptions { group: Some("school".into()), group_equal: eq.to_vec(), ..Default::default() };
        sem.fit(&Data::Frame(&frame), &o).unwrap()
    };
    let (conf, metric) = (fit(&[]), fit(&[GroupEqual::Loadings]));
    let rows = lrt(&[("metric".into(), &metric), ("configural".into(), &conf)]).unwrap();
    assert_eq!(rows[0].name, "configural");
    assert!(close(8.19220030443354, rows[1].chisq_diff.unwrap()));
    // Same df: neither restricts the other.
    let e = lrt(&[("a".into(), &conf), ("b".into(), &conf)]).unwrap_err();
    assert!(matches!(e, CompareError::NotNested { .. }), "{e}");
    // A one-factor model of x1-x3 uses other variables than the three-factor model.
    let small = Sem::new("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6").unwrap();
    let small = small.fit(&Data::Frame(&frame), &FitOptions::default()).unwrap();
    let single = sem.fit(&Data::Frame(&frame), &FitOptions::default()).unwrap();
    let e = lrt(&[("small".into(), &small), ("full".into(), &single)]).unwrap_err();
    assert!(e.to_string().contains("`x7`"), "{e}");
    assert!(lrt(&[("one".into(), &single)]).is_err());
}

#[test]
fn invariance_needs_two_groups() {
    let sem = Sem::new(&read("models/hs_cfa.lav")).unwrap();
    // Only the Pasteur school: one group.
    let text = read("data/HolzingerSwineford1939.csv");
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let one: Vec<&str> = lines.filter(|l| l.contains("Pasteur")).collect();
    let frame = DataFrame::from_csv_str(&format!("{header}\n{}", one.join("\n")), "pasteur.csv").unwrap();
    let e = invariance(&sem, &Data::Frame(&frame), "school", &FitOptions::default()).unwrap_err();
    assert!(matches!(e, SemError::Data(_)), "{e}");
    assert!(e.to_string().contains("at least 2"), "{e}");
}

#[test]
fn satorra_bentler_2001_difference_matches_lavaan() {
    let frame = DataFrame::from_csv_str(&read("data/alliance39_likert.csv"), "likert.csv").unwrap();
    let opts = FitOptions { estimator: sem::Estimator::Mlr, ..Default::default() };
    let full = Sem::new(&read("models/alliance39.lav")).unwrap().fit(&Data::Frame(&frame), &opts).unwrap();
    let partial = Sem::new(&read("models/alliance39_partial.lav")).unwrap().fit(&Data::Frame(&frame), &opts).unwrap();
    let rows = lrt(&[("full".into(), &full), ("partial".into(), &partial)]).unwrap();
    let want: Value = serde_json::from_str(&read("alliance39_likert_lrt_mlr.json")).unwrap();
    let w = &want["table"][1];
    assert_eq!(rows[1].name, "full");
    assert!(close(w["Chisq diff"].as_f64().unwrap(), rows[1].chisq_diff.unwrap()), "{:?}", rows[1]);
    assert!(close(w["Pr(>Chisq)"].as_f64().unwrap(), rows[1].pvalue_diff.unwrap()), "{:?}", rows[1]);
    assert!(rows[1].rmsea_diff.is_none());
    // A scaled and an unscaled fit cannot be compared.
    let plain =
        Sem::new(&read("models/alliance39.lav")).unwrap().fit(&Data::Frame(&frame), &FitOptions::default()).unwrap();
    assert!(lrt(&[("plain".into(), &plain), ("partial".into(), &partial)]).is_err());
}

#[test]
fn invariance_under_mlr_uses_scaled_differences() {
    let sem = Sem::new(&read("models/hs_cfa.lav")).unwrap();
    let frame = hs();
    let opts = FitOptions { estimator: sem::Estimator::Mlr, ..Default::default() };
    let ml = invariance(&sem, &Data::Frame(&frame), "school", &FitOptions::default()).unwrap();
    let rows = invariance(&sem, &Data::Frame(&frame), "school", &opts).unwrap();
    for (r, p) in rows.iter().zip(&ml).skip(1) {
        let (d, ddf, pv, rm) = r.lrt.unwrap();
        // same df, a different (scaled) difference, no RMSEA of the difference
        assert!((ddf - p.lrt.unwrap().1).abs() < 1e-12);
        assert!((d - p.lrt.unwrap().0).abs() > 1e-3 && d > 0.0, "{} {d}", r.step);
        assert!((0.0..=1.0).contains(&pv) && rm.is_nan());
    }
}
