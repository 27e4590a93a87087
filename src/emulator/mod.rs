//! The embedded LiveMessage emulator: a faithful fake of the `live` 2016-11-01
//! group API on loopback, so the console, the tests and demos run without a
//! cloud account.
//!
//! It speaks the real wire protocol (V2 and V3 signatures, query and form
//! parameters, JSON and XML replies, the gateway's error bodies), applies the
//! documented service rules, keeps its state in SQLite, and can inject faults
//! (5xx, connection resets, latency, throttling) for chaos tests.
//!
//! Modules, one concern each:
//! - [`server`]: the HTTP server (own accept loop, so a reply can be replaced by a TCP reset)
//! - [`wire`]: parameter gathering and JSON/XML replies
//! - [`auth`]: signature verification, timestamps, nonces
//! - [`rules`]: the service semantics, one module per operation family
//! - [`store`]: SQLite state
//! - [`faults`]: fault injection
//! - [`demo`]: the demo data set
//! - [`ops`]: emulator-only operations (join/leave a group, post as a user, move the clock)
//! - [`clock`]: the service clock that EmulatorAdvanceClock moves
//! - [`chatter`]: `--chatter`, the simulated audience talking
//! - [`malformed`]: error bodies for requests hyper cannot parse
//! - [`cli`]: `livemod emulator`
//!
//! Error replies, by where they come from:
//!
//! | HTTP | Code | When |
//! |---|---|---|
//! | 400 | MissingParameter | Action, Version, a signature parameter or a required business parameter is absent or empty |
//! | 404 | InvalidAction.NotFound | unknown Action |
//! | 400 | InvalidVersion | Version other than 2016-11-01 |
//! | 400 | UnsupportedHTTPMethod | neither GET nor POST |
//! | 400 | IncompleteSignature | malformed V3 Authorization, or a required header not signed |
//! | 404 | InvalidAccessKeyId.NotFound | unknown AccessKeyId |
//! | 400 | InvalidTimeStamp.Format / .Expired | unparsable timestamp / more than 15 min off |
//! | 400 | SignatureDoesNotMatch | wrong signature, or x-acs-content-sha256 not the body's hash |
//! | 400 | SignatureNonceUsed | nonce reused within the timestamp window |
//! | 400 | InvalidParameter | SignatureMethod other than HMAC-SHA1, over-long nonce |
//! | 400 | Throttling.User | over 50 calls/s per key and operation, or injected (`x-acs-retry-after`: ms) |
//! | 400 | InputInvalid | a documented constraint broken, DataCenter invalid or not the app's, send to a group with no online users |
//! | 413 | InputInvalid | body over 256 KB |
//! | 400 | ErrorTooManyGroups / ErrorTooManyMsgTypes | 5,000 live groups per app / 30 message types per group |
//! | 400 | ErrorTooManyApps, ErrorInvalidAppName, ErrorInvalidAuditUrl, ErrorInvalidEventCallbackUrl | the app operations' own checks |
//! | 403 | NoAuth | a disabled app; a muted sender; EmulatorUserSend by a user not online in the group |
//! | 404 | ResourceNotExist | unknown app, an unknown or deleted group (any GroupId that is not available, even a malformed one), recovery or messages more than 30 days after deletion |
//! | 500 | ServerError | injected (`--fault-rate` before processing, `--late-fault-rate` after committing), or a storage failure |
//! | 400/414/431 | MalformedRequest | the request is not parsable HTTP/1.1 (see [`malformed`]) |
//!
//! Connections: at most [`EmulatorOptions::max_connections`] are open at once
//! and a request head must arrive within [`EmulatorOptions::header_read_timeout`]
//! (also between keep-alive requests), so idle clients cannot exhaust file handles.

pub(crate) mod auth;
pub mod chatter;
pub mod cli;
pub(crate) mod clock;
pub(crate) mod demo;
pub(crate) mod faults;
pub(crate) mod malformed;
pub mod ops;
pub mod rules;
pub(crate) mod server;
pub(crate) mod store;
pub(crate) mod wire;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::model::DataCenter;

pub use faults::{FaultOptions, LatencyRange};
pub use store::{Delivery, GroupState, Message, SeedGroup};

