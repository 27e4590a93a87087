//! Sending due outbox entries: backoff, per-group order, and what a failed
//! send means for the entry.
//!
//! Only entries whose [`Target`] is the backend and key of the client at hand
//! are sent; the others are left alone (reported as `other_backend`). Entries
//! past their expiry become `expired` and are not sent.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{LastError, Outbox, OutboxError, State, Target};
use crate::api::{ApiError, Client, DataCenter, ErrorKind};

/// How automatic retries back off.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// After this many automatic retries in a row the entry ends `failed`
    /// (a person can requeue it).
    pub max_auto_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
            max_auto_retries: 30,
        }
    }
}

impl RetryPolicy {
    /// Exponential with "equal jitter": half fixed, half random, so many
    /// clients retrying after one outage spread out.
    pub fn delay(&self, retries_so_far: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32.checked_shl(retries_so_far.min(20)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let half = exp / 2;
        half + half.mul_f64(rand::random::<f64>())
    }
}

/// What to do with an entry after a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Provably not processed, or nobody online: try again later.
    Retry,
    /// It may have reached the service: a person decides.
    Unknown,
    /// The group (or app) does not exist: fail this and every queued sibling.
    GroupGone,
    /// The service said no: `failed`.
    Fail,
}

/// "No online users" is an InputInvalid whose message says so; the exact
/// wording of the real service is undocumented, so match loosely.
pub fn is_no_online_users(err: &ApiError) -> bool {
    err.service().is_some_and(|s| {
        let msg = s.message.to_ascii_lowercase();
        s.kind() == ErrorKind::InputInvalid
            && msg.contains("online")
            && (msg.contains("no ") || msg.contains("not ") || msg.contains("nobody"))
    })
}

/// What a failed send means. A 5xx other than throttling or "unavailable" is
/// the service's documented "unknown error": it may come after the message
/// was accepted, so it is an unknown outcome, never an automatic resend.
pub fn classify(err: &ApiError) -> Disposition {
    if is_no_online_users(err) {
        return Disposition::Retry;
    }
    match err {
        ApiError::Service(s) if s.kind() == ErrorKind::ResourceNotExist => Disposition::GroupGone,
        ApiError::Service(s) if s.kind() == ErrorKind::Throttling => Disposition::Retry,
        ApiError::Service(s) if s.kind() == ErrorKind::ServiceUnavailable => Disposition::Retry,
        ApiError::Service(s) if s.status >= 500 => Disposition::Unknown,
        // A reply we could not read may well have been a success.
        ApiError::Decode { .. } => Disposition::Unknown,
        ApiError::Transport { .. } if !err.provably_not_processed() => Disposition::Unknown,
        ApiError::Validation(_) => Disposition::Fail,
        e if e.provably_not_processed() => Disposition::Retry,
        _ => Disposition::Fail,
    }
}

/// Options for one delivery pass.
#[derive(Debug, Clone)]
pub struct DeliverOptions {
    pub policy: RetryPolicy,
    /// Stop between entries when cancelled (an entry being sent is finished).
    pub cancel: Option<CancellationToken>,
    /// Groups served at once. Within a group, sends are strictly sequential
    /// so its messages arrive in the order written; across groups a slow or
    /// backing-off group does not hold the others up. The client's pacer caps
    /// the total rate whatever this is.
    pub concurrency: usize,
}

impl Default for DeliverOptions {
    fn default() -> Self {
        Self {
            policy: RetryPolicy::default(),
            cancel: None,
            concurrency: 4,
        }
    }
}

/// What one delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub delivered: Vec<i64>,
    /// Back to queued with a later attempt time.
    pub requeued: Vec<i64>,
    pub failed: Vec<i64>,
    pub outcome_unknown: Vec<i64>,
    /// Due but not attempted (cancelled, an earlier sibling waits, or claimed
    /// by another process).
    pub skipped: Vec<i64>,
    /// Not sent: past their expiry (now `expired`).
    pub expired: Vec<i64>,
    /// Left alone: queued for another backend or key.
    pub other_backend: Vec<i64>,
    pub throttled_replies: u32,
}

impl DeliveryReport {
    /// Adds another report's entries to this one.
    pub fn merge(&mut self, other: DeliveryReport) {
        self.delivered.extend(other.delivered);
        self.requeued.extend(other.requeued);
        self.failed.extend(other.failed);
        self.outcome_unknown.extend(other.outcome_unknown);
        self.skipped.extend(other.skipped);
        self.expired.extend(other.expired);
        self.other_backend.extend(other.other_backend);
        self.throttled_replies += other.throttled_replies;
    }

    /// Entries for which a request was put on the wire.
    pub fn attempted(&self) -> usize {
        self.delivered.len() + self.requeued.len() + self.failed.len() + self.outcome_unknown.len()
    }

    /// Entries whose state this pass changed (sent, or expired).
    pub fn changed(&self) -> usize {
        self.attempted() + self.expired.len()
    }
}

