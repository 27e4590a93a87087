//! The catalogue of named message types the compose pane offers.
//!
//! The built-in catalogue ships in `assets/message-types.toml`; a user file of the
//! same shape, `message-types.toml` in the config directory, overrides it: entries
//! with the same number replace built-in ones, new numbers are added, and
//! `replace = true` at the top of the user file drops the built-in list entirely.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The catalogue compiled into the binary.
pub(crate) const BUILTIN: &str = include_str!("../assets/message-types.toml");
/// Name of the user catalogue inside the config directory.
pub(crate) const FILE_NAME: &str = "message-types.toml";

/// One named message type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageType {
    /// The MsgType sent to the service.
    pub number: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The Body a new message of this type starts with.
    #[serde(default)]
    pub body: String,
    /// When true the Body must be valid JSON before it can be sent.
    #[serde(default)]
    pub json: bool,
}

impl MessageType {
    /// Why `body` cannot be sent as this type, if it cannot.
    pub fn check_body(&self, body: &str) -> Result<(), BodyError> {
        if self.json {
            serde_json::from_str::<serde_json::Value>(body).map_err(|e| BodyError {
                msg_type: self.number,
                message: format!(
                    "Body must be JSON for type {} ({}): {e}",
                    self.number, self.name
                ),
            })?;
        }
        Ok(())
    }
}

/// A body the catalogue refuses for its message type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BodyError {
    pub msg_type: i64,
    /// Names the type and what is wrong with the body.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    replace: bool,
    #[serde(default, rename = "type")]
    types: Vec<MessageType>,
}

/// A catalogue file that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for CatalogueError {}

/// The message types in force, sorted by number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    pub types: Vec<MessageType>,
    /// The user file that was merged in, if any.
    pub source: Option<PathBuf>,
}

