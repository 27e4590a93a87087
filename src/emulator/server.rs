//! The HTTP side: the request pipeline and the accept loop.
//!
//! The accept loop is our own (hyper + hyper-util) rather than `axum::serve`,
//! for one reason: `--reset-rate` must process a request, commit it, and then
//! reset the TCP connection instead of replying. Each connection gets a
//! [`ResetHandle`] in its requests' extensions; the handler fires it and never
//! completes, and the connection task then drops the connection with
//! `SO_LINGER` 0, which makes the kernel send RST.
//!
//! Pipeline of one request: read the body (capped) → gather parameters →
//! count it → draw faults (latency, injected 500) → Action/Version → verify
//! the signature → rate limit (50/s per key and operation) → injected throttling
//! → parse and validate → apply (SQLite, committed) → reply, or reset.
//!
//! In load-test mode (benchmarks on loopback only) an unsigned request skips
//! the signature step and nothing is rate-limited.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt as _;

use super::auth::{self, KeyRing, NonceCache};
use super::clock::ServiceClock;
use super::faults::FaultInjector;
use super::malformed::MalformedReplies;
use super::rules::{self, Action};
use super::store::{Delivery, Store};
use super::wire::{self, ApiFault, Incoming, MAX_BODY_BYTES};
use super::{EmulatorOptions, Stats};
use crate::api::client::CALLS_PER_SECOND;
use crate::api::model::API_VERSION;

/// Counters since start.
#[derive(Debug, Default)]
pub struct Counters {
    requests: Mutex<BTreeMap<&'static str, u64>>,
    throttled: AtomicU64,
    rate_limited: AtomicU64,
    faults: AtomicU64,
    late_faults: AtomicU64,
    resets: AtomicU64,
    malformed: AtomicU64,
    open_connections: AtomicU64,
    peak_connections: AtomicU64,
}

impl Counters {
    fn request(&self, action: &str) {
        // Unknown names are lumped together so a scan cannot grow the map.
        let key = match Action::from_name(action) {
            Some(a) => a.name(),
            None => "(unknown)",
        };
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default() += 1;
    }

    pub fn snapshot(&self, deliveries: Vec<Delivery>) -> Stats {
        Stats {
            requests: self
                .requests
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            throttled: self.throttled.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            faults: self.faults.load(Ordering::Relaxed),
            late_faults: self.late_faults.load(Ordering::Relaxed),
            resets: self.resets.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
            open_connections: self.open_connections.load(Ordering::Relaxed),
            peak_connections: self.peak_connections.load(Ordering::Relaxed),
            delivered: deliveries.len() as u64,
            deliveries,
        }
    }
}

/// State shared by every request.
pub struct Shared {
    pub store: Store,
    pub default_audience: u32,
    pub counters: Counters,
    pub clock: ServiceClock,
    keys: KeyRing,
    nonces: Mutex<NonceCache>,
    /// One GCRA limiter per rate (50/s and 10/s), keyed by (AccessKeyId, operation).
    limiters: HashMap<u32, DefaultKeyedRateLimiter<(String, Action)>>,
    faults: FaultInjector,
    /// Benchmarks on loopback: unsigned requests pass, no rate limit.
    load_test: bool,
}

impl Shared {
    pub fn new(options: &EmulatorOptions, store: Store) -> Self {
        let limiters = Action::ALL
            .iter()
            .filter_map(|a| a.calls_per_second())
            .filter_map(NonZeroU32::new)
            .map(|rate| {
                // A burst as large as the rate, as the service allows.
                let limiter = RateLimiter::keyed(Quota::per_second(rate).allow_burst(rate));
                (rate.get(), limiter)
            })
            .collect();
        Self {
            store,
            default_audience: options.audience,
            counters: Counters::default(),
            clock: ServiceClock::default(),
            keys: KeyRing::new(
                std::iter::once((
                    options.access_key_id.clone(),
                    options.access_key_secret.clone(),
                ))
                .chain(options.extra_access_keys.iter().cloned()),
            ),
            nonces: Mutex::new(NonceCache::default()),
            limiters,
            faults: FaultInjector::new(options.faults.clone()),
            load_test: options.load_test,
        }
    }
}

