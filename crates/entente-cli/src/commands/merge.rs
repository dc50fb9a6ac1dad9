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
use super::UsageError;
use alliance_sim::{RepResult, Sim};
use anyhow::{bail, Context, Result};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

const FORMAT: &str = "entente-shard";
const FORMAT_VERSION: u32 = 1;

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

/// Identifies a shard: what produced it, with which settings, and which part it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardHeader {
    /// Always `entente-shard`.
    pub format: String,
    /// Version of this file format.
    pub format_version: u32,
    /// The command that wrote the shard, e.g. `sim run`.
    pub command: String,
    /// Hash of the canonical JSON of the settings.
    pub settings_hash: String,
    /// Version of Entente that wrote it.
    pub entente_version: String,
    /// 1-based shard index.
    pub shard_index: u32,
    /// Number of shards.
    pub shard_count: u32,
}

impl ShardHeader {
    /// The header of shard `index` of `count` of `command` run with `settings`.
    pub fn new(command: &str, settings: &impl Serialize, index: u32, count: u32) -> Result<Self> {
        Ok(Self {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            command: command.into(),
            settings_hash: settings_hash(&serde_json::to_string(settings)?),
            entente_version: env!("CARGO_PKG_VERSION").into(),
            shard_index: index,
            shard_count: count,
        })
    }
}

/// FNV-1a (64 bit) of the settings' JSON: stable across platforms and versions of Rust.
pub fn settings_hash(json: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in json.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

#[derive(Serialize, Deserialize)]
struct ShardFile<S, P> {
    header: ShardHeader,
    settings: S,
    payload: P,
}

/// Writes a shard to `out`, or to stdout.
pub fn write_shard(
    out: Option<&Path>,
    header: &ShardHeader,
    settings: &impl Serialize,
    payload: &impl Serialize,
) -> Result<()> {
    let file = ShardFile { header: header.clone(), settings, payload };
    let json = serde_json::to_string(&file)?;
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
    let mut shards = Vec::with_capacity(args.shards.len());
    for path in &args.shards {
        let text = std::fs::read_to_string(path).with_context(|| format!("Could not read `{}`.", path.display()))?;
        let file: ShardFile<serde_json::Value, serde_json::Value> = serde_json::from_str(&text)
            .with_context(|| format!("`{}` is not an Entente shard file.", path.display()))?;
        shards.push((path.clone(), file));
    }
    let Some((first_path, first)) = shards.first() else {
        return Err(UsageError("Give at least one shard file.".into()).into());
    };
    let h0 = first.header.clone();
    if h0.format != FORMAT || h0.format_version != FORMAT_VERSION {
        bail!(
            "`{}` has format `{}` version {}; this Entente reads `{FORMAT}` version {FORMAT_VERSION}.",
            first_path.display(),
            h0.format,
            h0.format_version
        );
    }
    for (path, f) in &shards {
        let h = &f.header;
        let same = h.format == h0.format
            && h.format_version == h0.format_version
            && h.command == h0.command
            && h.settings_hash == h0.settings_hash
            && h.entente_version == h0.entente_version
            && h.shard_count == h0.shard_count;
        if !same {
            bail!(
                "`{}` does not belong with `{}`: command, settings, Entente version and shard count must all match.",
                path.display(),
                first_path.display()
            );
        }
    }
    let n = h0.shard_count;
    let mut by_index: Vec<Option<usize>> = vec![None; n as usize];
    for (k, (path, f)) in shards.iter().enumerate() {
        let i = f.header.shard_index;
        let slot = i
            .checked_sub(1)
            .and_then(|i| by_index.get_mut(i as usize))
            .with_context(|| format!("`{}` claims shard {i} of {n}.", path.display()))?;
        if slot.is_some() {
            bail!("Shard {i}/{n} is given twice (again in `{}`).", path.display());
        }
        *slot = Some(k);
    }
    let missing: Vec<String> = (1..=n).filter(|i| by_index[*i as usize - 1].is_none()).map(|i| i.to_string()).collect();
    if !missing.is_empty() {
        bail!("Shards {} of {n} are missing.", missing.join(", "));
    }
    let ordered: Vec<&ShardFile<serde_json::Value, serde_json::Value>> =
        by_index.iter().flatten().map(|k| &shards[*k].1).collect();
    match h0.command.as_str() {
        "sim run" => merge_sim_run(&ordered, args.out.as_deref()),
        "power" | "fit bootstrap" => {
            let payloads = ordered.iter().map(|s| s.payload.clone()).collect();
            let settings = ordered[0].settings.clone();
            if h0.command == "power" {
                super::power::merge(settings, payloads, args.out.as_deref())
            } else {
                super::bootstrap::merge(settings, payloads, args.out.as_deref())
            }
        }
        other => bail!("Shards of `{other}` cannot be merged by this version of Entente."),
    }
}

fn merge_sim_run(shards: &[&ShardFile<serde_json::Value, serde_json::Value>], out: Option<&Path>) -> Result<()> {
    let settings: RunSettings =
        serde_json::from_value(shards[0].settings.clone()).context("The shard settings are not those of `sim run`.")?;
    let mut results: Vec<RepResult> = Vec::with_capacity(settings.reps as usize);
    for s in shards {
        let part: Vec<RepResult> = serde_json::from_value(s.payload.clone())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // Published FNV-1a 64 test vectors: "" and "a".
        assert_eq!(settings_hash(""), "fnv1a64:cbf29ce484222325");
        assert_eq!(settings_hash("a"), "fnv1a64:af63dc4c8601ec8c");
    }
}
