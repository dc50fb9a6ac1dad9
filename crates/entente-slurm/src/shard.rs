//! Shard files: the header every shard carries, reading them, and checking that a set of shards
//! makes up one whole run.
use crate::SlurmError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `format` field of every shard header.
pub const FORMAT: &str = "entente-shard";
/// The version of the shard file format this Entente reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// The version of Entente that is running (the whole workspace shares one version).
pub const ENTENTE_VERSION: &str = env!("CARGO_PKG_VERSION");

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
    pub fn new(command: &str, settings: &impl Serialize, index: u32, count: u32) -> Result<Self, serde_json::Error> {
        Ok(Self {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            command: command.into(),
            settings_hash: settings_hash(&serde_json::to_string(settings)?),
            entente_version: ENTENTE_VERSION.into(),
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

/// A whole shard file: header, the settings that determine the result, and the partial result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardFile<S, P> {
    /// What wrote the shard.
    pub header: ShardHeader,
    /// Everything that determines the result.
    pub settings: S,
    /// The command's partial result.
    pub payload: P,
}

/// A shard read without knowing its command: the settings stay a JSON value and the payload
/// unparsed JSON text, for the command's merger to read into its own types (a payload can be
/// large; checking a set of shards never needs it).
pub type RawShard = ShardFile<serde_json::Value, Box<serde_json::value::RawValue>>;

/// Reads a shard file and checks its format.
pub fn read_shard(path: &Path) -> Result<RawShard, SlurmError> {
    let text = std::fs::read_to_string(path).map_err(|e| SlurmError::io(path, e))?;
    let shard: RawShard = serde_json::from_str(&text)
        .map_err(|e| SlurmError::NotAShard { path: path.to_path_buf(), reason: e.to_string() })?;
    let h = &shard.header;
    if h.format != FORMAT || h.format_version != FORMAT_VERSION {
        return Err(SlurmError::NotAShard {
            path: path.to_path_buf(),
            reason: format!(
                "it has format `{}` version {}; this Entente reads `{FORMAT}` version {FORMAT_VERSION}",
                h.format, h.format_version
            ),
        });
    }
    Ok(shard)
}

/// Writes a shard as one line of JSON.
pub fn shard_json<S: Serialize, P: Serialize>(
    header: &ShardHeader,
    settings: &S,
    payload: &P,
) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Borrowed<'a, S, P> {
        header: &'a ShardHeader,
        settings: &'a S,
        payload: &'a P,
    }
    serde_json::to_string(&Borrowed { header, settings, payload })
}

/// Checks that loose shard files (`entente merge a.json b.json ...`) make up one whole run: same
/// command, settings, Entente version and shard count, every index 1..N exactly once. Returns the
/// shards in index order.
pub fn check_files(shards: Vec<(PathBuf, RawShard)>) -> Result<Vec<RawShard>, SlurmError> {
    let Some((first_path, first)) = shards.first() else {
        return Err(SlurmError::NoShards);
    };
    let h0 = first.header.clone();
    let first_path = first_path.clone();
    for (path, f) in &shards {
        if let Some(field) = differing_field(&f.header, &h0) {
            return Err(SlurmError::Foreign {
                path: path.clone(),
                other: first_path.clone(),
                field,
                found: header_field(&f.header, field),
                expected: header_field(&h0, field),
            });
        }
    }
    let n = h0.shard_count;
    let mut by_index: BTreeMap<u32, RawShard> = BTreeMap::new();
    for (path, f) in shards {
        let i = f.header.shard_index;
        if i == 0 || i > n {
            return Err(SlurmError::BadIndex { path, index: i, count: n });
        }
        if by_index.insert(i, f).is_some() {
            return Err(SlurmError::Duplicate { index: i, count: n, path });
        }
    }
    let missing: Vec<u32> = (1..=n).filter(|i| !by_index.contains_key(i)).collect();
    if !missing.is_empty() {
        return Err(SlurmError::Missing { list: index_list(&missing), count: n });
    }
    Ok(by_index.into_values().collect())
}

fn differing_field(h: &ShardHeader, h0: &ShardHeader) -> Option<&'static str> {
    if h.command != h0.command {
        Some("command")
    } else if h.entente_version != h0.entente_version {
        Some("entente_version")
    } else if h.settings_hash != h0.settings_hash {
        Some("settings_hash")
    } else if h.shard_count != h0.shard_count {
        Some("shard_count")
    } else {
        None
    }
}

fn header_field(h: &ShardHeader, field: &str) -> String {
    match field {
        "command" => h.command.clone(),
        "entente_version" => h.entente_version.clone(),
        "settings_hash" => h.settings_hash.clone(),
        _ => h.shard_count.to_string(),
    }
}

/// `1-3,7,9-10`: a sorted list of indices written as Slurm writes array ranges.
pub fn index_list(indices: &[u32]) -> String {
    let mut sorted = indices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < sorted.len() {
        let start = sorted[k];
        let mut end = start;
        while k + 1 < sorted.len() && sorted[k + 1] == end + 1 {
            k += 1;
            end = sorted[k];
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        k += 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<serde_json::value::RawValue> {
        serde_json::value::RawValue::from_string(json.to_string()).unwrap()
    }

    fn shard(index: u32, count: u32, hash: &str) -> (PathBuf, RawShard) {
        let mut header = ShardHeader::new("power", &1, index, count).unwrap();
        header.settings_hash = hash.into();
        (
            PathBuf::from(format!("shard-{index}.json")),
            ShardFile { header, settings: serde_json::json!(1), payload: raw(&format!("[{index}]")) },
        )
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // Published FNV-1a 64 test vectors: "" and "a".
        assert_eq!(settings_hash(""), "fnv1a64:cbf29ce484222325");
        assert_eq!(settings_hash("a"), "fnv1a64:af63dc4c8601ec8c");
    }

    #[test]
    fn index_lists_use_slurm_ranges() {
        assert_eq!(index_list(&[7, 1, 2, 3, 9, 10]), "1-3,7,9-10");
        assert_eq!(index_list(&[4]), "4");
        assert_eq!(index_list(&[]), "");
    }

    #[test]
    fn loose_shards_are_put_in_order() {
        let set = vec![shard(3, 3, "h"), shard(1, 3, "h"), shard(2, 3, "h")];
        let ordered = check_files(set).unwrap();
        let idx: Vec<u32> = ordered.iter().map(|s| s.header.shard_index).collect();
        assert_eq!(idx, [1, 2, 3]);
    }

    #[test]
    fn loose_shards_name_the_missing_and_the_foreign() {
        let err = check_files(vec![shard(1, 4, "h"), shard(3, 4, "h")]).unwrap_err().to_string();
        assert!(err.contains("2,4"), "{err}");
        let err = check_files(vec![shard(1, 2, "h"), shard(2, 2, "other")]).unwrap_err().to_string();
        assert!(err.contains("settings_hash") && err.contains("other"), "{err}");
        let err = check_files(vec![shard(1, 2, "h"), shard(1, 2, "h")]).unwrap_err().to_string();
        assert!(err.contains("twice"), "{err}");
    }
}
