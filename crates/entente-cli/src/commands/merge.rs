//! `entente merge`: combine shard files into the result of the single run.
//!
//! A shard file is one JSON object:
//!
//! ```json
//! { "header":   { "format": "entente-shard", "format_version": 1, "command": "sim run",
//!                 "settings_hash": "fnv1a64:…", "entente_version": "0.1.0",
//!                 "shard_index": 2, "shard_count": 4 },
//!   "settings": { … everything that determines the result … },
//!   "payload":  { … the command's partial result … } }
//! ```
//!
//! `merge` checks that all files come from the same command, settings (hash) and Entente
//! version, that every shard 1..N is present exactly once, then hands the payloads, in shard
//! order, to the command's merger. Any resampling command (bootstrap, power) can use the same
//! format by adding a `command` and a merger below.
use super::sim::{self, RunSettings};
use alliance_sim::{RepResult, Sim};
use anyhow::{bail, Context, Result};
use clap::Args;
use entente_slurm::shard::{check_files, read_shard, shard_json, RawShard};
pub use entente_slurm::shard::{settings_hash, ShardHeader};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `merge` verb.
#[derive(Args)]
pub struct MergeArgs {
    /// Shard files written with `--shard i/N`, in any order.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Output directory (or file), as for the command that wrote the shards.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// Writes a shard to `out`, or to stdout.
pub fn write_shard(
    out: Option<&Path>,
    header: &ShardHeader,
    settings: &impl Serialize,
    payload: &impl Serialize,
) -> Result<()> {
    let json = shard_json(header, settings, payload)?;
    match out {
        Some(path) => {
            std::fs::write(path, json + "\n").with_context(|| format!("Could not write `{}`.", path.display()))?;
            eprintln!("Wrote shard {}/{} to `{}`.", header.shard_index, header.shard_count, path.display());
        }
        None => writeln!(std::io::stdout().lock(), "{json}")?,
    }
    Ok(())
}

/// Runs the verb.
pub fn run(args: MergeArgs) -> Result<()> {
    let shards = args
        .shards
        .iter()
        .map(|path| Ok((path.clone(), read_shard(path)?)))
        .collect::<Result<Vec<_>, entente_slurm::SlurmError>>()?;
    merge_shards(check_files(shards)?, args.out.as_deref())
}

/// Hands a complete set of shards (all from one run, in index order) to the merger of the
/// command that wrote them, which writes the result as the single run would. `entente slurm
/// collect` calls this too.
pub fn merge_shards(ordered: Vec<RawShard>, out: Option<&Path>) -> Result<()> {
    let Some(first) = ordered.first() else { bail!("No shards to merge.") };
    let command = first.header.command.clone();
    match command.as_str() {
        "sim run" => merge_sim_run(&ordered, out),
        "sim sweep" => {
            let payloads = ordered
                .iter()
                .map(|s| serde_json::from_str(s.payload.get()))
                .collect::<Result<Vec<Vec<String>>, _>>()
                .context("A shard payload is not a list of `sim sweep` rows.")?;
            sim::merge_sweep(first.settings.clone(), payloads, out)
        }
        "power" | "fit bootstrap" => {
            let payloads = ordered
                .iter()
                .map(|s| serde_json::from_str(s.payload.get()))
                .collect::<Result<Vec<serde_json::Value>, _>>()
                .context("A shard payload is not valid JSON.")?;
            let settings = first.settings.clone();
            if command == "power" {
                super::power::merge(settings, payloads, out)
            } else {
                super::bootstrap::merge(settings, payloads, out)
            }
        }
        other => bail!("Shards of `{other}` cannot be merged by this version of Entente."),
    }
}

fn merge_sim_run(shards: &[RawShard], out: Option<&Path>) -> Result<()> {
    let settings: RunSettings =
        serde_json::from_value(shards[0].settings.clone()).context("The shard settings are not those of `sim run`.")?;
    let mut results: Vec<RepResult> = Vec::with_capacity(settings.reps as usize);
    for s in shards {
        let part: Vec<RepResult> = serde_json::from_str(s.payload.get())
            .context("A shard payload is not a list of `sim run` replications.")?;
        results.extend(part);
    }
    let contiguous = results.iter().enumerate().all(|(k, r)| r.rep as usize == k);
    if results.len() != settings.reps as usize || !contiguous {
        bail!("The shards hold {} replications, not replications 0..{} in order.", results.len(), settings.reps);
    }
    let sim = Sim::new(&settings.scenario)?;
    sim::write_run(&settings, &sim, &results, out)
}
