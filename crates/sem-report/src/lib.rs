//! Reports of a fitted model (lavaan: `summary(fit, fit.measures = TRUE, standardized = TRUE)`,
//! `parameterEstimates()`, `fitMeasures()`).
//!
//! - [`to_json`]: `{"converged", "iterations", "nobs", "npar", "parameters": [...],
//!   "fit_measures": {...}, "timing": {...}}` with lavaan's column names (`ci.lower`, `std.all`)
//!   and fit-measure names, so results compare column for column with lavaan's.
//!   With modification indices requested, `"modindices": [{"lhs", "op", "rhs", "group", "mi",
//!   "epc", "sepc.lv", "sepc.all", "sepc.nox"}]`, largest first.
//! - [`to_csv`]: the parameter rows, one per line.
//!
//! Every parameter row carries lavaan's `group` and `block` (1-based; `block` equals `group` for
//! single-level models; 0 for `:=` and constraint rows, as in `parTable()`).
//! - [`to_text`]: a summary laid out like lavaan's.
#![deny(missing_docs)]

use sem::{Fit, ParamRow};
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// A JSON number, or `null` for NaN and infinities (lavaan's NA).
pub fn num(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// JSON report. `timing` adds the per-step milliseconds.
pub fn to_json(fit: &Fit, timing: bool) -> String {
    to_json_with(fit, timing, false)
}

/// JSON report; `quality` adds `"quality"`: per group, the measurement-quality report
/// ([`sem::quality`]) with its thresholds flagged.
pub fn to_json_with(fit: &Fit, timing: bool, quality: bool) -> String {
    let params: Vec<Value> = fit
        .parameters
        .iter()
        .map(|r| {
            json!({
                "lhs": r.lhs, "op": r.op, "rhs": r.rhs, "label": r.label,
                "group": r.group, "block": r.group, "free": r.free,
                "est": num(r.est), "se": num(r.se), "z": num(r.z), "pvalue": num(r.pvalue),
                "ci.lower": num(r.ci_lower), "ci.upper": num(r.ci_upper),
                "std.lv": num(r.std_lv), "std.all": num(r.std_all), "std.nox": num(r.std_nox),
            })
        })
        .collect();
    let mut fm = Map::new();
    for (k, v) in &fit.fit_measures {
        fm.insert(k.clone(), num(*v));
    }
    let mut doc = json!({
        "converged": fit.converged,
        "iterations": fit.iterations,
        "estimator": fit.estimator,
        "missing": if fit.missing == sem::Missing::Ml { "ml" } else { "listwise" },
        "nobs": fit.nobs,
        "norig": fit.norig,
        "npar": fit.npar,
        "groups": fit.group_labels,
        "parameters": params,
        "fit_measures": Value::Object(fm),
        "residuals": {
            "type": "cor",
            "names": fit.ov_names,
            "matrix": fit.residual_cor.iter().map(|m| (0..m.rows()).map(|i| m.row(i).to_vec()).collect::<Vec<_>>()).collect::<Vec<_>>(),
        },
        "warnings": fit.warnings,
    });
    if !fit.modindices.is_empty() {
        doc["modindices"] = Value::Array(
            fit.modindices
                .iter()
                .map(|m| {
                    json!({
                        "lhs": m.lhs, "op": m.op, "rhs": m.rhs, "group": m.group,
                        "mi": num(m.mi), "epc": num(m.epc), "sepc.lv": num(m.sepc_lv),
                        "sepc.all": num(m.sepc_all), "sepc.nox": num(m.sepc_nox),
                    })
                })
                .collect(),
        );
    }
    if quality {
        doc["quality"] = Value::Array(
            (0..fit.sample_cov.len()).filter_map(|g| sem::quality::quality(fit, g)).map(|q| quality_json(&q)).collect(),
        );
    }
    if timing {
        let mut t = Map::new();
        let mut total = 0.0;
        for (k, v) in &fit.timing {
            t.insert((*k).to_string(), json!(v));
            total += v;
        }
        t.insert("total".into(), json!(total));
        doc["timing"] = Value::Object(t);
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn csv_field(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "NA".into()
    }
}

fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV of the parameter rows.
pub fn to_csv(fit: &Fit) -> String {
    let mut out =
        String::from("lhs,op,rhs,label,group,block,free,est,se,z,pvalue,ci.lower,ci.upper,std.lv,std.all,std.nox\n");
    for r in &fit.parameters {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_text(&r.lhs),
            csv_text(&r.op),
            csv_text(&r.rhs),
            csv_text(&r.label),
            r.group,
            r.group,
            r.free,
            csv_field(r.est),
            csv_field(r.se),
            csv_field(r.z),
            csv_field(r.pvalue),
            csv_field(r.ci_lower),
            csv_field(r.ci_upper),
            csv_field(r.std_lv),
            csv_field(r.std_all),
            csv_field(r.std_nox)
        );
    }
    out
}

fn f3(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        String::new()
    }
}

