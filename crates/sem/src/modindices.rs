//! Modification indices: univariate score tests of the parameters the model fixes to zero
//! (lavaan's `modindices()`, Saris, Satorra & Sörbom 1987).
//!
//! The candidate set is lavaan's `lav_partable_full`: every loading of a latent variable on a
//! non-exogenous observed variable, every (residual) covariance among those observed variables
//! (indicators only), among the exogenous covariates and among the latent variables, every
//! regression among the variables that appear in regressions, and, with a mean structure, every
//! intercept. Rows already in the model are skipped. The model is extended with the candidates set
//! free at zero, all other parameters at their estimates, and with the unit expected information
//! $\mathcal I$ of the extended model, partitioned into candidates (1) and model parameters (2),
//! $$V = \mathcal I_{11} - \mathcal I_{12}\,\mathcal I_{22}^{-1}\,\mathcal I_{21},\qquad
//! \mathrm{MI}_j = N g_j^2 / V_{jj},\qquad \mathrm{EPC}_j = -g_j / V_{jj},$$
//! where $g$ is the gradient of $f_{min}$ at the extended point and $\mathcal I_{22}^{-1} = N\,
//! \mathrm{vcov}$ is the constraint-aware inverse of the fitted model. Candidates with
//! $V_{jj} < \epsilon^{1/3}$ (not identified if freed) are dropped, as lavaan's `na.remove`.
//! The standardised EPCs apply the standardisation of the fitted model to $|\mathrm{EPC}|$
//! and restore the sign; covariances are standardised with the current residual variances
//! (`cov.std = TRUE`).

use crate::fiml_corrected::{delta, half_trace_pair};
use sem_data::MissingGroup;
use sem_estimate::fiml::{sidx, FimlProblem};
use sem_estimate::{GroupData, Problem};
use sem_linalg::Mat;
use sem_model::{GroupState, Model};
use sem_partable::{Op, ParRow, ParTable};

/// One modification index (a row of lavaan's `modindices()`).
#[derive(Debug, Clone, PartialEq)]
pub struct ModIndex {
    /// Left-hand side.
    pub lhs: String,
    /// Operator spelling.
    pub op: String,
    /// Right-hand side.
    pub rhs: String,
    /// 1-based group.
    pub group: usize,
    /// Modification index: the expected drop in chi-square if the parameter were freed (1 df).
    pub mi: f64,
    /// Expected parameter change.
    pub epc: f64,
    /// EPC standardised on latent variances.
    pub sepc_lv: f64,
    /// EPC standardised on latent and observed variances.
    pub sepc_all: f64,
    /// Like `sepc_all` without standardising exogenous covariates.
    pub sepc_nox: f64,
}

