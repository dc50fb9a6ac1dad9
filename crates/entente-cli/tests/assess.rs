//! `entente assess` and `entente assess-population`: exit codes, stdout for data, stderr for
//! messages.

use std::path::PathBuf;
use std::process::{Command, Output};

fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("the binary runs")
}

fn example_file(name: &str, side: &str) -> String {
    let p: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "..", "alliance-core", "data", "examples", name, side].iter().collect();
    p.display().to_string()
}

#[test]
fn example_runs_with_exit_code_0_and_report_on_stdout() {
    let out = entente(&["assess", "--example", "mismatch-economic"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("toward economies of knowledge"), "{stdout}");
    assert!(out.stderr.is_empty());
}

#[test]
fn two_files_give_json() {
    let (a, b) = (example_file("synergies", "a.toml"), example_file("synergies", "b.toml"));
    let out = entente(&["assess", &a, &b, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["facts"]["quadrant"], "synergies_of_knowledge");
}

#[test]
fn same_partner_is_a_data_problem_exit_1() {
    let a = example_file("economies", "a.toml");
    let out = entente(&["assess", &a, &a]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Both answer files name the partner `Nordhafen Freight`"), "{err}");
}

#[test]
fn one_file_is_a_usage_error_exit_2() {
    let a = example_file("economies", "a.toml");
    let out = entente(&["assess", &a]);
    assert_eq!(out.status.code(), Some(2));
    let out = entente(&["assess", "--example", "economies", &a]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unknown_example_is_exit_1_with_the_list() {
    let out = entente(&["assess", "--example", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mismatch-behavioural"));
}

#[test]
fn population_round_trip_through_a_simulated_csv() {
    let sim = entente(&["assess-population", "--simulate", "400", "--seed", "2"]);
    assert_eq!(sim.status.code(), Some(0));
    let dir = std::env::temp_dir().join(format!("entente-assess-pop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let csv = dir.join("alliances.csv");
    std::fs::write(&csv, &sim.stdout).expect("write csv");
    let out = entente(&["assess-population", &csv.display().to_string(), "--format", "json"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let verdicts: Vec<&str> =
        v.as_array().expect("array").iter().map(|r| r["verdict"].as_str().expect("verdict")).collect();
    assert_eq!(verdicts.len(), 9);
    assert!(verdicts.iter().all(|v| *v == "supported"), "{verdicts:?}");
}

#[test]
fn population_bad_cell_is_exit_1_naming_row_and_column() {
    let dir = std::env::temp_dir().join(format!("entente-assess-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let csv = dir.join("bad.csv");
    std::fs::write(
        &csv,
        "quadrant,integration,dynamism,performance,learning,failed,terminated,age\nmismatch,7,0.5,1,1,0,0,3\n",
    )
    .expect("write");
    let out = entente(&["assess-population", &csv.display().to_string()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 1") && err.contains("`integration`"), "{err}");
}

#[test]
fn docs_show_the_current_rule_table() {
    let out = entente(&["assess", "--rules"]);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8_lossy(&out.stdout);
    let doc: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "docs", "assess.md"].iter().collect();
    let doc = std::fs::read_to_string(doc).expect("docs/assess.md");
    assert!(doc.contains(table.trim()), "docs/assess.md is out of date: paste `entente assess --rules`");
}