/// Text summary in lavaan's layout.
pub fn to_text(fit: &Fit, timing: bool) -> String {
    let mut o = String::new();
    let m = |k: &str| fit.measure(k).unwrap_or(f64::NAN);
    // Least-squares estimators on ordinal statistics (sem-ordinal): no likelihood, scaled-shifted test.
    let categorical = matches!(fit.estimator, "DWLS" | "WLS" | "ULS");
    let _ = writeln!(o, "entente {} ended normally after {} iterations", env!("CARGO_PKG_VERSION"), fit.iterations);
    let _ = writeln!(o);
    let _ = writeln!(o, "  {:<44}{:>12}", "Estimator", fit.estimator);
    let method = if categorical { "GAUSS-NEWTON" } else { "FISHER+LBFGS" };
    let _ = writeln!(o, "  {:<44}{:>12}", "Optimization method", method);
    let _ = writeln!(o, "  {:<44}{:>12}", "Number of model parameters", fit.npar);
    let _ = writeln!(o);
    if fit.nobs.len() == 1 {
        let _ = writeln!(o, "  {:<44}{:>12}{:>12}", "", "Used", "Total");
        let _ = writeln!(o, "  {:<44}{:>12}{:>12}", "Number of observations", fit.nobs[0], fit.norig);
    } else {
        let _ = writeln!(o, "  Number of observations per group:");
        for (l, n) in fit.group_labels.iter().zip(&fit.nobs) {
            let _ = writeln!(o, "    {:<42}{:>12}", l, n);
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "Model Test User Model:");
    let _ = writeln!(o);
    let _ = writeln!(o, "  {:<44}{:>12.3}", "Test statistic", m("chisq"));
    let _ = writeln!(o, "  {:<44}{:>12}", "Degrees of freedom", m("df"));
    let _ = writeln!(o, "  {:<44}{:>12.3}", "P-value (Chi-square)", m("pvalue"));
    if categorical && fit.measure("chisq.scaled").is_some() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Scaled-shifted (mean and variance adjusted) test:");
        let _ = writeln!(o);
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Scaled test statistic", m("chisq.scaled"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Scaling correction factor", m("chisq.scaling.factor"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "P-value (scaled)", m("pvalue.scaled"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Scaled Comparative Fit Index (CFI)", m("cfi.scaled"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Scaled Tucker-Lewis Index (TLI)", m("tli.scaled"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Scaled RMSEA", m("rmsea.scaled"));
    } else if fit.measure("chisq.scaled").is_some() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Robust (Yuan-Bentler, Mplus variant):");
        let _ = writeln!(o);
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Scaled test statistic", m("chisq.scaled"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Scaling correction factor", m("chisq.scaling.factor"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "P-value (scaled)", m("pvalue.scaled"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Robust Comparative Fit Index (CFI)", m("cfi.robust"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Robust Tucker-Lewis Index (TLI)", m("tli.robust"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Robust RMSEA", m("rmsea.robust"));
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "Model Test Baseline Model:");
    let _ = writeln!(o);
    let _ = writeln!(o, "  {:<44}{:>12.3}", "Test statistic", m("baseline.chisq"));
    let _ = writeln!(o, "  {:<44}{:>12}", "Degrees of freedom", m("baseline.df"));
    let _ = writeln!(o, "  {:<44}{:>12.3}", "P-value", m("baseline.pvalue"));
    let _ = writeln!(o);
    let _ = writeln!(o, "User Model versus Baseline Model:");
    let _ = writeln!(o);
    let _ = writeln!(o, "  {:<44}{:>12.3}", "Comparative Fit Index (CFI)", m("cfi"));
    let _ = writeln!(o, "  {:<44}{:>12.3}", "Tucker-Lewis Index (TLI)", m("tli"));
    if !categorical {
        let _ = writeln!(o);
        let _ = writeln!(o, "Loglikelihood and Information Criteria:");
        let _ = writeln!(o);
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Loglikelihood user model (H0)", m("logl"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Loglikelihood unrestricted model (H1)", m("unrestricted.logl"));
        let _ = writeln!(o);
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Akaike (AIC)", m("aic"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Bayesian (BIC)", m("bic"));
        let _ = writeln!(o, "  {:<44}{:>12.3}", "Sample-size adjusted Bayesian (SABIC)", m("bic2"));
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "Root Mean Square Error of Approximation:");
    let _ = writeln!(o);
    let _ = writeln!(o, "  {:<44}{:>12.3}", "RMSEA", m("rmsea"));
    let _ = writeln!(o, "  {:<44}{:>12.3}", "90 Percent confidence interval - lower", m("rmsea.ci.lower"));
    let _ = writeln!(o, "  {:<44}{:>12.3}", "90 Percent confidence interval - upper", m("rmsea.ci.upper"));
    let _ = writeln!(o, "  {:<44}{:>12.3}", "P-value H_0: RMSEA <= 0.050", m("rmsea.pvalue"));
    let _ = writeln!(o, "  {:<44}{:>12.3}", "P-value H_0: RMSEA >= 0.080", m("rmsea.notclose.pvalue"));
    let _ = writeln!(o);
    let _ = writeln!(o, "Standardized Root Mean Square Residual:");
    let _ = writeln!(o);
    let _ = writeln!(o, "  {:<44}{:>12.3}", "SRMR", m("srmr"));
    let _ = writeln!(o);
    let _ = writeln!(o, "Parameter Estimates:");
    let _ = writeln!(o);
    // What the standard errors are, as lavaan's summary says it.
    let (se_kind, information) = if fit.measure("bootstrap.draws").is_some() {
        ("Bootstrap", "Observed")
    } else if fit.estimator == "MLR" {
        ("Sandwich", "Observed")
    } else if matches!(fit.estimator, "DWLS" | "ULS") {
        ("Robust.sem", "Expected")
    } else if fit.missing == sem::Missing::Ml {
        ("Standard", "Observed")
    } else {
        ("Standard", "Expected")
    };
    let _ = writeln!(o, "  {:<44}{:>12}", "Standard errors", se_kind);
    if let Some(b) = fit.measure("bootstrap.draws") {
        let ok = fit.measure("bootstrap.successful").unwrap_or(b);
        let _ = writeln!(o, "  {:<44}{:>12}", "Number of requested bootstrap draws", b);
        let _ = writeln!(o, "  {:<44}{:>12}", "Number of successful bootstrap draws", ok);
    }
    let _ = writeln!(o, "  {:<44}{:>12}", "Information", information);
    let _ = writeln!(o, "  {:<44}{:>12}", "Information saturated (h1) model", "Structured");
    let ngroups = fit.nobs.len();
    for g in 1..=ngroups {
        if ngroups > 1 {
            let _ = writeln!(o);
            let _ = writeln!(o, "Group {} [{}]:", g, fit.group_labels[g - 1]);
        }
        let rows: Vec<&ParamRow> = fit.parameters.iter().filter(|r| r.group == g).collect();
        let vn = &fit.partable.vnames;
        let endogenous =
            |name: &str| if vn.is_lv(name) { !vn.lv_x.iter().any(|x| x == name) } else { !vn.is_ov_x(name) };
        let section = |o: &mut String, title: &str, rows: Vec<&ParamRow>, grouped: bool| {
            section(o, title, rows, grouped, &endogenous)
        };
        section(&mut o, "Latent Variables", rows.iter().filter(|r| r.op == "=~").copied().collect(), true);
        section(&mut o, "Regressions", rows.iter().filter(|r| r.op == "~").copied().collect(), true);
        section(
            &mut o,
            "Covariances",
            rows.iter().filter(|r| r.op == "~~" && r.lhs != r.rhs && !r.exo).copied().collect(),
            true,
        );
        section(&mut o, "Intercepts", rows.iter().filter(|r| r.op == "~1" && !r.exo).copied().collect(), false);
        // Thresholds print as `u1|t1`, scale factors as `u1` (lavaan's layout).
        let th: Vec<ParamRow> = rows
            .iter()
            .filter(|r| r.op == "|")
            .map(|r| ParamRow { lhs: format!("{}|{}", r.lhs, r.rhs), ..(*r).clone() })
            .collect();
        self::section(&mut o, "Thresholds", th.iter().collect(), false, &|_| false);
        section(
            &mut o,
            "Variances",
            rows.iter().filter(|r| r.op == "~~" && r.lhs == r.rhs && !r.exo).copied().collect(),
            false,
        );
        self::section(&mut o, "Scales y*", rows.iter().filter(|r| r.op == "~*~").copied().collect(), false, &|_| false);
    }
    let defs: Vec<&ParamRow> = fit.parameters.iter().filter(|r| r.op == ":=").collect();
    section(&mut o, "Defined Parameters", defs, false, &|_| false);
    let cons: Vec<&ParamRow> = fit.parameters.iter().filter(|r| matches!(r.op.as_str(), "==" | "<" | ">")).collect();
    if !cons.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Constraints:");
        let _ = writeln!(o, "{:>62}", "|Slack|");
        for c in cons {
            let _ = writeln!(o, "    {:<48}{:>10.3}", format!("{} {} {}", c.lhs, c.op, c.rhs), c.est.abs());
        }
    }
    if fit.residual_cor.len() == 1 {
        let r = &fit.residual_cor[0];
        let names = &fit.ov_names;
        let _ = writeln!(o);
        let _ = writeln!(o, "Residual correlations (observed minus model-implied):");
        let _ = writeln!(o);
        let w = names.iter().map(|n| n.len()).max().unwrap_or(4).clamp(6, 10);
        let _ = write!(o, "  {:<w$}", "");
        for n in names {
            let _ = write!(o, " {:>7}", truncate(n, 7));
        }
        let _ = writeln!(o);
        for (i, n) in names.iter().enumerate() {
            let _ = write!(o, "  {:<w$}", truncate(n, w));
            for j in 0..=i {
                let _ = write!(o, " {:>7.3}", r[(i, j)]);
            }
            let _ = writeln!(o);
        }
    }
    if !fit.modindices.is_empty() {
        modindices_table(&mut o, fit);
    }
    if !fit.warnings.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Warnings:");
        for w in &fit.warnings {
            let _ = writeln!(o, "  - {w}");
        }
    }
    if timing {
        let _ = writeln!(o);
        let _ = writeln!(o, "Timing (ms):");
        let mut total = 0.0;
        for (k, v) in &fit.timing {
            let _ = writeln!(o, "  {:<44}{:>12.3}", k, v);
            total += v;
        }
        let _ = writeln!(o, "  {:<44}{:>12.3}", "total", total);
    }
    o
}

fn mat_rows(m: &sem::Mat) -> Vec<Vec<f64>> {
    (0..m.rows()).map(|i| m.row(i).to_vec()).collect()
}

fn quality_json(q: &sem::quality::Quality) -> Value {
    use sem::quality::{AVE_MIN, HTMT_MAX, RELIABILITY_MIN};
    let factors: Vec<Value> = q
        .factors
        .iter()
        .map(|f| {
            json!({
                "factor": f.name, "indicators": f.indicators,
                "alpha": num(f.alpha), "omega": num(f.omega), "ave": num(f.ave),
                "alpha.ok": f.alpha >= RELIABILITY_MIN, "omega.ok": f.omega >= RELIABILITY_MIN,
                "ave.ok": f.ave >= AVE_MIN, "fornell.larcker.ok": f.fornell_larcker,
            })
        })
        .collect();
    let m = q.htmt.rows();
    let htmt_ok = (0..m).all(|a| (0..m).all(|b| a == b || q.htmt[(a, b)] < HTMT_MAX));
    json!({
        "factors": factors,
        "cor.lv": mat_rows(&q.cor_lv),
        "htmt": mat_rows(&q.htmt),
        "htmt.ok": htmt_ok,
        "thresholds": {"alpha": RELIABILITY_MIN, "omega": RELIABILITY_MIN, "ave": AVE_MIN, "htmt": HTMT_MAX},
    })
}

/// Measurement quality: reliability and validity per factor, then HTMT and Fornell-Larcker.
pub fn quality_text(fit: &Fit) -> String {
    use sem::quality::{AVE_MIN, HTMT_MAX, RELIABILITY_MIN};
    let mut o = String::new();
    let star = |bad: bool| if bad { "*" } else { " " };
    for g in 0..fit.sample_cov.len() {
        let Some(q) = sem::quality::quality(fit, g) else { continue };
        let _ = writeln!(o);
        let title = if fit.group_labels.len() > 1 {
            format!("Measurement quality, group {} [{}]:", g + 1, fit.group_labels[g])
        } else {
            "Measurement quality:".to_string()
        };
        let _ = writeln!(o, "{title}");
        let _ = writeln!(o, "{:<20}{:>9}{:>9}{:>9}{:>9}", "", "alpha", "omega", "AVE", "sqrt.AVE");
        for f in &q.factors {
            let _ = writeln!(
                o,
                "  {:<18}{:>8}{}{:>8}{}{:>8}{}{:>9}",
                truncate(&f.name, 18),
                f3(f.alpha),
                star(f.alpha < RELIABILITY_MIN),
                f3(f.omega),
                star(f.omega < RELIABILITY_MIN),
                f3(f.ave),
                star(f.ave.is_nan() || f.ave < AVE_MIN),
                f3(f.ave.sqrt())
            );
        }
        let names: Vec<&str> = q.factors.iter().map(|f| f.name.as_str()).collect();
        let _ = writeln!(o);
        let _ = writeln!(o, "  Fornell-Larcker (sqrt(AVE) on the diagonal, factor correlations below):");
        for (a, n) in names.iter().enumerate() {
            let _ = write!(o, "    {:<16}", truncate(n, 16));
            for b in 0..=a {
                let v = if a == b { q.factors[a].ave.sqrt() } else { q.cor_lv[(a, b)] };
                let bad = a != b && !(v.abs() < q.factors[a].ave.sqrt() && v.abs() < q.factors[b].ave.sqrt());
                let _ = write!(o, " {:>7}{}", f3(v), star(bad));
            }
            let _ = writeln!(o);
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "  HTMT (heterotrait-monotrait ratio):");
        for (a, n) in names.iter().enumerate() {
            let _ = write!(o, "    {:<16}", truncate(n, 16));
            for b in 0..a {
                let _ = write!(
                    o,
                    " {:>7}{}",
                    f3(q.htmt[(a, b)]),
                    star(q.htmt[(a, b)].is_nan() || q.htmt[(a, b)] >= HTMT_MAX)
                );
            }
            let _ = writeln!(o);
        }
        let _ = writeln!(
            o,
            "  * outside the usual thresholds: alpha and omega >= {RELIABILITY_MIN}, AVE >= {AVE_MIN}, sqrt(AVE) above the factor's correlations, HTMT < {HTMT_MAX}."
        );
    }
    o
}

/// Modification indices, largest first, as lavaan's `modindices(fit, sort. = TRUE)`.
fn modindices_table(o: &mut String, fit: &Fit) {
    let grouped = fit.group_labels.len() > 1;
    let _ = writeln!(o);
    let _ = writeln!(o, "Modification indices (largest first):");
    let _ = writeln!(
        o,
        "{:<28}{:>6}{:>10}{:>10}{:>9}{:>9}{:>9}",
        "", "group", "mi", "epc", "sepc.lv", "sepc.all", "sepc.nox"
    );
    for m in &fit.modindices {
        let name = format!("  {} {} {}", m.lhs, m.op, m.rhs);
        let group = if grouped { m.group.to_string() } else { String::new() };
        let _ = writeln!(
            o,
            "{:<28}{:>6}{:>10}{:>10}{:>9}{:>9}{:>9}",
            name,
            group,
            f3(m.mi),
            f3(m.epc),
            f3(m.sepc_lv),
            f3(m.sepc_all),
            f3(m.sepc_nox)
        );
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn section(o: &mut String, title: &str, rows: Vec<&ParamRow>, grouped: bool, endogenous: &dyn Fn(&str) -> bool) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{title}:");
    let _ = writeln!(
        o,
        "{:<24}{:>10}{:>10}{:>9}{:>9}{:>9}{:>9}",
        "", "Estimate", "Std.Err", "z-value", "P(>|z|)", "Std.lv", "Std.all"
    );
    let mut last = String::new();
    for r in rows {
        let name = if grouped {
            if r.lhs != last {
                let _ = writeln!(o, "  {} {}", r.lhs, r.op);
                last = r.lhs.clone();
            }
            format!("    {}", r.rhs)
        } else if r.op == ":=" || !endogenous(&r.lhs) {
            format!("    {}", r.lhs)
        } else {
            format!("   .{}", r.lhs)
        };
        let name = if !r.label.is_empty() && r.op != ":=" { format!("{name} ({})", r.label) } else { name };
        let se = if r.free || r.op == ":=" { f3(r.se) } else { String::new() };
        let _ = writeln!(
            o,
            "{:<24}{:>10}{:>10}{:>9}{:>9}{:>9}{:>9}",
            name,
            f3(r.est),
            se,
            f3(r.z),
            f3(r.pvalue),
            f3(r.std_lv),
            f3(r.std_all)
        );
    }
}
