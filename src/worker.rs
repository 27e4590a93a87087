//! The async API worker: the one task that talks to the service for the console.
//!
//! The UI sends [`Command`]s over a channel and never awaits the network; the
//! worker answers with [`Event`]s that carry the id of the request they answer.
//!
//! The path is generic over operations: [`Command::Call`] carries any
//! [`Operation`] as a boxed [`Call`], and its reply comes back as
//! [`Event::Reply`] holding the operation's own response type behind `dyn Any`;
//! whoever made the request downcasts it (it knows which operation it asked
//! for). Adding an operation needs no variant, trait method or reply arm here.
//!
//! - Calls in a [`Lane::Latest`] lane (page loads) are latest-wins: calls of
//!   one lane queued together are coalesced so only the last is made, and a new
//!   one aborts the one still in flight (reads are safe to abandon). The UI
//!   drops any reply whose id it is no longer waiting for.
//! - Calls in [`Lane::Every`] (create, delete, send) are never coalesced and
//!   never aborted.
//! - Every job runs in its own task; a panic in it becomes [`Event::Failed`] for
//!   its id. A panic in the worker loop itself becomes [`Event::Restarted`] and the
//!   loop is started again on the same channel.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex as StdMutex};

use futures::future::BoxFuture;
use tokio::sync::{Mutex, mpsc};
use tokio::task::{AbortHandle, JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::api::{ApiError, Client, DeleteGroupRequest, Operation, SendMessageRequest};
use crate::bulk::Progress;
use crate::outbox::service::{
    OpReply, OutboxConfig, OutboxOp, OutboxService, ServiceError, Snapshot,
};
use crate::outbox::{DeliveryReport, Target};

/// Identifies one request from the UI; replies carry it back.
pub type RequestId = u64;

/// An operation's response with its type erased: `O::Response` for the
/// operation `O` that was called.
pub type Reply = Box<dyn Any + Send>;

tokio::task_local! {
    static IN_WORKER: ();
}

/// True while running inside a worker task (the panic hook uses this to keep a
/// worker panic off the terminal: it is reported in the console instead).
pub fn in_worker() -> bool {
    IN_WORKER.try_with(|_| ()).is_ok()
}

/// One API operation, its type erased so that the worker and the event loop can
/// carry any of them. Implemented for every [`Operation`].
pub trait Call: Send + Sync + 'static {
    /// The operation's `Action` name (for logs).
    fn action(&self) -> &'static str;
    /// The operation itself, for whoever knows its type (tests, fakes).
    fn as_any(&self) -> &dyn Any;
    /// The operation itself, by value, for a fake API to downcast.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
    /// Calls the operation through the real client; the reply is `O::Response`.
    fn call_client(self: Box<Self>, client: Client) -> BoxFuture<'static, Result<Reply, ApiError>>;
}

impl fmt::Debug for dyn Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Call({})", self.action())
    }
}

impl<O> Call for O
where
    O: Operation + Send + Sync + 'static,
{
    fn action(&self) -> &'static str {
        O::ACTION
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
    fn call_client(self: Box<Self>, client: Client) -> BoxFuture<'static, Result<Reply, ApiError>> {
        Box::pin(async move {
            let response = client.call(&*self).await?;
            Ok(Box::new(response) as Reply)
        })
    }
}

/// What the worker calls the service through. Object-safe, so the worker, the
/// console and the event loop need not be generic over it. [`Client`] is the
/// real one; tests implement it with fakes (downcasting the operation) to
/// script delays, failures and panics.
pub trait DynApi: Send + Sync + 'static {
    /// Calls `call`; a successful reply holds the operation's own response type.
    fn call(&self, call: Box<dyn Call>) -> BoxFuture<'static, Result<Reply, ApiError>>;
    /// The real client behind this API, when there is one: background outbox
    /// delivery needs its pacer and its audit.
    fn client(&self) -> Option<Client> {
        None
    }
}

