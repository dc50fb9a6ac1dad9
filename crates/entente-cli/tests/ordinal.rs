//! `entente fit --ordered`: WLSMV output against lavaan, and bad ordinal input.
use crate::util::{entente, repo, stderr, stdout, temp_file};
use serde_json::Value;

const DATA: &str = "reference/data/hs_ordinal.csv";
const CFA: &str = "reference/models/hs_ord_cfa.lav";

#[test]
fn ordered_all_json_matches_lavaan_wlsmv() {
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(DATA), "--ordered", "all", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("reference/hs_ord_cfa_wlsmv.json")).unwrap()).unwrap();
    for m in ["chisq", "chisq.scaled", "cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr"] {
        let (a, b) = (out["fit_measures"][m].as_f64().unwrap(), want["fit_measures"][m].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-4 * b.abs(), "{m}: {a} vs lavaan {b}");
    }
    let th = out["parameters"].as_array().unwrap().iter().filter(|r| r["op"] == "|").count();
    assert_eq!(th, 36, "nine items with four thresholds each");
}

#[test]
fn text_summary_lists_thresholds_and_the_scaled_test() {
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(DATA), "--ordered", "u1,u2,u3,u4,u5,u6,u7,u8,u9"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Thresholds:") && out.contains("u1|t1"), "{out}");
    assert!(out.contains("Scaled-shifted"), "{out}");
    assert!(!out.contains("Loglikelihood"), "no likelihood under DWLS");
}

