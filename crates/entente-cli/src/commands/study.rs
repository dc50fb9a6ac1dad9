//! `entente study`: the trust-learning study (init, simulate, run, power, distance).
use super::UsageError;
use alliance_study::{analysis, distance, init, power, report, responses::Responses, simulate};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `study` verb.
#[derive(Args)]
pub struct StudyArgs {
    #[command(subcommand)]
    command: StudyCommand,
}

#[derive(Subcommand)]
enum StudyCommand {
    /// Write a study folder: study.toml, lavaan models, codebook, questionnaires, data template.
    Init {
        /// The study folder (created if needed).
        dir: PathBuf,
        /// Regenerate the files of an existing study from its study.toml.
        #[arg(long)]
        force: bool,
    },
    /// Simulate responses from the study's population model (signs of P1-P9, effects of study.toml).
    Simulate {
        /// The study folder.
        dir: PathBuf,
        /// Respondents.
        #[arg(long, default_value_t = 500)]
        n: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Probability that an answer is missing (completely at random).
        #[arg(long, default_value_t = 0.0)]
        missing: f64,
        /// Output CSV (default: DIR/data/simulated.csv; `-` for stdout).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Run the study: screening, CFA, mediation models, P1-P9 verdicts, indirect effects, moderators, invariance.
    Run {
        /// The study folder; without a study.toml there, the default study is written first.
        dir: PathBuf,
        /// Responses (both waves, or wave 1 with `--wave2`); without it, built-in demo data.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Wave-2 responses, joined to `--data` on the alliance id column.
        #[arg(long, requires = "data")]
        wave2: Option<PathBuf>,
        /// Cultural distance per alliance (output of `study distance`), joined on the id column;
        /// its `cd_kogut_singh` measures CD unless study.toml names another `observed_cd` column.
        #[arg(long, requires = "data")]
        cd: Option<PathBuf>,
        /// Bootstrap draws for the indirect effects (default: study.toml).
        #[arg(long)]
        draws: Option<u32>,
        /// Skip the moderator analyses.
        #[arg(long)]
        no_moderators: bool,
        /// Treat the items as ordered categories: fit the CFA and the mediation models by WLSMV.
        #[arg(long)]
        ordinal: bool,
        /// Report folder (default: DIR/report).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Power of each proposition's test at the given sample sizes (Monte Carlo).
    Power {
        /// The study folder.
        dir: PathBuf,
        /// Sample sizes, comma separated.
        #[arg(long, value_delimiter = ',', required = true)]
        n: Vec<usize>,
        /// Replications per sample size.
        #[arg(long, default_value_t = 200)]
        reps: u32,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Target power for "n needed".
        #[arg(long, default_value_t = 0.8)]
        target: f64,
    },
    /// Cultural distance per dyad: Kogut-Singh index and Mahalanobis distance from country scores.
    Distance {
        /// CSV of country scores: `country,dim1,dim2,...`.
        #[arg(long)]
        countries: PathBuf,
        /// CSV of dyads: `alliance_id,country_a,country_b`.
        #[arg(long)]
        dyads: PathBuf,
    },
}

fn read(p: &Path) -> Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("Could not read `{}`.", p.display()))
}

fn write(p: &Path, text: &str) -> Result<()> {
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("Could not create `{}`.", parent.display()))?;
    }
    std::fs::write(p, text).with_context(|| format!("Could not write `{}`.", p.display()))
}

