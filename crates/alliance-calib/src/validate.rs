//! Validation: the statistics of each treatment cell, observed in held-out sessions and
//! simulated with the fitted parameters on the same alliances (same treatments and horizons),
//! with intervals over replications.

use crate::data::{Alliance, Treatment};
use alliance_sim::game::{play, Action, GameParams, Payoffs, Play};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The statistics of one treatment cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellStats {
    /// Alliances in the cell.
    pub alliances: usize,
    /// Contributions over all choices made while the alliance ran (contribute, withhold, exit).
    pub contribution: f64,
    /// Share of alliances ended by an exit.
    pub termination: f64,
    /// Contribution rate in period t (index t - 1) among alliances still running; `None` when
    /// no alliance of the cell reached t.
    pub by_period: Vec<Option<f64>>,
    /// Trust repair: the share who contribute in t among partners who contributed in t - 1
    /// while some partner withheld in t - 1; `None` when that never happened.
    pub repair: Option<f64>,
    /// Mean exit period among terminated alliances; `None` when none was terminated.
    pub time_to_exit: Option<f64>,
}

/// The statistics of `plays` (one treatment cell), with `horizon` periods of `by_period`.
pub fn cell_stats<'a>(plays: impl Iterator<Item = &'a Play>, horizon: usize) -> CellStats {
    let mut n = 0usize;
    let (mut c, mut total) = (0usize, 0usize);
    let (mut ended, mut exit_sum) = (0usize, 0u64);
    let mut per = vec![(0usize, 0usize); horizon];
    let (mut rep_c, mut rep_n) = (0usize, 0usize);
    for p in plays {
        n += 1;
        for (t, period) in p.choices.iter().enumerate() {
            let cs = period.iter().filter(|a| **a == Action::Contribute).count();
            c += cs;
            total += period.len();
            if t < horizon {
                per[t].0 += cs;
                per[t].1 += period.len();
            }
            if t > 0 {
                let prev = &p.choices[t - 1];
                for (m, a) in period.iter().enumerate() {
                    let partner_withheld = prev.iter().enumerate().any(|(j, b)| j != m && *b == Action::Withhold);
                    if prev[m] == Action::Contribute && partner_withheld {
                        rep_n += 1;
                        rep_c += usize::from(*a == Action::Contribute);
                    }
                }
            }
        }
        if let Some(t) = p.exit_period {
            ended += 1;
            exit_sum += u64::from(t);
        }
    }
    let ratio = |a: usize, b: usize| if b > 0 { Some(a as f64 / b as f64) } else { None };
    CellStats {
        alliances: n,
        contribution: ratio(c, total).unwrap_or(f64::NAN),
        termination: ratio(ended, n).unwrap_or(f64::NAN),
        by_period: per.iter().map(|&(a, b)| ratio(a, b)).collect(),
        repair: ratio(rep_c, rep_n),
        time_to_exit: if ended > 0 { Some(exit_sum as f64 / ended as f64) } else { None },
    }
}

/// The longest horizon among `alliances`.
pub fn horizon(alliances: &[&Alliance]) -> usize {
    alliances.iter().map(|a| a.periods as usize).max().unwrap_or(0)
}

/// Observed statistics per treatment cell.
pub fn observed(alliances: &[&Alliance]) -> BTreeMap<Treatment, CellStats> {
    let h = horizon(alliances);
    let mut cells: BTreeMap<Treatment, Vec<&Play>> = BTreeMap::new();
    for a in alliances {
        cells.entry(a.treatment).or_default().push(&a.play);
    }
    cells.into_iter().map(|(t, v)| (t, cell_stats(v.into_iter(), h))).collect()
}

/// A simulated statistic over replications: mean and the 5 % and 95 % quantiles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Mean over replications (that define the statistic).
    pub mean: f64,
    /// 5 % quantile.
    pub lo: f64,
    /// 95 % quantile.
    pub hi: f64,
}

impl Band {
    /// The band of `values`, `None` when there are none.
    pub fn of(values: &mut [f64]) -> Option<Band> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let pos = p * (values.len() - 1) as f64;
            let (i, f) = (pos.floor() as usize, pos - pos.floor());
            let j = (i + 1).min(values.len() - 1);
            values[i] * (1.0 - f) + values[j] * f
        };
        Some(Band { mean: values.iter().sum::<f64>() / values.len() as f64, lo: q(0.05), hi: q(0.95) })
    }
}

/// Simulated statistics of one cell over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct SimStats {
    /// Contribution rate.
    pub contribution: Band,
    /// Termination rate.
    pub termination: Band,
    /// Contribution by period.
    pub by_period: Vec<Option<Band>>,
    /// Trust repair probability.
    pub repair: Option<Band>,
    /// Mean time to exit.
    pub time_to_exit: Option<Band>,
}

