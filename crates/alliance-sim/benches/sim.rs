//! Speed of the simulator: alliance-periods per second on one core, and the time of 1000
//! replications x 100 periods on two cores. Run with `cargo bench -p alliance-sim`.
//! Targets (issue 7): at least 1e6 alliance-periods per second per core; under 0.2 s for
//! 1000 x 100 on 2 cores.

use alliance_sim::{example, run_reps, RunInfo, Sim, Summary};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a rayon pool")
}

fn main() {
    let one = pool(1);
    let two = pool(2);
    println!("scenario                  alliance-periods/s/core   1000x100 on 2 cores: outcomes / +panel+summary");
    for (name, _) in alliance_sim::EXAMPLES {
        let sim = Sim::new(&example(name).expect("shipped example")).expect("valid");
        // One core: enough replications for about a second of work.
        let reps = 5_000;
        let mut rates = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let res = one.install(|| run_reps(&sim, 1, 0..reps, false, &|| {}));
            let secs = t.elapsed().as_secs_f64();
            let periods: u64 = res.iter().map(|r| u64::from(r.outcome.end_period)).sum();
            rates.push(periods as f64 / secs);
        }
        let rate = median(rates);
        // Two cores, 1000 x 100: outcomes only, then with the panel and the summary (what
        // `entente sim run` computes before writing files).
        let mut bare = Vec::new();
        let mut full = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let _ = two.install(|| run_reps(&sim, 1, 0..1000, false, &|| {}));
            bare.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            two.install(|| {
                let res = run_reps(&sim, 1, 0..1000, true, &|| {});
                let info = RunInfo { scenario: name, names: sim.names(), seed: 1, periods: sim.periods() };
                let s = Summary::new(&info, &res);
                assert_eq!(s.replications, 1000);
            });
            full.push(t.elapsed().as_secs_f64());
        }
        println!("{name:<25} {rate:>14.3e}            {:>8.4} s / {:>8.4} s", median(bare), median(full));
    }
}
