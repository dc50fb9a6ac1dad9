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
