//! The user's `config.toml` and the platform directories livemod reads and writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::api::DataCenter;

pub const ENV_CONFIG: &str = "LIVEMOD_CONFIG";
pub const ENV_DATA_DIR: &str = "LIVEMOD_DATA_DIR";
/// The subdirectory of the data directory the demo (embedded emulator) uses.
pub const DEMO_NAMESPACE: &str = "demo";

/// Where livemod keeps its files (platform conventions via `directories`).
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    /// Platform directories, with `LIVEMOD_CONFIG` / `LIVEMOD_DATA_DIR` overrides.
    pub fn discover() -> Result<Self, ConfigError> {
        let dirs = directories::ProjectDirs::from("", "", "livemod");
        let config_dir = dirs
            .as_ref()
            .map(|d| d.config_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from(".livemod"));
        let config_file = std::env::var_os(ENV_CONFIG)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| config_dir.join("config.toml"));
        let data_dir = std::env::var_os(ENV_DATA_DIR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .ok_or(ConfigError::NoHome)?;
        Ok(Self {
            config_dir,
            config_file,
            data_dir,
        })
    }

    /// Paths rooted in one directory, for tests.
    pub fn under(root: &Path) -> Self {
        Self {
            config_dir: root.join("config"),
            config_file: root.join("config/config.toml"),
            data_dir: root.join("data"),
        }
    }

    /// The demo's own namespace (`<data_dir>/demo`): the embedded emulator's
    /// outbox, drafts and audit log never mix with a real backend's.
    pub fn demo(&self) -> Self {
        Self {
            data_dir: self.data_dir.join(DEMO_NAMESPACE),
            ..self.clone()
        }
    }

    pub fn ensure_data_dir(&self) -> std::io::Result<&Path> {
        std::fs::create_dir_all(&self.data_dir)?;
        Ok(&self.data_dir)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot find a home directory for livemod's data; set {ENV_DATA_DIR}")]
    NoHome,
    #[error("{path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A mistake in the file, with where it is: `config.toml:LINE: key: problem`.
    #[error("{0}")]
    Invalid(ConfigProblem),
}

/// One mistake in the config file: the file, the line and the key when they
/// are known, and what is wrong. Shown as `PATH:LINE: KEY: PROBLEM`, the form
/// compilers use, so editors and terminals can jump to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub path: String,
    pub line: Option<usize>,
    /// The dotted key, e.g. `mouse` or `keys.delete`.
    pub key: Option<String>,
    pub problem: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        match &self.key {
            Some(key) => write!(f, ": {key}: {}", self.problem),
            None => write!(f, ": {}", self.problem),
        }
    }
}

/// Settings that may differ per credential profile (a `[profiles.NAME]` section).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    pub read_only: Option<bool>,
    pub app_id: Option<String>,
    pub data_center: Option<DataCenter>,
    pub moderator_id: Option<String>,
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Sender/operator/creator ID used by default for moderator actions.
    pub moderator_id: String,
    pub app_id: Option<String>,
    pub data_center: Option<DataCenter>,
    pub read_only: bool,
    /// Mouse capture (off by default so text can be selected in the terminal).
    pub mouse: bool,
    /// Re-list the current page this often; off when absent.
    #[serde(with = "humantime_opt")]
    pub auto_refresh: Option<Duration>,
    pub page_size: Option<u32>,
    /// How long a message kept in the outbox stays worth sending, e.g. "10m";
    /// after that it is `expired` and never sent. Default 10 minutes.
    #[serde(with = "humantime_opt")]
    pub outbox_expiry: Option<Duration>,
    /// Action name → key specs, e.g. `refresh = ["r", "f5"]`.
    pub keys: BTreeMap<String, Vec<String>>,
    /// Role → colour, e.g. `selection = "blue"`.
    pub theme: BTreeMap<String, String>,
    pub profiles: BTreeMap<String, ProfileConfig>,
    /// `[[rules]]`: what flags a message in a watched room (see
    /// [`crate::moderation::rules`]); read into a `RuleSet` when the file is
    /// read, so a bad rule is reported by name and field at start-up.
    pub rules: Vec<toml::Value>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            moderator_id: "moderator".into(),
            app_id: None,
            data_center: None,
            read_only: false,
            mouse: false,
            auto_refresh: None,
            page_size: None,
            outbox_expiry: None,
            keys: BTreeMap::new(),
            theme: BTreeMap::new(),
            profiles: BTreeMap::new(),
            rules: Vec::new(),
        }
    }
}

