//! Ordinal indicators (WLSMV, WLS, ULSMV; delta and theta) against lavaan 0.6.14 references
//! `reference/hs_ord_*.json`: est, se and std.all within 1e-4 (relative above 1), every fit
//! measure the engine reports that lavaan has within 1e-4 relative.
use sem::{Data, DataFrame, Estimator, FitOptions, Parameterization, Sem};
use serde_json::Value;
use std::path::PathBuf;

fn read(rel: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reference").join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

fn ordered(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

const U9: &[&str] = &["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"];

fn check(name: &str, model: &str, data: &str, opts: FitOptions) -> sem::Fit {
    let reference: Value = serde_json::from_str(&read(&format!("{name}.json"))).unwrap();
    let frame = DataFrame::from_csv_str(&read(&format!("data/{data}")), data).unwrap();
    let fit = Sem::new(&read(&format!("models/{model}"))).unwrap().fit(&Data::Frame(&frame), &opts).unwrap();
    let tol = 1e-4;
    let mut failures = Vec::new();
    let key = |lhs: &str, op: &str, rhs: &str, g: u64| format!("{lhs} {op} {rhs} (group {g})");
    let ours: std::collections::HashMap<String, &sem::ParamRow> =
        fit.parameters.iter().map(|r| (key(&r.lhs, &r.op, &r.rhs, r.group.max(1) as u64), r)).collect();
    let rows = reference["parameters"].as_array().unwrap();
    assert_eq!(ours.len(), rows.len(), "{name}: number of parameter rows");
    for r in rows {
        let g = r["group"].as_u64().unwrap_or(1);
        let k = key(r["lhs"].as_str().unwrap(), r["op"].as_str().unwrap(), r["rhs"].as_str().unwrap(), g);
        let Some(o) = ours.get(&k) else {
            failures.push(format!("row missing: {k}"));
            continue;
        };
        if let Some(free) = r["free"].as_bool() {
            if free != o.free {
                failures.push(format!("{k}: free {} vs lavaan {free}", o.free));
            }
        }
        for (col, got) in [("est", o.est), ("se", o.se), ("std.all", o.std_all)] {
            let Some(want) = r[col].as_f64() else { continue };
            let ok = (want - got).abs() <= tol * want.abs().max(1.0);
            if !ok {
                failures.push(format!("{k} {col}: lavaan {want} entente {got}"));
            }
        }
    }
    let mut compared = 0;
    for (m, got) in &fit.fit_measures {
        let Some(want) = reference["fit_measures"][m].as_f64() else { continue };
        compared += 1;
        let ok = (want - got).abs() <= (tol * want.abs().max(1e-2)).max(1e-6);
        if !ok {
            failures.push(format!("fit measure {m}: lavaan {want} entente {got}"));
        }
    }
    assert!(compared >= 10, "{name}: only {compared} fit measures compared");
    assert!(failures.is_empty(), "{name}: {} deviations from lavaan:\n{}", failures.len(), failures.join("\n"));
    fit
}

#[test]
fn cfa_five_point_items_wlsmv() {
    let opts = FitOptions { ordered: ordered(U9), ..Default::default() };
    let fit = check("hs_ord_cfa_wlsmv", "hs_ord_cfa.lav", "hs_ordinal.csv", opts);
    assert_eq!(fit.estimator, "DWLS");
    assert!(fit.measure("chisq.scaled").is_some());
    // lavaan's catML-based robust measures are among those compared
    for m in ["cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.upper.robust"] {
        assert!(fit.measure(m).is_some(), "{m}");
    }
}

#[test]
fn sem_with_latent_regressions_wlsmv() {
    let opts = FitOptions { ordered: ordered(U9), ..Default::default() };
    check("hs_ord_sem_wlsmv", "hs_ord_sem.lav", "hs_ordinal.csv", opts);
}

#[test]
fn sparse_item_with_empty_cells_wlsmv() {
    let opts =
        FitOptions { ordered: ordered(&["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9s"]), ..Default::default() };
    check("hs_ord_sparse_wlsmv", "hs_ord_sparse.lav", "hs_ordinal.csv", opts);
}

#[test]
fn binary_items_with_empty_2x2_cells_wlsmv() {
    // three 2 x 2 tables have one empty cell: lavaan's zero.add = 0.5 with margins kept
    let b: Vec<String> = (1..=9).map(|i| format!("b{i}")).collect();
    let opts = FitOptions { ordered: b, ..Default::default() };
    let fit = check("hs_bin_cfa_wlsmv", "hs_bin_cfa.lav", "hs_binary.csv", opts);
    assert!(fit.warnings.iter().all(|w| !w.contains("empty cell")), "{:?}", fit.warnings);
}

#[test]
fn binary_pair_with_two_empty_cells_wlsmv() {
    // b10 is b9 reversed: lavaan sets their tetrachoric correlation to -1, which the residual
    // covariance b9 ~~ b10 reproduces
    let b: Vec<String> = (1..=10).map(|i| format!("b{i}")).collect();
    let opts = FitOptions { ordered: b, ..Default::default() };
    let fit = check("hs_bin_perfect_wlsmv", "hs_bin_perfect.lav", "hs_binary_perfect.csv", opts);
    assert!(fit.warnings.iter().any(|w| w.contains("`b9` and `b10`") && w.contains("-1")), "{:?}", fit.warnings);
}

#[test]
fn equality_constraints_shared_label_and_explicit_wlsmv() {
    // a*u2 + a*u3 share one parameter; b == c is a linear constraint (x = K z + x0)
    let opts = FitOptions { ordered: ordered(U9), ..Default::default() };
    let fit = check("hs_ord_eq_wlsmv", "hs_ord_eq.lav", "hs_ordinal.csv", opts);
    let est = |rhs: &str| fit.parameters.iter().find(|r| r.op == "=~" && r.rhs == rhs).unwrap().est;
    assert!((est("u5") - est("u6")).abs() < 1e-10);
    assert_eq!(fit.measure("df"), Some(26.0));
}

#[test]
fn inequality_constraints_and_threshold_labels_with_ordered_items_are_refused() {
    let frame = DataFrame::from_csv_str(&read("data/hs_ordinal.csv"), "hs_ordinal.csv").unwrap();
    let opts = FitOptions { ordered: ordered(U9), ..Default::default() };
    let base = "visual =~ u1 + a*u2 + b*u3\ntextual =~ u4 + u5 + u6\nspeed =~ u7 + u8 + u9\n";
    for (extra, want) in
        [("a > 0.5\n", "inequality constraints (`a > 0.5`)"), ("u1 | h*t1 + t2 + t3 + t4\n", "labels on thresholds")]
    {
        let e = Sem::new(&format!("{base}{extra}")).unwrap().fit(&Data::Frame(&frame), &opts).unwrap_err();
        assert!(e.to_string().contains(want), "{e}");
    }
}

#[test]
fn two_groups_configural_wlsmv() {
    // lavaan's default for ordered data in several groups: thresholds free in every group,
    // scale factors 1, latent means 0 (nothing shared: each group fits on its own)
    let opts = FitOptions { ordered: ordered(U9), group: Some("school".into()), ..Default::default() };
    let fit = check("hs_ord_school_wlsmv", "hs_ord_school.lav", "hs_ordinal_school.csv", opts);
    assert_eq!(fit.nobs, vec![156, 145]);
    assert_eq!(fit.group_labels, vec!["Pasteur".to_string(), "Grant-White".to_string()]);
    for m in ["chisq.scaled", "cfi.robust", "rmsea.robust", "srmr", "wrmr"] {
        assert!(fit.measure(m).is_some(), "{m} missing");
    }
}

#[test]
fn two_groups_wls_and_ulsmv() {
    for (name, estimator) in [("hs_ord_school_wls", Estimator::Wls), ("hs_ord_school_ulsmv", Estimator::Ulsmv)] {
        let opts = FitOptions { ordered: ordered(U9), group: Some("school".into()), estimator, ..Default::default() };
        check(name, "hs_ord_school.lav", "hs_ordinal_school.csv", opts);
    }
}

#[test]
fn group_equal_with_ordered_items_is_refused() {
    let frame = DataFrame::from_csv_str(&read("data/hs_ordinal_school.csv"), "school.csv").unwrap();
    let opts = FitOptions {
        ordered: ordered(U9),
        group: Some("school".into()),
        group_equal: vec![sem::GroupEqual::Loadings],
        ..Default::default()
    };
    let e = Sem::new(&read("models/hs_ord_school.lav")).unwrap().fit(&Data::Frame(&frame), &opts).unwrap_err();
    assert!(e.to_string().contains("group.equal and group.partial are not supported"), "{e}");
}

#[test]
fn mixed_ordinal_and_continuous_indicators_wlsmv() {
    let opts = FitOptions { ordered: ordered(&["u1", "u2", "u3", "u7", "u8", "u9s"]), ..Default::default() };
    let fit = check("hs_ord_mixed_wlsmv", "hs_ord_mixed.lav", "hs_ordinal.csv", opts);
    // as in lavaan, no catML robust measures with continuous indicators
    assert!(fit.measure("cfi.robust").is_none() && fit.measure("rmsea.robust").is_none());
}

#[test]
fn theta_parameterization() {
    let opts = FitOptions { ordered: ordered(U9), parameterization: Parameterization::Theta, ..Default::default() };
    check("hs_ord_cfa_theta", "hs_ord_cfa.lav", "hs_ordinal.csv", opts);
}

#[test]
fn wls_full_weight_matrix() {
    let opts = FitOptions { ordered: ordered(U9), estimator: Estimator::Wls, ..Default::default() };
    check("hs_ord_cfa_wls", "hs_ord_cfa.lav", "hs_ordinal.csv", opts);
}

#[test]
fn ulsmv() {
    let opts = FitOptions { ordered: ordered(U9), estimator: Estimator::Ulsmv, ..Default::default() };
    check("hs_ord_cfa_ulsmv", "hs_ord_cfa.lav", "hs_ordinal.csv", opts);
}

#[test]
fn alliance39_eleven_factors_wlsmv() {
    let names: Vec<String> = Sem::new(&read("models/alliance39.lav")).unwrap().observed_variables();
    let opts = FitOptions { ordered: names, ..Default::default() };
    let t = std::time::Instant::now();
    let fit = check("alliance39_ord_wlsmv", "alliance39.lav", "alliance39_likert.csv", opts);
    eprintln!("alliance39 WLSMV: {:.1} ms; {:?}", t.elapsed().as_secs_f64() * 1e3, fit.timing);
}
