//! Where the access key comes from: the same sources, in the same order, as the
//! official SDKs (environment, the CLI's config.json, the credentials file).
//!
//! The secret lives in a [`SecretString`]: its `Debug` prints `[REDACTED]` and
//! it has no `Display`, so it cannot slip into output, logs or errors.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub const ENV_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
pub const ENV_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
pub const ENV_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
pub const ENV_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";
pub const ENV_CONFIG_FILE: &str = "ALIBABA_CLOUD_CONFIG_FILE";
pub const ENV_CREDENTIALS_FILE: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";

/// An access key pair (and STS token) plus where it came from.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    pub security_token: Option<SecretString>,
    /// Human description of the source, e.g. "environment".
    pub source: String,
    /// Profile name, when the key came from a profile.
    pub profile: Option<String>,
}

impl Credentials {
    pub fn new(
        id: impl Into<String>,
        secret: impl Into<String>,
        source: impl Into<String>,
    ) -> Self {
        Self {
            access_key_id: id.into(),
            access_key_secret: SecretString::from(secret.into()),
            security_token: None,
            source: source.into(),
            profile: None,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"[REDACTED]")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("source", &self.source)
            .field("profile", &self.profile)
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error("no credentials found; tried: {}", tried.join("; "))]
    NotFound { tried: Vec<String> },
    #[error("{present} is set but {missing} is not")]
    IncompleteEnvironment {
        present: &'static str,
        missing: &'static str,
    },
    #[error(
        "profile {profile:?} in {path} uses mode {mode:?}, which livemod cannot use (supported: AK, StsToken)"
    )]
    UnsupportedMode {
        profile: String,
        mode: String,
        path: String,
    },
    #[error(
        "section [{profile}] in {path} has type {kind:?}, which livemod cannot use (supported: access_key)"
    )]
    UnsupportedType {
        profile: String,
        kind: String,
        path: String,
    },
    #[error("profile {profile:?} was not found in {}", searched.join(" or "))]
    ProfileNotFound {
        profile: String,
        searched: Vec<String>,
    },
    #[error("{path}: {problem}")]
    BadFile { path: String, problem: String },
}

/// Inputs to the lookup, injectable so tests need not touch the real environment.
pub struct Lookup<'a> {
    /// `--profile`, when given.
    pub profile: Option<&'a str>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub home: Option<PathBuf>,
}

impl<'a> Lookup<'a> {
    pub fn from_process(profile: Option<&'a str>) -> Self {
        static ENV: fn(&str) -> Option<String> = |k| std::env::var(k).ok();
        Self {
            profile,
            env: &ENV,
            home: directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()),
        }
    }

    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.is_empty())
    }
}

/// Resolves credentials in the official order.
pub fn resolve(lookup: &Lookup<'_>) -> Result<Credentials, CredentialError> {
    let mut tried = Vec::new();
    if let Some(creds) = from_environment(lookup)? {
        return Ok(creds);
    }
    tried.push(format!("environment ({ENV_KEY_ID}, {ENV_KEY_SECRET})"));

    let explicit = lookup
        .profile
        .map(str::to_string)
        .or_else(|| lookup.var(ENV_PROFILE));
    let mut searched = Vec::new();

    let config_path = lookup
        .var(ENV_CONFIG_FILE)
        .map(PathBuf::from)
        .or_else(|| lookup.home.as_ref().map(|h| h.join(".aliyun/config.json")));
    if let Some(path) = config_path {
        searched.push(path.display().to_string());
        if let Some(creds) = from_cli_config(&path, explicit.as_deref())? {
            return Ok(creds);
        }
        tried.push(format!("profile in {}", path.display()));
    }

    let credentials_path = lookup
        .var(ENV_CREDENTIALS_FILE)
        .map(PathBuf::from)
        .or_else(|| {
            lookup
                .home
                .as_ref()
                .map(|h| h.join(".alibabacloud/credentials"))
        });
    if let Some(path) = credentials_path {
        searched.push(path.display().to_string());
        let section = explicit.as_deref().unwrap_or("default");
        if let Some(creds) = from_credentials_file(&path, section)? {
            return Ok(creds);
        }
        tried.push(format!("[{section}] in {}", path.display()));
    }

    if let Some(profile) = explicit {
        return Err(CredentialError::ProfileNotFound { profile, searched });
    }
    Err(CredentialError::NotFound { tried })
}