mod humantime_opt {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        match text.as_deref().map(str::trim) {
            None | Some("") | Some("off") => Ok(None),
            Some(t) => humantime::parse_duration(t).map(Some).map_err(|e| {
                serde::de::Error::custom(format!(
                    "{t:?} is not a duration ({e}); use e.g. \"30s\" or \"2m\""
                ))
            }),
        }
    }
}

impl Config {
    /// Loads the file when it exists; a missing file means defaults.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        match read_config_text(path)? {
            Some(text) => Self::parse(&text, path),
            None => Ok(Self::default()),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|span| span.start);
            ConfigError::Invalid(ConfigProblem {
                path: path.display().to_string(),
                line: at.map(|offset| line_of(text, offset)),
                key: at.and_then(|offset| key_at(text, offset)),
                problem: e.message().trim().to_string(),
            })
        })?;
        let invalid = |key: &str, problem: String| {
            ConfigError::Invalid(ConfigProblem {
                path: path.display().to_string(),
                line: key_line(text, key),
                key: Some(key.to_string()),
                problem,
            })
        };
        if let Err(e) = crate::api::validate::id("moderator_id", &config.moderator_id) {
            return Err(invalid("moderator_id", e.to_string()));
        }
        if let Err(e) = crate::moderation::RuleSet::from_tables(&config.rules) {
            return Err(invalid("rules", e.to_string()));
        }
        if config.outbox_expiry == Some(Duration::ZERO) {
            return Err(invalid(
                "outbox_expiry",
                "must be longer than 0s".to_string(),
            ));
        }
        if let Some(size) = config.page_size
            && !(1..=50).contains(&size)
        {
            return Err(invalid(
                "page_size",
                format!("{size} is not between 1 and 50"),
            ));
        }
        Ok(config)
    }

    /// The outbox expiry in effect (config `outbox_expiry`, default 10 minutes).
    pub fn outbox_expiry(&self) -> Duration {
        self.outbox_expiry.unwrap_or(crate::outbox::DEFAULT_EXPIRY)
    }

    pub fn profile(&self, name: Option<&str>) -> ProfileConfig {
        name.and_then(|n| self.profiles.get(n))
            .cloned()
            .unwrap_or_default()
    }
}

/// The file's text, or `None` when there is no file.
fn read_config_text(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// A mistake found after the file parsed (a `[keys]` binding, a `[theme]`
/// colour, …), placed at the line of `key` (dotted: `keys.delete`) when the
/// file has it there.
pub(crate) fn problem_at(path: &Path, key: &str, problem: impl Into<String>) -> ConfigError {
    let line = read_config_text(path)
        .ok()
        .flatten()
        .and_then(|text| key_line(&text, key));
    ConfigError::Invalid(ConfigProblem {
        path: path.display().to_string(),
        line,
        key: Some(key.to_string()),
        problem: problem.into(),
    })
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The line where the dotted `key` is written (its key, not its value).
fn key_line(text: &str, key: &str) -> Option<usize> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        let (k, v) = table.get_key_value(part)?;
        if parts.peek().is_none() {
            return Some(line_of(text, k.span().start));
        }
        match v.get_ref() {
            toml::de::DeValue::Table(inner) => table = inner,
            _ => return None,
        }
    }
    None
}