/// The key pair the emulator accepts unless told otherwise.
pub const DEMO_ACCESS_KEY_ID: &str = "livemod-demo-key";
pub const DEMO_ACCESS_KEY_SECRET: &str = "livemod-demo-secret";
/// The app that exists by default and that `--demo-data` fills.
pub const DEMO_APP_ID: &str = "demo";
/// `HostId` in every error body, as the real service answers.
pub const HOST_ID: &str = "live.aliyuncs.com";
/// Most groups `generate_groups` makes: the service's limit of live groups per app.
pub const MAX_GENERATED_GROUPS: u32 = 5_000;
/// The caller an unsigned request is counted as under `load_test`.
pub const LOAD_TEST_ACCESS_KEY_ID: &str = "(load-test, unsigned)";

/// One interactive-messaging app that exists up front: `ID` or `ID:DATACENTER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    pub id: String,
    pub data_center: DataCenter,
}

impl AppSpec {
    pub fn new(id: impl Into<String>, data_center: DataCenter) -> Self {
        Self {
            id: id.into(),
            data_center,
        }
    }
}

impl FromStr for AppSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (id, dc) = match s.split_once(':') {
            Some((id, dc)) => (id, Some(dc)),
            None => (s, None),
        };
        crate::api::validate::id("AppId", id).map_err(|e| e.to_string())?;
        let data_center = match dc {
            Some(dc) => dc.parse::<DataCenter>().map_err(|e| e.to_string())?,
            None => DataCenter::default(),
        };
        Ok(Self::new(id, data_center))
    }
}

impl fmt::Display for AppSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.id, self.data_center)
    }
}

/// Where the emulator keeps its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    /// Gone when the emulator stops (tests, throw-away demos).
    InMemory,
    /// A SQLite file in WAL mode; survives restarts and `kill -9`.
    File(PathBuf),
}

/// Everything [`Emulator::start`] needs. `Default` is an in-memory emulator on
/// `127.0.0.1:0` with app `demo` (cn-shanghai), the demo key pair and no faults.
#[derive(Clone)]
pub struct EmulatorOptions {
    pub listen: SocketAddr,
    pub state: StateLocation,
    /// Apps that exist; empty means just `demo` in cn-shanghai.
    pub apps: Vec<AppSpec>,
    /// Seed app `demo` with the bundled demo groups (adds the app if missing).
    pub demo_data: bool,
    /// Simulated online users in every group that has no explicit audience.
    pub audience: u32,
    pub access_key_id: String,
    pub access_key_secret: String,
    /// More (ID, secret) pairs accepted besides the main one: several
    /// simulated accounts, each with its own rate-limit budget.
    pub extra_access_keys: Vec<(String, String)>,
    pub faults: FaultOptions,
    /// Synthetic groups (`gen00001`…) added to the first app at start, past
    /// the rate limit; at most [`MAX_GENERATED_GROUPS`].
    pub generate_groups: u32,
    /// Synthetic stored messages spread over the generated groups at start
    /// (needs `generate_groups`), for memory figures.
    pub generate_messages: u32,
    /// FOR BENCHMARKS ON LOOPBACK ONLY: unsigned requests are accepted (as
    /// [`LOAD_TEST_ACCESS_KEY_ID`]) and the rate limit is off. Signed requests
    /// are still verified. [`Emulator::start`] refuses it on a non-loopback address.
    pub load_test: bool,
    /// Most connections open at once; `None` derives it from the process's
    /// file-handle limit (each connection holds two handles).
    pub max_connections: Option<usize>,
    /// How long a client may take to send a request head, and how long an
    /// idle keep-alive connection stays open.
    pub header_read_timeout: Duration,
    /// Simulated audience chat: lines per second per active group (0 = off).
    /// A demo sets it so the console has a live room to moderate.
    pub chatter: f64,
}

/// Most chatter lines per second per group.
pub const MAX_CHATTER: f64 = 1000.0;

/// Default [`EmulatorOptions::header_read_timeout`].
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The connection cap when none is given: a quarter of the file-handle limit
/// (two handles per connection leaves half for SQLite, logs and the rest),
/// between 16 and 4,096.
pub fn default_max_connections() -> usize {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes into the struct we pass.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
        if ok {
            let soft = usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX);
            return (soft / 4).clamp(16, 4096);
        }
    }
    1024
}

