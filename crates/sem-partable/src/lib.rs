//! The parameter table: the single source of truth of a structural equation model
//! (lavaan: `lavaanify()` / `lav_partable_flat()`, and `parTable()` of a fitted model).
//!
//! [`ParTable::build`] takes the flat rows of the model syntax and adds what lavaan's `cfa()` and
//! `sem()` add by default, so that the table's free/fixed rows equal lavaan's:
//!
//! 1. **Variable classes.** Latent variables are the left-hand sides of `=~`. Observed variables are
//!    ordered as lavaan orders them: indicators, then dependent observed variables, then exogenous
//!    observed covariates (`ov.x`: right-hand side of `~`, never a left-hand side of `~`, never an
//!    indicator, and not given a variance, covariance or intercept by the user), then the rest.
//! 2. **Default rows** (`user = 0`): a variance for every observed variable that is not `ov.x` and
//!    for every latent variable; covariances among exogenous latent variables (`auto.cov.lv.x`);
//!    covariances among pure outcomes (`auto.cov.y`); the full `ov.x` covariance block, fixed at
//!    the sample values (`fixed.x = TRUE`) and not counted as parameters; intercepts when there is
//!    a mean structure (observed free, latent fixed at 0, `ov.x` fixed at the sample means).
//! 3. **Identification.** The first loading of each factor is fixed to 1 (marker variable), or with
//!    `std_lv` every latent variance is fixed to 1 instead; a single indicator's residual variance
//!    is fixed to 0.
//! 4. **Modifiers** from the syntax override all of the above: fixed values, `NA` (free), start
//!    values and labels, per group when given as `c(...)` vectors.
//! 5. **Equality.** Rows that share a label, and rows tied by `group_equal`, share one free
//!    parameter (lavaan 0.6.14 keeps separate indices and adds `==` rows; the estimates, standard
//!    errors, `npar` and `df` are the same). Explicit linear `==` constraints are kept as
//!    constraints; `<` and `>` constraints become inequality constraints.
//! 6. **Defined parameters** (`:=`) are compiled into expressions over the free parameters.
#![deny(missing_docs)]

pub mod expr;

use expr::{CExpr, CompileError, Ref};
use sem_syntax::{ModelSyntax, Statement};
pub use sem_syntax::{Op, Span};
use std::collections::HashMap;

/// Errors building the parameter table, each located in the model syntax.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PartableError {
    /// An operator the engine does not estimate (yet).
    #[error("Line {line}, column {col}: `{lhs} {op} {rhs}` uses `{op}`, which {why}.")]
    Unsupported {
        /// Left-hand side.
        lhs: String,
        /// Operator spelling.
        op: String,
        /// Right-hand side.
        rhs: String,
        /// Explanation.
        why: String,
        /// Line.
        line: usize,
        /// Column.
        col: usize,
    },
    /// A `c(...)` modifier with the wrong number of elements.
    #[error("Line {line}, column {col}: the modifier of `{lhs} {op} {rhs}` has {len} values, but the model has {ngroups} group(s).")]
    ModifierLength {
        /// Left-hand side.
        lhs: String,
        /// Operator.
        op: String,
        /// Right-hand side.
        rhs: String,
        /// Vector length.
        len: usize,
        /// Number of groups.
        ngroups: usize,
        /// Line.
        line: usize,
        /// Column.
        col: usize,
    },
    /// A name in `:=` or a constraint that refers to nothing.
    #[error(
        "Line {line}, column {col}: `{name}` in `{context}` is not a parameter label or an earlier defined parameter."
    )]
    UnknownName {
        /// The name.
        name: String,
        /// The statement.
        context: String,
        /// Line.
        line: usize,
        /// Column.
        col: usize,
    },
    /// A function call that is not supported.
    #[error("Line {line}, column {col}: function `{name}` in `{context}` is not supported (use one of exp, log, sqrt, abs, sin, cos, tan, tanh with one argument).")]
    BadFunction {
        /// Function name.
        name: String,
        /// The statement.
        context: String,
        /// Line.
        line: usize,
        /// Column.
        col: usize,
    },
    /// A nonlinear equality constraint.
    #[error("Line {line}, column {col}: the constraint `{text}` is not linear in the parameters; only linear equality constraints are supported.")]
    Nonlinear {
        /// The constraint.
        text: String,
        /// Line.
        line: usize,
        /// Column.
        col: usize,
    },
    /// A name that is both a latent variable and used in an impossible role.
    #[error("Line {line}, column {col}: {msg}")]
    Invalid {
        /// Description.
        msg: String,
        /// Line.
        line: usize,
        /// Column.
        col: usize,
    },
    /// A defined parameter name clashes with a variable or label.
    #[error("Line {line}, column {col}: the defined parameter `{name}` already names {what}.")]
    NameClash {
        /// The name.
        name: String,
        /// What it clashes with.
        what: String,
        /// Line.
        line: usize,
        /// Column.
        col: usize,
    },
    /// The model has no observed variables.
    #[error("The model has no observed variables.")]
    NoObserved,
}

