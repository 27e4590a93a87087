//! Text from the service or from a file, made safe to put on a terminal.
//!
//! Anyone who can name a group can put bytes on a moderator's screen. Raw, an
//! `ESC ] 52` sequence writes their clipboard, `ESC [ 2 J` clears the screen, a
//! carriage return or newline forges a line of output, and a bidi override
//! makes `evil.txt` read as something else. Every such character is shown
//! escaped instead (`\x1b`, `\n`, `\u{202e}`), so the moderator sees that the
//! text holds it and nothing is executed. Ordinary text, including every
//! printable non-ASCII character, is returned as it is, without allocating.
//!
//! JSON output does not go through here: its values stay exact (see
//! [`json_terminal_safe`] for the escaping that keeps the value and the terminal intact).

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` for one line of a terminal (a table cell, a field, a status line):
/// every control character (C0 including newline, carriage return and tab,
/// DEL, C1), every bidi control and the Unicode line and paragraph separators
/// are shown escaped.
pub(crate) fn terminal_safe(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Like [`terminal_safe`], but newlines are kept as line breaks: for text that
/// is printed as a block of lines (an error message, a message body).
/// A carriage return is still escaped, so no line can overwrite another.
pub(crate) fn terminal_safe_multiline(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// True when `c` must not reach a terminal raw.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The explicit directional formatting characters (Unicode TR9): embeddings,
/// overrides, isolates and the implicit marks. Each can reorder what is shown.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let needs = |c: char| is_unsafe(c) && !(keep_newlines && c == '\n');
    let Some(first) = text.find(needs) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if !needs(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Serialised JSON with the characters a terminal could act on, that JSON
/// itself leaves raw (C1 controls, bidi controls, U+2028/U+2029), written as
/// `\uXXXX` escapes. The document decodes to exactly the same value: JSON's
/// structure is ASCII, so these characters can only occur inside strings,
/// where the escape means the same character. serde_json already escapes C0;
/// DEL is escaped here too.
pub(crate) fn json_terminal_safe(json: &str) -> Cow<'_, str> {
    let needs = |c: char| c == '\u{7f}' || (is_unsafe(c) && !c.is_ascii_control());
    let Some(first) = json.find(needs) else {
        return Cow::Borrowed(json);
    };
    let mut out = String::with_capacity(json.len() + 8);
    out.push_str(&json[..first]);
    for c in json[first..].chars() {
        if needs(c) {
            // Every such character is in the Basic Multilingual Plane: one escape.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Unicode lower case, so that "ÉCOLE" and "école" compare equal; CJK is unchanged.
pub(crate) fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for s in ["", "Room one", "直播间 🎉", "a\\nb", "café — ok"] {
            assert!(
                matches!(terminal_safe(s), Cow::Borrowed(t) if t == s),
                "{s:?}"
            );
            assert!(matches!(terminal_safe_multiline(s), Cow::Borrowed(t) if t == s));
        }
    }

    #[test]
    fn escape_sequences_are_shown_not_executed() {
        assert_eq!(
            terminal_safe("x\x1b]52;c;aGk=\x07y"),
            "x\\x1b]52;c;aGk=\\x07y"
        );
        assert_eq!(terminal_safe("\x1b[2J\x1b[H"), "\\x1b[2J\\x1b[H");
        assert_eq!(terminal_safe("a\u{9b}31mb"), "a\\u{9b}31mb");
        assert_eq!(terminal_safe("del\x7f"), "del\\x7f");
        assert_eq!(terminal_safe("nul\0"), "nul\\x00");
    }

    #[test]
    fn line_breaks_cannot_forge_lines() {
        assert_eq!(terminal_safe("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(terminal_safe("a\u{2028}b"), "a\\u{2028}b");
        assert_eq!(terminal_safe_multiline("a\nb\rc"), "a\nb\\rc");
    }

    #[test]
    fn bidi_overrides_are_escaped() {
        assert_eq!(terminal_safe("abc\u{202e}txt.exe"), "abc\\u{202e}txt.exe");
        assert_eq!(terminal_safe("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(terminal_safe("\u{200f}"), "\\u{200f}");
    }

    #[test]
    fn json_escaping_keeps_the_value() {
        let value = serde_json::json!({"GroupName": "a\u{9b}2J\u{202e}b\u{7f}\u{2028}\x1b"});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let safe = json_terminal_safe(&text);
        assert!(!safe.chars().any(is_unsafe_outside_newline), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    fn is_unsafe_outside_newline(c: char) -> bool {
        is_unsafe(c) && c != '\n'
    }

    proptest! {
        #[test]
        fn output_never_holds_an_unsafe_character(s in any::<String>()) {
            let one = terminal_safe(&s);
            prop_assert!(!one.chars().any(is_unsafe), "{:?}", one);
            let many = terminal_safe_multiline(&s);
            prop_assert!(!many.chars().any(is_unsafe_outside_newline), "{:?}", many);
            prop_assert_eq!(many.matches('\n').count(), s.matches('\n').count());
        }

        #[test]
        fn safe_text_is_returned_as_is(s in "[^\\p{Cc}\u{2028}\u{2029}\u{200e}\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{61c}]*") {
            prop_assert!(matches!(terminal_safe(&s), Cow::Borrowed(_)));
            let safe = terminal_safe(&s);
            prop_assert_eq!(safe.as_ref(), s.as_str());
        }

        #[test]
        fn escaping_is_unambiguous_for_unsafe_text(a in any::<String>(), b in any::<String>()) {
            // Different inputs without backslashes never look the same once escaped.
            prop_assume!(!a.contains('\\') && !b.contains('\\') && a != b);
            prop_assert_ne!(terminal_safe(&a), terminal_safe(&b));
        }

        #[test]
        fn json_stays_exact(s in any::<String>()) {
            let text = serde_json::to_string(&serde_json::json!({ "v": s })).unwrap();
            let safe = json_terminal_safe(&text);
            prop_assert!(!safe.chars().any(is_unsafe_outside_newline));
            let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
            prop_assert_eq!(back["v"].as_str().unwrap(), s.as_str());
        }
    }
}