/// The warning printed when the emulator listens beyond loopback: it accepts
/// the well-known demo key pair and is a fake service.
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "WARNING: the emulator listens on {addr}, beyond loopback: anyone who can reach this \
             address can call it (with the demo key pair unless you set your own). It is a test \
             fake, not a service; use --listen 127.0.0.1:PORT unless you mean it."
        )
    })
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state: StateLocation::InMemory,
            apps: Vec::new(),
            demo_data: false,
            audience: 0,
            access_key_id: DEMO_ACCESS_KEY_ID.to_string(),
            access_key_secret: DEMO_ACCESS_KEY_SECRET.to_string(),
            extra_access_keys: Vec::new(),
            faults: FaultOptions::default(),
            generate_groups: 0,
            generate_messages: 0,
            load_test: false,
            max_connections: None,
            header_read_timeout: HEADER_READ_TIMEOUT,
            chatter: 0.0,
        }
    }
}

impl fmt::Debug for EmulatorOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets stay out of logs, even the emulator's own.
        f.debug_struct("EmulatorOptions")
            .field("listen", &self.listen)
            .field("state", &self.state)
            .field("apps", &self.apps)
            .field("demo_data", &self.demo_data)
            .field("audience", &self.audience)
            .field("access_key_id", &self.access_key_id)
            .field(
                "extra_access_keys",
                &self
                    .extra_access_keys
                    .iter()
                    .map(|(id, _)| id)
                    .collect::<Vec<_>>(),
            )
            .field("faults", &self.faults)
            .field("generate_groups", &self.generate_groups)
            .field("generate_messages", &self.generate_messages)
            .field("load_test", &self.load_test)
            .field("max_connections", &self.max_connections)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("chatter", &self.chatter)
            .finish_non_exhaustive()
    }
}

/// Refuses sizes past the limits and `load_test` off loopback.
fn check_generation_and_load_test(options: &EmulatorOptions) -> Result<(), EmulatorError> {
    if options.generate_groups > MAX_GENERATED_GROUPS {
        return Err(OptionsError::TooManyGroups(options.generate_groups).into());
    }
    if options.generate_messages > 0 && options.generate_groups == 0 {
        return Err(OptionsError::MessagesWithoutGroups.into());
    }
    if options.load_test && !options.listen.ip().is_loopback() {
        return Err(OptionsError::LoadTestOffLoopback(options.listen).into());
    }
    Ok(())
}

/// `n` synthetic groups `gen00001`…, one a minute up to `now` (UNIX seconds),
/// with names, a JSON GroupInfo on every third and administrators on some.
pub fn generated_groups(n: u32, now: i64) -> Vec<SeedGroup> {
    (1..=n)
        .map(|i| SeedGroup {
            group_id: generated_group_id(i),
            group_name: format!("Generated room {i}"),
            group_info: if i % 3 == 0 {
                format!(r#"{{"topic":"bench","slot":{i},"tags":["live","chat"]}}"#)
            } else {
                format!("synthetic group {i} for benchmarks")
            },
            creator_id: format!("host{}", i % 17),
            administrators: ["mod1", "mod2", "mod3"][..(i % 4) as usize]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            createtime: now - i64::from(n - i) * 60,
            deleted: false,
            audience: None,
        })
        .collect()
}

/// The ID of generated group `i` (1-based): `gen00001`.
pub fn generated_group_id(i: u32) -> String {
    format!("gen{i:05}")
}

impl EmulatorOptions {
    /// The apps in force: the configured ones, `demo` when none are, and `demo`
    /// added when demo data is wanted.
    pub fn effective_apps(&self) -> Vec<AppSpec> {
        let mut apps: Vec<AppSpec> = Vec::new();
        for app in &self.apps {
            // A later `--app X:DC` overrides an earlier one for the same ID.
            apps.retain(|a| a.id != app.id);
            apps.push(app.clone());
        }
        if apps.is_empty() || (self.demo_data && !apps.iter().any(|a| a.id == DEMO_APP_ID)) {
            apps.push(AppSpec::new(DEMO_APP_ID, DataCenter::CnShanghai));
        }
        apps
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the emulator state {location}: {source}")]
    State {
        location: String,
        #[source]
        source: store::OpenError,
    },
    #[error("invalid emulator options: {0}")]
    Options(#[from] OptionsError),
    #[error("emulator storage failed: {0}")]
    Storage(#[from] store::StoreError),
}

/// Emulator options that cannot work together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptionsError {
    #[error(
        "at most {MAX_GENERATED_GROUPS} generated groups (the live-group limit of an app), not {0}"
    )]
    TooManyGroups(u32),
    #[error("generated messages need generated groups to go to")]
    MessagesWithoutGroups,
    #[error(
        "load-test mode accepts unsigned requests and has no rate limit, so it listens on loopback only, not {0}"
    )]
    LoadTestOffLoopback(SocketAddr),
    #[error("the access key ID and secret must not be empty")]
    EmptyKey,
    #[error(transparent)]
    Rate(#[from] faults::RateError),
}