/// Parameter types that `group_equal` can hold equal across groups (lavaan's `group.equal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupEqual {
    /// Factor loadings `=~`.
    Loadings,
    /// Intercepts of observed variables.
    Intercepts,
    /// Means (intercepts) of latent variables.
    Means,
    /// Residual variances of observed variables.
    Residuals,
    /// Residual covariances of observed variables.
    ResidualCovariances,
    /// Latent (residual) variances.
    LvVariances,
    /// Latent (residual) covariances.
    LvCovariances,
    /// Regression coefficients.
    Regressions,
}

impl GroupEqual {
    /// Parse lavaan's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "loadings" => GroupEqual::Loadings,
            "intercepts" => GroupEqual::Intercepts,
            "means" => GroupEqual::Means,
            "residuals" => GroupEqual::Residuals,
            "residual.covariances" => GroupEqual::ResidualCovariances,
            "lv.variances" => GroupEqual::LvVariances,
            "lv.covariances" => GroupEqual::LvCovariances,
            "regressions" => GroupEqual::Regressions,
            _ => return None,
        })
    }
    /// lavaan's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupEqual::Loadings => "loadings",
            GroupEqual::Intercepts => "intercepts",
            GroupEqual::Means => "means",
            GroupEqual::Residuals => "residuals",
            GroupEqual::ResidualCovariances => "residual.covariances",
            GroupEqual::LvVariances => "lv.variances",
            GroupEqual::LvCovariances => "lv.covariances",
            GroupEqual::Regressions => "regressions",
        }
    }
}

/// Options of [`ParTable::build`]; the defaults are those of lavaan's `sem()` and `cfa()`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartableOptions {
    /// Identify factors by fixing their variances to 1 instead of the first loading.
    pub std_lv: bool,
    /// Force a mean structure (it is added anyway with several groups or `~1` rows).
    pub meanstructure: bool,
    /// Treat exogenous observed covariates as fixed (lavaan's `fixed.x`).
    pub fixed_x: bool,
    /// Fix covariances among exogenous latent variables to zero.
    pub orthogonal: bool,
    /// Number of groups.
    pub ngroups: usize,
    /// Parameter types held equal across groups.
    pub group_equal: Vec<GroupEqual>,
    /// Rows released from `group_equal`, written as `lhs op rhs` (e.g. `visual=~x2`, `x3~1`).
    pub group_partial: Vec<String>,
}

impl Default for PartableOptions {
    fn default() -> Self {
        PartableOptions {
            std_lv: false,
            meanstructure: false,
            fixed_x: true,
            orthogonal: false,
            ngroups: 1,
            group_equal: Vec::new(),
            group_partial: Vec::new(),
        }
    }
}

/// One row of the parameter table.
#[derive(Debug, Clone, PartialEq)]
pub struct ParRow {
    /// 1-based row id.
    pub id: usize,
    /// Left-hand side.
    pub lhs: String,
    /// Operator.
    pub op: Op,
    /// Right-hand side ("" for intercepts).
    pub rhs: String,
    /// Written by the user (true) or added by default (false).
    pub user: bool,
    /// 1-based group.
    pub group: usize,
    /// 1-based index of the free parameter this row takes its value from; 0 when fixed.
    pub free: usize,
    /// Fixed value or user start value.
    pub ustart: Option<f64>,
    /// Fixed exogenous-covariate row (`fixed.x`).
    pub exo: bool,
    /// User label ("" when none).
    pub label: String,
    /// lavaan's parameter label `.pK.`.
    pub plabel: String,
    /// Line and column of the syntax term (user rows).
    pub span: Option<Span>,
}

impl ParRow {
    /// Whether this is a variance (`x ~~ x`).
    pub fn is_variance(&self) -> bool {
        self.op == Op::Covariance && self.lhs == self.rhs
    }
}

/// A `:=` defined parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Defined {
    /// Its name (lhs).
    pub name: String,
    /// The expression text without whitespace (rhs, as lavaan stores it).
    pub text: String,
    /// The compiled expression.
    pub expr: CExpr,
}

