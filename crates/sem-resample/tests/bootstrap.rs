use sem::{Data, DataFrame, FitOptions, Sem};
use sem_resample::bootstrap::{run_draws, summarize, BootData};

const REF_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../reference");

fn setup() -> (sem::Prepared, BootData, Vec<f64>, Vec<f64>, f64, sem::Fit) {
    let model = std::fs::read_to_string(format!("{REF_DIR}/models/hs_path.lav")).unwrap();
    let frame =
        DataFrame::from_csv_path(std::path::Path::new(&format!("{REF_DIR}/data/HolzingerSwineford1939.csv"))).unwrap();
    let sem = Sem::new(&model).unwrap();
    let opts = FitOptions::default();
    let fit = sem.fit(&Data::Frame(&frame), &opts).unwrap();
    let stats = sem::SampleStats::from_frame(&frame, &sem.observed_variables(), None).unwrap();
    let prep = sem.prepare(1, &opts).unwrap();
    let est0: Vec<f64> = fit.parameters[..prep.nrows()].iter().map(|r| r.est).collect();
    let mut x0 = vec![0.0; prep.partable().nfree];
    for (r, p) in prep.partable().rows.iter().zip(&fit.parameters) {
        if r.free > 0 {
            x0[r.free - 1] = p.est;
        }
    }
    let data = BootData::new(&stats, Some(&fit.implied_cov)).unwrap();
    let chisq = fit.measure("chisq").unwrap();
    (prep, data, est0, x0, chisq, fit)
}

/// lavaan 0.6.14, se = "bootstrap", bootstrap = 2000 (reference/hs_path_boot.json): bootstrap
/// SEs agree within 5% (the Monte Carlo SD of a bootstrap SE with B = 2000 is about 1.6%).
#[test]
fn bootstrap_ses_match_lavaan_within_five_percent() {
    let (prep, data, est0, x0, chisq, fit) = setup();
    let draws = run_draws(&prep, &data, &x0, 7, 0..2000, &|| {});
    let s = summarize(&est0, chisq, &draws, 0.95);
    assert_eq!(s.successful, 2000);
    let text = std::fs::read_to_string(format!("{REF_DIR}/hs_path_boot.json")).unwrap();
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for p in r["parameters"].as_array().unwrap() {
        let se_ref = p["se"].as_f64().unwrap_or(0.0);
        if se_ref <= 0.0 {
            continue;
        }
        let i = fit
            .parameters
            .iter()
            .position(|q| {
                q.lhs == p["lhs"].as_str().unwrap()
                    && q.op == p["op"].as_str().unwrap()
                    && (q.op == ":=" || q.rhs == p["rhs"].as_str().unwrap())
            })
            .unwrap();
        let ratio = s.se[i] / se_ref;
        assert!((ratio - 1.0).abs() < 0.05, "{} {} {}: {} vs {}", p["lhs"], p["op"], p["rhs"], s.se[i], se_ref);
        // Percentile limits within a quarter of an SE of lavaan's.
        let (lo, hi) = s.perc[i];
        assert!((lo - p["ci.lower"].as_f64().unwrap()).abs() < 0.25 * se_ref);
        assert!((hi - p["ci.upper"].as_f64().unwrap()).abs() < 0.25 * se_ref);
        checked += 1;
    }
    assert_eq!(checked, 7, "six free parameters and ab := a*b");
}

#[test]
fn shards_concatenate_to_the_single_run_bit_for_bit() {
    let (prep, data, _, x0, _, _) = setup();
    let one = run_draws(&prep, &data, &x0, 3, 0..40, &|| {});
    let mut parts = run_draws(&prep, &data, &x0, 3, 0..13, &|| {});
    parts.extend(run_draws(&prep, &data, &x0, 3, 13..40, &|| {}));
    assert_eq!(one, parts);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let serial = pool.install(|| run_draws(&prep, &data, &x0, 3, 0..40, &|| {}));
    assert_eq!(one, serial);
}

#[test]
fn bollen_stine_data_fit_the_model_exactly() {
    // The transformed data have S = Sigma-hat, so their own chi-square is 0; the p-value of the
    // misfitting path model (lavaan chisq 3.63, p = 0.057) is then moderate.
    let (prep, data, est0, x0, chisq, _) = setup();
    let draws = run_draws(&prep, &data, &x0, 11, 0..300, &|| {});
    let s = summarize(&est0, chisq, &draws, 0.95);
    let p = s.bollen_stine_pvalue.unwrap();
    assert!(p > 0.01 && p < 0.2, "{p}");
}

/// A warm refit (Hessian base, short path, step-size stop) reaches the same estimates as a cold
/// refit (Fisher scoring from the same point, gradient below 1e-8) on resampled data.
#[test]
fn warm_refits_match_cold_refits_within_1e_6() {
    use rand::Rng;
    let (prep, _, _, x0, _, _) = setup();
    let model = std::fs::read_to_string(format!("{REF_DIR}/models/hs_path.lav")).unwrap();
    let frame =
        DataFrame::from_csv_path(std::path::Path::new(&format!("{REF_DIR}/data/HolzingerSwineford1939.csv"))).unwrap();
    let sem = Sem::new(&model).unwrap();
    let stats = sem::SampleStats::from_frame(&frame, &sem.observed_variables(), None).unwrap();
    let warm = prep.warm_start(&stats.groups, &x0).unwrap();
    let x = stats.groups[0].data.clone().unwrap();
    let n = x.rows();
    let mut compared = 0;
    for draw in 0..30 {
        let mut rng = sem_resample::draw_rng(5, draw);
        let mut d = sem::Mat::zeros(n, x.cols());
        for i in 0..n {
            d.row_mut(i).copy_from_slice(x.row(rng.random_range(0..n)));
        }
        let (mean, cov) = sem_data::moments(&d);
        let g = [sem::GroupStats { label: String::new(), nobs: n, cov, mean, data: None }];
        let (Ok(cold), Ok(hot)) = (prep.refit(&g, Some(&x0), false), prep.refit_warm(&g, &warm, false)) else {
            continue;
        };
        assert_eq!(cold.est.len(), hot.est.len());
        for (a, b) in cold.est.iter().zip(&hot.est) {
            assert!((a - b).abs() < 1e-6, "draw {draw}: cold {a} warm {b}");
        }
        assert!((cold.chisq - hot.chisq).abs() < 1e-6 * cold.chisq.max(1.0));
        compared += 1;
    }
    assert!(compared >= 25, "only {compared} draws converged both ways");
}
