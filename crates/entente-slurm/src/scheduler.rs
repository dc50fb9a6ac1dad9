//! What Slurm says about the tasks of a job array: parsers of `squeue`, `sacct` and
//! `scontrol show job` output, and the calls that produce it.
//!
//! - `squeue -h -r -j JOB -o %i|%T` lists live tasks, one per line: `1234_3|RUNNING`; without
//!   `-r` pending tasks come folded, `1234_[5-8,10]|PENDING`.
//! - `sacct -n -P -X -j JOB -o JobID,State` lists finished tasks too, while accounting is
//!   enabled: `1234_4|FAILED`, `1234_2|CANCELLED by 0`.
//! - `scontrol -o show job JOB` keeps finished tasks for `MinJobAge` seconds (the fallback on
//!   clusters without accounting): `JobId=1237 ArrayJobId=1234 ArrayTaskId=3 JobState=COMPLETED ...`.
use crate::SlurmError;
use std::collections::BTreeMap;
use std::process::Command;

/// The state of one array task, reduced to what `status` and `resubmit` need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting in the queue (also held, suspended or requeued).
    Pending,
    /// Running or completing.
    Running,
    /// Finished with exit code 0.
    Completed,
    /// Finished without success; the Slurm state (`FAILED`, `TIMEOUT`, `CANCELLED`, ...).
    Failed(String),
}

impl TaskState {
    /// Maps a Slurm job state (`RUNNING`, `CANCELLED by 0`, `CANCELLED+`) to a task state.
    pub fn from_slurm(state: &str) -> TaskState {
        let word = state.split_whitespace().next().unwrap_or("").trim_end_matches('+');
        match word {
            "PENDING" | "CONFIGURING" | "REQUEUED" | "REQUEUE_HOLD" | "REQUEUE_FED" | "RESIZING" | "SUSPENDED"
            | "STOPPED" => TaskState::Pending,
            "RUNNING" | "COMPLETING" | "STAGE_OUT" | "SIGNALING" => TaskState::Running,
            "COMPLETED" => TaskState::Completed,
            other => TaskState::Failed(other.to_string()),
        }
    }

    /// Whether Slurm may still run the task (so it must not be resubmitted).
    pub fn is_live(&self) -> bool {
        matches!(self, TaskState::Pending | TaskState::Running)
    }
}

/// Task id -> state, for one array job.
pub type TaskStates = BTreeMap<u32, TaskState>;

/// Parses Slurm's array task list: `3`, `[5-8,10]`, `5-8%2` (a `%` limit is dropped).
pub fn parse_task_list(text: &str) -> Result<Vec<u32>, SlurmError> {
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    let inner = inner.split('%').next().unwrap_or("");
    let bad = || SlurmError::SchedulerOutput { line: text.to_string(), why: "not a list of array task ids".into() };
    let mut out = Vec::new();
    for part in inner.split(',').filter(|p| !p.is_empty()) {
        // Step syntax `1-9:2`.
        let (range, step) = match part.split_once(':') {
            Some((r, s)) => (r, s.parse::<u32>().map_err(|_| bad())?.max(1)),
            None => (part, 1),
        };
        match range.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (a.parse::<u32>().map_err(|_| bad())?, b.parse::<u32>().map_err(|_| bad())?);
                if b < a || b - a > 10_000_000 {
                    return Err(bad());
                }
                out.extend((a..=b).step_by(step as usize));
            }
            None => out.push(range.parse().map_err(|_| bad())?),
        }
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

/// Parses `JOB_TASKS|STATE` lines (`squeue -o %i|%T`, `sacct -P -o JobID,State`) for array `job`.
/// Lines of other jobs, job steps (`1234_3.batch`) and the array's own line are skipped.
pub fn parse_pipe_lines(job: &str, text: &str) -> Result<TaskStates, SlurmError> {
    let mut states = TaskStates::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((id, state)) = line.split_once('|') else {
            return Err(SlurmError::SchedulerOutput { line: line.into(), why: "expected `JOBID|STATE`".into() });
        };
        let Some((array, tasks)) = id.split_once('_') else { continue };
        if array != job || tasks.contains('.') {
            continue;
        }
        let state = TaskState::from_slurm(state);
        for t in parse_task_list(tasks)? {
            states.insert(t, state.clone());
        }
    }
    Ok(states)
}

