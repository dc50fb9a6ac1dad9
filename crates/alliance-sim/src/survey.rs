//! The survey bridge: simulated alliances answer the trust-learning study's questionnaire.
//!
//! A population of heterogeneous alliances ([`crate::population::draw_scenario`]) is simulated,
//! and for each alliance the manager of partner A answers both waves of the study questionnaire
//! (the catalogue in `alliance_core::constructs`) about partner B. The answers are generated from
//! the simulated latent states, so the study's SEM can be run on alliances whose mechanism is
//! known: does it recover what generated the data?
//!
//! ## Latent states (respondent A, partner B)
//! | construct | simulated state |
//! |---|---|
//! | PE | A's prior experience with B |
//! | TR | B's transparency (its membrane) |
//! | RE | B's reputation |
//! | T1 | A's trust in B at formation, [`crate::rules::trust1`] of the three above (P2-P4) |
//! | RO | B's opportunism risk at wave 2, [`crate::rules::opportunism`] (propensity, integration, longevity) |
//! | PR | B's baseline protectiveness |
//! | ID | interdependence of the dyad |
//! | LO | longevity of the alliance at wave 2, [`crate::rules::longevity`] of its age |
//! | CD | normalised Kogut-Singh cultural distance of the dyad |
//! | T2 | A's trust in B at the wave-2 period (or in its last period, if it ended before) |
//! | LE | what A learned from B up to the wave-2 period |
//! | CC | integration of the governance form (control and coordination) |
//! | AC | A's receptivity (absorptive capacity) |
//! | CM, CK | not simulated: independent standard normal draws (pure noise) |
//!
//! Each alliance's age at formation is drawn uniformly in `0..=max_age` periods, so that
//! longevity varies across the population.
//!
//! ## From latent states to answers
//! Each latent state is standardised over the population, $z = (\eta - \bar\eta)/s_\eta$. Item
//! $k$ of a construct is the congeneric measure
//! $x_k = \lambda z + \sqrt{1 - \lambda^2}\,\varepsilon_k$, $\varepsilon_k \sim N(0, 1)$, put on
//! the 7-point scale by $a_k = \mathrm{clamp}(\mathrm{round}(4 + 1.25\,x_k), 1, 7)$, and a
//! reverse-keyed item is answered as $8 - a_k$ (the study recodes it back). Every draw of
//! alliance $a$ comes from ChaCha8 stream $a$ of the seed (after its simulation), so the data are
//! reproducible and independent of the thread count.

use crate::error::SimError;
use crate::model::Sim;
use crate::population::draw_scenario;
use crate::rules;
use crate::runner::rep_rng;
use alliance_core::constructs::{catalogue, MODEL_CONSTRUCTS, MODERATORS};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

/// Settings of the survey bridge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurveyOptions {
    /// Number of alliances (respondents).
    pub n: u32,
    /// Seed of the population, the simulation and the answers.
    pub seed: u64,
    /// Periods simulated per alliance.
    pub periods: u32,
    /// Period of the second wave (1-based, at most `periods`).
    pub wave2: u32,
    /// Standardised loading of every item on its construct, in (0, 1).
    pub loading: f64,
    /// Largest age of an alliance at formation, in periods.
    pub max_age: u32,
}

impl Default for SurveyOptions {
    fn default() -> Self {
        SurveyOptions { n: 500, seed: 1, periods: 40, wave2: 12, loading: 0.8, max_age: 30 }
    }
}

/// Simulated questionnaire answers with the latent states that generated them.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyData {
    /// Construct ids of the latent columns: the eleven model constructs, then the moderators.
    pub constructs: Vec<String>,
    /// Item ids (CSV column names), in catalogue order.
    pub items: Vec<String>,
    /// Per alliance: latent states (raw, before standardisation), in `constructs` order.
    pub latent: Vec<Vec<f64>>,
    /// Per alliance: answers 1..=7, in `items` order.
    pub answers: Vec<Vec<u8>>,
    /// Per alliance: whether it had ended before the wave-2 period.
    pub ended_before_wave2: Vec<bool>,
}

impl SurveyData {
    /// The answers as the study's response CSV: `alliance_id` then one column per item.
    pub fn answers_csv(&self) -> String {
        let mut s = String::from("alliance_id");
        for it in &self.items {
            s.push(',');
            s.push_str(it);
        }
        s.push('\n');
        for (a, row) in self.answers.iter().enumerate() {
            s.push_str(&format!("sim{:04}", a + 1));
            for v in row {
                s.push(',');
                s.push_str(&v.to_string());
            }
            s.push('\n');
        }
        s
    }

