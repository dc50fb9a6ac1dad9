//! `entente power`: Monte Carlo power of an analysis model under a population model.
use super::merge::{self, ShardHeader};
use super::sim::{parse_shard, progress};
use super::simulate_data::design;
use super::UsageError;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use sem::{FitOptions, Prepared, Sem};
use sem_resample::power::{self, Design, PowerAtN, Rep};
use sem_resample::{shard_range, Population};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum Format {
    /// Table.
    Text,
    /// JSON.
    Json,
    /// CSV.
    Csv,
}

/// The `power` verb.
#[derive(Args)]
pub struct PowerArgs {
    /// Population model with every parameter fixed.
    #[arg(long, value_name = "POP.lav")]
    population: PathBuf,
    /// Analysis model fitted to each simulated data set.
    #[arg(long, value_name = "FIT.lav")]
    model: PathBuf,
    /// Sample sizes, comma separated.
    #[arg(long, value_name = "N1,N2,...", value_delimiter = ',', required = true)]
    n: Vec<usize>,
    /// Replications per sample size.
    #[arg(long, default_value_t = 1000)]
    reps: u32,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Significance level of the tests.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Likert cut points, comma separated.
    #[arg(long, value_name = "T1,T2,...", value_delimiter = ',')]
    likert: Vec<f64>,
    /// Probability of a missing value (MCAR; listwise deletion).
    #[arg(long, default_value_t = 0.0)]
    missing: f64,
    /// Treat the Likert answers as ordered categories and fit each replication by WLSMV
    /// (needs --likert).
    #[arg(long)]
    ordered: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write an SVG power curve per parameter over n.
    #[arg(long, value_name = "FILE.svg")]
    svg: Option<PathBuf>,
    /// Run only shard i of N of the replications and write a shard file.
    #[arg(long, value_name = "i/N")]
    shard: Option<String>,
    /// Output file (shard file with --shard; default stdout).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores, or `RAYON_NUM_THREADS`). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

/// Everything that determines the result of `power`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PowerSettings {
    population: String,
    model: String,
    n: Vec<usize>,
    reps: u32,
    seed: u64,
    alpha: f64,
    likert: Vec<f64>,
    missing: f64,
    #[serde(default)]
    ordered: bool,
}

struct Ready {
    pop: Population,
    prep: Prepared,
    design: Design,
}

fn ready(s: &PowerSettings) -> Result<Ready> {
    let pop = Population::new(&s.population).context("In the population model")?;
    let prep =
        Sem::new(&s.model).and_then(|m| m.prepare(1, &FitOptions::default())).context("In the analysis model")?;
    let (likert, missing) = design(&s.likert, s.missing)?;
    Ok(Ready { pop, prep, design: Design { likert, missing } })
}

/// Checks the arguments and reads the models: everything that determines the result.
fn settings(a: &PowerArgs) -> Result<PowerSettings> {
    if a.reps == 0 {
        return Err(UsageError("`--reps 0`: ask for at least one replication.".into()).into());
    }
    if a.n.iter().any(|n| *n < 2) {
        return Err(UsageError("`--n`: every sample size must be at least 2.".into()).into());
    }
    if !(a.alpha > 0.0 && a.alpha < 1.0) {
        return Err(UsageError(format!("`--alpha {}`: give a level in (0, 1).", a.alpha)).into());
    }
    if a.ordered && a.likert.is_empty() {
        return Err(UsageError("`--ordered` needs `--likert` cut points to make ordered answers.".into()).into());
    }
    let read = |p: &Path| std::fs::read_to_string(p).with_context(|| format!("Could not read `{}`.", p.display()));
    Ok(PowerSettings {
        population: read(&a.population)?,
        model: read(&a.model)?,
        n: a.n.clone(),
        reps: a.reps,
        seed: a.seed,
        alpha: a.alpha,
        likert: a.likert.clone(),
        missing: a.missing,
        ordered: a.ordered,
    })
}

/// The settings hash the shards of this command line will carry when split into `tasks` shards
/// (for `entente slurm submit`), after checking the models and that every shard gets work.
pub fn settings_hash(a: &PowerArgs, tasks: u32) -> Result<String> {
    let s = settings(a)?;
    ready(&s)?;
    shard_range(a.reps, 1, tasks).map_err(|e| UsageError(format!("`--tasks {tasks}`: {e}")))?;
    Ok(ShardHeader::new("power", &s, 1, 1)?.settings_hash)
}

/// Runs the verb.
pub fn run(a: PowerArgs) -> Result<()> {
    super::sim::threads(a.threads)?;
    let settings = settings(&a)?;
    let r = ready(&settings)?;
    let (range, shard) = match &a.shard {
        Some(s) => {
            let (i, n) = parse_shard(s)?;
            (shard_range(a.reps, i, n).map_err(|e| UsageError(e.to_string()))?, Some((i, n)))
        }
        None => (0..a.reps, None),
    };
    let bar = progress(u64::from(range.end - range.start) * a.n.len() as u64);
    let reps = if settings.ordered {
        let model = Sem::new(&settings.model).context("In the analysis model")?;
        power::run_reps_ordinal(&r.pop, &r.prep, &model, &a.n, &r.design, a.seed, range, &|| bar.inc(1))?
    } else {
        power::run_reps(&r.pop, &r.prep, &a.n, &r.design, a.seed, range, &|| bar.inc(1))?
    };
    bar.finish_and_clear();
    match shard {
        Some((i, n)) => {
            let header = ShardHeader::new("power", &settings, i, n)?;
            merge::write_shard(a.out.as_deref(), &header, &settings, &reps)
        }
        None => write(&settings, &r, &reps, a.format, a.out.as_deref(), a.svg.as_deref()),
    }
}

