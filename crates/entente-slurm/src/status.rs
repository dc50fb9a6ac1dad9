//! The state of every shard of a run: its file (present, missing, unreadable, foreign) joined with
//! what Slurm says about its task.
use crate::manifest::Manifest;
use crate::scheduler::{TaskState, TaskStates};
use crate::shard::{index_list, read_shard, RawShard};
use crate::SlurmError;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// What the shard file of one task says.
#[derive(Debug, Clone)]
pub enum ShardFileState {
    /// Present and made by this run's command, settings and Entente version.
    Good(Box<RawShard>),
    /// No file (yet).
    Missing,
    /// A file that is not a readable shard (e.g. cut short).
    Unreadable(String),
    /// A shard made by something else; the reason names the field that differs.
    Foreign(String),
}

/// One shard's status, as `entente slurm status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardStatus {
    /// The shard file is present and good.
    Done,
    /// Queued.
    Pending,
    /// Running.
    Running,
    /// Not usable, with the reason (failed task, missing or bad file).
    Failed(String),
    /// Never submitted, or Slurm no longer knows the task and it left no shard.
    Missing,
}

impl fmt::Display for ShardStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShardStatus::Done => f.write_str("done"),
            ShardStatus::Pending => f.write_str("pending"),
            ShardStatus::Running => f.write_str("running"),
            ShardStatus::Failed(why) => write!(f, "failed: {why}"),
            ShardStatus::Missing => f.write_str("missing"),
        }
    }
}

/// Every shard file of a run, checked against its manifest.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Index 0 = shard 1.
    pub files: Vec<ShardFileState>,
    /// The settings hash the shards are checked against: the manifest's, or else the most common
    /// among the present shards (lowest index on a tie).
    pub settings_hash: Option<String>,
}

/// Reads every `shards/shard-<i>.json` of the run in `run` and checks each header against the
/// manifest: command, Entente version, shard count and index, settings hash.
pub fn scan(m: &Manifest, run: &Path) -> Scan {
    let mut read: Vec<Result<RawShard, ShardFileState>> = (1..=m.tasks)
        .map(|i| {
            let path = Manifest::shard_path(run, i);
            if !path.exists() {
                return Err(ShardFileState::Missing);
            }
            read_shard(&path).map_err(|e| ShardFileState::Unreadable(e.to_string()))
        })
        .collect();
    let settings_hash = m.settings_hash.clone().or_else(|| {
        let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (k, s) in read.iter().enumerate() {
            if let Ok(s) = s {
                let e = counts.entry(s.header.settings_hash.as_str()).or_insert((0, k));
                e.0 += 1;
            }
        }
        counts.into_iter().max_by_key(|(_, (n, first))| (*n, std::cmp::Reverse(*first))).map(|(h, _)| h.to_string())
    });
    let files = read
        .iter_mut()
        .enumerate()
        .map(|(k, r)| match std::mem::replace(r, Err(ShardFileState::Missing)) {
            Err(state) => state,
            Ok(s) => match foreign(m, settings_hash.as_deref(), k as u32 + 1, &s) {
                Some(why) => ShardFileState::Foreign(why),
                None => ShardFileState::Good(Box::new(s)),
            },
        })
        .collect();
    Scan { files, settings_hash }
}

fn foreign(m: &Manifest, hash: Option<&str>, index: u32, s: &RawShard) -> Option<String> {
    let h = &s.header;
    let cmd = m.command.header_command();
    if h.command != cmd {
        return Some(format!("it holds a shard of `{}`, not of `{cmd}`", h.command));
    }
    if h.entente_version != m.entente_version {
        return Some(format!(
            "it was written by Entente {}, but the run was submitted with Entente {} (was the binary replaced during the run?)",
            h.entente_version, m.entente_version
        ));
    }
    if h.shard_count != m.tasks || h.shard_index != index {
        return Some(format!(
            "it is shard {}/{}, but this file must hold shard {index}/{}",
            h.shard_index, h.shard_count, m.tasks
        ));
    }
    if let Some(expected) = hash {
        if h.settings_hash != expected {
            return Some(format!(
                "it was made with different settings (hash {}, the run's is {expected}): an input file, seed or option changed after submission",
                h.settings_hash
            ));
        }
    }
    None
}

