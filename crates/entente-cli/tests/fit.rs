//! `entente fit`: output formats and bad input.
use crate::util::{entente, repo, stderr, stdout, temp_file};
use serde_json::Value;

const HS: &str = "reference/data/HolzingerSwineford1939.csv";
const CFA: &str = "reference/models/hs_cfa.lav";

fn reference(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo(&format!("reference/{name}.json"))).unwrap()).unwrap()
}

#[test]
fn json_matches_lavaan_reference() {
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(HS), "--format", "json", "--timing"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let want = reference("hs_cfa");
    for m in ["chisq", "cfi", "tli", "rmsea", "srmr", "aic", "bic"] {
        let (a, b) = (out["fit_measures"][m].as_f64().unwrap(), want["fit_measures"][m].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-4 * b.abs(), "{m}: {a} vs lavaan {b}");
    }
    assert_eq!(out["npar"], 21);
    assert_eq!(out["nobs"][0], 301);
    assert_eq!(out["converged"], true);
    let params = out["parameters"].as_array().unwrap();
    assert_eq!(params.len(), 24);
    let x2 = params.iter().find(|p| p["lhs"] == "visual" && p["rhs"] == "x2").unwrap();
    for col in ["est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.lv", "std.all"] {
        assert!(x2[col].is_number(), "column {col} missing");
    }
    assert!(out["timing"]["estimation"].as_f64().unwrap() >= 0.0);
}

#[test]
fn text_summary_reads_like_lavaan() {
    let o = entente(&["fit", "--example", "hs_cfa"]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!("fit_hs_cfa_text", stdout(&o));
}

#[test]
fn csv_has_one_row_per_parameter() {
    let o = entente(&["fit", "--example", "polidemo", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "lhs,op,rhs,label,group,free,est,se,z,pvalue,ci.lower,ci.upper,std.lv,std.all,std.nox"
    );
    assert_eq!(lines.count(), reference("polidemo_sem")["parameters"].as_array().unwrap().len());
}

#[test]
fn covariance_input_and_listwise_note() {
    let o = entente(&[
        "fit",
        "--model",
        &repo("reference/models/wheaton.lav"),
        "--cov",
        &repo("reference/data/wheaton.cov"),
        "--nobs",
        "932",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let want = reference("wheaton_cov")["fit_measures"]["chisq"].as_f64().unwrap();
    assert!((out["fit_measures"]["chisq"].as_f64().unwrap() - want).abs() < 1e-4 * want);
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo("reference/data/hs_missing.csv")]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("listwise deletion dropped 112 of 301 rows"), "{}", stderr(&o));
}

fn fails_with(args: &[&str], code: i32, needle: &str) {
    let o = entente(args);
    assert_eq!(o.status.code(), Some(code), "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains(needle), "expected `{needle}` in: {}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn syntax_error_shows_line_column_and_caret() {
    let m = temp_file("bad.lav", "visual =~ x1 + x2 + x3\ntextual =~ x4 + * x5\n");
    let o = entente(&["fit", "--model", &m, "--data", &repo(HS)]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("line 2, column 17"), "{e}");
    assert!(e.contains("textual =~ x4 + * x5"), "{e}");
    assert!(e.contains("                ^"), "{e}");
}

#[test]
fn bad_data_inputs() {
    let m = temp_file("m.lav", "f =~ a + b + c\n");
    let fit = |csv: &str, name: &str| {
        vec!["fit".to_string(), "--model".into(), m.clone(), "--data".into(), temp_file(name, csv)]
    };
    let run = |args: Vec<String>, code: i32, needle: &str| {
        let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        fails_with(&a, code, needle)
    };
    run(fit("a,b,d\n1,2,3\n2,3,4\n", "missing.csv"), 1, "Variable `c` of the model is not a column of `missing.csv`");
    run(fit("a,b,c\n1,2,3\n2,zz,4\n", "text.csv"), 1, "line 3 holds `zz`");
    run(fit("", "empty.csv"), 1, "is empty");
    run(fit("a,b,c\n", "header.csv"), 1, "no data rows");
    run(fit("a,b,c,a\n1,2,3,4\n", "dup.csv"), 1, "two columns named `a`");
    run(fit("a,b,c\n1,2,3\n4,5\n", "ragged.csv"), 1, "line 3");
    run(fit("a,b,c\n1,2,3\n2,4,6\n3,6,9\n4,8,1\n", "singular.csv"), 1, "not positive definite");
}

#[test]
fn model_problems() {
    fails_with(
        &["fit", "--model", &temp_file("ni.lav", "f =~ NA*x1 + x2 + x3\n"), "--data", &repo(HS)],
        1,
        "not identified",
    );
    fails_with(&["fit", "--example", "hs_cfa", "--max-iter", "2"], 1, "did not converge after 2 iterations");
    fails_with(&["fit", "--model", "no/such/model.lav", "--data", &repo(HS)], 1, "cannot read the model file");
}

#[test]
fn usage_errors_exit_2() {
    fails_with(&["fit", "--model", &repo(CFA)], 2, "--data");
    fails_with(&["fit", "--example", "nope"], 2, "unknown example `nope`");
    fails_with(&["fit", "--model", &repo(CFA), "--cov", &repo("reference/data/wheaton.cov")], 2, "--nobs");
    fails_with(
        &["fit", "--model", &repo(CFA), "--data", &repo(HS), "--group-equal", "loadings"],
        2,
        "--group-equal needs --group",
    );
}

#[test]
fn modindices_in_json_and_text() {
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(HS), "--modindices", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mi = out["modindices"].as_array().unwrap();
    let want = reference("hs_cfa_mi");
    assert_eq!(mi.len(), want["modindices"].as_array().unwrap().len());
    // largest first: `visual =~ x9`, MI 36.411 and EPC 0.577 in lavaan 0.6.14
    assert_eq!(
        (mi[0]["lhs"].as_str(), mi[0]["op"].as_str(), mi[0]["rhs"].as_str()),
        (Some("visual"), Some("=~"), Some("x9"))
    );
    assert!((mi[0]["mi"].as_f64().unwrap() - 36.41103).abs() < 1e-3);
    assert!((mi[0]["epc"].as_f64().unwrap() - 0.5770215).abs() < 1e-5);
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(HS), "--modindices"]);
    let text = stdout(&o);
    assert!(text.contains("Modification indices (largest first):"), "{text}");
    assert!(text.contains("visual =~ x9"), "{text}");
    let plain = entente(&["fit", "--model", &repo(CFA), "--data", &repo(HS), "--format", "json"]);
    let out: Value = serde_json::from_str(&stdout(&plain)).unwrap();
    assert!(out.get("modindices").is_none());
}

#[test]
fn quality_in_json_and_text() {
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(HS), "--quality", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let q = &out["quality"][0];
    let want = reference("hs_cfa_quality");
    let visual = &q["factors"][0];
    assert_eq!(visual["factor"], "visual");
    for (k, w) in [("alpha", "alpha"), ("omega", "omega"), ("ave", "ave")] {
        let (a, b) = (visual[k].as_f64().unwrap(), want[w]["visual"].as_f64().unwrap());
        assert!((a - b).abs() < 1e-4, "{k}: {a} vs semTools {b}");
    }
    // visual: alpha 0.626 and AVE 0.371 fall short; textual passes everything
    assert_eq!(visual["alpha.ok"], false);
    assert_eq!(visual["ave.ok"], false);
    assert_eq!(q["factors"][1]["ave.ok"], true);
    assert_eq!(q["htmt.ok"], true);
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(HS), "--quality"]);
    let text = stdout(&o);
    assert!(text.contains("Measurement quality:") && text.contains("HTMT"), "{text}");
    let visual = text.lines().find(|l| l.trim_start().starts_with("visual") && l.contains("0.626")).unwrap();
    assert!(visual.contains('*'), "{visual}");
}

