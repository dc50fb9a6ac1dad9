//! Serial refits of the alliance39 model for instruction-count profiling, e.g.
//! `valgrind --tool=callgrind target/release/deps/refits-* boot 50`.
//!
//! `refits boot N`: N bootstrap draws (resample + refit from the full-sample estimate);
//! `refits power N`: N Monte Carlo replications (simulate n = 500 + fit with SEs);
//! `refits fit N`: N full fits of the original data. Prints the time per task on stderr and a
//! checksum of the estimates on stdout (so that two builds can be compared for equal numbers).
use sem::{Data, DataFrame, FitOptions, Sem};
use sem_resample::bootstrap::{run_draws, BootData};
use sem_resample::power::{self, Design};
use sem_resample::Population;
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let what = args.first().map(String::as_str).unwrap_or("boot");
    let n: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference");
    let model = std::fs::read_to_string(root.join("models/alliance39.lav")).expect("model");
    let frame = DataFrame::from_csv_path(&root.join("data/alliance39.csv")).expect("data");
    let sem = Sem::new(&model).expect("model parses");
    let opts = FitOptions::default();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let t = Instant::now();
    let sum: f64 = match what {
        "fit" => (0..n)
            .map(|_| sem.fit(&Data::Frame(&frame), &opts).expect("fit").parameters.iter().map(|r| r.est).sum::<f64>())
            .sum(),
        "boot" => {
            let fit = sem.fit(&Data::Frame(&frame), &opts).expect("fit");
            let stats = sem::SampleStats::from_frame(&frame, &sem.observed_variables(), None).expect("stats");
            let prep = sem.prepare(1, &opts).expect("prepare");
            let mut x0 = vec![0.0; prep.partable().nfree];
            for (r, p) in prep.partable().rows.iter().zip(&fit.parameters) {
                if r.free > 0 {
                    x0[r.free - 1] = p.est;
                }
            }
            let data = BootData::new(&stats, None).expect("raw data");
            let t = Instant::now();
            let d = pool.install(|| run_draws(&prep, &data, &x0, 7, 0..n, &|| {}));
            eprintln!("refits only: {:.3} ms per draw", t.elapsed().as_secs_f64() * 1e3 / f64::from(n));
            d.iter().filter_map(|d| d.est.as_ref()).map(|e| e.iter().sum::<f64>()).sum()
        }
        "power" => {
            let pop_src = std::fs::read_to_string(root.join("models/alliance39_population.lav")).expect("population");
            let pop = Population::new(&pop_src).expect("population");
            let prep = sem.prepare(1, &opts).expect("prepare");
            let design = Design { likert: None, missing: 0.0 };
            let reps = pool.install(|| power::run_reps(&pop, &prep, &[500], &design, 7, 0..n, &|| {}).expect("reps"));
            reps.iter().filter_map(|r| r.fit.as_ref()).map(|f| f.est.iter().chain(&f.se).sum::<f64>()).sum()
        }
        "check" => {
            // Warm refits against cold ones (Fisher scoring from the original estimates) on the
            // same bootstrap samples: the largest difference of any estimate.
            use rand::Rng;
            let fit = sem.fit(&Data::Frame(&frame), &opts).expect("fit");
            let stats = sem::SampleStats::from_frame(&frame, &sem.observed_variables(), None).expect("stats");
            let prep = sem.prepare(1, &opts).expect("prepare");
            let mut x0 = vec![0.0; prep.partable().nfree];
            for (r, p) in prep.partable().rows.iter().zip(&fit.parameters) {
                if r.free > 0 {
                    x0[r.free - 1] = p.est;
                }
            }
            let warm = prep.warm_start(&stats.groups, &x0).expect("warm start");
            let x = stats.groups[0].data.clone().expect("raw data");
            let nr = x.rows();
            let mut worst = 0.0_f64;
            for draw in 0..n {
                let mut rng = sem_resample::draw_rng(7, u64::from(draw));
                let mut d = sem::Mat::zeros(nr, x.cols());
                for i in 0..nr {
                    d.row_mut(i).copy_from_slice(x.row(rng.random_range(0..nr)));
                }
                let (mean, cov) = sem_data::moments(&d);
                let g = [sem::GroupStats { label: String::new(), nobs: nr, cov, mean, data: None }];
                let (Ok(a), Ok(b)) = (prep.refit(&g, Some(&x0), false), prep.refit_warm(&g, &warm, false)) else {
                    continue;
                };
                let diff = a.est.iter().zip(&b.est).fold(0.0_f64, |m, (u, v)| m.max((u - v).abs()));
                worst = worst.max(diff);
            }
            eprintln!("largest |warm - cold| estimate difference over {n} draws: {worst:.3e}");
            worst
        }
        other => panic!("unknown task `{other}` (boot, power, fit, check)"),
    };
    eprintln!("{what}: {:.3} ms per task", t.elapsed().as_secs_f64() * 1e3 / f64::from(n));
    println!("{sum:.12e}");
}
