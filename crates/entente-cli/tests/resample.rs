//! `entente simulate-data`, `entente power`, `entente fit --se bootstrap` and their shards.
use super::util::{entente, repo, stderr, stdout, temp_file};

const POP: &str = "y ~ 0.3*x1 + 0*x2\ny ~~ 0.8*y\nx1 ~~ 1*x1\nx2 ~~ 1*x2\nx1 ~~ 0.3*x2\n";

#[test]
fn simulate_data_writes_a_csv_that_depends_on_the_seed() {
    let pop = temp_file("sd_pop.lav", POP);
    let a = entente(&["simulate-data", "--population", &pop, "--n", "5", "--seed", "1"]);
    let b = entente(&["simulate-data", "--population", &pop, "--n", "5", "--seed", "2"]);
    assert!(a.status.success(), "{}", stderr(&a));
    let text = stdout(&a);
    assert_eq!(text.lines().next(), Some("y,x1,x2"));
    assert_eq!(text.lines().count(), 6);
    assert_ne!(text, stdout(&b));
}

#[test]
fn population_with_free_parameters_is_refused() {
    let pop = temp_file("free_pop.lav", "y ~ x1\n");
    let o = entente(&["simulate-data", "--population", &pop, "--n", "5"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("must fix every parameter") && stderr(&o).contains("`y ~ x1`"), "{}", stderr(&o));
}

#[test]
fn non_positive_definite_population_is_refused() {
    let pop = temp_file("npd_pop.lav", "x1 ~~ 1*x1\nx2 ~~ 1*x2\nx1 ~~ 1.5*x2\n");
    let o = entente(&["simulate-data", "--population", &pop, "--n", "5"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not positive definite"), "{}", stderr(&o));
}

#[test]
fn power_refuses_zero_reps_and_bad_shards() {
    let pop = temp_file("pw_pop.lav", POP);
    let fit = temp_file("pw_fit.lav", "y ~ x1 + x2\n");
    let base = ["power", "--population", &pop, "--model", &fit, "--n", "50"];
    let o = entente(&[&base[..], &["--reps", "0"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--reps 0"));
    let o = entente(&[&base[..], &["--reps", "10", "--shard", "3/2"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Shard 3/2 is not valid"), "{}", stderr(&o));
}

#[test]
fn power_shards_merge_into_the_single_run_and_foreign_shards_are_refused() {
    let pop = temp_file("ps_pop.lav", POP);
    let fit = temp_file("ps_fit.lav", "y ~ x1 + x2\n");
    let base = ["power", "--population", &pop, "--model", &fit, "--n", "40,80", "--reps", "30"];
    let s1 = temp_file("ps1.json", "");
    let s2 = temp_file("ps2.json", "");
    let s3 = temp_file("ps3.json", "");
    for (shard, out, seed) in [("1/2", &s1, "1"), ("2/2", &s2, "1"), ("2/2", &s3, "2")] {
        let o = entente(&[&base[..], &["--seed", seed, "--shard", shard, "-o", out]].concat());
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let merged = entente(&["merge", &s1, &s2]);
    assert!(merged.status.success(), "{}", stderr(&merged));
    let single = entente(&[&base[..], &["--seed", "1", "--format", "json"]].concat());
    assert_eq!(stdout(&merged), stdout(&single));
    let v: serde_json::Value = serde_json::from_str(&stdout(&single)).unwrap();
    assert_eq!(v[1]["n"], 80);
    assert!(v[1]["params"][0]["power"].as_f64().unwrap() > v[0]["params"][0]["power"].as_f64().unwrap() - 0.1);
    let foreign = entente(&["merge", &s1, &s3]);
    assert_eq!(foreign.status.code(), Some(1));
    assert!(stderr(&foreign).contains("does not belong with"), "{}", stderr(&foreign));
}

#[test]
fn bootstrap_shards_merge_into_the_single_run() {
    let model = repo("reference/models/hs_path.lav");
    let data = repo("reference/data/HolzingerSwineford1939.csv");
    let base = ["fit", "--model", &model, "--data", &data, "--se", "bootstrap", "--bootstrap", "60", "--seed", "3"];
    let b1 = temp_file("b1.json", "");
    let b2 = temp_file("b2.json", "");
    let single = temp_file("bsingle.json", "");
    for (shard, out) in [("1/2", &b1), ("2/2", &b2)] {
        let o = entente(&[&base[..], &["--shard", shard, "--boot-out", out]].concat());
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let merged = entente(&["merge", &b1, &b2]);
    let o = entente(&[&base[..], &["--test", "bollen.stine", "--boot-out", &single]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("Bollen-Stine bootstrap p-value"));
    let a: serde_json::Value = serde_json::from_str(&stdout(&merged)).unwrap();
    let b: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&single).unwrap()).unwrap();
    assert_eq!(a["rows"], b["rows"]);
    assert_eq!(a["successful"], 60);
}

#[test]
fn bootstrap_needs_raw_data_and_draws() {
    let model = repo("reference/models/hs_path.lav");
    let data = repo("reference/data/HolzingerSwineford1939.csv");
    let o = entente(&["fit", "--model", &model, "--data", &data, "--se", "bootstrap", "--bootstrap", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bootstrap_runs_on_a_csv_example_and_refuses_a_covariance_example() {
    let o = entente(&[
        "fit",
        "--example",
        "hs_cfa",
        "--se",
        "bootstrap",
        "--bootstrap",
        "40",
        "--seed",
        "2",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rows = v["parameters"].as_array().expect("parameter rows");
    let free: Vec<_> = rows.iter().filter(|r| r["se"].as_f64().is_some_and(|se| se > 0.0)).collect();
    assert!(free.len() > 10, "bootstrap SEs for the free parameters");
    let o = entente(&["fit", "--example", "wheaton", "--se", "bootstrap", "--bootstrap", "40"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs raw data"), "{}", stderr(&o));
}