    /// The latent states as CSV: `alliance_id`, one column per construct, `ended_before_wave2`.
    pub fn latent_csv(&self) -> String {
        let mut s = String::from("alliance_id");
        for c in &self.constructs {
            s.push(',');
            s.push_str(c);
        }
        s.push_str(",ended_before_wave2\n");
        for (a, row) in self.latent.iter().enumerate() {
            s.push_str(&format!("sim{:04}", a + 1));
            for v in row {
                s.push_str(&format!(",{v:.6}"));
            }
            s.push_str(if self.ended_before_wave2[a] { ",1\n" } else { ",0\n" });
        }
        s
    }
}

fn invalid(key: &str, value: f64, range: &str) -> SimError {
    SimError::OutOfRange { key: key.into(), value, range: range.into() }
}

/// Latent states of one alliance (respondent A) in [`SurveyData::constructs`] order, and whether
/// it ended before wave 2. Draws from `rng` after the simulation for the noise moderators.
fn latent_states(o: &SurveyOptions, alliance: u32) -> Result<(Vec<f64>, bool, rand_chacha::ChaCha8Rng), SimError> {
    let mut rng = rep_rng(o.seed, alliance);
    let mut s = draw_scenario(&mut rng, o.periods);
    s.alliance.age = rng.random_range(0..=o.max_age);
    let sim = Sim::new(&s)?;
    let mut panel = Vec::with_capacity(o.periods as usize);
    let out = sim.simulate(&mut rng, Some(&mut panel));
    let (a, b) = (&s.partners[0], &s.partners[1]);
    let upto: Vec<_> = panel.iter().filter(|r| r.period <= o.wave2).collect();
    let ended = out.end_period < o.wave2;
    let t2 = upto.last().map_or(out.trust1[0], |r| r.trust[0]);
    let learned: f64 = upto.iter().map(|r| r.learning[0]).sum();
    let integration = s.alliance.governance.integration();
    let lo = rules::longevity(f64::from(s.alliance.age + o.wave2));
    let ro = rules::opportunism(b.opportunism, integration, lo);
    let by_id = |id: &str| -> f64 {
        match id {
            "PE" => a.prior_experience,
            "TR" => b.transparency,
            "RE" => b.reputation,
            "T1" => out.trust1[0],
            "RO" => ro,
            "PR" => b.protectiveness,
            "ID" => s.alliance.interdependence,
            "LO" => lo,
            "CD" => sim.cultural_distance(),
            "T2" => t2,
            "LE" => learned,
            "CC" => integration,
            "AC" => a.receptivity,
            _ => f64::NAN, // CM, CK: filled with noise below
        }
    };
    let mut row: Vec<f64> = MODEL_CONSTRUCTS.iter().chain(MODERATORS.iter()).map(|c| by_id(c)).collect();
    for v in &mut row {
        if v.is_nan() {
            *v = rng.sample(StandardNormal);
        }
    }
    Ok((row, ended, rng))
}