/// Lets a handler ask its connection to be reset instead of answered.
#[derive(Clone)]
pub(crate) struct ResetHandle(Arc<Notify>);

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    // Every path and method ends here: the gateway answers errors, not 404 pages.
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let request_id = wire::new_request_id();
    let (parts, body) = req.into_parts();
    let reset = parts.extensions.get::<ResetHandle>().cloned();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            let format = wire::format_of(
                parts
                    .uri
                    .query()
                    .and_then(|q| {
                        form_urlencoded::parse(q.as_bytes())
                            .find(|(k, _)| k == "Format")
                            .map(|(_, v)| v.into_owned())
                    })
                    .as_deref(),
            );
            let fault = ApiFault::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "InputInvalid",
                format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
            );
            return wire::error(format, &request_id, &fault);
        }
    };
    let incoming = Incoming::new(&parts, body);
    let format = incoming.format();
    let action_name = incoming
        .header("x-acs-action")
        .map(str::to_string)
        .or_else(|| incoming.params.string("Action"));
    let (result, plan) = process(&shared, &incoming, action_name.as_deref(), &request_id).await;
    if let Some(reset) = reset.filter(|_| plan.is_some_and(|p| p.reset)) {
        // Processed and committed: now drop the connection without a reply.
        shared.counters.resets.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(request_id, "resetting the connection after processing");
        reset.0.notify_one();
        std::future::pending::<()>().await;
    }
    let result = match result {
        Ok(_) if plan.is_some_and(|p| p.late_error) => {
            // Processed and committed: now claim an unknown error.
            shared.counters.late_faults.fetch_add(1, Ordering::Relaxed);
            Err(ApiFault::server_error(
                "The request processing has failed due to some unknown error (injected by the emulator after the request was processed).",
            ))
        }
        other => other,
    };
    tracing::debug!(
        request_id,
        action = action_name.as_deref().unwrap_or_default(),
        outcome = match &result {
            Ok(_) => "OK",
            Err(fault) => fault.code.as_ref(),
        },
        "request"
    );
    match result {
        Ok(body) => wire::success(
            format,
            action_name.as_deref().unwrap_or_default(),
            &request_id,
            &body,
        ),
        Err(fault) => wire::error(format, &request_id, &fault),
    }
}

/// Runs the pipeline; also returns the fault plan once it was drawn.
async fn process(
    shared: &Arc<Shared>,
    incoming: &Incoming,
    action_name: Option<&str>,
    request_id: &str,
) -> (
    Result<serde_json::Value, ApiFault>,
    Option<super::faults::FaultPlan>,
) {
    let Some(action_name) = action_name.filter(|a| !a.is_empty()) else {
        return (Err(ApiFault::missing("Action")), None);
    };
    shared.counters.request(action_name);
    let plan = shared.faults.plan();
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    if plan.server_error {
        shared.counters.faults.fetch_add(1, Ordering::Relaxed);
        let fault = ApiFault::server_error(
            "The request processing has failed due to some unknown error (injected by the emulator).",
        );
        return (Err(fault), None);
    }
    let result = verified_call(shared, incoming, action_name, request_id, plan).await;
    (result, Some(plan))
}

async fn verified_call(
    shared: &Arc<Shared>,
    incoming: &Incoming,
    action_name: &str,
    request_id: &str,
    plan: super::faults::FaultPlan,
) -> Result<serde_json::Value, ApiFault> {
    let Some(action) = Action::from_name(action_name) else {
        return Err(ApiFault::new(
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
            format!(
                "Specified api {action_name:?} is not found, please check your url and method."
            ),
        ));
    };
    let version = incoming
        .header("x-acs-version")
        .map(str::to_string)
        .or_else(|| incoming.params.string("Version"));
    match version.as_deref() {
        None | Some("") => return Err(ApiFault::missing("Version")),
        Some(API_VERSION) => {}
        Some(other) => {
            return Err(ApiFault::new(
                StatusCode::BAD_REQUEST,
                "InvalidVersion",
                format!("Specified parameter Version {other:?} is not valid; use {API_VERSION}."),
            ));
        }
    }
    if !matches!(incoming.method.as_str(), "GET" | "POST") {
        return Err(ApiFault::new(
            StatusCode::BAD_REQUEST,
            "UnsupportedHTTPMethod",
            format!(
                "HTTP method {} is not supported; use GET or POST.",
                incoming.method
            ),
        ));
    }
    let now = chrono::Utc::now();
    let unsigned =
        incoming.header("authorization").is_none() && incoming.params.get("Signature").is_none();
    let who = if shared.load_test && unsigned {
        auth::Verified {
            access_key_id: super::LOAD_TEST_ACCESS_KEY_ID.to_string(),
            scheme: auth::Scheme::V2,
        }
    } else {
        auth::verify(incoming, &shared.keys, &shared.nonces, now)?
    };
    let limiter = action
        .calls_per_second()
        .and_then(|rate| shared.limiters.get(&rate));
    if !shared.load_test
        && let Some(limiter) = limiter
        && let Err(not_until) = limiter.check_key(&(who.access_key_id.clone(), action))
    {
        shared.counters.throttled.fetch_add(1, Ordering::Relaxed);
        shared.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        return Err(ApiFault::throttled(
            ms + u64::from(wait.subsec_nanos() % 1_000_000 != 0),
        ));
    }
    if plan.throttle {
        shared.counters.throttled.fetch_add(1, Ordering::Relaxed);
        return Err(ApiFault::throttled(1000 / u64::from(CALLS_PER_SECOND)));
    }
    let shared2 = shared.clone();
    let request_id = request_id.to_string();
    let params = incoming.params.clone();
    shared
        .store
        .run(move |conn| {
            let ctx = rules::Context {
                default_audience: shared2.default_audience,
                request_id: &request_id,
                now: shared2.clock.now(),
                clock: &shared2.clock,
            };
            rules::handle(conn, &ctx, action, &params)
        })
        .await
        .map_err(|e| ApiFault::server_error(format!("{e}.")))?
}

