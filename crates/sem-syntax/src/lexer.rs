//! Hand-written lexer: one pass over the characters, no allocation except for strings.
//!
//! The lexer never fails: a character or literal it cannot read becomes a [`Kind::Bad`] token
//! carrying its message, and the parser reports it when it reaches it. That way the error the
//! user sees is the first one in source order, whether lexical or grammatical.

use crate::model::{Op, Span};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// `[A-Za-z.][A-Za-z0-9._]*` (including `NA`).
    Ident,
    /// A number literal, always non-negative (`-` is its own token).
    Number(f64),
    /// A quoted string, unescaped.
    Str(String),
    /// One of lavaan's operators (never `Op::Intercept`, which is `~` followed by `1`).
    Op(Op),
    /// `<~`: formative indicators, recognised only to be refused.
    Formative,
    /// `:`: block lines (`group: 1`) and interaction terms, recognised only to be refused.
    Colon,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Question,
    LParen,
    RParen,
    Comma,
    Semi,
    /// Something unreadable; the message says what.
    Bad(String),
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) span: Span,
    /// A line break lies between the previous token and this one (statements may end there).
    pub(crate) newline_before: bool,
}

/// Splits `src` into tokens; comments (`#` or `!` outside quotes, to the end of the line) and
/// whitespace are dropped, line breaks are kept as [`Token::newline_before`].
pub(crate) fn tokenize(src: &str) -> Vec<Token> {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        line: 1,
        col_mark: (0, 1),
        newline: false,
        out: Vec::with_capacity(src.len() / 3),
    };
    lx.run();
    lx.out
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    /// A byte offset on the current line and its column, so columns are counted incrementally.
    col_mark: (usize, usize),
    /// A line break was passed since the last token.
    newline: bool,
    out: Vec<Token>,
}

