//! A connected session: which backend, which app, which key, and the client to
//! reach it. Everything (console, CLI, bulk work) starts from one of these.

use std::sync::Arc;

use url::Url;

use crate::api::sign::SignatureVersion;
use crate::api::{Client, ClientOptions, DataCenter};
use crate::audit::{AuditContext, AuditLog};
use crate::config::{Config, ConfigError, Paths};
use crate::credentials::{self, CredentialError, Credentials};
use crate::emulator::{self, Emulator, EmulatorError, EmulatorOptions};
use crate::outbox::{Outbox, OutboxError, Target};

/// Why a session could not be set up. [`SessionError::is_usage`] says whether
/// it is a mistake in what was asked (exit 2) or a failure at run time (exit 1,
/// e.g. the embedded emulator cannot bind a port).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("--endpoint {text:?} is not a URL ({source})")]
    EndpointNotUrl {
        text: String,
        #[source]
        source: url::ParseError,
    },
    #[error("--endpoint {text:?} must be an http:// or https:// URL with a host")]
    EndpointScheme { text: String },
    #[error("--endpoint {endpoint} needs credentials: {source}")]
    NeedsCredentials {
        endpoint: String,
        #[source]
        source: CredentialError,
    },
    #[error(transparent)]
    Credentials(CredentialError),
    #[error("cannot start the embedded emulator: {0}")]
    Emulator(#[from] EmulatorError),
    #[error("cannot set up the API client: {0}")]
    Client(#[from] crate::api::client::ClientSetupError),
}

impl SessionError {
    /// True for mistakes in the command line, config or credentials (exit 2).
    pub fn is_usage(&self) -> bool {
        !matches!(self, SessionError::Emulator(_))
    }
    /// The exit code the README documents for this error.
    pub fn exit_code(&self) -> u8 {
        if self.is_usage() { 2 } else { 1 }
    }
}

type Result<T, E = SessionError> = std::result::Result<T, E>;

pub(crate) const ENV_ENDPOINT: &str = "LIVEMOD_ENDPOINT";
pub(crate) const DEFAULT_APP: &str = "demo";
/// Simulated online users per group in demo mode, so sends succeed out of the box.
pub(crate) const DEMO_AUDIENCE: u32 = 3;

/// Demo chatter: lines per second in each on-air demo room
/// ([`crate::emulator::chatter::ON_AIR`]); `LIVEMOD_DEMO_CHATTER` overrides
/// it (0 turns the audience off).
pub(crate) const DEMO_CHATTER: f64 = 0.5;
pub(crate) const ENV_DEMO_CHATTER: &str = "LIVEMOD_DEMO_CHATTER";

/// The rule the demo flags with when config.toml has none: every line the
/// chatter writes for a moderator to remove matches it, ordinary chat does not.
const DEMO_RULES: &str = r#"
[[rules]]
name = "demo: spam and abuse"
words = ["followers", "idiots", "spam"]
links = true
caps = true
"#;

/// The chatter rate of the demo: the environment's, or [`DEMO_CHATTER`].
fn demo_chatter(env: Option<&str>) -> f64 {
    env.and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|r| r.is_finite() && *r >= 0.0)
        .map_or(DEMO_CHATTER, |r| r.min(emulator::MAX_CHATTER))
}

/// The rules of the demo: config.toml's, or [`DEMO_RULES`] when it has none.
fn demo_rules(config: &Config) -> Vec<toml::Value> {
    if !config.rules.is_empty() {
        return config.rules.clone();
    }
    let table: toml::Table = toml::from_str(DEMO_RULES).expect("the demo rules parse (tested)");
    match table.get("rules") {
        Some(toml::Value::Array(rules)) => rules.clone(),
        _ => Vec::new(),
    }
}