/// Counters since start, plus every delivery the state holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests per Action (unknown actions under `(unknown)`), whatever the outcome.
    pub requests: BTreeMap<String, u64>,
    /// Replies of `Throttling.User`, from the rate limit or injected.
    pub throttled: u64,
    /// Of those, how many the rate limit (not `--throttle-rate`) produced.
    pub rate_limited: u64,
    /// Injected `ServerError` replies before processing.
    pub faults: u64,
    /// Injected `ServerError` replies after the change was committed.
    pub late_faults: u64,
    /// Connections reset after the request was processed.
    pub resets: u64,
    /// Requests hyper could not parse, answered with an error body.
    pub malformed: u64,
    /// Connections open now.
    pub open_connections: u64,
    /// Most connections open at once since start.
    pub peak_connections: u64,
    /// Messages delivered (all deliveries in the state, stored or not).
    pub delivered: u64,
    /// Every delivery, oldest first; a MsgTid seen twice in a group appears twice.
    pub deliveries: Vec<Delivery>,
}

impl Stats {
    /// (app, group, MsgTid) triples delivered more than once, with their counts.
    pub fn duplicate_deliveries(&self) -> Vec<((String, String, String), u64)> {
        let mut seen: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        for d in &self.deliveries {
            *seen
                .entry((d.app_id.clone(), d.group_id.clone(), d.msg_tid.clone()))
                .or_default() += 1;
        }
        seen.into_iter().filter(|(_, n)| *n > 1).collect()
    }
}

