//! Replications in parallel: one ChaCha8 stream per replication, so results do not depend on the
//! number of threads, and shards of replications merge into exactly the single-run result.

use crate::error::SimError;
use crate::model::{Outcome, PanelRow, Sim};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The result of one replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepResult {
    /// Replication index (0-based, global across shards).
    pub rep: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// One row per period, empty unless the panel was recorded.
    pub panel: Vec<PanelRow>,
}

/// The random stream of replication `rep`: ChaCha8 keyed by `seed`, on stream number `rep`.
/// Streams are independent by construction, and each replication draws only from its own.
pub fn rep_rng(seed: u64, rep: u32) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from(rep));
    rng
}

/// The replications of shard `index` of `count` (1-based): `[(i-1) R / N, i R / N)`.
pub fn shard_range(reps: u32, index: u32, count: u32) -> Result<Range<u32>, SimError> {
    if count == 0 || index == 0 || index > count || count > reps {
        return Err(SimError::Shard { index, count, reps });
    }
    let at = |i: u32| (u64::from(i) * u64::from(reps) / u64::from(count)) as u32;
    Ok(at(index - 1)..at(index))
}

/// Runs replications `reps` of `sim` in parallel on the current rayon pool, in replication
/// order. `record` keeps the panel; `progress` is called once per finished replication.
pub fn run_reps(sim: &Sim, seed: u64, reps: Range<u32>, record: bool, progress: &(dyn Fn() + Sync)) -> Vec<RepResult> {
    reps.into_par_iter()
        .map(|rep| {
            let mut rng = rep_rng(seed, rep);
            let mut panel = Vec::new();
            if record {
                panel.reserve(sim.periods() as usize);
            }
            let outcome = sim.simulate(&mut rng, record.then_some(&mut panel));
            progress();
            RepResult { rep, outcome, panel }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_replications() {
        for (reps, n) in [(10, 3), (1000, 7), (5, 5)] {
            let mut next = 0;
            for i in 1..=n {
                let r = shard_range(reps, i, n).unwrap();
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, reps);
        }
        assert!(shard_range(10, 0, 3).is_err());
        assert!(shard_range(10, 4, 3).is_err());
        assert!(shard_range(2, 1, 3).is_err());
    }
}
