//! The console's side of the durable outbox, run by the API worker: outbox
//! reads and changes (on blocking threads, never on the UI thread) and the
//! background delivery task.
//!
//! Background delivery sends due entries with [`outbox::deliver_due_with`]
//! (its backoff, its per-group order, its `sending`-before-the-request rule).
//! A timer exists only while something is queued: with an empty outbox the
//! task waits for a wake-up from the UI and nothing else. It never runs in
//! read-only mode, and stops between entries when cancelled.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, OnceCell, mpsc};
use tokio_util::sync::CancellationToken;

use crate::api::{Client, SendMessageRequest};
use crate::audit::AuditLog;
use crate::outbox::{
    self, DeliverOptions, DeliveryReport, Entry, LastError, ListFilter, Outbox, OutboxError,
    RetryPolicy, State,
};
use crate::worker::Event;

/// Where the console's outbox lives and how it is delivered.
#[derive(Debug, Clone)]
pub struct OutboxConfig {
    pub data_dir: PathBuf,
    pub audit: Option<Arc<AuditLog>>,
    /// Never deliver in the background (read-only mode).
    pub read_only: bool,
    pub policy: RetryPolicy,
}

impl OutboxConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            audit: None,
            read_only: false,
            policy: RetryPolicy::default(),
        }
    }
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
    cell: OnceCell<Result<Arc<Outbox>, String>>,
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

    /// The outbox, opened on first use.
    pub async fn outbox(&self) -> Result<Arc<Outbox>, String> {
        self.cell
            .get_or_init(|| async {
                let dir = self.config.data_dir.clone();
                let audit = self.config.audit.clone();
                tokio::task::spawn_blocking(move || {
                    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                    let o = Outbox::in_dir(&dir).map_err(|e| e.to_string())?;
                    Ok(Arc::new(match audit {
                        Some(a) => o.with_audit(a),
                        None => o,
                    }))
                })
                .await
                .unwrap_or_else(|e| Err(format!("opening the outbox failed: {e}")))
            })
            .await
            .clone()
    }

    /// Carries out `op` on a blocking thread.
    pub async fn run(&self, op: OutboxOp) -> Result<OpReply, String> {
        let outbox = self.outbox().await?;
        let wake = op.wakes_delivery();
        let since = self.started;
        let reply = tokio::task::spawn_blocking(move || apply(&outbox, op, since))
            .await
            .map_err(|e| format!("the outbox task failed: {e}"))?
            .map_err(|e| e.to_string());
        if wake && reply.is_ok() {
            self.wake.notify_one();
        }
        reply
    }

    /// Stops background delivery (between entries).
    pub fn stop(&self) {
        self.cancel.cancel();
    }

    /// Background delivery until [`OutboxService::stop`]. Reports every pass
    /// that changed something as [`Event::OutboxDelivered`].
    pub async fn deliver_forever(
        self: Arc<Self>,
        client: Client,
        events: mpsc::UnboundedSender<Event>,
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
            let next = tokio::task::spawn_blocking(move || next_attempt(&o))
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
            let result = outbox::deliver_due_with(&outbox, &client, Utc::now(), &options).await;
            match result {
                Ok(report) => {
                    nothing_attempted = report.attempted() == 0;
                    if report.attempted() > 0 {
                        let o = outbox.clone();
                        let snap = tokio::task::spawn_blocking(move || snapshot(&o, since))
                            .await
                            .map_err(|e| e.to_string())
                            .and_then(|r| r.map_err(|e| e.to_string()));
                        if events
                            .send(Event::OutboxDelivered {
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
                    let _ = events.send(Event::OutboxDelivered {
                        report: DeliveryReport::default(),
                        snapshot: Err(e.to_string()),
                    });
                }
            }
            if self.cancel.is_cancelled() {
                return;
            }
        }
    }
}

/// When the earliest queued entry is due; None when nothing is queued.
fn next_attempt(outbox: &Outbox) -> Result<Option<DateTime<Utc>>, OutboxError> {
    Ok(outbox
        .list(&ListFilter {
            state: Some(State::Queued),
            ..Default::default()
        })?
        .iter()
        .map(|e| e.next_attempt_at)
        .min())
}
