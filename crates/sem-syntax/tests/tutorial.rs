//! The lavaan tutorial's models parse into the rows lavaan's `lavParseModelString()` gives.

use sem_syntax::{parse, BinOp, Expr, FlatRow, ModelSyntax, Op, Span};

pub const HOLZINGER_SWINEFORD: &str = "\
# Holzinger & Swineford (1939) three-factor CFA.
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
";

pub const POLITICAL_DEMOCRACY: &str = "
  # measurement model
    ind60 =~ x1 + x2 + x3
    dem60 =~ y1 + a*y2 + b*y3 + c*y4
    dem65 =~ y5 + a*y6 + b*y7 + c*y8
  # regressions
    dem60 ~ ind60
    dem65 ~ ind60 + dem60
  # residual correlations
    y1 ~~ y5
    y2 ~~ y4 + y6
    y3 ~~ y7
    y4 ~~ y8
    y6 ~~ y8
";

pub const MEDIATION: &str = "
 # direct effect
   Y ~ c*X
 # mediator
   M ~ a*X
   Y ~ b*M
 # indirect effect (a*b)
   ab := a*b
 # total effect
   total := c + (a*b)
";

pub const GROWTH: &str = "
i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4
s =~ 0*t1 + 1*t2 + 2*t3 + 3*t4
i ~ 1; s ~ 1
t1 ~ 0*1
";

pub const MULTIGROUP: &str = "
visual  =~ x1 + 0.5*x2 + c(0.6, 0.8)*x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + c(a, b)*x9
x9 ~ c(NA, 0)*1 + start(c(1, 2))*x1
";

pub const CONSTRAINTS: &str = "
y ~ b1*x1 + b2*x2 + b3*x3
b1 == (b2 + b3)^2
b1 > exp(b2 + b3)
";

/// All tutorial models, for tests elsewhere.
pub const ALL: [&str; 6] = [HOLZINGER_SWINEFORD, POLITICAL_DEMOCRACY, MEDIATION, GROWTH, MULTIGROUP, CONSTRAINTS];

fn model(src: &str) -> ModelSyntax {
    match parse(src) {
        Ok(m) => m,
        Err(e) => panic!("tutorial model did not parse:\n{e}"),
    }
}

fn triples(m: &ModelSyntax) -> Vec<String> {
    m.rows().map(|r| format!("{} {} {}", r.lhs, r.op.as_str(), r.rhs)).collect()
}

fn labels(m: &ModelSyntax) -> Vec<String> {
    m.rows()
        .map(|r| match &r.modifiers.label {
            Some(l) => l.iter().map(|x| x.clone().unwrap_or_else(|| "NA".into())).collect::<Vec<_>>().join(","),
            None => String::new(),
        })
        .collect()
}

#[test]
fn holzinger_swineford_cfa() {
    let m = model(HOLZINGER_SWINEFORD);
    assert_eq!(
        triples(&m),
        [
            "visual =~ x1",
            "visual =~ x2",
            "visual =~ x3",
            "textual =~ x4",
            "textual =~ x5",
            "textual =~ x6",
            "speed =~ x7",
            "speed =~ x8",
            "speed =~ x9",
        ]
    );
    assert!(m.rows().all(|r| r.modifiers.is_empty()));
    let x6 = m.rows().nth(5).map(|r| (r.lhs_span, r.rhs_span));
    assert_eq!(x6, Some((Span { line: 3, col: 1, offset: 73, len: 7 }, Span { line: 3, col: 22, offset: 94, len: 2 })));
}

