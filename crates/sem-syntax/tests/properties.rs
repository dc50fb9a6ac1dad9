//! Property tests: the parser never panics, every error points inside the text, and printing a
//! model then parsing it again gives the same model.

use proptest::prelude::*;
use sem_syntax::{
    parse, BinOp, Constraint, Definition, Expr, FlatRow, ModelSyntax, Modifiers, Op, ParseError, Span, Statement,
};

/// The error's position lies inside `src`: a real line, and a column on it or just past its end
/// (where "the end of the statement" is reported), and `source_line` is that line.
fn check_located(src: &str, e: &ParseError) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = src.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    prop_assert!(e.line >= 1 && e.line <= lines.len(), "line {} of {}: {e}", e.line, lines.len());
    let line = lines[e.line - 1];
    let width = line.chars().count();
    prop_assert!(e.col >= 1 && e.col <= width + 1, "col {} of {width}: {e}", e.col);
    prop_assert!(e.len >= 1 && e.col + e.len <= width + 2, "len {}: {e}", e.len);
    prop_assert_eq!(e.source_line.as_str(), line);
    prop_assert!(e.message.ends_with('.'), "message without a period: {}", e.message);
    let head = format!("Syntax error at line {}, column {}: ", e.line, e.col);
    prop_assert!(e.to_string().starts_with(&head));
    Ok(())
}

fn parse_checked(src: &str) -> Result<(), TestCaseError> {
    if let Err(e) = parse(src) {
        check_located(src, &e)?;
    }
    Ok(())
}

/// The characters and tokens of the grammar, plus a few it does not know.
const ALPHABET: &[&str] = &[
    "visual", "x1", "y", "t1", "t2", "a", "NA", "c", "start", "label", "equal", "exp", "1", "0.5", "-", "1e-3", ".5",
    "=~", "~", "~~", "~*~", "|", ":=", "==", "<", ">", "<~", ":", "=", "+", "*", "/", "^", "?", "(", ")", ",", ";",
    "\n", "\"a\"", "'b'", "\"", "#", "!", " ", "\t", "@", "é", "_", "%", "\\", "\r\n",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(ALPHABET), prop::sample::select(&["", " ", ""][..])), 0..40)
        .prop_map(|toks| toks.into_iter().flat_map(|(t, sep)| [t, sep]).collect())
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z.][a-zA-Z0-9._]{0,5}".prop_filter("a name, not a number or `NA`", |s| {
        s != "NA" && !(s.starts_with('.') && s[1..].starts_with(|c: char| c.is_ascii_digit()))
    })
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e3..1e3f64,
        prop::num::f64::NORMAL | prop::num::f64::ZERO | prop::num::f64::SUBNORMAL,
        prop::sample::select(&[0.0, 1.0, -1.0, 0.5, 1e-3, 2.0][..]),
    ]
}

fn numbers() -> impl Strategy<Value = Vec<Option<f64>>> {
    prop::collection::vec(prop::option::weighted(0.8, number()), 1..4)
}

fn labels() -> impl Strategy<Value = Vec<Option<String>>> {
    let label = prop_oneof![3 => name(), 1 => "[ -~]{0,6}"];
    prop::collection::vec(prop::option::weighted(0.8, label), 1..4)
}

fn modifiers() -> impl Strategy<Value = Modifiers> {
    (prop::option::of(numbers()), prop::option::of(numbers()), prop::option::of(labels()))
        .prop_map(|(fixed, start, label)| Modifiers { fixed, start, label })
}

fn row(lhs: String, op: Op, rhs: String, modifiers: Modifiers) -> FlatRow {
    FlatRow { lhs, op, rhs, modifiers, lhs_span: Span::default(), rhs_span: Span::default() }
}