/// A running emulator. Stop it with [`Emulator::shutdown`]; dropping it stops
/// accepting connections too, without waiting.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<server::Shared>,
    router: axum::Router,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Opens the state, seeds demo data if asked, binds and starts serving.
    pub async fn start(options: EmulatorOptions) -> Result<Emulator, EmulatorError> {
        faults::check(&options.faults).map_err(OptionsError::from)?;
        if options.access_key_id.is_empty()
            || options.access_key_secret.is_empty()
            || options
                .extra_access_keys
                .iter()
                .any(|(id, secret)| id.is_empty() || secret.is_empty())
        {
            return Err(OptionsError::EmptyKey.into());
        }
        check_generation_and_load_test(&options)?;
        let apps = options.effective_apps();
        let store = store::Store::open(&options.state).await?;
        let started = chrono::Utc::now().timestamp();
        store.ensure_apps(apps.clone(), started).await?;
        if options.demo_data {
            let groups = demo::demo_groups(started);
            let added = store
                .import_groups(DEMO_APP_ID.to_string(), groups, options.audience, started)
                .await?;
            tracing::info!(added, "demo data seeded into app demo");
        }
        if options.generate_groups > 0 {
            let app_id = apps[0].id.clone();
            let now = started;
            let groups = generated_groups(options.generate_groups, now);
            let added = store
                .import_groups(app_id.clone(), groups, options.audience, now)
                .await?;
            let messages = store
                .generate_messages(
                    app_id.clone(),
                    options.generate_groups,
                    options.generate_messages,
                    now * 1000,
                )
                .await?;
            tracing::info!(added, messages, app_id, "synthetic groups generated");
        }
        if options.load_test {
            tracing::warn!(
                "LOAD TEST MODE: unsigned requests accepted and the rate limit is off (loopback only)"
            );
        }
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: options.listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: options.listen,
                source,
            })?;
        if let Some(warning) = exposure_warning(addr) {
            tracing::warn!("{warning}");
        }
        let shared = Arc::new(server::Shared::new(&options, store));
        let router = server::router(shared.clone());
        let (shutdown, rx) = watch::channel(false);
        let limits = server::ConnectionLimits {
            max_connections: options
                .max_connections
                .unwrap_or_else(default_max_connections),
            header_read_timeout: options.header_read_timeout,
        };
        if options.chatter > 0.0 {
            tokio::spawn(chatter::run(shared.clone(), options.chatter, rx.clone()));
        }
        let task = tokio::spawn(server::serve(
            listener,
            router.clone(),
            shared.clone(),
            limits,
            rx,
        ));
        tracing::info!(%addr, ?limits, "emulator listening");
        Ok(Emulator {
            addr,
            shared,
            router,
            shutdown,
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT/`, ready for `ClientOptions::endpoint`.
    pub fn url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.addr)).expect("a socket address is a valid URL")
    }

    /// The request handler itself, for in-process tests (`tower::ServiceExt::oneshot`).
    pub fn router(&self) -> axum::Router {
        self.router.clone()
    }

    /// Request counters since start and every delivery in the state.
    pub async fn stats(&self) -> Result<Stats, EmulatorError> {
        let deliveries = self.shared.store.deliveries(None).await?;
        Ok(self.shared.counters.snapshot(deliveries))
    }

    /// The request counters alone, without reading the state: `deliveries`
    /// is empty and `delivered` 0 (cheap; for the shutdown summary).
    pub fn counters(&self) -> Stats {
        self.shared.counters.snapshot(Vec::new())
    }

    /// Deliveries to one group, oldest first (duplicates included).
    pub async fn delivered_messages(
        &self,
        app_id: &str,
        group_id: &str,
    ) -> Result<Vec<Delivery>, EmulatorError> {
        self.shared
            .store
            .deliveries(Some((app_id.to_string(), group_id.to_string())))
            .await
            .map_err(EmulatorError::from)
    }

    /// Messages kept in storage for one group (sends with NoStorage=true are not).
    pub async fn stored_messages(
        &self,
        app_id: &str,
        group_id: &str,
    ) -> Result<Vec<Message>, EmulatorError> {
        self.shared
            .store
            .messages(app_id.to_string(), group_id.to_string(), false)
            .await
            .map_err(EmulatorError::from)
    }

    /// The group's "latest messages" cache, oldest first (NoCache=true sends skip it).
    pub async fn cached_messages(
        &self,
        app_id: &str,
        group_id: &str,
    ) -> Result<Vec<Message>, EmulatorError> {
        self.shared
            .store
            .messages(app_id.to_string(), group_id.to_string(), true)
            .await
            .map_err(EmulatorError::from)
    }

    /// Everything the emulator knows about one group, or `None`.
    pub async fn group(
        &self,
        app_id: &str,
        group_id: &str,
    ) -> Result<Option<GroupState>, EmulatorError> {
        self.shared
            .store
            .group_state(
                app_id.to_string(),
                group_id.to_string(),
                self.shared.default_audience,
            )
            .await
            .map_err(EmulatorError::from)
    }

    /// Adds groups directly to the state (no rate limit, no 5,000 limit), e.g.
    /// to set up a test near the limit. Existing IDs are left alone; returns how
    /// many were added.
    pub async fn import_groups(
        &self,
        app_id: &str,
        groups: Vec<SeedGroup>,
    ) -> Result<usize, EmulatorError> {
        self.shared
            .store
            .import_groups(
                app_id.to_string(),
                groups,
                self.shared.default_audience,
                self.shared.clock.now().timestamp(),
            )
            .await
            .map_err(EmulatorError::from)
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), then returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .is_err()
        {
            tracing::warn!("emulator did not stop in time");
        }
        tracing::info!(addr = %self.addr, "emulator stopped");
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Stop accepting; in-flight connections finish on their own.
        let _ = self.shutdown.send(true);
    }
}