/// A constraint `lhs op rhs` (`==`, `<` or `>`), kept as $f(\theta) = \text{lhs} - \text{rhs}$.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// `Op::Equal`, `Op::Less` or `Op::Greater`.
    pub op: Op,
    /// Left side text.
    pub lhs_text: String,
    /// Right side text.
    pub rhs_text: String,
    /// lhs - rhs.
    pub expr: CExpr,
}

/// Variable classes of the model (lavaan: `lav_partable_vnames`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vnames {
    /// Observed variables in lavaan's order.
    pub ov: Vec<String>,
    /// Latent variables.
    pub lv: Vec<String>,
    /// Exogenous observed covariates.
    pub ov_x: Vec<String>,
    /// Indicators that are observed.
    pub ov_ind: Vec<String>,
    /// Exogenous latent variables.
    pub lv_x: Vec<String>,
    /// Pure observed outcomes (for `auto.cov.y`).
    pub ov_y: Vec<String>,
    /// Pure latent outcomes.
    pub lv_y: Vec<String>,
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

impl Vnames {
    /// Classify the variables of the syntax.
    pub fn from_syntax(m: &ModelSyntax) -> Vnames {
        let rows: Vec<&sem_syntax::FlatRow> = m.rows().collect();
        let mut lv = Vec::new();
        for r in &rows {
            if r.op == Op::Loading {
                push_unique(&mut lv, &r.lhs);
            }
        }
        let is_lv = |s: &str| lv.iter().any(|x| x == s);
        let mut v_ind = Vec::new();
        let mut eqs_y = Vec::new();
        let mut eqs_x = Vec::new();
        for r in &rows {
            match r.op {
                Op::Loading => push_unique(&mut v_ind, &r.rhs),
                Op::Regression => {
                    push_unique(&mut eqs_y, &r.lhs);
                    push_unique(&mut eqs_x, &r.rhs);
                }
                _ => {}
            }
        }
        let ov_ind: Vec<String> = v_ind.iter().filter(|s| !is_lv(s)).cloned().collect();
        let ov_y_all: Vec<String> = eqs_y.iter().filter(|s| !is_lv(s) && !ov_ind.contains(s)).cloned().collect();
        let ov_x_cand: Vec<String> =
            eqs_x.iter().filter(|s| !is_lv(s) && !ov_ind.contains(s) && !ov_y_all.contains(s)).cloned().collect();
        let mut ov: Vec<String> = Vec::new();
        for s in ov_ind.iter().chain(&ov_y_all).chain(&ov_x_cand) {
            push_unique(&mut ov, s);
        }
        // Orphans: observed names only in `~~`, `~1` (lavaan keeps this order).
        for r in &rows {
            if r.op == Op::Covariance {
                for s in [&r.lhs, &r.rhs] {
                    if !is_lv(s) {
                        push_unique(&mut ov, s);
                    }
                }
            }
        }
        for r in &rows {
            if (r.op == Op::Intercept || r.op == Op::Threshold) && !is_lv(&r.lhs) {
                push_unique(&mut ov, &r.lhs);
            }
        }
        // ov.x loses variables that the user gives a variance, covariance or intercept.
        let user_mentions: Vec<&str> = rows
            .iter()
            .flat_map(|r| match r.op {
                Op::Intercept => vec![r.lhs.as_str()],
                Op::Covariance => vec![r.lhs.as_str(), r.rhs.as_str()],
                _ => vec![],
            })
            .collect();
        let ov_x: Vec<String> = ov_x_cand.into_iter().filter(|s| !user_mentions.contains(&s.as_str())).collect();
        let lv_x: Vec<String> = lv.iter().filter(|s| !v_ind.contains(s) && !eqs_y.contains(s)).cloned().collect();
        let ov_y: Vec<String> = ov
            .iter()
            .filter(|s| eqs_y.contains(s) && !v_ind.contains(s) && !eqs_x.contains(s) && !is_lv(s))
            .cloned()
            .collect();
        let lv_y: Vec<String> =
            lv.iter().filter(|s| eqs_y.contains(s) && !v_ind.contains(s) && !eqs_x.contains(s)).cloned().collect();
        Vnames { ov, lv, ov_x, ov_ind, lv_x, ov_y, lv_y }
    }

    /// Whether `name` is a latent variable.
    pub fn is_lv(&self, name: &str) -> bool {
        self.lv.iter().any(|x| x == name)
    }
    /// Whether `name` is an exogenous observed covariate.
    pub fn is_ov_x(&self, name: &str) -> bool {
        self.ov_x.iter().any(|x| x == name)
    }
}

