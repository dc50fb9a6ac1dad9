//! Parameter sweeps: one summary per point of a grid, with common random numbers.

use crate::error::SimError;
use crate::model::Sim;
use crate::runner::run_reps;
use crate::scenario::Scenario;
use crate::summary::{RunInfo, Summary};

/// One axis of a grid: a parameter path (see [`Scenario::with_parameter`]) and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Dotted parameter path, e.g. `environment.dynamism`.
    pub key: String,
    /// Values to try.
    pub values: Vec<f64>,
}

/// One grid point and its summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// The value of each axis, in axis order.
    pub values: Vec<f64>,
    /// Summary over the replications (without per-period bands).
    pub summary: Summary,
}

/// Every combination of the axes' values, the last axis varying fastest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    let mut points = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    points
}

/// Runs `reps` replications at every grid point. Every point uses the same seed and so the same
/// random streams (common random numbers): differences between points come from the parameters.
/// All points are checked before any is run.
pub fn sweep(
    base: &Scenario,
    axes: &[Axis],
    reps: u32,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<SweepPoint>, SimError> {
    let n = grid(axes).len();
    sweep_points(base, axes, reps, seed, 0..n, progress)
}

/// Runs only the grid points `points` (indices in [`grid`] order), as [`sweep`] would: one shard
/// of a sweep. Every point is still checked, so a shard fails exactly when the whole sweep would.
pub fn sweep_points(
    base: &Scenario,
    axes: &[Axis],
    reps: u32,
    seed: u64,
    points: std::ops::Range<usize>,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<SweepPoint>, SimError> {
    let grid = grid(axes);
    let mut sims = Vec::with_capacity(grid.len());
    for values in &grid {
        let mut s = base.clone();
        for (axis, v) in axes.iter().zip(values) {
            s = s.with_parameter(&axis.key, *v)?;
        }
        sims.push(Sim::new(&s)?);
    }
    Ok(grid
        .into_iter()
        .zip(&sims)
        .enumerate()
        .filter(|(k, _)| points.contains(k))
        .map(|(_, (values, sim))| {
            let results = run_reps(sim, seed, 0..reps, false, progress);
            let info = RunInfo { scenario: &base.name, names: sim.names(), seed, periods: sim.periods() };
            SweepPoint { values, summary: Summary::new(&info, &results) }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_the_cartesian_product() {
        let axes = [
            Axis { key: "a".into(), values: vec![1.0, 2.0] },
            Axis { key: "b".into(), values: vec![10.0, 20.0, 30.0] },
        ];
        let g = grid(&axes);
        assert_eq!(g.len(), 6);
        // Values are copied, not computed: a tolerance of zero width would do, 1e-15 is for style.
        let same = |p: &[f64], q: [f64; 2]| p.iter().zip(q).all(|(x, y)| (x - y).abs() < 1e-15);
        assert!(same(&g[0], [1.0, 10.0]));
        assert!(same(&g[1], [1.0, 20.0]));
        assert!(same(&g[5], [2.0, 30.0]));
    }
}
