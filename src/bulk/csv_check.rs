//! A strict look at CSV quoting, before the csv crate reads the file.
//!
//! Why: the csv crate is lenient. An unterminated quote (`q1,"unterminated`)
//! makes it read every later row into one field and report nothing, so a
//! 2-row file silently becomes 1 row. Here a quote that never closes, or that
//! closes with text after it on the same field, is an error naming the line
//! where the quote opened.

/// A problem in an input file, with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Clone, Copy)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// Just saw `"` inside a quoted field: an escaped `""` or the close.
    QuoteInQuoted,
    /// After the closing quote: only spaces until the separator.
    AfterQuote,
}

pub(crate) fn quotes_balanced(text: &str) -> Result<(), LineError> {
    let mut state = State::FieldStart;
    let mut line = 1;
    let mut opened = 1;
    for c in text.chars() {
        state = match (state, c) {
            (State::FieldStart, '"') => {
                opened = line;
                State::Quoted
            }
            (State::FieldStart | State::Unquoted, ',' | '\n' | '\r') => State::FieldStart,
            (State::FieldStart | State::Unquoted, _) => State::Unquoted,
            (State::Quoted, '"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, '"') => State::Quoted,
            (State::QuoteInQuoted | State::AfterQuote, ',' | '\n' | '\r') => State::FieldStart,
            (State::QuoteInQuoted | State::AfterQuote, ' ' | '\t') => State::AfterQuote,
            (State::QuoteInQuoted | State::AfterQuote, other) => {
                return Err(LineError {
                    line: opened,
                    message: format!(
                        "the quoted field opened here closes on line {line} and is followed by {other:?}; a quote inside a quoted field is written \"\""
                    ),
                });
            }
        };
        if c == '\n' {
            line += 1;
        }
    }
    if let State::Quoted = state {
        return Err(LineError {
            line: opened,
            message: "a quote opened here is never closed (it would swallow every row after it)"
                .into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_quotes_pass() {
        for ok in [
            "a,b\n1,2\n",
            "a,b\n\"x, y\",2\n",
            "a,b\n\"multi\nline\",2\n",
            "a,b\n\"say \"\"hi\"\"\",2\n",
            "a,b\n\"x\" ,2\r\n",
            "a,b\nsome\"inner,2\n",
            "",
        ] {
            assert!(quotes_balanced(ok).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn unterminated_quote_names_the_line_it_opened() {
        let err = quotes_balanced("group_id,name\nq1,\"unterminated\nq2,x\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.message.contains("never closed"), "{err}");
    }

    #[test]
    fn text_after_a_closing_quote_is_refused() {
        let err = quotes_balanced("group_id,name\nq1,\"open\nq2,x\nq3,\"y\"\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.message.contains("line 4"), "{err}");
    }
}