/// Sends every entry due at `now` with the default policy.
pub async fn deliver_due(
    outbox: &Outbox,
    client: &Client,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, OutboxError> {
    deliver_due_with(outbox, client, now, &DeliverOptions::default()).await
}

/// Expires what is stale, then sends every entry for `client`'s backend due
/// at `now`, in the order written per group.
pub async fn deliver_due_with(
    outbox: &Outbox,
    client: &Client,
    now: DateTime<Utc>,
    options: &DeliverOptions,
) -> Result<DeliveryReport, OutboxError> {
    if client.is_read_only() {
        return Err(OutboxError::ReadOnly("sending from the outbox"));
    }
    let expired = outbox.expire_stale(now)?;
    let due = outbox.due(now, &Target::of_client(client))?;
    let mut report =
        deliver_entries(outbox, client, due.into_iter().map(|e| e.id), options).await?;
    report.expired.extend(expired);
    Ok(report)
}

/// Sends the given entries (which must be queued): one lane per group, in
/// the order given within a lane, `options.concurrency` lanes at a time.
/// Entries for another backend than `client`'s are left alone.
pub async fn deliver_entries(
    outbox: &Outbox,
    client: &Client,
    ids: impl IntoIterator<Item = i64>,
    options: &DeliverOptions,
) -> Result<DeliveryReport, OutboxError> {
    if client.is_read_only() {
        return Err(OutboxError::ReadOnly("sending from the outbox"));
    }
    let target = Target::of_client(client);
    let mut report = DeliveryReport::default();
    let mut lane_of: HashMap<(String, Option<DataCenter>, String), usize> = HashMap::new();
    let mut lanes: Vec<Vec<i64>> = Vec::new();
    for id in ids {
        let e = match outbox.get(id) {
            Ok(e) => e,
            Err(OutboxError::NotFound(_)) => {
                report.skipped.push(id);
                continue;
            }
            Err(e) => return Err(e),
        };
        if !e.is_for(&target) {
            report.other_backend.push(id);
            continue;
        }
        let key = (e.request.app_id, e.request.data_center, e.request.group_id);
        let lane = *lane_of.entry(key).or_insert_with(|| {
            lanes.push(Vec::new());
            lanes.len() - 1
        });
        lanes[lane].push(id);
    }
    let results: Vec<Result<DeliveryReport, OutboxError>> = futures::stream::iter(lanes)
        .map(|lane| deliver_lane(outbox, client, &target, lane, options))
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    for r in results {
        report.merge(r?);
    }
    Ok(report)
}

/// Records what a reply meant. The request is already out, so a failure to
/// record is retried a few times: giving up would leave `sending`, which the
/// next open turns into `outcome_unknown` although the outcome was known.
async fn record<T>(mut step: impl FnMut() -> Result<T, OutboxError>) -> Result<T, OutboxError> {
    let mut tries = 0;
    loop {
        match step() {
            Err(OutboxError::Db(e)) if tries < 3 => {
                tries += 1;
                tracing::warn!(error = %e, tries, "recording a send's outcome failed; trying again");
                tokio::time::sleep(Duration::from_millis(100 * tries)).await;
            }
            other => return other,
        }
    }
}

/// One group's entries, strictly in order; the first one that does not go
/// through holds the rest back until a later pass.
async fn deliver_lane(
    outbox: &Outbox,
    client: &Client,
    target: &Target,
    ids: Vec<i64>,
    options: &DeliverOptions,
) -> Result<DeliveryReport, OutboxError> {
    let mut report = DeliveryReport::default();
    let mut blocked = false;
    for id in ids {
        if blocked || options.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
            report.skipped.push(id);
            continue;
        }
        // Committed before the request leaves: a crash from here on leaves
        // `sending`, which the next open turns into `outcome_unknown`.
        let entry = match outbox.mark_sending(id) {
            Ok(e) => e,
            Err(OutboxError::InvalidTransition {
                state: State::Expired,
                ..
            }) => {
                report.expired.push(id);
                continue;
            }
            // Another process is sending it: it owns this group's order now,
            // so the later messages wait for a later pass.
            Err(OutboxError::InvalidTransition {
                state: State::Sending,
                ..
            }) => {
                report.skipped.push(id);
                blocked = true;
                continue;
            }
            Err(OutboxError::InvalidTransition { .. }) => {
                report.skipped.push(id);
                continue;
            }
            Err(e) => return Err(e),
        };
        let (result, stats) = client.call_with_stats(&entry.request).await;
        report.throttled_replies += stats.throttled;
        let err = match result {
            Ok(reply) => {
                record(|| outbox.mark_delivered(id, &reply.request_id)).await?;
                report.delivered.push(id);
                continue;
            }
            Err(err) => err,
        };
        let last = LastError::from_api(&err);
        match classify(&err) {
            Disposition::Retry if entry.auto_retries < options.policy.max_auto_retries => {
                let wait = options.policy.delay(entry.auto_retries);
                let at =
                    Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                record(|| outbox.mark_failed(id, &last, Some(at))).await?;
                report.requeued.push(id);
                blocked = true;
            }
            Disposition::Retry | Disposition::Fail => {
                record(|| outbox.mark_failed(id, &last, None)).await?;
                report.failed.push(id);
                blocked = true;
            }
            // The order question is moot for a message that may be out; the
            // next ones go on.
            Disposition::Unknown => {
                record(|| outbox.mark_unknown(id, &last)).await?;
                report.outcome_unknown.push(id);
            }
            Disposition::GroupGone => {
                record(|| outbox.mark_failed(id, &last, None)).await?;
                report.failed.push(id);
                outbox.fail_group(
                    &entry.request.app_id,
                    entry.request.data_center,
                    &entry.request.group_id,
                    target,
                    &last,
                )?;
                blocked = true;
            }
        }
    }
    Ok(report)
}