/// Simulates `reps` replications of all `alliances` (each with its treatment's payoffs and its
/// own horizon) and summarises each cell's statistics over the replications. Replication r
/// draws from [`alliance_sim::rep_rng`]`(seed, r)`, so the result does not depend on threads.
pub fn simulate(
    params: &GameParams,
    payoffs: &BTreeMap<Treatment, Payoffs>,
    alliances: &[&Alliance],
    reps: u32,
    seed: u64,
) -> BTreeMap<Treatment, SimStats> {
    let h = horizon(alliances);
    let runs: Vec<BTreeMap<Treatment, CellStats>> = (0..reps)
        .into_par_iter()
        .map(|r| {
            let mut rng = alliance_sim::rep_rng(seed, r);
            let mut cells: BTreeMap<Treatment, Vec<Play>> = BTreeMap::new();
            for a in alliances {
                if let Some(p) = payoffs.get(&a.treatment) {
                    cells.entry(a.treatment).or_default().push(play(params, p, a.periods, &mut rng));
                }
            }
            cells.into_iter().map(|(t, v)| (t, cell_stats(v.iter(), h))).collect()
        })
        .collect();
    let mut out = BTreeMap::new();
    let cells: Vec<Treatment> = runs.first().map(|m| m.keys().copied().collect()).unwrap_or_default();
    for t in cells {
        let stats: Vec<&CellStats> = runs.iter().filter_map(|m| m.get(&t)).collect();
        let band = |f: &dyn Fn(&CellStats) -> Option<f64>| {
            let mut v: Vec<f64> = stats.iter().filter_map(|s| f(s)).filter(|x| x.is_finite()).collect();
            Band::of(&mut v)
        };
        let nan = Band { mean: f64::NAN, lo: f64::NAN, hi: f64::NAN };
        out.insert(
            t,
            SimStats {
                contribution: band(&|s| Some(s.contribution)).unwrap_or(nan),
                termination: band(&|s| Some(s.termination)).unwrap_or(nan),
                by_period: (0..h).map(|i| band(&|s| s.by_period[i])).collect(),
                repair: band(&|s| s.repair),
                time_to_exit: band(&|s| s.time_to_exit),
            },
        );
    }
    out
}

/// Kendall's tau between the observed and simulated ordering of the cells, and the pairs of
/// cells whose order the simulation reverses.
pub fn ordering(pairs: &[(Treatment, f64, f64)]) -> (f64, Vec<(Treatment, Treatment)>) {
    let (mut conc, mut disc) = (0i32, 0i32);
    let mut reversed = Vec::new();
    for i in 0..pairs.len() {
        for j in i + 1..pairs.len() {
            let o = (pairs[i].1 - pairs[j].1).signum();
            let s = (pairs[i].2 - pairs[j].2).signum();
            if o * s > 0.0 {
                conc += 1;
            } else if o * s < 0.0 {
                disc += 1;
                reversed.push((pairs[i].0, pairs[j].0));
            }
        }
    }
    let n = pairs.len() as f64;
    let tau = if n > 1.0 { f64::from(conc - disc) / (n * (n - 1.0) / 2.0) } else { f64::NAN };
    (tau, reversed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::{Contribute as C, Exit as E, Withhold as N};

    #[test]
    fn statistics_by_hand() {
        let a = Play { choices: vec![vec![C, N], vec![C, C], vec![E, C]], exit_period: Some(3) };
        let b = Play { choices: vec![vec![C, C], vec![C, C]], exit_period: None };
        let s = cell_stats([a, b].iter(), 3);
        assert_eq!(s.alliances, 2);
        // 8 contributions out of 10 choices.
        assert!((s.contribution - 0.8).abs() < 1e-12);
        assert!((s.termination - 0.5).abs() < 1e-12);
        assert!((s.by_period[0].unwrap() - 0.75).abs() < 1e-12);
        assert!((s.by_period[2].unwrap() - 0.5).abs() < 1e-12);
        // Only member 0 of `a` contributed in period 1 while its partner withheld; it
        // contributed again.
        assert!((s.repair.unwrap() - 1.0).abs() < 1e-12);
        assert!((s.time_to_exit.unwrap() - 3.0).abs() < 1e-12);
    }

    #[test]
    fn bands_and_ordering() {
        let mut v: Vec<f64> = (0..=100).map(f64::from).collect();
        let b = Band::of(&mut v).unwrap();
        assert!((b.mean - 50.0).abs() < 1e-12 && (b.lo - 5.0).abs() < 1e-12 && (b.hi - 95.0).abs() < 1e-12);
        let t = Treatment::all();
        let (tau, rev) = ordering(&[(t[0], 0.9, 0.8), (t[1], 0.5, 0.6), (t[2], 0.7, 0.5)]);
        assert!((tau - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(rev, vec![(t[1], t[2])]);
    }
}
