//! The run folder and its manifest (`manifest.json`): what was submitted, how, and where.
//!
//! ```text
//! RUN/
//!   manifest.json    this file: command line, settings hash, version, tasks, job ids, paths
//!   job.sh           the sbatch script (one array task per shard)
//!   shards/          shard-<i>.json, written by task i (moved into place when complete)
//!   logs/            <job>_<task>.out, stdout and stderr of each task
//! ```
use crate::shard::ENTENTE_VERSION;
use crate::SlurmError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `format` field of a manifest.
pub const MANIFEST_FORMAT: &str = "entente-slurm-run";
/// The file name of the manifest inside a run folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The file name of the sbatch script inside a run folder.
pub const SCRIPT_FILE: &str = "job.sh";

/// A command that can be split into shards, and how its shard output is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sharded {
    /// `entente power`.
    Power,
    /// `entente sim run`.
    SimRun,
    /// `entente sim sweep`.
    SimSweep,
    /// `entente fit --se bootstrap`.
    FitBootstrap,
}

impl Sharded {
    /// The `command` field of this command's shard headers.
    pub fn header_command(self) -> &'static str {
        match self {
            Sharded::Power => "power",
            Sharded::SimRun => "sim run",
            Sharded::SimSweep => "sim sweep",
            Sharded::FitBootstrap => "fit bootstrap",
        }
    }

    /// The option that names the shard file to write.
    pub fn out_flag(self) -> &'static str {
        match self {
            Sharded::FitBootstrap => "--boot-out",
            _ => "--out",
        }
    }

    /// Where `collect` writes the merged result by default, relative to the run folder: a
    /// folder for `sim run` (panel, summary, plots), a file otherwise.
    pub fn default_result(self) -> &'static str {
        match self {
            Sharded::SimRun => "result",
            Sharded::SimSweep => "result.csv",
            _ => "result.json",
        }
    }
}

/// `sbatch` options of the job array.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SbatchOptions {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time` (wall time per task).
    pub time: Option<String>,
    /// `--cpus-per-task`; also the number of worker threads of each task.
    pub cpus_per_task: Option<u32>,
    /// `--mem` (per task).
    pub mem: Option<String>,
    /// `--account`.
    pub account: Option<String>,
    /// Environment modules loaded before the binary runs (`module load NAME`).
    pub modules: Vec<String>,
}

/// One `sbatch` (or local) submission of some of the tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// The Slurm job id (`local` for tasks run on this machine).
    pub job_id: String,
    /// The array task ids (= shard indices) it covers.
    pub tasks: Vec<u32>,
}

/// The manifest of a run folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `entente-slurm-run`.
    pub format: String,
    /// Version of Entente that submitted the run; every shard must carry the same.
    pub entente_version: String,
    /// The sharded command.
    pub command: Sharded,
    /// The command line after `entente`, as given (without `--shard` and the shard output).
    pub command_line: Vec<String>,
    /// Settings hash every shard must carry, when it could be computed before running.
    pub settings_hash: Option<String>,
    /// Number of array tasks = number of shards.
    pub tasks: u32,
    /// Absolute path of the `entente` binary the tasks run.
    pub binary: PathBuf,
    /// Absolute path of the run folder when it was created.
    pub run_dir: PathBuf,
    /// Absolute path of the directory the command line's relative paths refer to.
    pub workdir: PathBuf,
    /// `sbatch` options.
    pub sbatch: SbatchOptions,
    /// Submissions, oldest first; a task's latest submission is the one that counts.
    pub submissions: Vec<Submission>,
}