impl DynApi for Client {
    fn call(&self, call: Box<dyn Call>) -> BoxFuture<'static, Result<Reply, ApiError>> {
        call.call_client(self.clone())
    }
    fn client(&self) -> Option<Client> {
        Some(self.clone())
    }
}

impl<A: DynApi + ?Sized> DynApi for Arc<A> {
    fn call(&self, call: Box<dyn Call>) -> BoxFuture<'static, Result<Reply, ApiError>> {
        (**self).call(call)
    }
    fn client(&self) -> Option<Client> {
        (**self).client()
    }
}

/// Calls `op` through `api` with its type known again.
pub async fn call<O>(api: &(impl DynApi + ?Sized), op: O) -> Result<O::Response, ApiError>
where
    O: Operation + Send + Sync + 'static,
{
    let reply = api.call(Box::new(op)).await?;
    Ok(downcast_reply::<O::Response>(reply))
}

/// A [`DynApi`] seen as the generic [`crate::api::Api`], so that code generic
/// over operations (the one bulk engine) runs on the worker's API.
pub struct ViaDyn<A: ?Sized>(pub Arc<A>);

impl<A: DynApi + ?Sized> crate::api::Api for ViaDyn<A> {
    fn call<O>(&self, op: O) -> impl Future<Output = Result<O::Response, ApiError>> + Send
    where
        O: Operation + Send + Sync + 'static,
    {
        let api = self.0.clone();
        async move { call(&*api, op).await }
    }

    fn client(&self) -> Option<Client> {
        self.0.client()
    }
}

/// A reply as the response type it must be. A mismatch is a bug in whoever
/// answered (a fake API); the panic becomes [`Event::Failed`] for that id.
pub fn downcast_reply<R: 'static>(reply: Reply) -> R {
    match reply.downcast::<R>() {
        Ok(r) => *r,
        Err(_) => panic!(
            "a reply of the wrong type (wanted {})",
            std::any::type_name::<R>()
        ),
    }
}

/// The calls of a bulk run (one per marked group).
#[derive(Debug, Clone, PartialEq)]
pub enum BulkJob {
    Send(Vec<SendMessageRequest>),
    Delete(Vec<DeleteGroupRequest>),
}

impl BulkJob {
    pub fn len(&self) -> usize {
        match self {
            BulkJob::Send(v) => v.len(),
            BulkJob::Delete(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn group_id(&self, i: usize) -> &str {
        match self {
            BulkJob::Send(v) => &v[i].group_id,
            BulkJob::Delete(v) => &v[i].group_id,
        }
    }
}

/// How one call of a bulk run ended, as the one bulk engine classifies it; a
/// done call carries its RequestId.
pub type BulkResult = crate::bulk::Outcome<String>;

/// How a call is scheduled against others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// A read that may be abandoned: a newer call in the same lane supersedes
    /// it (coalesced when queued together, aborted when in flight).
    Latest(&'static str),
    /// Never coalesced, never aborted (mutations).
    Every,
}

/// A request from the UI. Short-lived (queued, then moved into a job), so
/// the size difference between variants does not matter.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Call one operation; the reply is [`Event::Reply`] with this id.
    Call {
        id: RequestId,
        call: Box<dyn Call>,
        lane: Lane,
    },
    /// Read or change the outbox (on a blocking thread).
    Outbox { id: RequestId, op: OutboxOp },
    /// Many calls, paced by the client, cancellable.
    Bulk { id: RequestId, job: BulkJob },
    /// Start nothing new in bulk run `id`; calls in flight finish.
    CancelBulk { id: RequestId },
    /// Test hook: makes the worker loop itself panic.
    #[cfg(test)]
    PanicLoop,
}

impl Command {
    /// A call of `op` in `lane`.
    pub fn call<O: Call>(id: RequestId, op: O, lane: Lane) -> Self {
        Command::Call {
            id,
            call: Box::new(op),
            lane,
        }
    }

    pub fn id(&self) -> Option<RequestId> {
        match self {
            Command::Call { id, .. } | Command::Outbox { id, .. } | Command::Bulk { id, .. } => {
                Some(*id)
            }
            Command::CancelBulk { .. } => None,
            #[cfg(test)]
            Command::PanicLoop => None,
        }
    }

    /// The latest-wins lane of this command, if it has one.
    pub fn latest_lane(&self) -> Option<&'static str> {
        match self {
            Command::Call {
                lane: Lane::Latest(lane),
                ..
            } => Some(lane),
            _ => None,
        }
    }

    /// The operation of a call, when it is an `O` (tests look inside).
    pub fn operation<O: 'static>(&self) -> Option<(RequestId, &O)> {
        match self {
            Command::Call { id, call, .. } => call.as_any().downcast_ref::<O>().map(|o| (*id, o)),
            _ => None,
        }
    }
}

