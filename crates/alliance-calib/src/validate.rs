//! Validation: the statistics of each treatment cell, observed in held-out sessions and
//! simulated with the fitted parameters on the same alliances (same treatments, horizons and
//! matching of subjects: each simulated subject keeps its type over the session and carries its
//! trust from one alliance to the next), with intervals over replications.

use crate::data::{Alliance, SubjectKey, Treatment};
use crate::estimate::ParamDraws;
use alliance_sim::game::{carry_over, play_with, Action, GameParams, Kind, Payoffs, Play};
use rand::Rng;
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

/// One simulated replay of `alliances` (whole sessions): the alliances are played in the order
/// of sessions, interactions and partnerships; a subject draws its type when it first appears
/// and enters each later alliance with the trust carried over from its last
/// ([`alliance_sim::game::carry_over`]). Members without a subject number are new subjects.
/// Returns each alliance's treatment and simulated play, in that order.
pub fn replay(
    params: &GameParams,
    payoffs: &BTreeMap<Treatment, Payoffs>,
    alliances: &[&Alliance],
    rng: &mut impl Rng,
) -> Vec<(Treatment, Play)> {
    let mut order: Vec<&Alliance> = alliances.to_vec();
    order.sort_by_key(|a| (a.session, a.interaction, a.partnership));
    let mut subjects: BTreeMap<SubjectKey, (Kind, f64)> = BTreeMap::new();
    let mut out = Vec::with_capacity(order.len());
    for (i, a) in order.into_iter().enumerate() {
        let Some(p) = payoffs.get(&a.treatment) else { continue };
        let keys: Vec<SubjectKey> = (0..p.members()).map(|m| a.subject_key(i, m)).collect();
        let exit_cost = p.exit_cost > 0.0;
        let states: Vec<(Kind, f64)> = keys
            .iter()
            .map(|k| match subjects.get(k) {
                Some(&(kind, trust)) => (kind.next(params, exit_cost, rng), trust),
                None => (Kind::draw(params, exit_cost, rng), params.initial_trust),
            })
            .collect();
        let kinds: Vec<Kind> = states.iter().map(|s| s.0).collect();
        let entry: Vec<f64> = states.iter().map(|s| s.1).collect();
        let (play, end) = play_with(params, p, a.periods, &entry, &kinds, rng);
        for (((k, e), t), kind) in keys.iter().zip(&entry).zip(&end).zip(&kinds) {
            subjects.insert(*k, (*kind, carry_over(params, *e, *t)));
        }
        out.push((a.treatment, play));
    }
    out
}

/// Simulates `reps` replications of all `alliances` ([`replay`]: each with its treatment's
/// payoffs, its own horizon and its subjects) and summarises each cell's statistics over the
/// replications. Replication r draws from [`alliance_sim::rep_rng`]`(seed, r)`, so the result
/// does not depend on threads.
/// With `draws`, every replication first draws its parameters ([`ParamDraws::draw`]), so the
/// bands also hold the estimation uncertainty of the parameters.
pub fn simulate(
    params: &GameParams,
    draws: Option<&ParamDraws>,
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
            let params = draws.map_or(*params, |d| d.draw(&mut rng));
            let mut cells: BTreeMap<Treatment, Vec<Play>> = BTreeMap::new();
            for (t, play) in replay(&params, payoffs, alliances, &mut rng) {
                cells.entry(t).or_default().push(play);
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

    /// Replays follow subjects: with persistence 1 a subject keeps its type over its alliances
    /// (here types that always or never contribute, so every subject's contribution rate is 0
    /// or 1); with persistence 0 types are drawn per alliance and subjects mix.
    #[test]
    fn replays_keep_subjects_types_and_carry_trust() {
        use crate::data::Game;
        let pd = Treatment { game: Game::PrisonersDilemma, exit_cost: false, members: 2 };
        let payoffs: BTreeMap<Treatment, Payoffs> =
            [(pd, Payoffs { contribute: vec![-2.5, 2.5], withhold: vec![1.0, 3.0], outside: 1.5, exit_cost: 0.0 })]
                .into();
        // Eight subjects rematched over six interactions (a round robin of pairs).
        let mut alliances = Vec::new();
        for interaction in 1..=6u32 {
            for k in 0..4u32 {
                let (a, b) = (k, (k + interaction) % 8);
                let (a, b) = if a == b { (k, (k + 4) % 8) } else { (a, b) };
                alliances.push(Alliance {
                    session: 1,
                    interaction,
                    partnership: k + 1,
                    treatment: pd,
                    periods: 4,
                    play: Play { choices: Vec::new(), exit_period: None },
                    subjects: vec![a.min(b) + 1, a.max(b) + 1],
                });
            }
        }
        let refs: Vec<&Alliance> = alliances.iter().collect();
        let params = GameParams {
            bias_exit: -60.0,
            cooperator_share: 0.5,
            cooperator_bias: 60.0,
            free_rider_share: 1.0,
            free_rider_bias: -60.0,
            type_persistence: 1.0,
            ..GameParams::default()
        };
        let rates = |params: &GameParams| {
            let plays = replay(params, &payoffs, &refs, &mut alliance_sim::rep_rng(3, 0));
            assert_eq!(plays.len(), alliances.len());
            let mut rates: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
            for (a, (_, p)) in alliances.iter().zip(&plays) {
                for period in &p.choices {
                    for (m, act) in period.iter().enumerate() {
                        let r = rates.entry(a.subjects[m]).or_default();
                        r.0 += usize::from(*act == C);
                        r.1 += 1;
                    }
                }
            }
            rates
        };
        let kept = rates(&params);
        assert!(kept.values().all(|&(c, n)| c == 0 || c == n), "{kept:?}");
        assert!(kept.values().any(|&(c, _)| c == 0) && kept.values().any(|&(c, n)| c == n));
        // Types drawn anew in every alliance: subjects mix.
        let fresh = rates(&GameParams { type_persistence: 0.0, ..params });
        assert!(fresh.values().any(|&(c, n)| c > 0 && c < n), "{fresh:?}");
    }
}