/// The parameter table.
#[derive(Debug, Clone, PartialEq)]
pub struct ParTable {
    /// Rows, all groups.
    pub rows: Vec<ParRow>,
    /// Defined parameters.
    pub defined: Vec<Defined>,
    /// Constraints.
    pub constraints: Vec<Constraint>,
    /// Variable classes.
    pub vnames: Vnames,
    /// Number of groups.
    pub ngroups: usize,
    /// Whether the model has a mean structure.
    pub meanstructure: bool,
    /// Number of distinct free parameters (before linear constraints).
    pub nfree: usize,
    /// Warnings (duplicated rows ignored, ...).
    pub warnings: Vec<String>,
}

fn same_key(a_lhs: &str, a_op: Op, a_rhs: &str, b_lhs: &str, b_op: Op, b_rhs: &str) -> bool {
    a_op == b_op && ((a_lhs == b_lhs && a_rhs == b_rhs) || (a_op == Op::Covariance && a_lhs == b_rhs && a_rhs == b_lhs))
}

struct UserRow<'a> {
    flat: &'a sem_syntax::FlatRow,
}

impl ParTable {
    /// Build the table for `model` with `opts`.
    pub fn build(model: &ModelSyntax, opts: &PartableOptions) -> Result<ParTable, PartableError> {
        let vn = Vnames::from_syntax(model);
        if vn.ov.is_empty() {
            return Err(PartableError::NoObserved);
        }
        let ng = opts.ngroups.max(1);
        let mut warnings = Vec::new();

        // User rows, deduplicated.
        let mut user: Vec<UserRow> = Vec::new();
        for r in model.rows() {
            match r.op {
                Op::Threshold | Op::Scaling => {
                    return Err(PartableError::Unsupported {
                        lhs: r.lhs.clone(),
                        op: r.op.as_str().into(),
                        rhs: r.rhs.clone(),
                        why:
                            "needs ordinal data support (thresholds and scaling factors), not available in this version"
                                .into(),
                        line: r.rhs_span.line,
                        col: r.rhs_span.col,
                    })
                }
                Op::Loading if vn.is_ov_x(&r.lhs) || !vn.is_lv(&r.lhs) => {}
                _ => {}
            }
            if r.op == Op::Loading && r.lhs == r.rhs {
                return Err(PartableError::Invalid {
                    msg: format!("`{} =~ {}` makes a latent variable its own indicator.", r.lhs, r.rhs),
                    line: r.rhs_span.line,
                    col: r.rhs_span.col,
                });
            }
            if r.op == Op::Regression && r.lhs == r.rhs {
                return Err(PartableError::Invalid {
                    msg: format!("`{} ~ {}` regresses a variable on itself.", r.lhs, r.rhs),
                    line: r.rhs_span.line,
                    col: r.rhs_span.col,
                });
            }
            if user.iter().any(|u| same_key(&u.flat.lhs, u.flat.op, &u.flat.rhs, &r.lhs, r.op, &r.rhs)) {
                warnings.push(format!(
                    "Line {}: `{} {} {}` is specified twice; the second is ignored.",
                    r.rhs_span.line,
                    r.lhs,
                    r.op.as_str(),
                    r.rhs
                ));
                continue;
            }
            user.push(UserRow { flat: r });
        }

        let has_int = user.iter().any(|u| u.flat.op == Op::Intercept);
        let meanstructure = opts.meanstructure
            || ng > 1
            || has_int
            || opts.group_equal.iter().any(|g| matches!(g, GroupEqual::Intercepts | GroupEqual::Means));

        // Default rows in lavaan's order.
        let mut defaults: Vec<(String, Op, String)> = Vec::new();
        let ov_nox: Vec<String> = vn.ov.iter().filter(|s| !vn.is_ov_x(s)).cloned().collect();
        for s in ov_nox.iter().chain(&vn.lv) {
            defaults.push((s.clone(), Op::Covariance, s.clone()));
        }
        for i in 0..vn.lv_x.len() {
            for j in (i + 1)..vn.lv_x.len() {
                defaults.push((vn.lv_x[i].clone(), Op::Covariance, vn.lv_x[j].clone()));
            }
        }
        let lvov_y: Vec<String> = vn.lv_y.iter().chain(&vn.ov_y).cloned().collect();
        for i in 0..lvov_y.len() {
            for j in (i + 1)..lvov_y.len() {
                defaults.push((lvov_y[i].clone(), Op::Covariance, lvov_y[j].clone()));
            }
        }
        let nx = vn.ov_x.len();
        for j in 0..nx {
            for i in j..nx {
                defaults.push((vn.ov_x[j].clone(), Op::Covariance, vn.ov_x[i].clone()));
            }
        }
        if meanstructure {
            for s in vn.ov.iter().chain(&vn.lv) {
                defaults.push((s.clone(), Op::Intercept, String::new()));
            }
        }
        defaults.retain(|(l, o, r)| !user.iter().any(|u| same_key(&u.flat.lhs, u.flat.op, &u.flat.rhs, l, *o, r)));

        // Template rows for one group: (lhs, op, rhs, user, free, ustart, exo, span, user index).
        struct T {
            lhs: String,
            op: Op,
            rhs: String,
            user: Option<usize>,
            free: bool,
            ustart: Option<f64>,
            exo: bool,
        }
        let mut tpl: Vec<T> = user
            .iter()
            .enumerate()
            .map(|(k, u)| T {
                lhs: u.flat.lhs.clone(),
                op: u.flat.op,
                rhs: u.flat.rhs.clone(),
                user: Some(k),
                free: true,
                ustart: None,
                exo: false,
            })
            .chain(defaults.into_iter().map(|(lhs, op, rhs)| T {
                lhs,
                op,
                rhs,
                user: None,
                free: true,
                ustart: None,
                exo: false,
            }))
            .collect();

        if opts.std_lv {
            for t in tpl.iter_mut() {
                if t.op == Op::Covariance && t.lhs == t.rhs && vn.is_lv(&t.lhs) {
                    t.free = false;
                    t.ustart = Some(1.0);
                }
            }
        } else {
            let mut seen: Vec<String> = Vec::new();
            for t in tpl.iter_mut() {
                if t.op == Op::Loading && !seen.contains(&t.lhs) {
                    seen.push(t.lhs.clone());
                    t.free = false;
                    t.ustart = Some(1.0);
                }
            }
        }
        // auto.fix.single: the only indicator of a factor, not used elsewhere as indicator.
        {
            let mut count: HashMap<&str, usize> = HashMap::new();
            let mut ind_count: HashMap<&str, usize> = HashMap::new();
            for t in tpl.iter().filter(|t| t.op == Op::Loading) {
                *count.entry(t.lhs.as_str()).or_default() += 1;
                *ind_count.entry(t.rhs.as_str()).or_default() += 1;
            }
            let singles: Vec<String> = tpl
                .iter()
                .filter(|t| {
                    t.op == Op::Loading
                        && count[t.lhs.as_str()] == 1
                        && ind_count[t.rhs.as_str()] == 1
                        && !vn.is_lv(&t.rhs)
                })
                .map(|t| t.rhs.clone())
                .collect();
            for t in tpl.iter_mut() {
                if t.user.is_none() && t.op == Op::Covariance && t.lhs == t.rhs && singles.contains(&t.lhs) {
                    t.free = false;
                    t.ustart = Some(0.0);
                }
            }
        }
        if opts.orthogonal {
            for t in tpl.iter_mut() {
                if t.user.is_none() && t.op == Op::Covariance && t.lhs != t.rhs && vn.is_lv(&t.lhs) && vn.is_lv(&t.rhs)
                {
                    t.free = false;
                    t.ustart = Some(0.0);
                }
            }
        }
        if meanstructure {
            for t in tpl.iter_mut() {
                if t.user.is_none() && t.op == Op::Intercept && vn.is_lv(&t.lhs) {
                    t.free = false;
                    t.ustart = Some(0.0);
                }
            }
        }
        if opts.fixed_x {
            for t in tpl.iter_mut() {
                let exo_cov = t.op == Op::Covariance && vn.is_ov_x(&t.lhs) && vn.is_ov_x(&t.rhs);
                let exo_int = t.op == Op::Intercept && vn.is_ov_x(&t.lhs);
                if t.user.is_none() && (exo_cov || exo_int) {
                    t.free = false;
                    t.exo = true;
                }
            }
        }

        // Replicate per group and apply modifiers.
        let mut rows: Vec<ParRow> = Vec::with_capacity(tpl.len() * ng);
        for g in 1..=ng {
            for t in &tpl {
                let mut free = t.free;
                let mut ustart = t.ustart;
                let mut label = String::new();
                if g > 1 && meanstructure && t.user.is_none() && t.op == Op::Intercept && vn.is_lv(&t.lhs) {
                    let eq = &opts.group_equal;
                    if eq.contains(&GroupEqual::Intercepts) && !eq.contains(&GroupEqual::Means) {
                        free = true;
                        ustart = None;
                    }
                }
                if g > 1
                    && opts.std_lv
                    && opts.group_equal.contains(&GroupEqual::Loadings)
                    && !opts.group_equal.contains(&GroupEqual::LvVariances)
                    && t.user.is_none()
                    && t.op == Op::Covariance
                    && t.lhs == t.rhs
                    && vn.is_lv(&t.lhs)
                {
                    free = true;
                    ustart = None;
                }
                let mut span = None;
                if let Some(k) = t.user {
                    let f = user[k].flat;
                    span = Some(f.rhs_span);
                    let pick = |len: usize| -> Result<usize, PartableError> {
                        if len == 1 {
                            Ok(0)
                        } else if len == ng {
                            Ok(g - 1)
                        } else {
                            Err(PartableError::ModifierLength {
                                lhs: f.lhs.clone(),
                                op: f.op.as_str().into(),
                                rhs: f.rhs.clone(),
                                len,
                                ngroups: ng,
                                line: f.rhs_span.line,
                                col: f.rhs_span.col,
                            })
                        }
                    };
                    let m = &f.modifiers;
                    if let Some(v) = &m.fixed {
                        match v[pick(v.len())?] {
                            Some(x) => {
                                free = false;
                                ustart = Some(x);
                            }
                            None => {
                                free = true;
                                ustart = None;
                            }
                        }
                    }
                    if let Some(v) = &m.start {
                        if let Some(x) = v[pick(v.len())?] {
                            if free {
                                ustart = Some(x);
                            }
                        }
                    }
                    if let Some(v) = &m.label {
                        if let Some(l) = &v[pick(v.len())?] {
                            label = l.clone();
                        }
                    }
                }
                let id = rows.len() + 1;
                rows.push(ParRow {
                    id,
                    lhs: t.lhs.clone(),
                    op: t.op,
                    rhs: t.rhs.clone(),
                    user: t.user.is_some(),
                    group: g,
                    free: usize::from(free),
                    ustart,
                    exo: t.exo,
                    label,
                    plabel: format!(".p{id}."),
                    span,
                });
            }
        }

        // Free indices: union-find over rows tied by labels and group.equal.
        let n = rows.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(p: &mut [usize], mut i: usize) -> usize {
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        let mut by_label: HashMap<&str, usize> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            if r.free == 0 || r.label.is_empty() {
                continue;
            }
            match by_label.get(r.label.as_str()) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    by_label.insert(&r.label, i);
                }
            }
        }
        if ng > 1 && !opts.group_equal.is_empty() {
            let partial: Vec<String> =
                opts.group_partial.iter().map(|s| s.chars().filter(|c| !c.is_whitespace()).collect()).collect();
            let per = tpl.len();
            for k in 0..per {
                let r = &rows[k];
                let key = format!("{}{}{}", r.lhs, r.op.as_str(), r.rhs);
                let key_int = format!("{}~1", r.lhs);
                if partial.contains(&key) || (r.op == Op::Intercept && partial.contains(&key_int)) {
                    continue;
                }
                let lv_l = vn.is_lv(&r.lhs);
                let lv_r = vn.is_lv(&r.rhs);
                let kind = match r.op {
                    Op::Loading => Some(GroupEqual::Loadings),
                    Op::Regression => Some(GroupEqual::Regressions),
                    Op::Intercept if lv_l => Some(GroupEqual::Means),
                    Op::Intercept => Some(GroupEqual::Intercepts),
                    Op::Covariance if lv_l && lv_r && r.lhs == r.rhs => Some(GroupEqual::LvVariances),
                    Op::Covariance if lv_l && lv_r => Some(GroupEqual::LvCovariances),
                    Op::Covariance if !lv_l && !lv_r && r.lhs == r.rhs => Some(GroupEqual::Residuals),
                    Op::Covariance if !lv_l && !lv_r => Some(GroupEqual::ResidualCovariances),
                    _ => None,
                };
                let Some(kind) = kind else { continue };
                if !opts.group_equal.contains(&kind) || r.exo {
                    continue;
                }
                for g in 1..ng {
                    let j = k + g * per;
                    if rows[k].free > 0 && rows[j].free > 0 {
                        let (a, b) = (find(&mut parent, j), find(&mut parent, k));
                        parent[a] = b;
                    }
                }
            }
        }
        let mut root_index: HashMap<usize, usize> = HashMap::new();
        let mut nfree = 0;
        for i in 0..n {
            if rows[i].free > 0 {
                let root = find(&mut parent, i);
                let idx = *root_index.entry(root).or_insert_with(|| {
                    nfree += 1;
                    nfree
                });
                rows[i].free = idx;
            }
        }

        // Names usable in expressions: labels, plabels, earlier definitions.
        let mut names: HashMap<String, Ref> = HashMap::new();
        for r in &rows {
            let rf = if r.free > 0 { Ref::Free(r.free - 1) } else { Ref::Fixed(r.ustart.unwrap_or(0.0)) };
            names.entry(r.plabel.clone()).or_insert(rf);
            if !r.label.is_empty() {
                names.entry(r.label.clone()).or_insert(rf);
            }
        }
        let mut defined = Vec::new();
        let mut constraints = Vec::new();
        let compile_err = |e: CompileError, context: &str| match e {
            CompileError::UnknownName(name, s) => {
                PartableError::UnknownName { name, context: context.into(), line: s.line, col: s.col }
            }
            CompileError::BadCall(name, s) => {
                PartableError::BadFunction { name, context: context.into(), line: s.line, col: s.col }
            }
        };
        for st in &model.statements {
            match st {
                Statement::Define(d) => {
                    let context = format!("{} := {}", d.name, d.text);
                    if names.contains_key(&d.name) {
                        return Err(PartableError::NameClash {
                            name: d.name.clone(),
                            what: "a parameter label".into(),
                            line: d.span.line,
                            col: d.span.col,
                        });
                    }
                    if vn.ov.contains(&d.name) || vn.is_lv(&d.name) {
                        return Err(PartableError::NameClash {
                            name: d.name.clone(),
                            what: "a variable of the model".into(),
                            line: d.span.line,
                            col: d.span.col,
                        });
                    }
                    let e =
                        CExpr::compile(&d.expr, &|s| names.get(s).copied()).map_err(|e| compile_err(e, &context))?;
                    names.insert(d.name.clone(), Ref::Defined(defined.len()));
                    defined.push(Defined { name: d.name.clone(), text: d.text.clone(), expr: e });
                }
                Statement::Constrain(c) => {
                    let context = format!("{} {} {}", c.lhs_text, c.op.as_str(), c.rhs_text);
                    let l = CExpr::compile(&c.lhs, &|s| names.get(s).copied()).map_err(|e| compile_err(e, &context))?;
                    let r = CExpr::compile(&c.rhs, &|s| names.get(s).copied()).map_err(|e| compile_err(e, &context))?;
                    let expr = CExpr::Bin(sem_syntax::BinOp::Sub, Box::new(l), Box::new(r));
                    if !expr.is_linear() {
                        return Err(PartableError::Nonlinear { text: context, line: c.span.line, col: c.span.col });
                    }
                    if expr.is_constant() {
                        return Err(PartableError::Invalid {
                            msg: format!("the constraint `{context}` involves no free parameter."),
                            line: c.span.line,
                            col: c.span.col,
                        });
                    }
                    constraints.push(Constraint {
                        op: c.op,
                        lhs_text: c.lhs_text.clone(),
                        rhs_text: c.rhs_text.clone(),
                        expr,
                    });
                }
                Statement::Relation(_) => {}
            }
        }

        Ok(ParTable { rows, defined, constraints, vnames: vn, ngroups: ng, meanstructure, nfree, warnings })
    }

    /// Rows of group `g` (1-based).
    pub fn group_rows(&self, g: usize) -> impl Iterator<Item = &ParRow> {
        self.rows.iter().filter(move |r| r.group == g)
    }

    /// Number of sample moments per group: $p^* = p(p+1)/2$ (+ $p$ with means), minus the moments
    /// of fixed exogenous covariates.
    pub fn ndat_per_group(&self) -> usize {
        let p = self.vnames.ov.len();
        let px = if self.rows.iter().any(|r| r.exo) { self.vnames.ov_x.len() } else { 0 };
        let mut n = p * (p + 1) / 2 - px * (px + 1) / 2;
        if self.meanstructure {
            n += p - px;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(src: &str, opts: &PartableOptions) -> ParTable {
        ParTable::build(&sem_syntax::parse(src).unwrap(), opts).unwrap()
    }

    fn find<'a>(t: &'a ParTable, lhs: &str, op: Op, rhs: &str) -> Option<&'a ParRow> {
        t.rows.iter().find(|r| r.lhs == lhs && r.op == op && r.rhs == rhs)
    }

    #[test]
    fn cfa_defaults_match_lavaan() {
        let t = table("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", &Default::default());
        // 9 loadings + 9 residual variances + 3 lv variances + 3 lv covariances
        assert_eq!(t.rows.len(), 24);
        assert_eq!(t.nfree, 21);
        assert_eq!(find(&t, "visual", Op::Loading, "x1").unwrap().free, 0);
        assert!(find(&t, "visual", Op::Covariance, "textual").unwrap().free > 0);
        assert_eq!(t.ndat_per_group(), 45);
        let s = table(
            "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6",
            &PartableOptions { std_lv: true, ..Default::default() },
        );
        assert!(find(&s, "visual", Op::Loading, "x1").unwrap().free > 0);
        assert_eq!(find(&s, "visual", Op::Covariance, "visual").unwrap().ustart, Some(1.0));
    }

    #[test]
    fn regressions_and_fixed_x() {
        let t = table("textual =~ x4 + x5 + x6\nx7 ~ textual + x1 + x2\nx8 ~ x7 + x1\nx9 ~ x1", &Default::default());
        assert_eq!(t.vnames.ov_x, vec!["x1", "x2"]);
        assert_eq!(t.vnames.ov_y, vec!["x8", "x9"]);
        // only automatic covariance among y is x8 ~~ x9
        assert!(find(&t, "x8", Op::Covariance, "x9").is_some());
        assert!(find(&t, "x7", Op::Covariance, "x8").is_none());
        assert!(find(&t, "textual", Op::Covariance, "x1").is_none());
        let exo: Vec<_> = t.rows.iter().filter(|r| r.exo).collect();
        assert_eq!(exo.len(), 3);
        assert_eq!(t.nfree, 16);
        assert_eq!(t.ndat_per_group(), 36 - 3);
    }

    #[test]
    fn labels_share_parameters_and_defined() {
        let t = table(
            "dem60 =~ y1 + a*y2 + b*y3\ndem65 =~ y5 + a*y6 + b*y7\ndem65 ~ c*dem60\nind := a*c\n a == 2*b",
            &Default::default(),
        );
        assert_eq!(
            find(&t, "dem60", Op::Loading, "y2").unwrap().free,
            find(&t, "dem65", Op::Loading, "y6").unwrap().free
        );
        assert_eq!(t.defined.len(), 1);
        assert_eq!(t.defined[0].text, "a*c");
        assert_eq!(t.constraints.len(), 1);
        let e = ParTable::build(&sem_syntax::parse("f =~ x1 + a*x2 + x3\nd := a*zz").unwrap(), &Default::default())
            .unwrap_err();
        assert!(e.to_string().contains("`zz` in `d := a*zz`"), "{e}");
        let e = ParTable::build(&sem_syntax::parse("f =~ x1 + a*x2 + b*x3\na == b^2").unwrap(), &Default::default())
            .unwrap_err();
        assert!(matches!(e, PartableError::Nonlinear { .. }), "{e}");
    }

    #[test]
    fn modifiers_override_defaults() {
        let t = table("f =~ NA*x1 + 1*x2 + start(0.5)*x3\nf ~~ 1*f", &Default::default());
        assert!(find(&t, "f", Op::Loading, "x1").unwrap().free > 0);
        assert_eq!(find(&t, "f", Op::Loading, "x2").unwrap().ustart, Some(1.0));
        assert_eq!(find(&t, "f", Op::Loading, "x3").unwrap().ustart, Some(0.5));
        assert_eq!(find(&t, "f", Op::Covariance, "f").unwrap().free, 0);
    }

    #[test]
    fn groups_and_group_equal() {
        let opts = PartableOptions {
            ngroups: 2,
            group_equal: vec![GroupEqual::Loadings, GroupEqual::Intercepts],
            ..Default::default()
        };
        let t = table("f =~ x1 + x2 + x3", &opts);
        assert!(t.meanstructure);
        let l: Vec<_> = t.rows.iter().filter(|r| r.op == Op::Loading && r.rhs == "x2").collect();
        assert_eq!(l[0].free, l[1].free);
        // lv mean freed in group 2
        let m: Vec<_> = t.rows.iter().filter(|r| r.op == Op::Intercept && r.lhs == "f").collect();
        assert_eq!(m[0].free, 0);
        assert!(m[1].free > 0);
        let e = ParTable::build(&sem_syntax::parse("f =~ x1 + c(a,b,c)*x2 + x3").unwrap(), &opts).unwrap_err();
        assert!(matches!(e, PartableError::ModifierLength { len: 3, ngroups: 2, .. }));
    }

    #[test]
    fn single_indicator_residual_fixed() {
        let t = table("f =~ x1 + x2 + x3\ng =~ x4\ng ~ f", &Default::default());
        assert_eq!(find(&t, "x4", Op::Covariance, "x4").unwrap().ustart, Some(0.0));
    }
}