/// A reply from the worker. Short-lived, like [`Command`].
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Event {
    /// The answer to [`Command::Call`] `id`: on success, the operation's response.
    Reply {
        id: RequestId,
        result: Result<Reply, ApiError>,
    },
    Outbox {
        id: RequestId,
        result: Result<OpReply, ServiceError>,
    },
    /// Background delivery sent something (or could not look).
    OutboxDelivered {
        report: DeliveryReport,
        snapshot: Result<Snapshot, ServiceError>,
    },
    BulkProgress {
        id: RequestId,
        progress: Progress,
    },
    BulkDone {
        id: RequestId,
        job: BulkJob,
        /// One per call, in the job's order.
        results: Vec<BulkResult>,
        cancelled: bool,
    },
    /// The job for `id` panicked; no other reply will come for it.
    Failed {
        id: RequestId,
        message: String,
    },
    /// The worker loop panicked and was started again.
    Restarted {
        message: String,
    },
}

impl Event {
    /// The reply to call `id`, from a typed result (tests and fakes).
    pub fn reply<R: Send + 'static>(id: RequestId, result: Result<R, ApiError>) -> Self {
        Event::Reply {
            id,
            result: result.map(|r| Box::new(r) as Reply),
        }
    }

    pub fn id(&self) -> Option<RequestId> {
        match self {
            Event::Reply { id, .. }
            | Event::Failed { id, .. }
            | Event::Outbox { id, .. }
            | Event::BulkDone { id, .. } => Some(*id),
            Event::Restarted { .. }
            | Event::OutboxDelivered { .. }
            | Event::BulkProgress { .. } => None,
        }
    }
}

/// The UI's end of the worker. Dropping it stops the worker.
#[derive(Debug)]
pub struct Worker {
    commands: mpsc::UnboundedSender<Command>,
    supervisor: JoinHandle<()>,
    outbox: Option<Arc<OutboxService>>,
    delivery: Option<JoinHandle<()>>,
}

/// What the worker shares between its loop (restarted after a panic) and its jobs.
struct Shared {
    outbox: Option<Arc<OutboxService>>,
    bulk: StdMutex<HashMap<RequestId, CancellationToken>>,
}

impl Worker {
    /// Starts the worker on the current tokio runtime.
    pub fn spawn<A: DynApi>(api: A) -> (Worker, mpsc::UnboundedReceiver<Event>) {
        Self::spawn_with(api, None)
    }

