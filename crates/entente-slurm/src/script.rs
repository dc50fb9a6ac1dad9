//! The sbatch script of a run: one array task per shard.
use crate::manifest::{Manifest, SCRIPT_FILE};
use std::fmt::Write as _;
use std::path::Path;

/// Quotes a word for a POSIX shell: bare when it is made of safe characters, otherwise in
/// single quotes with each `'` written as `'\''`.
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ',' | ':' | '=' | '+'));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The sbatch script for `m`, to live in the run folder `m.run_dir`.
///
/// Task `i` runs the command line with `--shard i/N`, writes its shard to a temporary file and
/// moves it to `shards/shard-i.json` only when the command succeeded, so a killed task leaves no
/// shard behind. Worker threads follow `--cpus-per-task` through `RAYON_NUM_THREADS`.
pub fn sbatch_script(m: &Manifest) -> String {
    let run = m.run_dir.display().to_string();
    let mut s = String::from("#!/bin/bash\n");
    let _ = writeln!(
        s,
        "# Written by `entente slurm submit` (Entente {}): task i of the array computes shard i/{} of\n#   entente {}",
        m.entente_version,
        m.tasks,
        m.command_line.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ")
    );
    let _ = writeln!(s, "# Collect the shards with `entente slurm collect {}`.", shell_quote(&run));
    let name = format!("entente-{}", m.command.header_command().replace(' ', "-"));
    let _ = writeln!(s, "#SBATCH --job-name={name}");
    let _ = writeln!(s, "#SBATCH --array=1-{}", m.tasks);
    let _ = writeln!(s, "#SBATCH --output={run}/logs/%A_%a.out");
    let _ = writeln!(s, "#SBATCH --ntasks=1");
    let o = &m.sbatch;
    if let Some(p) = &o.partition {
        let _ = writeln!(s, "#SBATCH --partition={p}");
    }
    if let Some(a) = &o.account {
        let _ = writeln!(s, "#SBATCH --account={a}");
    }
    if let Some(t) = &o.time {
        let _ = writeln!(s, "#SBATCH --time={t}");
    }
    if let Some(c) = o.cpus_per_task {
        let _ = writeln!(s, "#SBATCH --cpus-per-task={c}");
    }
    if let Some(mem) = &o.mem {
        let _ = writeln!(s, "#SBATCH --mem={mem}");
    }
    s.push_str("set -euo pipefail\n");
    for module in &o.modules {
        let _ = writeln!(s, "module load {}", shell_quote(module));
    }
    let _ = writeln!(s, "RUN={}", shell_quote(&run));
    let _ = writeln!(s, "ENTENTE={}", shell_quote(&m.binary.display().to_string()));
    s.push_str("i=\"${SLURM_ARRAY_TASK_ID:?this script runs as a task of a Slurm job array (sbatch --array)}\"\n");
    s.push_str("export RAYON_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n");
    let _ = writeln!(s, "cd {}", shell_quote(&m.workdir.display().to_string()));
    s.push_str("part=\"$RUN/shards/.shard-$i.json.part\"\n");
    s.push_str("rm -f \"$part\"\n");
    let args: Vec<String> = m.command_line.iter().map(|w| shell_quote(w)).collect();
    let _ =
        writeln!(s, "\"$ENTENTE\" {} --shard \"$i/{}\" {} \"$part\"", args.join(" "), m.tasks, m.command.out_flag());
    s.push_str("mv -f \"$part\" \"$RUN/shards/shard-$i.json\"\n");
    s
}

/// Writes the script into the run folder, executable.
pub fn write_script(m: &Manifest, run: &Path) -> Result<std::path::PathBuf, crate::SlurmError> {
    let path = run.join(SCRIPT_FILE);
    std::fs::write(&path, sbatch_script(m)).map_err(|e| crate::SlurmError::io(&path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| crate::SlurmError::io(&path, e))?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{SbatchOptions, Sharded};

    #[test]
    fn quoting_survives_spaces_and_quotes() {
        assert_eq!(shell_quote("pop.lav"), "pop.lav");
        assert_eq!(shell_quote("--n=100,200"), "--n=100,200");
        assert_eq!(shell_quote("my model.lav"), "'my model.lav'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn script_has_the_array_options_and_the_shard_command() {
        let m = Manifest::new(
            Sharded::FitBootstrap,
            vec!["fit".into(), "--model".into(), "m 1.lav".into(), "--se".into(), "bootstrap".into()],
            None,
            64,
            "/opt/entente/bin/entente".into(),
            "/scratch/run1".into(),
            "/scratch/study".into(),
            SbatchOptions {
                partition: Some("short".into()),
                time: Some("00:10:00".into()),
                cpus_per_task: Some(4),
                modules: vec!["gcc/12".into()],
                ..Default::default()
            },
        )
        .unwrap();
        let s = sbatch_script(&m);
        for line in [
            "#SBATCH --array=1-64",
            "#SBATCH --partition=short",
            "#SBATCH --time=00:10:00",
            "#SBATCH --cpus-per-task=4",
            "#SBATCH --output=/scratch/run1/logs/%A_%a.out",
            "module load gcc/12",
            "cd /scratch/study",
            "\"$ENTENTE\" fit --model 'm 1.lav' --se bootstrap --shard \"$i/64\" --boot-out \"$part\"",
        ] {
            assert!(s.lines().any(|l| l == line), "missing line {line:?} in\n{s}");
        }
        assert!(!s.contains("--account"));
        // The shard is moved into place only after the command line.
        assert!(s.find("mv -f").unwrap() > s.find("--shard").unwrap());
    }
}
