//! `entente sim survey`: simulated alliances answer the study questionnaire, and the study's SEM
//! recovers the mechanism that generated the answers.
use crate::util::{entente, repo, stderr, stdout, temp_file};

/// (estimate, p) of the structural path `lhs ~ rhs` in a CSV parameter table.
fn path(csv: &str, lhs: &str, rhs: &str) -> (f64, f64) {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (est, p) = (col("est"), col("pvalue"));
    let row = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|c| c[0] == lhs && c[1] == "~" && c[2] == rhs)
        .unwrap_or_else(|| panic!("no row {lhs} ~ {rhs}"));
    (row[est].parse().unwrap(), row[p].parse().unwrap())
}

#[test]
fn the_full_mediation_sem_recovers_the_simulated_signs() {
    let out = temp_file("bridge.csv", "");
    let latent = temp_file("bridge_latent.csv", "");
    let o = entente(&["sim", "survey", "--n", "500", "--seed", "1", "--out", &out, "--latent-out", &latent]);
    assert!(o.status.success(), "{}", stderr(&o));
    let header = std::fs::read_to_string(&latent).unwrap();
    assert!(header.starts_with("alliance_id,PE,TR,RE,T1,RO,PR,ID,LO,CD,T2,LE,"), "{header}");
    let model = repo("crates/entente-cli/tests/data/full_mediation.lav");
    let fit = entente(&["fit", "--model", &model, "--data", &out, "--format", "csv"]);
    assert!(fit.status.success(), "{}", stderr(&fit));
    let csv = stdout(&fit);
    // P2-P4 build trust1; P6-P9 move trust2; trust carries over. Signs as THEORY.md states them.
    for (lhs, rhs, positive) in [
        ("T1", "PE", true),
        ("T1", "TR", true),
        ("T1", "RE", true),
        ("T2", "T1", true),
        ("T2", "PR", false),
        ("T2", "ID", true),
        ("T2", "LO", true),
        ("T2", "CD", false),
    ] {
        let (est, p) = path(&csv, lhs, rhs);
        assert_eq!(est > 0.0, positive, "{lhs} ~ {rhs}: {est}");
        assert!(p < 0.01, "{lhs} ~ {rhs}: p = {p}");
    }
}

#[test]
fn survey_settings_out_of_range_are_refused() {
    let o = entente(&["sim", "survey", "--n", "50", "--periods", "10", "--wave2", "20"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("wave2"), "{}", stderr(&o));
    let o = entente(&["sim", "survey", "--n", "50", "--loading", "1.5"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("loading"), "{}", stderr(&o));
}