/// A byte that may follow the first character of a name.
pub(crate) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'_'
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn push(&mut self, kind: Kind, start: usize) {
        // Columns count characters, from the previous token on the same line.
        let (mark, mark_col) = self.col_mark;
        let col = mark_col + self.src[mark..start].chars().count();
        self.col_mark = (start, col);
        let span = Span { line: self.line, col, offset: start, len: self.pos - start };
        let newline_before = std::mem::take(&mut self.newline);
        self.out.push(Token { kind, span, newline_before });
    }

    fn run(&mut self) {
        while let Some(b) = self.peek(0) {
            let start = self.pos;
            match b {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.col_mark = (self.pos, 1);
                    self.newline = true;
                }
                b' ' | b'\t' | b'\r' | b'\x0c' => self.pos += 1,
                b'#' | b'!' => {
                    while self.peek(0).is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                b'"' | b'\'' => self.string(b),
                b'0'..=b'9' => self.number(),
                b'.' if self.peek(1).is_some_and(|c| c.is_ascii_digit()) => self.number(),
                b'.' | b'a'..=b'z' | b'A'..=b'Z' => {
                    while self.peek(0).is_some_and(is_name_byte) {
                        self.pos += 1;
                    }
                    self.push(Kind::Ident, start);
                }
                _ => self.punctuation(b),
            }
        }
    }

    /// Operators, longest spelling first (`~*~` before `~~` before `~`, `=~` and `==` before `=`).
    fn punctuation(&mut self, b: u8) {
        let start = self.pos;
        let next = self.peek(1);
        let (kind, width) = match (b, next) {
            (b'~', Some(b'*')) if self.peek(2) == Some(b'~') => (Kind::Op(Op::Scaling), 3),
            (b'~', Some(b'~')) => (Kind::Op(Op::Covariance), 2),
            (b'~', _) => (Kind::Op(Op::Regression), 1),
            (b'=', Some(b'~')) => (Kind::Op(Op::Loading), 2),
            (b'=', Some(b'=')) => (Kind::Op(Op::Equal), 2),
            (b':', Some(b'=')) => (Kind::Op(Op::Defined), 2),
            (b'<', Some(b'~')) => (Kind::Formative, 2),
            (b'<', Some(b'=')) | (b'>', Some(b'=')) => {
                (Kind::Bad(format!("unknown operator `{}=`; lavaan constraints use `<` and `>`.", b as char)), 2)
            }
            (b'<', _) => (Kind::Op(Op::Less), 1),
            (b'>', _) => (Kind::Op(Op::Greater), 1),
            (b'|', _) => (Kind::Op(Op::Threshold), 1),
            (b':', _) => (Kind::Colon, 1),
            (b'=', _) => (Kind::Bad("unknown operator `=`; use `=~` for loadings or `==` for equality.".into()), 1),
            (b'+', _) => (Kind::Plus, 1),
            (b'-', _) => (Kind::Minus, 1),
            (b'*', _) => (Kind::Star, 1),
            (b'/', _) => (Kind::Slash, 1),
            (b'^', _) => (Kind::Caret, 1),
            (b'?', _) => (Kind::Question, 1),
            (b'(', _) => (Kind::LParen, 1),
            (b')', _) => (Kind::RParen, 1),
            (b',', _) => (Kind::Comma, 1),
            (b';', _) => (Kind::Semi, 1),
            _ => {
                let c = self.src[start..].chars().next().unwrap_or('?');
                let message = match c {
                    '%' | '&' | '$' | '@' | '[' | ']' | '{' | '}' | '`' => {
                        format!("unknown operator `{c}`.")
                    }
                    '_' => "a name cannot start with `_`.".to_string(),
                    _ => format!("unexpected character `{}`.", c.escape_debug()),
                };
                (Kind::Bad(message), c.len_utf8())
            }
        };
        self.pos += width;
        self.push(kind, start);
    }

    /// `1`, `0.5`, `.5`, `1.`, `1e-3`, `2.5E+2`; anything glued to it (`1.2.3`, `2x`) makes a bad
    /// number rather than two tokens.
    fn number(&mut self) {
        let start = self.pos;
        let digits = |lx: &mut Self| {
            let from = lx.pos;
            while lx.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                lx.pos += 1;
            }
            lx.pos > from
        };
        digits(self);
        if self.peek(0) == Some(b'.') {
            self.pos += 1;
            digits(self);
        }
        let mut ok = true;
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(0), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            ok = digits(self);
        }
        if self.peek(0).is_some_and(is_name_byte) {
            ok = false;
            while self.peek(0).is_some_and(is_name_byte) {
                self.pos += 1;
            }
        }
        let text = &self.src[start..self.pos];
        let kind = match text.parse::<f64>() {
            Ok(v) if ok && v.is_finite() => Kind::Number(v),
            Ok(_) if ok => Kind::Bad(format!("number `{text}` is too large.")),
            _ => Kind::Bad(format!("bad number `{text}`.")),
        };
        self.push(kind, start);
    }

    /// A string in `"` or `'`; a backslash takes the next character literally. A string must end
    /// on its line.
    fn string(&mut self, quote: u8) {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        let mut seg = self.pos;
        loop {
            match self.peek(0) {
                Some(c) if c == quote => {
                    value.push_str(&self.src[seg..self.pos]);
                    self.pos += 1;
                    self.push(Kind::Str(value), start);
                    return;
                }
                Some(b'\\') if self.peek(1).is_some_and(|c| c != b'\n') => {
                    value.push_str(&self.src[seg..self.pos]);
                    self.pos += 1;
                    // Step over one whole character, which may be several bytes.
                    let c = self.src[self.pos..].chars().next().unwrap_or('\\');
                    value.push(c);
                    self.pos += c.len_utf8();
                    seg = self.pos;
                }
                Some(b'\n') | None => {
                    let q = quote as char;
                    self.push(Kind::Bad(format!("unterminated string: missing closing `{q}`.")), start);
                    return;
                }
                Some(_) => self.pos += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Kind> {
        tokenize(src).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn longest_operator_wins() {
        assert_eq!(
            kinds("~*~ ~~ ~ =~ == := < > | <~ :"),
            vec![
                Kind::Op(Op::Scaling),
                Kind::Op(Op::Covariance),
                Kind::Op(Op::Regression),
                Kind::Op(Op::Loading),
                Kind::Op(Op::Equal),
                Kind::Op(Op::Defined),
                Kind::Op(Op::Less),
                Kind::Op(Op::Greater),
                Kind::Op(Op::Threshold),
                Kind::Formative,
                Kind::Colon,
            ]
        );
        // `~*x` is a regression on a product-looking term, not a broken `~*~`.
        assert_eq!(kinds("~*x"), vec![Kind::Op(Op::Regression), Kind::Star, Kind::Ident]);
    }

    #[test]
    fn numbers_in_all_spellings() {
        for (text, value) in [("1", 1.0), ("0.5", 0.5), (".5", 0.5), ("1.", 1.0), ("1e-3", 1e-3), ("2.5E+2", 250.0)] {
            match &kinds(text)[..] {
                [Kind::Number(v)] => assert!((v - value).abs() < 1e-15, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(kinds("-0.5"), vec![Kind::Minus, Kind::Number(0.5)]);
    }

    #[test]
    fn bad_numbers_are_one_token() {
        for text in ["1.2.3", "2x", "1e", "1e+", "0x1F"] {
            match &kinds(text)[..] {
                [Kind::Bad(m)] => assert!(m.contains(text), "{text}: {m}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(&kinds("1e999")[..], [Kind::Bad(m)] if m.contains("too large")));
    }

    #[test]
    fn names_may_start_with_a_dot_but_not_a_digit() {
        assert_eq!(kinds(".a x.1 y_2"), vec![Kind::Ident, Kind::Ident, Kind::Ident]);
        assert!(matches!(&kinds("_a")[0], Kind::Bad(m) if m.contains("`_`")));
    }

    #[test]
    fn comments_end_at_the_line_but_not_inside_quotes() {
        assert_eq!(kinds("a # b ~ c\n! d\n\"#x\""), vec![Kind::Ident, Kind::Str("#x".into())]);
        let breaks: Vec<bool> = tokenize("a b # c\n\n d").iter().map(|t| t.newline_before).collect();
        assert_eq!(breaks, [false, false, true]);
    }

    #[test]
    fn strings_unescape_and_must_close_on_their_line() {
        assert_eq!(kinds(r#"'a\'b' "c\\d""#), vec![Kind::Str("a'b".into()), Kind::Str(r"c\d".into())]);
        assert!(matches!(&kinds("\"abc\nx")[0], Kind::Bad(m) if m.contains("unterminated")));
    }

    #[test]
    fn spans_count_lines_and_character_columns() {
        let toks = tokenize("é =~ x\n  y");
        let eq = &toks[1];
        assert_eq!(eq.span, Span { line: 1, col: 3, offset: 3, len: 2 });
        let y = toks.last().map(|t| t.span);
        assert_eq!(y, Some(Span { line: 2, col: 3, offset: 10, len: 1 }));
    }
}
