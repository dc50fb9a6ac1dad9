//! Every failure is located: line, column, underline length, message and the rendered caret.

use sem_syntax::{parse, ParseError};

fn err(src: &str) -> ParseError {
    match parse(src) {
        Ok(m) => panic!("{src:?} parsed:\n{m}"),
        Err(e) => e,
    }
}

/// (line, col, len, message) of the error for `src`.
fn located(src: &str) -> (usize, usize, usize, String) {
    let e = err(src);
    (e.line, e.col, e.len, e.message)
}

#[test]
fn rendered_error_has_message_source_line_and_caret() {
    let src = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual =~ x1 + * x2\n";
    assert_eq!(
        err(src).to_string(),
        "Syntax error at line 3, column 16: expected a variable name after `+`, found `*`.\n\
         \x20 visual =~ x1 + * x2\n\
         \x20                ^"
    );
}

#[test]
fn caret_underlines_the_whole_culprit() {
    let e = err("f =~ x1\n  y <~ x2 + x3");
    assert_eq!((e.line, e.col, e.len), (2, 5, 2));
    assert!(e.to_string().ends_with("\n    y <~ x2 + x3\n      ^^"), "{e}");
    assert!(e.message.contains("`<~`") && e.message.contains("not supported"));
}

#[test]
fn columns_count_characters_not_bytes() {
    // `é` is two bytes; the column must still count it as one character.
    let e = err("# café\nf =~ x1 # é\nf =~ é");
    assert_eq!((e.line, e.col), (3, 6));
    assert_eq!(e.message, "unexpected character `é`.");
}

#[test]
fn unknown_operators() {
    assert_eq!(
        located("f = x1"),
        (1, 3, 1, "unknown operator `=`; use `=~` for loadings or `==` for equality.".into())
    );
    assert_eq!(located("a >= 0"), (1, 3, 2, "unknown operator `>=`; lavaan constraints use `<` and `>`.".into()));
    assert_eq!(located("y ~ x1 % x2").1, 8);
}

#[test]
fn missing_sides() {
    assert_eq!(located("y ~"), (1, 4, 1, "missing right-hand side after `~`: expected a variable name or `1`.".into()));
    assert_eq!(located("\n =~ x1"), (2, 2, 2, "missing left-hand side before `=~`: expected a variable name.".into()));
    assert_eq!(located("ab :="), (1, 6, 1, "missing right-hand side after `:=`: expected an expression.".into()));
    assert_eq!(located("== b").3, "missing left-hand side before `==`: expected an expression.");
}

#[test]
fn dangling_plus() {
    // At the end of the model the `+` cannot continue onto a next line.
    assert_eq!(
        located("f =~ x1 + x2 +"),
        (1, 15, 1, "expected a variable name after `+`, found the end of the statement.".into())
    );
    assert_eq!(
        located("f =~ x1 + x2 +;g =~ x3"),
        (1, 15, 1, "expected a variable name after `+`, found the end of the statement.".into())
    );
    assert_eq!(located("y1 + ~ x").3, "expected a variable name after `+`, found `~`.");
    assert_eq!(located("f =~ x1 + + x2").1, 11);
}

#[test]
fn unbalanced_parentheses() {
    assert_eq!(located("ab := (a*b"), (1, 7, 1, "unbalanced parentheses: this `(` is never closed.".into()));
    assert_eq!(located("ab := a*b)"), (1, 10, 1, "unbalanced parentheses: unexpected `)`.".into()));
    assert_eq!(located("y ~ c(a, b*x").3, "expected `,` or `)` after `b`, found `*`.");
    assert_eq!(located("y ~ c(a, b").2, 1);
    assert_eq!(located("y ~ c(a, b").1, 6);
    assert_eq!(located("b1 == exp(b2").3, "unbalanced parentheses: this `(` is never closed.");
}

