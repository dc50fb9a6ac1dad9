//! Bad input gives a located, plain-language error, never a panic.
use sem::{Data, DataFrame, FitOptions, Sem, SemError};

fn fit(model: &str, csv: &str) -> Result<sem::Fit, SemError> {
    let frame = DataFrame::from_csv_str(csv, "data.csv")?;
    Sem::new(model)?.fit(&Data::Frame(&frame), &FitOptions::default())
}

fn hs() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../reference/data/HolzingerSwineford1939.csv"))
        .unwrap()
}

#[test]
fn syntax_error_is_located() {
    let e = fit("visual =~ x1 + \n  textual =~ x4 ++ x5", &hs()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, SemError::Syntax(_)), "{msg}");
    assert!(msg.contains("line 2"), "{msg}");
}

#[test]
fn variable_missing_from_data() {
    let e = fit("visual =~ x1 + x2 + x10", &hs()).unwrap_err();
    assert_eq!(e.to_string(), "Variable `x10` of the model is not a column of `data.csv` (did you mean `x1`?).");
}

#[test]
fn non_numeric_cells() {
    let e = fit("f =~ a + b + c", "a,b,c\n1,2,3\n2,x,4\n3,4,5\n").unwrap_err();
    assert!(
        e.to_string().contains("Column `b` of `data.csv` is used in the model but is not numeric: line 3 holds `x`"),
        "{e}"
    );
}

#[test]
fn empty_and_header_only() {
    assert!(fit("f =~ a + b + c", "").unwrap_err().to_string().contains("is empty"));
    assert!(fit("f =~ a + b + c", "a,b,c\n").unwrap_err().to_string().contains("no data rows"));
}

#[test]
fn duplicate_columns() {
    let e = fit("f =~ a + b + c", "a,b,a,c\n1,2,3,4\n").unwrap_err();
    assert!(e.to_string().contains("two columns named `a`"), "{e}");
}

#[test]
fn not_identified_negative_df() {
    // three indicators, all loadings and residuals free and the factor variance free: df = -1
    let e = fit("f =~ NA*x1 + x2 + x3", &hs()).unwrap_err();
    assert!(matches!(e, SemError::NotIdentified { df: -1, .. }), "{e}");
    assert!(e.to_string().contains("not identified"));
}

#[test]
fn not_identified_singular_information() {
    // df >= 0 but two parameters are not separately identified (a factor with two free loadings
    // and a free variance, in a model with enough other moments)
    let e = fit("f =~ NA*x1 + x2\ng =~ x4 + x5 + x6", &hs()).unwrap_err();
    assert!(matches!(e, SemError::Inference(_)), "{e}");
    assert!(e.to_string().contains("not identified"), "{e}");
}

#[test]
fn singular_sample_covariance() {
    let mut csv = String::from("a,b,c,d\n");
    for i in 0..50 {
        let a = (i as f64 * 0.37).sin();
        let b = (i as f64 * 1.3).cos();
        csv.push_str(&format!("{a},{b},{},{}\n", a + b, (i as f64 * 0.11).sin()));
    }
    let e = fit("f =~ a + b + c + d", &csv).unwrap_err();
    assert!(e.to_string().contains("`c` is (nearly) a linear combination"), "{e}");
}

#[test]
fn start_values_with_singular_implied_covariance() {
    // fixed zero residual variances and a zero loading make the implied covariance singular
    let e = fit("f =~ x1 + 0*x2 + x3\nx1 ~~ 0*x1\nx3 ~~ 0*x3\nx2 ~~ 0*x2", &hs()).unwrap_err();
    assert!(matches!(e, SemError::Estimate(_)), "{e}");
    assert!(e.to_string().contains("not positive definite at the start values"), "{e}");
}

#[test]
fn non_convergence_is_an_error() {
    let frame = DataFrame::from_csv_str(&hs(), "hs.csv").unwrap();
    let sem = Sem::new("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9").unwrap();
    let opts = FitOptions { max_iter: Some(2), ..Default::default() };
    let e = sem.fit(&Data::Frame(&frame), &opts).unwrap_err();
    assert!(matches!(e, SemError::NotConverged { iterations: 2, .. }), "{e}");
    assert!(e.to_string().starts_with("The model did not converge after 2 iterations"), "{e}");
    // and the same model converges with the default limit
    assert!(sem.fit(&Data::Frame(&frame), &FitOptions::default()).unwrap().converged);
}

#[test]
fn inadmissible_solution_is_flagged() {
    // two two-indicator factors of HS items: the latent correlation exceeds one
    let fit = fit("f =~ x1 + x2\ng =~ x3 + x4\nf ~~ g", &hs()).unwrap();
    assert!(fit.warnings.iter().any(|w| w.contains("latent variables is not positive definite")), "{:?}", fit.warnings);
    // an admissible solution carries no such warning
    let ok = fit_ok("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6");
    assert!(ok.warnings.is_empty(), "{:?}", ok.warnings);
}

#[test]
fn errors_are_not_repeated() {
    let e = fit("f =~ x1 + x2 + x3\nf ~~ g", &hs());
    let msg = format!("{:#}", anyhow_like(e.unwrap_err()));
    assert_eq!(msg.matches("not identified").count() + msg.matches("not a column").count(), 1, "{msg}");
}

fn fit_ok(model: &str) -> sem::Fit {
    fit(model, &hs()).unwrap()
}

/// Render an error with its source chain, as the command line does.
fn anyhow_like(e: SemError) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}

#[test]
fn variable_missing_in_one_group() {
    let csv = "g,a,b,c\n1,1,2,3\n1,2,1,3\n1,3,4,2\n1,4,3,5\n2,,2,2\n2,,1,4\n2,,3,3\n3,1,2,2\n3,2,4,4\n3,5,3,3\n";
    let frame = DataFrame::from_csv_str(csv, "d.csv").unwrap();
    let opts = FitOptions { group: Some("g".into()), ..Default::default() };
    let e = Sem::new("f =~ a + b + c").unwrap().fit(&Data::Frame(&frame), &opts).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("`a`") && msg.contains("group `2`"), "{msg}");
}

#[test]
fn all_missing_rows_are_dropped_and_counted() {
    let text = hs();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // two rows with every cell missing
    let blank = vec![""; lines[0].split(',').count()].join(",");
    lines.insert(5, blank.clone());
    lines.push(blank);
    let frame = DataFrame::from_csv_str(&lines.join("\n"), "hs_blank.csv").unwrap();
    let fit = Sem::new("visual =~ x1 + x2 + x3").unwrap().fit(&Data::Frame(&frame), &FitOptions::default()).unwrap();
    assert_eq!(fit.dropped, 2);
    assert_eq!(fit.nobs, vec![301]);
}
