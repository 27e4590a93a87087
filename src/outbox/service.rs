//! The console's side of the durable outbox, run by the API worker: outbox
//! reads and changes (on blocking threads, never on the UI thread) and the
//! background delivery task.
//!
//! Background delivery sends due entries with [`deliver_due_with`] (its
//! backoff, its per-group order, its `sending`-before-the-request rule, its
//! target and expiry checks): only entries for the client's own backend and
//! key. A timer exists only while something is queued for it: with nothing
//! queued the task waits for a wake-up from the UI and nothing else. It never
//! runs in read-only mode, and stops between entries when cancelled.
//!
//! It knows nothing of the UI: results go out as [`DeliveryUpdate`]s on a
//! channel, which the worker maps to its own events.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, OnceCell, mpsc};
use tokio_util::sync::CancellationToken;

use super::{
    DEFAULT_EXPIRY, DeliverOptions, DeliveryReport, Entry, LastError, ListFilter, Outbox,
    OutboxError, RetryPolicy, State, Target, deliver_due_with,
};
use crate::api::{Client, SendMessageRequest};
use crate::audit::AuditLog;

/// Where the console's outbox lives and how it is delivered.
#[derive(Debug, Clone)]
pub struct OutboxConfig {
    pub data_dir: PathBuf,
    pub audit: Option<Arc<AuditLog>>,
    /// Never deliver in the background (read-only mode).
    pub read_only: bool,
    pub policy: RetryPolicy,
    /// The backend and key recorded on what is queued; the worker fills it
    /// from its client when it is `None`.
    pub target: Option<Target>,
    /// How long a queued message stays worth sending (config `outbox_expiry`).
    pub expiry: Duration,
}

impl OutboxConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            audit: None,
            read_only: false,
            policy: RetryPolicy::default(),
            target: None,
            expiry: DEFAULT_EXPIRY,
        }
    }
}

/// Why the service could not do what was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Outbox(Arc<OutboxError>),
    #[error("{}: {source}", dir.display())]
    DataDir {
        dir: PathBuf,
        source: Arc<std::io::Error>,
    },
    #[error("the outbox task failed: {0}")]
    Task(String),
    #[error("no data directory: the outbox is not available")]
    Unavailable,
}

impl From<OutboxError> for ServiceError {
    fn from(e: OutboxError) -> Self {
        ServiceError::Outbox(Arc::new(e))
    }
}

/// What one background delivery pass did, and the outbox after it.
#[derive(Debug, Clone)]
pub struct DeliveryUpdate {
    pub report: DeliveryReport,
    pub snapshot: Result<Snapshot, ServiceError>,
}

/// A change a person asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxOp {
    /// Only read the entries and counts.
    Refresh,
    /// Keep a composed message (as `outcome_unknown` when a send of it ended
    /// with an unknown outcome).
    Enqueue {
        request: SendMessageRequest,
        unknown: Option<LastError>,
    },
    Discard(i64),
    /// Retry now / resend anyway / edit and requeue ([`Outbox::requeue`]).
    Requeue {
        entry: i64,
        edited: Option<SendMessageRequest>,
    },
}

impl OutboxOp {
    /// Whether the op can make something due (the delivery task is woken).
    fn wakes_delivery(&self) -> bool {
        matches!(self, OutboxOp::Enqueue { .. } | OutboxOp::Requeue { .. })
    }
}

/// What the pane shows: the entries that still need attention, plus those
/// that changed while the console has been open.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub entries: Vec<Entry>,
    pub counts: BTreeMap<State, u64>,
}

impl Snapshot {
    pub fn count(&self, state: State) -> u64 {
        self.counts.get(&state).copied().unwrap_or(0)
    }
}

/// The reply to an [`OutboxOp`]: the entry it touched and the outbox after it.
#[derive(Debug, Clone)]
pub struct OpReply {
    pub entry: Option<Entry>,
    pub snapshot: Snapshot,
}

/// Reads what the pane shows. `since`: delivered and discarded entries older
/// than this are left out (they need nobody's attention).
pub fn snapshot(outbox: &Outbox, since: DateTime<Utc>) -> Result<Snapshot, OutboxError> {
    let mut entries = outbox.list(&ListFilter::default())?;
    entries.retain(|e| {
        !matches!(e.state, State::Delivered | State::Discarded) || e.updated_at >= since
    });
    Ok(Snapshot {
        entries,
        counts: outbox.counts()?,
    })
}

/// Carries out one op (blocking: SQLite).
pub fn apply(outbox: &Outbox, op: OutboxOp, since: DateTime<Utc>) -> Result<OpReply, OutboxError> {
    let entry = match op {
        OutboxOp::Refresh => None,
        OutboxOp::Enqueue { request, unknown } => {
            let id = match &unknown {
                Some(err) => outbox.record_unknown(request, err)?,
                None => outbox.enqueue(request)?,
            };
            Some(outbox.get(id)?)
        }
        OutboxOp::Discard(id) => Some(outbox.discard(id)?),
        OutboxOp::Requeue { entry, edited } => Some(outbox.requeue(entry, edited)?),
    };
    Ok(OpReply {
        entry,
        snapshot: snapshot(outbox, since)?,
    })
}