    /// Starts the worker with the console's outbox: outbox commands work, and
    /// when `api` has a real client and the config is not read-only, due
    /// entries are delivered in the background.
    pub fn spawn_with<A: DynApi>(
        api: A,
        outbox: Option<OutboxConfig>,
    ) -> (Worker, mpsc::UnboundedReceiver<Event>) {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (events, event_rx) = mpsc::unbounded_channel();
        let api = Arc::new(api);
        // What the console queues records the backend and key it talks to.
        let outbox = outbox.map(|mut config| {
            if config.target.is_none() {
                config.target = api.client().map(|c| Target::of_client(&c));
            }
            OutboxService::new(config)
        });
        let delivery = match (&outbox, api.client()) {
            (Some(service), Some(client)) => {
                // The service reports on its own channel; this maps its
                // updates to the console's events.
                let (updates, mut update_rx) =
                    mpsc::unbounded_channel::<crate::outbox::service::DeliveryUpdate>();
                let events = events.clone();
                tokio::spawn(async move {
                    while let Some(u) = update_rx.recv().await {
                        let event = Event::OutboxDelivered {
                            report: u.report,
                            snapshot: u.snapshot,
                        };
                        if events.send(event).is_err() {
                            break;
                        }
                    }
                });
                Some(tokio::spawn(
                    IN_WORKER.scope((), service.clone().deliver_forever(client, updates)),
                ))
            }
            _ => None,
        };
        let shared = Arc::new(Shared {
            outbox: outbox.clone(),
            bulk: StdMutex::new(HashMap::new()),
        });
        let command_rx = Arc::new(Mutex::new(command_rx));
        let supervisor = tokio::spawn(async move {
            loop {
                let job = tokio::spawn(IN_WORKER.scope(
                    (),
                    run(
                        api.clone(),
                        command_rx.clone(),
                        events.clone(),
                        shared.clone(),
                    ),
                ));
                match job.await {
                    Ok(()) => break,
                    Err(e) if e.is_panic() => {
                        let message = panic_message(e.into_panic());
                        tracing::error!(%message, "worker loop panicked; restarting it");
                        if events.send(Event::Restarted { message }).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        });
        (
            Worker {
                commands,
                supervisor,
                outbox,
                delivery,
            },
            event_rx,
        )
    }

    /// Stops background delivery cleanly: nothing new starts, a message being
    /// sent is finished (so its state is known), waiting at most `limit`.
    pub async fn shutdown(&mut self, limit: std::time::Duration) {
        if let Some(o) = &self.outbox {
            o.stop();
        }
        if let Some(d) = self.delivery.take()
            && tokio::time::timeout(limit, d).await.is_err()
        {
            tracing::warn!("background delivery did not stop in time");
        }
    }

    /// Queues a command; false when the worker is gone.
    pub fn send(&self, command: Command) -> bool {
        self.commands.send(command).is_ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(o) = &self.outbox {
            o.stop();
        }
        self.supervisor.abort();
    }
}

async fn run<A: DynApi>(
    api: Arc<A>,
    commands: Arc<Mutex<mpsc::UnboundedReceiver<Command>>>,
    events: mpsc::UnboundedSender<Event>,
    shared: Arc<Shared>,
) {
    let mut commands = commands.lock().await;
    // The call in flight in each latest-wins lane.
    let mut latest: HashMap<&'static str, AbortHandle> = HashMap::new();
    let mut batch = Vec::new();
    while let Some(first) = commands.recv().await {
        batch.push(first);
        while let Ok(more) = commands.try_recv() {
            batch.push(more);
        }
        // The last command of each latest-wins lane in this batch.
        let mut last_of_lane: HashMap<&'static str, usize> = HashMap::new();
        for (i, c) in batch.iter().enumerate() {
            if let Some(lane) = c.latest_lane() {
                last_of_lane.insert(lane, i);
            }
        }
        for (i, command) in batch.drain(..).enumerate() {
            let api = api.clone();
            match command {
                Command::Call {
                    id,
                    lane: Lane::Latest(lane),
                    ..
                } if last_of_lane.get(lane) != Some(&i) => {
                    tracing::trace!(id, lane, "superseded call coalesced");
                }
                Command::Call { id, call, lane } => {
                    tracing::trace!(id, action = call.action(), "call");
                    let job = spawn_job(id, &events, async move {
                        let result = api.call(call).await;
                        Event::Reply { id, result }
                    });
                    if let Lane::Latest(lane) = lane
                        && let Some(previous) = latest.insert(lane, job)
                    {
                        previous.abort();
                    }
                }
                Command::Outbox { id, op } => {
                    let service = shared.outbox.clone();
                    spawn_job(id, &events, async move {
                        let result = match service {
                            Some(s) => s.run(op).await,
                            None => Err(ServiceError::Unavailable),
                        };
                        Event::Outbox { id, result }
                    });
                }
                Command::Bulk { id, job } => {
                    let cancel = CancellationToken::new();
                    shared
                        .bulk
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id, cancel.clone());
                    let progress_events = events.clone();
                    let shared = shared.clone();
                    spawn_job(id, &events, async move {
                        let (results, cancelled) = run_bulk(api, &job, &cancel, |progress| {
                            let _ = progress_events.send(Event::BulkProgress { id, progress });
                        })
                        .await;
                        shared
                            .bulk
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&id);
                        Event::BulkDone {
                            id,
                            job,
                            results,
                            cancelled,
                        }
                    });
                }
                Command::CancelBulk { id } => {
                    if let Some(c) = shared
                        .bulk
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get(&id)
                    {
                        c.cancel();
                    }
                }
                #[cfg(test)]
                Command::PanicLoop => panic!("worker loop test panic"),
            }
        }
    }
}

/// Runs a bulk job on the one bulk engine (paced by the client, a few calls in
/// flight, cancellable); progress goes to `on_progress` as each call ends.
async fn run_bulk<A: DynApi>(
    api: Arc<A>,
    job: &BulkJob,
    cancel: &CancellationToken,
    on_progress: impl Fn(Progress) + Send + Sync,
) -> (Vec<BulkResult>, bool) {
    use crate::bulk::{BulkOptions, Outcome, Update};
    let api = ViaDyn(api);
    let options = BulkOptions::default();
    fn forward<R>(on_progress: &(impl Fn(Progress) + Sync)) -> impl FnMut(Update<'_, R>) + Send {
        move |u| {
            if let Update::Finished { progress, .. } = u {
                on_progress(*progress);
            }
        }
    }
    fn request_ids<R>(
        items: Vec<crate::bulk::ItemResult<R>>,
        id: impl Fn(R) -> String,
    ) -> Vec<BulkResult> {
        items
            .into_iter()
            .map(|item| match item.outcome {
                Outcome::Done(r) => Outcome::Done(id(r)),
                Outcome::Refused(e) => Outcome::Refused(e),
                Outcome::NotSent(e) => Outcome::NotSent(e),
                Outcome::Unknown(e) => Outcome::Unknown(e),
                Outcome::NotAttempted => Outcome::NotAttempted,
            })
            .collect()
    }
    match job {
        BulkJob::Send(ops) => {
            let report = crate::bulk::run(&api, ops, &options, cancel, forward(&on_progress)).await;
            (
                request_ids(report.items, |r| r.request_id),
                report.cancelled,
            )
        }
        BulkJob::Delete(ops) => {
            let report = crate::bulk::run(&api, ops, &options, cancel, forward(&on_progress)).await;
            (
                request_ids(report.items, |r| r.request_id),
                report.cancelled,
            )
        }
    }
}

/// Runs one job in its own task; its reply, or its panic, goes to `events`.
fn spawn_job<F>(id: RequestId, events: &mpsc::UnboundedSender<Event>, job: F) -> AbortHandle
where
    F: Future<Output = Event> + Send + 'static,
{
    let inner = tokio::spawn(IN_WORKER.scope((), job));
    let abort = inner.abort_handle();
    let events = events.clone();
    tokio::spawn(async move {
        match inner.await {
            Ok(event) => {
                let _ = events.send(event);
            }
            Err(e) if e.is_panic() => {
                let message = panic_message(e.into_panic());
                tracing::error!(id, %message, "worker job panicked");
                let _ = events.send(Event::Failed { id, message });
            }
            // Aborted: superseded by a newer page load; nobody waits for it.
            Err(_) => tracing::trace!(id, "job aborted"),
        }
    });
    abort
}

pub fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

#[cfg(test)]
mod tests;