/// Merges `power` shard payloads (in shard order) and writes the result as a single run would.
pub fn merge(settings: serde_json::Value, payloads: Vec<serde_json::Value>, out: Option<&Path>) -> Result<()> {
    let settings: PowerSettings =
        serde_json::from_value(settings).context("The shard settings are not those of `power`.")?;
    let mut reps: Vec<Rep> = Vec::new();
    for p in payloads {
        let part: Vec<Rep> =
            serde_json::from_value(p).context("A shard payload is not a list of `power` replications.")?;
        reps.extend(part);
    }
    if reps.len() != settings.reps as usize * settings.n.len() {
        anyhow::bail!(
            "The shards hold {} replications, not {}.",
            reps.len(),
            settings.reps as usize * settings.n.len()
        );
    }
    let r = ready(&settings)?;
    write(&settings, &r, &reps, Format::Json, out, None)
}

fn write(
    s: &PowerSettings,
    r: &Ready,
    reps: &[Rep],
    format: Format,
    out: Option<&Path>,
    svg: Option<&Path>,
) -> Result<()> {
    let truth = power::true_values(&s.population, &r.prep)?;
    let res = power::summarize(&r.prep, &truth, &s.n, reps, s.alpha);
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&res)? + "\n",
        Format::Csv => csv(&res),
        Format::Text => table(&res, s),
    };
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("Could not write `{}`.", p.display()))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    if let Some(p) = svg {
        std::fs::write(p, power_svg(&res, s.alpha)).with_context(|| format!("Could not write `{}`.", p.display()))?;
    }
    Ok(())
}

fn csv(res: &[PowerAtN]) -> String {
    let mut o = String::from(
        "n,parameter,population,power,mean_est,bias,rel_bias,se_ratio,coverage,convergence_rate,chisq_rejection\n",
    );
    for at in res {
        for p in &at.params {
            let _ = writeln!(
                o,
                "{},\"{}\",{},{},{},{},{},{},{},{},{}",
                at.n,
                p.name,
                p.population,
                p.power,
                p.mean_est,
                p.bias,
                p.rel_bias,
                p.se_ratio,
                p.coverage,
                at.convergence_rate,
                at.chisq_rejection
            );
        }
    }
    o
}

fn table(res: &[PowerAtN], s: &PowerSettings) -> String {
    let mut o = String::new();
    for at in res {
        let _ = writeln!(
            o,
            "n = {}: {} replications, {:.1}% converged, {} rejection rate {:.3} at alpha = {}",
            at.n,
            at.reps,
            100.0 * at.convergence_rate,
            if s.ordered { "WLSMV scaled chi-square" } else { "chi-square" },
            at.chisq_rejection,
            s.alpha
        );
        let _ = writeln!(
            o,
            "  {:<24} {:>9} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8}",
            "parameter", "pop", "power", "mean.est", "bias", "rel.bias", "se.ratio", "cover95"
        );
        for p in &at.params {
            let _ = writeln!(
                o,
                "  {:<24} {:>9.4} {:>7.3} {:>9.4} {:>8.4} {:>8.3} {:>8.3} {:>8.3}",
                p.name, p.population, p.power, p.mean_est, p.bias, p.rel_bias, p.se_ratio, p.coverage
            );
        }
        o.push('\n');
    }
    o
}

/// One panel per parameter: power (0-1) against n, with the 80% line.
fn power_svg(res: &[PowerAtN], alpha: f64) -> String {
    let names: Vec<&str> = res.first().map(|r| r.params.iter().map(|p| p.name.as_str()).collect()).unwrap_or_default();
    let (w, h, cols) = (220.0, 160.0, 4usize);
    let rows = names.len().div_ceil(cols).max(1);
    let nmin = res.iter().map(|r| r.n).min().unwrap_or(0) as f64;
    let nmax = res.iter().map(|r| r.n).max().unwrap_or(1) as f64;
    let span = (nmax - nmin).max(1.0);
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"10\">\n",
        w * cols as f64,
        h * rows as f64 + 20.0
    );
    let _ = writeln!(o, "<text x=\"4\" y=\"14\">Monte Carlo power (alpha = {alpha}) against n</text>");
    for (k, name) in names.iter().enumerate() {
        let (x0, y0) = ((k % cols) as f64 * w + 30.0, (k / cols) as f64 * h + 40.0);
        let (pw, ph) = (w - 45.0, h - 50.0);
        let px = |n: f64| x0 + (n - nmin) / span * pw;
        let py = |p: f64| y0 + (1.0 - p) * ph;
        let _ = writeln!(
            o,
            "<text x=\"{x0}\" y=\"{}\">{}</text>",
            y0 - 6.0,
            name.replace('<', "&lt;").replace('>', "&gt;")
        );
        let _ =
            writeln!(o, "<rect x=\"{x0}\" y=\"{y0}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#999\"/>");
        let _ = writeln!(
            o,
            "<line x1=\"{x0}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#c33\" stroke-dasharray=\"3\"/>",
            x0 + pw,
            y = py(0.8)
        );
        let pts: Vec<String> = res
            .iter()
            .filter_map(|r| r.params.get(k).map(|p| format!("{:.1},{:.1}", px(r.n as f64), py(p.power))))
            .collect();
        let _ = writeln!(
            o,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f5fa6\" stroke-width=\"1.5\"/>",
            pts.join(" ")
        );
        let _ = writeln!(
            o,
            "<text x=\"{x0}\" y=\"{}\">{nmin}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{nmax}</text>",
            y0 + ph + 12.0,
            x0 + pw,
            y0 + ph + 12.0
        );
    }
    o.push_str("</svg>\n");
    o
}
