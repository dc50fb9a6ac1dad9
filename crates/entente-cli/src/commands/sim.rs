//! `entente sim run|sweep|population|survey`: read a scenario, call `alliance-sim`, write the results.
use super::merge::{self, ShardHeader};
use super::UsageError;
use alliance_sim::population::population;
use alliance_sim::sweep::{grid, sweep_points, Axis};
use alliance_sim::{plot, run_reps, shard_range, RepResult, RunInfo, Scenario, Sim, Summary};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The `sim` verb.
#[derive(Args)]
pub struct SimArgs {
    #[command(subcommand)]
    command: SimCommand,
}

#[derive(Subcommand)]
enum SimCommand {
    /// Run replications of a scenario: summary JSON on stdout; panel CSV and SVG plots with --out.
    Run(RunArgs),
    /// Run a scenario over a grid of parameters: one CSV row per grid point.
    Sweep(SweepArgs),
    /// Draw and run a population of heterogeneous alliances: one CSV row per alliance.
    Population(PopulationArgs),
    /// Simulate alliances whose managers answer the trust-learning study questionnaire (both waves):
    /// a response CSV for `entente study run`, and optionally the latent states behind it.
    Survey(SurveyArgs),
    /// Fit the behavioural game to the alliance experiment's choices (maximum likelihood).
    Calibrate(super::sim_calib::CalibrateArgs),
    /// Compare held-out sessions of the experiment with simulations from fitted parameters.
    Validate(super::sim_calib::ValidateArgs),
}

/// The scenario, replications, seed and threads of `run` and `sweep`.
#[derive(Args)]
struct Source {
    /// Scenario file (TOML).
    scenario: Option<PathBuf>,
    /// A shipped scenario by name instead of a file (`economies-of-knowledge`,
    /// `synergies-of-knowledge`, `mismatch-economic`, `mismatch-behavioural`, `learning-race`,
    /// `crisis-recovery`).
    #[arg(long, conflicts_with = "scenario")]
    example: Option<String>,
    /// Replications, per grid point for `sweep` (default: the scenario's `replications`).
    #[arg(long)]
    reps: Option<u32>,
    /// Seed, the same for every grid point of `sweep` (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    source: Source,
    /// Output directory for panel.csv, summary.json, trust.svg, learning.svg, survival.svg; with
    /// --shard, the shard file to write.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Run only shard i of N of the replications (e.g. 2/4) and write a shard file for
    /// `entente merge`.
    #[arg(long)]
    shard: Option<String>,
}

#[derive(Args)]
struct SweepArgs {
    #[command(flatten)]
    source: Source,
    /// A parameter and its values, `path=v1,v2,...`, e.g. `environment.dynamism=0.1,0.5,0.9`
    /// or `partners.1.transparency=0.3,0.6`; repeat for more axes.
    #[arg(long = "param", required = true)]
    params: Vec<String>,
    /// CSV file to write (default: stdout); with --shard, the shard file to write.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Run only shard i of N of the grid points (e.g. 2/4) and write a shard file for
    /// `entente merge`.
    #[arg(long)]
    shard: Option<String>,
}

