//! `entente sim calibrate|validate` on the repository's copy of the alliance experiment.
use crate::util::{entente, repo, stderr, stdout, temp_file};

const HEADER: &str = "Session,Subject,GovStructure,Game,interactionDraw,interaction,Period,Partnership,Profit,Matchpay,Finished,Choice,Terminator,PartnerChoice.Poc,PTc,gplay,simplay,Age,Gender\n";

fn data() -> String {
    repo("data/alliance-experiment/GAdata.csv.gz")
}

#[test]
fn calibrate_then_validate_one_session_each() {
    let dir = std::env::temp_dir().join(format!("entente-calib-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fitted = dir.join("fitted.toml").display().to_string();
    let o =
        entente(&["sim", "calibrate", "--data", &data(), "--train-sessions", "2", "--starts", "1", "--out", &fitted]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&fitted).unwrap();
    assert!(text.contains("[game.trust]") && text.contains("lambda_minus") && text.contains("train_sessions = \"2\""));
    assert!(stderr(&o).contains("lambda_minus/lambda_plus"));
    let out = dir.join("val").display().to_string();
    let o = entente(&[
        "sim",
        "validate",
        "--data",
        &data(),
        "--test-sessions",
        "5",
        "--params",
        &fitted,
        "--reps",
        "20",
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("| PD 2-player | 84 | 91.9 |"), "{}", stdout(&o));
    for f in ["validation.md", "cells.csv", "by_period.csv", "contribution.svg", "by_period.svg"] {
        assert!(dir.join("val").join(f).exists(), "{f}");
    }
    let cells = std::fs::read_to_string(dir.join("val/cells.csv")).unwrap();
    assert!(cells.contains("PD 2-player,contribution,0.919014,"), "{cells}");
}

#[test]
fn sessions_selecting_nothing_exit_1() {
    let o = entente(&["sim", "calibrate", "--data", &data(), "--train-sessions", "17-20"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Session list `17-20` selects no alliance; the data hold sessions 1-16."),
        "{}",
        stderr(&o)
    );
}

#[test]
fn malformed_session_list_is_a_usage_error() {
    let o = entente(&["sim", "calibrate", "--data", &data(), "--train-sessions", "1-x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`x` is not a session number"), "{}", stderr(&o));
}

#[test]
fn missing_columns_and_unknown_labels_exit_1() {
    let p = temp_file("calib-missing.csv", "Session,Subject,Game\n1,1,PD\n");
    let o = entente(&["sim", "calibrate", "--data", &p, "--train-sessions", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("The data lack the column(s) `GovStructure`"), "{}", stderr(&o));
    let row = "1,1,4-player,PD,1,1,1,1,2.5,2.5,0,C,0,C,NA,1,1,20,Male\n";
    let p = temp_file("calib-label.csv", &format!("{HEADER}{row}"));
    let o = entente(&["sim", "calibrate", "--data", &p, "--train-sessions", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Line 2: `GovStructure` = `4-player` is not a known label"), "{}", stderr(&o));
}

/// `--extended` estimates the extension parameters (one session: a quick fit); without it they
/// are written as fixed at 0; `--fix` holds a parameter at the given value.
#[test]
fn extended_model_and_fixed_parameters() {
    let dir = std::env::temp_dir().join(format!("entente-calib-ext-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let basic = dir.join("basic.toml").display().to_string();
    let o = entente(&[
        "sim",
        "calibrate",
        "--data",
        &data(),
        "--train-sessions",
        "8",
        "--starts",
        "1",
        "--fix",
        "inertia=0.5",
        "--out",
        &basic,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&basic).unwrap();
    assert!(text.contains("inertia = 0.5\n"), "{text}");
    assert!(text.contains("type_persistence = 0.0\n"), "{text}");
    assert!(text.contains("fixed = \"inertia, experience_weight, bias_contribute_three_exit_cost, free_rider_shift_exit_cost, type_persistence\""), "{text}");
    assert!(stderr(&o).contains("type_persistence") && stderr(&o).contains("fixed"));
    let ext = dir.join("ext.toml").display().to_string();
    let o = entente(&[
        "sim",
        "calibrate",
        "--data",
        &data(),
        "--train-sessions",
        "8",
        "--starts",
        "1",
        "--extended",
        "--out",
        &ext,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&ext).unwrap();
    assert!(text.contains("fixed = \"\""), "{text}");
    let line = text.lines().find(|l| l.starts_with("type_persistence = ")).unwrap();
    let rho: f64 = line.trim_start_matches("type_persistence = ").parse().unwrap();
    assert!(rho > 0.01 && rho <= 1.0, "{line}");
}

#[test]
fn malformed_fix_is_a_usage_error() {
    for (spec, what) in
        [("inertia", "NAME=VALUE"), ("nonsense=1", "`nonsense` is not a parameter"), ("beta=x", "finite")]
    {
        let o = entente(&["sim", "calibrate", "--data", &data(), "--train-sessions", "8", "--fix", spec]);
        assert_eq!(o.status.code(), Some(2), "{spec}");
        assert!(stderr(&o).contains(what), "{spec}: {}", stderr(&o));
    }
}

/// `--parameter-uncertainty` draws each replication's parameters: with a one-session fit the
/// bands widen; a file without a covariance is refused with exit 1.
#[test]
fn parameter_uncertainty_widens_the_bands() {
    let dir = std::env::temp_dir().join(format!("entente-calib-unc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fitted = dir.join("fitted.toml").display().to_string();
    let o =
        entente(&["sim", "calibrate", "--data", &data(), "--train-sessions", "2", "--starts", "1", "--out", &fitted]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&fitted).unwrap().contains("[robust_covariance]"));
    let d = data();
    let width = |extra: &[&str]| {
        let mut args = vec!["sim", "validate", "--data", &d, "--test-sessions", "5", "--params", &fitted];
        args.extend_from_slice(&["--reps", "80"]);
        args.extend_from_slice(extra);
        let o = entente(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let row = stdout(&o).lines().find(|l| l.starts_with("| PD 2-player |")).unwrap().to_string();
        // "| PD 2-player | 84 | 91.9 | mean [lo, hi] | ..." -> hi - lo of the contribution band
        let band = row.split('|').nth(4).unwrap().to_string();
        let inner = band.split('[').nth(1).unwrap().trim_end_matches([']', ' ']).to_string();
        let (lo, hi) = inner.split_once(", ").unwrap();
        (hi.trim_end_matches(']').parse::<f64>().unwrap() - lo.parse::<f64>().unwrap(), stdout(&o))
    };
    let (plain, _) = width(&[]);
    let (wide, text) = width(&["--parameter-uncertainty"]);
    assert!(text.contains("parameters drawn per replication"), "{text}");
    assert!(wide > plain, "{wide} vs {plain}");
    let text = std::fs::read_to_string(&fitted).unwrap();
    let cut = text.split("[robust_covariance]").next().unwrap().to_string();
    let bare = dir.join("bare.toml").display().to_string();
    std::fs::write(&bare, cut).unwrap();
    let o = entente(&[
        "sim",
        "validate",
        "--data",
        &data(),
        "--test-sessions",
        "5",
        "--params",
        &bare,
        "--parameter-uncertainty",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("robust_covariance"), "{}", stderr(&o));
}