#[test]
fn theta_and_ulsmv_run_from_the_command_line() {
    for extra in [["--parameterization", "theta"], ["--estimator", "ulsmv"]] {
        let mut args = vec!["fit", "--model", CFA, "--data", DATA, "--ordered", "all", "--format", "json"];
        args.extend(extra);
        let args: Vec<String> =
            args.iter().map(|a| if a.starts_with("reference/") { repo(a) } else { a.to_string() }).collect();
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let o = entente(&args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
}

/// A CSV with a three-item factor whose third item is `col`.
fn csv_with(col: &[&str]) -> String {
    let mut s = String::from("a,b,c\n");
    let a = [1, 2, 3, 2, 1, 3, 2, 3, 1, 2, 3, 3, 2, 1, 2, 3, 1, 2, 2, 3];
    let b = [1, 2, 3, 3, 1, 2, 2, 3, 1, 1, 3, 2, 2, 1, 3, 3, 2, 2, 1, 3];
    for i in 0..a.len() {
        s.push_str(&format!("{},{},{}\n", a[i], b[i], col[i % col.len()]));
    }
    s
}

fn bad(name: &str, col: &[&str]) -> (i32, String) {
    let data = temp_file(name, &csv_with(col));
    let model = temp_file(&format!("{name}.lav"), "f =~ a + b + c\n");
    let o = entente(&["fit", "--model", &model, "--data", &data, "--ordered", "all"]);
    (o.status.code().unwrap_or(-1), stderr(&o))
}

#[test]
fn one_observed_category_is_refused() {
    let (code, err) = bad("one_cat.csv", &["4"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`c` has only one observed category (4)"), "{err}");
}

#[test]
fn more_than_twenty_categories_are_refused() {
    let vals: Vec<String> = (1..=21).map(|v| v.to_string()).collect();
    let mut s = String::from("a,b,c\n");
    for (i, v) in vals.iter().enumerate() {
        s.push_str(&format!("{},{},{v}\n", 1 + i % 3, 1 + (i / 2) % 3));
    }
    let data = temp_file("many.csv", &s);
    let model = temp_file("many.lav", "f =~ a + b + c\n");
    let o = entente(&["fit", "--model", &model, "--data", &data, "--ordered", "c"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("`c` has 21 categories (at most 20"), "{err}");
}

#[test]
fn non_integer_codes_are_refused() {
    let (code, err) = bad("frac.csv", &["1", "2", "2.5", "3"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`c` has the value 2.5, which is not a whole number"), "{err}");
}

#[test]
fn a_category_observed_once_is_a_warning() {
    // category 1 occurs once
    let col = ["1", "2", "3", "2", "3", "2", "3", "3", "2", "2", "3", "3", "2", "2", "2", "3", "2", "2", "2", "3"];
    let (code, err) = bad("once.csv", &col);
    assert!(err.contains("Category 1 of `c` is observed once"), "exit {code}: {err}");
}

#[test]
fn ordered_name_outside_the_model_is_refused() {
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(DATA), "--ordered", "u1,zz"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`zz` is not an observed variable of the model"), "{}", stderr(&o));
}

#[test]
fn bootstrap_and_modindices_with_ordered_items_are_refused_as_usage_errors() {
    for (extra, want) in [
        (vec!["--se", "bootstrap", "--bootstrap", "50"], "--se bootstrap is not available with --ordered"),
        (vec!["--modindices"], "--modindices is not available with --ordered"),
    ] {
        let (model, data) = (repo(CFA), repo(DATA));
        let mut args = vec!["fit", "--model", &model, "--data", &data, "--ordered", "all"];
        args.extend(extra);
        let o = entente(&args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
        assert!(stdout(&o).is_empty(), "no estimates printed");
    }
}

/// Two factors of three 4-point items each (y* variances 1), the second regressed on the first.
fn ordinal_population(b: f64) -> String {
    format!(
        "f1 =~ 0.7*u1 + 0.7*u2 + 0.7*u3\nf2 =~ 0.7*u4 + 0.7*u5 + 0.7*u6\nf2 ~ {b}*f1\nf1 ~~ 1*f1\nf2 ~~ {}*f2\n\
         u1 ~~ 0.51*u1\nu2 ~~ 0.51*u2\nu3 ~~ 0.51*u3\nu4 ~~ 0.51*u4\nu5 ~~ 0.51*u5\nu6 ~~ 0.51*u6\n",
        1.0 - b * b
    )
}

fn ordinal_power(b: f64, name: &str) -> serde_json::Value {
    let pop = temp_file(&format!("{name}_pop.lav"), &ordinal_population(b));
    let fit = temp_file(&format!("{name}_fit.lav"), "f1 =~ u1 + u2 + u3\nf2 =~ u4 + u5 + u6\nf2 ~ f1\n");
    let o = entente(&[
        "power",
        "--population",
        &pop,
        "--model",
        &fit,
        "--n",
        "250",
        "--reps",
        "80",
        "--likert=-1,0,1",
        "--ordered",
        "--format",
        "json",
        "--seed",
        "7",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn row<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v[0]["params"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()
}

#[test]
fn ordinal_power_of_a_large_effect_is_near_one_and_of_a_zero_effect_near_alpha() {
    let big = ordinal_power(0.6, "opb");
    assert!(big[0]["convergence_rate"].as_f64().unwrap() > 0.99, "{big}");
    let r = row(&big, "f2 ~ f1");
    assert!(r["power"].as_f64().unwrap() > 0.97, "{r}");
    // WLSMV on the ordered answers recovers the latent slope (ML on the codes would not)
    assert!((r["mean_est"].as_f64().unwrap() - 0.6).abs() < 0.05, "{r}");
    // residual variances of ordered items are computed under delta: no estimate to test
    let rv = row(&big, "u1 ~~ u1");
    assert!(!rv["power"].as_f64().is_some_and(f64::is_finite), "{rv}");
    assert!(!rv["coverage"].as_f64().is_some_and(f64::is_finite), "{rv}");
    assert!(!rv["mean_est"].as_f64().is_some_and(f64::is_finite), "{rv}");
    let zero = ordinal_power(0.0, "opz");
    let r = row(&zero, "f2 ~ f1");
    // 80 replications: the rejection rate of a true null stays within 0.05 + 3 binomial SDs
    let bound = 0.05 + 3.0 * (0.05f64 * 0.95 / 80.0).sqrt();
    assert!(r["power"].as_f64().unwrap() <= bound, "{r}");
    assert!(r["mean_est"].as_f64().unwrap().abs() < 0.05, "{r}");
    // the model holds: the scaled test rejects about as often as alpha
    assert!(zero[0]["chisq_rejection"].as_f64().unwrap() <= bound, "{zero}");
}

#[test]
fn ordinal_power_without_cut_points_is_a_usage_error() {
    let pop = temp_file("opu_pop.lav", &ordinal_population(0.3));
    let fit = temp_file("opu_fit.lav", "f1 =~ u1 + u2 + u3\nf2 =~ u4 + u5 + u6\nf2 ~ f1\n");
    let o = entente(&["power", "--population", &pop, "--model", &fit, "--n", "100", "--reps", "5", "--ordered"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("`--ordered` needs `--likert`"), "{}", stderr(&o));
}

#[test]
fn study_run_ordinal_fits_wlsmv_with_scaled_fit_and_other_estimates_than_ml() {
    let dir = std::env::temp_dir().join(format!("entente-cli-ord-study-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().expect("utf8");
    assert!(entente(&["study", "init", d]).status.success());
    let o = entente(&["study", "simulate", d, "--n", "400", "--seed", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let data = dir.join("data/simulated.csv");
    let data = data.to_str().expect("utf8");
    let report = |extra: &[&str], out: &str| -> Value {
        let out = dir.join(out);
        let mut args = vec!["study", "run", d, "--data", data, "--draws", "0", "--no-moderators", "-o"];
        args.push(out.to_str().expect("utf8"));
        args.extend(extra);
        let o = entente(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("report")).expect("json")
    };
    let ml = report(&[], "ml");
    let ord = report(&["--ordinal"], "ord");
    let full = &ord["full"];
    assert_eq!(full["estimator"], "DWLS", "{full}");
    assert_eq!(ord["cfa"]["fit"]["estimator"], "DWLS");
    for m in ["chisq_scaled", "pvalue_scaled", "cfi", "tli", "rmsea"] {
        let v = full[m].as_f64().unwrap_or(f64::NAN);
        assert!(v.is_finite(), "{m}: {full}");
    }
    assert!(full["cfi"].as_f64().unwrap() > 0.9 && full["cfi"].as_f64().unwrap() <= 1.0, "{full}");
    // the same propositions, estimated from polychoric correlations rather than the codes
    let (a, b) = (ml["propositions"].as_array().unwrap(), ord["propositions"].as_array().unwrap());
    assert_eq!(a.len(), b.len());
    let differ = a.iter().zip(b).filter(|(x, y)| {
        let (x, y) = (x["std"].as_f64().unwrap_or(f64::NAN), y["std"].as_f64().unwrap_or(f64::NAN));
        x.is_finite() && y.is_finite() && (x - y).abs() > 1e-3
    });
    assert!(differ.count() >= a.len() / 2, "ML {a:?}\nWLSMV {b:?}");
    let problems = ord["problems"].to_string();
    assert!(problems.contains("likelihood-ratio"), "{problems}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn perfectly_associated_binary_pair_is_set_to_minus_one_with_a_warning() {
    let b: Vec<String> = (1..=10).map(|i| format!("b{i}")).collect();
    let o = entente(&[
        "fit",
        "--model",
        &repo("reference/models/hs_bin_perfect.lav"),
        "--data",
        &repo("reference/data/hs_binary_perfect.csv"),
        "--ordered",
        &b.join(","),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("`b9` and `b10` has two empty cells"), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("reference/hs_bin_perfect_wlsmv.json")).unwrap()).unwrap();
    for m in ["chisq", "chisq.scaled", "cfi.scaled", "rmsea.scaled"] {
        let (a, b) = (out["fit_measures"][m].as_f64().unwrap(), want["fit_measures"][m].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-4 * b.abs(), "{m}: {a} vs lavaan {b}");
    }
    assert!(out["fit_measures"]["cfi.robust"].as_f64().is_none(), "lavaan reports NA");
}

#[test]
fn two_groups_with_ordered_items_match_lavaan_and_group_equal_is_refused() {
    let base = [
        "fit",
        "--model",
        "reference/models/hs_ord_school.lav",
        "--data",
        "reference/data/hs_ordinal_school.csv",
        "--ordered",
        "all",
        "--group",
        "school",
    ];
    let args: Vec<String> =
        base.iter().map(|a| if a.starts_with("reference/") { repo(a) } else { a.to_string() }).collect();
    let mut json: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    json.extend(["--format", "json"]);
    let o = entente(&json);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("reference/hs_ord_school_wlsmv.json")).unwrap()).unwrap();
    for m in ["chisq", "chisq.scaled", "cfi.scaled", "rmsea.scaled", "cfi.robust", "rmsea.robust", "srmr"] {
        let (a, b) = (out["fit_measures"][m].as_f64().unwrap(), want["fit_measures"][m].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-4 * b.abs(), "{m}: {a} vs lavaan {b}");
    }
    let th2 = out["parameters"].as_array().unwrap().iter().filter(|r| r["op"] == "|" && r["group"] == 2).count();
    assert_eq!(th2, 27, "nine items with three thresholds in group 2");
    let mut eq: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    eq.extend(["--group-equal", "loadings"]);
    let o = entente(&eq);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("group.equal and group.partial are not supported"), "{}", stderr(&o));
}

#[test]
fn equality_constraints_with_ordered_items_match_lavaan() {
    let o = entente(&[
        "fit",
        "--model",
        &repo("reference/models/hs_ord_eq.lav"),
        "--data",
        &repo(DATA),
        "--ordered",
        "all",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("reference/hs_ord_eq_wlsmv.json")).unwrap()).unwrap();
    for m in ["chisq", "df", "npar", "chisq.scaled", "cfi.robust"] {
        let (a, b) = (out["fit_measures"][m].as_f64().unwrap(), want["fit_measures"][m].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-4 * b.abs(), "{m}: {a} vs lavaan {b}");
    }
    let rows = out["parameters"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["lhs"] == "b" && r["op"] == "==" && r["rhs"] == "c"), "the constraint row is listed");
}
