//! `entente fit --se bootstrap`: bootstrap SEs and intervals in place of the standard ones, a
//! Bollen-Stine p-value, shards of draws.
use super::merge::{self, ShardHeader};
use super::sim::{parse_shard, progress};
use super::{Failure, UsageError};
use anyhow::{anyhow, Context, Result};
use clap::{Args, ValueEnum};
use sem::{DataFrame, Fit, FitOptions, Sem};
use sem_resample::bootstrap::{self, BootData, Draw};
use sem_resample::shard_range;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Kind of standard errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeKind {
    /// Expected information (lavaan's default).
    Standard,
    /// Nonparametric bootstrap.
    Bootstrap,
}

/// Kind of model test to add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum TestKind {
    /// The ML chi-square only.
    #[serde(rename = "standard")]
    Standard,
    /// Also the Bollen-Stine bootstrap p-value.
    #[value(name = "bollen.stine")]
    #[serde(rename = "bollen.stine")]
    BollenStine,
}

/// Kind of bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum CiKind {
    /// Percentile with `norm.inter` interpolation (lavaan's default).
    #[serde(rename = "perc")]
    Perc,
    /// Bias-corrected percentile (lavaan's `bca.simple`).
    #[value(name = "bca.simple")]
    #[serde(rename = "bca.simple")]
    BcaSimple,
}

/// Bootstrap options of `fit`.
#[derive(Debug, Args)]
pub struct BootArgs {
    /// Standard errors: standard or bootstrap (needs --data).
    #[arg(long, value_enum, default_value = "standard")]
    se: SeKind,
    /// Number of bootstrap draws.
    #[arg(long, value_name = "B", default_value_t = 1000)]
    bootstrap: u32,
    /// Seed of the bootstrap streams.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Add the Bollen-Stine bootstrap p-value (`--test bollen.stine`).
    #[arg(long, value_enum, default_value = "standard")]
    test: TestKind,
    /// Bootstrap interval printed in the ci columns.
    #[arg(long, value_enum, default_value = "perc")]
    boot_ci: CiKind,
    /// Run only shard i of N of the draws and write a shard file (to --boot-out or stdout).
    #[arg(long, value_name = "i/N")]
    shard: Option<String>,
    /// Write the bootstrap results (JSON, the format `entente merge` writes) to this file.
    #[arg(long, value_name = "FILE")]
    boot_out: Option<PathBuf>,
    /// Worker threads of the bootstrap (default: all cores, or `RAYON_NUM_THREADS`). Results do
    /// not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

impl BootArgs {
    /// Whether bootstrap SEs were asked for.
    pub fn active(&self) -> bool {
        self.se == SeKind::Bootstrap
    }
}

/// Everything that determines a bootstrap; its hash identifies compatible shards.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BootSettings {
    model: String,
    data_hash: String,
    options: String,
    draws: u32,
    seed: u64,
    test: TestKind,
    boot_ci: CiKind,
}

/// What a shard carries: the original estimates, so that a merge needs neither data nor model.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BootPayload {
    rows: Vec<(String, String, String, usize)>,
    est0: Vec<f64>,
    chisq0: f64,
    draws: Vec<Draw>,
}

/// The bootstrap result of every row.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BootReport {
    draws: usize,
    successful: usize,
    failed: usize,
    ci: CiKind,
    bollen_stine_pvalue: Option<f64>,
    rows: Vec<BootRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BootRow {
    lhs: String,
    op: String,
    rhs: String,
    group: usize,
    est: f64,
    se: f64,
    ci_lower: f64,
    ci_upper: f64,
}

fn report(p: &BootPayload, ci: CiKind) -> (BootReport, bootstrap::Summary) {
    let s = bootstrap::summarize(&p.est0, p.chisq0, &p.draws, 0.95);
    let rows = p
        .rows
        .iter()
        .enumerate()
        .map(|(i, (lhs, op, rhs, group))| {
            let (lo, hi) = match ci {
                CiKind::Perc => s.perc[i],
                CiKind::BcaSimple => s.bca_simple[i],
            };
            BootRow {
                lhs: lhs.clone(),
                op: op.clone(),
                rhs: rhs.clone(),
                group: *group,
                est: p.est0[i],
                se: s.se[i],
                ci_lower: lo,
                ci_upper: hi,
            }
        })
        .collect();
    let r = BootReport {
        draws: s.draws,
        successful: s.successful,
        failed: s.draws - s.successful,
        ci,
        bollen_stine_pvalue: s.bollen_stine_pvalue,
        rows,
    };
    (r, s)
}

fn write_report(r: &BootReport, out: Option<&Path>) -> Result<()> {
    let json = serde_json::to_string_pretty(r)? + "\n";
    match out {
        Some(p) => std::fs::write(p, json).with_context(|| format!("Could not write `{}`.", p.display())),
        None => super::emit(&json).map_err(|f| f.error),
    }
}

/// What the draws resample: complete cases (ML) or all usable rows (FIML).
enum Data {
    Complete(BootData),
    Fiml(bootstrap::FimlBootData),
}

