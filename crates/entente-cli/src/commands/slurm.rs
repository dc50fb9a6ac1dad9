//! `entente slurm submit|status|collect|resubmit`: shardable commands as Slurm job arrays.
use super::{merge, power, sim, Cli, Command, UsageError};
use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use entente_slurm::manifest::SCRIPT_FILE;
use entente_slurm::scheduler::{self, TaskStates};
use entente_slurm::shard::{index_list, ENTENTE_VERSION};
use entente_slurm::status::{self, ShardFileState, ShardStatus};
use entente_slurm::{script, Manifest, SbatchOptions, Sharded, SlurmError, Submission};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `slurm` verb.
#[derive(Args)]
pub struct SlurmArgs {
    #[command(subcommand)]
    command: SlurmCommand,
}

#[derive(Subcommand)]
enum SlurmCommand {
    /// Write an sbatch script for a job array (task i computes shard i/N) into a run folder and
    /// submit it.
    Submit(SubmitArgs),
    /// The state of every shard of a run: done, pending, running, failed or missing.
    Status(RunArgs),
    /// Check that every shard is present and made alike, merge them and write the result.
    Collect(CollectArgs),
    /// Submit again only the shards that failed or are missing.
    Resubmit(ResubmitArgs),
}

#[derive(Args)]
struct SubmitArgs {
    /// Number of array tasks, one shard each (required).
    #[arg(long)]
    tasks: Option<u32>,
    /// Run folder to create (required): manifest, sbatch script, shards and logs go there. It
    /// must be on a file system the compute nodes see.
    #[arg(long, value_name = "DIR")]
    run: Option<PathBuf>,
    /// Slurm partition (`sbatch --partition`).
    #[arg(long)]
    partition: Option<String>,
    /// Wall time per task, e.g. 00:10:00 (`sbatch --time`).
    #[arg(long)]
    time: Option<String>,
    /// CPUs per task (`sbatch --cpus-per-task`); each task uses that many worker threads.
    #[arg(long)]
    cpus_per_task: Option<u32>,
    /// Memory per task, e.g. 2G (`sbatch --mem`).
    #[arg(long)]
    mem: Option<String>,
    /// Account to charge (`sbatch --account`).
    #[arg(long)]
    account: Option<String>,
    /// Environment module to load before each task runs (repeat for more).
    #[arg(long = "module", value_name = "NAME")]
    modules: Vec<String>,
    /// Print the sbatch script and stop (nothing is written or submitted).
    #[arg(long)]
    dry_run: bool,
    /// Run the tasks one after another on this machine instead of submitting them (no Slurm
    /// needed; the same script, with `SLURM_ARRAY_TASK_ID` set for each task).
    #[arg(long, conflicts_with = "dry_run")]
    local: bool,
    /// The command line to split, without `entente`: `power ...`, `sim run ...`,
    /// `sim sweep ...` or `fit ... --se bootstrap`. The options above may also follow it.
    #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

#[derive(Args)]
struct RunArgs {
    /// The run folder of `entente slurm submit`.
    run: PathBuf,
}

#[derive(Args)]
struct CollectArgs {
    /// The run folder of `entente slurm submit`.
    run: PathBuf,
    /// Where to write the merged result (default: `RUN/result.json`, or the folder `RUN/result`
    /// for `sim run`).
    #[arg(long, short)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct ResubmitArgs {
    /// The run folder of `entente slurm submit`.
    run: PathBuf,
    /// Print what would be submitted and stop.
    #[arg(long)]
    dry_run: bool,
    /// Run the shards on this machine instead of submitting them.
    #[arg(long, conflicts_with = "dry_run")]
    local: bool,
    /// The run folder was moved: rewrite its script and manifest for the new place first.
    #[arg(long)]
    relocate: bool,
}

/// Runs the verb.
pub fn run(args: SlurmArgs) -> Result<()> {
    match args.command {
        SlurmCommand::Submit(a) => submit(a),
        SlurmCommand::Status(a) => status_cmd(&a.run),
        SlurmCommand::Collect(a) => collect(a),
        SlurmCommand::Resubmit(a) => resubmit(a),
    }
}

fn usage(e: SlurmError) -> anyhow::Error {
    match e {
        SlurmError::Usage(m) => UsageError(m).into(),
        other => other.into(),
    }
}

/// Which sharded command the command line is, and the settings hash its shards will carry when
/// it can be computed without running anything.
fn plan(command: &[String], tasks: u32) -> Result<(Sharded, Option<String>)> {
    for w in command {
        let flag = w.split('=').next().unwrap_or("");
        if matches!(flag, "--shard" | "--out" | "-o" | "--boot-out") {
            return Err(UsageError(format!(
                "Leave `{flag}` out of the command line: each task gets its own `--shard i/N` and shard file, and `entente slurm collect RUN --out PATH` writes the result."
            ))
            .into());
        }
    }
    let cli = Cli::try_parse_from(std::iter::once("entente".to_string()).chain(command.iter().cloned()))
        .map_err(|e| UsageError(format!("In the command line to split: {}", e.render().to_string().trim())))?;
    match &cli.command {
        Command::Power(a) => Ok((Sharded::Power, Some(power::settings_hash(a, tasks)?))),
        Command::Sim(a) => {
            let (kind, hash) = sim::shard_plan(a, tasks)?;
            Ok((kind, Some(hash)))
        }
        Command::Fit(a) if a.bootstrap_on_data() => Ok((Sharded::FitBootstrap, None)),
        Command::Fit(_) => {
            Err(UsageError("Only `fit --data D.csv --se bootstrap` can be split into shards.".into()).into())
        }
        _ => Err(UsageError(format!(
            "`{}` cannot be split into shards; `entente slurm` runs `power`, `sim run`, `sim sweep` and `fit --se bootstrap`.",
            command.first().map(String::as_str).unwrap_or("")
        ))
        .into()),
    }
}

/// Moves the options of `submit` that follow the command line (`entente slurm submit power ...
/// --tasks 64`) into `a`; none of the split commands has options of these names.
fn own_options(mut a: SubmitArgs) -> Result<SubmitArgs> {
    let words = std::mem::take(&mut a.command);
    let mut it = words.into_iter();
    while let Some(w) = it.next() {
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (w.clone(), None),
        };
        let switch = matches!(flag.as_str(), "--dry-run" | "--local");
        let known = switch
            || matches!(
                flag.as_str(),
                "--tasks" | "--run" | "--partition" | "--time" | "--cpus-per-task" | "--mem" | "--account" | "--module"
            );
        if !known {
            a.command.push(w);
            continue;
        }
        if switch {
            if flag == "--dry-run" {
                a.dry_run = true;
            } else {
                a.local = true;
            }
            continue;
        }
        let value = match inline.or_else(|| it.next()) {
            Some(v) => v,
            None => return Err(UsageError(format!("`{flag}` needs a value.")).into()),
        };
        let bad = |what: &str| UsageError(format!("`{flag} {value}`: {what}"));
        let once = |given: bool| if given { Err(UsageError(format!("`{flag}` is given twice."))) } else { Ok(()) };
        match flag.as_str() {
            "--tasks" => {
                once(a.tasks.is_some())?;
                a.tasks = Some(value.parse().map_err(|_| bad("give a whole number."))?);
            }
            "--run" => {
                once(a.run.is_some())?;
                a.run = Some(PathBuf::from(&value));
            }
            "--cpus-per-task" => {
                once(a.cpus_per_task.is_some())?;
                a.cpus_per_task = Some(value.parse().map_err(|_| bad("give a whole number."))?);
            }
            "--partition" => a.partition = Some(value),
            "--time" => a.time = Some(value),
            "--mem" => a.mem = Some(value),
            "--account" => a.account = Some(value),
            _ => a.modules.push(value),
        }
    }
    if a.dry_run && a.local {
        return Err(UsageError("Give `--dry-run` or `--local`, not both.".into()).into());
    }
    Ok(a)
}