fn from_environment(lookup: &Lookup<'_>) -> Result<Option<Credentials>, CredentialError> {
    match (lookup.var(ENV_KEY_ID), lookup.var(ENV_KEY_SECRET)) {
        (Some(id), Some(secret)) => {
            let mut creds = Credentials::new(id, secret, "environment");
            creds.security_token = lookup.var(ENV_TOKEN).map(SecretString::from);
            Ok(Some(creds))
        }
        (Some(_), None) => Err(CredentialError::IncompleteEnvironment {
            present: ENV_KEY_ID,
            missing: ENV_KEY_SECRET,
        }),
        (None, Some(_)) => Err(CredentialError::IncompleteEnvironment {
            present: ENV_KEY_SECRET,
            missing: ENV_KEY_ID,
        }),
        (None, None) => Ok(None),
    }
}

#[derive(Deserialize)]
struct CliConfig {
    #[serde(default)]
    current: String,
    #[serde(default)]
    profiles: Vec<CliProfile>,
}

#[derive(Deserialize)]
struct CliProfile {
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
}

fn read_optional(path: &Path) -> Result<Option<String>, CredentialError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CredentialError::BadFile {
            path: path.display().to_string(),
            problem: e.to_string(),
        }),
    }
}

fn from_cli_config(
    path: &Path,
    explicit: Option<&str>,
) -> Result<Option<Credentials>, CredentialError> {
    let Some(text) = read_optional(path)? else {
        return Ok(None);
    };
    let shown = path.display().to_string();
    let config: CliConfig = serde_json::from_str(&text).map_err(|e| CredentialError::BadFile {
        path: shown.clone(),
        problem: format!("not a valid aliyun CLI config: {}", describe_json_error(&e)),
    })?;
    let name = explicit.unwrap_or(&config.current);
    if name.is_empty() {
        return Ok(None);
    }
    let Some(profile) = config.profiles.iter().find(|p| p.name == name) else {
        return Ok(None);
    };
    let mut creds = match profile.mode.as_str() {
        "AK" | "" => Credentials::new(
            &profile.access_key_id,
            profile.access_key_secret.clone(),
            format!("profile {name} in {shown}"),
        ),
        "StsToken" => {
            let mut c = Credentials::new(
                &profile.access_key_id,
                profile.access_key_secret.clone(),
                format!("profile {name} in {shown}"),
            );
            c.security_token = Some(SecretString::from(profile.sts_token.clone()));
            c
        }
        other => {
            return Err(CredentialError::UnsupportedMode {
                profile: name.to_string(),
                mode: other.to_string(),
                path: shown,
            });
        }
    };
    if creds.access_key_id.is_empty() || creds.access_key_secret.expose_secret().is_empty() {
        return Err(CredentialError::BadFile {
            path: shown,
            problem: format!("profile {name:?} has no access_key_id or access_key_secret"),
        });
    }
    if !plausible_key_id(&creds.access_key_id) {
        return Err(CredentialError::BadFile {
            path: shown,
            problem: format!("profile {name:?} has a malformed access_key_id"),
        });
    }
    creds.profile = Some(name.to_string());
    Ok(Some(creds))
}

/// Where and what kind of problem, never serde_json's own message: for a value
/// of the wrong type that message quotes the value, which may be the secret
/// (e.g. `"profiles": "<secret>"`).
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax => "not valid JSON",
        Category::Eof => "the file ends too early",
        Category::Data => "a value of the wrong type, or a required field is missing",
        Category::Io => "cannot be read",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

fn from_credentials_file(
    path: &Path,
    section: &str,
) -> Result<Option<Credentials>, CredentialError> {
    let Some(text) = read_optional(path)? else {
        return Ok(None);
    };
    let shown = path.display().to_string();
    let ini = ini::Ini::load_from_str(&text).map_err(|e| CredentialError::BadFile {
        path: shown.clone(),
        problem: e.to_string(),
    })?;
    let Some(props) = ini.section(Some(section)) else {
        return Ok(None);
    };
    let values: HashMap<&str, &str> = props.iter().collect();
    let kind = values.get("type").copied().unwrap_or("access_key");
    if kind != "access_key" {
        return Err(CredentialError::UnsupportedType {
            profile: section.to_string(),
            kind: kind.to_string(),
            path: shown,
        });
    }
    let id = values.get("access_key_id").copied().unwrap_or_default();
    let secret = values.get("access_key_secret").copied().unwrap_or_default();
    if id.is_empty() || secret.is_empty() {
        return Err(CredentialError::BadFile {
            path: shown,
            problem: format!("[{section}] has no access_key_id or access_key_secret"),
        });
    }
    if !plausible_key_id(id) {
        return Err(CredentialError::BadFile {
            path: shown,
            problem: format!("[{section}] has a malformed access_key_id"),
        });
    }
    let mut creds = Credentials::new(id, secret, format!("[{section}] in {shown}"));
    creds.profile = Some(section.to_string());
    Ok(Some(creds))
}

