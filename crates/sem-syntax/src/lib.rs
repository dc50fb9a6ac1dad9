//! # sem-syntax: lavaan model syntax → flat rows with spans
//!
//! This crate is the first stage of Entente's SEM pipeline. It reads a model written in
//! [lavaan](https://lavaan.ugent.be/tutorial/syntax1.html)'s model syntax and returns its
//! statements, flattened the way lavaan's `lavParseModelString()` (0.6.14) flattens them: one
//! [`FlatRow`] per `lhs op rhs` pair, with the modifiers of the right-hand term, plus the `:=`
//! [`Definition`]s and the `==`/`<`/`>` [`Constraint`]s. The next stage (`sem-partable`) turns
//! the rows into a parameter table with lavaan's defaults. Every row and expression keeps its
//! [`Span`], and every failure is a [`ParseError`] with a line, a column and what was expected.
//!
//! ```
//! let model = sem_syntax::parse(
//!     "visual  =~ x1 + x2 + x3
//!      speed   =~ x7 + a*x8 + a*x9   # equal loadings
//!      visual ~~ speed",
//! )?;
//! let rows: Vec<String> = model.rows().map(|r| r.to_string()).collect();
//! assert_eq!(rows[4], "speed =~ a*x8");
//! assert_eq!(model.rows().count(), 7);
//! # Ok::<(), sem_syntax::ParseError>(())
//! ```
//!
//! ## How
//!
//! A hand-written lexer makes one pass over the characters and never fails: what it cannot read
//! becomes a "bad" token carrying its message, so the error reported is the first one in source
//! order. Tokens are then grouped into statements (joining continued lines), and each statement
//! is parsed by recursive descent: find the statement's operator, read the names on its left and
//! the `+`-separated terms (or the arithmetic expression) on its right. No regular expressions,
//! no backtracking; a 50-line model parses in well under a millisecond (about 60 µs of CPU time
//! on the shared 2-core development machine, most of it allocating the output rows).
//!
//! ## Grammar
//!
//! ```text
//! model      := statement ((NEWLINE | ";") statement)*
//! statement  := names ("=~" | "~" | "~~" | "~*~") terms
//!             | name "|" terms                       # thresholds t1 + t2 + ... (in order)
//!             | name ":=" expr
//!             | expr ("==" | "<" | ">") expr
//! names      := name ("+" name)*
//! terms      := term ("+" term)*
//! term       := (modifier ("*" | "?"))* (name | "1")  # "1" only after "~": the intercept
//! modifier   := number | "-" number | "NA" | name | string
//!             | "c(" value ("," value)* ")"
//!             | "start(" number-or-c ")" | "label(" string-or-c ")" | "equal(" string-or-c ")"
//! expr       := product (("+" | "-") product)*
//! product    := unary (("*" | "/") unary)*
//! unary      := ("-" | "+") unary | power              # -a^2 is -(a^2), as in R
//! power      := atom ("^" unary)?                     # right-associative
//! atom       := number | name | name "(" (expr ("," expr)*)? ")" | "(" expr ")"
//! name       := [A-Za-z.][A-Za-z0-9._]*               # "." not followed by a digit
//! number     := 1 | 0.5 | .5 | 1. | 1e-3 | 2.5E+2
//! string     := "..." | '...'                         # backslash escapes the next character
//! ```
//!
//! * **Lines.** Statements end at a line break or `;`. A statement continues on the next line
//!   when its line ends with an operator or with `+ - * / ^ ? , (`, or when the next non-blank
//!   line starts with `+` (lavaan joins such lines). Comments run from `#` or `!` (outside
//!   quotes) to the end of the line; blank lines are ignored.
//! * **Operators** are matched longest first: `~*~` before `~~` before `~`, `=~` and `==` before
//!   a lone `=` (which is an error).
//! * **Rows.** `y1 + y2 ~ x1 + x2` gives four rows in lhs-major order (`y1 ~ x1`, `y1 ~ x2`,
//!   `y2 ~ x1`, `y2 ~ x2`). In a `~` statement the term `1` (with or without modifiers: `a*1`,
//!   `0*1`) is an intercept: an [`Op::Intercept`] row with `rhs == ""`, as in lavaan's table.
//!   `u | t1 + t2 + t3` gives threshold rows `t1`, `t2`, `t3`; the names must count up from `t1`.
//! * **Modifiers** are joined to the variable by `*`; each kind may appear once per term:
//!
//!   | written | meaning | field |
//!   |---|---|---|
//!   | `0.5*x`, `-1*x`, `1e-3*x` | fixed value | `fixed = [0.5]` |
//!   | `NA*x` | explicitly free | `fixed = [NA]` |
//!   | `a*x`, `"a"*x`, `label("a")*x`, `equal("a")*x` | label | `label = ["a"]` |
//!   | `start(0.3)*x`, `0.3?x` | start value | `start = [0.3]` |
//!   | `c(1, NA)*x` | per-group fixed values | `fixed = [1, NA]` |
//!   | `c(a1, a2)*x`, `c(a, NA)*x` | per-group labels | `label = [a1, a2]` |
//!   | `start(c(0.3, 0.5))*x` | per-group start values | `start = [0.3, 0.5]` |
//!
//!   Kinds combine: `NA*a*x`, `a*start(0.5)*x`, `0.5*start(0.3)*a*x`. A `c()` of numbers and
//!   names is an error; a `c()` of only `NA`s is fixed values (lavaan's `c(NA, NA)` frees the
//!   parameter in every group).
//! * **Expressions** (right of `:=`, both sides of a constraint) have numbers, names, unary
//!   minus, `+ - * / ^`, parentheses and calls `f(args)` of any function; which functions exist
//!   is for the evaluator to decide. The whitespace-free source of each expression is kept as
//!   `text` (lavaan stores `ab := a * b` with rhs `"a*b"`).
//! * **Not supported**, each with a located error saying so: formative indicators (`<~`), block
//!   lines (`group: 1`, `level: 1`), interaction terms (`x1:x2`), and the `upper()`, `lower()`,
//!   `prior()`, `efa()` and `rv()` modifiers.
//!
//! ## Errors
//!
//! [`ParseError`] carries the 1-based line and column (in characters), the number of characters
//! to underline, a message saying what was found and what was expected, and the source line.
//! Its `Display` draws a caret:
//!
//! ```text
//! Syntax error at line 2, column 16: expected a variable name after `+`, found `*`.
//!   visual =~ x1 + * x2
//!                  ^
//! ```
//!
//! ## Printing
//!
//! [`ModelSyntax`]'s `Display` writes canonical syntax, one row per line (`y ~ a*x`, `y ~ 1`;
//! the thresholds of one statement share a line), fixed values before start values before
//! labels. Parsing that text again gives the same rows, definitions and constraints, spans aside
//! ([`ModelSyntax::strip_spans`]); the property tests check this on generated models.
//!
//! Sources: lavaan 0.6.14, `R/lav_syntax.R` (`lavParseModelString`, `lav_syntax_parse_rhs`);
//! Rosseel (2012), *lavaan: An R Package for Structural Equation Modeling*, JSS 48(2); the lavaan
//! tutorial's model syntax pages.
#![deny(missing_docs)]

mod error;
mod lexer;
mod model;
mod parser;

pub use error::ParseError;
pub use model::{BinOp, Constraint, Definition, Expr, FlatRow, ModelSyntax, Modifiers, Op, Span, Statement};
pub use parser::parse;