fn submit(a: SubmitArgs) -> Result<()> {
    let a = own_options(a)?;
    let (Some(tasks), Some(run)) = (a.tasks, a.run.clone()) else {
        return Err(UsageError("Give the number of tasks and the run folder: `--tasks N --run DIR`.".into()).into());
    };
    if tasks == 0 {
        return Err(UsageError("`--tasks` must be at least 1.".into()).into());
    }
    let (kind, hash) = plan(&a.command, tasks)?;
    let binary = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .context("Could not find the path of the running `entente` binary.")?;
    let workdir = std::env::current_dir().context("Could not read the current directory.")?;
    let run_dir = std::path::absolute(&run).with_context(|| format!("Could not resolve `{}`.", run.display()))?;
    let options = SbatchOptions {
        partition: a.partition,
        time: a.time,
        cpus_per_task: a.cpus_per_task,
        mem: a.mem,
        account: a.account,
        modules: a.modules,
    };
    let mut m =
        Manifest::new(kind, a.command, hash, tasks, binary, run_dir.clone(), workdir, options).map_err(usage)?;
    if a.dry_run {
        print!("{}", script::sbatch_script(&m));
        return Ok(());
    }
    if run_dir.join(entente_slurm::manifest::MANIFEST_FILE).exists() {
        return Err(UsageError(format!(
            "`{}` already holds a run; give a new folder to `--run` (or see `entente slurm status {}`).",
            run_dir.display(),
            run.display()
        ))
        .into());
    }
    for sub in ["shards", "logs"] {
        let d = run_dir.join(sub);
        std::fs::create_dir_all(&d).with_context(|| format!("Could not create `{}`.", d.display()))?;
    }
    // Canonical from here on, so that a later `check_location` compares like with like.
    m.run_dir = std::fs::canonicalize(&run_dir)?;
    let tasks: Vec<u32> = (1..=m.tasks).collect();
    m.save(&m.run_dir)?;
    let script_path = script::write_script(&m, &m.run_dir)?;
    let run = m.run_dir.clone();
    dispatch(&mut m, &run, &script_path, &tasks, a.local)
}

