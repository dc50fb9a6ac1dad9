//! Integration tests of alliance-calib on the repository's copy of the experiment.
use alliance_calib::{estimate, EstimateOptions, Experiment, Validation};
use std::path::PathBuf;

fn data() -> Experiment {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/alliance-experiment/GAdata.csv.gz");
    Experiment::read(&p).unwrap()
}

#[test]
#[ignore]
fn explore_fit() {
    let e = data();
    let train = e.select("1-4,6,7,13,14").unwrap();
    let sample: Vec<_> = train.iter().map(|a| (*a, &e.payoffs[&a.treatment])).collect();
    let t = std::time::Instant::now();
    let est = estimate(&sample, &EstimateOptions { starts: 1, ..Default::default() }).unwrap();
    eprintln!("{:.1}s {:#?}", t.elapsed().as_secs_f64(), est);
    let test = e.select("5,8-12,15,16").unwrap();
    let v = Validation::run(&est.params, &e.payoffs, &test, 200, 1);
    eprintln!("{}", v.markdown());
    let v = Validation::run(&est.params, &e.payoffs, &train, 200, 1);
    eprintln!("TRAIN\n{}", v.markdown());
}