/// What the global command-line options ask for.
#[derive(Debug, Clone, Default)]
pub struct SessionRequest {
    pub endpoint: Option<String>,
    pub app_id: Option<String>,
    pub data_center: Option<DataCenter>,
    pub profile: Option<String>,
    pub signature: SignatureVersion,
    pub read_only: bool,
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The in-process emulator with demo data.
    Emulator { url: Url },
    /// A real service or an emulator started elsewhere.
    Remote { url: Url },
}

pub struct Session {
    pub client: Client,
    pub app_id: String,
    pub data_center: Option<DataCenter>,
    pub backend: Backend,
    pub profile: Option<String>,
    pub read_only: bool,
    pub moderator_id: String,
    pub config: Arc<Config>,
    pub paths: Paths,
    /// Keeps the in-process emulator alive for as long as the session.
    pub emulator: Option<Emulator>,
    /// Why changes are refused although nobody asked for read-only (the
    /// audit log cannot be written), when that is the case.
    pub audit_problem: Option<String>,
}

impl Session {
    /// Short label for headers and logs: "emulator" or the endpoint's host.
    pub fn backend_label(&self) -> String {
        match &self.backend {
            Backend::Emulator { .. } => "emulator (demo data)".to_string(),
            Backend::Remote { url } => url
                .host_str()
                .map(|h| match url.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
                .unwrap_or_else(|| url.to_string()),
        }
    }

    pub fn endpoint(&self) -> &Url {
        self.client.endpoint()
    }

    /// This session's outbox: in its data namespace, recording this backend
    /// and key on what it queues, with the configured expiry, audited.
    pub fn open_outbox(&self) -> Result<Outbox, OutboxError> {
        let dir = self.paths.ensure_data_dir()?;
        let mut outbox = Outbox::in_dir(dir)?
            .with_target(Target::of_client(&self.client))
            .with_expiry(self.config.outbox_expiry());
        if let Some(audit) = &self.client.options().audit {
            outbox = outbox.with_audit(audit.clone());
        }
        Ok(outbox)
    }

    /// Picks the backend: `--demo`, or no endpoint and no credentials anywhere,
    /// means the embedded emulator; otherwise the endpoint with the key found.
    pub async fn connect(request: &SessionRequest, paths: Paths) -> Result<Session> {
        let config = Config::load(&paths.config_file)?;
        let endpoint = request
            .endpoint
            .clone()
            .or_else(|| std::env::var(ENV_ENDPOINT).ok().filter(|v| !v.is_empty()));

        if request.demo {
            eprintln!("livemod: --demo: using the embedded emulator with demo data");
            return Self::demo(request, config, paths).await;
        }
        let lookup = credentials::Lookup::from_process(request.profile.as_deref());
        let credentials = match credentials::resolve(&lookup) {
            Ok(c) => c,
            Err(CredentialError::NotFound { .. }) if endpoint.is_none() => {
                eprintln!(
                    "livemod: no credentials found; using the embedded emulator with demo data (pass --endpoint to use a real service)"
                );
                return Self::demo(request, config, paths).await;
            }
            Err(e @ CredentialError::NotFound { .. }) => {
                return Err(SessionError::NeedsCredentials {
                    endpoint: endpoint
                        .as_deref()
                        .and_then(|e| Url::parse(e).ok())
                        .map(|u| crate::outbox::target::normalize_endpoint(&u))
                        .unwrap_or_default(),
                    source: e,
                });
            }
            Err(e) => return Err(SessionError::Credentials(e)),
        };
        let profile_name = credentials.profile.clone().or(request.profile.clone());
        let profile = config.profile(profile_name.as_deref());
        let endpoint = endpoint
            .or(profile.endpoint.clone())
            .unwrap_or_else(|| crate::api::client::DEFAULT_ENDPOINT.to_string());
        let url = parse_endpoint(&endpoint)?;
        let asked_read_only =
            request.read_only || config.read_only || profile.read_only == Some(true);
        let (client, read_only, audit_problem) = audited_client(
            credentials,
            ClientOptions {
                endpoint: url.clone(),
                signature: request.signature,
                audit_context: AuditContext {
                    profile: profile_name.clone(),
                },
                pace_ledger: Some(paths.data_dir.join(crate::api::pace::LEDGER_FILE)),
                ..Default::default()
            },
            &paths,
            asked_read_only,
        )?;
        Ok(Session {
            client,
            app_id: request
                .app_id
                .clone()
                .or(profile.app_id.clone())
                .or(config.app_id.clone())
                .unwrap_or_else(|| DEFAULT_APP.to_string()),
            data_center: request
                .data_center
                .or(profile.data_center)
                .or(config.data_center),
            backend: Backend::Remote { url },
            moderator_id: profile
                .moderator_id
                .clone()
                .unwrap_or_else(|| config.moderator_id.clone()),
            profile: profile_name,
            read_only,
            config: Arc::new(config),
            paths,
            emulator: None,
            audit_problem,
        })
    }

    /// The embedded emulator with demo data. Its outbox, drafts and audit log
    /// live in their own namespace of the data directory (`<data_dir>/demo`),
    /// so the demo never touches (or sends) what belongs to a real backend.
    async fn demo(request: &SessionRequest, mut config: Config, paths: Paths) -> Result<Session> {
        let paths = paths.demo();
        config.rules = demo_rules(&config);
        let emulator = Emulator::start(EmulatorOptions {
            demo_data: true,
            audience: DEMO_AUDIENCE,
            chatter: demo_chatter(std::env::var(ENV_DEMO_CHATTER).ok().as_deref()),
            ..EmulatorOptions::default()
        })
        .await?;
        let url = emulator.url();
        let credentials = Credentials::new(
            emulator::DEMO_ACCESS_KEY_ID,
            emulator::DEMO_ACCESS_KEY_SECRET,
            "embedded emulator",
        );
        let asked_read_only = request.read_only || config.read_only;
        let (client, read_only, audit_problem) = audited_client(
            credentials,
            ClientOptions {
                endpoint: url.clone(),
                signature: request.signature,
                ..Default::default()
            },
            &paths,
            asked_read_only,
        )?;
        Ok(Session {
            client,
            app_id: request
                .app_id
                .clone()
                .unwrap_or_else(|| DEFAULT_APP.to_string()),
            data_center: request.data_center,
            backend: Backend::Emulator { url },
            profile: None,
            read_only,
            moderator_id: config.moderator_id.clone(),
            config: Arc::new(config),
            paths,
            emulator: Some(emulator),
            audit_problem,
        })
    }
}

/// The client for `options`, audited; read-only when asked, or when the
/// audit log cannot be written (then the problem is returned too).
fn audited_client(
    credentials: Credentials,
    options: ClientOptions,
    paths: &Paths,
    asked_read_only: bool,
) -> Result<(Client, bool, Option<String>)> {
    let (audit, audit_problem) = audit_or_read_only(paths, asked_read_only);
    let read_only = asked_read_only || audit_problem.is_some();
    let client = Client::new(
        credentials,
        ClientOptions {
            read_only,
            audit,
            ..options
        },
    )?;
    Ok((client, read_only, audit_problem))
}

/// Every mutating call is audited. When the data directory cannot hold the
/// audit file, reading still works: the session becomes read-only (changes
/// are refused before anything is sent) and a warning says why.
fn audit_or_read_only(
    paths: &Paths,
    asked_read_only: bool,
) -> (Option<Arc<AuditLog>>, Option<String>) {
    let opened = paths
        .ensure_data_dir()
        .map_err(|e| {
            format!(
                "cannot create the data directory {}: {e}",
                paths.data_dir.display()
            )
        })
        .and_then(|dir| {
            AuditLog::in_dir(dir)
                .map_err(|e| format!("cannot open the audit log in {}: {e}", dir.display()))
        });
    match opened {
        Ok(log) => (Some(Arc::new(log)), None),
        Err(problem) => {
            if !asked_read_only {
                eprintln!(
                    "livemod: warning: {problem}; changes (create, delete, send) are refused until it can be written"
                );
            }
            tracing::warn!(%problem, "no audit log: read-only");
            (None, Some(problem))
        }
    }
}

/// Parses `--endpoint`. Userinfo (`http://user:pass@host`) is removed, with a
/// warning: credentials in a URL must never reach the audit log, the outbox
/// or the wire (livemod signs requests with the AccessKey instead).
pub(crate) fn parse_endpoint(text: &str) -> Result<Url> {
    let mut url = Url::parse(text).map_err(|source| SessionError::EndpointNotUrl {
        text: redact(text),
        source,
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(SessionError::EndpointScheme { text: redact(text) });
    }
    if !url.username().is_empty() || url.password().is_some() {
        eprintln!(
            "livemod: warning: the user name and password in --endpoint are ignored (livemod signs requests with the AccessKey)"
        );
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    Ok(url)
}

/// The endpoint text with anything between "://" and "@" hidden, for messages.
fn redact(text: &str) -> String {
    let start = text.find("://").map_or(0, |i| i + 3);
    match text.rfind('@') {
        Some(at) if at > start => format!("{}***{}", &text[..start], &text[at..]),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_rule_flags_every_bad_chatter_line_and_no_ordinary_one() {
        use crate::emulator::chatter::{BAD_LINES, CHAT_LINES};
        use crate::moderation::{Message, RuleSet};
        let mut rules = RuleSet::from_tables(&demo_rules(&Config::default())).unwrap();
        let mut check = |i: usize, body: &str| {
            let m = Message {
                room: "r".into(),
                msg_tid: format!("t{i}"),
                sender_id: format!("u{i}"),
                body: body.into(),
                seq: i as i64,
                timestamp: 1_700_000_000 + i as i64,
                ..Message::default()
            };
            !rules.check(&m).is_empty()
        };
        for (i, line) in BAD_LINES.iter().enumerate() {
            assert!(check(i, line), "{line:?} is not flagged");
        }
        for (i, line) in CHAT_LINES.iter().enumerate() {
            assert!(!check(100 + i, line), "{line:?} is flagged");
        }
        // A config with rules of its own keeps them.
        let mut config = Config::default();
        config.rules = demo_rules(&config)[..1].to_vec();
        config.rules[0]
            .as_table_mut()
            .unwrap()
            .insert("name".into(), "mine".into());
        assert_eq!(demo_rules(&config), config.rules);
    }

    #[test]
    fn demo_chatter_rate_comes_from_the_environment_when_valid() {
        assert_eq!(demo_chatter(None), DEMO_CHATTER);
        assert_eq!(demo_chatter(Some("0")), 0.0);
        assert_eq!(demo_chatter(Some(" 2.5 ")), 2.5);
        assert_eq!(demo_chatter(Some("-1")), DEMO_CHATTER);
        assert_eq!(demo_chatter(Some("NaN")), DEMO_CHATTER);
        assert_eq!(demo_chatter(Some("1e9")), emulator::MAX_CHATTER);
    }

    #[test]
    fn endpoint_userinfo_is_stripped_and_never_shown() {
        let url = parse_endpoint("http://user:s3cret@127.0.0.1:9/").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/");
        let err = parse_endpoint("ftp://user:s3cret@host/").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(err.is_usage());
        let err = parse_endpoint("http//user:s3cret@").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn a_port_that_cannot_be_bound_is_a_runtime_error() {
        let e = SessionError::Emulator(EmulatorError::Bind {
            addr: "127.0.0.1:1".parse().unwrap(),
            source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
        });
        assert!(!e.is_usage());
        assert_eq!(e.exit_code(), 1);
        assert_eq!(
            SessionError::EndpointScheme { text: "x".into() }.exit_code(),
            2
        );
    }
}
