//! Moderation rules from `config.toml`: `[[rules]]` tables that flag messages.
//!
//! ```toml
//! [[rules]]
//! name = "ads"                      # optional; "rule N" otherwise
//! words = ["buy followers", "加微信"] # case-insensitive, substring (Chinese has no spaces)
//! whole_words = false               # true: a Latin word must stand alone ("ass" ≠ "class")
//! regex = "free\\s+v-?bucks"        # regex crate syntax, case-insensitive unless (?-i); linear time
//! links = true                      # URLs and bare domains
//! repeat = 3                        # the same sender, the same text, 3 times ...
//! repeat_window = "60s"             # ... within this window (default 60 s)
//! caps = true                       # shouting: mostly upper-case letters
//! caps_min_letters = 10             # (defaults)
//! caps_ratio = 0.7
//! profanity = "moderate"            # rustrict: mild | moderate | severe and worse
//! action = "recall"                 # none (default) | recall | mute
//! ```
//!
//! A rule matches a message when any of its tests does; the flag lists every
//! test that matched. Matched text in a [`Reason`] comes from the service: the
//! UI must pass it through the terminal sanitiser before drawing it.

use crate::text::lowercase;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Message;
use super::repeat::RepeatTracker;

/// What a rule does by itself when it matches, besides flagging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Only flag (the default: a person decides).
    #[default]
    None,
    /// Recall the message (DeleteLiveMessageGroupMessage).
    Recall,
    /// Mute the sender in the room (AddLiveMessageGroupBand).
    Mute,
}

/// The profanity threshold: flag at this severity or worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
        }
    }
}

/// Why a rule matched.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Listed words found in the text (as written in the list, at most a few).
    Words(Vec<String>),
    /// The text the regex matched (shortened).
    Regex(String),
    /// The first link found (shortened).
    Link(String),
    /// The sender posted this text `count` times within the window.
    Repeat { count: usize, window: Duration },
    /// Share of upper-case letters, in percent.
    Caps { upper_percent: u8 },
    /// rustrict judged the text at least this bad.
    Profanity { at_least: Severity },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Words(words) => write!(f, "word list: {}", words.join(", ")),
            Reason::Regex(text) => write!(f, "regex matched {text:?}"),
            Reason::Link(link) => write!(f, "link {link}"),
            Reason::Repeat { count, window } => write!(
                f,
                "same text {count} times in {}",
                humantime::format_duration(*window)
            ),
            Reason::Caps { upper_percent } => write!(f, "shouting ({upper_percent}% capitals)"),
            Reason::Profanity { at_least } => {
                write!(f, "profanity ({} or worse)", at_least.as_str())
            }
        }
    }
}

/// One rule's verdict on one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// Index of the rule in the config (0-based).
    pub rule: usize,
    pub rule_name: Arc<str>,
    pub action: Action,
    /// Every test of the rule that matched, in the order of the rule's fields.
    pub reasons: Vec<Reason>,
}

/// A rule that could not be read, naming where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RulesError {
    #[error("config: {0}")]
    Toml(String),
    #[error("`rules` must be a list of tables ([[rules]]), found {found}")]
    NotAList { found: &'static str },
    /// `index` is 1-based: the N-th `[[rules]]` table in the file.
    #[error("rule #{index}{}{}: {problem}", name.as_ref().map(|n| format!(" ({n:?})")).unwrap_or_default(), field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
    Rule {
        index: usize,
        name: Option<String>,
        field: Option<String>,
        problem: String,
    },
}

const DEFAULT_REPEAT_WINDOW: Duration = Duration::from_secs(60);
const DEFAULT_CAPS_MIN_LETTERS: usize = 10;
const DEFAULT_CAPS_RATIO: f64 = 0.7;
/// How much of a matched text a reason keeps.
const SNIPPET_CHARS: usize = 60;
/// How many distinct listed words a reason names.
const WORDS_REPORTED: usize = 5;

const FIELDS: &[&str] = &[
    "name",
    "words",
    "whole_words",
    "regex",
    "links",
    "repeat",
    "repeat_window",
    "caps",
    "caps_min_letters",
    "caps_ratio",
    "profanity",
    "action",
];

struct WordList {
    automaton: AhoCorasick,
    /// The words as written in the config, by pattern index.
    words: Vec<String>,
    whole_words: bool,
}