fn relation() -> impl Strategy<Value = Statement> {
    let ops = prop::sample::select(&[Op::Loading, Op::Regression, Op::Covariance, Op::Scaling, Op::Intercept][..]);
    (name(), ops, name(), modifiers()).prop_map(|(lhs, op, rhs, m)| {
        let rhs = if op == Op::Intercept { String::new() } else { rhs };
        Statement::Relation(vec![row(lhs, op, rhs, m)])
    })
}

fn thresholds() -> impl Strategy<Value = Statement> {
    (name(), prop::collection::vec(modifiers(), 1..4)).prop_map(|(lhs, mods)| {
        let rows = mods
            .into_iter()
            .enumerate()
            .map(|(k, m)| row(lhs.clone(), Op::Threshold, format!("t{}", k + 1), m))
            .collect();
        Statement::Relation(rows)
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        number().prop_map(|v| Expr::Num(v.abs())),
        name().prop_map(|name| Expr::Var { name, span: Span::default() }),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        let ops = prop::sample::select(&[BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div, BinOp::Pow][..]);
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Neg(Box::new(e))),
            (ops, inner.clone(), inner.clone()).prop_map(|(op, l, r)| Expr::bin(op, l, r)),
            (name(), prop::collection::vec(inner, 0..3)).prop_map(|(func, args)| Expr::Call {
                func,
                args,
                span: Span::default()
            }),
        ]
    })
}

fn definition() -> impl Strategy<Value = Statement> {
    (name(), expr()).prop_map(|(name, expr)| {
        let text = expr.to_string();
        Statement::Define(Definition { name, expr, text, span: Span::default() })
    })
}

fn constraint() -> impl Strategy<Value = Statement> {
    let ops = prop::sample::select(&[Op::Equal, Op::Less, Op::Greater][..]);
    (ops, expr(), expr()).prop_map(|(op, lhs, rhs)| {
        let (lhs_text, rhs_text) = (lhs.to_string(), rhs.to_string());
        Statement::Constrain(Constraint { op, lhs, rhs, lhs_text, rhs_text, span: Span::default() })
    })
}

fn model() -> impl Strategy<Value = ModelSyntax> {
    let statement = prop_oneof![6 => relation(), 1 => thresholds(), 1 => definition(), 1 => constraint()];
    prop::collection::vec(statement, 1..8).prop_map(|statements| ModelSyntax { statements })
}

/// Model text in the many spellings users write: several left-hand names, modifiers in every
/// form, terms split over lines, comments and `;`.
fn model_text() -> impl Strategy<Value = (String, usize)> {
    let modifier = prop::sample::select(
        &[
            "",
            "0.5*",
            "-1*",
            "1e-3*",
            "NA*",
            "c(1, NA)*",
            "a*",
            "\"a b\"*",
            "label(\"q\")*",
            "equal('r')*",
            "start(0.5)*",
            "start(c(1,2))*",
            "0.3?",
            "NA*lab*",
            "a * start(-2) *",
            "c(g1,NA)*",
        ][..],
    );
    let term = (modifier, name());
    let plus = prop::sample::select(&[" + ", "+", " +\n    ", "\n  + ", " + # note\n  "][..]);
    let ops = prop::sample::select(&["=~", "~", "~~", "~*~"][..]);
    let relation = (prop::collection::vec(name(), 1..3), ops, prop::collection::vec((term, plus), 1..4));
    let end = prop::sample::select(&["\n", ";", " # done\n", "\n\n", " ;\n"][..]);
    prop::collection::vec((relation, end), 1..6).prop_map(|statements| {
        let mut text = String::new();
        let mut rows = 0;
        for ((lhs, op, terms), end) in statements {
            rows += lhs.len() * terms.len();
            text.push_str(&lhs.join(" + "));
            text.push_str(&format!(" {op} "));
            for (i, ((m, v), plus)) in terms.iter().enumerate() {
                if i > 0 {
                    text.push_str(plus);
                }
                text.push_str(m);
                text.push_str(v);
            }
            text.push_str(end);
        }
        (text, rows)
    })
}