#[derive(Args)]
struct PopulationArgs {
    /// Number of alliances.
    #[arg(long, default_value_t = 500)]
    n: u32,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Periods each alliance runs.
    #[arg(long, default_value_t = 100)]
    periods: u32,
    /// CSV file to write (default: stdout).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Args)]
struct SurveyArgs {
    /// Number of alliances (one respondent each).
    #[arg(long, default_value_t = 500)]
    n: u32,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Periods each alliance runs.
    #[arg(long, default_value_t = 40)]
    periods: u32,
    /// Period of the second survey wave.
    #[arg(long, default_value_t = 12)]
    wave2: u32,
    /// Standardised loading of every item on its construct, in (0, 1).
    #[arg(long, default_value_t = 0.8)]
    loading: f64,
    /// Response CSV to write (default: stdout).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Also write the simulated latent states (the truth behind the answers) to this CSV.
    #[arg(long)]
    latent_out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

/// Everything that determines the result of `sim run`; its hash identifies compatible shards.
#[derive(Serialize, Deserialize)]
pub struct RunSettings {
    /// The scenario, after defaults.
    pub scenario: Scenario,
    /// Replications in the whole run.
    pub reps: u32,
    /// Seed.
    pub seed: u64,
}

/// For `entente slurm submit`: which sharded command this command line is and the settings hash
/// its shards will carry, or why it cannot be split into shards.
pub fn shard_plan(args: &SimArgs, tasks: u32) -> Result<(entente_slurm::Sharded, String)> {
    match &args.command {
        SimCommand::Run(a) => {
            let settings = load(&a.source)?;
            Sim::new(&settings.scenario)?;
            shard_range(settings.reps, 1, tasks).map_err(|e| UsageError(format!("`--tasks {tasks}`: {e}")))?;
            Ok((entente_slurm::Sharded::SimRun, ShardHeader::new("sim run", &settings, 1, 1)?.settings_hash))
        }
        SimCommand::Sweep(a) => {
            let settings = sweep_settings(a)?;
            point_range(grid(&axes_of(&settings)).len(), 1, tasks)
                .map_err(|e| UsageError(format!("`--tasks {tasks}`: {e}")))?;
            Ok((entente_slurm::Sharded::SimSweep, ShardHeader::new("sim sweep", &settings, 1, 1)?.settings_hash))
        }
        SimCommand::Population(_) | SimCommand::Survey(_) | SimCommand::Calibrate(_) | SimCommand::Validate(_) => {
            Err(UsageError(
                "`sim population`, `sim survey`, `sim calibrate` and `sim validate` cannot be split into shards; they run on one machine.".into(),
            )
            .into())
        }
    }
}

/// Everything that determines the result of `sim sweep`; its hash identifies compatible shards.
#[derive(Serialize, Deserialize)]
pub struct SweepSettings {
    /// The scenario, after defaults.
    pub scenario: Scenario,
    /// Each axis: parameter path and values.
    pub axes: Vec<(String, Vec<f64>)>,
    /// Replications per grid point.
    pub reps: u32,
    /// Seed.
    pub seed: u64,
}

fn sweep_settings(a: &SweepArgs) -> Result<SweepSettings> {
    let RunSettings { scenario, reps, seed } = load(&a.source)?;
    let axes = a.params.iter().map(|p| parse_axis(p)).collect::<Result<Vec<_>>>()?;
    Ok(SweepSettings { scenario, axes: axes.into_iter().map(|x| (x.key, x.values)).collect(), reps, seed })
}

fn axes_of(s: &SweepSettings) -> Vec<Axis> {
    s.axes.iter().map(|(key, values)| Axis { key: key.clone(), values: values.clone() }).collect()
}

/// The grid points of shard `i` of `n`: `[(i-1) P / N, i P / N)` of the `P` points.
fn point_range(points: usize, i: u32, n: u32) -> Result<std::ops::Range<usize>> {
    if i == 0 || i > n || n as usize > points {
        return Err(UsageError(format!(
            "Shard {i}/{n} is not valid: use 1 <= i <= N and N <= the number of grid points ({points})."
        ))
        .into());
    }
    let at = |k: u32| (k as usize * points) / n as usize;
    Ok(at(i - 1)..at(i))
}

/// Runs the verb.
pub fn run(args: SimArgs) -> Result<()> {
    match args.command {
        SimCommand::Run(a) => run_cmd(a),
        SimCommand::Sweep(a) => sweep_cmd(a),
        SimCommand::Population(a) => population_cmd(a),
        SimCommand::Survey(a) => survey_cmd(a),
        SimCommand::Calibrate(a) => super::sim_calib::calibrate(a),
        SimCommand::Validate(a) => super::sim_calib::validate(a),
    }
}

/// Sizes the worker pool: `--threads N`, else rayon's default (`RAYON_NUM_THREADS` or all cores).
pub(super) fn threads(n: Option<usize>) -> Result<()> {
    if let Some(n) = n {
        if n == 0 {
            return Err(UsageError("`--threads` must be at least 1.".into()).into());
        }
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global().context("Could not start the worker threads.")?;
    }
    Ok(())
}

/// Reads the scenario and applies the defaults of `--reps` and `--seed`.
fn load(source: &Source) -> Result<RunSettings> {
    threads(source.threads)?;
    let scenario = match (&source.scenario, &source.example) {
        (Some(path), None) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("Could not read `{}`.", path.display()))?;
            Scenario::from_toml(&text).with_context(|| format!("In `{}`", path.display()))?
        }
        (None, Some(name)) => alliance_sim::example(name)?,
        _ => return Err(UsageError("Give a scenario file or `--example NAME`.".into()).into()),
    };
    let settings = RunSettings {
        reps: source.reps.unwrap_or(scenario.replications),
        seed: source.seed.unwrap_or(scenario.seed),
        scenario,
    };
    if settings.reps == 0 {
        return Err(UsageError("`--reps` must be at least 1.".into()).into());
    }
    Ok(settings)
}