/// Submits `tasks` (or runs them here with `local`), records the submission and says what next.
fn dispatch(m: &mut Manifest, run: &Path, script_path: &Path, tasks: &[u32], local: bool) -> Result<()> {
    let list = index_list(tasks);
    if local {
        m.submissions.push(Submission { job_id: "local".into(), tasks: tasks.to_vec() });
        m.save(run)?;
        let failed = run_local(m, run, script_path, tasks)?;
        if !failed.is_empty() {
            bail!(
                "Tasks {} failed; their logs are `{}/logs/local_<i>.out`. Fix the cause, then `entente slurm resubmit {} --local`.",
                index_list(&failed),
                run.display(),
                run.display()
            );
        }
        eprintln!("Ran tasks {list} here. Next: `entente slurm collect {}`.", run.display());
        return Ok(());
    }
    let array = if tasks.len() == m.tasks as usize { Vec::new() } else { vec![format!("--array={list}")] };
    let job = scheduler::sbatch(script_path, &array)?;
    m.submissions.push(Submission { job_id: job.clone(), tasks: tasks.to_vec() });
    m.save(run)?;
    println!("{job}");
    eprintln!(
        "Submitted job array {job} (tasks {list}). Follow it with `entente slurm status {run}`; when every shard is done, `entente slurm collect {run}`.",
        run = run.display()
    );
    Ok(())
}

/// Runs the sbatch script once per task, as Slurm would, one task after another.
fn run_local(m: &Manifest, run: &Path, script_path: &Path, tasks: &[u32]) -> Result<Vec<u32>> {
    let cpus = m
        .sbatch
        .cpus_per_task
        .map(|c| c as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map(usize::from).unwrap_or(1));
    let mut failed = Vec::new();
    for &i in tasks {
        let log_path = run.join("logs").join(format!("local_{i}.out"));
        let log =
            std::fs::File::create(&log_path).with_context(|| format!("Could not write `{}`.", log_path.display()))?;
        let status = std::process::Command::new("bash")
            .arg(script_path)
            .env("SLURM_ARRAY_TASK_ID", i.to_string())
            .env("SLURM_ARRAY_JOB_ID", "local")
            .env("SLURM_CPUS_PER_TASK", cpus.to_string())
            .stdout(log.try_clone()?)
            .stderr(log)
            .status()
            .context("Could not start `bash` to run the task script.")?;
        if !status.success() {
            failed.push(i);
        }
    }
    Ok(failed)
}

/// Loads the manifest; a moved folder is reported, and refused unless `allow_moved`.
fn load(run: &Path, allow_moved: bool) -> Result<Manifest> {
    let m = Manifest::load(run)?;
    if let Err(e) = m.check_location(run) {
        if !allow_moved || !matches!(e, SlurmError::Moved { .. }) {
            return Err(e.into());
        }
        eprintln!("warning: {e}");
    }
    Ok(m)
}

/// Asks Slurm about every job of the run (none for local runs or without Slurm).
fn query_jobs(m: &Manifest) -> BTreeMap<String, Option<TaskStates>> {
    let mut jobs = BTreeMap::new();
    for s in &m.submissions {
        if s.job_id != "local" && !jobs.contains_key(&s.job_id) {
            jobs.insert(s.job_id.clone(), scheduler::query(&s.job_id));
        }
    }
    jobs
}

