//! `cargo bench -p alliance-study --bench study`: `study run` on 500 simulated respondents with
//! 1000 bootstrap draws and all four moderators, timed per step (the target: under 5 s
//! on 2 cores, release build).
use alliance_study::analysis::{self, RunOptions};
use alliance_study::{simulate, StudyConfig};
use std::time::Instant;

fn main() {
    let cfg = StudyConfig::default();
    let reps = 3;
    let mut best = f64::INFINITY;
    for r in 0..reps {
        let resp = match simulate::simulate(&cfg, 500, 1, 0.0) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("simulate failed: {e}");
                return;
            }
        };
        let t = Instant::now();
        let ro = RunOptions { draws: Some(1000), skip_moderators: false, ordinal: false };
        let rep = match analysis::run(&cfg, resp, &ro) {
            Ok((rep, _)) => rep,
            Err(e) => {
                eprintln!("run failed: {e}");
                return;
            }
        };
        let secs = t.elapsed().as_secs_f64();
        best = best.min(secs);
        println!("run {}: {secs:.2} s (bootstrap {} of {} draws converged)", r + 1, rep.bootstrap.1, rep.bootstrap.0);
        for (step, s) in &rep.timing {
            println!("  {step:<26} {s:>7.3} s");
        }
    }
    println!("study run, n = 500, 1000 draws, 4 moderators: best of {reps} = {best:.2} s");
}
