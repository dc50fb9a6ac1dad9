//! Thresholds, polychoric/polyserial correlations and Gamma against `lavCor()`.
use sem_data::DataFrame;
use sem_ordinal::{OrdinalStats, Variable};
use serde_json::Value;
use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reference")
}

pub fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

fn stats_for(reference: &Value, data: &str) -> OrdinalStats {
    let df = DataFrame::from_csv_str(&read(&format!("data/{data}")), data).unwrap();
    let vars: Vec<String> =
        reference["vars"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let ordered: Vec<&str> = reference["ordered"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let cols: Vec<Variable> = vars
        .iter()
        .map(|v| {
            let x = df.numeric(v).unwrap().to_vec();
            if ordered.contains(&v.as_str()) {
                Variable::Ordered(x)
            } else {
                Variable::Numeric(x)
            }
        })
        .collect();
    OrdinalStats::compute(&vars, &cols).unwrap()
}

fn check(name: &str, data: &str) -> OrdinalStats {
    let r: Value = serde_json::from_str(&read(name)).unwrap();
    let st = stats_for(&r, data);
    let tol = 1e-4;
    // thresholds, in lavaan's order
    let th_ref: Vec<f64> = r["th"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let th: Vec<f64> = st.th.iter().flatten().copied().collect();
    assert_eq!(th.len(), th_ref.len(), "{name}: number of thresholds");
    for (a, b) in th.iter().zip(&th_ref) {
        assert!((a - b).abs() < 1e-8, "{name}: threshold {a} vs {b}");
    }
    let cor = r["cor"].as_array().unwrap();
    for (i, row) in cor.iter().enumerate() {
        for (j, v) in row.as_array().unwrap().iter().enumerate() {
            let (a, b) = (st.cor[(i, j)], v.as_f64().unwrap());
            assert!((a - b).abs() < tol, "{name}: cor[{i},{j}] {a} vs {b}");
        }
    }
    let wls: Vec<f64> = r["wls_obs"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(wls.len(), st.wls_obs.len(), "{name}: stacked vector length");
    for (k, (a, b)) in st.wls_obs.iter().zip(&wls).enumerate() {
        assert!((a - b).abs() < tol * b.abs().max(1.0), "{name}: wls.obs[{k}] {a} vs {b}");
    }
    let gamma = st.nacov();
    let g_ref = r["gamma"].as_array().unwrap();
    let mut worst = (0.0f64, 0, 0);
    for (i, row) in g_ref.iter().enumerate() {
        for (j, v) in row.as_array().unwrap().iter().enumerate() {
            let b = v.as_f64().unwrap();
            let d = (gamma[(i, j)] - b).abs() / b.abs().max(1.0);
            if d > worst.0 {
                worst = (d, i, j);
            }
        }
    }
    assert!(
        worst.0 < tol,
        "{name}: Gamma[{},{}] {} vs {:?}",
        worst.1,
        worst.2,
        gamma[(worst.1, worst.2)],
        g_ref[worst.1][worst.2]
    );
    st
}

#[test]
fn nine_five_point_items_match_lavcor() {
    check("hs_ordinal_stats.json", "hs_ordinal.csv");
}

#[test]
fn mixed_ordinal_continuous_with_a_sparse_item_match_lavcor() {
    check("hs_mixed_stats.json", "hs_ordinal.csv");
}

#[test]
fn binary_items_with_empty_2x2_cells_match_lavcor() {
    // b1 x b3, b1 x b9 and b3 x b8 each have one empty cell: lavaan adds 0.5 (margins kept)
    let st = check("hs_binary_stats.json", "hs_binary.csv");
    assert!(st.warnings.iter().all(|w| !w.contains("empty")), "{:?}", st.warnings);
}

#[test]
fn perfectly_associated_binary_pairs_match_lavcor() {
    // b10 = 3 - b9 and b11 = b7: two empty cells in their 2 x 2 tables; lavaan sets the
    // tetrachoric correlation to -1 and +1 and takes the scores behind Gamma at rho = +-0.9999
    let st = check("hs_binary_perfect_stats.json", "hs_binary_perfect.csv");
    assert!((st.cor[(8, 9)] + 1.0).abs() < 1e-15, "{}", st.cor[(8, 9)]);
    assert!((st.cor[(6, 10)] - 1.0).abs() < 1e-15, "{}", st.cor[(6, 10)]);
    for pair in ["`b9` and `b10`", "`b7` and `b11`"] {
        assert!(st.warnings.iter().any(|w| w.contains(pair) && w.contains("perfect association")), "{:?}", st.warnings);
    }
    // the Gamma diagonal of the two correlations is small but positive, as in lavaan
    let d = st.nacov_diag();
    let (q1, q2) = (st.layout.cor(8, 9), st.layout.cor(6, 10));
    assert!(d[q1] > 0.0 && d[q1] < 1e-2 && d[q2] > 0.0 && d[q2] < 1e-2, "{} {}", d[q1], d[q2]);
}