/// Joins the shard files with the scheduler's view of each task: `jobs` maps a job id to what
/// Slurm said about it (`None` when Slurm gave no answer). Ask Slurm *before* scanning the files:
/// a task moves its shard into place before Slurm marks it `COMPLETED`, so in that order a task
/// that finishes in between is seen as done rather than as completed without a shard.
pub fn statuses(m: &Manifest, scan: &Scan, jobs: &BTreeMap<String, Option<TaskStates>>) -> Vec<ShardStatus> {
    let latest = m.latest_jobs();
    scan.files
        .iter()
        .enumerate()
        .map(|(k, file)| {
            let task = k as u32 + 1;
            let state = latest[k].and_then(|j| jobs.get(j)).and_then(|s| s.as_ref()).and_then(|s| s.get(&task));
            match (file, state) {
                (ShardFileState::Good(_), _) => ShardStatus::Done,
                (_, Some(TaskState::Pending)) => ShardStatus::Pending,
                (_, Some(TaskState::Running)) => ShardStatus::Running,
                (ShardFileState::Unreadable(why) | ShardFileState::Foreign(why), _) => ShardStatus::Failed(why.clone()),
                (ShardFileState::Missing, Some(TaskState::Failed(state))) => {
                    ShardStatus::Failed(format!("Slurm reports the task {state}; see the log in `logs/`"))
                }
                (ShardFileState::Missing, Some(TaskState::Completed)) => {
                    ShardStatus::Failed("the task completed but left no shard file".into())
                }
                (ShardFileState::Missing, None) => match latest[k] {
                    Some("local") => ShardStatus::Failed("the local task left no shard file".into()),
                    _ => ShardStatus::Missing,
                },
            }
        })
        .collect()
}

/// The shards to run again: every shard that is neither done nor still queued or running.
pub fn to_resubmit(statuses: &[ShardStatus]) -> Vec<u32> {
    statuses
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, ShardStatus::Failed(_) | ShardStatus::Missing))
        .map(|(k, _)| k as u32 + 1)
        .collect()
}

/// The shards of a complete run, in index order, or an error naming every shard that is not
/// usable and why.
pub fn complete(scan: Scan) -> Result<Vec<RawShard>, SlurmError> {
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    let mut good = Vec::with_capacity(scan.files.len());
    for (k, f) in scan.files.into_iter().enumerate() {
        let i = k + 1;
        match f {
            ShardFileState::Good(s) => good.push(*s),
            ShardFileState::Missing => missing.push(i as u32),
            ShardFileState::Unreadable(why) => problems.push(format!("shard {i}: unreadable: {why}")),
            ShardFileState::Foreign(why) => problems.push(format!("shard {i}: {why}")),
        }
    }
    if !missing.is_empty() {
        problems.insert(
            0,
            format!("shards {} have no file (the task failed, was killed or has not run)", index_list(&missing)),
        );
    }
    if problems.is_empty() {
        Ok(good)
    } else {
        Err(SlurmError::Incomplete { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{SbatchOptions, Sharded, Submission};
    use crate::shard::{ShardFile, ShardHeader};

    fn manifest() -> Manifest {
        let mut m = Manifest::new(
            Sharded::Power,
            vec![],
            None,
            4,
            "/b/entente".into(),
            "/r".into(),
            "/w".into(),
            SbatchOptions::default(),
        )
        .unwrap();
        m.submissions.push(Submission { job_id: "5".into(), tasks: vec![1, 2, 3, 4] });
        m
    }

    fn good(i: u32) -> ShardFileState {
        let header = ShardHeader::new("power", &0, i, 4).unwrap();
        ShardFileState::Good(Box::new(ShardFile {
            header,
            settings: serde_json::json!(0),
            payload: serde_json::value::RawValue::from_string("[]".into()).unwrap(),
        }))
    }

    #[test]
    fn file_and_scheduler_states_combine() {
        let m = manifest();
        let scan = Scan {
            files: vec![good(1), ShardFileState::Missing, ShardFileState::Missing, ShardFileState::Missing],
            settings_hash: None,
        };
        let mut s = TaskStates::new();
        s.insert(1, TaskState::Completed);
        s.insert(2, TaskState::Failed("TIMEOUT".into()));
        s.insert(3, TaskState::Running);
        let jobs = BTreeMap::from([("5".to_string(), Some(s))]);
        let st = statuses(&m, &scan, &jobs);
        assert_eq!(st[0], ShardStatus::Done);
        assert!(matches!(&st[1], ShardStatus::Failed(w) if w.contains("TIMEOUT")));
        assert_eq!(st[2], ShardStatus::Running);
        assert_eq!(st[3], ShardStatus::Missing);
        assert_eq!(to_resubmit(&st), [2, 4]);
    }

    #[test]
    fn incomplete_runs_name_every_problem() {
        let scan = Scan {
            files: vec![
                good(1),
                ShardFileState::Missing,
                ShardFileState::Foreign("different settings".into()),
                ShardFileState::Missing,
            ],
            settings_hash: None,
        };
        let err = complete(scan).unwrap_err().to_string();
        assert!(err.contains("shards 2,4 have no file"), "{err}");
        assert!(err.contains("shard 3: different settings"), "{err}");
    }
}
