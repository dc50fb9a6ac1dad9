//! Synthetic responses from the study's population model ([`crate::model::population`]):
//! multivariate normal item scores, cut into 7-point answers at `population.thresholds`,
//! optionally missing completely at random. Reverse-keyed items load negatively, so raw
//! answers look like a real survey's and screening must recode them.

use crate::config::StudyConfig;
use crate::error::StudyError;
use crate::model;
use crate::responses::Responses;
use rand::SeedableRng;
use sem_resample::{Likert, Population};

/// `n` respondents drawn with `seed`; each answer is missing with probability `missing`.
pub fn simulate(cfg: &StudyConfig, n: usize, seed: u64, missing: f64) -> Result<Responses, StudyError> {
    if n == 0 {
        return Err(StudyError::Config("the number of respondents must be at least 1".into()));
    }
    if !(0.0..1.0).contains(&missing) {
        return Err(StudyError::Config(format!("the share of missing answers ({missing}) must lie in [0, 1)")));
    }
    let src = model::population(cfg)?;
    let pop = Population::new(&src)?;
    let likert = Likert { thresholds: cfg.population.thresholds.clone() };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let data = pop.draw(n, Some(&likert), missing, &mut rng);
    // catalogue order for the columns, not the engine's variable order
    let order: Vec<String> = alliance_core::constructs::catalogue()
        .iter()
        .filter(|c| cfg.uses(c.id()))
        .flat_map(|c| c.item_ids().into_iter().map(String::from).collect::<Vec<_>>())
        .collect();
    let columns = order
        .into_iter()
        .filter_map(|name| {
            pop.names().iter().position(|p| *p == name).map(|j| (name, (0..n).map(|i| data[(i, j)]).collect()))
        })
        .collect();
    Ok(Responses {
        ids: (1..=n).map(|i| format!("A{i:04}")).collect(),
        columns,
        text: Default::default(),
        source_name: format!("simulated (n = {n}, seed = {seed})"),
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_whole_numbers_from_1_to_7_and_seeded() {
        let cfg = StudyConfig::default();
        let a = simulate(&cfg, 50, 7, 0.0).expect("sim");
        let b = simulate(&cfg, 50, 7, 0.0).expect("sim");
        assert_eq!(a, b);
        for (_, col) in &a.columns {
            for v in col {
                assert!((1.0..=7.0).contains(v) && (v - v.round()).abs() < 1e-12);
            }
        }
        assert_eq!(a.columns[0].0, "pe_1");
    }

    #[test]
    fn reverse_keyed_items_run_against_their_scale() {
        let cfg = StudyConfig::default();
        let r = simulate(&cfg, 400, 3, 0.0).expect("sim");
        let (x, y) = (r.column("pe_1").expect("pe_1"), r.column("pe_4").expect("pe_4"));
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum::<f64>() / n;
        assert!(cov < -0.3, "cov = {cov}");
    }
}