/// Runs the bootstrap of `fit`; replaces SEs, z, p and intervals of free and `:=` rows. Returns
/// `false` when only a shard was written (nothing more to print).
pub fn apply(
    b: &BootArgs,
    sem: &Sem,
    src: &str,
    data_text: &str,
    frame: &DataFrame,
    opts: &FitOptions,
    fit: &mut Fit,
) -> Result<bool, Failure> {
    if b.bootstrap == 0 {
        return Err(Failure::usage(anyhow!("`--bootstrap 0`: ask for at least one draw")));
    }
    super::sim::threads(b.threads).map_err(Failure::usage)?;
    let fiml = opts.missing == sem::Missing::Ml;
    if fiml && b.test == TestKind::BollenStine {
        return Err(Failure::usage(anyhow!(
            "`--test bollen.stine` is not available with `--missing ml` (nor in lavaan): the Bollen-Stine transformation needs complete data"
        )));
    }
    let vars = sem.observed_variables();
    // FIML resamples every usable row (incomplete ones too); ML resamples the complete cases.
    let (stats, fiml_data) = if fiml {
        let ms = sem::MissingStats::from_frame(frame, &vars, opts.group.as_deref()).map_err(Failure::data)?;
        let data = bootstrap::FimlBootData::new(frame, &vars, opts.group.as_deref()).map_err(Failure::data)?;
        let stats = sem::SampleStats { names: ms.names.clone(), groups: ms.group_stats(), norig: ms.norig, dropped: 0 };
        (stats, Some(data))
    } else {
        (sem::SampleStats::from_frame(frame, &vars, opts.group.as_deref()).map_err(Failure::data)?, None)
    };
    let prep = sem.prepare(stats.groups.len(), opts).map_err(Failure::data)?;
    let nrows = prep.nrows();
    let est0: Vec<f64> = fit.parameters[..nrows].iter().map(|r| r.est).collect();
    let mut x0 = vec![0.0; prep.partable().nfree];
    for (r, p) in prep.partable().rows.iter().zip(&fit.parameters) {
        if r.free > 0 {
            x0[r.free - 1] = p.est;
        }
    }
    let chisq0 = fit.measure("chisq").unwrap_or(f64::NAN);
    let bs = b.test == TestKind::BollenStine;
    let data = match fiml_data {
        Some(d) => Data::Fiml(d),
        None => Data::Complete(BootData::new(&stats, bs.then_some(fit.implied_cov.as_slice())).map_err(Failure::data)?),
    };
    let (range, shard) = match &b.shard {
        Some(s) => {
            let (i, n) = parse_shard(s).map_err(Failure::usage)?;
            (shard_range(b.bootstrap, i, n).map_err(|e| Failure::usage(UsageError(e.to_string())))?, Some((i, n)))
        }
        None => (0..b.bootstrap, None),
    };
    let bar = progress(u64::from(range.end - range.start));
    let draws = match &data {
        Data::Complete(d) => bootstrap::run_draws(&prep, d, &x0, b.seed, range, &|| bar.inc(1)),
        Data::Fiml(d) => bootstrap::run_draws_fiml(&prep, d, &x0, b.seed, range, &|| bar.inc(1)),
    };
    bar.finish_and_clear();
    let rows = fit.parameters[..nrows].iter().map(|r| (r.lhs.clone(), r.op.clone(), r.rhs.clone(), r.group)).collect();
    let payload = BootPayload { rows, est0, chisq0, draws };
    if let Some((i, n)) = shard {
        let settings = BootSettings {
            model: src.to_string(),
            data_hash: merge::settings_hash(data_text),
            options: format!("{opts:?}"),
            draws: b.bootstrap,
            seed: b.seed,
            test: b.test,
            boot_ci: b.boot_ci,
        };
        let header = ShardHeader::new("fit bootstrap", &settings, i, n).map_err(Failure::data)?;
        merge::write_shard(b.boot_out.as_deref(), &header, &settings, &payload).map_err(Failure::data)?;
        return Ok(false);
    }
    let (rep, s) = report(&payload, b.boot_ci);
    for (i, row) in fit.parameters[..nrows].iter_mut().enumerate() {
        if !(row.free || row.op == ":=") {
            continue;
        }
        row.se = s.se[i];
        row.z = row.est / row.se;
        row.pvalue = 2.0 * (1.0 - sem_resample::ci::pnorm(row.z.abs()));
        row.ci_lower = rep.rows[i].ci_lower;
        row.ci_upper = rep.rows[i].ci_upper;
    }
    eprintln!(
        "Bootstrap: {} of {} draws converged; {} failed or did not converge and were excluded.",
        rep.successful, rep.draws, rep.failed
    );
    fit.fit_measures.push(("bootstrap.draws".into(), rep.draws as f64));
    fit.fit_measures.push(("bootstrap.successful".into(), rep.successful as f64));
    if let Some(p) = rep.bollen_stine_pvalue {
        eprintln!("Bollen-Stine bootstrap p-value: {p:.4} ({} successful draws).", s.bollen_stine_successful);
        fit.fit_measures.push(("bollen.stine.pvalue".into(), p));
    }
    if let Some(path) = &b.boot_out {
        write_report(&rep, Some(path)).map_err(Failure::data)?;
    }
    Ok(true)
}

/// Merges `fit bootstrap` shard payloads (in shard order) into the JSON report of a single run.
pub fn merge(settings: serde_json::Value, payloads: Vec<serde_json::Value>, out: Option<&Path>) -> Result<()> {
    let settings: BootSettings =
        serde_json::from_value(settings).context("The shard settings are not those of `fit --se bootstrap`.")?;
    let mut all: Option<BootPayload> = None;
    for p in payloads {
        let part: BootPayload = serde_json::from_value(p).context("A shard payload is not a bootstrap payload.")?;
        match &mut all {
            None => all = Some(part),
            Some(a) => a.draws.extend(part.draws),
        }
    }
    let all = all.context("No shards.")?;
    let contiguous = all.draws.iter().enumerate().all(|(k, d)| d.draw as usize == k);
    if all.draws.len() != settings.draws as usize || !contiguous {
        anyhow::bail!("The shards hold {} draws, not draws 0..{} in order.", all.draws.len(), settings.draws);
    }
    write_report(&report(&all, settings.boot_ci).0, out)
}
