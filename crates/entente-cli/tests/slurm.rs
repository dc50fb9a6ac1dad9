//! `entente slurm`: run folders, local tasks, failure handling, and a real one-node cluster.
use super::util::{repo, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const POP: &str = "y ~ 0.3*x1 + 0*x2\ny ~~ 0.8*y\nx1 ~~ 1*x1\nx2 ~~ 1*x2\nx1 ~~ 0.3*x2\n";
const POWER: [&str; 9] = ["power", "--population", "pop.lav", "--model", "fit.lav", "--n", "40,80", "--reps", "24"];

/// A fresh folder with the two power models; commands run inside it (relative paths, as a
/// user would type them).
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entente-slurm-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pop.lav"), POP).unwrap();
    std::fs::write(dir.join("fit.lav"), "y ~ x1 + x2\n").unwrap();
    dir
}

fn entente_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).current_dir(dir).args(args).output().expect("run entente")
}

fn submit_local(dir: &Path, run: &str, tasks: &str, command: &[&str]) -> Output {
    entente_in(dir, &[&["slurm", "submit", "--tasks", tasks, "--run", run, "--local"][..], command].concat())
}

fn single_power(dir: &Path, seed: &str) -> Vec<u8> {
    let o = entente_in(dir, &[&POWER[..], &["--seed", seed, "--format", "json"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    o.stdout
}

#[test]
fn local_tasks_collect_into_the_single_run_bit_for_bit() {
    let dir = workdir("local");
    let cmd = [&POWER[..], &["--seed", "5"]].concat();
    let o = submit_local(&dir, "run", "4", &cmd);
    assert!(o.status.success(), "{}", stderr(&o));
    let c = entente_in(&dir, &["slurm", "collect", "run"]);
    assert!(c.status.success(), "{}", stderr(&c));
    assert_eq!(std::fs::read(dir.join("run/result.json")).unwrap(), single_power(&dir, "5"));
    // Each task did only its quarter: 6 of the 24 replications at each of the 2 sample sizes.
    let shard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run/shards/shard-3.json")).unwrap()).unwrap();
    assert_eq!(shard["payload"].as_array().unwrap().len(), 6 * 2);
    let s = entente_in(&dir, &["slurm", "status", "run"]);
    assert!(stdout(&s).contains("4 done, 0 pending, 0 running, 0 failed, 0 missing"), "{}", stdout(&s));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sim_run_shards_collect_into_the_single_run_folder() {
    let dir = workdir("simrun");
    let cmd = ["sim", "run", "--example", "learning-race", "--reps", "9", "--seed", "2"];
    let o = submit_local(&dir, "run", "3", &cmd);
    assert!(o.status.success(), "{}", stderr(&o));
    let c = entente_in(&dir, &["slurm", "collect", "run", "--out", "merged"]);
    assert!(c.status.success(), "{}", stderr(&c));
    let single = entente_in(&dir, &[&cmd[..], &["--out", "single"]].concat());
    assert!(single.status.success(), "{}", stderr(&single));
    assert_eq!(c.stdout, single.stdout);
    for f in ["panel.csv", "summary.json", "trust.svg", "learning.svg", "survival.svg"] {
        assert!(
            std::fs::read(dir.join("merged").join(f)).unwrap() == std::fs::read(dir.join("single").join(f)).unwrap()
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bootstrap_shards_collect_into_the_single_boot_out_file_with_options_after_the_command() {
    let dir = workdir("boot");
    let model = repo("reference/models/hs_path.lav");
    let data = repo("reference/data/HolzingerSwineford1939.csv");
    let cmd = ["fit", "--model", &model, "--data", &data, "--se", "bootstrap", "--bootstrap", "30", "--seed", "4"];
    // The order: the command line first, then the options of `submit`.
    let o = entente_in(&dir, &[&["slurm", "submit"][..], &cmd, &["--tasks", "3", "--run=run", "--local"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["command"], "fit_bootstrap");
    assert_eq!(m["command_line"].as_array().unwrap().len(), cmd.len());
    let c = entente_in(&dir, &["slurm", "collect", "run"]);
    assert!(c.status.success(), "{}", stderr(&c));
    let single = entente_in(&dir, &[&cmd[..], &["--threads", "1", "--boot-out", "single.json"]].concat());
    assert!(single.status.success(), "{}", stderr(&single));
    assert!(std::fs::read(dir.join("run/result.json")).unwrap() == std::fs::read(dir.join("single.json")).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sweep_shards_split_the_grid_points_and_collect_into_the_single_csv() {
    let dir = workdir("sweep");
    let cmd = [
        "sim",
        "sweep",
        "--example",
        "crisis-recovery",
        "--reps",
        "6",
        "--param",
        "shocks.0.severity=0.2,0.5,0.8",
        "--param",
        "trust.lambda_minus=0.2,0.4",
    ];
    let o = submit_local(&dir, "run", "4", &cmd);
    assert!(o.status.success(), "{}", stderr(&o));
    // Six grid points over four tasks: 1, 2, 1, 2 points each, no point computed twice.
    let rows = |i: u32| {
        let text = std::fs::read_to_string(dir.join(format!("run/shards/shard-{i}.json"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["payload"].as_array().unwrap().len()
    };
    assert_eq!([rows(1), rows(2), rows(3), rows(4)], [1, 2, 1, 2]);
    let c = entente_in(&dir, &["slurm", "collect", "run"]);
    assert!(c.status.success(), "{}", stderr(&c));
    let single = entente_in(&dir, &cmd);
    assert!(single.status.success(), "{}", stderr(&single));
    assert!(std::fs::read(dir.join("run/result.csv")).unwrap() == single.stdout);
    let o = entente_in(&dir, &[&["slurm", "submit", "--tasks", "7", "--run", "run7", "--dry-run"][..], &cmd].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("grid points (6)"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn killed_foreign_and_old_shards_are_named_and_only_they_are_resubmitted() {
    let dir = workdir("broken");
    let cmd = [&POWER[..], &["--seed", "7"]].concat();
    assert!(submit_local(&dir, "run", "4", &cmd).status.success());
    let shards = dir.join("run/shards");
    // Shard 2 was killed: no file.
    std::fs::remove_file(shards.join("shard-2.json")).unwrap();
    // Shard 3 was computed with another seed.
    let other = entente_in(
        &dir,
        &[&POWER[..], &["--seed", "8", "--shard", "3/4", "--out", shards.join("shard-3.json").to_str().unwrap()]]
            .concat(),
    );
    assert!(other.status.success(), "{}", stderr(&other));
    // Shard 4 was written by another Entente version.
    let p4 = shards.join("shard-4.json");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p4).unwrap()).unwrap();
    v["header"]["entente_version"] = "0.0.1".into();
    std::fs::write(&p4, v.to_string()).unwrap();

    let c = entente_in(&dir, &["slurm", "collect", "run"]);
    assert_eq!(c.status.code(), Some(1), "{}", stderr(&c));
    let e = stderr(&c);
    for needle in [
        "shards 2 have no file",
        "shard 3: it was made with different settings",
        "shard 4: it was written by Entente 0.0.1",
    ] {
        assert!(e.contains(needle), "{needle:?} not in {e}");
    }
    assert!(!dir.join("run/result.json").exists());
    let s = stdout(&entente_in(&dir, &["slurm", "status", "run"]));
    assert!(s.contains("1 done, 0 pending, 0 running, 3 failed"), "{s}");

    let dry = entente_in(&dir, &["slurm", "resubmit", "run", "--dry-run"]);
    assert!(stdout(&dry).starts_with("sbatch --array=2-4 "), "{}", stdout(&dry));
    let r = entente_in(&dir, &["slurm", "resubmit", "run", "--local"]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(shards.join("shard-3.json.rejected").exists());
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["submissions"][1]["tasks"], serde_json::json!([2, 3, 4]));
    let c = entente_in(&dir, &["slurm", "collect", "run"]);
    assert!(c.status.success(), "{}", stderr(&c));
    assert_eq!(std::fs::read(dir.join("run/result.json")).unwrap(), single_power(&dir, "7"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_moved_run_folder_is_detected_and_can_be_relocated() {
    let dir = workdir("moved");
    let cmd = [&POWER[..], &["--seed", "3"]].concat();
    assert!(submit_local(&dir, "run", "2", &cmd).status.success());
    std::fs::rename(dir.join("run"), dir.join("elsewhere")).unwrap();
    std::fs::remove_file(dir.join("elsewhere/shards/shard-2.json")).unwrap();
    let r = entente_in(&dir, &["slurm", "resubmit", "elsewhere", "--local"]);
    assert_eq!(r.status.code(), Some(1));
    assert!(stderr(&r).contains("The run folder was moved") && stderr(&r).contains("--relocate"), "{}", stderr(&r));
    let s = entente_in(&dir, &["slurm", "status", "elsewhere"]);
    assert!(s.status.success() && stderr(&s).contains("moved"), "{}", stderr(&s));
    let r = entente_in(&dir, &["slurm", "resubmit", "elsewhere", "--local", "--relocate"]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(std::fs::read_to_string(dir.join("elsewhere/job.sh")).unwrap().contains("/elsewhere"));
    let c = entente_in(&dir, &["slurm", "collect", "elsewhere"]);
    assert!(c.status.success(), "{}", stderr(&c));
    assert_eq!(std::fs::read(dir.join("elsewhere/result.json")).unwrap(), single_power(&dir, "3"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dry_run_prints_the_script_and_bad_command_lines_are_usage_errors() {
    let dir = workdir("dry");
    let cmd = [&POWER[..], &["--seed", "3"]].concat();
    let args = ["slurm", "submit", "--tasks", "8", "--run", "run", "--partition", "short", "--dry-run"];
    let o = entente_in(&dir, &[&args[..], &cmd].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let script = stdout(&o);
    assert!(script.starts_with("#!/bin/bash\n"));
    assert!(script.contains("#SBATCH --array=1-8\n#") && script.contains("#SBATCH --partition=short"), "{script}");
    assert!(script.contains("--seed 3 --shard \"$i/8\" --out \"$part\""), "{script}");
    assert!(!dir.join("run").exists());
    for (bad, needle) in [
        (vec!["power", "--population", "pop.lav", "--model", "fit.lav", "--n", "40", "--out", "x.json"], "`--out`"),
        (vec!["sim", "population", "--n", "10"], "cannot be split"),
        (vec!["fit", "--example", "hs_cfa"], "--se bootstrap"),
        (vec!["power", "--population", "pop.lav", "--model", "fit.lav", "--n", "40", "--reps", "4"], "--tasks 8"),
        (vec!["power", "--bogus"], "In the command line to split"),
    ] {
        let o = entente_in(&dir, &[&["slurm", "submit", "--tasks", "8", "--run", "run"][..], &bad].concat());
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{needle:?} not in {}", stderr(&o));
    }
    let o = entente_in(&dir, &["slurm", "status", "nowhere"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not a run folder"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Merging 1000 shards of a power run must take under a second. Ignored: it first runs 1000
/// tasks (about a minute); run with `--ignored --nocapture` for the figure.
#[test]
#[ignore]
fn thousand_shards_collect_in_under_a_second() {
    let dir = workdir("thousand");
    let cmd = ["power", "--population", "pop.lav", "--model", "fit.lav", "--n", "50,100", "--reps", "2000"];
    let o = submit_local(&dir, "run", "1000", &cmd);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = std::time::Instant::now();
    let c = entente_in(&dir, &["slurm", "collect", "run"]);
    let secs = t.elapsed().as_secs_f64();
    assert!(c.status.success(), "{}", stderr(&c));
    eprintln!("`entente slurm collect` of 1000 shards (4000 replications): {secs:.3} s wall, {}", stderr(&c).trim());
    assert!(secs < 1.0, "{secs} s");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The stop half of `scripts/slurm-local.sh`, run however the test ends.
struct Cluster {
    script: String,
    env: Vec<(String, String)>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(&self.script).arg("stop").envs(self.env.iter().cloned()).output();
    }
}

/// Starts a real one-node Slurm cluster (munged, slurmctld, slurmd) with `scripts/slurm-local.sh`,
/// submits a 4-task power analysis of which task 3 fails, sees the failure (Slurm state `FAILED`)
/// in `status` and `collect`, resubmits only that task (`--array=3`), collects and compares
/// with the single-machine run. Skipped, with a
/// notice, where Slurm is not installed or the test does not run as root (CI installs
/// `slurm-wlm` and `munge` and runs as root).
#[test]
fn real_one_node_cluster_runs_a_power_array() {
    let have = |b: &str| ["/usr/sbin", "/usr/bin", "/sbin", "/bin"].iter().any(|d| Path::new(d).join(b).exists());
    let root = Command::new("id").arg("-u").output().map(|o| stdout(&o).trim() == "0").unwrap_or(false);
    if !(have("sbatch") && have("slurmctld") && have("slurmd") && have("munged") && root) {
        eprintln!("notice: skipping the Slurm cluster test: it needs root and the `slurm-wlm` and `munge` packages");
        return;
    }
    let dir = workdir("cluster");
    let base = dir.join("cluster");
    // Ports away from Slurm's defaults, so a site's own Slurm on this machine is not in the way.
    let env = vec![
        ("SLURM_LOCAL_CTLD_PORT".to_string(), "16817".to_string()),
        ("SLURM_LOCAL_SLURMD_PORT".to_string(), "16818".to_string()),
        ("SLURM_LOCAL_DIR".to_string(), base.display().to_string()),
        ("SLURM_CONF".to_string(), base.join("etc/slurm.conf").display().to_string()),
    ];
    let script = repo("scripts/slurm-local.sh");
    let t0 = std::time::Instant::now();
    let start = Command::new("bash").arg(&script).arg("start").envs(env.iter().cloned()).output().unwrap();
    let _cluster = Cluster { script: script.clone(), env: env.clone() };
    assert!(start.status.success(), "the cluster did not start:\n{}", stderr(&start));
    eprintln!("cluster up in {:.1} s", t0.elapsed().as_secs_f64());
    let slurm = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_entente"))
            .current_dir(&dir)
            .envs(env.iter().cloned())
            .args(args)
            .output()
            .expect("run entente")
    };
    // Polls `entente slurm status` until no task is queued or running; returns its table.
    let settle = |what: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let text = stdout(&slurm(&["slurm", "status", "run"]));
            if text.contains(" 0 pending, 0 running,") {
                return text;
            }
            assert!(std::time::Instant::now() < deadline, "{what}: the tasks did not finish:\n{text}");
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
    };
    // Task 3 will fail: a folder where it must write its partial shard makes its script exit 1.
    std::fs::create_dir_all(dir.join("run/shards/.shard-3.json.part/x")).unwrap();
    let cmd = [&POWER[..], &["--seed", "11"]].concat();
    let o = slurm(&[&["slurm", "submit", "--tasks", "4", "--run", "run", "--time", "00:05:00"][..], &cmd].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let job = stdout(&o).trim().to_string();
    assert!(job.chars().all(|c| c.is_ascii_digit()) && !job.is_empty(), "job id {job:?}");
    let text = settle("first submission");
    assert!(text.contains("3 done, 0 pending, 0 running, 1 failed, 0 missing"), "{text}");
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("3 ") && l.contains("Slurm reports the task FAILED")),
        "{text}"
    );
    let c = slurm(&["slurm", "collect", "run"]);
    assert_eq!(c.status.code(), Some(1));
    assert!(stderr(&c).contains("shards 3 have no file"), "{}", stderr(&c));
    assert!(dir.join(format!("run/logs/{job}_4.out")).exists());

    std::fs::remove_dir_all(dir.join("run/shards/.shard-3.json.part")).unwrap();
    let r = slurm(&["slurm", "resubmit", "run"]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(stderr(&r).contains("(tasks 3)"), "{}", stderr(&r));
    let text = settle("resubmission");
    assert!(text.contains("4 done,"), "{text}");
    let c = slurm(&["slurm", "collect", "run"]);
    assert!(c.status.success(), "{}", stderr(&c));
    assert_eq!(std::fs::read(dir.join("run/result.json")).unwrap(), single_power(&dir, "11"));
    eprintln!("submit, run, collect, resubmit, collect: {:.1} s in all", t0.elapsed().as_secs_f64());
    drop(_cluster);
    let _ = std::fs::remove_dir_all(&dir);
}