fn exists(pt: &ParTable, g: usize, op: Op, lhs: &str, rhs: &str) -> bool {
    pt.rows.iter().any(|r| {
        r.group == g
            && r.op == op
            && ((r.lhs == lhs && r.rhs == rhs) || (op == Op::Covariance && r.lhs == rhs && r.rhs == lhs))
    })
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// The candidate rows `(op, lhs, rhs)` of one group, in lavaan's order, without those already in
/// the model.
pub fn candidates(pt: &ParTable, g: usize) -> Vec<(Op, String, String)> {
    let vn = &pt.vnames;
    let ov_nox: Vec<&String> = vn.ov.iter().filter(|v| !vn.is_ov_x(v)).collect();
    let mut eqs = Vec::new();
    let mut eqs_y = Vec::new();
    for r in pt.rows.iter().filter(|r| r.group == g && r.op == Op::Regression) {
        push_unique(&mut eqs_y, &r.lhs);
    }
    eqs.extend(eqs_y.iter().cloned());
    for r in pt.rows.iter().filter(|r| r.group == g && r.op == Op::Regression) {
        push_unique(&mut eqs, &r.rhs);
    }
    let is_ind = |s: &str| vn.ov_ind.iter().any(|x| x == s);
    let mut out = Vec::new();
    for f in &vn.lv {
        for v in &ov_nox {
            if !eqs.iter().any(|e| e == *v) {
                out.push((Op::Loading, f.clone(), (*v).clone()));
            }
        }
    }
    let lower = |names: &[&String], out: &mut Vec<(Op, String, String)>, keep: &dyn Fn(&str, &str) -> bool| {
        for (j, a) in names.iter().enumerate() {
            for b in &names[j..] {
                if keep(a, b) {
                    out.push((Op::Covariance, (*a).clone(), (*b).clone()));
                }
            }
        }
    };
    // Pairs with a non-indicator observed variable are not candidates (lavaan 0.6-14).
    lower(&ov_nox, &mut out, &|a, b| is_ind(a) && is_ind(b));
    let ov_x: Vec<&String> = vn.ov.iter().filter(|v| vn.is_ov_x(v)).collect();
    lower(&ov_x, &mut out, &|_, _| true);
    let lv: Vec<&String> = vn.lv.iter().collect();
    lower(&lv, &mut out, &|_, _| true);
    for y in &eqs {
        for x in &eqs {
            if x != y && !(is_ind(y) && vn.is_lv(x)) {
                out.push((Op::Regression, y.clone(), x.clone()));
            }
        }
    }
    if pt.meanstructure {
        for v in vn.ov.iter().chain(&vn.lv) {
            out.push((Op::Intercept, v.clone(), String::new()));
        }
    }
    out.retain(|(op, l, r)| {
        let dup_loading = *op == Op::Regression && vn.is_lv(r) && exists(pt, g, Op::Loading, r, l);
        !exists(pt, g, *op, l, r) && !dup_loading
    });
    out
}

/// Inputs of [`modindices`]: the fitted model at its estimates.
pub struct MiInput<'a> {
    /// The fitted model's parameter table.
    pub pt: &'a ParTable,
    /// Estimates of the free parameters.
    pub x: &'a [f64],
    /// Value of every parameter-table row (fixed values; free rows are overwritten by `x`).
    pub values: &'a [f64],
    /// Estimate of every parameter-table row.
    pub row_est: &'a [f64],
    /// Sample moments per group.
    pub groups: Vec<GroupData<'a>>,
    /// Covariance matrix of the estimates (constraint-aware), from the expected information.
    /// Under FIML (`missing` set) it is not used: $\mathcal I_{22}^{-1}$ comes from the expected
    /// information under missing data with the constraint basis `k`.
    pub vcov: &'a Mat,
    /// Missing-data patterns per group, for FIML (lavaan's `modindices()` with `missing = "ml"`).
    pub missing: Option<Vec<&'a MissingGroup>>,
    /// Constraint basis of the estimate (FIML only).
    pub k: Option<&'a Mat>,
}