/// Simulates `o.n` alliances and their managers' answers to both study waves.
pub fn survey(o: &SurveyOptions, progress: &(dyn Fn() + Sync)) -> Result<SurveyData, SimError> {
    if o.n < 2 {
        return Err(invalid("n", f64::from(o.n), "2 or more alliances"));
    }
    if o.wave2 == 0 || o.wave2 > o.periods {
        return Err(invalid("wave2", f64::from(o.wave2), &format!("1..={} (the simulated periods)", o.periods)));
    }
    if !(o.loading > 0.0 && o.loading < 1.0) {
        return Err(invalid("loading", o.loading, "(0, 1)"));
    }
    let constructs: Vec<String> = MODEL_CONSTRUCTS.iter().chain(MODERATORS.iter()).map(|c| c.to_string()).collect();
    let cat = catalogue();
    let blocks: Vec<(usize, Vec<(String, bool)>)> = constructs
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let sc = cat.iter().find(|s| s.id() == c).expect("every model construct and moderator is catalogued");
            (ci, sc.construct.items.iter().map(|it| (it.id.clone(), it.reverse)).collect())
        })
        .collect();
    let sims: Vec<_> = (0..o.n)
        .into_par_iter()
        .map(|a| {
            let r = latent_states(o, a);
            progress();
            r
        })
        .collect::<Result<_, _>>()?;
    let k = constructs.len();
    let nf = f64::from(o.n);
    let mean: Vec<f64> = (0..k).map(|c| sims.iter().map(|s| s.0[c]).sum::<f64>() / nf).collect();
    let sd: Vec<f64> =
        (0..k).map(|c| (sims.iter().map(|s| (s.0[c] - mean[c]).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt()).collect();
    let unique = (1.0 - o.loading * o.loading).sqrt();
    let latent: Vec<Vec<f64>> = sims.iter().map(|s| s.0.clone()).collect();
    let ended: Vec<bool> = sims.iter().map(|s| s.1).collect();
    let answers: Vec<Vec<u8>> = sims
        .into_par_iter()
        .map(|(lat, _, mut rng)| {
            let mut row = Vec::new();
            for (ci, items) in &blocks {
                let z = if sd[*ci] > 0.0 { (lat[*ci] - mean[*ci]) / sd[*ci] } else { 0.0 };
                for (_, reverse) in items {
                    let e: f64 = rng.sample(StandardNormal);
                    let x = o.loading * z + unique * e;
                    let ans = (4.0 + 1.25 * x).round().clamp(1.0, 7.0) as u8;
                    row.push(if *reverse { 8 - ans } else { ans });
                }
            }
            row
        })
        .collect();
    let items = blocks.iter().flat_map(|(_, its)| its.iter().map(|(id, _)| id.clone())).collect();
    Ok(SurveyData { constructs, items, latent, answers, ended_before_wave2: ended })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SurveyData {
        survey(&SurveyOptions { n: 300, seed: 5, ..Default::default() }, &|| {}).expect("survey")
    }

    fn corr(x: &[f64], y: &[f64]) -> f64 {
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
        let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
        sxy / (sxx * syy).sqrt()
    }

    #[test]
    fn columns_follow_the_catalogue_and_answers_are_on_the_scale() {
        let d = small();
        assert_eq!(d.items.len(), catalogue().iter().map(|c| c.construct.items.len()).sum::<usize>());
        assert!(d.items.contains(&"t1_1".to_string()) && d.items.contains(&"le_4".to_string()));
        assert!(d.answers.iter().flatten().all(|a| (1..=7).contains(a)));
        let csv = d.answers_csv();
        assert_eq!(csv.lines().count(), 301);
        assert!(csv.starts_with("alliance_id,pe_1,"));
    }

    #[test]
    fn items_measure_their_construct_and_reverse_keyed_items_run_the_other_way() {
        let d = small();
        let col = |id: &str| -> Vec<f64> {
            let j = d.items.iter().position(|i| i == id).expect("item");
            d.answers.iter().map(|r| f64::from(r[j])).collect()
        };
        let lat = |c: &str| -> Vec<f64> {
            let j = d.constructs.iter().position(|x| x == c).expect("construct");
            d.latent.iter().map(|r| r[j]).collect()
        };
        // t1_1 is keyed positively, t1_4 reversed (catalogue).
        assert!(corr(&col("t1_1"), &lat("T1")) > 0.5);
        assert!(corr(&col("t1_4"), &lat("T1")) < -0.5);
        assert!(corr(&col("t1_1"), &col("t1_2")) > 0.4);
    }

    #[test]
    fn the_simulated_mechanism_shows_in_the_latent_states() {
        let d = small();
        let lat = |c: &str| -> Vec<f64> {
            let j = d.constructs.iter().position(|x| x == c).expect("construct");
            d.latent.iter().map(|r| r[j]).collect()
        };
        // P2-P4: trust1 is built from prior experience, transparency and reputation.
        for c in ["PE", "TR", "RE"] {
            assert!(corr(&lat(c), &lat("T1")) > 0.3, "{c}");
        }
        // Trust carries over, and trust goes with learning (P1).
        assert!(corr(&lat("T1"), &lat("T2")) > 0.2);
        assert!(corr(&lat("T2"), &lat("LE")) > 0.0);
    }

    #[test]
    fn reproducible_and_validated() {
        let o = SurveyOptions { n: 40, seed: 9, ..Default::default() };
        assert_eq!(survey(&o, &|| {}).expect("a"), survey(&o, &|| {}).expect("b"));
        assert!(survey(&SurveyOptions { wave2: 99, ..o }, &|| {}).is_err());
        assert!(survey(&SurveyOptions { loading: 1.0, ..o }, &|| {}).is_err());
        assert!(survey(&SurveyOptions { n: 1, ..o }, &|| {}).is_err());
    }
}
