//! Integration tests of the `entente` binary: one test binary, one module per verb.
mod util {
    use std::path::PathBuf;
    use std::process::{Command, Output};

    pub fn entente(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("run entente")
    }

    pub fn repo(rel: &str) -> String {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel).display().to_string()
    }

    pub fn stdout(o: &Output) -> String {
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    pub fn stderr(o: &Output) -> String {
        String::from_utf8_lossy(&o.stderr).into_owned()
    }

    /// A file in a fresh temporary folder (removed with the process).
    pub fn temp_file(name: &str, contents: &str) -> String {
        let dir = std::env::temp_dir().join(format!("entente-cli-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, contents).unwrap();
        p.display().to_string()
    }
}

mod assess;
mod compare;
mod fiml;
mod fit;
mod invariance;
mod ordinal;
mod resample;
mod sim_calib;
mod sim_survey;
mod slurm;
mod study;

// Helpers and tests of the `sim` and `merge` verbs.

use std::path::PathBuf;
use std::process::{Command, Output};

fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("the entente binary runs")
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entente-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

mod sim {
    use super::*;

    #[test]
    fn run_writes_panel_summary_and_plots() {
        let dir = scratch("run");
        let out = dir.join("out");
        let o = entente(&[
            "sim",
            "run",
            "--example",
            "learning-race",
            "--reps",
            "12",
            "--seed",
            "4",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(summary["replications"], 12);
        assert!(summary["learning_balance"]["p50"].as_f64().unwrap() > 0.1);
        let panel = std::fs::read_to_string(out.join("panel.csv")).unwrap();
        let mut lines = panel.lines();
        assert_eq!(lines.next(), Some("rep,period,direction,trust,reputation_damage,knowledge,learning,power,status"));
        // 12 replications x 100 periods x 2 directions (this scenario always survives).
        assert_eq!(lines.count(), 12 * 100 * 2);
        for svg in ["trust.svg", "learning.svg", "survival.svg"] {
            let text = std::fs::read_to_string(out.join(svg)).unwrap();
            assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
        }
    }

    #[test]
    fn shards_merge_into_exactly_the_single_run() {
        let dir = scratch("shards");
        let single = dir.join("single");
        let merged = dir.join("merged");
        let args = ["sim", "run", "--example", "mismatch-behavioural", "--reps", "30", "--seed", "8"];
        let a = entente(&[&args[..], &["--out", single.to_str().unwrap()]].concat());
        assert!(a.status.success(), "{}", stderr(&a));
        let mut shard_paths = Vec::new();
        for i in 1..=3 {
            let p = dir.join(format!("shard{i}.json"));
            let spec = format!("{i}/3");
            let o = entente(&[&args[..], &["--shard", &spec, "--out", p.to_str().unwrap()]].concat());
            assert!(o.status.success(), "{}", stderr(&o));
            shard_paths.push(p.to_str().unwrap().to_string());
        }
        // In any order.
        shard_paths.reverse();
        let mut margs = vec!["merge".to_string()];
        margs.extend(shard_paths.iter().cloned());
        margs.extend(["--out".into(), merged.to_str().unwrap().into()]);
        let margs: Vec<&str> = margs.iter().map(String::as_str).collect();
        let b = entente(&margs);
        assert!(b.status.success(), "{}", stderr(&b));
        assert_eq!(a.stdout, b.stdout);
        for f in ["panel.csv", "summary.json", "trust.svg", "learning.svg", "survival.svg"] {
            let x = std::fs::read(single.join(f)).unwrap();
            let y = std::fs::read(merged.join(f)).unwrap();
            assert!(x == y, "{f} differs");
        }
        // A missing shard is refused.
        let c = entente(&["merge", &shard_paths[0], &shard_paths[1]]);
        assert_eq!(c.status.code(), Some(1));
        assert!(stderr(&c).contains("missing"), "{}", stderr(&c));
    }

    #[test]
    fn thread_count_does_not_change_the_result() {
        let run = |t: &str| entente(&["sim", "run", "--example", "crisis-recovery", "--reps", "40", "--threads", t]);
        let (a, b) = (run("1"), run("2"));
        assert!(a.status.success() && b.status.success());
        assert_eq!(a.stdout, b.stdout);
    }

    #[test]
    fn bad_scenarios_are_refused_with_the_key_and_exit_1() {
        let dir = scratch("bad");
        let good = alliance_sim::EXAMPLES[0].1;
        let cases = [
            (good.replacen("[alliance]", "[alliance]\nintegraton = 0.5", 1), vec!["integraton", "line 12, column 1"]),
            (
                good.replacen("dynamism = 0.2", "dynamism = 1.7", 1),
                vec!["line 9, column 12", "`environment.dynamism`", "1.7"],
            ),
            (
                format!("{good}\n[[shocks]]\nkind = \"crisis\"\nstart = 90\nend = 120\nseverity = 0.5\n"),
                vec!["shocks[0]", "beyond the horizon"],
            ),
        ];
        for (k, (text, needles)) in cases.iter().enumerate() {
            let path = dir.join(format!("bad{k}.toml"));
            std::fs::write(&path, text).unwrap();
            let o = entente(&["sim", "run", path.to_str().unwrap(), "--reps", "2"]);
            assert_eq!(o.status.code(), Some(1), "case {k}: {}", stderr(&o));
            for n in needles {
                assert!(stderr(&o).contains(n), "case {k}: `{n}` not in {}", stderr(&o));
            }
        }
    }

    #[test]
    fn usage_errors_exit_2() {
        assert_eq!(entente(&["sim", "run"]).status.code(), Some(2));
        let o = entente(&["sim", "run", "--example", "crisis-recovery", "--shard", "3"]);
        assert_eq!(o.status.code(), Some(2));
        let o = entente(&["sim", "sweep", "--example", "crisis-recovery", "--param", "x"]);
        assert_eq!(o.status.code(), Some(2));
    }

    #[test]
    fn sweep_writes_one_row_per_grid_point() {
        let o = entente(&[
            "sim",
            "sweep",
            "--example",
            "crisis-recovery",
            "--reps",
            "10",
            "--param",
            "shocks.0.severity=0.2,0.5,0.8",
            "--param",
            "trust.lambda_minus=0.2,0.4",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = String::from_utf8(o.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("shocks.0.severity,trust.lambda_minus,replications,survival"));
        assert_eq!(lines.len(), 1 + 6);
        // Harder crises leave less trust: final trust A->B falls along the severity axis.
        let trust = |row: &str| row.split(',').nth(6).unwrap().parse::<f64>().unwrap();
        assert!(trust(lines[1]) > trust(lines[5]), "{} vs {}", lines[1], lines[5]);
        let bad = entente(&["sim", "sweep", "--example", "crisis-recovery", "--param", "alliance.colour=1"]);
        assert_eq!(bad.status.code(), Some(1));
        assert!(stderr(&bad).contains("`alliance.colour`"));
    }

    #[test]
    fn population_writes_one_row_per_alliance() {
        let o = entente(&["sim", "population", "--n", "40", "--seed", "2", "--periods", "50"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = String::from_utf8(o.stdout).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        for col in ["quadrant", "integration", "dynamism", "performance", "learning", "termination"] {
            assert!(header.split(',').any(|c| c == col), "{col}");
        }
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 40);
        assert!(rows.iter().all(|r| r.split(',').count() == header.split(',').count()));
    }

    #[test]
    fn sweep_output_is_stable() {
        // A regression snapshot of a small sweep: any change to the model's numbers, the CSV
        // layout or the random streams shows up here and must be accepted deliberately.
        let o = entente(&[
            "sim",
            "sweep",
            "--example",
            "learning-race",
            "--reps",
            "8",
            "--seed",
            "3",
            "--param",
            "partners.1.transparency=0.4,0.8",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        insta::assert_snapshot!(String::from_utf8(o.stdout).unwrap());
    }
}
