//! Integration tests of the simulator, one module per area.

mod validation {
    //! The validation targets of issue 7: negativity bias, hysteresis, the learning race.
    use alliance_sim::rules::{signal, tr2_update, TrustParams};
    use alliance_sim::{example, run_reps, RunInfo, Scenario, Sim, Summary};

    fn summary(s: &Scenario, reps: u32) -> Summary {
        let sim = Sim::new(s).unwrap();
        let res = run_reps(&sim, 11, 0..reps, true, &|| {});
        let info = RunInfo { scenario: &s.name, names: sim.names(), seed: 11, periods: sim.periods() };
        Summary::new(&info, &res)
    }

    #[test]
    fn trust_lost_to_a_negative_signal_is_about_three_times_trust_gained() {
        let p = TrustParams::default();
        for x in [0.05, 0.2, 0.5, 1.0, 3.0] {
            let s = signal(p.kappa, x);
            let gain = tr2_update(&p, 0.5, 0.0, s, 0.0).0 - 0.5;
            let loss = 0.5 - tr2_update(&p, 0.5, 0.0, -s, 0.0).0;
            let ratio = loss / gain;
            // Exactly lambda_minus / lambda_plus = 3 at T = 1/2 with no damage; rounding only.
            assert!((ratio - 3.0).abs() < 1e-9, "x = {x}: ratio {ratio}");
        }
    }

    #[test]
    fn trust_recovers_more_slowly_than_it_fell_after_a_crisis() {
        let s = example("crisis-recovery").unwrap();
        let sm = summary(&s, 300);
        let shock = &s.shocks[0];
        let (start, end) = (shock.start as usize, shock.end.unwrap() as usize);
        let len = end - start + 1;
        // Alpha's trust in Beta, whose cooperation the crisis hits: median over running reps.
        let at = |t: usize| sm.bands[t - 1].trust[0][1];
        let before = at(start - 1);
        let bottom = at(end);
        let after = at(end + len);
        let fell = before - bottom;
        let rose = after - bottom;
        assert!(fell > 0.1, "the crisis should hurt: {before} -> {bottom}");
        assert!(rose < fell / 2.0, "fell {fell}, rose {rose} in as many periods");
        assert!(after < before - 0.05, "hysteresis: {after} vs {before}");
    }

    #[test]
    fn substitution_intent_brings_asymmetric_learning_and_a_dependency_spiral() {
        let s = example("learning-race").unwrap();
        let sim = Sim::new(&s).unwrap();
        let res = run_reps(&sim, 5, 0..200, true, &|| {});
        let n = res.len() as f64;
        let mean = |f: &dyn Fn(&alliance_sim::RepResult) -> f64| res.iter().map(f).sum::<f64>() / n;
        let learned_a = mean(&|r| r.outcome.learning[0]);
        let learned_b = mean(&|r| r.outcome.learning[1]);
        assert!(learned_a > 10.0 * learned_b.max(1e-6), "{learned_a} vs {learned_b}");
        // Power of the internaliser over the substituter rises: the substituter's dependence
        // deepens as it lets its own skills go and the other closes the gap.
        let first = mean(&|r| r.panel[0].power[0]);
        let last = mean(&|r| r.outcome.final_power);
        assert!(last > first + 0.1, "{first} -> {last}");
        // Same race, but Beta internalises too: it learns Alpha's manufacturing instead of
        // letting its own atrophy, so learning is more balanced and power shifts less.
        let mut both = s.clone();
        both.partners[1].intent = alliance_sim::rules::Intent::Internalisation;
        let sim_both = Sim::new(&both).unwrap();
        let res_both = run_reps(&sim_both, 5, 0..200, true, &|| {});
        let mean_both = |f: &dyn Fn(&alliance_sim::RepResult) -> f64| res_both.iter().map(f).sum::<f64>() / n;
        let balance = mean(&|r| r.outcome.learning_balance());
        let balance_both = mean_both(&|r| r.outcome.learning_balance());
        assert!(balance_both < balance - 0.03, "{balance_both} vs {balance}");
        let last_both = mean_both(&|r| r.outcome.final_power);
        assert!(last > last_both + 0.03, "{last} vs {last_both}");
    }
}

mod parallel {
    //! Bit-identical results for any number of threads, and shards that merge exactly.
    use alliance_sim::{example, run_reps, shard_range, Sim};

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let sim = Sim::new(&example("mismatch-behavioural").unwrap()).unwrap();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| run_reps(&sim, 42, 0..64, true, &|| {}))
        };
        // Bit-identical is the requirement, so equality (not a tolerance) is the right check.
        assert_eq!(run(1), run(2));
    }

    #[test]
    fn shards_concatenate_to_the_single_run() {
        let sim = Sim::new(&example("learning-race").unwrap()).unwrap();
        let whole = run_reps(&sim, 9, 0..50, true, &|| {});
        let mut parts = Vec::new();
        for i in 1..=3 {
            parts.extend(run_reps(&sim, 9, shard_range(50, i, 3).unwrap(), true, &|| {}));
        }
        assert_eq!(whole, parts);
    }
}

mod populations {
    //! THEORY.md section 2, P3, P5, P6, in a simulated population.
    use alliance_sim::population::{population, PopulationRow};
    use alliance_sim::Quadrant;

    fn mean(rows: &[&PopulationRow], f: impl Fn(&PopulationRow) -> f64) -> f64 {
        rows.iter().map(|r| f(r)).sum::<f64>() / rows.len().max(1) as f64
    }

    #[test]
    fn mismatch_propositions_hold() {
        let pop = population(1500, 3, 100, &|| {}).unwrap();
        let of = |q: Quadrant| pop.iter().filter(|r| r.quadrant == q).collect::<Vec<_>>();
        let (exploit, explore, mismatch) =
            (of(Quadrant::EconomiesOfKnowledge), of(Quadrant::SynergiesOfKnowledge), of(Quadrant::Mismatch));
        assert!(exploit.len() > 200 && explore.len() > 200 && mismatch.len() > 500);
        let premature = |r: &PopulationRow| f64::from(u8::from(r.termination.premature()));
        let matches: Vec<_> = exploit.iter().chain(&explore).copied().collect();
        // P3: mismatches end prematurely more often than matches.
        assert!(mean(&mismatch, premature) > mean(&matches, premature) + 0.05);
        // P5: exploration matches learn more than exploitation matches.
        assert!(mean(&explore, |r| r.learning) > 1.5 * mean(&exploit, |r| r.learning));
        // P6: under high dynamism exploration matches perform better, and their advantage is
        // larger than under low dynamism.
        let perf = |rows: &[&PopulationRow], hi: bool| {
            let sel: Vec<_> =
                rows.iter().filter(|r| (r.dynamism > 0.66) == hi && (r.dynamism < 0.33 || hi)).copied().collect();
            mean(&sel, |r| r.performance)
        };
        let gap_high = perf(&explore, true) - perf(&exploit, true);
        let gap_low = perf(&explore, false) - perf(&exploit, false);
        assert!(gap_high > 0.0, "gap under high dynamism {gap_high}");
        assert!(
            perf(&explore, true) / perf(&exploit, true) > perf(&explore, false) / perf(&exploit, false),
            "gaps {gap_low} (low) vs {gap_high} (high)"
        );
    }
}