/// An AccessKeyId is letters, digits and a few separators. Anything else is a
/// mangled file (a lost line break can glue the secret onto the ID), and the
/// ID is shown in Debug output and audit lines, so it is refused unseen.
fn plausible_key_id(id: &str) -> bool {
    id.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup_with<'a>(
        env: &'a dyn Fn(&str) -> Option<String>,
        home: &Path,
        profile: Option<&'a str>,
    ) -> Lookup<'a> {
        Lookup {
            profile,
            env,
            home: Some(home.to_path_buf()),
        }
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    const CONFIG: &str = r#"{"current":"default","profiles":[
        {"name":"default","mode":"AK","access_key_id":"cfgid","access_key_secret":"cfgsecret"},
        {"name":"sts","mode":"StsToken","access_key_id":"stsid","access_key_secret":"stssecret","sts_token":"tok"},
        {"name":"ram","mode":"RamRoleArn","access_key_id":"x","access_key_secret":"y"}]}"#;

    #[test]
    fn environment_wins() {
        let home = tempfile::tempdir().unwrap();
        write(&home.path().join(".aliyun/config.json"), CONFIG);
        let env = |k: &str| match k {
            ENV_KEY_ID => Some("envid".to_string()),
            ENV_KEY_SECRET => Some("envsecret".to_string()),
            ENV_TOKEN => Some("envtoken".to_string()),
            _ => None,
        };
        let creds = resolve(&lookup_with(&env, home.path(), None)).unwrap();
        assert_eq!(creds.access_key_id, "envid");
        assert_eq!(creds.source, "environment");
        assert!(creds.security_token.is_some());
    }

    #[test]
    fn cli_config_current_explicit_and_env_profile() {
        let home = tempfile::tempdir().unwrap();
        write(&home.path().join(".aliyun/config.json"), CONFIG);
        let none = |_: &str| None;
        let creds = resolve(&lookup_with(&none, home.path(), None)).unwrap();
        assert_eq!(creds.access_key_id, "cfgid");
        assert_eq!(creds.profile.as_deref(), Some("default"));

        let creds = resolve(&lookup_with(&none, home.path(), Some("sts"))).unwrap();
        assert_eq!(creds.access_key_id, "stsid");
        assert_eq!(
            creds.security_token.as_ref().unwrap().expose_secret(),
            "tok"
        );

        let env_profile = |k: &str| (k == ENV_PROFILE).then(|| "sts".to_string());
        let creds = resolve(&lookup_with(&env_profile, home.path(), None)).unwrap();
        assert_eq!(creds.access_key_id, "stsid");
    }

    #[test]
    fn unsupported_mode_is_named() {
        let home = tempfile::tempdir().unwrap();
        write(&home.path().join(".aliyun/config.json"), CONFIG);
        let none = |_: &str| None;
        let err = resolve(&lookup_with(&none, home.path(), Some("ram"))).unwrap_err();
        assert!(err.to_string().contains("RamRoleArn"), "{err}");
    }

    #[test]
    fn credentials_file_is_the_last_resort() {
        let home = tempfile::tempdir().unwrap();
        write(
            &home.path().join(".alibabacloud/credentials"),
            "[default]\ntype = access_key\naccess_key_id = fileid\naccess_key_secret = filesecret\n",
        );
        let none = |_: &str| None;
        let creds = resolve(&lookup_with(&none, home.path(), None)).unwrap();
        assert_eq!(creds.access_key_id, "fileid");
    }

    #[test]
    fn nothing_found_lists_sources_and_missing_profile_is_an_error() {
        let home = tempfile::tempdir().unwrap();
        let none = |_: &str| None;
        let err = resolve(&lookup_with(&none, home.path(), None)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(ENV_KEY_ID) && text.contains("config.json"),
            "{text}"
        );
        let err = resolve(&lookup_with(&none, home.path(), Some("nope"))).unwrap_err();
        assert!(matches!(err, CredentialError::ProfileNotFound { .. }));
    }

    #[test]
    fn half_an_environment_pair_is_an_error() {
        let home = tempfile::tempdir().unwrap();
        let env = |k: &str| (k == ENV_KEY_ID).then(|| "id".to_string());
        let err = resolve(&lookup_with(&env, home.path(), None)).unwrap_err();
        assert!(matches!(err, CredentialError::IncompleteEnvironment { .. }));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let mut creds = Credentials::new("id", "topsecretvalue", "test");
        creds.security_token = Some(SecretString::from("tokenvalue".to_string()));
        let shown = format!("{creds:?} {:?}", creds.access_key_secret);
        assert!(!shown.contains("topsecretvalue"), "{shown}");
        assert!(!shown.contains("tokenvalue"), "{shown}");
    }
}