/// A progress bar on stderr when it is a terminal; hidden otherwise.
pub(super) fn progress(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} eta {eta}") {
        bar.set_style(style);
    }
    bar
}

pub(super) fn parse_shard(s: &str) -> Result<(u32, u32)> {
    let bad = || UsageError(format!("`--shard {s}`: write the shard as i/N, e.g. 2/4."));
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    Ok((i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?))
}

fn run_cmd(a: RunArgs) -> Result<()> {
    let settings = load(&a.source)?;
    let sim = Sim::new(&settings.scenario)?;
    let (range, shard) = match &a.shard {
        Some(s) => {
            let (i, n) = parse_shard(s)?;
            (shard_range(settings.reps, i, n)?, Some((i, n)))
        }
        None => (0..settings.reps, None),
    };
    let bar = progress(u64::from(range.end - range.start));
    let results = run_reps(&sim, settings.seed, range, true, &|| bar.inc(1));
    bar.finish_and_clear();
    match shard {
        Some((index, count)) => {
            let header = ShardHeader::new("sim run", &settings, index, count)?;
            merge::write_shard(a.out.as_deref(), &header, &settings, &results)
        }
        None => write_run(&settings, &sim, &results, a.out.as_deref()),
    }
}

/// Writes the outputs of a whole run: the summary JSON to stdout and, with `out`, the panel,
/// summary and plots into that directory. `entente merge` calls this too, so merged shards give
/// exactly the files of the single run.
pub fn write_run(settings: &RunSettings, sim: &Sim, results: &[RepResult], out: Option<&Path>) -> Result<()> {
    let info =
        RunInfo { scenario: &settings.scenario.name, names: sim.names(), seed: settings.seed, periods: sim.periods() };
    let summary = Summary::new(&info, results);
    let json = serde_json::to_string_pretty(&summary)?;
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("Could not create `{}`.", dir.display()))?;
        let files = [
            ("panel.csv", panel_csv(sim.names(), results)),
            ("summary.json", format!("{json}\n")),
            ("trust.svg", plot::trust_svg(&summary)),
            ("learning.svg", plot::learning_svg(&summary)),
            ("survival.svg", plot::survival_svg(&summary)),
        ];
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::write(&path, text).with_context(|| format!("Could not write `{}`.", path.display()))?;
        }
        eprintln!("Wrote panel.csv, summary.json, trust.svg, learning.svg and survival.svg to `{}`.", dir.display());
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{json}")?;
    Ok(())
}

/// One row per replication, period and direction.
fn panel_csv(names: &[String; 2], results: &[RepResult]) -> String {
    let mut s = String::from("rep,period,direction,trust,reputation_damage,knowledge,learning,power,status\n");
    let dirs = [format!("{}->{}", names[0], names[1]), format!("{}->{}", names[1], names[0])];
    for r in results {
        for row in &r.panel {
            for (i, dir) in dirs.iter().enumerate() {
                // Writing to a String cannot fail.
                let _ = writeln!(
                    s,
                    "{},{},{},{},{},{},{},{},{}",
                    r.rep,
                    row.period,
                    csv_field(dir),
                    row.trust[i],
                    row.damage[i],
                    row.knowledge[i],
                    row.learning[i],
                    row.power[i],
                    row.status.name()
                );
            }
        }
    }
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn parse_axis(spec: &str) -> Result<Axis> {
    let bad = |why: &str| UsageError(format!("`--param {spec}`: {why}"));
    let (key, values) = spec.split_once('=').ok_or_else(|| bad("write it as path=v1,v2,..."))?;
    let values = values
        .split(',')
        .map(|v| v.trim().parse::<f64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad("the values must be numbers separated by commas."))?;
    if values.is_empty() {
        return Err(bad("give at least one value.").into());
    }
    Ok(Axis { key: key.trim().to_string(), values })
}

fn output(out: Option<&Path>, text: &str) -> Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("Could not write `{}`.", path.display()))?;
            eprintln!("Wrote `{}`.", path.display());
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(())
}