/// The parts a printed model must keep: rows, definitions and constraints, without spans.
fn content(m: &ModelSyntax) -> (Vec<FlatRow>, Vec<Definition>, Vec<Constraint>) {
    let m = m.strip_spans();
    (m.rows().cloned().collect(), m.definitions().cloned().collect(), m.constraints().cloned().collect())
}

const TUTORIALS: [&str; 6] = crate::tutorial::ALL;

/// A char the mutations insert: grammar characters, letters, digits, and some non-ASCII.
fn mutation_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select("=~<>:|*?+-/^(),;\"'#!.\n\t_@%\\ ".chars().collect::<Vec<_>>()),
        prop::char::range('a', 'z'),
        prop::char::range('0', '9'),
        prop::sample::select(&['é', 'ß', '→', '\u{0}', '\u{feff}'][..]),
    ]
}

fn mutate(src: &str, edits: &[(bool, usize, char)]) -> String {
    let mut chars: Vec<char> = src.chars().collect();
    for &(insert, at, c) in edits {
        if insert {
            let at = at % (chars.len() + 1);
            chars.insert(at, c);
        } else if !chars.is_empty() {
            let at = at % chars.len();
            chars.remove(at);
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_strings(src in any::<String>()) {
        parse_checked(&src)?;
    }

    #[test]
    fn never_panics_on_grammar_characters(src in "[a-z0-9 =~<>:|*?+\\-/^(),;\"'#!.\n\t@é_%\\\\]{0,80}") {
        parse_checked(&src)?;
    }

    #[test]
    fn never_panics_on_token_soup(src in token_soup()) {
        parse_checked(&src)?;
    }

    #[test]
    fn mutated_tutorial_models_fail_inside_the_text(
        which in 0..TUTORIALS.len(),
        edits in prop::collection::vec((any::<bool>(), any::<usize>(), mutation_char()), 1..8),
    ) {
        let src = mutate(TUTORIALS[which], &edits);
        parse_checked(&src)?;
    }

    #[test]
    fn printed_generated_models_parse_back_equal(m in model()) {
        let text = m.to_string();
        match parse(&text) {
            Ok(back) => prop_assert_eq!(back.strip_spans(), m, "printed as:\n{}", text),
            Err(e) => prop_assert!(false, "printed model did not parse:\n{}\n{}", text, e),
        }
    }

    #[test]
    fn written_models_parse_print_and_parse_back_equal((text, rows) in model_text()) {
        let first = match parse(&text) {
            Ok(m) => m,
            Err(e) => return Err(TestCaseError::fail(format!("{text}\n{e}"))),
        };
        prop_assert_eq!(first.rows().count(), rows);
        let printed = first.to_string();
        prop_assert_eq!(printed.lines().count(), rows);
        match parse(&printed) {
            Ok(again) => prop_assert_eq!(content(&again), content(&first), "printed as:\n{}", printed),
            Err(e) => prop_assert!(false, "printed model did not parse:\n{}\n{}", printed, e),
        }
    }

    #[test]
    fn spans_point_at_what_they_name((text, _) in model_text()) {
        let m = parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for r in m.rows() {
            prop_assert_eq!(&text[r.lhs_span.offset..r.lhs_span.offset + r.lhs_span.len], r.lhs.as_str());
            let term = &text[r.rhs_span.offset..r.rhs_span.offset + r.rhs_span.len];
            prop_assert!(term.ends_with(r.rhs.as_str()), "{term:?} vs {:?}", r.rhs);
            let line_start = text[..r.rhs_span.offset].rfind('\n').map_or(0, |i| i + 1);
            prop_assert_eq!(text[..line_start].matches('\n').count() + 1, r.rhs_span.line);
            prop_assert_eq!(text[line_start..r.rhs_span.offset].chars().count() + 1, r.rhs_span.col);
        }
    }
}