impl Manifest {
    /// A manifest for a new run (no submissions yet).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        command: Sharded,
        command_line: Vec<String>,
        settings_hash: Option<String>,
        tasks: u32,
        binary: PathBuf,
        run_dir: PathBuf,
        workdir: PathBuf,
        sbatch: SbatchOptions,
    ) -> Result<Self, SlurmError> {
        if tasks == 0 {
            return Err(SlurmError::Usage("`--tasks` must be at least 1.".into()));
        }
        for (what, p) in [("run folder", &run_dir), ("binary", &binary), ("working directory", &workdir)] {
            if !p.is_absolute() {
                return Err(SlurmError::Usage(format!("The {what} `{}` must be an absolute path.", p.display())));
            }
            // `#SBATCH --output=` lines cannot quote, and `%` is Slurm's file-name pattern escape.
            if what == "run folder" && p.to_string_lossy().contains(|c: char| c.is_whitespace() || c == '%') {
                return Err(SlurmError::Usage(format!(
                    "The run folder `{}` contains a space or `%`, which `#SBATCH --output` cannot express.",
                    p.display()
                )));
            }
        }
        Ok(Self {
            format: MANIFEST_FORMAT.into(),
            entente_version: ENTENTE_VERSION.into(),
            command,
            command_line,
            settings_hash,
            tasks,
            binary,
            run_dir,
            workdir,
            sbatch,
            submissions: Vec::new(),
        })
    }

    /// Reads `RUN/manifest.json`.
    pub fn load(run: &Path) -> Result<Self, SlurmError> {
        let path = run.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SlurmError::NotARun { dir: run.to_path_buf() }
            } else {
                SlurmError::io(&path, e)
            }
        })?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| SlurmError::BadManifest { path: path.clone(), reason: e.to_string() })?;
        if m.format != MANIFEST_FORMAT {
            return Err(SlurmError::BadManifest { path, reason: format!("its format is `{}`", m.format) });
        }
        Ok(m)
    }

    /// Writes `RUN/manifest.json` (pretty JSON), via a temporary file so a crash leaves the old one.
    pub fn save(&self, run: &Path) -> Result<(), SlurmError> {
        let path = run.join(MANIFEST_FILE);
        let tmp = run.join(".manifest.json.part");
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| SlurmError::BadManifest { path: path.clone(), reason: e.to_string() })?
            + "\n";
        std::fs::write(&tmp, text).map_err(|e| SlurmError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| SlurmError::io(&path, e))
    }

    /// The folder shard files go to.
    pub fn shard_dir(run: &Path) -> PathBuf {
        run.join("shards")
    }

    /// The shard file of task `i`.
    pub fn shard_path(run: &Path, i: u32) -> PathBuf {
        Self::shard_dir(run).join(format!("shard-{i}.json"))
    }

    /// The job id of the latest submission of each task (index 0 = task 1).
    pub fn latest_jobs(&self) -> Vec<Option<&str>> {
        let mut jobs = vec![None; self.tasks as usize];
        for s in &self.submissions {
            for t in &s.tasks {
                if let Some(slot) = t.checked_sub(1).and_then(|k| jobs.get_mut(k as usize)) {
                    *slot = Some(s.job_id.as_str());
                }
            }
        }
        jobs
    }

    /// Checks that the run folder is still where it was created. A moved folder still collects
    /// (shards are found relative to it) but its script writes to the old place.
    pub fn check_location(&self, run: &Path) -> Result<(), SlurmError> {
        let here = std::fs::canonicalize(run).map_err(|e| SlurmError::io(run, e))?;
        let recorded = std::fs::canonicalize(&self.run_dir).unwrap_or_else(|_| self.run_dir.clone());
        if here == recorded {
            Ok(())
        } else {
            Err(SlurmError::Moved { recorded: self.run_dir.clone(), actual: here })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::new(
            Sharded::Power,
            vec!["power".into()],
            None,
            4,
            "/opt/entente/bin/entente".into(),
            "/scratch/run1".into(),
            "/scratch/workdir".into(),
            SbatchOptions::default(),
        )
        .unwrap()
    }

    #[test]
    fn latest_submission_wins() {
        let mut m = manifest();
        m.submissions.push(Submission { job_id: "10".into(), tasks: vec![1, 2, 3, 4] });
        m.submissions.push(Submission { job_id: "11".into(), tasks: vec![3] });
        assert_eq!(m.latest_jobs(), [Some("10"), Some("10"), Some("11"), Some("10")]);
    }

    #[test]
    fn relative_or_unquotable_paths_are_refused() {
        let mut ok = manifest();
        ok.run_dir = "scratch/run1".into();
        let e = Manifest::new(
            Sharded::Power,
            vec![],
            None,
            4,
            ok.binary.clone(),
            ok.run_dir.clone(),
            ok.workdir.clone(),
            SbatchOptions::default(),
        );
        assert!(e.unwrap_err().to_string().contains("absolute"));
        let e = Manifest::new(
            Sharded::Power,
            vec![],
            None,
            4,
            ok.binary.clone(),
            "/scratch/my run".into(),
            ok.workdir,
            SbatchOptions::default(),
        );
        assert!(e.unwrap_err().to_string().contains("space"));
    }

    #[test]
    fn manifest_round_trips_through_json() {
        let mut m = manifest();
        m.submissions.push(Submission { job_id: "10".into(), tasks: vec![1, 2] });
        let back: Manifest = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }
}
