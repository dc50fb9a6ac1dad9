//! Evaluation of `:=` and constraint expressions, with exact gradients by forward-mode
//! differentiation (lavaan uses complex-step differentiation, which is exact to rounding for the
//! same expressions).
use sem_syntax::{BinOp, Expr};

/// What a name in an expression refers to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ref {
    /// A free parameter (0-based index into the free vector).
    Free(usize),
    /// A fixed value.
    Fixed(f64),
    /// An earlier defined parameter (0-based index into the definitions).
    Defined(usize),
}

/// Functions allowed in expressions.
pub const FUNCTIONS: &[&str] = &["exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh"];

/// A compiled expression: the syntax tree with every name resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum CExpr {
    /// A constant.
    Num(f64),
    /// A resolved name.
    Ref(Ref),
    /// Negation.
    Neg(Box<CExpr>),
    /// Binary operation.
    Bin(BinOp, Box<CExpr>, Box<CExpr>),
    /// Function call (one argument).
    Call(String, Box<CExpr>),
}

/// Why an expression could not be compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum CompileError {
    /// A name that is not a label, a plabel or an earlier definition.
    UnknownName(String, sem_syntax::Span),
    /// An unsupported function or wrong arity.
    BadCall(String, sem_syntax::Span),
}

impl CExpr {
    /// Resolve the names of `e` with `lookup`.
    pub fn compile(e: &Expr, lookup: &dyn Fn(&str) -> Option<Ref>) -> Result<CExpr, CompileError> {
        Ok(match e {
            Expr::Num(v) => CExpr::Num(*v),
            Expr::Var { name, span } => {
                CExpr::Ref(lookup(name).ok_or_else(|| CompileError::UnknownName(name.clone(), *span))?)
            }
            Expr::Neg(x) => CExpr::Neg(Box::new(CExpr::compile(x, lookup)?)),
            Expr::Bin { op, lhs, rhs } => {
                CExpr::Bin(*op, Box::new(CExpr::compile(lhs, lookup)?), Box::new(CExpr::compile(rhs, lookup)?))
            }
            Expr::Call { func, args, span } => {
                if !FUNCTIONS.contains(&func.as_str()) || args.len() != 1 {
                    return Err(CompileError::BadCall(func.clone(), *span));
                }
                CExpr::Call(func.clone(), Box::new(CExpr::compile(&args[0], lookup)?))
            }
        })
    }

    /// Value and gradient with respect to the free vector `x` (length `q`). `defs` holds the
    /// values and gradients of earlier definitions.
    pub fn eval_grad(&self, x: &[f64], defs: &[(f64, Vec<f64>)]) -> (f64, Vec<f64>) {
        let q = x.len();
        match self {
            CExpr::Num(v) => (*v, vec![0.0; q]),
            CExpr::Ref(Ref::Fixed(v)) => (*v, vec![0.0; q]),
            CExpr::Ref(Ref::Free(i)) => {
                let mut g = vec![0.0; q];
                g[*i] = 1.0;
                (x[*i], g)
            }
            CExpr::Ref(Ref::Defined(k)) => defs[*k].clone(),
            CExpr::Neg(a) => {
                let (v, g) = a.eval_grad(x, defs);
                (-v, g.into_iter().map(|d| -d).collect())
            }
            CExpr::Bin(op, a, b) => {
                let (va, ga) = a.eval_grad(x, defs);
                let (vb, gb) = b.eval_grad(x, defs);
                let (v, da, db) = match op {
                    BinOp::Add => (va + vb, 1.0, 1.0),
                    BinOp::Sub => (va - vb, 1.0, -1.0),
                    BinOp::Mul => (va * vb, vb, va),
                    BinOp::Div => (va / vb, 1.0 / vb, -va / (vb * vb)),
                    BinOp::Pow => {
                        let v = va.powf(vb);
                        let da = if vb == 0.0 { 0.0 } else { vb * va.powf(vb - 1.0) };
                        let db = if va > 0.0 { v * va.ln() } else { 0.0 };
                        (v, da, db)
                    }
                };
                (v, ga.iter().zip(&gb).map(|(x, y)| da * x + db * y).collect())
            }
            CExpr::Call(f, a) => {
                let (va, ga) = a.eval_grad(x, defs);
                let (v, d) = match f.as_str() {
                    "exp" => (va.exp(), va.exp()),
                    "log" => (va.ln(), 1.0 / va),
                    "sqrt" => (va.sqrt(), 0.5 / va.sqrt()),
                    "abs" => (va.abs(), va.signum()),
                    "sin" => (va.sin(), va.cos()),
                    "cos" => (va.cos(), -va.sin()),
                    "tan" => (va.tan(), 1.0 / va.cos().powi(2)),
                    _ => (va.tanh(), 1.0 - va.tanh().powi(2)),
                };
                (v, ga.into_iter().map(|g| d * g).collect())
            }
        }
    }

    /// Value only.
    pub fn eval(&self, x: &[f64], defs: &[f64]) -> f64 {
        match self {
            CExpr::Num(v) => *v,
            CExpr::Ref(Ref::Fixed(v)) => *v,
            CExpr::Ref(Ref::Free(i)) => x[*i],
            CExpr::Ref(Ref::Defined(k)) => defs[*k],
            CExpr::Neg(a) => -a.eval(x, defs),
            CExpr::Bin(op, a, b) => {
                let (va, vb) = (a.eval(x, defs), b.eval(x, defs));
                match op {
                    BinOp::Add => va + vb,
                    BinOp::Sub => va - vb,
                    BinOp::Mul => va * vb,
                    BinOp::Div => va / vb,
                    BinOp::Pow => va.powf(vb),
                }
            }
            CExpr::Call(f, a) => {
                let v = a.eval(x, defs);
                match f.as_str() {
                    "exp" => v.exp(),
                    "log" => v.ln(),
                    "sqrt" => v.sqrt(),
                    "abs" => v.abs(),
                    "sin" => v.sin(),
                    "cos" => v.cos(),
                    "tan" => v.tan(),
                    _ => v.tanh(),
                }
            }
        }
    }

    /// Whether the expression depends on any free parameter or definition.
    pub fn is_constant(&self) -> bool {
        match self {
            CExpr::Num(_) | CExpr::Ref(Ref::Fixed(_)) => true,
            CExpr::Ref(_) => false,
            CExpr::Neg(a) | CExpr::Call(_, a) => a.is_constant(),
            CExpr::Bin(_, a, b) => a.is_constant() && b.is_constant(),
        }
    }

    /// Whether the expression is affine in the free parameters (and uses no definitions).
    pub fn is_linear(&self) -> bool {
        match self {
            CExpr::Num(_) | CExpr::Ref(Ref::Fixed(_)) | CExpr::Ref(Ref::Free(_)) => true,
            CExpr::Ref(Ref::Defined(_)) => false,
            CExpr::Neg(a) => a.is_linear(),
            CExpr::Call(_, a) => a.is_constant(),
            CExpr::Bin(op, a, b) => match op {
                BinOp::Add | BinOp::Sub => a.is_linear() && b.is_linear(),
                BinOp::Mul => (a.is_constant() && b.is_linear()) || (b.is_constant() && a.is_linear()),
                BinOp::Div => a.is_linear() && b.is_constant(),
                BinOp::Pow => a.is_constant() && b.is_constant(),
            },
        }
    }
}
