//! Summaries across replications: shares, quantiles, survival curve and per-period bands.

use crate::runner::RepResult;
use serde::{Deserialize, Serialize};

/// Mean and quantiles (R's type 7: linear interpolation between order statistics).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// Mean.
    pub mean: f64,
    /// 5 % quantile.
    pub p05: f64,
    /// 25 % quantile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75 % quantile.
    pub p75: f64,
    /// 95 % quantile.
    pub p95: f64,
}

/// Quantile `p` of sorted values (type 7); `None` for no values.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

impl Quantiles {
    /// Summarises values (sorted in place); `None` for no values.
    pub fn of(values: &mut [f64]) -> Option<Self> {
        values.sort_by(f64::total_cmp);
        let q = |p| quantile_sorted(values, p);
        Some(Quantiles {
            mean: values.iter().sum::<f64>() / values.len().max(1) as f64,
            p05: q(0.05)?,
            p25: q(0.25)?,
            p50: q(0.50)?,
            p75: q(0.75)?,
            p95: q(0.95)?,
        })
    }
}

/// Per-direction summary: partner `from`'s view of partner `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectionSummary {
    /// `A->B`: A's trust in B, A's learning from B.
    pub direction: String,
    /// Trust at formation (trust1).
    pub trust1: f64,
    /// Trust in the last period.
    pub final_trust: Quantiles,
    /// Cumulative learning from the partner.
    pub learning: Quantiles,
}

/// Per-period band across the replications still running in that period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodBand {
    /// Period, 1-based.
    pub period: u32,
    /// Replications running in this period.
    pub running: u32,
    /// Trust of A in B and of B in A: 10 %, 50 %, 90 % quantiles.
    pub trust: [[f64; 3]; 2],
    /// Cumulative learning balance (A minus B): 10 %, 50 %, 90 % quantiles.
    pub learning_balance: [f64; 3],
}

/// What a run of replications shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Number of replications.
    pub replications: u32,
    /// Seed.
    pub seed: u64,
    /// Horizon.
    pub periods: u32,
    /// Share of alliances still running at the horizon.
    pub survival: f64,
    /// Share that ended with objectives met.
    pub objectives_met: f64,
    /// Share that ended prematurely (any cause).
    pub premature: f64,
    /// Share ended because a partner's trust collapsed.
    pub premature_low_trust: f64,
    /// Share ended by an unresolved mismatch.
    pub premature_mismatch: f64,
    /// Share ended because the bargain became obsolete.
    pub premature_bargain_obsolete: f64,
    /// Mean number of renegotiations.
    pub renegotiations: f64,
    /// Last period.
    pub end_period: Quantiles,
    /// A->B and B->A.
    pub directions: Vec<DirectionSummary>,
    /// Cumulative learning of A from B minus B from A.
    pub learning_balance: Quantiles,
    /// Dyadic learning (both flows plus joint creation).
    pub dyadic_learning: Quantiles,
    /// Mean performance per period.
    pub performance: Quantiles,
    /// Share of alliances still running after each period (index 0 = period 1).
    pub survival_curve: Vec<f64>,
    /// Per-period bands (empty when the panel was not recorded).
    pub bands: Vec<PeriodBand>,
}

/// Identifies the run a summary belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Partner names, A then B.
    pub names: &'a [String; 2],
    /// Seed.
    pub seed: u64,
    /// Horizon.
    pub periods: u32,
}

impl Summary {
    /// Summarises replications (in any order; the result depends only on the set).
    pub fn new(info: &RunInfo<'_>, results: &[RepResult]) -> Self {
        let n = results.len();
        let share = |f: &dyn Fn(&RepResult) -> bool| results.iter().filter(|r| f(r)).count() as f64 / n.max(1) as f64;
        let q = |f: &dyn Fn(&RepResult) -> f64| {
            let mut v: Vec<f64> = results.iter().map(f).collect();
            Quantiles::of(&mut v).unwrap_or(Quantiles { mean: 0.0, p05: 0.0, p25: 0.0, p50: 0.0, p75: 0.0, p95: 0.0 })
        };
        use crate::model::Status as S;
        let survival_curve =
            (1..=info.periods).map(|t| share(&|r| !r.outcome.status.ended() || r.outcome.end_period > t)).collect();
        let names = info.names;
        let directions = (0..2)
            .map(|i| DirectionSummary {
                direction: format!("{}->{}", names[i], names[1 - i]),
                trust1: results.first().map_or(0.0, |r| r.outcome.trust1[i]),
                final_trust: q(&|r| r.outcome.final_trust[i]),
                learning: q(&|r| r.outcome.learning[i]),
            })
            .collect();
        Summary {
            scenario: info.scenario.to_string(),
            replications: n as u32,
            seed: info.seed,
            periods: info.periods,
            survival: share(&|r| !r.outcome.status.ended()),
            objectives_met: share(&|r| r.outcome.status == S::ObjectivesMet),
            premature: share(&|r| r.outcome.status.premature()),
            premature_low_trust: share(&|r| r.outcome.status == S::PrematureLowTrust),
            premature_mismatch: share(&|r| r.outcome.status == S::PrematureMismatch),
            premature_bargain_obsolete: share(&|r| r.outcome.status == S::PrematureBargainObsolete),
            renegotiations: results.iter().map(|r| f64::from(r.outcome.renegotiations)).sum::<f64>() / n.max(1) as f64,
            end_period: q(&|r| f64::from(r.outcome.end_period)),
            directions,
            learning_balance: q(&|r| r.outcome.learning_balance()),
            dyadic_learning: q(&|r| r.outcome.dyadic_learning()),
            performance: q(&|r| r.outcome.performance),
            survival_curve,
            bands: bands(info.periods, results),
        }
    }
}

fn bands(periods: u32, results: &[RepResult]) -> Vec<PeriodBand> {
    if results.iter().all(|r| r.panel.is_empty()) {
        return Vec::new();
    }
    let mut balance: Vec<f64> = vec![0.0; results.len()];
    let mut out = Vec::new();
    let mut ta = Vec::with_capacity(results.len());
    let mut tb = Vec::with_capacity(results.len());
    let mut lb = Vec::with_capacity(results.len());
    for t in 0..periods as usize {
        ta.clear();
        tb.clear();
        lb.clear();
        for (r, bal) in results.iter().zip(balance.iter_mut()) {
            if let Some(row) = r.panel.get(t) {
                *bal += row.learning[0] - row.learning[1];
                ta.push(row.trust[0]);
                tb.push(row.trust[1]);
                lb.push(*bal);
            }
        }
        if ta.is_empty() {
            break;
        }
        let three = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            [0.1, 0.5, 0.9].map(|p| quantile_sorted(v, p).unwrap_or(0.0))
        };
        out.push(PeriodBand {
            period: t as u32 + 1,
            running: ta.len() as u32,
            trust: [three(&mut ta), three(&mut tb)],
            learning_balance: three(&mut lb),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_quantiles_match_r() {
        // R: quantile(c(1, 2, 4, 8), c(.05, .25, .5, .75, .95)) = 1.15 1.75 3.00 5.00 7.40
        let q = Quantiles::of(&mut [8.0, 1.0, 4.0, 2.0]).unwrap();
        for (got, want) in [(q.p05, 1.15), (q.p25, 1.75), (q.p50, 3.0), (q.p75, 5.0), (q.p95, 7.4), (q.mean, 3.75)] {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert!(Quantiles::of(&mut []).is_none());
    }
}
