//! One message as one line of the room: time, sender, type name, body. Every
//! piece of service text is made terminal-safe here, and JSON bodies are
//! summarised as `key=value` pairs.

use std::borrow::Cow;

use crate::catalogue::Catalogue;
use crate::moderation::Message;
use crate::tui::clock::Clock;

/// Text from the service, safe for one terminal line: control characters,
/// bidi controls and line separators become `·`. (ratatui does not interpret
/// escapes, but a stray control still breaks the layout, and a bidi override
/// can make one user's name read as another's.)
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if unsafe_char(c) { '·' } else { c })
            .collect(),
    )
}

fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// The catalogue's name for a MsgType, or its number.
pub fn type_name(catalogue: &Catalogue, msg_type: i64) -> String {
    match catalogue.get(msg_type) {
        Some(t) => safe(&t.name).into_owned(),
        None => format!("type {msg_type}"),
    }
}

/// A body for one line: a JSON object as `key=value` pairs (nested values
/// compact), anything else as its text, safe and on one line.
pub fn summarise_body(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.starts_with('{')
        && let Ok(serde_json::Value::Object(map)) = serde_json::from_str(trimmed)
    {
        let parts: Vec<String> = map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect();
        return safe(&parts.join(" ")).into_owned();
    }
    safe(trimmed).into_owned()
}

/// The columns of one message line (the sender with its info when it has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageLine {
    pub time: String,
    pub sender: String,
    pub kind: String,
    pub body: String,
}

impl MessageLine {
    pub fn new(m: &Message, catalogue: &Catalogue, clock: &Clock) -> Self {
        Self {
            time: clock.time(m.sent_at_secs()),
            sender: safe(&m.sender_id).into_owned(),
            kind: type_name(catalogue, m.msg_type),
            body: summarise_body(&m.body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_never_reach_the_screen() {
        assert_eq!(safe("plain 中文"), "plain 中文");
        assert!(matches!(safe("plain"), Cow::Borrowed(_)));
        assert_eq!(safe("a\x1b]52;c;x\x07b"), "a·]52;c;x·b");
        assert_eq!(safe("evil\u{202e}txt.exe"), "evil·txt.exe");
        assert_eq!(safe("two\nlines"), "two·lines");
    }

    #[test]
    fn json_bodies_are_summarised_and_text_is_kept() {
        assert_eq!(
            summarise_body(r#"{"text":"hi there","gift":{"id":3}}"#),
            r#"gift={"id":3} text=hi there"#
        );
        assert_eq!(summarise_body("just words"), "just words");
        assert_eq!(summarise_body("{not json"), "{not json");
        assert_eq!(summarise_body("{\"t\":\"a\\u001b[2Jb\"}"), "t=a·[2Jb");
    }
}
