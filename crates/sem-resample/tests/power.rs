use sem::{FitOptions, Sem};
use sem_resample::power::{run_reps, summarize, true_values, Design};
use sem_resample::Population;

const POP: &str = "y ~ 0.3*x1 + 0*x2\ny ~~ 0.8*y\nx1 ~~ 1*x1\nx2 ~~ 1*x2\nx1 ~~ 0.3*x2";
const FIT: &str = "y ~ x1 + x2";

fn study(reps: u32, n: usize) -> Vec<sem_resample::power::PowerAtN> {
    let pop = Population::new(POP).unwrap();
    let prep = Sem::new(FIT).unwrap().prepare(1, &FitOptions::default()).unwrap();
    let design = Design { likert: None, missing: 0.0 };
    let reps = run_reps(&pop, &prep, &[n], &design, 7, 0..reps, &|| {}).unwrap();
    let truth = true_values(POP, &prep).unwrap();
    summarize(&prep, &truth, &[n], &reps, 0.05)
}

/// 1000 replications of a correctly specified regression with n = 500: every 95% Wald interval
/// (paths and the residual variance) covers the population value 93-97% of the time (binomial SD
/// at 0.95 and 1000 reps: 0.7%), and the zero path is significant 3-7% of the time.
#[test]
fn coverage_and_type_one_error_of_a_correct_model() {
    let res = study(1000, 500);
    let at = &res[0];
    assert!((at.convergence_rate - 1.0).abs() < 1e-12);
    let find = |name: &str| at.params.iter().find(|p| p.name == name).unwrap();
    for p in at.params.iter().filter(|p| p.name.contains(" ~ ") || p.name == "y ~~ y") {
        assert!((0.93..=0.97).contains(&p.coverage), "{}: coverage {}", p.name, p.coverage);
    }
    let zero = find("y ~ x2");
    assert!((0.03..=0.07).contains(&zero.power), "power of the zero path {}", zero.power);
    let b1 = find("y ~ x1");
    assert!(b1.power > 0.99, "0.3 at n = 500 is detected almost always: {}", b1.power);
    assert!(b1.rel_bias.abs() < 0.02 && (b1.se_ratio - 1.0).abs() < 0.1, "{b1:?}");
}

#[test]
fn power_grows_with_n() {
    let small = study(200, 40);
    let large = study(200, 400);
    let p = |r: &[sem_resample::power::PowerAtN]| r[0].params.iter().find(|p| p.name == "y ~ x1").unwrap().power;
    // Power of 0.3 (R2 about 0.1) is about 0.55 at n = 40 and above 0.99 at n = 400.
    assert!(p(&small) < 0.8 && p(&large) > 0.98, "{} {}", p(&small), p(&large));
}
