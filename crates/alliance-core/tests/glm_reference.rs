//! The GLM against R's `glm()` and the proportional-odds model against `MASS::polr()`:
//! `tests/reference/glm_reference.R` simulated the data and wrote the values; every GLM number
//! and every polr estimate must match to 1e-6.

use alliance_core::population::glm::{fit_glm, Family, GlmOptions};
use alliance_core::population::propositions::{Outcome, Term};
use alliance_core::population::read_population;
use serde_json::Value;

const DATA: &str = include_str!("reference/glm_data.csv");
const REFERENCE: &str = include_str!("reference/glm_reference.json");

/// R prints to 15 significant digits and both solutions are converged to ~1e-14 in deviance,
/// so 1e-6 (the requirement) leaves ample room (measured agreement: better than 1e-9);
/// relative for large values (deviance, AIC).
const TOL: f64 = 1e-6;

fn close(what: &str, ours: f64, r: f64) {
    let scale = r.abs().max(1.0);
    assert!((ours - r).abs() <= TOL * scale, "{what}: ours {ours} vs R {r}");
}

fn term(name: &str) -> Term {
    match name {
        "(Intercept)" => Term::Intercept,
        "mismatch" => Term::Mismatch,
        "explore_match" => Term::ExploreMatch,
        "exploit_match" => Term::ExploitMatch,
        "dynamism" => Term::Dynamism,
        "age" => Term::Age,
        "explore_match:dynamism" => Term::ExploreMatchXDynamism,
        other => panic!("unexpected term {other} in the reference"),
    }
}

fn outcome(formula: &str) -> Outcome {
    match formula.split('~').next().map(str::trim) {
        Some("failed") => Outcome::Failed,
        Some("terminated") => Outcome::Terminated,
        Some("integration") => Outcome::Integration,
        Some("performance") => Outcome::Performance,
        Some("learning") => Outcome::Learning,
        other => panic!("unexpected outcome {other:?}"),
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

#[test]
fn glm_matches_r_to_1e_6() {
    let data = read_population("glm_data.csv", DATA).expect("reference data reads");
    let reference: Value = serde_json::from_str(REFERENCE).expect("reference JSON");
    let models = reference.as_object().expect("object");
    let glms: Vec<_> = models.iter().filter(|(_, m)| m["family"] != "ordinal").collect();
    assert_eq!(glms.len(), 4);
    for (name, m) in glms {
        let family = match m["family"].as_str() {
            Some("binomial") => Family::Binomial,
            _ => Family::Gaussian,
        };
        let names: Vec<String> =
            m["terms"].as_array().expect("terms").iter().map(|t| t.as_str().expect("name").to_string()).collect();
        let terms: Vec<Term> = names.iter().map(|t| term(t)).collect();
        let out = outcome(m["formula"].as_str().expect("formula"));
        let y: Vec<f64> = data.iter().map(|r| out.value(r)).collect();
        let cols: Vec<Vec<f64>> = terms.iter().map(|t| data.iter().map(|r| t.value(r)).collect()).collect();
        let fit = fit_glm(name, family, &y, &cols, &names, &GlmOptions::default()).expect("fits");
        for (field, ours) in [
            ("estimate", &fit.estimate),
            ("std_error", &fit.std_error),
            ("statistic", &fit.statistic),
            ("p_value", &fit.p_value),
            ("ci_lower", &fit.ci_lower),
            ("ci_upper", &fit.ci_upper),
        ] {
            let r = floats(&m[field]);
            assert_eq!(r.len(), ours.len());
            for (k, (o, rv)) in ours.iter().zip(&r).enumerate() {
                close(&format!("{name} {field}[{}]", names[k]), *o, *rv);
            }
        }
        close(&format!("{name} deviance"), fit.deviance, m["deviance"].as_f64().expect("deviance"));
        close(&format!("{name} null deviance"), fit.null_deviance, m["null_deviance"].as_f64().expect("null"));
        close(&format!("{name} aic"), fit.aic, m["aic"].as_f64().expect("aic"));
        close(&format!("{name} dispersion"), fit.dispersion, m["dispersion"].as_f64().expect("dispersion"));
        assert_eq!(fit.df_residual as u64, m["df_residual"].as_u64().expect("df"));
    }
}

#[test]
fn ordinal_model_matches_polr() {
    let data = read_population("glm_data.csv", DATA).expect("reference data reads");
    let reference: Value = serde_json::from_str(REFERENCE).expect("reference JSON");
    let m = &reference["integration_ordinal"];
    let terms = [Term::ExploitMatch, Term::ExploreMatch];
    let names: Vec<String> = terms.iter().map(|t| t.name().to_string()).collect();
    let y: Vec<f64> = data.iter().map(|r| r.integration).collect();
    let cols: Vec<Vec<f64>> = terms.iter().map(|t| data.iter().map(|r| t.value(r)).collect()).collect();
    let fit = fit_glm("ordinal", Family::CumulativeLogit, &y, &cols, &names, &GlmOptions::default()).expect("fits");
    let r_terms: Vec<&str> = m["terms"].as_array().expect("terms").iter().map(|t| t.as_str().expect("name")).collect();
    assert_eq!(fit.terms, r_terms);
    for (k, (o, r)) in fit.estimate.iter().zip(floats(&m["estimate"])).enumerate() {
        close(&format!("ordinal estimate[{}]", fit.terms[k]), *o, r);
    }
    close("ordinal deviance", fit.deviance, m["deviance"].as_f64().expect("deviance"));
    close("ordinal aic", fit.aic, m["aic"].as_f64().expect("aic"));
    // polr's standard errors come from optim's finite-difference Hessian (step 1e-3), ours from
    // the analytic one: they agree to that approximation's accuracy, not to 1e-6.
    for (k, (o, r)) in fit.std_error.iter().zip(floats(&m["std_error"])).enumerate() {
        assert!((o - r).abs() <= 1e-5 * r, "ordinal se[{}]: ours {o} vs polr {r}", fit.terms[k]);
    }
}