/// Modification indices with EPC and standardised EPC, sorted by decreasing MI.
pub fn modindices(inp: &MiInput) -> Vec<ModIndex> {
    let pt = inp.pt;
    let q = pt.nfree;
    let mut ext = pt.clone();
    let mut cand_rows = Vec::new();
    let mut start = Vec::new();
    // Fixed rows of the model are candidates too, freed from their fixed value (lavaan's
    // `all.free = TRUE`); a fixed marker loading becomes identified when freed in one group of
    // a model with equality constraints across groups.
    for (i, r) in pt.rows.iter().enumerate() {
        let op_ok = matches!(r.op, Op::Loading | Op::Regression | Op::Covariance | Op::Intercept);
        if r.free == 0 && op_ok {
            ext.nfree += 1;
            ext.rows[i].free = ext.nfree;
            cand_rows.push(i);
            start.push(inp.values[i]);
        }
    }
    for g in 1..=pt.ngroups {
        for (op, lhs, rhs) in candidates(pt, g) {
            let free = ext.nfree + 1;
            ext.nfree = free;
            cand_rows.push(ext.rows.len());
            start.push(0.0);
            ext.rows.push(ParRow {
                id: ext.rows.len() + 1,
                lhs,
                op,
                rhs,
                user: false,
                group: g,
                free,
                ustart: None,
                exo: false,
                label: String::new(),
                plabel: String::new(),
                span: None,
            });
        }
    }
    let k = cand_rows.len();
    if k == 0 {
        return Vec::new();
    }
    let model = Model::new(&ext);
    let mut values = inp.values.to_vec();
    values.resize(ext.rows.len(), 0.0);
    let mut x = inp.x.to_vec();
    x.extend(&start);
    let problem = Problem::new(&model, &values, inp.groups.clone());
    let mut states = vec![GroupState::default(); pt.ngroups];
    let fproblem = inp.missing.as_ref().map(|m| FimlProblem::new(&model, &values, m.clone()));
    let grad = match &fproblem {
        Some(fp) => {
            if fp.fmin(&x, &mut states).is_none() {
                return Vec::new();
            }
            fp.gradient(&states)
        }
        None => {
            if problem.fmin(&x, &mut states).is_none() {
                return Vec::new();
            }
            problem.gradient(&states)
        }
    };
    // fixed.x: lavaan's h1 information gives no weight to the covariates' own moments
    let x_idx: Vec<usize> = if pt.rows.iter().any(|r| r.exo) {
        pt.vnames.ov_x.iter().filter_map(|v| pt.vnames.ov.iter().position(|o| o == v)).collect()
    } else {
        Vec::new()
    };
    let info = match &inp.missing {
        Some(groups) => match missing_expected_information(&model, &states, groups) {
            Some(i) => i,
            None => return Vec::new(),
        },
        None if x_idx.is_empty() => problem.information(&states),
        None => masked_information(&model, &states, &inp.groups, &x_idx, pt.meanstructure),
    };
    let ntotal: f64 = inp.groups.iter().map(|g| g.nobs as f64).sum();
    // I22^{-1}: N vcov, or (FIML) the constraint-aware inverse of the expected information's block
    let i22_inv = match &inp.missing {
        None => {
            let mut v = inp.vcov.clone();
            v.data_mut().iter_mut().for_each(|e| *e *= ntotal);
            v
        }
        Some(_) => {
            let mut i22 = Mat::zeros(q, q);
            for i in 0..q {
                i22.row_mut(i).copy_from_slice(&info.row(i)[..q]);
            }
            let inv = match inp.k {
                None => sem_linalg::spd_inverse(&i22).map(|v| v.0),
                Some(km) => {
                    sem_linalg::spd_inverse(&km.t_matmul(&i22.matmul(km))).map(|v| km.matmul(&v.0).matmul_t(km))
                }
            };
            match inv {
                Ok(v) => v,
                Err(_) => return Vec::new(),
            }
        }
    };
    // I22^{-1} I21
    let mut a = Mat::zeros(q, k);
    for i in 0..q {
        for j in 0..k {
            let mut s = 0.0;
            for l in 0..q {
                s += i22_inv[(i, l)] * info[(l, q + j)];
            }
            a[(i, j)] = s;
        }
    }
    let tiny = f64::EPSILON.powf(1.0 / 3.0);
    let mut epc = vec![f64::NAN; k];
    let mut mi = vec![f64::NAN; k];
    for j in 0..k {
        let mut v = info[(q + j, q + j)];
        for i in 0..q {
            v -= info[(q + j, i)] * a[(i, j)];
        }
        if v >= tiny {
            let gj = grad[q + j];
            mi[j] = ntotal * gj * gj / v;
            epc[j] = -gj / v;
        }
    }
    // Variances are standardised at their current value (`cov.std`), everything else at |EPC|.
    let mut est = inp.row_est.to_vec();
    est.resize(ext.rows.len(), 0.0);
    for (j, &ri) in cand_rows.iter().enumerate() {
        let r = &ext.rows[ri];
        est[ri] = if r.is_variance() && !r.exo { start[j].abs() } else { epc[j].abs() };
    }
    let stdz = sem_fit::standardize(&ext, &model, &states, &est);
    let mut out: Vec<ModIndex> = cand_rows
        .iter()
        .enumerate()
        .filter(|(j, _)| mi[*j].is_finite())
        .map(|(j, &ri)| {
            let r = &ext.rows[ri];
            let s = epc[j].signum();
            let tiny_var = r.is_variance() && est[ri] < f64::EPSILON.sqrt();
            let fix = |v: f64| if tiny_var || !v.is_finite() { 0.0 } else { s * v };
            ModIndex {
                lhs: r.lhs.clone(),
                op: r.op.as_str().to_string(),
                rhs: r.rhs.clone(),
                group: r.group,
                mi: mi[j],
                epc: epc[j],
                sepc_lv: fix(stdz[ri].0),
                sepc_all: fix(stdz[ri].1),
                sepc_nox: fix(stdz[ri].2),
            }
        })
        .collect();
    out.sort_by(|a, b| b.mi.total_cmp(&a.mi));
    out
}

