//! Statements from tokens: joining continued lines, then one recursive-descent pass per statement.

use std::ops::Range;

use crate::error::{ParseError, Source};
use crate::lexer::{tokenize, Kind, Token};
use crate::model::{BinOp, Constraint, Definition, Expr, FlatRow, ModelSyntax, Modifiers, Op, Span, Statement};

/// Deepest nesting of parentheses, unary minus, powers and `c()` the parser follows; deeper input
/// is refused rather than allowed to exhaust the stack. Real models nest a handful of levels.
const MAX_NESTING: usize = 100;

const OPERATORS: &str = "`=~`, `~`, `~~`, `~*~`, `|`, `:=`, `==`, `<` or `>`";

/// Parses lavaan model syntax (see the crate documentation for the grammar).
pub fn parse(src: &str) -> Result<ModelSyntax, ParseError> {
    let source = Source::new(src);
    let tokens = tokenize(src);
    let statements = split_statements(&tokens);
    if statements.is_empty() {
        let start = Span { line: 1, col: 1, offset: 0, len: 0 };
        return Err(source.error(start, "The model syntax contains no statements."));
    }
    let statements =
        statements.into_iter().map(|range| parse_statement(&source, &tokens[range])).collect::<Result<_, _>>()?;
    Ok(ModelSyntax { statements })
}

/// A line break ends a statement unless the line ends in something that needs a right operand
/// (an operator, `+`, `*`, ...) or the next non-blank line starts with `+`; `;` always ends one.
/// Returns the statements as ranges of `tokens` (never empty, never containing `;`).
fn split_statements(tokens: &[Token]) -> Vec<Range<usize>> {
    let continues_after = |k: &Kind| {
        matches!(
            k,
            Kind::Op(_)
                | Kind::Formative
                | Kind::Plus
                | Kind::Minus
                | Kind::Star
                | Kind::Slash
                | Kind::Caret
                | Kind::Question
                | Kind::LParen
                | Kind::Comma
        )
    };
    let mut statements = Vec::new();
    let mut start = 0;
    for (i, tok) in tokens.iter().enumerate() {
        if tok.kind == Kind::Semi {
            statements.push(start..i);
            start = i + 1;
        } else if tok.newline_before && i > start && !continues_after(&tokens[i - 1].kind) && tok.kind != Kind::Plus {
            statements.push(start..i);
            start = i;
        }
    }
    statements.push(start..tokens.len());
    statements.retain(|s| !s.is_empty());
    statements
}

/// The span from the start of `first` to the end of `last`.
fn cover(first: Span, last: Span) -> Span {
    Span { len: (last.offset + last.len).saturating_sub(first.offset), ..first }
}

/// The empty span just after `s`, where "the end of the statement" is reported.
fn after(src: &Source<'_>, s: Span) -> Span {
    let chars = src.slice(s).chars().count();
    Span { col: s.col + chars, offset: s.offset + s.len, len: 0, ..s }
}

