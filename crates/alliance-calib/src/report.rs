//! The validation report: observed against simulated per cell, the targets, a Markdown table,
//! CSV files and SVG plots.

use crate::data::{Alliance, Treatment};
use crate::estimate::ParamDraws;
use crate::plot::{dot_svg, periods_svg, DotRow, PeriodPanel};
use crate::validate::{observed, ordering, simulate, CellStats, SimStats};
use alliance_sim::game::{GameParams, Payoffs};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Picks the observed value and the simulated band of one statistic.
type Pick = dyn Fn(&CellStats, &SimStats) -> (Option<f64>, Option<crate::validate::Band>);

/// Tolerance of the contribution-rate target, in percentage points.
pub const CONTRIBUTION_TOLERANCE: f64 = 5.0;
/// Tolerance of the termination-rate target, in percentage points.
pub const TERMINATION_TOLERANCE: f64 = 8.0;

/// Observed and simulated statistics of every cell of the held-out sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// Cells in the order of [`Treatment::all`], with observed and simulated statistics.
    pub cells: Vec<(Treatment, CellStats, SimStats)>,
    /// Replications simulated.
    pub reps: u32,
    /// Seed.
    pub seed: u64,
    /// Whether each replication drew its parameters from their sampling distribution.
    pub parameter_uncertainty: bool,
}

impl Validation {
    /// Simulates `reps` replications of `alliances` and pairs them with the observations.
    pub fn run(
        params: &GameParams,
        payoffs: &BTreeMap<Treatment, Payoffs>,
        alliances: &[&Alliance],
        reps: u32,
        seed: u64,
    ) -> Validation {
        Self::run_with(params, None, payoffs, alliances, reps, seed)
    }

    /// [`Validation::run`], each replication with its own draw of the parameters when `draws`
    /// is given (bands that hold the estimation uncertainty too).
    pub fn run_with(
        params: &GameParams,
        draws: Option<&ParamDraws>,
        payoffs: &BTreeMap<Treatment, Payoffs>,
        alliances: &[&Alliance],
        reps: u32,
        seed: u64,
    ) -> Validation {
        let obs = observed(alliances);
        let mut sim = simulate(params, draws, payoffs, alliances, reps, seed);
        let cells =
            Treatment::all().into_iter().filter_map(|t| Some((t, obs.get(&t)?.clone(), sim.remove(&t)?))).collect();
        Validation { cells, reps, seed, parameter_uncertainty: draws.is_some() }
    }

    /// Cells whose simulated contribution rate misses the observed one by more than the tolerance.
    pub fn contribution_misses(&self) -> Vec<Treatment> {
        self.cells
            .iter()
            .filter(|(_, o, s)| !(100.0 * (s.contribution.mean - o.contribution)).abs().le(&CONTRIBUTION_TOLERANCE))
            .map(|(t, _, _)| *t)
            .collect()
    }

    /// Cells whose simulated termination rate misses the observed one by more than the tolerance.
    pub fn termination_misses(&self) -> Vec<Treatment> {
        self.cells
            .iter()
            .filter(|(_, o, s)| !(100.0 * (s.termination.mean - o.termination)).abs().le(&TERMINATION_TOLERANCE))
            .map(|(t, _, _)| *t)
            .collect()
    }

    /// Cells whose observed contribution and termination rates lie outside the simulated 5-95 %
    /// band (a predictive check: each replication draws new subjects, so the band holds the
    /// variation between sessions of the same cell that the model implies).
    pub fn outside_bands(&self) -> (Vec<Treatment>, Vec<Treatment>) {
        let outside = |o: f64, b: &crate::validate::Band| !(b.lo - 1e-12..=b.hi + 1e-12).contains(&o);
        let pick = |f: &dyn Fn(&CellStats, &SimStats) -> bool| {
            self.cells.iter().filter(|(_, o, s)| f(o, s)).map(|(t, _, _)| *t).collect::<Vec<_>>()
        };
        (pick(&|o, s| outside(o.contribution, &s.contribution)), pick(&|o, s| outside(o.termination, &s.termination)))
    }

    /// Kendall's tau and reversed pairs of the cells' contribution rates.
    pub fn contribution_ordering(&self) -> (f64, Vec<(Treatment, Treatment)>) {
        ordering(&self.cells.iter().map(|(t, o, s)| (*t, o.contribution, s.contribution.mean)).collect::<Vec<_>>())
    }

    /// Kendall's tau and reversed pairs of the cells' termination rates.
    pub fn termination_ordering(&self) -> (f64, Vec<(Treatment, Treatment)>) {
        ordering(&self.cells.iter().map(|(t, o, s)| (*t, o.termination, s.termination.mean)).collect::<Vec<_>>())
    }

