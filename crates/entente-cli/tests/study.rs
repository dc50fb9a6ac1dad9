//! `entente study`: init, simulate, run (equal to `entente fit` on the written model and data),
//! power, distance, and exit codes.
use crate::util::{entente, stderr, stdout, temp_file};
use serde_json::Value;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entente-cli-study-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn init_simulate_run_and_refit_with_entente_fit() {
    let dir = scratch("flow");
    let d = dir.to_str().expect("utf8");
    let o = entente(&["study", "init", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in
        ["study.toml", "models/full_mediation.lav", "codebook.csv", "questionnaire/wave1.html", "data/template.csv"]
    {
        assert!(dir.join(f).exists(), "{f}");
    }
    // a second init without --force is refused
    let o = entente(&["study", "init", d]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));

    let o = entente(&["study", "simulate", d, "--n", "300", "--seed", "4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let data = dir.join("data/simulated.csv");
    let o = entente(&["study", "run", d, "--data", data.to_str().expect("utf8"), "--draws", "20", "--no-moderators"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("| P9 | CD -> T2 | - |"), "{}", stdout(&o));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report/report.json")).expect("json")).expect("parse");

    // the same numbers from `entente fit` on the model and the analysed data the run wrote
    let est = if report["screening"]["estimator"] == "MLR" { "mlr" } else { "ml" };
    let model = dir.join("report/models/full_mediation.lav");
    let analysed = dir.join("report/analysis_data.csv");
    let o = entente(&[
        "fit",
        "--model",
        model.to_str().expect("utf8"),
        "--data",
        analysed.to_str().expect("utf8"),
        "--estimator",
        est,
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fit: Value = serde_json::from_str(&stdout(&o)).expect("fit json");
    let a = report["full"]["chisq"].as_f64().expect("chisq");
    let b = fit["fit_measures"]["chisq"].as_f64().expect("chisq");
    assert!((a - b).abs() < 1e-6 * a, "{a} vs {b}");
    let p9 = report["propositions"].as_array().expect("rows").iter().find(|r| r["proposition"] == "P9").expect("P9");
    let row = fit["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|r| r["lhs"] == "T2" && r["op"] == "~" && r["rhs"] == "CD")
        .expect("T2 ~ CD");
    for (k1, k2) in [("est", "est"), ("std", "std.all"), ("se", "se")] {
        let (x, y) = (p9[k1].as_f64().expect(k1), row[k2].as_f64().expect(k2));
        assert!((x - y).abs() < 1e-4, "{k1}: {x} vs {y}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn distance_prints_both_indices_per_dyad() {
    let c = temp_file("countries.csv", "country,pdi,idv\nA,10,20\nB,20,40\nC,30,30\nD,40,10\n");
    let d = temp_file("dyads.csv", "alliance_id,country_a,country_b\nx1,A,B\n");
    let o = entente(&["study", "distance", "--countries", &c, "--dyads", &d]);
    assert!(o.status.success(), "{}", stderr(&o));
    // hand-computed in alliance-study's distance tests: KS = 1.5, Mahalanobis = sqrt(33/7)
    assert_eq!(
        stdout(&o),
        format!(
            "alliance_id,country_a,country_b,cd_kogut_singh,cd_mahalanobis\nx1,A,B,1.500000,{:.6}\n",
            (33.0f64 / 7.0).sqrt()
        )
    );
    let bad = temp_file("dyads_bad.csv", "alliance_id,country_a,country_b\nx1,A,Q\n");
    let o = entente(&["study", "distance", "--countries", &c, "--dyads", &bad]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`Q`"), "{}", stderr(&o));
}

#[test]
fn usage_and_data_errors_have_exit_codes() {
    let dir = scratch("errors");
    let d = dir.to_str().expect("utf8");
    // no study folder for power: a data problem (1); no --n for power: a usage error (2)
    assert_eq!(entente(&["study", "power", d, "--n", "100"]).status.code(), Some(1));
    assert_eq!(entente(&["study", "power", d]).status.code(), Some(2));
    assert!(entente(&["study", "init", d]).status.success());
    // a response file that does not exist: a data problem (1)
    let missing = dir.join("no-such-responses.csv");
    assert_eq!(entente(&["study", "run", d, "--data", missing.to_str().expect("utf8")]).status.code(), Some(1));
    let o = entente(&["study", "simulate", d, "--n", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn power_gives_one_row_per_proposition_path() {
    let dir = scratch("power");
    let d = dir.to_str().expect("utf8");
    assert!(entente(&["study", "init", d]).status.success());
    let o = entente(&["study", "power", d, "--n", "150,400", "--reps", "12", "--seed", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<&str> =
        text.lines().filter(|l| l.starts_with('P') && l.chars().nth(1).is_some_and(|c| c.is_ascii_digit())).collect();
    assert_eq!(rows.len(), 10, "{text}");
    // a standardised effect of 0.3 with four good items per factor is found at n = 400
    let p2 = rows.iter().find(|l| l.starts_with("P2")).expect("P2");
    let cols: Vec<&str> = p2.split_whitespace().collect();
    let at400: f64 = cols[cols.len() - 2].parse().expect("power");
    assert!(at400 > 0.9, "{p2}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_on_a_new_folder_writes_the_default_study_and_reports_on_demo_data() {
    let dir = scratch("fresh");
    let d = dir.to_str().expect("utf8");
    let o = entente(&["study", "run", d, "--draws", "50", "--no-moderators"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("has no study.toml"), "{}", stderr(&o));
    assert!(dir.join("study.toml").exists() && dir.join("report/report.html").exists());
    assert!(stdout(&o).contains("P9"), "the verdict table lists the propositions");
    let _ = std::fs::remove_dir_all(&dir);
}
