//! Running Entente's shardable commands as Slurm job arrays, and getting back exactly the
//! single-machine result.
//!
//! **What.** `entente power`, `entente sim run`, `entente sim sweep` and `entente fit --se
//! bootstrap` can each compute one shard `i/N` of their replications (or draws, or grid points)
//! and write a shard file. Every replication draws from its own random stream keyed by the seed
//! and its global index, so shard `i` does exactly the replications
//! $[\lfloor (i-1)R/N \rfloor, \lfloor iR/N \rfloor)$ and no task recomputes another's draws;
//! concatenating the shards in index order gives the single run's replications bit for bit. This
//! crate turns that into a cluster workflow:
//!
//! 1. **Submit** ([`Manifest`], [`script::sbatch_script`]): a *run folder* holds a manifest (the
//!    command line, the settings hash when it can be computed up front, the Entente version, the
//!    number of tasks, the absolute paths of the binary, the run folder and the working
//!    directory, and every submission's job id) and an sbatch script for a job array whose task
//!    `i` runs the command with `--shard i/N`. The task writes to a temporary file and moves it to
//!    `shards/shard-i.json` only on success, so a killed task leaves no half shard.
//! 2. **Status** ([`scheduler`], [`status`]): `squeue`, `sacct` and `scontrol show job` are asked
//!    about the array's tasks (their text output is parsed; the parsers are tested on captured
//!    output), and the answer is joined with the shard files: done, pending, running, failed
//!    (with the Slurm state or the reason the file is unusable) or missing.
//! 3. **Collect** ([`status::complete`]): every shard must be present, readable, and carry the
//!    run's command, Entente version, shard count, its own index and the run's settings hash;
//!    otherwise every offending shard is named with the reason. The shards are then handed, in
//!    index order, to the command's merger (the same code as `entente merge`).
//! 4. **Resubmit** ([`status::to_resubmit`]): only failed or missing shards go back to Slurm, as
//!    `sbatch --array=3,7 job.sh`.
//!
//! **Failure handling.** A killed or failed task leaves no shard (and Slurm says `FAILED`,
//! `TIMEOUT`, `CANCELLED`, ...); a shard from another Entente version or other settings is
//! recognised by its header; a run folder moved after submission is recognised by the absolute
//! path in the manifest ([`Manifest::check_location`]), because its script still writes to the
//! old place.
//!
//! **Shard files** ([`shard`]): one JSON object `{header, settings, payload}`; the header is
//! [`ShardHeader`] and the settings hash is FNV-1a (64 bit) of the settings' JSON.
//!
//! This crate knows nothing of SEM or alliances: the payloads stay JSON values until the command
//! that wrote them merges them.
#![deny(missing_docs)]

pub mod manifest;
pub mod scheduler;
pub mod script;
pub mod shard;
pub mod status;

pub use manifest::{Manifest, SbatchOptions, Sharded, Submission};
pub use shard::{settings_hash, RawShard, ShardFile, ShardHeader};

use std::path::{Path, PathBuf};

/// Everything that can go wrong with a run folder, its shards or Slurm.
#[derive(Debug, thiserror::Error)]
pub enum SlurmError {
    /// A file could not be read or written.
    #[error("Could not access `{path}`: {source}.")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file that is not an Entente shard.
    #[error("`{path}` is not an Entente shard file: {reason}.")]
    NotAShard {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// No shard files were given.
    #[error("Give at least one shard file.")]
    NoShards,
    /// A shard whose header differs from the first shard's.
    #[error("`{path}` does not belong with `{other}`: its `{field}` is `{found}`, not `{expected}`.")]
    Foreign {
        /// The odd shard.
        path: PathBuf,
        /// The shard it was compared with.
        other: PathBuf,
        /// The header field that differs.
        field: &'static str,
        /// Its value in `path`.
        found: String,
        /// Its value in `other`.
        expected: String,
    },
    /// A shard index outside 1..N.
    #[error("`{path}` claims to be shard {index} of {count}.")]
    BadIndex {
        /// The file.
        path: PathBuf,
        /// Its index.
        index: u32,
        /// Its count.
        count: u32,
    },
    /// The same shard given twice.
    #[error("Shard {index}/{count} is given twice (again in `{path}`).")]
    Duplicate {
        /// The index.
        index: u32,
        /// The count.
        count: u32,
        /// The second file.
        path: PathBuf,
    },
    /// Shards missing from a set of loose shard files.
    #[error("Shards {list} of {count} are missing.")]
    Missing {
        /// The missing indices, as `1-3,7`.
        list: String,
        /// The number of shards.
        count: u32,
    },
    /// A run that cannot be collected yet, with every shard that is not usable.
    #[error("The run is not complete:\n  {}\nRun `entente slurm status RUN` for the task states and `entente slurm resubmit RUN` to rerun these shards.", problems.join("\n  "))]
    Incomplete {
        /// One line per problem.
        problems: Vec<String>,
    },
    /// A folder without a manifest.
    #[error("`{dir}` is not a run folder of `entente slurm submit` (it has no `manifest.json`).")]
    NotARun {
        /// The folder.
        dir: PathBuf,
    },
    /// A manifest that cannot be read.
    #[error("`{path}` is not a valid run manifest: {reason}.")]
    BadManifest {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The run folder is no longer where it was created.
    #[error("The run folder was moved: it was created as `{recorded}` and is now `{actual}`. Its sbatch script still writes shards to the old path; shards already present can be collected, and `entente slurm resubmit --relocate` rewrites the script for the new place.")]
    Moved {
        /// The path in the manifest.
        recorded: PathBuf,
        /// Where it is now.
        actual: PathBuf,
    },
    /// `sbatch` failed.
    #[error("`sbatch` failed: {message}.")]
    Sbatch {
        /// Its message.
        message: String,
    },
    /// Scheduler output that could not be understood.
    #[error("Could not read the Slurm output `{line}`: {why}.")]
    SchedulerOutput {
        /// The line.
        line: String,
        /// Why.
        why: String,
    },
    /// A usage error (bad option values).
    #[error("{0}")]
    Usage(String),
}

impl SlurmError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        SlurmError::Io { path: path.to_path_buf(), source }
    }
}