fn sweep_cmd(a: SweepArgs) -> Result<()> {
    let settings = sweep_settings(&a)?;
    let axes = axes_of(&settings);
    let points = grid(&axes).len();
    let (range, shard) = match &a.shard {
        Some(s) => {
            let (i, n) = parse_shard(s)?;
            (point_range(points, i, n)?, Some((i, n)))
        }
        None => (0..points, None),
    };
    let bar = progress((range.end - range.start) as u64 * u64::from(settings.reps));
    let rows = sweep_points(&settings.scenario, &axes, settings.reps, settings.seed, range, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let lines: Vec<String> = rows.iter().map(sweep_row).collect();
    match shard {
        Some((i, n)) => {
            let header = ShardHeader::new("sim sweep", &settings, i, n)?;
            merge::write_shard(a.out.as_deref(), &header, &settings, &lines)
        }
        None => output(a.out.as_deref(), &sweep_csv(&settings, &lines)),
    }
}

/// Merges `sim sweep` shard payloads (CSV rows, in shard order) into the CSV of a single run.
pub fn merge_sweep(settings: serde_json::Value, payloads: Vec<Vec<String>>, out: Option<&Path>) -> Result<()> {
    let settings: SweepSettings =
        serde_json::from_value(settings).context("The shard settings are not those of `sim sweep`.")?;
    let points = grid(&axes_of(&settings)).len();
    let lines: Vec<String> = payloads.into_iter().flatten().collect();
    if lines.len() != points {
        anyhow::bail!("The shards hold {} grid points, not {points}.", lines.len());
    }
    output(out, &sweep_csv(&settings, &lines))
}

fn sweep_csv(settings: &SweepSettings, lines: &[String]) -> String {
    let mut s = String::new();
    for (key, _) in &settings.axes {
        s.push_str(&csv_field(key));
        s.push(',');
    }
    s.push_str("replications,survival,objectives_met,premature,final_trust_ab_p50,final_trust_ba_p50,learning_balance_p50,dyadic_learning_p50,performance_mean,performance_p50\n");
    for line in lines {
        s.push_str(line);
        s.push('\n');
    }
    s
}

fn sweep_row(p: &alliance_sim::sweep::SweepPoint) -> String {
    let m = &p.summary;
    let mut s = String::new();
    for v in &p.values {
        let _ = write!(s, "{v},");
    }
    let _ = write!(
        s,
        "{},{},{},{},{},{},{},{},{},{}",
        m.replications,
        m.survival,
        m.objectives_met,
        m.premature,
        m.directions[0].final_trust.p50,
        m.directions[1].final_trust.p50,
        m.learning_balance.p50,
        m.dyadic_learning.p50,
        m.performance.mean,
        m.performance.p50
    );
    s
}

fn population_cmd(a: PopulationArgs) -> Result<()> {
    threads(a.threads)?;
    if a.n == 0 || a.periods == 0 {
        return Err(UsageError("`--n` and `--periods` must be at least 1.".into()).into());
    }
    let bar = progress(u64::from(a.n));
    let rows = population(a.n, a.seed, a.periods, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let mut s = String::from("id,quadrant,exploration_a,exploration_b,rationale,governance,integration,dynamism,trust_formation,trust_final,learning,performance,termination,premature,end_period,final_quadrant\n");
    for r in rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.id,
            r.quadrant.name(),
            r.exploration_a,
            r.exploration_b,
            serde_json::to_value(r.rationale)?.as_str().unwrap_or_default(),
            r.governance.name(),
            r.integration,
            r.dynamism,
            r.trust_formation,
            r.trust_final,
            r.learning,
            r.performance,
            r.termination.name(),
            u8::from(r.termination.premature()),
            r.end_period,
            r.final_quadrant.name()
        );
    }
    output(a.out.as_deref(), &s)
}

fn survey_cmd(a: SurveyArgs) -> Result<()> {
    threads(a.threads)?;
    let o = alliance_sim::survey::SurveyOptions {
        n: a.n,
        seed: a.seed,
        periods: a.periods,
        wave2: a.wave2,
        loading: a.loading,
        ..Default::default()
    };
    let bar = progress(u64::from(a.n));
    let data = alliance_sim::survey::survey(&o, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let ended = data.ended_before_wave2.iter().filter(|e| **e).count();
    if ended > 0 {
        eprintln!(
            "note: {ended} of {} alliances had ended before wave 2; their managers answer about the last period.",
            a.n
        );
    }
    if let Some(p) = &a.latent_out {
        std::fs::write(p, data.latent_csv()).with_context(|| format!("Could not write `{}`.", p.display()))?;
    }
    output(a.out.as_deref(), &data.answers_csv())
}
