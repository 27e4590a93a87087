//! The one bulk engine: many calls of one operation, paced, cancellable, with
//! one outcome classification that the CLI and the console both render.
//!
//! Why one engine: the CLI and the console used to run bulk work with two
//! loops that disagreed on speed and on what an unknown outcome means. Here a
//! send whose outcome is unknown is [`Outcome::Unknown`] on every path; what
//! a caller does with it (outbox as `outcome_unknown`, never a failures file)
//! is the caller's business, but it cannot mistake it for a plain failure.
//!
//! Throughput comes from a few calls in flight (the service's latency would
//! otherwise cap a sequential loop far below 50/s); the ceiling comes from the
//! client's pacer, which every call goes through.
//!
//! The engine knows nothing of terminals, files or UI events: it reports
//! through the `on_update` callback (which may forward to a channel), and
//! [`Update::Started`] comes before the call leaves, so a caller can journal
//! "about to send" and survive a `kill -9` with an accurate record.

use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio_util::sync::CancellationToken;

use crate::api::client::CallStats;
use crate::api::{Api, ApiError, ErrorKind, Operation};

/// Calls in flight by default: enough to reach 50/s at up to ~150 ms latency.
pub const DEFAULT_CONCURRENCY: usize = 8;

#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// Calls in flight at once (the client's pacer still caps the rate).
    pub concurrency: usize,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// How one item of a bulk run ended.
#[derive(Debug)]
pub enum Outcome<R> {
    /// The service did it; its reply.
    Done(R),
    /// Refused (by livemod's checks or by the service): nothing changed, and
    /// the same request would be refused again.
    Refused(ApiError),
    /// Provably not processed (throttled, never left the machine, nobody
    /// online): nothing changed; the same request may be sent again later.
    NotSent(ApiError),
    /// It may or may not have taken effect (connection lost after sending, a
    /// reply that could not be read, a server error). A send in this state
    /// must never be resent without a person deciding.
    Unknown(ApiError),
    /// Never started: the run was cancelled first.
    NotAttempted,
}

/// [`Outcome`] without its payload, for counting, rendering and files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Done,
    Refused,
    NotSent,
    Unknown,
    NotAttempted,
}

impl OutcomeKind {
    /// Words for a person ("outcome unknown", not "unknown").
    pub fn label(self) -> &'static str {
        match self {
            OutcomeKind::Done => "done",
            OutcomeKind::Refused => "refused",
            OutcomeKind::NotSent => "not sent",
            OutcomeKind::Unknown => "outcome unknown",
            OutcomeKind::NotAttempted => "not attempted",
        }
    }
}

impl<R> Outcome<R> {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Done(_) => OutcomeKind::Done,
            Outcome::Refused(_) => OutcomeKind::Refused,
            Outcome::NotSent(_) => OutcomeKind::NotSent,
            Outcome::Unknown(_) => OutcomeKind::Unknown,
            Outcome::NotAttempted => OutcomeKind::NotAttempted,
        }
    }

    pub fn error(&self) -> Option<&ApiError> {
        match self {
            Outcome::Refused(e) | Outcome::NotSent(e) | Outcome::Unknown(e) => Some(e),
            Outcome::Done(_) | Outcome::NotAttempted => None,
        }
    }

    /// Classifies the result of one call.
    pub fn from_result(result: Result<R, ApiError>) -> Self {
        match result {
            Ok(r) => Outcome::Done(r),
            Err(e) => match classify(&e) {
                OutcomeKind::NotSent => Outcome::NotSent(e),
                OutcomeKind::Unknown => Outcome::Unknown(e),
                _ => Outcome::Refused(e),
            },
        }
    }
}

/// Where a failed call leaves things: [`OutcomeKind::Refused`],
/// [`OutcomeKind::NotSent`] or [`OutcomeKind::Unknown`].
///
/// Only throttling, a request that never left the machine, and "no online
/// users" (refused before delivery) prove nothing happened. A 5xx is
/// `Unknown`: the service documents 500 `ServerError` as "unknown error", and
/// it may come after the change was committed.
pub fn classify(err: &ApiError) -> OutcomeKind {
    match err {
        ApiError::Validation(_) | ApiError::ReadOnly { .. } => OutcomeKind::Refused,
        ApiError::Cancelled { .. } => OutcomeKind::NotSent,
        ApiError::Transport { .. } if err.provably_not_processed() => OutcomeKind::NotSent,
        ApiError::Transport { .. } | ApiError::Decode { .. } => OutcomeKind::Unknown,
        ApiError::Service(s) if s.kind() == ErrorKind::Throttling => OutcomeKind::NotSent,
        ApiError::Service(_) if crate::outbox::is_no_online_users(err) => OutcomeKind::NotSent,
        ApiError::Service(s) if s.status >= 500 => OutcomeKind::Unknown,
        ApiError::Service(_) => OutcomeKind::Refused,
    }
}

/// Whether repeating `O` after an unknown outcome is harmless (Create and
/// Delete answer truthfully on a repeat; a second send is a second message).
pub fn repeat_is_harmless<O: Operation>() -> bool {
    O::RETRY_SAFE
}