#[test]
fn mlr_scaled_test_in_json() {
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(HS), "--estimator", "mlr", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(out["estimator"], "MLR");
    let want = reference("hs_cfa_mlr");
    for m in ["chisq.scaled", "chisq.scaling.factor", "cfi.robust", "rmsea.robust"] {
        let (a, b) = (out["fit_measures"][m].as_f64().unwrap(), want["fit_measures"][m].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-4 * b.abs(), "{m}: {a} vs lavaan {b}");
    }
    let o = entente(&[
        "fit",
        "--model",
        &repo("reference/models/wheaton.lav"),
        "--cov",
        &repo("reference/data/wheaton.cov"),
        "--nobs",
        "932",
        "--estimator",
        "mlr",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("MLR needs raw data"), "{}", stderr(&o));
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(HS), "--estimator", "mlr"]);
    let text = stdout(&o);
    let line = text.lines().find(|l| l.contains("Scaled test statistic")).unwrap_or_default();
    assert!(line.ends_with("87.132"), "{text}");
}

#[test]
fn summary_names_the_kind_of_standard_errors() {
    let o = entente(&["fit", "--example", "hs_cfa", "--estimator", "mlr"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Standard errors                                 Sandwich"), "{text}");
    let o = entente(&[
        "fit",
        "--model",
        &repo(CFA),
        "--data",
        &repo(HS),
        "--se",
        "bootstrap",
        "--bootstrap",
        "20",
        "--seed",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Standard errors                                Bootstrap"), "{text}");
    assert!(text.contains("Number of requested bootstrap draws                   20"), "{text}");
    let plain = stdout(&entente(&["fit", "--example", "hs_cfa"]));
    assert!(plain.contains("Standard errors                                 Standard"));
}

#[test]
fn a_closed_output_pipe_ends_quietly_instead_of_panicking() {
    use std::process::{Command, Stdio};
    // Text output of the largest example with timing is written after the fit; closing the reading end
    // first makes the write fail with a broken pipe, as `entente fit ... | head -1` does.
    let mut child = Command::new(env!("CARGO_BIN_EXE_entente"))
        .args(["fit", "--example", "alliance39", "--modindices", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn entente");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for entente");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}
