//! Ordinal indicators: the WLSMV / WLS / ULSMV path of [`Sem::fit`](crate::Sem::fit), built on
//! [`sem_ordinal`]. Thresholds (`u | t1 + t2`) become parameter rows with lavaan's names, the
//! residual variances of ordered variables are computed (delta) or fixed to 1 (theta), and
//! their intercepts are fixed to 0; scale factors appear as `u ~*~ u` rows. With a grouping
//! column (no `group_equal`) each group is fitted on its own statistics and the results are
//! combined as lavaan's joint fit (standard errors rescaled to its N - G sandwich).
use crate::{cor_residual, make_row, ms, Data, Estimator, Fit, FitOptions, Sem, SemError, Timing};
use sem_linalg::Mat;
use sem_ordinal::wls::{Param, Parameterization, WlsEstimator, WlsOptions};
use sem_ordinal::{OrdinalError, OrdinalStats, Variable};
use sem_partable::{Op, ParTable};
use sem_syntax::{ModelSyntax, Statement};
use std::time::Instant;

impl From<OrdinalError> for SemError {
    fn from(e: OrdinalError) -> Self {
        SemError::Unsupported(e.to_string())
    }
}

/// Whether these options ask for the ordinal path.
pub(crate) fn wanted(opts: &FitOptions) -> bool {
    !opts.ordered.is_empty() || matches!(opts.estimator, Estimator::Wlsmv | Estimator::Wls | Estimator::Ulsmv)
}

/// A user-fixed threshold: (variable, 0-based k, value).
type FixedThreshold = (usize, usize, f64);

/// The syntax without threshold rows, and the user's fixed thresholds `(variable, k, value)`.
fn split_thresholds(syntax: &ModelSyntax, ov: &[String]) -> Result<(ModelSyntax, Vec<FixedThreshold>), SemError> {
    let mut fixed = Vec::new();
    let mut statements = Vec::new();
    for s in &syntax.statements {
        match s {
            Statement::Relation(rows) => {
                let mut keep = Vec::new();
                for r in rows {
                    match r.op {
                        Op::Threshold => {
                            let v = ov.iter().position(|o| o == &r.lhs).ok_or_else(|| {
                                SemError::Unsupported(format!(
                                    "Line {}: thresholds `{} | {}` belong to an observed variable; `{}` is not one of the model's indicators.",
                                    r.rhs_span.line, r.lhs, r.rhs, r.lhs
                                ))
                            })?;
                            if r.modifiers.label.as_ref().is_some_and(|l| l.iter().any(|x| x.is_some())) {
                                return Err(SemError::Unsupported(format!(
                                    "Line {}: labels on thresholds (`{} | ...`) are not supported in this version.",
                                    r.rhs_span.line, r.lhs
                                )));
                            }
                            let k: usize = r.rhs.trim_start_matches('t').parse().unwrap_or(1);
                            if let Some(Some(val)) = r.modifiers.fixed.as_ref().and_then(|f| f.first().copied()) {
                                fixed.push((v, k.saturating_sub(1), val));
                            }
                        }
                        Op::Scaling => {
                            return Err(SemError::Unsupported(format!(
                                "Line {}: scale factors (`~*~`) cannot be set in this version; use --parameterization theta or delta.",
                                r.rhs_span.line
                            )))
                        }
                        _ => keep.push(r.clone()),
                    }
                }
                if !keep.is_empty() {
                    statements.push(Statement::Relation(keep));
                }
            }
            other => statements.push(other.clone()),
        }
    }
    Ok((ModelSyntax { statements }, fixed))
}