fn status_cmd(run: &Path) -> Result<()> {
    let m = load(run, true)?;
    // Slurm first, files second: a task writes its shard before Slurm calls it COMPLETED, so a
    // task that finishes in between is seen as done, never as "completed without a shard".
    let jobs = query_jobs(&m);
    let scan = status::scan(&m, run);
    let states = status::statuses(&m, &scan, &jobs);
    let latest = m.latest_jobs();
    println!("run:     {}", run.display());
    println!("command: entente {}", m.command_line.join(" "));
    println!("shards:  {} (Entente {})", m.tasks, m.entente_version);
    for (job, answer) in &jobs {
        if answer.is_none() {
            println!("note:    Slurm gave no information on job {job} (finished long ago, or no Slurm here).");
        }
    }
    println!("{:>6}  {:<10}  state", "shard", "job");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, s) in states.iter().enumerate() {
        println!("{:>6}  {:<10}  {s}", k + 1, latest[k].unwrap_or("-"));
        let key = match s {
            ShardStatus::Done => "done",
            ShardStatus::Pending => "pending",
            ShardStatus::Running => "running",
            ShardStatus::Failed(_) => "failed",
            ShardStatus::Missing => "missing",
        };
        *counts.entry(key).or_default() += 1;
    }
    let summary: Vec<String> = ["done", "pending", "running", "failed", "missing"]
        .iter()
        .map(|k| format!("{} {k}", counts.get(k).copied().unwrap_or(0)))
        .collect();
    println!("{}", summary.join(", "));
    let again = status::to_resubmit(&states);
    if !again.is_empty() {
        eprintln!("Shards {} need to run again: `entente slurm resubmit {}`.", index_list(&again), run.display());
    } else if counts.get("done").copied() == Some(m.tasks as usize) {
        eprintln!("All shards are done: `entente slurm collect {}`.", run.display());
    }
    Ok(())
}

fn collect(a: CollectArgs) -> Result<()> {
    let m = load(&a.run, true)?;
    if m.entente_version != ENTENTE_VERSION {
        bail!(
            "This is Entente {ENTENTE_VERSION}, but the run was made with Entente {}; collect it with that version (`{}`), whose merge matches its shards.",
            m.entente_version,
            m.binary.display()
        );
    }
    let t = std::time::Instant::now();
    let shards = status::complete(status::scan(&m, &a.run))?;
    let out = a.out.unwrap_or_else(|| a.run.join(m.command.default_result()));
    merge::merge_shards(shards, Some(&out))?;
    eprintln!("Merged {} shards into `{}` in {:.2} s.", m.tasks, out.display(), t.elapsed().as_secs_f64());
    Ok(())
}

fn resubmit(a: ResubmitArgs) -> Result<()> {
    let mut m = load(&a.run, a.relocate)?;
    let run = std::fs::canonicalize(&a.run)?;
    let script_path = run.join(SCRIPT_FILE);
    if a.relocate && run != m.run_dir {
        eprintln!("Relocating the run from `{}` to `{}`.", m.run_dir.display(), run.display());
        m.run_dir = run.clone();
        m.save(&run)?;
        script::write_script(&m, &run)?;
    }
    if !m.binary.exists() {
        bail!(
            "The binary `{}` that ran this job is gone; shards from another build would not match the others. Put Entente {} back at that path, or start a new run.",
            m.binary.display(),
            m.entente_version
        );
    }
    let jobs = query_jobs(&m);
    let scan = status::scan(&m, &run);
    let states = status::statuses(&m, &scan, &jobs);
    let again = status::to_resubmit(&states);
    if again.is_empty() {
        let done = states.iter().filter(|s| **s == ShardStatus::Done).count();
        eprintln!("Nothing to resubmit: {done} of {} shards are done, the others are queued or running.", m.tasks);
        return Ok(());
    }
    if a.dry_run {
        println!("sbatch --array={} {}", index_list(&again), script_path.display());
        return Ok(());
    }
    // Unusable shard files are kept aside for inspection, not merged and not overwritten blindly.
    for &i in &again {
        if let Some(ShardFileState::Unreadable(_) | ShardFileState::Foreign(_)) = scan.files.get(i as usize - 1) {
            let from = Manifest::shard_path(&run, i);
            let to = from.with_extension("json.rejected");
            std::fs::rename(&from, &to).with_context(|| format!("Could not move `{}` aside.", from.display()))?;
            eprintln!("Moved the unusable shard {i} to `{}`.", to.display());
        }
    }
    dispatch(&mut m, &run, &script_path, &again, a.local)
}
