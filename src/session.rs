//! A connected session: which backend, which app, which key, and the client to
//! reach it. Everything (console, CLI, bulk work) starts from one of these.

use std::sync::Arc;

use color_eyre::eyre::{Result, WrapErr, eyre};
use url::Url;

use crate::api::sign::SignatureVersion;
use crate::api::{Client, ClientOptions, DataCenter};
use crate::audit::{AuditContext, AuditLog};
use crate::config::{Config, Paths};
use crate::credentials::{self, CredentialError, Credentials};
use crate::emulator::{self, Emulator, EmulatorOptions};

pub const ENV_ENDPOINT: &str = "LIVEMOD_ENDPOINT";
pub const DEFAULT_APP: &str = "demo";
/// Simulated online users per group in demo mode, so sends succeed out of the box.
pub const DEMO_AUDIENCE: u32 = 3;

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
                return Err(eyre!("{e}")).wrap_err(format!(
                    "--endpoint {} needs credentials",
                    endpoint.unwrap_or_default()
                ));
            }
            Err(e) => return Err(eyre!("{e}")),
        };
        let profile_name = credentials.profile.clone().or(request.profile.clone());
        let profile = config.profile(profile_name.as_deref());
        let endpoint = endpoint
            .or(profile.endpoint.clone())
            .unwrap_or_else(|| crate::api::client::DEFAULT_ENDPOINT.to_string());
        let url = parse_endpoint(&endpoint)?;
        let read_only = request.read_only || config.read_only || profile.read_only == Some(true);
        let client = Client::new(
            credentials,
            ClientOptions {
                endpoint: url.clone(),
                signature: request.signature,
                read_only,
                audit: Some(open_audit(&paths)?),
                audit_context: AuditContext {
                    profile: profile_name.clone(),
                },
                pace_ledger: Some(paths.data_dir.join(crate::api::pace::LEDGER_FILE)),
                ..Default::default()
            },
        )
        .map_err(|e| eyre!(e))?;
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
        })
    }

    async fn demo(request: &SessionRequest, config: Config, paths: Paths) -> Result<Session> {
        let emulator = Emulator::start(EmulatorOptions {
            demo_data: true,
            audience: DEMO_AUDIENCE,
            ..EmulatorOptions::default()
        })
        .await
        .wrap_err("cannot start the embedded emulator")?;
        let url = emulator.url();
        let credentials = Credentials::new(
            emulator::DEMO_ACCESS_KEY_ID,
            emulator::DEMO_ACCESS_KEY_SECRET,
            "embedded emulator",
        );
        let read_only = request.read_only || config.read_only;
        let client = Client::new(
            credentials,
            ClientOptions {
                endpoint: url.clone(),
                signature: request.signature,
                read_only,
                audit: Some(open_audit(&paths)?),
                ..Default::default()
            },
        )
        .map_err(|e| eyre!(e))?;
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
        })
    }
}

/// Every mutating call is audited. The file is opened on the first
/// mutation, so read-only commands work without a writable data directory;
/// a mutation whose line cannot be written is reported with its outcome.
fn open_audit(paths: &Paths) -> Result<Arc<AuditLog>> {
    Ok(Arc::new(AuditLog::lazy_in_dir(&paths.data_dir)))
}

pub fn parse_endpoint(text: &str) -> Result<Url> {
    let url = Url::parse(text).wrap_err_with(|| format!("--endpoint {text:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(eyre!(
            "--endpoint {text:?} must be an http:// or https:// URL with a host"
        ));
    }
    Ok(url)
}
