//! Population tests recover planted signs, and find nothing where nothing was planted.

use alliance_core::population::propositions::test_propositions;
use alliance_core::population::simulate::{simulate_population, Planted};
use alliance_core::population::Verdict;

#[test]
fn planted_theory_signs_are_recovered() {
    for seed in 1..=5 {
        let data = simulate_population(800, seed, &Planted::theory());
        let results = test_propositions(&data, 0.05).expect("fits");
        assert_eq!(results.len(), 9);
        for r in &results {
            assert_eq!(
                r.verdict,
                Verdict::Supported,
                "seed {seed}: {} {} est {} p {}",
                r.proposition,
                r.model,
                r.estimate,
                r.p_value
            );
        }
    }
}

#[test]
fn continuous_integration_skips_the_ordinal_models() {
    let mut data = simulate_population(300, 4, &Planted::theory());
    for r in &mut data {
        r.integration = (r.integration + 0.25).min(4.0);
    }
    let results = test_propositions(&data, 0.05).expect("fits");
    assert_eq!(results.len(), 7);
    assert!(results.iter().all(|r| !r.model.ends_with("(ordinal)")));
}

#[test]
fn reversed_signs_are_reported_as_contradicted() {
    let data = simulate_population(800, 11, &Planted::reversed());
    for r in test_propositions(&data, 0.05).expect("fits") {
        assert_eq!(
            r.verdict,
            Verdict::Contradicted,
            "{} {} est {} p {}",
            r.proposition,
            r.model,
            r.estimate,
            r.p_value
        );
    }
}

#[test]
fn null_population_rarely_supports_a_proposition() {
    // Under no effect a one-sided "supported" happens with probability about alpha/2 = 0.025
    // per test; 20 populations x 9 tests = 180 chances, so expect about 4.5.
    let mut supported = 0;
    for seed in 100..120 {
        let data = simulate_population(400, seed, &Planted::null());
        supported +=
            test_propositions(&data, 0.05).expect("fits").iter().filter(|r| r.verdict == Verdict::Supported).count();
    }
    assert!(supported <= 15, "{supported} of 180 null tests came out supported");
}

#[test]
fn population_report_snapshot() {
    use alliance_core::population::propositions::results_text;
    let data = simulate_population(500, 3, &Planted::theory());
    let results = test_propositions(&data, 0.05).expect("fits");
    insta::assert_snapshot!(results_text(&results, data.len(), 0.05));
}

#[test]
fn simulated_csv_reads_back() {
    use alliance_core::population::data::write_population;
    use alliance_core::population::read_population;
    let data = simulate_population(30, 9, &Planted::theory());
    let back = read_population("sim.csv", &write_population(&data)).expect("reads");
    assert_eq!(back.len(), 30);
    for (a, b) in data.iter().zip(&back) {
        assert_eq!(a.quadrant, b.quadrant);
        // written with 4 decimals
        assert!((a.performance - b.performance).abs() < 1e-4);
    }
}
