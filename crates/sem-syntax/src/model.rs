//! The parsed model: flat rows, definitions, constraints, and their canonical printing.

use std::fmt::{self, Display, Formatter, Write as _};

use crate::lexer::is_name_byte;

/// 1-based line and column of the first character, byte offset and byte length in the source.
///
/// Columns count characters (Unicode scalar values), not bytes, so that a caret drawn under the
/// source line lands under the right character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// 1-based line of the first character.
    pub line: usize,
    /// 1-based column (in characters) of the first character.
    pub col: usize,
    /// Byte offset of the first character in the source.
    pub offset: usize,
    /// Length in bytes; a span may run over several lines (a term continued after `*`).
    pub len: usize,
}

/// The operators of lavaan's model syntax, named after what they mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=~`: the latent variable on the left is measured by the indicators on the right.
    Loading,
    /// `~`: the left side is regressed on the right side.
    Regression,
    /// `~~`: (residual) variance or covariance.
    Covariance,
    /// `~ 1`: intercept (or mean) of the left side; its row has `rhs == ""`.
    Intercept,
    /// `|`: thresholds `t1`, `t2`, ... of an ordinal variable.
    Threshold,
    /// `~*~`: scaling factor of an ordinal variable.
    Scaling,
    /// `:=`: a defined (derived) parameter.
    Defined,
    /// `==`: equality constraint.
    Equal,
    /// `<`: inequality constraint, left smaller than right.
    Less,
    /// `>`: inequality constraint, left greater than right.
    Greater,
}

impl Op {
    /// lavaan's spelling of the operator, as stored in the `op` column of a parameter table.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Loading => "=~",
            Op::Regression => "~",
            Op::Covariance => "~~",
            Op::Intercept => "~1",
            Op::Threshold => "|",
            Op::Scaling => "~*~",
            Op::Defined => ":=",
            Op::Equal => "==",
            Op::Less => "<",
            Op::Greater => ">",
        }
    }
}

impl Display for Op {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Modifiers of one term. Each is a per-group vector: a scalar modifier gives a vector of length 1
/// (meaning: the same for every group); `c(a, b)*x` gives length 2. `None` elements are lavaan's NA.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Modifiers {
    /// Fixed values: `0.5*x`, `c(1, NA)*x`; `NA*x` gives `Some(vec![None])` (explicitly free).
    pub fixed: Option<Vec<Option<f64>>>,
    /// Start values: `start(0.3)*x`, `start(c(0.3, 0.5))*x`, `0.3?x`.
    pub start: Option<Vec<Option<f64>>>,
    /// Labels: `a*x`, `"a"*x`, `label("a")*x`, `equal("a")*x`, `c(a1, a2)*x`, `c(a, NA)*x`.
    pub label: Option<Vec<Option<String>>>,
}

impl Modifiers {
    /// True when the term carries no modifier at all.
    pub fn is_empty(&self) -> bool {
        self.fixed.is_none() && self.start.is_none() && self.label.is_none()
    }
}

/// Prints the modifiers as a prefix ending in `*` (`0.5*start(0.3)*a*`), fixed first, then start,
/// then label; nothing when there are none. Values must be finite, vectors non-empty and labels
/// free of line breaks for the text to parse again.
impl Display for Modifiers {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(fixed) = &self.fixed {
            write_numbers(f, fixed)?;
            f.write_char('*')?;
        }
        if let Some(start) = &self.start {
            f.write_str("start(")?;
            write_numbers(f, start)?;
            f.write_str(")*")?;
        }
        if let Some(label) = &self.label {
            // An all-NA vector written bare (`NA`, `c(NA,NA)`) would read back as fixed values.
            let wrap = label.iter().all(Option::is_none);
            if wrap {
                f.write_str("label(")?;
            }
            write_vector(f, label, |f, s| write_label(f, s))?;
            if wrap {
                f.write_char(')')?;
            }
            f.write_char('*')?;
        }
        Ok(())
    }
}

fn write_numbers(f: &mut Formatter<'_>, values: &[Option<f64>]) -> fmt::Result {
    write_vector(f, values, |f, v| write!(f, "{v}"))
}

/// Writes `v` for one element, `c(v1,v2)` for several, with `NA` for missing elements.
fn write_vector<T>(
    f: &mut Formatter<'_>,
    values: &[Option<T>],
    write_one: impl Fn(&mut Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    let one = |f: &mut Formatter<'_>, v: &Option<T>| match v {
        Some(v) => write_one(f, v),
        None => f.write_str("NA"),
    };
    match values {
        [single] => one(f, single),
        _ => {
            f.write_str("c(")?;
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    f.write_char(',')?;
                }
                one(f, v)?;
            }
            f.write_char(')')
        }
    }
}