/// The dotted key whose key or value holds the byte `offset` (the innermost).
fn key_at(text: &str, offset: usize) -> Option<String> {
    // A table's own span need not cover its entries (`[profiles.prod]`
    // makes `profiles` implicitly), so every table is searched.
    fn walk(table: &toml::de::DeTable<'_>, offset: usize, path: &mut Vec<String>) -> bool {
        for (k, v) in table.iter() {
            path.push(k.get_ref().to_string());
            if let toml::de::DeValue::Table(inner) = v.get_ref()
                && walk(inner, offset, path)
            {
                return true;
            }
            if k.span().contains(&offset) || v.span().contains(&offset) {
                return true;
            }
            path.pop();
        }
        false
    }
    let (doc, _) = toml::de::DeTable::parse_recoverable(text);
    let mut path = Vec::new();
    walk(doc.get_ref(), offset, &mut path);
    (!path.is_empty()).then(|| path.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_its_own_data_namespace() {
        let paths = Paths::under(Path::new("/tmp/lm"));
        let demo = paths.demo();
        assert_eq!(demo.data_dir, Path::new("/tmp/lm/data/demo"));
        assert_eq!(demo.config_file, paths.config_file);
    }

    #[test]
    fn missing_file_means_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(&dir.path().join("nope.toml")).unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn full_file_parses() {
        let text = r#"
moderator_id = "mod7"
app_id = "live1"
data_center = "ap-southeast-1"
mouse = true
auto_refresh = "30s"
outbox_expiry = "5m"
[keys]
refresh = ["r", "f5"]
[theme]
selection = "blue"
[profiles.prod]
read_only = true
"#;
        let c = Config::parse(text, Path::new("c.toml")).unwrap();
        assert_eq!(c.moderator_id, "mod7");
        assert_eq!(c.data_center, Some(DataCenter::ApSoutheast1));
        assert_eq!(c.auto_refresh, Some(Duration::from_secs(30)));
        assert_eq!(c.outbox_expiry(), Duration::from_secs(300));
        assert_eq!(Config::default().outbox_expiry(), Duration::from_secs(600));
        assert_eq!(c.profile(Some("prod")).read_only, Some(true));
        assert_eq!(c.profile(Some("other")).read_only, None);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let text = "moderator_id = \"mod1\"\nmouse = \"yes\"\n";
        let err = Config::parse(text, Path::new("/tmp/x/config.toml")).unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.starts_with("/tmp/x/config.toml:2: mouse: "),
            "{shown}"
        );
        let err = Config::parse("\n\ncolour = 1\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().starts_with("c.toml:3: colour: "), "{err}");
        let err = Config::parse("data_center = \"mars\"\n", Path::new("c.toml")).unwrap_err();
        assert!(
            err.to_string().starts_with("c.toml:1: data_center: "),
            "{err}"
        );
        let err = Config::parse(
            "mouse = true\nmoderator_id = \"a b\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("c.toml:2: moderator_id: "), "{shown}");
        assert!(shown.contains("letters and digits"), "{shown}");
        let err = Config::parse("auto_refresh = \"soon\"\n", Path::new("c.toml")).unwrap_err();
        assert!(
            err.to_string().starts_with("c.toml:1: auto_refresh: "),
            "{err}"
        );
        assert!(err.to_string().contains("duration"), "{err}");
        let err = Config::parse("\noutbox_expiry = \"0s\"\n", Path::new("c.toml")).unwrap_err();
        assert!(
            err.to_string().starts_with("c.toml:2: outbox_expiry: "),
            "{err}"
        );
        let err = Config::parse("page_size = 99\n", Path::new("c.toml")).unwrap_err();
        assert!(
            err.to_string().starts_with("c.toml:1: page_size: 99"),
            "{err}"
        );
        // A value inside a table is named by its dotted key.
        let text = "[profiles.prod]\nread_only = \"no\"\n";
        let err = Config::parse(text, Path::new("c.toml")).unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.starts_with("c.toml:2: profiles.prod.read_only: "),
            "{shown}"
        );
        // A syntax error still gives the line.
        let err = Config::parse("a = 1\nb = \n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().starts_with("c.toml:2"), "{err}");
    }

    #[test]
    fn problems_found_after_parsing_are_placed_at_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "mouse = true\n\n[keys]\nrefresh = [\"r\"]\ndelete = [\"ctrl-c\"]\n",
        )
        .unwrap();
        let shown = problem_at(&path, "keys.delete", "ctrl-c is reserved").to_string();
        assert_eq!(
            shown,
            format!("{}:5: keys.delete: ctrl-c is reserved", path.display())
        );
        // A key the file does not have (a default) still names file and key.
        let shown = problem_at(&path, "theme.selection", "x").to_string();
        assert_eq!(shown, format!("{}: theme.selection: x", path.display()));
    }
}

#[cfg(test)]
mod rules_tests {
    use super::*;

    #[test]
    fn rules_are_read_with_the_rest_of_the_file() {
        let text = r#"
moderator_id = "mod1"
[[rules]]
name = "ads"
words = ["buy followers"]
links = true
action = "recall"
[[rules]]
profanity = "moderate"
"#;
        let c = Config::parse(text, Path::new("c.toml")).unwrap();
        let rules = crate::moderation::RuleSet::from_tables(&c.rules).unwrap();
        assert_eq!(rules.names().collect::<Vec<_>>(), ["ads", "rule 2"]);
        assert!(Config::default().rules.is_empty());
    }

    #[test]
    fn a_bad_rule_is_named_with_its_field_at_load_time() {
        let text = "[[rules]]\nname = \"ads\"\nwords = [\"x\"]\n[[rules]]\nname = \"loud\"\ncaps = true\naction = \"ban\"\n";
        let shown = Config::parse(text, Path::new("/tmp/c.toml"))
            .unwrap_err()
            .to_string();
        assert!(shown.starts_with("/tmp/c.toml:"), "{shown}");
        assert!(shown.contains("rules: rule #2"), "{shown}");
        assert!(
            shown.contains("\"loud\"") && shown.contains("`action`"),
            "{shown}"
        );
    }
}