fn parse_statement(src: &Source<'_>, toks: &[Token]) -> Result<Statement, ParseError> {
    let is_op = |t: &&Token| matches!(t.kind, Kind::Op(_) | Kind::Formative);
    if let [name, colon, ..] = toks {
        if name.kind == Kind::Ident && colon.kind == Kind::Colon && !toks.iter().any(|t| is_op(&t)) {
            return Err(src.error(
                cover(name.span, colon.span),
                format!(
                    "block lines such as `{}:` are not supported; write one single-level, \
                     single-group model.",
                    src.slice(name.span)
                ),
            ));
        }
    }
    let mut depth = 0usize;
    let top_level = toks.iter().position(|t| {
        match t.kind {
            Kind::LParen => depth += 1,
            Kind::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth == 0 && is_op(&t)
    });
    let Some(at) = top_level.or_else(|| toks.iter().position(|t| is_op(&t))) else {
        if let Some(bad) = toks.iter().find(|t| matches!(t.kind, Kind::Bad(_))) {
            return Err(bad_token(src, bad));
        }
        let first = toks[0].span;
        let last = toks.iter().take_while(|t| t.span.line == first.line).last().map_or(first, |t| t.span);
        let span = cover(first, last);
        return Err(src.error(span, format!("this statement has no operator; expected one of {OPERATORS}.")));
    };
    let op_tok = &toks[at];
    let (lhs, rhs) = (&toks[..at], &toks[at + 1..]);
    let end = after(src, toks[toks.len() - 1].span);
    let op = match op_tok.kind {
        Kind::Op(op) => op,
        _ => {
            return Err(src.error(
                op_tok.span,
                "formative indicators (`<~`) are not supported; use `=~` for reflective indicators.",
            ))
        }
    };
    let mut left = Cursor::new(src, lhs, None, End::Token(op_tok));
    let mut right = Cursor::new(src, rhs, Some(op_tok), End::Statement(end));
    match op {
        Op::Defined => parse_definition(&mut left, &mut right, op_tok, cover(toks[0].span, end)),
        Op::Equal | Op::Less | Op::Greater => {
            if lhs.is_empty() {
                return Err(missing_side(src, op_tok, "left", "an expression"));
            }
            let l = left.expr_to_end()?;
            if rhs.is_empty() {
                return Err(missing_side(src, op_tok, "right", "an expression"));
            }
            let r = right.expr_to_end()?;
            Ok(Statement::Constrain(Constraint {
                op,
                lhs: l,
                rhs: r,
                lhs_text: left.text(),
                rhs_text: right.text(),
                span: cover(toks[0].span, end),
            }))
        }
        _ => parse_relation(src, &mut left, &mut right, op, op_tok),
    }
}

fn missing_side(src: &Source<'_>, op_tok: &Token, side: &str, what: &str) -> ParseError {
    let op = src.slice(op_tok.span);
    let (span, place) = if side == "left" { (op_tok.span, "before") } else { (after(src, op_tok.span), "after") };
    src.error(span, format!("missing {side}-hand side {place} `{op}`: expected {what}."))
}

fn bad_token(src: &Source<'_>, tok: &Token) -> ParseError {
    match &tok.kind {
        Kind::Bad(message) => src.error(tok.span, message.clone()),
        _ => src.error(tok.span, format!("unexpected {}.", describe(src, tok))),
    }
}

/// How a token is named in messages: `` `x1` ``, `` string `"a"` ``.
fn describe(src: &Source<'_>, tok: &Token) -> String {
    match tok.kind {
        Kind::Str(_) => format!("string `{}`", src.slice(tok.span)),
        _ => format!("`{}`", src.slice(tok.span)),
    }
}

fn parse_definition(
    left: &mut Cursor<'_, '_>,
    right: &mut Cursor<'_, '_>,
    op_tok: &Token,
    span: Span,
) -> Result<Statement, ParseError> {
    let src = left.src;
    let name = match left.toks {
        [] => return Err(missing_side(src, op_tok, "left", "a name")),
        [t] if t.kind == Kind::Ident => src.slice(t.span).to_string(),
        toks => {
            if let Some(bad) = toks.iter().find(|t| matches!(t.kind, Kind::Bad(_))) {
                return Err(bad_token(src, bad));
            }
            let span = cover(toks[0].span, toks[toks.len() - 1].span);
            return Err(src.error(
                span,
                format!("the left-hand side of `:=` must be a plain name, found `{}`.", src.slice(span)),
            ));
        }
    };
    if right.toks.is_empty() {
        return Err(missing_side(src, op_tok, "right", "an expression"));
    }
    let expr = right.expr_to_end()?;
    Ok(Statement::Define(Definition { name, expr, text: right.text(), span }))
}

/// One right-hand term: its modifiers and either a variable or the intercept `1`.
struct Term {
    modifiers: Modifiers,
    /// `None` for the intercept.
    name: Option<String>,
    name_span: Span,
    span: Span,
}

fn parse_relation(
    src: &Source<'_>,
    left: &mut Cursor<'_, '_>,
    right: &mut Cursor<'_, '_>,
    op: Op,
    op_tok: &Token,
) -> Result<Statement, ParseError> {
    let op_text = op.as_str();
    if left.toks.is_empty() {
        return Err(missing_side(src, op_tok, "left", "a variable name"));
    }
    let mut lhs = Vec::new();
    loop {
        lhs.push(left.lhs_name(op_text)?);
        match left.peek() {
            None => break,
            Some(t) if t.kind == Kind::Plus => {
                left.pos += 1;
            }
            Some(t) => return Err(left.unexpected(t, &format!("`+` or `{op_text}`"))),
        }
    }
    if op == Op::Threshold && lhs.len() > 1 {
        let span = cover(lhs[0].1, lhs[lhs.len() - 1].1);
        return Err(src.error(span, "the left-hand side of `|` must be a single variable name."));
    }
    if right.toks.is_empty() {
        let what = match op {
            Op::Regression => "a variable name or `1`",
            Op::Threshold => "threshold names `t1`, `t2`, ...",
            _ => "a variable name",
        };
        return Err(missing_side(src, op_tok, "right", what));
    }
    let mut terms = Vec::new();
    loop {
        let term = right.term(op)?;
        if op == Op::Threshold {
            let expected = format!("t{}", terms.len() + 1);
            if term.name.as_deref() != Some(expected.as_str()) {
                return Err(src.error(
                    term.name_span,
                    format!(
                        "threshold names must count up from `t1`; expected `{expected}`, found `{}`.",
                        src.slice(term.name_span)
                    ),
                ));
            }
        }
        terms.push(term);
        match right.peek() {
            None => break,
            Some(t) if t.kind == Kind::Plus => right.pos += 1,
            Some(t) => return Err(right.unexpected(t, "`+` or the end of the statement")),
        }
    }
    let rows = lhs
        .iter()
        .flat_map(|(name, span)| {
            terms.iter().map(move |t| FlatRow {
                lhs: name.clone(),
                op: if t.name.is_none() { Op::Intercept } else { op },
                rhs: t.name.clone().unwrap_or_default(),
                modifiers: t.modifiers.clone(),
                lhs_span: *span,
                rhs_span: t.span,
            })
        })
        .collect();
    Ok(Statement::Relation(rows))
}

/// What follows the last token of a cursor's slice, for "found ..." in messages.
enum End<'t> {
    /// The slice stops at this token (the operator, for the left-hand side).
    Token(&'t Token),
    /// The slice runs to the end of the statement; the span is just after its last token.
    Statement(Span),
}

/// A value inside a term: `0.5`, `-1`, `NA`, `a`, `"a"`, `c(...)`, `start(...)`, `label(...)`.
enum Value {
    Num(f64),
    Na,
    Label(String),
    Vector(Vec<Value>),
    Start(Box<Value>),
    LabelCall(Box<Value>),
}

/// A modifier before `*` or `?`, resolved to its kind.
enum Modifier {
    Numbers(Vec<Option<f64>>),
    Labels(Vec<Option<String>>),
    Start(Vec<Option<f64>>),
}

struct Cursor<'s, 't> {
    src: &'t Source<'s>,
    toks: &'t [Token],
    pos: usize,
    /// The token just before the slice (the operator, for a right-hand side).
    before: Option<&'t Token>,
    end: End<'t>,
    /// Current recursion depth, bounded by [`MAX_NESTING`].
    nesting: usize,
}

impl<'s, 't> Cursor<'s, 't> {
    fn new(src: &'t Source<'s>, toks: &'t [Token], before: Option<&'t Token>, end: End<'t>) -> Self {
        Cursor { src, toks, pos: 0, before, end, nesting: 0 }
    }

    fn peek(&self) -> Option<&'t Token> {
        self.toks.get(self.pos)
    }

    fn peek_kind(&self, ahead: usize) -> Option<&'t Kind> {
        self.toks.get(self.pos + ahead).map(|t| &t.kind)
    }

    fn next(&mut self) -> Option<&'t Token> {
        let t = self.toks.get(self.pos);
        self.pos += usize::from(t.is_some());
        t
    }

    fn prev_text(&self) -> &'s str {
        let prev = match self.pos.checked_sub(1) {
            Some(i) => self.toks.get(i),
            None => self.before,
        };
        prev.map_or("", |t| self.src.slice(t.span))
    }

    /// The whitespace-free source of the whole slice.
    fn text(&self) -> String {
        self.toks.iter().map(|t| self.src.slice(t.span)).collect()
    }

    /// "expected X after `prev`, found Y." at `found` (or at the end).
    fn expected(&self, found: Option<&Token>, what: &str, after_text: &str) -> ParseError {
        if let Some(t @ Token { kind: Kind::Bad(_), .. }) = found {
            return bad_token(self.src, t);
        }
        let after = after_clause(after_text);
        let (span, found_text) = match (found, &self.end) {
            (Some(t), _) => (t.span, describe(self.src, t)),
            (None, End::Token(t)) => (t.span, describe(self.src, t)),
            (None, End::Statement(s)) => (*s, "the end of the statement".to_string()),
        };
        self.src.error(span, format!("expected {what}{after}, found {found_text}."))
    }

    /// Error for a token where only a separator or the end may stand.
    fn unexpected(&self, t: &Token, what: &str) -> ParseError {
        let src = self.src;
        match t.kind {
            Kind::Op(_) | Kind::Formative => src.error(
                t.span,
                format!(
                    "unexpected second operator `{}`; put each relation in its own statement \
                     (a new line or `;`).",
                    src.slice(t.span)
                ),
            ),
            Kind::Colon => src.error(t.span, "interaction terms such as `x1:x2` are not supported."),
            Kind::RParen => src.error(t.span, "unbalanced parentheses: unexpected `)`."),
            _ => self.expected(Some(t), what, self.prev_text()),
        }
    }

    /// A left-hand variable name.
    fn lhs_name(&mut self, op: &str) -> Result<(String, Span), ParseError> {
        let after_text = self.prev_text();
        match self.next() {
            Some(t) if t.kind == Kind::Ident && self.peek_kind(0) != Some(&Kind::LParen) => {
                let name = self.src.slice(t.span);
                if name == "NA" {
                    return Err(self.src.error(t.span, "expected a variable name, found `NA`."));
                }
                if matches!(self.peek_kind(0), Some(Kind::Star | Kind::Question)) {
                    let next = &self.toks[self.pos];
                    return Err(self.src.error(
                        cover(t.span, next.span),
                        format!("modifiers are not allowed on the left-hand side of `{op}`."),
                    ));
                }
                Ok((name.to_string(), t.span))
            }
            found => Err(self.expected(found, "a variable name", after_text)),
        }
    }

    /// `mod*mod*name`, `v?name`, or `mod*1` (the intercept, only after `~`).
    fn term(&mut self, op: Op) -> Result<Term, ParseError> {
        let first = self.pos;
        let mut modifiers = Modifiers::default();
        loop {
            let start = self.pos;
            let after_text = self.prev_text();
            let value = self.value("a variable name", after_text)?;
            let value_span = cover(self.toks[start].span, self.toks[self.pos - 1].span);
            let joiner = self.peek_kind(0);
            if let Some(Kind::Star | Kind::Question) = joiner {
                let start_value = joiner == Some(&Kind::Question);
                self.pos += 1;
                let modifier = self.modifier(value, start_value, value_span)?;
                self.apply(&mut modifiers, modifier, value_span)?;
                continue;
            }
            let span = cover(self.toks[first].span, value_span);
            let name = match value {
                Value::Label(name) if self.toks[start].kind == Kind::Ident => Some(name),
                Value::Num(_) if op == Op::Regression && self.src.slice(value_span) == "1" => None,
                _ => {
                    let what = match op {
                        Op::Regression => "a variable name or `1` (intercept)",
                        Op::Threshold => "a threshold name",
                        _ => "a variable name",
                    };
                    let found = &self.toks[start];
                    let hint = match found.kind {
                        Kind::Str(_) => "; a quoted string is a label and needs `*` and a variable after it",
                        Kind::Ident if self.src.slice(found.span) != "NA" => {
                            "; a modifier needs `*` and a variable after it"
                        }
                        _ => "",
                    };
                    let found_text = self.src.slice(value_span);
                    return Err(self.src.error(
                        value_span,
                        format!("expected {what}{}, found `{found_text}`{hint}.", after_clause(after_text)),
                    ));
                }
            };
            return Ok(Term { modifiers, name, name_span: value_span, span });
        }
    }

    /// Reads one value of a term: a number (possibly negative), `NA`, a name, a string, or a
    /// call `c(...)`, `start(...)`, `label(...)`, `equal(...)`.
    fn value(&mut self, what: &str, after_text: &str) -> Result<Value, ParseError> {
        self.nested(|c| c.value_inner(what, after_text))
    }

    /// Runs `f` one nesting level deeper, refusing to go past [`MAX_NESTING`].
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, ParseError>) -> Result<T, ParseError> {
        if self.nesting >= MAX_NESTING {
            let span = match (self.peek(), &self.end) {
                (Some(t), _) | (None, &End::Token(t)) => t.span,
                (None, End::Statement(s)) => *s,
            };
            return Err(self.src.error(span, format!("this is nested more than {MAX_NESTING} levels deep.")));
        }
        self.nesting += 1;
        let result = f(self);
        self.nesting -= 1;
        result
    }

    fn value_inner(&mut self, what: &str, after_text: &str) -> Result<Value, ParseError> {
        let src = self.src;
        let Some(t) = self.next() else {
            return Err(self.expected(None, what, after_text));
        };
        match &t.kind {
            Kind::Minus => match self.peek() {
                Some(Token { kind: Kind::Number(v), .. }) => {
                    self.pos += 1;
                    Ok(Value::Num(-v))
                }
                found => Err(self.expected(found, "a number", "-")),
            },
            Kind::Number(v) => Ok(Value::Num(*v)),
            Kind::Str(s) => Ok(Value::Label(s.clone())),
            Kind::Ident if self.peek_kind(0) == Some(&Kind::LParen) => self.call(t),
            Kind::Ident => match src.slice(t.span) {
                "NA" => Ok(Value::Na),
                name => Ok(Value::Label(name.to_string())),
            },
            _ => {
                self.pos -= 1;
                Err(self.expected(Some(t), what, after_text))
            }
        }
    }

    /// `name(args)` inside a term; the cursor is on `(`.
    fn call(&mut self, name_tok: &'t Token) -> Result<Value, ParseError> {
        let src = self.src;
        let name = src.slice(name_tok.span);
        let toks = self.toks;
        let args = self.call_args(&toks[self.pos], |c| {
            let after_text = c.prev_text();
            c.value("a value", after_text)
        })?;
        let span = cover(name_tok.span, self.toks[self.pos - 1].span);
        let single = |mut args: Vec<Value>| match (args.len(), args.pop()) {
            (1, Some(arg)) => Ok(arg),
            (n, _) => Err(src.error(span, format!("`{name}()` takes one argument, found {n}."))),
        };
        match name {
            "c" => Ok(Value::Vector(args)),
            "start" => Ok(Value::Start(Box::new(single(args)?))),
            "label" | "equal" => Ok(Value::LabelCall(Box::new(single(args)?))),
            "upper" | "lower" | "prior" | "efa" | "rv" => {
                Err(src.error(span, format!("the `{name}()` modifier is not supported.")))
            }
            _ => Err(src.error(
                name_tok.span,
                format!("unknown modifier `{name}()`; expected `start()`, `label()`, `equal()` or `c()`."),
            )),
        }
    }

    /// Comma-separated arguments up to the `)` matching `open` (the current token).
    fn call_args<T>(
        &mut self,
        open: &Token,
        mut arg: impl FnMut(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        self.pos += 1;
        let mut args = Vec::new();
        if self.peek_kind(0) == Some(&Kind::RParen) {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            if self.peek().is_none() {
                return Err(self.unclosed(open));
            }
            args.push(arg(self)?);
            match self.next() {
                Some(t) if t.kind == Kind::Comma => {}
                Some(t) if t.kind == Kind::RParen => return Ok(args),
                None => return Err(self.unclosed(open)),
                Some(t) => {
                    self.pos -= 1;
                    let prev = self.prev_text();
                    return Err(self.expected(Some(t), "`,` or `)`", prev));
                }
            }
        }
    }

    fn unclosed(&self, open: &Token) -> ParseError {
        self.src.error(open.span, "unbalanced parentheses: this `(` is never closed.")
    }

    /// Turns a value written before `*` (or `?` when `start_value`) into a modifier.
    fn modifier(&self, value: Value, start_value: bool, span: Span) -> Result<Modifier, ParseError> {
        let src = self.src;
        let text = src.slice(span);
        let numbers = |items: Vec<Value>| -> Result<Vec<Option<f64>>, ParseError> {
            items
                .into_iter()
                .map(|v| match v {
                    Value::Num(x) => Ok(Some(x)),
                    Value::Na => Ok(None),
                    _ => Err(src.error(span, format!("start values must be numbers or `NA`, found `{text}`."))),
                })
                .collect()
        };
        let list = |arg: Value| match arg {
            Value::Vector(list) => list,
            scalar => vec![scalar],
        };
        let modifier = match value {
            Value::Start(arg) => Modifier::Start(numbers(list(*arg))?),
            Value::LabelCall(arg) => match self.vector(list(*arg), span)? {
                // `label(NA)`: all-NA reads as numbers in `c()`, but here it can only be labels.
                Modifier::Numbers(v) if v.iter().all(Option::is_none) => Modifier::Labels(vec![None; v.len()]),
                Modifier::Labels(v) => Modifier::Labels(v),
                _ => return Err(src.error(span, format!("labels must be names or strings, found `{text}`."))),
            },
            Value::Vector(list) => self.vector(list, span)?,
            scalar => self.vector(vec![scalar], span)?,
        };
        match (start_value, modifier) {
            (false, m) => Ok(m),
            (true, Modifier::Numbers(v)) => Ok(Modifier::Start(v)),
            (true, _) => Err(
                src.error(span, format!("the value before `?` is a start value and must be a number, found `{text}`."))
            ),
        }
    }

    /// Classifies the items of `c(...)` (or one scalar): numbers and `NA` are fixed values, names,
    /// strings and `NA` are labels; all-`NA` counts as numbers, as in R.
    fn vector(&self, items: Vec<Value>, span: Span) -> Result<Modifier, ParseError> {
        let src = self.src;
        if items.is_empty() {
            return Err(src.error(span, "`c()` needs at least one value."));
        }
        let has_number = items.iter().any(|v| matches!(v, Value::Num(_)));
        let has_label = items.iter().any(|v| matches!(v, Value::Label(_)));
        if items.iter().any(|v| matches!(v, Value::Vector(_) | Value::Start(_) | Value::LabelCall(_))) {
            return Err(src.error(span, "calls cannot be used inside `c()`; it takes numbers, names, strings or `NA`."));
        }
        if has_number && has_label {
            return Err(src.error(
                span,
                "`c()` mixes numbers and labels; use numbers (fixed values) or names (labels), \
                 with `NA` for gaps.",
            ));
        }
        Ok(if has_label {
            Modifier::Labels(
                items
                    .into_iter()
                    .map(|v| match v {
                        Value::Label(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
            )
        } else {
            Modifier::Numbers(
                items
                    .into_iter()
                    .map(|v| match v {
                        Value::Num(x) => Some(x),
                        _ => None,
                    })
                    .collect(),
            )
        })
    }

    fn apply(&self, m: &mut Modifiers, modifier: Modifier, span: Span) -> Result<(), ParseError> {
        fn set<T>(slot: &mut Option<T>, value: T) -> bool {
            let was_empty = slot.is_none();
            if was_empty {
                *slot = Some(value);
            }
            was_empty
        }
        let (ok, kind) = match modifier {
            Modifier::Numbers(v) => (set(&mut m.fixed, v), "fixed value"),
            Modifier::Start(v) => (set(&mut m.start, v), "start value"),
            Modifier::Labels(v) => (set(&mut m.label, v), "label"),
        };
        if ok {
            Ok(())
        } else {
            Err(self.src.error(
                span,
                format!(
                    "this term already has a {kind}; a term takes at most one fixed value, one \
                     start value and one label."
                ),
            ))
        }
    }

    /// An expression that must use up the whole slice.
    fn expr_to_end(&mut self) -> Result<Expr, ParseError> {
        let e = self.expr()?;
        match self.peek() {
            None => Ok(e),
            Some(t) => Err(self.unexpected(t, "an operator (`+`, `-`, `*`, `/`, `^`)")),
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.left_assoc(Self::product, |k| match k {
            Kind::Plus => Some(BinOp::Add),
            Kind::Minus => Some(BinOp::Sub),
            _ => None,
        })
    }

    fn product(&mut self) -> Result<Expr, ParseError> {
        self.left_assoc(Self::unary, |k| match k {
            Kind::Star => Some(BinOp::Mul),
            Kind::Slash => Some(BinOp::Div),
            _ => None,
        })
    }

    /// `operand (op operand)*`, folded to the left.
    fn left_assoc(
        &mut self,
        operand: fn(&mut Self) -> Result<Expr, ParseError>,
        op_of: fn(&Kind) -> Option<BinOp>,
    ) -> Result<Expr, ParseError> {
        let mut lhs = operand(self)?;
        while let Some(op) = self.peek_kind(0).and_then(op_of) {
            self.pos += 1;
            lhs = Expr::bin(op, lhs, operand(self)?);
        }
        Ok(lhs)
    }

    /// Unary minus binds looser than `^` and tighter than `*`, as in R: `-a^2 = -(a^2)`.
    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.nested(Self::unary_inner)
    }

    fn unary_inner(&mut self) -> Result<Expr, ParseError> {
        match self.peek_kind(0) {
            Some(Kind::Minus) => {
                self.pos += 1;
                Ok(Expr::Neg(Box::new(self.unary()?)))
            }
            Some(Kind::Plus) => {
                self.pos += 1;
                self.unary()
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr, ParseError> {
        let base = self.atom()?;
        if self.peek_kind(0) == Some(&Kind::Caret) {
            self.pos += 1;
            return Ok(Expr::bin(BinOp::Pow, base, self.unary()?));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        let after_text = self.prev_text();
        let what = "a number, a name or `(`";
        let Some(t) = self.next() else {
            return Err(self.expected(None, what, after_text));
        };
        match t.kind {
            Kind::Number(v) => Ok(Expr::Num(v)),
            Kind::Ident if self.peek_kind(0) == Some(&Kind::LParen) => {
                let toks = self.toks;
                let args = self.call_args(&toks[self.pos], Self::expr)?;
                let span = cover(t.span, self.toks[self.pos - 1].span);
                Ok(Expr::Call { func: self.src.slice(t.span).to_string(), args, span })
            }
            Kind::Ident => Ok(Expr::Var { name: self.src.slice(t.span).to_string(), span: t.span }),
            Kind::LParen => {
                let e = self.expr()?;
                match self.next() {
                    Some(close) if close.kind == Kind::RParen => Ok(e),
                    None => Err(self.unclosed(t)),
                    Some(other) => {
                        self.pos -= 1;
                        let prev = self.prev_text();
                        Err(self.expected(Some(other), "an operator or `)`", prev))
                    }
                }
            }
            _ => {
                self.pos -= 1;
                Err(self.expected(Some(t), what, after_text))
            }
        }
    }
}

fn after_clause(after_text: &str) -> String {
    if after_text.is_empty() {
        String::new()
    } else {
        format!(" after `{after_text}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(src: &str) -> Vec<FlatRow> {
        match parse(src) {
            Ok(m) => m.rows().cloned().collect(),
            Err(e) => panic!("{src:?} did not parse:\n{e}"),
        }
    }

    fn triples(src: &str) -> Vec<(String, Op, String)> {
        rows(src).into_iter().map(|r| (r.lhs, r.op, r.rhs)).collect()
    }

    fn t(lhs: &str, op: Op, rhs: &str) -> (String, Op, String) {
        (lhs.into(), op, rhs.into())
    }

    fn only_modifiers(src: &str) -> Modifiers {
        let r = rows(src);
        assert_eq!(r.len(), 1, "{src}");
        r[0].modifiers.clone()
    }

    fn err(src: &str) -> ParseError {
        match parse(src) {
            Ok(m) => panic!("{src:?} parsed:\n{m}"),
            Err(e) => e,
        }
    }

    fn var(name: &str) -> Expr {
        Expr::var(name)
    }

    fn definition(src: &str) -> Definition {
        match parse(src).map(|m| m.definitions().next().cloned()) {
            Ok(Some(d)) => d,
            other => panic!("{src:?}: {other:?}"),
        }
    }

    #[test]
    fn both_sides_multiply_out_lhs_major() {
        assert_eq!(
            triples("y1 + y2 ~ x1 + x2"),
            vec![
                t("y1", Op::Regression, "x1"),
                t("y1", Op::Regression, "x2"),
                t("y2", Op::Regression, "x1"),
                t("y2", Op::Regression, "x2"),
            ]
        );
        assert_eq!(triples("a + b ~~ c").len(), 2);
        assert_eq!(triples("f =~ x1 + x2 + x3")[2], t("f", Op::Loading, "x3"));
        assert_eq!(triples("u ~*~ u"), vec![t("u", Op::Scaling, "u")]);
    }

    #[test]
    fn statements_end_at_newlines_and_semicolons() {
        assert_eq!(triples("a =~ x1; b =~ x2\n\n\nc ~ a").len(), 3);
        assert_eq!(parse("a ~ x;;; ;\n").map(|m| m.statements.len()), Ok(1));
    }

    #[test]
    fn lines_continue_after_operators_plus_and_star_and_before_plus() {
        let expected = vec![t("f", Op::Loading, "x1"), t("f", Op::Loading, "x2"), t("f", Op::Loading, "x3")];
        assert_eq!(triples("f =~ x1 +\n  x2 +\n  x3"), expected);
        assert_eq!(triples("f =~\n x1 + x2 + x3"), expected);
        assert_eq!(triples("f =~ x1\n   + x2\n\n   + x3"), expected);
        assert_eq!(triples("f =~ x1 + x2 + # comment\n # only a comment\n x3"), expected);
        let r = rows("f =~ x1 + 0.5*\n  x2");
        assert_eq!(r[1].modifiers.fixed, Some(vec![Some(0.5)]));
        // Without a continuation mark, a new line is a new statement.
        assert_eq!(parse("f =~ x1\ng =~ x2").map(|m| m.statements.len()), Ok(2));
    }

    #[test]
    fn comments_start_at_hash_or_bang_outside_quotes() {
        assert_eq!(triples("y ~ x # ~ z\n! w ~ v\n"), vec![t("y", Op::Regression, "x")]);
        let m = only_modifiers("y ~ \"a#b!\"*x  # label with a hash");
        assert_eq!(m.label, Some(vec![Some("a#b!".into())]));
    }

    #[test]
    fn one_after_tilde_is_an_intercept_with_empty_rhs() {
        assert_eq!(triples("y ~ 1"), vec![t("y", Op::Intercept, "")]);
        assert_eq!(triples("y ~ 1 + x"), vec![t("y", Op::Intercept, ""), t("y", Op::Regression, "x")]);
        let r = rows("f ~ 0*1\ny ~ a*1");
        assert_eq!(r[0].modifiers.fixed, Some(vec![Some(0.0)]));
        assert_eq!(r[1].modifiers.label, Some(vec![Some("a".into())]));
        assert!(r.iter().all(|r| r.op == Op::Intercept && r.rhs.is_empty()));
        // Only after `~`: a loading on `1` is an error.
        assert!(err("f =~ 1").message.contains("expected a variable name"));
    }

    #[test]
    fn thresholds_count_from_t1_and_take_modifiers() {
        let r = rows("u | a*t1 + 0*t2 + t3");
        let names: Vec<&str> = r.iter().map(|r| r.rhs.as_str()).collect();
        assert_eq!(names, ["t1", "t2", "t3"]);
        assert!(r.iter().all(|r| r.op == Op::Threshold && r.lhs == "u"));
        assert_eq!(r[0].modifiers.label, Some(vec![Some("a".into())]));
        assert_eq!(r[1].modifiers.fixed, Some(vec![Some(0.0)]));
        let e = err("u | t2");
        assert!(e.message.contains("expected `t1`, found `t2`"), "{}", e.message);
        assert!(err("u + v | t1").message.contains("single variable"));
    }

    #[test]
    fn numbers_fix_and_na_frees() {
        assert_eq!(only_modifiers("f =~ 0.5*x").fixed, Some(vec![Some(0.5)]));
        assert_eq!(only_modifiers("f =~ -0.5*x").fixed, Some(vec![Some(-0.5)]));
        assert_eq!(only_modifiers("f =~ 1e-3*x").fixed, Some(vec![Some(1e-3)]));
        assert_eq!(only_modifiers("f =~ NA*x").fixed, Some(vec![None]));
        assert_eq!(only_modifiers("f =~ c(1, NA, -2)*x").fixed, Some(vec![Some(1.0), None, Some(-2.0)]));
        assert_eq!(only_modifiers("f =~ c(NA, NA)*x").fixed, Some(vec![None, None]));
    }

    #[test]
    fn labels_in_every_spelling() {
        let a = Some(vec![Some("a".to_string())]);
        for src in ["y ~ a*x", "y ~ \"a\"*x", "y ~ 'a'*x", "y ~ label(\"a\")*x", "y ~ equal(\"a\")*x", "y ~ label(a)*x"]
        {
            assert_eq!(only_modifiers(src).label, a, "{src}");
        }
        assert_eq!(
            only_modifiers("y ~ c(a1, \"a 2\", NA)*x").label,
            Some(vec![Some("a1".into()), Some("a 2".into()), None])
        );
        assert_eq!(only_modifiers("y ~ label(NA)*x").label, Some(vec![None]));
        // A label named like a modifier function is still a label when no `(` follows.
        assert_eq!(only_modifiers("y ~ c*x").label, Some(vec![Some("c".into())]));
    }

    #[test]
    fn start_values_in_every_spelling() {
        assert_eq!(only_modifiers("y ~ start(0.3)*x").start, Some(vec![Some(0.3)]));
        assert_eq!(only_modifiers("y ~ start(c(0.3, NA))*x").start, Some(vec![Some(0.3), None]));
        assert_eq!(only_modifiers("y ~ 0.3?x").start, Some(vec![Some(0.3)]));
        assert_eq!(only_modifiers("y ~ -1?x").start, Some(vec![Some(-1.0)]));
        assert!(err("y ~ a?x").message.contains("start value"));
        assert!(err("y ~ start(a)*x").message.contains("start values must be numbers"));
    }

    #[test]
    fn modifier_kinds_combine_but_do_not_repeat() {
        let m = only_modifiers("y ~ NA*a*x");
        assert_eq!((m.fixed, m.label), (Some(vec![None]), Some(vec![Some("a".into())])));
        let m = only_modifiers("y ~ a*start(0.5)*x");
        assert_eq!((m.start, m.label), (Some(vec![Some(0.5)]), Some(vec![Some("a".into())])));
        let m = only_modifiers("y ~ 1*start(2)*c(a, b)*x");
        assert_eq!(m.fixed, Some(vec![Some(1.0)]));
        assert_eq!(m.label.map(|l| l.len()), Some(2));
        for src in ["y ~ 1*2*x", "y ~ a*b*x", "y ~ start(1)*0.5?x", "y ~ a*label(\"b\")*x"] {
            assert!(err(src).message.contains("already has"), "{src}");
        }
    }

    #[test]
    fn c_must_not_mix_numbers_and_labels() {
        let e = err("y ~ c(1, a)*x");
        assert!(e.message.contains("mixes numbers and labels"));
        assert_eq!((e.col, e.len), (5, 7));
        assert!(err("y ~ c()*x").message.contains("at least one value"));
        assert!(err("y ~ c(c(1))*x").message.contains("inside `c()`"));
    }

    #[test]
    fn spans_cover_names_and_whole_terms() {
        let r = rows("  y ~ x1 +\n  0.5*start(1)*x2");
        assert_eq!(r[0].lhs_span, Span { line: 1, col: 3, offset: 2, len: 1 });
        assert_eq!(r[0].rhs_span, Span { line: 1, col: 7, offset: 6, len: 2 });
        assert_eq!(r[1].rhs_span, Span { line: 2, col: 3, offset: 13, len: 15 });
        let r = rows("f =~ a*\n x");
        assert_eq!(r[0].rhs_span, Span { line: 1, col: 6, offset: 5, len: 5 });
    }

    #[test]
    fn definitions_keep_whitespace_free_text() {
        let d = definition("ab := a * b   # indirect");
        assert_eq!(d.name, "ab");
        assert_eq!(d.text, "a*b");
        assert_eq!(d.expr.strip_spans(), Expr::bin(BinOp::Mul, var("a"), var("b")));
        assert_eq!(d.span, Span { line: 1, col: 1, offset: 0, len: 11 });
        let d = definition("total := c +\n   (a*b)");
        assert_eq!(d.text, "c+(a*b)");
        assert_eq!(d.expr.strip_spans(), Expr::bin(BinOp::Add, var("c"), Expr::bin(BinOp::Mul, var("a"), var("b"))));
        assert!(err("a + b := c").message.contains("plain name"));
        assert!(err("1 := c").message.contains("plain name"));
    }

    #[test]
    fn expressions_follow_r_precedence() {
        let e = |src: &str| definition(&format!("d := {src}")).expr.strip_spans();
        assert_eq!(e("a - b - c"), Expr::bin(BinOp::Sub, Expr::bin(BinOp::Sub, var("a"), var("b")), var("c")));
        assert_eq!(e("a + b * c"), Expr::bin(BinOp::Add, var("a"), Expr::bin(BinOp::Mul, var("b"), var("c"))));
        assert_eq!(e("a ^ b ^ c"), Expr::bin(BinOp::Pow, var("a"), Expr::bin(BinOp::Pow, var("b"), var("c"))));
        assert_eq!(e("-a^2"), Expr::Neg(Box::new(Expr::bin(BinOp::Pow, var("a"), Expr::Num(2.0)))));
        assert_eq!(e("-a*b"), Expr::bin(BinOp::Mul, Expr::Neg(Box::new(var("a"))), var("b")));
        assert_eq!(e("a/-b"), Expr::bin(BinOp::Div, var("a"), Expr::Neg(Box::new(var("b")))));
        assert_eq!(e("+a"), var("a"));
        assert_eq!(
            e("exp(a, 2*b) + f()"),
            Expr::bin(
                BinOp::Add,
                Expr::Call {
                    func: "exp".into(),
                    args: vec![var("a"), Expr::bin(BinOp::Mul, Expr::Num(2.0), var("b"))],
                    span: Span::default()
                },
                Expr::Call { func: "f".into(), args: vec![], span: Span::default() }
            )
        );
    }

    #[test]
    fn expression_spans_point_at_names_and_calls() {
        let d = definition("d := a + exp(bb)");
        let Expr::Bin { lhs, rhs, .. } = &d.expr else { panic!("{:?}", d.expr) };
        assert!(matches!(**lhs, Expr::Var { span: Span { col: 6, len: 1, .. }, .. }));
        assert!(matches!(**rhs, Expr::Call { span: Span { col: 10, len: 7, .. }, .. }));
    }

    #[test]
    fn constraints_have_expressions_on_both_sides() {
        let m = parse("b1 == (b2 + b3)^2\nb1 > exp(b2 + b3); a < 0").unwrap_or_default();
        let c: Vec<&Constraint> = m.constraints().collect();
        assert_eq!(c.len(), 3);
        assert_eq!((c[0].op, c[0].lhs_text.as_str(), c[0].rhs_text.as_str()), (Op::Equal, "b1", "(b2+b3)^2"));
        assert_eq!((c[1].op, c[1].rhs_text.as_str()), (Op::Greater, "exp(b2+b3)"));
        assert_eq!(c[2].op, Op::Less);
        assert_eq!(c[2].rhs.strip_spans(), Expr::Num(0.0));
        assert_eq!(c[1].span.line, 2);
    }

    #[test]
    fn statements_keep_source_order_across_kinds() {
        let m = parse("y ~ a*x\nab := a*2\na > 0\nz ~ y").unwrap_or_default();
        let kinds: Vec<&str> = m
            .statements
            .iter()
            .map(|s| match s {
                Statement::Relation(_) => "relation",
                Statement::Define(_) => "define",
                Statement::Constrain(_) => "constrain",
            })
            .collect();
        assert_eq!(kinds, ["relation", "define", "constrain", "relation"]);
        assert_eq!(m.rows().count(), 2);
        assert_eq!(m.definitions().count(), 1);
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = 100_000;
        for src in [
            format!("d := {}a{}", "(".repeat(deep), ")".repeat(deep)),
            format!("d := {}a", "-".repeat(deep)),
            format!("d := a{}", "^a".repeat(deep)),
            format!("y ~ {}1{}*x", "c(".repeat(deep), ")".repeat(deep)),
        ] {
            let e = err(&src);
            assert!(e.message.contains("nested more than 100 levels"), "{}", e.message);
        }
        let ok = format!("d := {}a{}", "(".repeat(90), ")".repeat(90));
        assert_eq!(definition(&ok).text.len(), 181);
    }

    #[test]
    fn empty_model_is_an_error() {
        for src in ["", "   \n\n", "# only a comment\n! and another", ";;"] {
            let e = err(src);
            assert_eq!(e.message, "The model syntax contains no statements.");
            assert_eq!((e.line, e.col), (1, 1));
        }
    }
}