#[derive(Debug)]
pub struct ItemResult<R> {
    /// Position in the input list.
    pub index: usize,
    pub outcome: Outcome<R>,
    pub attempts: u32,
    pub throttled: u32,
}

/// Running totals, handed to the callback after each item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: usize,
    pub done: usize,
    /// Ended without being done: refused, not sent or outcome unknown.
    pub failed: usize,
    /// Of `failed`: outcome unknown.
    pub unknown: usize,
    /// Of `failed`: provably not processed.
    pub not_sent: usize,
    pub not_attempted: usize,
    pub throttled_replies: u32,
}

impl Progress {
    pub fn finished(&self) -> usize {
        self.done + self.failed + self.not_attempted
    }
    /// Of `failed`: refused.
    pub fn refused(&self) -> usize {
        self.failed - self.unknown - self.not_sent
    }
    fn count(&mut self, kind: OutcomeKind, throttled: u32) {
        match kind {
            OutcomeKind::Done => self.done += 1,
            OutcomeKind::Refused => self.failed += 1,
            OutcomeKind::NotSent => {
                self.failed += 1;
                self.not_sent += 1;
            }
            OutcomeKind::Unknown => {
                self.failed += 1;
                self.unknown += 1;
            }
            OutcomeKind::NotAttempted => self.not_attempted += 1,
        }
        self.throttled_replies += throttled;
    }
}

/// What the engine reports while it runs.
#[derive(Debug)]
pub enum Update<'a, R> {
    /// Item `index` is about to be called (reported before it leaves).
    Started { index: usize },
    /// Item `item.index` ended; `progress` includes it.
    Finished {
        progress: &'a Progress,
        item: &'a ItemResult<R>,
    },
}

#[derive(Debug)]
pub struct BulkReport<R> {
    /// One per input operation, in input order.
    pub items: Vec<ItemResult<R>>,
    pub progress: Progress,
    pub elapsed: Duration,
    pub cancelled: bool,
}