#[test]
fn bad_numbers() {
    assert_eq!(located("y ~ 1.2.3*x"), (1, 5, 5, "bad number `1.2.3`.".into()));
    assert_eq!(located("y ~ 2e*x").3, "bad number `2e`.");
    assert_eq!(located("y ~ 1e999*x").3, "number `1e999` is too large.");
    assert_eq!(located("y ~ 3x").3, "bad number `3x`.");
}

#[test]
fn statement_without_operator() {
    assert_eq!(
        located("f =~ x1\nvisual x1 x2\n"),
        (
            2,
            1,
            12,
            "this statement has no operator; expected one of `=~`, `~`, `~~`, `~*~`, `|`, `:=`, `==`, `<` or `>`."
                .into()
        )
    );
}

#[test]
fn empty_model() {
    let e = err("  # nothing here\n");
    assert_eq!(e.message, "The model syntax contains no statements.");
    assert_eq!((e.line, e.col), (1, 1));
}

#[test]
fn c_with_mixed_kinds() {
    assert_eq!(
        located("f =~ x1 + c(1, a)*x2"),
        (
            1,
            11,
            7,
            "`c()` mixes numbers and labels; use numbers (fixed values) or names (labels), with `NA` for gaps.".into()
        )
    );
}

#[test]
fn unsupported_constructs_say_so() {
    assert_eq!(
        located("group: 1\nf =~ x1"),
        (1, 1, 6, "block lines such as `group:` are not supported; write one single-level, single-group model.".into())
    );
    assert!(located("level: 1").3.starts_with("block lines such as `level:`"));
    assert_eq!(located("y ~ x1:x2"), (1, 7, 1, "interaction terms such as `x1:x2` are not supported.".into()));
    assert_eq!(located("y ~ upper(1)*x"), (1, 5, 8, "the `upper()` modifier is not supported.".into()));
    assert_eq!(
        located("y ~ foo(1)*x").3,
        "unknown modifier `foo()`; expected `start()`, `label()`, `equal()` or `c()`."
    );
}

#[test]
fn terms_need_a_variable_at_the_end() {
    assert_eq!(
        located("y ~ a*"),
        (1, 7, 1, "expected a variable name after `*`, found the end of the statement.".into())
    );
    assert_eq!(
        located("y ~ \"a\""),
        (
            1,
            5,
            3,
            "expected a variable name or `1` (intercept) after `~`, found `\"a\"`; a quoted string is a label and needs `*` and a variable after it."
                .into()
        )
    );
    assert_eq!(located("f =~ 1").3, "expected a variable name after `=~`, found `1`.");
    assert_eq!(located("f =~ NA").3, "expected a variable name after `=~`, found `NA`.");
    assert_eq!(located("y ~ x z").3, "expected `+` or the end of the statement after `x`, found `z`.");
}

#[test]
fn two_operators_in_one_statement() {
    assert_eq!(
        located("y ~ x ~~ z"),
        (
            1,
            7,
            2,
            "unexpected second operator `~~`; put each relation in its own statement (a new line or `;`).".into()
        )
    );
}

#[test]
fn modifiers_on_the_left() {
    assert_eq!(located("a*y ~ x"), (1, 1, 2, "modifiers are not allowed on the left-hand side of `~`.".into()));
}

#[test]
fn duplicate_modifier_kinds() {
    assert_eq!(
        located("y ~ 1*x1 + 0.5*NA*x2"),
        (
            1,
            16,
            2,
            "this term already has a fixed value; a term takes at most one fixed value, one start value and one label."
                .into()
        )
    );
}

#[test]
fn unterminated_string() {
    assert_eq!(located("y ~ \"a*x\ny ~ z"), (1, 5, 4, "unterminated string: missing closing `\"`.".into()));
}

#[test]
fn first_error_in_source_order_wins() {
    // The lexical error on line 3 must not hide the syntax error on line 2.
    assert_eq!(located("f =~ x1\ny ~ ~ x\nz ~ @").0, 2);
}