struct Caps {
    min_letters: usize,
    ratio: f64,
}

struct Rule {
    name: Arc<str>,
    action: Action,
    words: Option<WordList>,
    regex: Option<Regex>,
    links: bool,
    repeat: Option<(usize, Duration)>,
    caps: Option<Caps>,
    profanity: Option<Severity>,
}

/// The rules in force, and the little state the `repeat` test needs.
pub struct RuleSet {
    rules: Vec<Rule>,
    links: Regex,
    repeats: RepeatTracker,
}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.names().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl RuleSet {
    fn new(rules: Vec<Rule>) -> Self {
        let longest = rules
            .iter()
            .filter_map(|r| r.repeat.map(|(_, w)| w))
            .max()
            .unwrap_or(Duration::ZERO);
        Self {
            rules,
            links: link_regex(),
            repeats: RepeatTracker::new(longest),
        }
    }

    /// Reads the `rules` array of a whole `config.toml` text (other keys are ignored).
    pub fn from_config_str(text: &str) -> Result<Self, RulesError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| RulesError::Toml(e.message().to_string()))?;
        match table.get("rules") {
            Some(rules) => Self::from_value(rules),
            None => Ok(Self::default()),
        }
    }

    /// Reads the value of the `rules` key (an array of tables).
    pub fn from_value(rules: &toml::Value) -> Result<Self, RulesError> {
        match rules {
            toml::Value::Array(items) => Self::from_tables(items),
            other => Err(RulesError::NotAList {
                found: other.type_str(),
            }),
        }
    }

    /// Reads each `[[rules]]` table; the first bad one is reported.
    pub fn from_tables(items: &[toml::Value]) -> Result<Self, RulesError> {
        let rules = items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_rule(i + 1, item))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(rules))
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| &*r.name)
    }

    /// Every rule that matches `message`. Takes `&mut self` because the
    /// `repeat` test remembers what each sender posted recently (by the
    /// messages' own send times; a message seen twice counts once).
    pub fn check(&mut self, message: &Message) -> Vec<Flag> {
        let repeat_count = if self.repeats.window > Duration::ZERO {
            Some(self.repeats.record(message))
        } else {
            None
        };
        // Lower-cased once for the word lists of every rule.
        let mut lowered: Option<String> = None;
        let mut flags = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            let mut reasons = Vec::new();
            if let Some(words) = &rule.words {
                let lower = lowered.get_or_insert_with(|| lowercase(&message.body));
                if let Some(found) = words.find(lower) {
                    reasons.push(Reason::Words(found));
                }
            }
            if let Some(regex) = &rule.regex
                && let Some(m) = regex.find(&message.body)
            {
                reasons.push(Reason::Regex(snippet(m.as_str())));
            }
            if rule.links
                && let Some(link) = find_link(&self.links, &message.body)
            {
                reasons.push(Reason::Link(snippet(link)));
            }
            if let (Some((n, window)), Some(counts)) = (rule.repeat, &repeat_count) {
                let count = counts.within(window);
                if count >= n {
                    reasons.push(Reason::Repeat { count, window });
                }
            }
            if let Some(caps) = &rule.caps
                && let Some(upper_percent) = caps.shouting(&message.body)
            {
                reasons.push(Reason::Caps { upper_percent });
            }
            if let Some(at_least) = rule.profanity
                && profane(&message.body, at_least)
            {
                reasons.push(Reason::Profanity { at_least });
            }
            if !reasons.is_empty() {
                flags.push(Flag {
                    rule: index,
                    rule_name: rule.name.clone(),
                    action: rule.action,
                    reasons,
                });
            }
        }
        flags
    }
}

/// One `[[rules]]` table being read: reads fields with serde and names the
/// rule and the field in every error.
struct Fields<'a> {
    index: usize,
    name: Option<String>,
    table: &'a toml::Table,
}

impl Fields<'_> {
    fn err(&self, field: Option<&str>, problem: impl Into<String>) -> RulesError {
        RulesError::Rule {
            index: self.index,
            name: self.name.clone(),
            field: field.map(str::to_string),
            problem: problem.into(),
        }
    }

    fn has(&self, field: &str) -> bool {
        self.table.contains_key(field)
    }

    fn get<T: DeserializeOwned>(&self, field: &str) -> Result<Option<T>, RulesError> {
        self.table
            .get(field)
            .map(|v| {
                v.clone()
                    .try_into()
                    .map_err(|e: toml::de::Error| self.err(Some(field), e.message().trim()))
            })
            .transpose()
    }
}

