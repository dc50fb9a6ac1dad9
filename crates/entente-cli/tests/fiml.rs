//! `--missing ml|fiml`: full-information ML against lavaan, and missing-data bad input.
use crate::util::{entente, repo, stderr, stdout, temp_file};
use serde_json::Value;

const CFA: &str = "reference/models/hs_cfa.lav";
const HS_MISSING: &str = "reference/data/hs_missing.csv";

fn reference(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo(&format!("reference/{name}.json"))).unwrap()).unwrap()
}

fn fit_json(data: &str, extra: &[&str]) -> (Value, String) {
    let mut args = vec!["fit", "--model", CFA, "--data", data, "--format", "json"];
    args.extend_from_slice(extra);
    let model = repo(CFA);
    args[2] = &model;
    let o = entente(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    (serde_json::from_str(&stdout(&o)).unwrap(), stderr(&o))
}

#[test]
fn fiml_json_matches_lavaan() {
    let (out, _) = fit_json(&repo(HS_MISSING), &["--missing", "fiml"]);
    let want = reference("hs_cfa_fiml");
    for m in ["chisq", "baseline.chisq", "cfi", "tli", "rmsea", "srmr", "logl", "unrestricted.logl", "bic"] {
        let (a, b) = (out["fit_measures"][m].as_f64().unwrap(), want["fit_measures"][m].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-4 * b.abs(), "{m}: {a} vs lavaan {b}");
    }
    assert_eq!(out["nobs"][0], 301);
    assert_eq!(out["npar"], 30);
    let x9 = out["parameters"].as_array().unwrap().iter().find(|p| p["lhs"] == "x9" && p["op"] == "~1").unwrap();
    assert!((x9["se"].as_f64().unwrap() - 0.0588113112678895).abs() < 1e-4);
    assert_eq!(x9["block"], 1);
    // `ml` is the same option; listwise gives lavaan's listwise numbers instead
    let (ml, _) = fit_json(&repo(HS_MISSING), &["--missing", "ml"]);
    assert_eq!(ml["fit_measures"]["chisq"], out["fit_measures"]["chisq"]);
    let (lw, note) = fit_json(&repo(HS_MISSING), &[]);
    assert_eq!(lw["nobs"][0], 189);
    assert!(note.contains("listwise deletion dropped"), "{note}");
}

#[test]
fn all_missing_rows_are_dropped_with_a_note() {
    let mut text = std::fs::read_to_string(repo(HS_MISSING)).unwrap();
    text.push_str("999,1,13,1,\"Pasteur\",7,,,,,,,,,\n998,2,14,1,\"Pasteur\",8,NA,NA,NA,NA,NA,NA,NA,NA,NA\n");
    let path = temp_file("hs_missing_empty_rows.csv", &text);
    let (out, note) = fit_json(&path, &["--missing", "ml"]);
    assert!(note.contains("2 of 303 rows have every model variable missing"), "{note}");
    assert_eq!(out["nobs"][0], 301);
    let want = reference("hs_cfa_fiml")["fit_measures"]["chisq"].as_f64().unwrap();
    assert!((out["fit_measures"]["chisq"].as_f64().unwrap() - want).abs() < 1e-4 * want);
}

fn fails(args: &[&str], needle: &str) {
    let o = entente(args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(needle), "expected `{needle}` in: {}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn missing_data_bad_input() {
    let m = temp_file("fiml_abc.lav", "f =~ a + b + c\n");
    let empty = temp_file("fiml_empty.csv", "a,b,c\n,,\nNA,NA,NA\n,,\n");
    fails(&["fit", "--model", &m, "--data", &empty, "--missing", "ml"], "every row has all 3 model variables missing");
    // listwise deletion of the same file leaves nothing either
    fails(&["fit", "--model", &m, "--data", &empty], "0 complete rows");
    // a variable never observed in one group, under FIML and under listwise deletion
    let hole =
        temp_file("fiml_hole.csv", "g,a,b,c\nx,1,2,3\nx,2,1,3\nx,3,4,2\nx,4,3,5\ny,1,2,\ny,2,3,\ny,3,1,\ny,4,4,\n");
    for missing in ["ml", "listwise"] {
        fails(
            &["fit", "--model", &m, "--data", &hole, "--group", "g", "--missing", missing],
            "`c` is missing in every row of group `y`",
        );
    }
    // one group, and a group too small, under FIML
    let one = temp_file("fiml_one.csv", "g,a,b,c\n1,1,2,3\n1,2,,3\n1,3,4,2\n1,4,3,5\n1,2,2,2\n");
    fails(&["fit", "--model", &m, "--data", &one, "--group", "g", "--missing", "ml"], "at least 2");
    let tiny = temp_file("fiml_tiny.csv", "g,a,b,c\n1,1,2,3\n1,2,,3\n1,3,4,2\n1,4,3,5\n2,2,2,2\n");
    fails(&["fit", "--model", &m, "--data", &tiny, "--group", "g", "--missing", "fiml"], "Group `2`");
    // FIML needs raw data
    fails(
        &[
            "fit",
            "--model",
            &repo("reference/models/wheaton.lav"),
            "--cov",
            &repo("reference/data/wheaton.cov"),
            "--nobs",
            "932",
            "--missing",
            "ml",
        ],
        "needs raw data",
    );
}

#[test]
fn fiml_with_mlr_and_text_summary() {
    let (out, _) = fit_json(&repo(HS_MISSING), &["--missing", "ml", "--estimator", "mlr"]);
    assert_eq!(out["missing"], "ml");
    assert_eq!(out["estimator"], "MLR");
    let c = out["fit_measures"]["chisq.scaling.factor"].as_f64().unwrap();
    assert!(c > 0.5 && c < 2.0, "{c}");
    // lavaan's FIML-corrected robust CFI/RMSEA (hs_cfa_fiml_mlr.json: 0.915659, 0.101240)
    let cfi = out["fit_measures"]["cfi.robust"].as_f64().unwrap();
    let rmsea = out["fit_measures"]["rmsea.robust"].as_f64().unwrap();
    assert!((cfi - 0.915659).abs() < 1e-5 && (rmsea - 0.101240).abs() < 1e-5, "{cfi} {rmsea}");
    let o = entente(&["fit", "--model", &repo(CFA), "--data", &repo(HS_MISSING), "--missing", "fiml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Information                                     Observed"), "{text}");
}

#[test]
fn bootstrap_with_fiml_refits_incomplete_rows() {
    let dir = std::env::temp_dir().join(format!("entente_fiml_boot_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("boot.json");
    let args = ["fit", "--model", &repo(CFA), "--data", &repo(HS_MISSING), "--missing", "ml", "--se", "bootstrap"];
    let mut a: Vec<&str> = args.to_vec();
    let out_s = out.to_string_lossy().into_owned();
    a.extend_from_slice(&["--bootstrap", "40", "--seed", "5", "--format", "json", "--boot-out", &out_s]);
    let o = entente(&a);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("Bootstrap: 40 of 40 draws converged"), "{}", stderr(&o));
    let fit: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let boot: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    // The bootstrap SEs replace the observed-information ones and agree with lavaan's FIML
    // bootstrap (reference/hs_cfa_fiml_boot.json, 2000 draws) within the Monte Carlo error of 40
    // draws: an SE from B normal-looking draws has an SD of about 1/sqrt(2B) = 11% of it, and
    // these four parameters have light-tailed draws (kurtosis about 3), so 35% is three SDs.
    let want = reference("hs_cfa_fiml_boot");
    let row = |v: &Value, lhs: &str, op: &str, rhs: &str| -> f64 {
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["lhs"] == lhs && p["op"] == op && p["rhs"] == rhs)
            .map(|p| p["se"].as_f64().unwrap())
            .unwrap()
    };
    for (lhs, op, rhs) in [("textual", "=~", "x5"), ("x4", "~~", "x4"), ("x7", "~~", "x7"), ("x4", "~1", "")] {
        let se = row(&fit["parameters"], lhs, op, rhs);
        let se_boot = row(&boot["rows"], lhs, op, rhs);
        let se_ref = row(&want["parameters"], lhs, op, rhs);
        assert!((se - se_boot).abs() < 1e-12, "{lhs} {op} {rhs}: {se} {se_boot}");
        assert!((se / se_ref - 1.0).abs() < 0.35, "{lhs} {op} {rhs}: bootstrap {se}, lavaan {se_ref}");
    }
    assert_eq!(boot["successful"], 40);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bollen_stine_with_fiml_is_a_usage_error() {
    let o = entente(&[
        "fit",
        "--model",
        &repo(CFA),
        "--data",
        &repo(HS_MISSING),
        "--missing",
        "ml",
        "--se",
        "bootstrap",
        "--bootstrap",
        "10",
        "--test",
        "bollen.stine",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not available with `--missing ml`"), "{}", stderr(&o));
}
