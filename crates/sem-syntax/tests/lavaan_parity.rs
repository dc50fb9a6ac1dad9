//! Parity with lavaan 0.6.14's `lavParseModelString()`: every model in `data/lavaan_models.lav`
//! must give the flat table lavaan gave, in `data/lavaan_flat.tsv` (written by
//! `data/lavaan_flat.R`; see that script for how to regenerate it).

use sem_syntax::{parse, ModelSyntax, Statement};

const MODELS: &str = include_str!("data/lavaan_models.lav");
const REFERENCE: &str = include_str!("data/lavaan_flat.tsv");

/// One flat-table line: lhs, op, rhs, fixed, start, label (vectors joined with `;`).
#[derive(Debug)]
struct Line {
    cells: [String; 6],
}

fn models() -> Vec<(String, String)> {
    let mut out: Vec<(String, Vec<&str>)> = Vec::new();
    for line in MODELS.lines() {
        match (line.strip_prefix("### "), out.last_mut()) {
            (Some(name), _) => out.push((name.to_string(), Vec::new())),
            (None, Some((_, body))) => body.push(line),
            (None, None) => panic!("models file must start with a `### name` line"),
        }
    }
    out.into_iter().map(|(name, body)| (name, body.join("\n"))).collect()
}

fn reference(model: &str) -> Vec<Line> {
    REFERENCE
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            assert_eq!(cells.len(), 7, "bad reference line {l:?}");
            (cells[0] == model).then(|| Line { cells: std::array::from_fn(|i| cells[i + 1].to_string()) })
        })
        .collect()
}

fn join<T>(values: &Option<Vec<Option<T>>>, show: impl Fn(&T) -> String) -> String {
    values.as_ref().map_or_else(String::new, |v| {
        v.iter().map(|x| x.as_ref().map_or_else(|| "NA".to_string(), &show)).collect::<Vec<_>>().join(";")
    })
}

/// Our table in lavaan's layout: rows first, then `:=` and constraints in source order.
fn ours(m: &ModelSyntax) -> Vec<Line> {
    let mut out: Vec<Line> = m
        .rows()
        .map(|r| Line {
            cells: [
                r.lhs.clone(),
                r.op.as_str().to_string(),
                r.rhs.clone(),
                join(&r.modifiers.fixed, f64::to_string),
                join(&r.modifiers.start, f64::to_string),
                join(&r.modifiers.label, String::clone),
            ],
        })
        .collect();
    for s in &m.statements {
        let (lhs, op, rhs) = match s {
            Statement::Relation(_) => continue,
            Statement::Define(d) => (d.name.clone(), ":=", d.text.clone()),
            Statement::Constrain(c) => (c.lhs_text.clone(), c.op.as_str(), c.rhs_text.clone()),
        };
        out.push(Line { cells: [lhs, op.to_string(), rhs, String::new(), String::new(), String::new()] });
    }
    out
}

/// Numbers cells agree when every element does: `NA` with `NA`, numbers within 1e-12 relative.
/// lavaan's values were written with 17 significant digits, so they read back exactly; the
/// tolerance only guards against a different but equally correct decimal rendering.
fn same_numbers(a: &str, b: &str) -> bool {
    let (xs, ys): (Vec<&str>, Vec<&str>) = (a.split(';').collect(), b.split(';').collect());
    xs.len() == ys.len()
        && xs.iter().zip(&ys).all(|(x, y)| match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(x), Ok(y)) => (x - y).abs() <= 1e-12 * x.abs().max(1.0),
            _ => x == y,
        })
}

#[test]
fn every_reference_model_matches_lavaan() {
    let models = models();
    assert_eq!(models.len(), 11);
    for (name, text) in &models {
        let expected = reference(name);
        assert!(!expected.is_empty(), "no reference rows for `{name}`");
        let m = match parse(text) {
            Ok(m) => m,
            Err(e) => panic!("`{name}` did not parse:\n{e}"),
        };
        let got = ours(&m);
        assert_eq!(got.len(), expected.len(), "`{name}`: {got:#?}\nvs lavaan {expected:#?}");
        for (g, e) in got.iter().zip(&expected) {
            let [gl, go, gr, gf, gs, glab] = &g.cells;
            let [el, eo, er, ef, es, elab] = &e.cells;
            let same = gl == el && go == eo && gr == er && glab == elab;
            assert!(same && same_numbers(gf, ef) && same_numbers(gs, es), "`{name}`: ours {g:?}\nlavaan {e:?}");
        }
        // Printing and parsing again keeps the table.
        let again = parse(&m.to_string()).map(|m| ours(&m));
        let cells = |lines: &[Line]| lines.iter().map(|l| l.cells.clone()).collect::<Vec<_>>();
        assert_eq!(again.as_deref().map(cells), Ok(cells(&got)), "`{name}` printed as:\n{m}");
    }
}

/// Where lavaan 0.6.14 itself misreads a construct, `sem-syntax` follows its documented grammar.
/// Each case says what `lavParseModelString()` gives instead (checked in R 4.2 with lavaan 0.6.14).
#[test]
fn deliberate_differences_from_lavaan_0_6_14() {
    let one = |src: &str| match parse(src) {
        Ok(m) => m.rows().next().map(|r| r.modifiers.clone()).unwrap_or_default(),
        Err(e) => panic!("{e}"),
    };
    // lavaan keeps only the label and drops the explicit `NA`.
    let m = one("y ~ NA*lab*x");
    assert_eq!((m.fixed, m.label), (Some(vec![None]), Some(vec![Some("lab".to_string())])));
    // lavaan keeps only the label and drops the start value.
    let m = one("y ~ a2*start(0.5)*x");
    assert_eq!((m.start, m.label), (Some(vec![Some(0.5)]), Some(vec![Some("a2".to_string())])));
    // lavaan fails: "evaluating modifier failed: *()*".
    let m = one("y ~ 2*start(3)*x");
    assert_eq!((m.fixed, m.start), (Some(vec![Some(2.0)]), Some(vec![Some(3.0)])));
    // lavaan gives the single label `k` (so the same label in every group).
    assert_eq!(one("y ~ c(k, NA)*x").label, Some(vec![Some("k".to_string()), None]));
    // lavaan reads `a*b*x` as the labels c(a, b), `1*2*x` as fixed 2, accepts thresholds out of
    // order and ignores modifiers on the left; all four are errors here.
    for src in ["y ~ a*b*x", "y ~ 1*2*x", "u | t2 + t1", "a*y ~ x"] {
        assert!(parse(src).is_err(), "{src}");
    }
    // lavaan takes `!` as a comment only at the start of a line (and fails on `a =~ x1 ! c`).
    assert_eq!(parse("a =~ x1 ! c").map(|m| m.rows().count()), Ok(1));
}