/// Runs the verb.
pub fn run(a: StudyArgs) -> Result<()> {
    match a.command {
        StudyCommand::Init { dir, force } => {
            let (_, files) = init::init(&dir, force)?;
            for f in files {
                eprintln!("wrote {}", dir.join(f).display());
            }
            Ok(())
        }
        StudyCommand::Simulate { dir, n, seed, missing, out } => {
            if n == 0 {
                return Err(UsageError("`--n 0`: ask for at least one respondent.".into()).into());
            }
            if !(0.0..1.0).contains(&missing) {
                return Err(UsageError(format!("`--missing {missing}`: give a probability in [0, 1).")).into());
            }
            let cfg = init::load(&dir)?;
            let resp = simulate::simulate(&cfg, n, seed, missing)?;
            let csv = resp.to_csv(&cfg.analysis.id_column);
            match out {
                Some(p) if p == Path::new("-") => std::io::stdout().lock().write_all(csv.as_bytes())?,
                other => {
                    let p = other.unwrap_or_else(|| dir.join("data").join("simulated.csv"));
                    write(&p, &csv)?;
                    eprintln!("wrote {} ({n} respondents, seed {seed})", p.display());
                }
            }
            Ok(())
        }
        StudyCommand::Run { dir, data, wave2, cd, draws, no_moderators, ordinal, out } => {
            if !dir.join("study.toml").exists() {
                eprintln!(
                    "note: `{}` has no study.toml; writing the default study there first (as `entente study init`).",
                    dir.display()
                );
                init::init(&dir, false)?;
            }
            let mut cfg = init::load(&dir)?;
            let id = &cfg.analysis.id_column.clone();
            let resp = match &data {
                Some(p) => {
                    let w1 = Responses::from_path(p, id)?;
                    let w = match &wave2 {
                        Some(p2) => w1.join(Responses::from_path(p2, id)?)?,
                        None => w1,
                    };
                    match &cd {
                        Some(p3) => {
                            cfg.analysis.observed_cd.get_or_insert_with(|| "cd_kogut_singh".into());
                            w.join(Responses::from_path(p3, id)?)?
                        }
                        None => w,
                    }
                }
                None => {
                    let mut r = simulate::simulate(&cfg, cfg.analysis.demo_n, cfg.analysis.seed, 0.0)?;
                    r.source_name = format!(
                        "built-in demo data ({} simulated respondents, seed {})",
                        cfg.analysis.demo_n, cfg.analysis.seed
                    );
                    r
                }
            };
            let ro = analysis::RunOptions { draws, skip_moderators: no_moderators, ordinal };
            let (rep, analysed) = analysis::run(&cfg, resp, &ro)?;
            let out = out.unwrap_or_else(|| dir.join("report"));
            write(&out.join("report.html"), &report::to_html(&rep))?;
            write(&out.join("report.json"), &report::to_json(&rep))?;
            let md = report::to_markdown(&rep);
            write(&out.join("report.md"), &md)?;
            write(&out.join("analysis_data.csv"), &analysed.to_csv(id))?;
            for (file, src) in &rep.models {
                write(&out.join("models").join(file), src)?;
            }
            std::io::stdout().lock().write_all(md.as_bytes())?;
            for p in &rep.problems {
                eprintln!("note: {p}");
            }
            let total = rep.timing.last().map(|t| t.1).unwrap_or(0.0);
            eprintln!(
                "wrote {} (report.html, report.json, report.md, analysis_data.csv, models/) in {total:.2} s",
                out.display()
            );
            Ok(())
        }
        StudyCommand::Power { dir, n, reps, seed, target } => {
            if !(0.0..1.0).contains(&target) {
                return Err(UsageError(format!("`--target {target}`: give a power in (0, 1).")).into());
            }
            let cfg = init::load(&dir)?;
            let r = power::power(&cfg, &n, reps, seed, target)?;
            std::io::stdout().lock().write_all(power::to_text(&r).as_bytes())?;
            Ok(())
        }
        StudyCommand::Distance { countries, dyads } => {
            let scores = distance::CountryScores::from_csv_str(&read(&countries)?, &countries.display().to_string())?;
            let rows = distance::dyads(&scores, &read(&dyads)?, &dyads.display().to_string())?;
            std::io::stdout().lock().write_all(distance::to_csv(&rows).as_bytes())?;
            Ok(())
        }
    }
}