/// Unit expected information $\sum_g \frac{N_g}N\bigl[\tfrac12\operatorname{tr}(\Sigma^{-1}\dot\Sigma_j
/// \Sigma^{-1}\dot\Sigma_k) + \dot\mu_j^\top\Sigma^{-1}\dot\mu_k\bigr]$ with the derivatives of the
/// moments of the fixed covariates `x_idx` (their means and the covariances among them) set to
/// zero: lavaan's `lav_mvnorm_information_expected()` with `x.idx`, which weights those moments
/// by zero. It matters for candidates such as `covariate ~ factor` that move them.
fn masked_information(
    model: &Model,
    states: &[GroupState],
    groups: &[GroupData],
    x_idx: &[usize],
    meanstructure: bool,
) -> Mat {
    let q = model.nfree;
    let ntotal: f64 = groups.iter().map(|g| g.nobs as f64).sum();
    let mut info = Mat::zeros(q, q);
    for (g, st) in states.iter().enumerate() {
        let fg = groups[g].nobs as f64 / ntotal;
        let p = st.sigma.rows();
        let is_x: Vec<bool> = (0..p).map(|a| x_idx.contains(&a)).collect();
        let si = &st.sigma_inv;
        let jac = model.jacobian(g, st);
        // A_j = Sigma^-1 dSigma_j (masked), and Sigma^-1 dmu_j (masked)
        let a: Vec<Mat> = jac
            .iter()
            .map(|(ds, _)| {
                let mut d = ds.clone();
                for i in 0..p {
                    for k in 0..p {
                        if is_x[i] && is_x[k] {
                            d[(i, k)] = 0.0;
                        }
                    }
                }
                si.matmul(&d)
            })
            .collect();
        let dm: Vec<Vec<f64>> = jac
            .iter()
            .map(|(_, m)| (0..p).map(|i| if is_x[i] || !meanstructure { 0.0 } else { m[i] }).collect())
            .collect();
        let sdm: Vec<Vec<f64>> = dm.iter().map(|m| si.mul_vec(m)).collect();
        for j in 0..q {
            for k in 0..=j {
                let mut v = 0.0;
                for r in 0..p {
                    for c in 0..p {
                        v += a[j][(r, c)] * a[k][(c, r)];
                    }
                }
                let v = fg * (0.5 * v + sem_linalg::dot(&dm[j], &sdm[k]));
                info[(j, k)] += v;
                if j != k {
                    info[(k, j)] += v;
                }
            }
        }
    }
    info
}

/// Unit expected information under missing data (lavaan's `lav_mvnorm_missing_information_expected()`
/// at the implied moments, the default of `modindices()` with `missing = "ml"`):
/// $\sum_g\frac1N\Delta_g^\top W_g\Delta_g$ with
/// $W_g = \sum_m n_m\,\mathrm{blockdiag}(\tilde P_m, \tfrac12 D^\top(\tilde P_m\otimes\tilde P_m)D)$ and
/// $\tilde P_m$ the inverse of the pattern's block of $\hat\Sigma$, padded with zeros.
fn missing_expected_information(model: &Model, states: &[GroupState], groups: &[&MissingGroup]) -> Option<Mat> {
    let q = model.nfree;
    let ntotal: f64 = groups.iter().map(|g| g.nobs as f64).sum();
    let mut info = Mat::zeros(q, q);
    for (g, (mg, st)) in groups.iter().zip(states).enumerate() {
        let p = mg.p;
        let dim = p + p * (p + 1) / 2;
        let mut w = Mat::zeros(dim, dim);
        for pat in &mg.patterns {
            let o = &pat.observed;
            let k = o.len();
            let (pm, _) = sem_linalg::spd_inverse(&sem_data::missing::submatrix(&st.sigma, o, o)).ok()?;
            let n = pat.nobs as f64;
            for a in 0..k {
                for b in 0..k {
                    w[(o[a], o[b])] += n * pm[(a, b)];
                }
            }
            for a in 0..k {
                for b in 0..=a {
                    let i = sidx(p, o[a], o[b]);
                    for c in 0..k {
                        for d in 0..=c {
                            w[(i, sidx(p, o[c], o[d]))] += n * half_trace_pair(&pm, (a, b), (c, d));
                        }
                    }
                }
            }
        }
        let dl = delta(model, g, st, p);
        let part = dl.t_matmul(&w.matmul(&dl));
        for (acc, v) in info.data_mut().iter_mut().zip(part.data()) {
            *acc += v / ntotal;
        }
    }
    Some(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_skip_existing_rows() {
        let syn = sem_syntax::parse("f =~ a + b + c\ng =~ d + e + h").unwrap();
        let opts = sem_partable::PartableOptions::default();
        let pt = ParTable::build(&syn, &opts).unwrap();
        let c = candidates(&pt, 1);
        // 2 factors x 6 indicators - 6 loadings; 6*7/2 - 6 residual covariances; no lv pairs left.
        assert_eq!(c.len(), 6 + 15);
        assert!(!c.iter().any(|(op, l, r)| *op == Op::Loading && l == "f" && r == "a"));
        assert!(c.iter().any(|(op, l, r)| *op == Op::Loading && l == "g" && r == "a"));
        assert!(c.iter().any(|(op, l, r)| *op == Op::Covariance && l == "a" && r == "b"));
    }
}