/// A label is written bare when it reads back as the same identifier, quoted otherwise.
fn write_label(f: &mut Formatter<'_>, label: &str) -> fmt::Result {
    if is_identifier(label) && label != "NA" {
        return f.write_str(label);
    }
    f.write_char('"')?;
    for c in label.chars() {
        if c == '"' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

/// `[A-Za-z.][A-Za-z0-9._]*`, where a leading `.` must not be followed by a digit (that is a number).
pub(crate) fn is_identifier(s: &str) -> bool {
    match s.as_bytes() {
        [] => false,
        [first, rest @ ..] => {
            (first.is_ascii_alphabetic() || (*first == b'.' && !rest.first().is_some_and(u8::is_ascii_digit)))
                && rest.iter().all(|&c| is_name_byte(c))
        }
    }
}

/// One flattened relation: `y1 + y2 ~ x1 + x2` gives four rows, in source order (lhs-major).
#[derive(Debug, Clone, PartialEq)]
pub struct FlatRow {
    /// Left-hand side variable.
    pub lhs: String,
    /// Operator: one of `Loading`, `Regression`, `Covariance`, `Intercept`, `Threshold`, `Scaling`.
    pub op: Op,
    /// Right-hand side: `""` for [`Op::Intercept`] (as in lavaan), `"t1"`, `"t2"`, ... for thresholds.
    pub rhs: String,
    /// Modifiers written on the right-hand term.
    pub modifiers: Modifiers,
    /// Where the left-hand name is.
    pub lhs_span: Span,
    /// Where the right-hand term is, modifiers included.
    pub rhs_span: Span,
}

/// Prints the row as one lavaan statement: `y ~ a*x`, `y ~ 0*1`, `u | t1`.
impl Display for FlatRow {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (op, rhs) = match self.op {
            Op::Intercept => ("~", "1"),
            op => (op.as_str(), self.rhs.as_str()),
        };
        write!(f, "{} {} {}{}", self.lhs, op, self.modifiers, rhs)
    }
}

/// Arithmetic expression in `:=` and constraints.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number literal (never negative when parsed: `-2` is `Neg(Num(2))`).
    Num(f64),
    /// A parameter label or variable name.
    Var {
        /// The name.
        name: String,
        /// Where it is.
        span: Span,
    },
    /// Unary minus.
    Neg(Box<Expr>),
    /// Binary operation.
    Bin {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// Function call `f(args)`; which functions exist is for the evaluator to decide.
    Call {
        /// Function name.
        func: String,
        /// Arguments in order.
        args: Vec<Expr>,
        /// From the name to the closing parenthesis.
        span: Span,
    },
}

/// Binary arithmetic operators, by increasing precedence: `+ -`, `* /`, `^` (right-associative).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^`
    Pow,
}

impl BinOp {
    /// The operator's symbol.
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
        }
    }
}

/// Binding strength used by the printer: sums 1, products 2, unary minus 3, powers 4, atoms 5.
fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Bin { op: BinOp::Add | BinOp::Sub, .. } => 1,
        Expr::Bin { op: BinOp::Mul | BinOp::Div, .. } => 2,
        Expr::Neg(_) => 3,
        Expr::Bin { op: BinOp::Pow, .. } => 4,
        Expr::Num(_) | Expr::Var { .. } | Expr::Call { .. } => 5,
    }
}

impl Expr {
    /// A variable without a source location, for building expressions in code.
    pub fn var(name: impl Into<String>) -> Expr {
        Expr::Var { name: name.into(), span: Span::default() }
    }

    /// The binary operation `lhs op rhs`.
    pub fn bin(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
        Expr::Bin { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }
    }

    /// The same expression with every span set to `Span::default()`.
    pub fn strip_spans(&self) -> Expr {
        match self {
            Expr::Num(v) => Expr::Num(*v),
            Expr::Var { name, .. } => Expr::Var { name: name.clone(), span: Span::default() },
            Expr::Neg(e) => Expr::Neg(Box::new(e.strip_spans())),
            Expr::Bin { op, lhs, rhs } => {
                Expr::Bin { op: *op, lhs: Box::new(lhs.strip_spans()), rhs: Box::new(rhs.strip_spans()) }
            }
            Expr::Call { func, args, .. } => Expr::Call {
                func: func.clone(),
                args: args.iter().map(Expr::strip_spans).collect(),
                span: Span::default(),
            },
        }
    }
}