impl Default for Catalogue {
    fn default() -> Self {
        Self::builtin()
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn parse(text: &str, file: &str) -> Result<File, CatalogueError> {
    let parsed: File = toml::from_str(text).map_err(|e| {
        let (line, column) = match e.span() {
            Some(span) => {
                let (l, c) = line_col(text, span.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        CatalogueError {
            file: file.to_string(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    let mut seen = std::collections::BTreeSet::new();
    for t in &parsed.types {
        let problem = if t.name.trim().is_empty() {
            Some(format!("type {} has an empty name", t.number))
        } else if !seen.insert(t.number) {
            Some(format!("type number {} appears twice", t.number))
        } else if t.json && !t.body.trim().is_empty() {
            t.check_body(&t.body)
                .err()
                .map(|e| format!("template of type {}: {e}", t.number))
        } else {
            None
        };
        if let Some(message) = problem {
            // Point at the entry's `number = N` line when it can be found.
            let needle = format!("number = {}", t.number);
            let line = text.find(&needle).map(|off| line_col(text, off).0);
            return Err(CatalogueError {
                file: file.to_string(),
                line,
                column: None,
                message,
            });
        }
    }
    Ok(parsed)
}

impl Catalogue {
    /// The catalogue shipped with livemod.
    pub fn builtin() -> Self {
        let file = parse(BUILTIN, "assets/message-types.toml").expect("built-in catalogue parses");
        let mut types = file.types;
        types.sort_by_key(|t| t.number);
        Self {
            types,
            source: None,
        }
    }

    /// The built-in catalogue with `text` (the contents of `file`) merged over it.
    pub fn with_overrides(text: &str, file: &str) -> Result<Self, CatalogueError> {
        let user = parse(text, file)?;
        let mut cat = if user.replace {
            Self {
                types: Vec::new(),
                source: None,
            }
        } else {
            Self::builtin()
        };
        for t in user.types {
            match cat.types.iter_mut().find(|b| b.number == t.number) {
                Some(slot) => *slot = t,
                None => cat.types.push(t),
            }
        }
        cat.types.sort_by_key(|t| t.number);
        if cat.types.is_empty() {
            return Err(CatalogueError {
                file: file.to_string(),
                line: None,
                column: None,
                message: "the catalogue has no message types".into(),
            });
        }
        cat.source = Some(PathBuf::from(file));
        Ok(cat)
    }

    /// The built-in catalogue, overridden by `config_dir/message-types.toml` when it exists.
    pub fn load(config_dir: Option<&Path>) -> Result<Self, CatalogueError> {
        let Some(dir) = config_dir else {
            return Ok(Self::builtin());
        };
        let path = dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::with_overrides(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::builtin()),
            Err(e) => Err(CatalogueError {
                file: path.display().to_string(),
                line: None,
                column: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }

    pub fn get(&self, number: i64) -> Option<&MessageType> {
        self.types.iter().find(|t| t.number == number)
    }

    /// The catalogue's rule for a message about to be sent, the same for the
    /// console and the command line: a type the catalogue marks as JSON needs a
    /// JSON body (an absent body is empty, so it is refused too). A type the
    /// catalogue does not know is the sender's business and is let through.
    pub fn check_message(
        &self,
        msg_type: Option<i64>,
        body: Option<&str>,
    ) -> Result<(), BodyError> {
        match msg_type.and_then(|n| self.get(n)) {
            Some(t) => t.check_body(body.unwrap_or("")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_the_documented_types() {
        let cat = Catalogue::builtin();
        let names: Vec<_> = cat
            .types
            .iter()
            .map(|t| (t.number, t.name.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                (1, "chat text"),
                (2, "system notice"),
                (3, "like"),
                (4, "gift"),
                (5, "pinned announcement")
            ]
        );
        assert!(!cat.get(1).unwrap().json);
        assert!(cat.get(4).unwrap().json);
    }

    #[test]
    fn user_file_overrides_and_adds() {
        let text = "[[type]]\nnumber = 1\nname = \"shout\"\nbody = \"HEY\"\n\n[[type]]\nnumber = 9\nname = \"poll\"\njson = true\nbody = '{\"q\": 1}'\n";
        let cat = Catalogue::with_overrides(text, "u.toml").unwrap();
        assert_eq!(cat.get(1).unwrap().name, "shout");
        assert_eq!(cat.get(9).unwrap().name, "poll");
        assert_eq!(cat.get(4).unwrap().name, "gift");
        let only = Catalogue::with_overrides(&format!("replace = true\n{text}"), "u.toml").unwrap();
        assert_eq!(only.types.len(), 2);
    }

    #[test]
    fn bad_file_names_file_and_line() {
        let text =
            "[[type]]\nnumber = 1\nname = \"a\"\n\n[[type]]\nnumber = \"two\"\nname = \"b\"\n";
        let err = Catalogue::with_overrides(text, "/x/message-types.toml").unwrap_err();
        assert_eq!(err.line, Some(6), "{err}");
        assert!(
            err.to_string().starts_with("/x/message-types.toml:6"),
            "{err}"
        );

        let text = "[[type]]\nnumber = 1\nname = \"a\"\n[[type]]\nnumber = 1\nname = \"b\"\n";
        let err = Catalogue::with_overrides(text, "f.toml").unwrap_err();
        assert!(err.message.contains("twice"), "{err}");

        let text = "[[type]]\nnumber = 7\nname = \"a\"\njson = true\nbody = \"{nope\"\n";
        let err = Catalogue::with_overrides(text, "f.toml").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");

        let err =
            Catalogue::with_overrides("[[type]]\nnumber = 1\nname = \"a\"\ncolour = 1\n", "f.toml")
                .unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
    }

    #[test]
    fn json_types_refuse_bad_bodies() {
        let cat = Catalogue::builtin();
        assert!(cat.get(3).unwrap().check_body("{\"count\": 2}").is_ok());
        assert!(cat.get(3).unwrap().check_body("lots").is_err());
        assert!(cat.get(1).unwrap().check_body("lots").is_ok());
    }

    #[test]
    fn check_message_applies_the_type_rule() {
        let cat = Catalogue::builtin();
        let err = cat.check_message(Some(2), Some("hello")).unwrap_err();
        assert_eq!(err.msg_type, 2);
        let shown = err.to_string();
        assert!(
            shown.contains("type 2") && shown.contains("JSON"),
            "{shown}"
        );
        assert!(cat.check_message(Some(2), None).is_err());
        assert!(
            cat.check_message(Some(2), Some("{\"text\": \"hi\"}"))
                .is_ok()
        );
        assert!(cat.check_message(Some(1), Some("hello")).is_ok());
        assert!(cat.check_message(None, Some("hello")).is_ok());
        assert!(cat.check_message(Some(77), Some("not json")).is_ok());
    }

    #[test]
    fn load_reads_the_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Catalogue::load(Some(dir.path())).unwrap(),
            Catalogue::builtin()
        );
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[[type]]\nnumber = 3\nname = \"heart\"\n",
        )
        .unwrap();
        let cat = Catalogue::load(Some(dir.path())).unwrap();
        assert_eq!(cat.get(3).unwrap().name, "heart");
        assert!(cat.source.is_some());
    }
}