impl<R> BulkReport<R> {
    /// Calls that reached a conclusion per second of wall time.
    pub fn calls_per_second(&self) -> f64 {
        let n = (self.progress.done + self.progress.failed) as f64;
        n / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// One call with its attempt counts (from the real client when there is one).
async fn call_counted<A, O>(api: &A, op: O) -> (Result<O::Response, ApiError>, CallStats)
where
    A: Api,
    O: Operation + Send + Sync + 'static,
{
    match api.client() {
        Some(client) => client.call_with_stats(&op).await,
        None => (api.call(op).await, CallStats::default()),
    }
}

/// Runs `ops` with at most `options.concurrency` in flight, reporting each
/// start and end to `on_update`. After `cancel` fires nothing new starts;
/// calls in flight finish (their outcome must be known, not guessed) and the
/// rest are [`Outcome::NotAttempted`]. The future is `Send`: the console
/// worker can spawn it.
pub async fn run<A, O, F>(
    api: &A,
    ops: &[O],
    options: &BulkOptions,
    cancel: &CancellationToken,
    mut on_update: F,
) -> BulkReport<O::Response>
where
    A: Api,
    O: Operation + Clone + Send + Sync + 'static,
    F: FnMut(Update<'_, O::Response>) + Send,
{
    let started = Instant::now();
    let mut progress = Progress {
        total: ops.len(),
        ..Default::default()
    };
    let mut slots: Vec<Option<ItemResult<O::Response>>> = (0..ops.len()).map(|_| None).collect();
    let mut in_flight = FuturesUnordered::new();
    let mut next = 0;
    let limit = options.concurrency.max(1);
    loop {
        while next < ops.len() && in_flight.len() < limit && !cancel.is_cancelled() {
            let index = next;
            next += 1;
            on_update(Update::Started { index });
            let op = ops[index].clone();
            in_flight.push(async move {
                let (result, stats) = call_counted(api, op).await;
                ItemResult {
                    index,
                    outcome: Outcome::from_result(result),
                    attempts: stats.attempts,
                    throttled: stats.throttled,
                }
            });
        }
        let Some(item) = in_flight.next().await else {
            break;
        };
        progress.count(item.outcome.kind(), item.throttled);
        on_update(Update::Finished {
            progress: &progress,
            item: &item,
        });
        let index = item.index;
        slots[index] = Some(item);
    }
    let items: Vec<ItemResult<O::Response>> = slots
        .into_iter()
        .enumerate()
        .map(|(index, slot)| {
            slot.unwrap_or_else(|| ItemResult {
                index,
                outcome: Outcome::NotAttempted,
                attempts: 0,
                throttled: 0,
            })
        })
        .collect();
    // Items never started are counted (and reported) once, at the end.
    for item in items.iter().filter(|i| i.index >= next) {
        progress.count(OutcomeKind::NotAttempted, 0);
        on_update(Update::Finished {
            progress: &progress,
            item,
        });
    }
    BulkReport {
        items,
        progress,
        elapsed: started.elapsed(),
        cancelled: cancel.is_cancelled(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::api::error::TransportPhase;
    use crate::api::{SendMessageRequest, SendMessageResponse, ServiceError};

    /// Answers each send by its GroupId: `ok…`, `busy…` (throttled),
    /// `gone…` (404), `boom…` (500), `cut…` (connection lost after sending).
    struct Scripted {
        calls: Mutex<Vec<String>>,
    }

    fn service(status: u16, code: &str, message: &str) -> ApiError {
        ApiError::Service(ServiceError {
            status,
            code: code.into(),
            message: message.into(),
            request_id: Some("R".into()),
            recommend: None,
            host_id: None,
            retry_after: None,
        })
    }

    impl Api for Scripted {
        async fn call<O>(&self, op: O) -> Result<O::Response, ApiError>
        where
            O: Operation + Send + Sync + 'static,
        {
            let group = op
                .params()
                .into_iter()
                .find(|(k, _)| *k == "GroupId")
                .map(|(_, v)| v)
                .unwrap_or_default();
            self.calls.lock().unwrap().push(group.clone());
            let reply = serde_json::json!({"RequestId": "R", "MsgTid": "t"});
            match group.trim_end_matches(char::is_numeric) {
                "ok" => Ok(serde_json::from_value(reply).unwrap()),
                "busy" => Err(service(429, "Throttling.User", "slow down")),
                "gone" => Err(service(404, "ResourceNotExist", "no such group")),
                "boom" => Err(service(500, "ServerError", "unknown error")),
                _ => Err(ApiError::Transport {
                    phase: TransportPhase::OutcomeUnknown,
                    message: "connection reset".into(),
                }),
            }
        }
    }

    fn send(group: &str) -> SendMessageRequest {
        SendMessageRequest {
            app_id: "demo".into(),
            group_id: group.into(),
            sender_id: "mod1".into(),
            body: Some("hi".into()),
            ..Default::default()
        }
    }

    fn assert_send<T: Send>(t: T) -> T {
        t
    }

    #[tokio::test]
    async fn every_failure_gets_one_classification_and_unknown_stays_unknown() {
        let api = Scripted {
            calls: Mutex::new(Vec::new()),
        };
        let ops: Vec<SendMessageRequest> = ["ok1", "busy1", "gone1", "boom1", "cut1", "ok2"]
            .map(send)
            .to_vec();
        let cancel = CancellationToken::new();
        let mut events = Vec::new();
        // The future must be Send: the console worker spawns it.
        let report = assert_send(run(
            &api,
            &ops,
            &BulkOptions { concurrency: 2 },
            &cancel,
            |u: Update<'_, SendMessageResponse>| {
                events.push(match u {
                    Update::Started { index } => (index, None),
                    Update::Finished { item, .. } => (item.index, Some(item.outcome.kind())),
                })
            },
        ))
        .await;
        let kinds: Vec<OutcomeKind> = report.items.iter().map(|i| i.outcome.kind()).collect();
        use OutcomeKind::*;
        assert_eq!(kinds, [Done, NotSent, Refused, Unknown, Unknown, Done]);
        let p = report.progress;
        assert_eq!((p.done, p.failed, p.unknown, p.not_sent), (2, 4, 2, 1));
        assert_eq!(p.refused(), 1);
        // Every item was reported started before it was reported finished.
        for i in 0..ops.len() {
            let start = events.iter().position(|e| *e == (i, None)).unwrap();
            let end = events
                .iter()
                .position(|e| e.0 == i && e.1.is_some())
                .unwrap();
            assert!(start < end, "{events:?}");
        }
        assert_eq!(api.calls.lock().unwrap().len(), ops.len());
    }

    #[tokio::test]
    async fn a_cancelled_run_starts_nothing_new() {
        let api = Scripted {
            calls: Mutex::new(Vec::new()),
        };
        let ops: Vec<SendMessageRequest> = (0..10).map(|i| send(&format!("ok{i}"))).collect();
        let cancel = CancellationToken::new();
        let trigger = cancel.clone();
        let report = run(
            &api,
            &ops,
            &BulkOptions { concurrency: 1 },
            &cancel,
            |u: Update<'_, SendMessageResponse>| {
                if let Update::Finished { progress, .. } = u
                    && progress.done == 3
                {
                    trigger.cancel();
                }
            },
        )
        .await;
        assert!(report.cancelled);
        assert_eq!(report.progress.done, 3);
        assert_eq!(report.progress.not_attempted, 7);
        assert_eq!(api.calls.lock().unwrap().len(), 3);
        assert!(matches!(report.items[3].outcome, Outcome::NotAttempted));
    }

    #[test]
    fn a_server_error_on_a_send_is_unknown_and_sends_are_not_harmless_to_repeat() {
        assert_eq!(
            classify(&service(500, "ServerError", "x")),
            OutcomeKind::Unknown
        );
        assert_eq!(
            classify(&service(400, "InputInvalid", "There are no online users")),
            OutcomeKind::NotSent
        );
        assert!(!repeat_is_harmless::<SendMessageRequest>());
        assert!(repeat_is_harmless::<crate::api::CreateGroupRequest>());
    }
}
