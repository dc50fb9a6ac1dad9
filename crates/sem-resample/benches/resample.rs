//! 1000 bootstrap draws and 200 Monte Carlo replications (n = 500) on the alliance39 model.
//! Prints JSON `{"bootstrap_1000": ms, "power_200": ms}` (best of 3) on stdout, for
//! `bench/resample.sh`, which runs lavaan on the same tasks in the same session.
use sem::{Data, DataFrame, FitOptions, Sem};
use sem_resample::bootstrap::{run_draws, summarize, BootData};
use sem_resample::power::{self, Design};
use sem_resample::Population;
use std::path::Path;
use std::time::Instant;

fn best_of(k: usize, mut f: impl FnMut()) -> f64 {
    (0..k)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference");
    let model = std::fs::read_to_string(root.join("models/alliance39.lav")).expect("model");
    let pop_src = std::fs::read_to_string(root.join("models/alliance39_population.lav")).expect("population");
    let frame = DataFrame::from_csv_path(&root.join("data/alliance39.csv")).expect("data");
    let sem = Sem::new(&model).expect("model parses");
    let opts = FitOptions::default();
    let fit = sem.fit(&Data::Frame(&frame), &opts).expect("fit");
    let stats = sem::SampleStats::from_frame(&frame, &sem.observed_variables(), None).expect("stats");
    let prep = sem.prepare(1, &opts).expect("prepare");
    let est0: Vec<f64> = fit.parameters[..prep.nrows()].iter().map(|r| r.est).collect();
    let mut x0 = vec![0.0; prep.partable().nfree];
    for (r, p) in prep.partable().rows.iter().zip(&fit.parameters) {
        if r.free > 0 {
            x0[r.free - 1] = p.est;
        }
    }
    let data = BootData::new(&stats, None).expect("raw data");
    let chisq = fit.measure("chisq").unwrap_or(f64::NAN);
    let mut ok = 0;
    let boot = best_of(3, || {
        let d = run_draws(&prep, &data, &x0, 7, 0..1000, &|| {});
        ok = summarize(&est0, chisq, &d, 0.95).successful;
    });
    let pop = Population::new(&pop_src).expect("population");
    let design = Design { likert: None, missing: 0.0 };
    let mut conv = 0.0;
    let pw = best_of(3, || {
        let reps = power::run_reps(&pop, &prep, &[500], &design, 7, 0..200, &|| {}).expect("reps");
        conv = reps.iter().filter(|r| r.fit.is_some()).count() as f64 / 200.0;
    });
    eprintln!(
        "bootstrap: {ok}/1000 draws converged; power: convergence rate {conv:.3}; {} threads",
        rayon::current_num_threads()
    );
    println!("{{\"bootstrap_1000\": {boot:.1}, \"power_200\": {pw:.1}}}");
}