/// The worker's handle on the outbox: opened once, lazily, off the UI thread.
#[derive(Debug)]
pub struct OutboxService {
    config: OutboxConfig,
    cell: OnceCell<Result<Arc<Outbox>, ServiceError>>,
    wake: Notify,
    cancel: CancellationToken,
    started: DateTime<Utc>,
}

impl OutboxService {
    pub fn new(config: OutboxConfig) -> Arc<Self> {
        Arc::new(Self {
            config,
            cell: OnceCell::new(),
            wake: Notify::new(),
            cancel: CancellationToken::new(),
            started: Utc::now(),
        })
    }

    pub fn config(&self) -> &OutboxConfig {
        &self.config
    }

    /// The outbox, opened on first use.
    pub async fn outbox(&self) -> Result<Arc<Outbox>, ServiceError> {
        self.cell
            .get_or_init(|| async {
                let config = self.config.clone();
                tokio::task::spawn_blocking(move || {
                    let dir = &config.data_dir;
                    std::fs::create_dir_all(dir).map_err(|e| ServiceError::DataDir {
                        dir: dir.clone(),
                        source: Arc::new(e),
                    })?;
                    let mut o = Outbox::in_dir(dir)?.with_expiry(config.expiry);
                    if let Some(t) = config.target {
                        o = o.with_target(t);
                    }
                    if let Some(a) = config.audit {
                        o = o.with_audit(a);
                    }
                    Ok(Arc::new(o))
                })
                .await
                .unwrap_or_else(|e| Err(ServiceError::Task(e.to_string())))
            })
            .await
            .clone()
    }

    /// Carries out `op` on a blocking thread.
    pub async fn run(&self, op: OutboxOp) -> Result<OpReply, ServiceError> {
        let outbox = self.outbox().await?;
        let wake = op.wakes_delivery();
        let since = self.started;
        let reply = tokio::task::spawn_blocking(move || apply(&outbox, op, since))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?
            .map_err(ServiceError::from);
        if wake && reply.is_ok() {
            self.wake.notify_one();
        }
        reply
    }

    /// Stops background delivery (between entries).
    pub fn stop(&self) {
        self.cancel.cancel();
    }

    /// Background delivery until [`OutboxService::stop`] (or until nobody
    /// listens). Reports every pass that changed something on `updates`.
    pub async fn deliver_forever(
        self: Arc<Self>,
        client: Client,
        updates: mpsc::UnboundedSender<DeliveryUpdate>,
    ) {
        if self.config.read_only || client.is_read_only() {
            return;
        }
        let outbox = match self.outbox().await {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(%e, "no background delivery: the outbox cannot be opened");
                return;
            }
        };
        let since = self.started;
        let target = Target::of_client(&client);
        let options = DeliverOptions {
            policy: self.config.policy.clone(),
            cancel: Some(self.cancel.clone()),
            ..Default::default()
        };
        // A pass that attempted nothing although something looked due (an
        // older sibling held by another process) waits this long before looking again.
        const IDLE_RECHECK: Duration = Duration::from_secs(1);
        let mut nothing_attempted = false;
        loop {
            let o = outbox.clone();
            let t = target.clone();
            let next = tokio::task::spawn_blocking(move || o.next_attempt(&t))
                .await
                .ok()
                .and_then(Result::ok)
                .flatten();
            let wait = next.map(|at| {
                let d = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                if nothing_attempted {
                    d.max(IDLE_RECHECK)
                } else {
                    d
                }
            });
            match wait {
                // Idle means idle: no timer, only a wake-up.
                None => tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = self.cancel.cancelled() => return,
                },
                Some(d) => tokio::select! {
                    _ = tokio::time::sleep(d) => {}
                    _ = self.wake.notified() => {}
                    _ = self.cancel.cancelled() => return,
                },
            }
            let result = deliver_due_with(&outbox, &client, Utc::now(), &options).await;
            match result {
                Ok(report) => {
                    nothing_attempted = report.attempted() == 0;
                    if report.changed() > 0 {
                        let o = outbox.clone();
                        let snap = tokio::task::spawn_blocking(move || snapshot(&o, since))
                            .await
                            .map_err(|e| ServiceError::Task(e.to_string()))
                            .and_then(|r| r.map_err(ServiceError::from));
                        if updates
                            .send(DeliveryUpdate {
                                report,
                                snapshot: snap,
                            })
                            .is_err()
                        {
                            return;
                        }
                    }
                }
                Err(e) => {
                    nothing_attempted = true;
                    tracing::warn!(%e, "background delivery pass failed");
                    let _ = updates.send(DeliveryUpdate {
                        report: DeliveryReport::default(),
                        snapshot: Err(e.into()),
                    });
                }
            }
            if self.cancel.is_cancelled() {
                return;
            }
        }
    }
}