/// Fit with ordered indicators.
pub(crate) fn fit(sem: &Sem, data: &Data, opts: &FitOptions) -> Result<Fit, SemError> {
    let mut timing: Timing = vec![("parse", sem.parse_ms)];
    let estimator = match opts.estimator {
        Estimator::Ml | Estimator::Wlsmv => WlsEstimator::Dwls,
        Estimator::Wls => WlsEstimator::Wls,
        Estimator::Ulsmv => WlsEstimator::Uls,
        Estimator::Mlr => {
            return Err(SemError::Unsupported(
                "MLR treats indicators as continuous; with ordered indicators use WLSMV, WLS or ULSMV.".into(),
            ))
        }
    };
    if opts.ordered.is_empty() {
        return Err(SemError::Unsupported(
            "WLSMV, WLS and ULSMV need ordered indicators here: name them with `ordered` (`--ordered a,b` or `--ordered all`).".into(),
        ));
    }
    if opts.group.is_some() && (!opts.group_equal.is_empty() || !opts.group_partial.is_empty()) {
        return Err(SemError::Unsupported(
            "With ordered indicators several groups are fitted with lavaan's default (configural) parameterisation only: group.equal and group.partial are not supported in this version.".into(),
        ));
    }
    let Data::Frame(frame) = data else {
        return Err(SemError::Unsupported(
            "Ordered indicators need raw data (--data): thresholds and polychoric correlations come from the answers."
                .into(),
        ));
    };
    let vars = sem.observed_variables();
    for o in &opts.ordered {
        if !vars.contains(o) {
            return Err(SemError::Unsupported(format!(
                "The ordered variable `{o}` is not an observed variable of the model (its indicators are {}).",
                vars.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let (syntax, fixed_th) = split_thresholds(&sem.syntax, &vars)?;
    let pt_opts = sem_partable::PartableOptions {
        std_lv: opts.std_lv,
        meanstructure: true,
        fixed_x: false,
        orthogonal: false,
        ngroups: 1,
        group_equal: Vec::new(),
        group_partial: Vec::new(),
    };
    let pt = ParTable::build(&syntax, &pt_opts)?;
    if !pt.vnames.ov_x.is_empty() {
        return Err(SemError::Unsupported(format!(
            "Exogenous observed covariates ({}) with ordered indicators need conditional.x, not supported in this version.",
            pt.vnames.ov_x.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
        )));
    }
    if opts.group.is_some() && (!pt.constraints.is_empty() || pt.rows.iter().any(|r| !r.label.is_empty())) {
        return Err(SemError::Unsupported(
            "With ordered indicators and several groups, labels and constraints (which tie the groups together) are not supported in this version.".into(),
        ));
    }
    let ov = pt.vnames.ov.clone();
    // listwise deletion on the model's variables (and the group column)
    let cols: Vec<&[f64]> = ov.iter().map(|v| frame.numeric(v)).collect::<Result<_, _>>()?;
    let complete = |i: usize| cols.iter().all(|c| !c[i].is_nan());
    let (labels, rows_of) = match &opts.group {
        None => (vec![String::new()], vec![(0..frame.nrows).filter(|&i| complete(i)).collect::<Vec<usize>>()]),
        Some(gname) => {
            let glab = frame.labels(gname)?;
            let mut labels: Vec<String> = Vec::new();
            let mut rows_of: Vec<Vec<usize>> = Vec::new();
            for (i, l) in glab.iter().enumerate() {
                let Some(l) = l else { continue };
                if !complete(i) {
                    continue;
                }
                match labels.iter().position(|x| x == l) {
                    Some(g) => rows_of[g].push(i),
                    None => {
                        labels.push(l.clone());
                        rows_of.push(vec![i]);
                    }
                }
            }
            if labels.len() < 2 {
                return Err(SemError::Unsupported(format!(
                    "The grouping column `{gname}` has {} group(s) among the complete rows; multiple-group analysis needs at least 2.",
                    labels.len()
                )));
            }
            (labels, rows_of)
        }
    };
    let ng = labels.len();
    let model = sem_model::Model::new(&pt);
    let wopts =
        WlsOptions { estimator, parameterization: opts.parameterization, max_iter: opts.max_iter.unwrap_or(500) };
    let mut groups = Vec::with_capacity(ng);
    let (mut t_stats, mut t_start, mut t_est, mut t_inf) = (0.0, 0.0, 0.0, 0.0);
    for (g, rows) in rows_of.iter().enumerate() {
        let t = Instant::now();
        let variables: Vec<Variable> = ov
            .iter()
            .zip(&cols)
            .map(|(name, c)| {
                let x: Vec<f64> = rows.iter().map(|&i| c[i]).collect();
                if opts.ordered.contains(name) {
                    Variable::Ordered(x)
                } else {
                    Variable::Numeric(x)
                }
            })
            .collect();
        let stats = OrdinalStats::compute(&ov, &variables).map_err(|e| {
            if ng > 1 {
                SemError::Unsupported(format!("Group `{}`: {e}", labels[g]))
            } else {
                e.into()
            }
        })?;
        t_stats += ms(t);
        let t = Instant::now();
        let mean: Vec<f64> = (0..ov.len()).map(|v| if stats.ordered[v] { 0.0 } else { stats.mean[v] }).collect();
        let gdata = [sem_estimate::GroupData { cov: &stats.cov, mean: &mean, nobs: stats.nobs }];
        let (start, values0) = sem_estimate::start_values(&pt, &gdata);
        t_start += ms(t);
        let wf = sem_ordinal::wls::fit(&pt, &model, &stats, &start, &values0, &fixed_th, &wopts)?;
        t_est += wf.estimate_ms;
        t_inf += wf.inference_ms;
        groups.push((stats, values0, wf));
    }
    timing.push(("sample statistics", t_stats));
    timing.push(("start values", t_start));
    timing.push(("estimation", t_est));
    timing.push(("standard errors and tests", t_inf));

    let t = Instant::now();
    let ntot: usize = groups.iter().map(|(st, _, _)| st.nobs).sum();
    let zq = sem_fit::dist::qnorm(0.975);
    let first_default = pt.rows.iter().position(|r| !r.user).unwrap_or(pt.rows.len());
    let first_intercept = pt.rows.iter().position(|r| r.op == Op::Intercept).unwrap_or(pt.rows.len());
    let mut parameters = Vec::with_capacity(ng * (pt.rows.len() + 2 * ov.len()));
    let mut warnings = pt.warnings.clone();
    for (g, (stats, values0, wf)) in groups.iter().enumerate() {
        let group = g + 1;
        // Groups fitted on their own share nothing: the joint sandwich divides by N - G with
        // the weights N_g / N (lavaan), the group's own by N_g - 1.
        let se_factor = if ng == 1 {
            1.0
        } else {
            let ngf = stats.nobs as f64;
            ((ngf - 1.0) * ntot as f64 / (ngf * (ntot - ng) as f64)).sqrt()
        };
        // parameter index of each table free index / threshold
        let mut table_param = vec![None; pt.nfree];
        let mut th_param = std::collections::HashMap::new();
        for (c, p) in wf.params.iter().enumerate() {
            match *p {
                Param::Table(k) => table_param[k] = Some(c),
                Param::Threshold(v, k) => {
                    th_param.insert((v, k), c);
                }
            }
        }
        let se_of = |c: Option<usize>| c.map(|c| wf.vcov[(c, c)].max(0.0).sqrt() * se_factor).unwrap_or(0.0);
        let row_est = crate::row_estimates(&pt, &wf.x_table, values0);
        let stdz = sem_fit::standardize(&pt, &model, std::slice::from_ref(&wf.state), &row_est);
        let var_ystar: Vec<f64> = (0..ov.len()).map(|v| wf.state.sigma[(v, v)]).collect();
        let push_thresholds = |parameters: &mut Vec<crate::ParamRow>| {
            for (v, name) in ov.iter().enumerate() {
                for (k, &tau) in wf.thresholds[v].iter().enumerate() {
                    let c = th_param.get(&(v, k)).copied();
                    let sd = var_ystar[v].sqrt();
                    let std_all = tau / sd;
                    parameters.push(make_row(
                        name,
                        "|",
                        &format!("t{}", k + 1),
                        "",
                        group,
                        c.is_some(),
                        false,
                        tau,
                        se_of(c),
                        zq,
                        (tau, std_all, std_all),
                    ));
                }
            }
        };
        for (i, r) in pt.rows.iter().enumerate() {
            if i == first_default {
                push_thresholds(&mut parameters);
            }
            if i == first_intercept {
                for (v, name) in ov.iter().enumerate() {
                    if stats.ordered[v] {
                        let s = wf.scale[v];
                        parameters.push(make_row(
                            name,
                            "~*~",
                            name,
                            "",
                            group,
                            false,
                            false,
                            s,
                            0.0,
                            zq,
                            (s, 1.0, 1.0),
                        ));
                    }
                }
            }
            let c = if r.free > 0 { table_param[r.free - 1] } else { None };
            parameters.push(make_row(
                &r.lhs,
                r.op.as_str(),
                &r.rhs,
                &r.label,
                group,
                c.is_some(),
                r.exo,
                row_est[i],
                se_of(c),
                zq,
                stdz[i],
            ));
        }
        if first_default == pt.rows.len() {
            push_thresholds(&mut parameters);
        }
        let in_group = if ng > 1 { format!(" in group `{}`", labels[g]) } else { String::new() };
        warnings.extend(stats.warnings.iter().map(|w| {
            if ng > 1 {
                format!("Group `{}`: {w}", labels[g])
            } else {
                w.clone()
            }
        }));
        for (v, name) in ov.iter().enumerate() {
            if stats.ordered[v] && opts.parameterization == Parameterization::Delta {
                let rv = 1.0 - (wf.state.sigma[(v, v)] - wf.state.theta[(v, v)]);
                if rv < 0.0 {
                    warnings.push(format!(
                        "The residual variance of `{name}`{in_group} is negative ({rv:.4}): a Heywood case; the solution is not admissible."
                    ));
                }
            }
        }
    }
    // defined parameters (`d := a*b`): delta-method SEs from the table parameters' covariances
    if let ([(_, values0, wf)], false) = (&groups[..], pt.defined.is_empty()) {
        let mut col = vec![None; pt.nfree];
        for (c, p) in wf.params.iter().enumerate() {
            if let Param::Table(k) = *p {
                col[k] = Some(c);
            }
        }
        let mut vt = Mat::zeros(pt.nfree, pt.nfree);
        for a in 0..pt.nfree {
            for b in 0..pt.nfree {
                if let (Some(ca), Some(cb)) = (col[a], col[b]) {
                    vt[(a, b)] = wf.vcov[(ca, cb)];
                }
            }
        }
        let defs = sem_fit::defined_params(&pt, &wf.x_table, Some(&vt));
        let row_est = crate::row_estimates(&pt, &wf.x_table, values0);
        let stdz = sem_fit::standardize(&pt, &model, std::slice::from_ref(&wf.state), &row_est);
        let pick = |f: fn(&(f64, f64, f64)) -> f64| -> Vec<f64> {
            sem_fit::standardize_defined(&pt, &stdz.iter().map(f).collect::<Vec<f64>>())
        };
        let (d_lv, d_all, d_nox) = (pick(|s| s.0), pick(|s| s.1), pick(|s| s.2));
        parameters.extend(crate::defined_rows(&pt, &defs, (&d_lv, &d_all, &d_nox), zq));
    }
    // explicit equality constraints (`b == c`): their value at the estimates, as lavaan lists them
    if let [(_, _, wf)] = &groups[..] {
        for c in &pt.constraints {
            let v = c.expr.eval(&wf.x_table, &[]);
            parameters.push(crate::ParamRow {
                lhs: c.lhs_text.clone(),
                op: c.op.as_str().into(),
                rhs: c.rhs_text.clone(),
                label: String::new(),
                group: 0,
                free: false,
                exo: false,
                est: v,
                se: 0.0,
                z: f64::NAN,
                pvalue: f64::NAN,
                ci_lower: v,
                ci_upper: v,
                std_lv: v,
                std_all: v,
                std_nox: v,
            });
        }
    }
    timing.push(("standardised solution", ms(t)));
    let nlv = pt.vnames.lv.len();
    let cov_lv: Vec<Mat> = groups
        .iter()
        .map(|(_, _, wf)| {
            let mut m = Mat::zeros(nlv, nlv);
            for a in 0..nlv {
                for b in 0..nlv {
                    m[(a, b)] = wf.state.veta[(a, b)];
                }
            }
            m
        })
        .collect();
    let parts: Vec<sem_ordinal::wls::TestParts> = groups.iter().map(|(_, _, wf)| wf.parts.clone()).collect();
    let fit_measures = if ng == 1 { groups[0].2.fit_measures.clone() } else { sem_ordinal::wls::fit_measures(&parts) };
    Ok(Fit {
        converged: true,
        iterations: groups.iter().map(|(_, _, wf)| wf.iterations).sum(),
        nobs: groups.iter().map(|(st, _, _)| st.nobs).collect(),
        group_labels: labels,
        norig: frame.nrows,
        dropped: frame.nrows - ntot,
        npar: groups.iter().map(|(_, _, wf)| wf.npar).sum(),
        parameters,
        fit_measures,
        residual_cor: groups.iter().map(|(st, _, wf)| cor_residual(&st.cov, &wf.state.sigma)).collect(),
        ov_names: ov.clone(),
        implied_cov: groups.iter().map(|(_, _, wf)| wf.state.sigma.clone()).collect(),
        warnings,
        timing,
        meanstructure: true,
        estimator: match estimator {
            WlsEstimator::Dwls => "DWLS",
            WlsEstimator::Wls => "WLS",
            WlsEstimator::Uls => "ULS",
        },
        sample_cov: groups.iter().map(|(st, _, _)| st.cov.clone()).collect(),
        cov_lv,
        modindices: Vec::new(),
        missing: crate::Missing::Listwise,
        partable: pt,
    })
}