    /// The Markdown table and the targets.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let pct = |v: f64| if v.is_finite() { format!("{:.1}", 100.0 * v) } else { "-".into() };
        let band = |b: &crate::validate::Band, scale: f64| {
            format!("{:.1} [{:.1}, {:.1}]", scale * b.mean, scale * b.lo, scale * b.hi)
        };
        let opt = |v: Option<f64>, scale: f64| v.map_or("-".to_string(), |v| format!("{:.1}", scale * v));
        let optb =
            |b: &Option<crate::validate::Band>, scale: f64| b.as_ref().map_or("-".to_string(), |b| band(b, scale));
        let _ = writeln!(
            s,
            "Observed against simulated ({} replications, seed {}{}; simulated: mean [5 %, 95 %]). Rates in %.\n",
            self.reps,
            self.seed,
            if self.parameter_uncertainty { ", parameters drawn per replication" } else { "" }
        );
        let _ = writeln!(s, "| cell | alliances | contribution obs | contribution sim | termination obs | termination sim | repair obs | repair sim | time to exit obs | time to exit sim |");
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (t, o, m) in &self.cells {
            let _ = writeln!(
                s,
                "| {t} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                o.alliances,
                pct(o.contribution),
                band(&m.contribution, 100.0),
                pct(o.termination),
                band(&m.termination, 100.0),
                opt(o.repair, 100.0),
                optb(&m.repair, 100.0),
                opt(o.time_to_exit, 1.0),
                optb(&m.time_to_exit, 1.0),
            );
        }
        let names = |v: &[Treatment]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
            }
        };
        let pairs = |v: &[(Treatment, Treatment)]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter().map(|(a, b)| format!("`{a}`/`{b}`")).collect::<Vec<_>>().join(", ")
            }
        };
        let (ct, cr) = self.contribution_ordering();
        let (tt, tr) = self.termination_ordering();
        let _ = writeln!(s, "\nTargets:");
        let _ = writeln!(
            s,
            "- contribution within {CONTRIBUTION_TOLERANCE} points: {} of {} cells; missed: {}",
            self.cells.len() - self.contribution_misses().len(),
            self.cells.len(),
            names(&self.contribution_misses())
        );
        let _ = writeln!(
            s,
            "- termination within {TERMINATION_TOLERANCE} points: {} of {} cells; missed: {}",
            self.cells.len() - self.termination_misses().len(),
            self.cells.len(),
            names(&self.termination_misses())
        );
        let (oc, ot) = self.outside_bands();
        let _ = writeln!(
            s,
            "- observed inside the simulated 5-95 % band: contribution {} of {} cells (outside: {}), termination {} of {} (outside: {})",
            self.cells.len() - oc.len(),
            self.cells.len(),
            names(&oc),
            self.cells.len() - ot.len(),
            self.cells.len(),
            names(&ot)
        );
        let _ = writeln!(s, "- ordering of contribution: Kendall tau {ct:.2}; reversed pairs: {}", pairs(&cr));
        let _ = writeln!(s, "- ordering of termination: Kendall tau {tt:.2}; reversed pairs: {}", pairs(&tr));
        s
    }

    /// One CSV row per cell and statistic: `cell, statistic, observed, sim_mean, sim_p05, sim_p95`.
    pub fn cells_csv(&self) -> String {
        let mut s = String::from("cell,statistic,observed,sim_mean,sim_p05,sim_p95\n");
        let num = |v: Option<f64>| v.filter(|x| x.is_finite()).map_or(String::new(), |x| format!("{x:.6}"));
        for (t, o, m) in &self.cells {
            let rows = [
                ("contribution", Some(o.contribution), Some(m.contribution)),
                ("termination", Some(o.termination), Some(m.termination)),
                ("repair", o.repair, m.repair),
                ("time_to_exit", o.time_to_exit, m.time_to_exit),
            ];
            for (name, ov, b) in rows {
                let _ = writeln!(
                    s,
                    "{t},{name},{},{},{},{}",
                    num(ov),
                    num(b.map(|b| b.mean)),
                    num(b.map(|b| b.lo)),
                    num(b.map(|b| b.hi))
                );
            }
        }
        s
    }

    /// One CSV row per cell and period: `cell, period, observed, sim_mean, sim_p05, sim_p95`.
    pub fn periods_csv(&self) -> String {
        let mut s = String::from("cell,period,observed,sim_mean,sim_p05,sim_p95\n");
        for (t, o, m) in &self.cells {
            for (i, (ov, b)) in o.by_period.iter().zip(&m.by_period).enumerate() {
                if ov.is_none() && b.is_none() {
                    continue;
                }
                let f = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.6}"));
                let _ = writeln!(
                    s,
                    "{t},{},{},{},{},{}",
                    i + 1,
                    f(*ov),
                    f(b.map(|b| b.mean)),
                    f(b.map(|b| b.lo)),
                    f(b.map(|b| b.hi))
                );
            }
        }
        s
    }

    /// The SVG plots by file name.
    pub fn plots(&self) -> Vec<(&'static str, String)> {
        let dots = |f: &Pick| -> Vec<DotRow> {
            self.cells
                .iter()
                .map(|(t, o, m)| {
                    let (a, b) = f(o, m);
                    (t.to_string(), a, b)
                })
                .collect()
        };
        let max_exit = self
            .cells
            .iter()
            .flat_map(|(_, o, m)| [o.time_to_exit, m.time_to_exit.map(|b| b.hi)])
            .flatten()
            .fold(1.0_f64, f64::max);
        let panels: Vec<PeriodPanel> =
            self.cells.iter().map(|(t, o, m)| (t.to_string(), o.by_period.clone(), m.by_period.clone())).collect();
        vec![
            (
                "contribution.svg",
                dot_svg(
                    "Contribution rate per cell",
                    &dots(&|o, m| (Some(o.contribution), Some(m.contribution))),
                    (0.0, 1.0),
                ),
            ),
            (
                "termination.svg",
                dot_svg(
                    "Termination rate per cell",
                    &dots(&|o, m| (Some(o.termination), Some(m.termination))),
                    (0.0, 1.0),
                ),
            ),
            (
                "repair.svg",
                dot_svg(
                    "P(contribute again after a partner withheld)",
                    &dots(&|o, m| (o.repair, m.repair)),
                    (0.0, 1.0),
                ),
            ),
            (
                "time_to_exit.svg",
                dot_svg(
                    "Mean exit period of terminated alliances",
                    &dots(&|o, m| (o.time_to_exit, m.time_to_exit)),
                    (0.0, max_exit.ceil()),
                ),
            ),
            ("by_period.svg", periods_svg("Contribution rate by period", &panels)),
        ]
    }
}