/// How many connections the emulator holds open at once, and how long a
/// connection may take to send a request head (also between keep-alive requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConnectionLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
}

/// Serves `router` on `listener` until `shutdown` turns true, then finishes
/// requests in flight (up to 5 s).
///
/// At most `limits.max_connections` connections are open at once: past that
/// the loop stops accepting (new clients wait in the kernel's backlog, costing
/// no file handle here) until one closes. With the header-read timeout, idle
/// or stalled clients free their place within that time, so ~10,000 idle
/// connections cannot exhaust the process's file handles.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    shared: Arc<Shared>,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
                continue;
            }
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let slot = Slot::new(permit, shared.clone());
                    connection(stream, peer, router.clone(), &graceful, limits, slot);
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    drop(permit);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(5)) => {
            tracing::warn!("requests still in flight after 5 s; stopping anyway");
        }
    }
}

/// One open connection's place under the cap; counted while it lives.
struct Slot {
    _permit: OwnedSemaphorePermit,
    shared: Arc<Shared>,
}

impl Slot {
    fn new(permit: OwnedSemaphorePermit, shared: Arc<Shared>) -> Self {
        let open = shared
            .counters
            .open_connections
            .fetch_add(1, Ordering::Relaxed)
            + 1;
        shared
            .counters
            .peak_connections
            .fetch_max(open, Ordering::Relaxed);
        Self {
            _permit: permit,
            shared,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.shared
            .counters
            .open_connections
            .fetch_sub(1, Ordering::Relaxed);
    }
}

fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    graceful: &GracefulShutdown,
    limits: ConnectionLimits,
    slot: Slot,
) {
    let _ = stream.set_nodelay(true);
    // A second descriptor for the same socket, kept to set SO_LINGER 0 at reset time.
    let (stream, twin) = match stream.into_std().and_then(|s| {
        let twin = s.try_clone()?;
        Ok((tokio::net::TcpStream::from_std(s)?, twin))
    }) {
        Ok((s, twin)) => (s, Some(twin)),
        Err(e) => {
            tracing::warn!(error = %e, %peer, "cannot prepare the connection");
            return;
        }
    };
    let reset = Arc::new(Notify::new());
    let handle = ResetHandle(reset.clone());
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(handle.clone());
            let router = router.clone();
            async move {
                let response: Result<Response, Infallible> =
                    router.oneshot(req.map(Body::new)).await;
                response
            }
        });
    let shared = slot.shared.clone();
    let io = MalformedReplies::new(stream, move || {
        shared.counters.malformed.fetch_add(1, Ordering::Relaxed);
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(io), service);
    let conn = graceful.watch(conn);
    tokio::spawn(async move {
        let _slot = slot;
        tokio::select! {
            biased;
            () = reset.notified() => {
                if let Some(twin) = &twin
                    && let Err(e) = socket2::SockRef::from(twin).set_linger(Some(Duration::ZERO))
                {
                    tracing::warn!(error = %e, "cannot set SO_LINGER for a reset");
                }
                tracing::debug!(%peer, "connection reset on purpose");
            }
            result = conn => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
            }
        }
        // Both descriptors close here; with SO_LINGER 0 the kernel sends RST.
        drop(twin);
    });
}