/// Canonical, whitespace-free text with the fewest parentheses that parse back to the same tree
/// (left-associative `+ - * /`, right-associative `^`, unary minus binding tighter than `*` and
/// looser than `^`, as in R).
impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let wrapped = |f: &mut Formatter<'_>, e: &Expr, parens: bool| {
            if parens {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        };
        match self {
            Expr::Num(v) => write!(f, "{v}"),
            Expr::Var { name, .. } => f.write_str(name),
            Expr::Neg(e) => {
                f.write_char('-')?;
                wrapped(f, e, precedence(e) < 3)
            }
            Expr::Bin { op, lhs, rhs } => {
                let own = precedence(self);
                let (left_parens, right_parens) = match op {
                    BinOp::Pow => (precedence(lhs) <= own, precedence(rhs) < 3),
                    _ => (precedence(lhs) < own, precedence(rhs) <= own),
                };
                wrapped(f, lhs, left_parens)?;
                f.write_str(op.as_str())?;
                wrapped(f, rhs, right_parens)
            }
            Expr::Call { func, args, .. } => {
                write!(f, "{func}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_char(')')
            }
        }
    }
}

/// `name := expr`. `text` is the expression source with all whitespace removed (lavaan stores rhs
/// that way, e.g. `"a*b"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The defined parameter's name.
    pub name: String,
    /// The parsed expression.
    pub expr: Expr,
    /// The expression's source without whitespace or comments.
    pub text: String,
    /// The whole statement.
    pub span: Span,
}

impl Display for Definition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} := ", self.name)?;
        write_expr_text(f, &self.text, &self.expr)
    }
}

/// `lhs == rhs`, `lhs < rhs`, `lhs > rhs`; texts are whitespace-free sources of each side.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// `Op::Equal`, `Op::Less` or `Op::Greater`.
    pub op: Op,
    /// Left side.
    pub lhs: Expr,
    /// Right side.
    pub rhs: Expr,
    /// Left side's source without whitespace.
    pub lhs_text: String,
    /// Right side's source without whitespace.
    pub rhs_text: String,
    /// The whole statement.
    pub span: Span,
}

impl Display for Constraint {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr_text(f, &self.lhs_text, &self.lhs)?;
        write!(f, " {} ", self.op)?;
        write_expr_text(f, &self.rhs_text, &self.rhs)
    }
}

/// The source text is what the user wrote and reads back to the same tree; a hand-built value
/// without text falls back to the canonical printing of the tree.
fn write_expr_text(f: &mut Formatter<'_>, text: &str, expr: &Expr) -> fmt::Result {
    if text.is_empty() {
        write!(f, "{expr}")
    } else {
        f.write_str(text)
    }
}

/// A statement in source order, so the caller can keep lavaan's row order.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `=~ ~ ~~ ~*~ |` statements, flattened to rows.
    Relation(Vec<FlatRow>),
    /// `name := expr`.
    Define(Definition),
    /// `==`, `<`, `>`.
    Constrain(Constraint),
}

/// A parsed model: its statements in source order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelSyntax {
    /// Statements in source order.
    pub statements: Vec<Statement>,
}

impl ModelSyntax {
    /// All relation rows, in source order.
    pub fn rows(&self) -> impl Iterator<Item = &FlatRow> {
        self.statements.iter().flat_map(|s| match s {
            Statement::Relation(rows) => rows.as_slice(),
            _ => &[],
        })
    }

    /// All `:=` definitions, in source order.
    pub fn definitions(&self) -> impl Iterator<Item = &Definition> {
        self.statements.iter().filter_map(|s| match s {
            Statement::Define(d) => Some(d),
            _ => None,
        })
    }

    /// All `==`, `<`, `>` constraints, in source order.
    pub fn constraints(&self) -> impl Iterator<Item = &Constraint> {
        self.statements.iter().filter_map(|s| match s {
            Statement::Constrain(c) => Some(c),
            _ => None,
        })
    }

    /// The same model with every span set to `Span::default()`, for comparing models that were
    /// written differently.
    pub fn strip_spans(&self) -> ModelSyntax {
        let statements = self
            .statements
            .iter()
            .map(|s| match s {
                Statement::Relation(rows) => Statement::Relation(
                    rows.iter()
                        .map(|r| FlatRow { lhs_span: Span::default(), rhs_span: Span::default(), ..r.clone() })
                        .collect(),
                ),
                Statement::Define(d) => {
                    Statement::Define(Definition { expr: d.expr.strip_spans(), span: Span::default(), ..d.clone() })
                }
                Statement::Constrain(c) => Statement::Constrain(Constraint {
                    lhs: c.lhs.strip_spans(),
                    rhs: c.rhs.strip_spans(),
                    span: Span::default(),
                    ..c.clone()
                }),
            })
            .collect();
        ModelSyntax { statements }
    }
}