#[test]
fn political_democracy_sem() {
    let m = model(POLITICAL_DEMOCRACY);
    let t = triples(&m);
    assert_eq!(t.len(), 20);
    assert_eq!(t[..4], ["ind60 =~ x1", "ind60 =~ x2", "ind60 =~ x3", "dem60 =~ y1"]);
    assert_eq!(t[11..14], ["dem60 ~ ind60", "dem65 ~ ind60", "dem65 ~ dem60"]);
    assert_eq!(t[14..], ["y1 ~~ y5", "y2 ~~ y4", "y2 ~~ y6", "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8"]);
    let l = labels(&m);
    assert_eq!(l[3..11], ["", "a", "b", "c", "", "a", "b", "c"]);
    assert!(l[11..].iter().all(String::is_empty));
    let y2 = m.rows().nth(4).map(|r| r.rhs_span);
    assert_eq!(y2.map(|s| (s.line, s.col, s.len)), Some((4, 19, 4)));
}

#[test]
fn mediation_with_defined_effects() {
    let m = model(MEDIATION);
    assert_eq!(triples(&m), ["Y ~ X", "M ~ X", "Y ~ M"]);
    assert_eq!(labels(&m), ["c", "a", "b"]);
    let defs: Vec<(&str, &str)> = m.definitions().map(|d| (d.name.as_str(), d.text.as_str())).collect();
    assert_eq!(defs, [("ab", "a*b"), ("total", "c+(a*b)")]);
    let ab = m.definitions().next().map(|d| d.expr.strip_spans());
    assert_eq!(ab, Some(Expr::bin(BinOp::Mul, Expr::var("a"), Expr::var("b"))));
    assert_eq!(m.definitions().nth(1).map(|d| d.span.line), Some(10));
}

#[test]
fn growth_model_with_fixed_loadings_and_intercepts() {
    let m = model(GROWTH);
    let rows: Vec<&FlatRow> = m.rows().collect();
    assert_eq!(rows.len(), 11);
    let fixed: Vec<Option<f64>> = rows[4..8].iter().map(|r| r.modifiers.fixed.as_ref().and_then(|f| f[0])).collect();
    assert_eq!(fixed, [Some(0.0), Some(1.0), Some(2.0), Some(3.0)]);
    assert_eq!(triples(&m)[8..], ["i ~1 ", "s ~1 ", "t1 ~1 "]);
    assert_eq!(rows[10].modifiers.fixed, Some(vec![Some(0.0)]));
}

#[test]
fn multigroup_vectors() {
    let m = model(MULTIGROUP);
    let rows: Vec<&FlatRow> = m.rows().collect();
    assert_eq!(rows[1].modifiers.fixed, Some(vec![Some(0.5)]));
    assert_eq!(rows[2].modifiers.fixed, Some(vec![Some(0.6), Some(0.8)]));
    assert_eq!(rows[8].modifiers.label, Some(vec![Some("a".into()), Some("b".into())]));
    assert_eq!((rows[9].op, rows[9].rhs.as_str()), (Op::Intercept, ""));
    assert_eq!(rows[9].modifiers.fixed, Some(vec![None, Some(0.0)]));
    assert_eq!(rows[10].modifiers.start, Some(vec![Some(1.0), Some(2.0)]));
}

#[test]
fn constraints_tutorial() {
    let m = model(CONSTRAINTS);
    assert_eq!(labels(&m), ["b1", "b2", "b3"]);
    let c: Vec<String> = m.constraints().map(|c| c.to_string()).collect();
    assert_eq!(c, ["b1 == (b2+b3)^2", "b1 > exp(b2+b3)"]);
}

#[test]
fn printing_tutorial_models_gives_one_row_per_line() {
    let m = model(POLITICAL_DEMOCRACY);
    let text = m.to_string();
    assert_eq!(text.lines().count(), 20);
    assert!(text.starts_with("ind60 =~ x1\nind60 =~ x2\nind60 =~ x3\ndem60 =~ y1\ndem60 =~ a*y2\n"), "{text}");
    assert_eq!(model(MEDIATION).to_string(), "Y ~ c*X\nM ~ a*X\nY ~ b*M\nab := a*b\ntotal := c+(a*b)\n");
    for src in ALL {
        let once = model(src);
        let again = model(&once.to_string());
        assert_eq!(again.strip_spans().to_string(), once.strip_spans().to_string());
        assert_eq!(again.rows().count(), once.rows().count());
    }
}