fn parse_rule(index: usize, item: &toml::Value) -> Result<Rule, RulesError> {
    let Some(table) = item.as_table() else {
        return Err(RulesError::Rule {
            index,
            name: None,
            field: None,
            problem: format!("expected a table, found {}", item.type_str()),
        });
    };
    let mut f = Fields {
        index,
        name: None,
        table,
    };
    f.name = f.get("name")?;
    if let Some(key) = table.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        let problem = format!("unknown field; the fields are {}", FIELDS.join(", "));
        return Err(f.err(Some(key), problem));
    }
    let whole_words = f.get("whole_words")?.unwrap_or(false);
    let words = match f.get::<Vec<String>>("words")? {
        Some(words) => WordList::new(words, whole_words).map_err(|p| f.err(Some("words"), p))?,
        None if whole_words => return Err(f.err(Some("whole_words"), "needs a `words` list")),
        None => None,
    };
    let regex = match f.get::<String>("regex")? {
        Some(pattern) => Some(
            regex::RegexBuilder::new(&pattern)
                .case_insensitive(true)
                .build()
                .map_err(|e| f.err(Some("regex"), e.to_string()))?,
        ),
        None => None,
    };
    let repeat = match f.get::<i64>("repeat")? {
        Some(n) if !(2..=1000).contains(&n) => {
            let problem = format!("is {n}; it counts posts of the same text, from 2 to 1000");
            return Err(f.err(Some("repeat"), problem));
        }
        Some(n) => {
            let window = match table.get("repeat_window") {
                Some(v) => duration_value(v).map_err(|p| f.err(Some("repeat_window"), p))?,
                None => DEFAULT_REPEAT_WINDOW,
            };
            Some((n as usize, window))
        }
        None if f.has("repeat_window") => {
            return Err(f.err(Some("repeat_window"), "needs `repeat = N`"));
        }
        None => None,
    };
    let caps = parse_caps(&f)?;
    let rule = Rule {
        name: Arc::from(f.name.clone().unwrap_or_else(|| format!("rule {index}"))),
        action: f.get("action")?.unwrap_or_default(),
        words,
        regex,
        links: f.get("links")?.unwrap_or(false),
        repeat,
        caps,
        profanity: f.get("profanity")?,
    };
    let tests = rule.words.is_some()
        || rule.regex.is_some()
        || rule.links
        || rule.repeat.is_some()
        || rule.caps.is_some()
        || rule.profanity.is_some();
    if !tests {
        return Err(f.err(
            None,
            "tests nothing; give at least one of words, regex, links = true, repeat, \
             caps = true, profanity",
        ));
    }
    Ok(rule)
}

fn parse_caps(f: &Fields<'_>) -> Result<Option<Caps>, RulesError> {
    let min_letters = match f.get::<i64>("caps_min_letters")? {
        Some(n) if n >= 1 => n as usize,
        Some(n) => {
            return Err(f.err(
                Some("caps_min_letters"),
                format!("is {n}; it must be at least 1"),
            ));
        }
        None => DEFAULT_CAPS_MIN_LETTERS,
    };
    let ratio = match f.get::<f64>("caps_ratio")? {
        Some(r) if r > 0.0 && r <= 1.0 => r,
        Some(r) => {
            let problem = format!("is {r}; it is a share of letters, above 0 and at most 1");
            return Err(f.err(Some("caps_ratio"), problem));
        }
        None => DEFAULT_CAPS_RATIO,
    };
    if f.get("caps")?.unwrap_or(false) {
        return Ok(Some(Caps { min_letters, ratio }));
    }
    match ["caps_min_letters", "caps_ratio"]
        .into_iter()
        .find(|k| f.has(k))
    {
        Some(field) => Err(f.err(Some(field), "needs `caps = true`")),
        None => Ok(None),
    }
}

