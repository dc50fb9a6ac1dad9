//! Located parse errors and the source-line bookkeeping that places them.

use crate::model::Span;

/// Located error. Display renders the message, the source line and a caret under the culprit:
///
/// ```text
/// Syntax error at line 3, column 16: expected a variable name after `+`, found `*`.
///   visual =~ x1 + * x2
///                  ^
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "Syntax error at line {line}, column {col}: {message}{}",
    excerpt(.source_line, *.col, *.len)
)]
pub struct ParseError {
    /// 1-based line of the culprit.
    pub line: usize,
    /// 1-based column (in characters) of the culprit; one past the last character when the
    /// statement ended too early.
    pub col: usize,
    /// Number of characters to underline (at least 1), within `source_line`.
    pub len: usize,
    /// What went wrong and what was expected; ends with a period.
    pub message: String,
    /// The full text of line `line`.
    pub source_line: String,
}

/// The source line and a caret line under it; tabs in the source are kept in the caret line's
/// indentation so the caret stays aligned.
fn excerpt(source_line: &str, col: usize, len: usize) -> String {
    if source_line.trim().is_empty() {
        return String::new();
    }
    let pad: String =
        source_line.chars().take(col.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    format!("\n  {source_line}\n  {pad}{}", "^".repeat(len.max(1)))
}

/// The source with its line starts, to turn spans into errors.
pub(crate) struct Source<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Source { text, line_starts }
    }

    /// The text of `span` (empty if the span does not lie on character boundaries).
    pub(crate) fn slice(&self, span: Span) -> &'a str {
        self.text.get(span.offset..span.offset + span.len).unwrap_or("")
    }

    /// Line `line` (1-based) without its line break.
    pub(crate) fn line_text(&self, line: usize) -> &'a str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self.line_starts.get(line).map_or(self.text.len(), |next| next - 1);
        let l = self.text.get(start..end).unwrap_or("");
        l.strip_suffix('\r').unwrap_or(l)
    }

    /// An error underlining `span`, cut to the end of its first line.
    pub(crate) fn error(&self, span: Span, message: impl Into<String>) -> ParseError {
        let source_line = self.line_text(span.line).to_string();
        let line_chars = source_line.chars().count();
        let span_chars = self.slice(span).chars().take_while(|&c| c != '\n').count();
        let room = (line_chars + 1).saturating_sub(span.col);
        ParseError {
            line: span.line.max(1),
            col: span.col.max(1),
            len: span_chars.min(room).max(1),
            message: message.into(),
            source_line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_draws_a_caret_under_the_column() {
        let e = ParseError {
            line: 3,
            col: 16,
            len: 1,
            message: "expected a variable name after `+`, found `*`.".into(),
            source_line: "visual =~ x1 + * x2".into(),
        };
        assert_eq!(
            e.to_string(),
            "Syntax error at line 3, column 16: expected a variable name after `+`, found `*`.\n  \
             visual =~ x1 + * x2\n                 ^"
        );
    }

    #[test]
    fn caret_line_keeps_tabs_and_length() {
        let e = ParseError { line: 1, col: 3, len: 2, message: "m.".into(), source_line: "\ta<~b".into() };
        assert!(e.to_string().ends_with("\n  \ta<~b\n  \t ^^"), "{e}");
    }

    #[test]
    fn blank_source_line_gives_no_excerpt() {
        let e = ParseError {
            line: 1,
            col: 1,
            len: 1,
            message: "The model syntax contains no statements.".into(),
            source_line: "  ".into(),
        };
        assert_eq!(e.to_string(), "Syntax error at line 1, column 1: The model syntax contains no statements.");
    }

    #[test]
    fn lines_are_found_without_their_breaks() {
        let s = Source::new("a\r\nbc\n\nd");
        assert_eq!(s.line_text(1), "a");
        assert_eq!(s.line_text(2), "bc");
        assert_eq!(s.line_text(3), "");
        assert_eq!(s.line_text(4), "d");
        assert_eq!(s.line_text(5), "");
    }

    #[test]
    fn error_length_is_cut_at_the_line_end() {
        let s = Source::new("ab cd\nef");
        let e = s.error(Span { line: 1, col: 4, offset: 3, len: 5 }, "m.");
        assert_eq!((e.line, e.col, e.len), (1, 4, 2));
        assert_eq!(e.source_line, "ab cd");
    }
}