/// Canonical lavaan syntax, one row per line; parsing it again gives equal rows, definitions and
/// constraints (spans aside). The one exception to "one row per line": the threshold rows of one
/// statement share a line (`u | t1 + t2 + t3`), because threshold names must count up from `t1`
/// within a statement.
impl Display for ModelSyntax {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for s in &self.statements {
            match s {
                Statement::Relation(rows) => {
                    let mut i = 0;
                    while i < rows.len() {
                        write!(f, "{}", rows[i])?;
                        if rows[i].op == Op::Threshold {
                            while let Some(next) =
                                rows.get(i + 1).filter(|n| n.op == Op::Threshold && n.lhs == rows[i].lhs)
                            {
                                write!(f, " + {}{}", next.modifiers, next.rhs)?;
                                i += 1;
                            }
                        }
                        f.write_char('\n')?;
                        i += 1;
                    }
                }
                Statement::Define(d) => writeln!(f, "{d}")?,
                Statement::Constrain(c) => writeln!(f, "{c}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Expr as E;

    fn var(name: &str) -> Expr {
        E::var(name)
    }

    #[test]
    fn op_spellings_match_lavaan() {
        let all = [
            (Op::Loading, "=~"),
            (Op::Regression, "~"),
            (Op::Covariance, "~~"),
            (Op::Intercept, "~1"),
            (Op::Threshold, "|"),
            (Op::Scaling, "~*~"),
            (Op::Defined, ":="),
            (Op::Equal, "=="),
            (Op::Less, "<"),
            (Op::Greater, ">"),
        ];
        for (op, text) in all {
            assert_eq!(op.as_str(), text);
            assert_eq!(op.to_string(), text);
        }
    }

    #[test]
    fn identifiers_follow_r_names() {
        for ok in ["x1", "visual", ".a", "a.b_c", "A", "."] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "1x", ".5", "_a", "a-b", "a b", "é"] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn modifiers_print_fixed_start_label_in_order() {
        let m = Modifiers {
            fixed: Some(vec![Some(0.5), None]),
            start: Some(vec![Some(0.3)]),
            label: Some(vec![Some("a".into()), Some("b c".into())]),
        };
        assert_eq!(m.to_string(), r#"c(0.5,NA)*start(0.3)*c(a,"b c")*"#);
        assert_eq!(Modifiers::default().to_string(), "");
    }

    #[test]
    fn all_missing_labels_are_wrapped_so_they_stay_labels() {
        let m = Modifiers { label: Some(vec![None]), ..Default::default() };
        assert_eq!(m.to_string(), "label(NA)*");
        let m = Modifiers { fixed: Some(vec![None]), ..Default::default() };
        assert_eq!(m.to_string(), "NA*");
    }

    #[test]
    fn labels_with_quotes_are_escaped() {
        let m = Modifiers { label: Some(vec![Some(r#"a"b\c"#.into())]), ..Default::default() };
        assert_eq!(m.to_string(), r#""a\"b\\c"*"#);
        let m = Modifiers { label: Some(vec![Some("NA".into())]), ..Default::default() };
        assert_eq!(m.to_string(), "\"NA\"*");
    }

    #[test]
    fn expressions_print_with_minimal_parentheses() {
        let e = E::bin(BinOp::Mul, E::bin(BinOp::Add, var("a"), var("b")), var("c"));
        assert_eq!(e.to_string(), "(a+b)*c");
        let e = E::bin(BinOp::Sub, var("a"), E::bin(BinOp::Sub, var("b"), var("c")));
        assert_eq!(e.to_string(), "a-(b-c)");
        let e = E::bin(BinOp::Pow, var("a"), E::bin(BinOp::Pow, var("b"), var("c")));
        assert_eq!(e.to_string(), "a^b^c");
        let e = E::bin(BinOp::Pow, E::bin(BinOp::Pow, var("a"), var("b")), var("c"));
        assert_eq!(e.to_string(), "(a^b)^c");
        let e = Expr::Neg(Box::new(E::bin(BinOp::Pow, var("a"), Expr::Num(2.0))));
        assert_eq!(e.to_string(), "-a^2");
        let e = E::bin(BinOp::Pow, Expr::Neg(Box::new(var("a"))), Expr::Num(2.0));
        assert_eq!(e.to_string(), "(-a)^2");
        let e = Expr::Call { func: "exp".into(), args: vec![var("a"), Expr::Num(0.5)], span: Span::default() };
        assert_eq!(e.to_string(), "exp(a,0.5)");
    }

    #[test]
    fn intercept_and_threshold_rows_print_as_lavaan_syntax() {
        let row = |lhs: &str, op, rhs: &str| FlatRow {
            lhs: lhs.into(),
            op,
            rhs: rhs.into(),
            modifiers: Modifiers::default(),
            lhs_span: Span::default(),
            rhs_span: Span::default(),
        };
        let m = ModelSyntax {
            statements: vec![
                Statement::Relation(vec![row("y", Op::Intercept, "")]),
                Statement::Relation(vec![row("u", Op::Threshold, "t1"), row("u", Op::Threshold, "t2")]),
            ],
        };
        assert_eq!(m.to_string(), "y ~ 1\nu | t1 + t2\n");
    }
}