/// "90s", "2m" or a number of seconds.
fn duration_value(value: &toml::Value) -> Result<Duration, String> {
    let window = match value {
        toml::Value::Integer(secs) if *secs > 0 => Duration::from_secs(*secs as u64),
        toml::Value::String(text) => humantime::parse_duration(text.trim())
            .map_err(|e| format!("{text:?} is not a duration ({e}); use e.g. \"60s\" or \"5m\""))?,
        other => {
            return Err(format!(
                "expected a duration such as \"60s\" or a positive number of seconds, found {}",
                other.type_str()
            ));
        }
    };
    if window.is_zero() || window > Duration::from_secs(24 * 3600) {
        return Err("must be more than 0 and at most 24h".into());
    }
    Ok(window)
}

impl WordList {
    fn new(words: Vec<String>, whole_words: bool) -> Result<Option<Self>, String> {
        let mut kept = Vec::with_capacity(words.len());
        for (i, word) in words.into_iter().enumerate() {
            let trimmed = word.trim();
            if trimmed.is_empty() {
                return Err(format!(
                    "word {} is empty (it would match every message)",
                    i + 1
                ));
            }
            kept.push(trimmed.to_string());
        }
        if kept.is_empty() {
            return Ok(None);
        }
        let patterns: Vec<String> = kept.iter().map(|w| lowercase(w)).collect();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| e.to_string())?;
        Ok(Some(Self {
            automaton,
            words: kept,
            whole_words,
        }))
    }

    /// The listed words found in already lower-cased text, as written in the config.
    fn find(&self, lower: &str) -> Option<Vec<String>> {
        let mut found: Vec<String> = Vec::new();
        for m in self.automaton.find_iter(lower) {
            if self.whole_words && !stands_alone(lower, m.start(), m.end()) {
                continue;
            }
            let word = &self.words[m.pattern().as_usize()];
            if !found.iter().any(|w| w == word) {
                found.push(word.clone());
                if found.len() == WORDS_REPORTED {
                    break;
                }
            }
        }
        (!found.is_empty()).then_some(found)
    }
}

/// Whether `text[start..end]` is not glued to letters or digits of a Latin
/// word on either side (CJK text has no spaces, so only ASCII counts as glue).
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    (!glued(first) || !glued(before)) && (!glued(last) || !glued(after))
}

fn snippet(text: &str) -> String {
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// URLs with a scheme or `www.`, and bare domains on common top-level domains.
fn link_regex() -> Regex {
    const TLDS: &str = "com|net|org|info|biz|io|co|me|ly|gg|tv|cc|xyz|top|site|online|shop|vip|app|\
                        link|club|live|ru|cn|hk|tw|jp|kr|uk|de|fr|us|in|to";
    Regex::new(&format!(
        r"(?i)(?:https?://|www\.)[^\s]+|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.(?:{TLDS})(?:[/:?#][^\s]*)?"
    ))
    .expect("the link pattern is valid")
}

/// The first link in `text`, not counting a domain glued into a longer word
/// ("example.community" is not "example.com" followed by "munity").
fn find_link<'t>(links: &Regex, text: &'t str) -> Option<&'t str> {
    links.find_iter(text).map(|m| m.as_str()).find(|found| {
        let start = found.as_ptr() as usize - text.as_ptr() as usize;
        let end = start + found.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '@')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

impl Caps {
    /// The share of capitals, in percent, when the text is shouting.
    fn shouting(&self, text: &str) -> Option<u8> {
        let (mut upper, mut letters) = (0usize, 0usize);
        for c in text.chars() {
            if c.is_uppercase() {
                upper += 1;
                letters += 1;
            } else if c.is_lowercase() {
                letters += 1;
            }
        }
        if letters < self.min_letters || (upper as f64) < self.ratio * letters as f64 {
            return None;
        }
        Some((upper * 100 / letters) as u8)
    }
}

/// Whether rustrict judges the text inappropriate at `at_least` or worse.
fn profane(text: &str, at_least: Severity) -> bool {
    use rustrict::{Censor, Type};
    let threshold = match at_least {
        Severity::Mild => Type::MILD_OR_HIGHER,
        Severity::Moderate => Type::MODERATE_OR_HIGHER,
        Severity::Severe => Type::SEVERE,
    };
    Censor::from_str(text)
        .analyze()
        .is(Type::INAPPROPRIATE & threshold)
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