/// Parses `scontrol -o show job JOB` output: one line per task record, `key=value` words.
pub fn parse_scontrol(job: &str, text: &str) -> Result<TaskStates, SlurmError> {
    let mut states = TaskStates::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let field = |key: &str| {
            line.split_whitespace().find_map(|w| w.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
        };
        let (Some(array), Some(tasks), Some(state)) = (field("ArrayJobId"), field("ArrayTaskId"), field("JobState"))
        else {
            continue;
        };
        if array != job {
            continue;
        }
        let state = TaskState::from_slurm(state);
        for t in parse_task_list(tasks)? {
            states.insert(t, state.clone());
        }
    }
    Ok(states)
}

fn run_tool(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether Slurm's client commands are installed (`sbatch` on the `PATH`).
pub fn slurm_available() -> bool {
    Command::new("sbatch").arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
}

/// Asks Slurm about the tasks of array job `job`: `scontrol` and `sacct` for finished tasks, then
/// `squeue` for live ones (the freshest word wins). `None` when no tool answered, e.g. on a
/// machine without Slurm or once the job has aged out of every record.
pub fn query(job: &str) -> Option<TaskStates> {
    let mut states = TaskStates::new();
    let mut answered = false;
    if let Some(text) = run_tool("scontrol", &["-o", "show", "job", job]) {
        if let Ok(s) = parse_scontrol(job, &text) {
            answered |= !s.is_empty();
            states.extend(s);
        }
    }
    if let Some(text) = run_tool("sacct", &["-n", "-P", "-X", "-j", job, "-o", "JobID,State"]) {
        if let Ok(s) = parse_pipe_lines(job, &text) {
            answered |= !s.is_empty();
            states.extend(s);
        }
    }
    if let Some(text) = run_tool("squeue", &["-h", "-r", "-j", job, "-o", "%i|%T"]) {
        if let Ok(s) = parse_pipe_lines(job, &text) {
            answered |= !s.is_empty();
            states.extend(s);
        }
    }
    answered.then_some(states)
}

/// Submits `script` with `sbatch --parsable [extra...]` and returns the job id.
pub fn sbatch(script: &std::path::Path, extra: &[String]) -> Result<String, SlurmError> {
    let mut cmd = Command::new("sbatch");
    cmd.arg("--parsable").args(extra).arg(script);
    let out = cmd.output().map_err(|e| SlurmError::Sbatch {
        message: format!("could not start `sbatch` ({e}); is Slurm installed and on the PATH?"),
    })?;
    if !out.status.success() {
        return Err(SlurmError::Sbatch { message: String::from_utf8_lossy(&out.stderr).trim().to_string() });
    }
    parse_parsable(&String::from_utf8_lossy(&out.stdout))
}

/// `sbatch --parsable` prints `JOBID` or `JOBID;CLUSTER`.
pub fn parse_parsable(text: &str) -> Result<String, SlurmError> {
    let id = text.trim().split(';').next().unwrap_or("").trim();
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(id.to_string())
    } else {
        Err(SlurmError::SchedulerOutput { line: text.trim().into(), why: "`sbatch --parsable` gave no job id".into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_lists() {
        assert_eq!(parse_task_list("3").unwrap(), [3]);
        assert_eq!(parse_task_list("[5-8,10]").unwrap(), [5, 6, 7, 8, 10]);
        assert_eq!(parse_task_list("[1-4%2]").unwrap(), [1, 2, 3, 4]);
        assert_eq!(parse_task_list("1-7:3").unwrap(), [1, 4, 7]);
        assert!(parse_task_list("[]").is_err());
        assert!(parse_task_list("x").is_err());
        assert!(parse_task_list("9-2").is_err());
    }

    // Captured from `squeue -h -r -j 2 -o '%i|%T'` and `squeue -h -j 2 -o '%i|%T'` on the one-node
    // Slurm 22.05 cluster of scripts/slurm-local.sh (a 5-task array on 2 CPUs), with a line of
    // another job added.
    #[test]
    fn squeue_lines() {
        let expanded = "2_3|PENDING\n2_4|PENDING\n2_5|PENDING\n2_2|RUNNING\n2_1|RUNNING\n7_1|RUNNING\n";
        let folded = "2_[3-5]|PENDING\n2_2|RUNNING\n2_1|RUNNING\n";
        for text in [expanded, folded] {
            let s = parse_pipe_lines("2", text).unwrap();
            assert_eq!(s.len(), 5);
            assert_eq!(s[&1], TaskState::Running);
            assert_eq!(s[&2], TaskState::Running);
            assert_eq!(s[&5], TaskState::Pending);
        }
    }

    // Written in the format of `sacct -n -P -X -j 1234 -o JobID,State` (Slurm's documented
    // states; the one-node test cluster has no accounting, where sacct exits 1 with "Slurm
    // accounting storage is disabled" and `query` falls back to scontrol); the `.batch` line
    // appears without -X.
    #[test]
    fn sacct_lines() {
        let text = "1234_1|COMPLETED\n1234_2|CANCELLED by 0\n1234_3|FAILED\n1234_3.batch|FAILED\n1234_4|TIMEOUT\n1234_5|OUT_OF_MEMORY\n1234_6|NODE_FAIL\n1234_[7-8]|PENDING\n";
        let s = parse_pipe_lines("1234", text).unwrap();
        assert_eq!(s[&1], TaskState::Completed);
        assert_eq!(s[&2], TaskState::Failed("CANCELLED".into()));
        assert_eq!(s[&3], TaskState::Failed("FAILED".into()));
        assert_eq!(s[&4], TaskState::Failed("TIMEOUT".into()));
        assert_eq!(s[&5], TaskState::Failed("OUT_OF_MEMORY".into()));
        assert_eq!(s[&6], TaskState::Failed("NODE_FAIL".into()));
        assert_eq!(s[&7], TaskState::Pending);
        assert!(parse_pipe_lines("1", "garbage without a bar").is_err());
    }

    // Captured from `scontrol -o show job 7` on a one-node Slurm 22.05 cluster (lines shortened).
    #[test]
    fn scontrol_lines() {
        let text = "JobId=9 ArrayJobId=7 ArrayTaskId=3-4 JobName=entente-power UserId=root(0) JobState=PENDING Reason=Resources Dependency=(null)\n\
JobId=8 ArrayJobId=7 ArrayTaskId=2 JobName=entente-power UserId=root(0) JobState=RUNNING Reason=None\n\
JobId=7 ArrayJobId=7 ArrayTaskId=1 JobName=entente-power UserId=root(0) JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0\n";
        let s = parse_scontrol("7", text).unwrap();
        assert_eq!(s[&1], TaskState::Failed("FAILED".into()));
        assert_eq!(s[&2], TaskState::Running);
        assert_eq!(s[&3], TaskState::Pending);
        assert_eq!(s[&4], TaskState::Pending);
        assert!(parse_scontrol("8", text).unwrap().is_empty());
        // One full record as Slurm 22.05 prints it (scripts/slurm-local.sh cluster), with the
        // smoke-test job of another array before it.
        let full = "JobId=1 JobName=slurm-local-smoke UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901759 Nice=0 Account=(null) QOS=(null) JobState=COMPLETED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0\n\
JobId=3 ArrayJobId=2 ArrayTaskId=1 JobName=entente-power UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901758 Nice=0 Account=(null) QOS=(null) JobState=COMPLETED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-26T04:02:33 EligibleTime=2026-11-26T04:02:34 Partition=debug NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 Command=/tmp/run1/job.sh StdOut=/tmp/run1/logs/2_1.out Power= \n";
        let s = parse_scontrol("2", full).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[&1], TaskState::Completed);
    }

    #[test]
    fn parsable_job_ids() {
        assert_eq!(parse_parsable("1234\n").unwrap(), "1234");
        assert_eq!(parse_parsable("1234;cluster\n").unwrap(), "1234");
        assert!(parse_parsable("sbatch: error").is_err());
    }
}
