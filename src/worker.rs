//! The async API worker: the one task that talks to the service for the console.
//!
//! The UI sends [`Command`]s over a channel and never awaits the network; the
//! worker answers with [`Event`]s that carry the id of the request they answer.
//!
//! - Page loads are latest-wins: commands queued together are coalesced so only
//!   the last page load of a burst is fetched, and a new page load aborts the one
//!   still in flight (reads are safe to abandon). The UI drops any reply whose id
//!   is not the one it is waiting for.
//! - Mutations (create, delete, send) are never coalesced and never aborted.
//! - Every job runs in its own task; a panic in it becomes [`Event::Failed`] for
//!   its id. A panic in the worker loop itself becomes [`Event::Restarted`] and the
//!   loop is started again on the same channel.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex as StdMutex};

use tokio::sync::{Mutex, mpsc};
use tokio::task::{AbortHandle, JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::api::{
    ApiError, Client, CreateGroupRequest, CreateGroupResponse, DeleteGroupRequest,
    DeleteGroupResponse, ListGroupsRequest, ListGroupsResponse, SendMessageRequest,
    SendMessageResponse,
};
use crate::bulk::Progress;
use crate::outbox::service::{OpReply, OutboxConfig, OutboxOp, OutboxService, Snapshot};
use crate::outbox::{DeliveryReport, Target};

/// Identifies one request from the UI; replies carry it back.
pub type RequestId = u64;

tokio::task_local! {
    static IN_WORKER: ();
}

/// True while running inside a worker task (the panic hook uses this to keep a
/// worker panic off the terminal: it is reported in the console instead).
pub fn in_worker() -> bool {
    IN_WORKER.try_with(|_| ()).is_ok()
}

/// What the worker needs from the service. [`Client`] is the real one; tests
/// use fakes to script delays, failures and panics.
pub trait Api: Send + Sync + 'static {
    fn list(
        &self,
        request: ListGroupsRequest,
    ) -> impl Future<Output = Result<ListGroupsResponse, ApiError>> + Send;
    fn create(
        &self,
        request: CreateGroupRequest,
    ) -> impl Future<Output = Result<CreateGroupResponse, ApiError>> + Send;
    fn delete(
        &self,
        request: DeleteGroupRequest,
    ) -> impl Future<Output = Result<DeleteGroupResponse, ApiError>> + Send;
    fn send(
        &self,
        request: SendMessageRequest,
    ) -> impl Future<Output = Result<SendMessageResponse, ApiError>> + Send;
    /// The real client behind this API, when there is one: background outbox
    /// delivery and bulk runs need its pacer and its audit.
    fn client(&self) -> Option<Client> {
        None
    }
}

impl<A: Api> Api for Arc<A> {
    fn list(
        &self,
        request: ListGroupsRequest,
    ) -> impl Future<Output = Result<ListGroupsResponse, ApiError>> + Send {
        (**self).list(request)
    }
    fn create(
        &self,
        request: CreateGroupRequest,
    ) -> impl Future<Output = Result<CreateGroupResponse, ApiError>> + Send {
        (**self).create(request)
    }
    fn delete(
        &self,
        request: DeleteGroupRequest,
    ) -> impl Future<Output = Result<DeleteGroupResponse, ApiError>> + Send {
        (**self).delete(request)
    }
    fn send(
        &self,
        request: SendMessageRequest,
    ) -> impl Future<Output = Result<SendMessageResponse, ApiError>> + Send {
        (**self).send(request)
    }
    fn client(&self) -> Option<Client> {
        (**self).client()
    }
}

impl Api for Client {
    async fn list(&self, request: ListGroupsRequest) -> Result<ListGroupsResponse, ApiError> {
        self.call(&request).await
    }
    async fn create(&self, request: CreateGroupRequest) -> Result<CreateGroupResponse, ApiError> {
        self.call(&request).await
    }
    async fn delete(&self, request: DeleteGroupRequest) -> Result<DeleteGroupResponse, ApiError> {
        self.call(&request).await
    }
    async fn send(&self, request: SendMessageRequest) -> Result<SendMessageResponse, ApiError> {
        self.call(&request).await
    }
    fn client(&self) -> Option<Client> {
        Some(self.clone())
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

/// How one call of a bulk run ended: the RequestId, the error, or None when
/// it was never sent (cancelled first).
pub type BulkResult = Option<Result<String, ApiError>>;

/// A request from the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    LoadPage {
        id: RequestId,
        request: ListGroupsRequest,
    },
    Create {
        id: RequestId,
        request: CreateGroupRequest,
    },
    Delete {
        id: RequestId,
        request: DeleteGroupRequest,
    },
    Send {
        id: RequestId,
        request: SendMessageRequest,
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
    pub fn id(&self) -> Option<RequestId> {
        match self {
            Command::LoadPage { id, .. }
            | Command::Create { id, .. }
            | Command::Delete { id, .. }
            | Command::Send { id, .. }
            | Command::Outbox { id, .. }
            | Command::Bulk { id, .. } => Some(*id),
            Command::CancelBulk { .. } => None,
            #[cfg(test)]
            Command::PanicLoop => None,
        }
    }
    pub fn is_page_load(&self) -> bool {
        matches!(self, Command::LoadPage { .. })
    }
}

/// A reply from the worker.
#[derive(Debug)]
pub enum Event {
    Page {
        id: RequestId,
        request: ListGroupsRequest,
        result: Result<ListGroupsResponse, ApiError>,
    },
    Created {
        id: RequestId,
        request: CreateGroupRequest,
        result: Result<CreateGroupResponse, ApiError>,
    },
    Deleted {
        id: RequestId,
        request: DeleteGroupRequest,
        result: Result<DeleteGroupResponse, ApiError>,
    },
    Sent {
        id: RequestId,
        request: SendMessageRequest,
        result: Result<SendMessageResponse, ApiError>,
    },
    Outbox {
        id: RequestId,
        result: Result<OpReply, String>,
    },
    /// Background delivery sent something (or could not look).
    OutboxDelivered {
        report: DeliveryReport,
        snapshot: Result<Snapshot, String>,
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
    pub fn id(&self) -> Option<RequestId> {
        match self {
            Event::Page { id, .. }
            | Event::Created { id, .. }
            | Event::Deleted { id, .. }
            | Event::Sent { id, .. }
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
    pub fn spawn<A: Api>(api: A) -> (Worker, mpsc::UnboundedReceiver<Event>) {
        Self::spawn_with(api, None)
    }

    /// Starts the worker with the console's outbox: outbox commands work, and
    /// when `api` has a real client and the config is not read-only, due
    /// entries are delivered in the background.
    pub fn spawn_with<A: Api>(
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
                            snapshot: u.snapshot.map_err(|e| e.to_string()),
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

async fn run<A: Api>(
    api: Arc<A>,
    commands: Arc<Mutex<mpsc::UnboundedReceiver<Command>>>,
    events: mpsc::UnboundedSender<Event>,
    shared: Arc<Shared>,
) {
    let mut commands = commands.lock().await;
    let mut page_job: Option<AbortHandle> = None;
    let mut batch = Vec::new();
    while let Some(first) = commands.recv().await {
        batch.push(first);
        while let Ok(more) = commands.try_recv() {
            batch.push(more);
        }
        let last_page = batch.iter().rposition(Command::is_page_load);
        for (i, command) in batch.drain(..).enumerate() {
            let api = api.clone();
            match command {
                Command::LoadPage { id, .. } if Some(i) != last_page => {
                    tracing::trace!(id, "page load coalesced");
                }
                Command::LoadPage { id, request } => {
                    if let Some(previous) = page_job.take() {
                        previous.abort();
                    }
                    page_job = Some(spawn_job(id, &events, async move {
                        let result = api.list(request.clone()).await;
                        Event::Page {
                            id,
                            request,
                            result,
                        }
                    }));
                }
                Command::Create { id, request } => {
                    spawn_job(id, &events, async move {
                        let result = api.create(request.clone()).await;
                        Event::Created {
                            id,
                            request,
                            result,
                        }
                    });
                }
                Command::Delete { id, request } => {
                    spawn_job(id, &events, async move {
                        let result = api.delete(request.clone()).await;
                        Event::Deleted {
                            id,
                            request,
                            result,
                        }
                    });
                }
                Command::Send { id, request } => {
                    spawn_job(id, &events, async move {
                        let result = api.send(request.clone()).await;
                        Event::Sent {
                            id,
                            request,
                            result,
                        }
                    });
                }
                Command::Outbox { id, op } => {
                    let service = shared.outbox.clone();
                    spawn_job(id, &events, async move {
                        let result = match service {
                            Some(s) => s.run(op).await.map_err(|e| e.to_string()),
                            None => Err("no data directory: the outbox is not available".into()),
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
                        let (results, cancelled) = run_bulk(&*api, &job, &cancel, |progress| {
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

/// Runs a bulk job one call at a time: every call goes through the client,
/// whose pacer keeps the rate under the service's limit. (`bulk::run`'s
/// future is not `Send`, so it cannot run on a worker task.)
async fn run_bulk<A: Api>(
    api: &A,
    job: &BulkJob,
    cancel: &CancellationToken,
    mut on_progress: impl FnMut(Progress),
) -> (Vec<BulkResult>, bool) {
    let mut progress = Progress {
        total: job.len(),
        ..Default::default()
    };
    let mut results = Vec::with_capacity(job.len());
    for i in 0..job.len() {
        if cancel.is_cancelled() {
            results.push(None);
            progress.not_attempted += 1;
            continue;
        }
        let r = match job {
            BulkJob::Send(ops) => api.send(ops[i].clone()).await.map(|r| r.request_id),
            BulkJob::Delete(ops) => api.delete(ops[i].clone()).await.map(|r| r.request_id),
        };
        if r.is_ok() {
            progress.done += 1;
        } else {
            progress.failed += 1;
        }
        results.push(Some(r));
        on_progress(progress);
    }
    (results, cancel.is_cancelled())
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
pub(crate) mod tests {
    use super::*;
    use crate::api::Group;
    use std::sync::Mutex as StdMutex;
    use std::time::Duration;

    /// A scripted service: a page of `total` groups, each call logged.
    #[derive(Default)]
    pub struct Fake {
        pub calls: StdMutex<Vec<String>>,
        pub total: u64,
        pub delay: Duration,
        pub panic_on_page: Option<u32>,
    }

    impl Fake {
        pub fn page(&self, r: &ListGroupsRequest) -> ListGroupsResponse {
            let start = u64::from(r.page_number - 1) * u64::from(r.page_size);
            let end = (start + u64::from(r.page_size)).min(self.total);
            ListGroupsResponse {
                request_id: format!("req-page-{}", r.page_number),
                total_count: self.total,
                page_number: r.page_number,
                page_size: r.page_size,
                group_list: (start..end)
                    .map(|i| Group {
                        group_id: format!("g{i}"),
                        group_name: format!("group {i}"),
                        group_info: String::new(),
                        creator_id: "mod1".into(),
                        admin_list: vec![],
                        createtime: 1_700_000_000 + i as i64,
                        delete: false,
                    })
                    .collect(),
            }
        }
    }

    impl Api for Fake {
        async fn list(&self, r: ListGroupsRequest) -> Result<ListGroupsResponse, ApiError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("list {}", r.page_number));
            if self.panic_on_page == Some(r.page_number) {
                panic!("fake panic on page {}", r.page_number);
            }
            tokio::time::sleep(self.delay).await;
            Ok(self.page(&r))
        }
        async fn create(&self, r: CreateGroupRequest) -> Result<CreateGroupResponse, ApiError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("create {}", r.group_id));
            Ok(CreateGroupResponse {
                request_id: "req-create".into(),
                group_id: r.group_id,
                already_exists: false,
                already_delete: false,
            })
        }
        async fn delete(&self, r: DeleteGroupRequest) -> Result<DeleteGroupResponse, ApiError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("delete {}", r.group_id));
            Ok(DeleteGroupResponse {
                request_id: "req-delete".into(),
                group_id: r.group_id,
            })
        }
        async fn send(&self, r: SendMessageRequest) -> Result<SendMessageResponse, ApiError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("send {}", r.group_id));
            Ok(SendMessageResponse {
                request_id: "req-send".into(),
                msg_tid: r.msg_tid.unwrap_or_default(),
            })
        }
    }

    fn page(id: RequestId, n: u32) -> Command {
        let mut request = ListGroupsRequest::new("demo");
        request.page_number = n;
        Command::LoadPage { id, request }
    }

    async fn next(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("worker answered in time")
            .expect("worker alive")
    }

    #[tokio::test]
    async fn a_burst_of_page_loads_fetches_only_the_last() {
        let fake = Arc::new(Fake {
            total: 1000,
            delay: Duration::from_millis(20),
            ..Default::default()
        });
        let (worker, mut rx) = Worker::spawn(fake.clone());
        for n in 1..=10 {
            worker.send(page(n.into(), n));
        }
        worker.send(Command::Create {
            id: 99,
            request: CreateGroupRequest {
                app_id: "demo".into(),
                group_id: "new".into(),
                ..Default::default()
            },
        });
        let mut seen = Vec::new();
        for _ in 0..2 {
            seen.push(next(&mut rx).await);
        }
        let page_ids: Vec<_> = seen
            .iter()
            .filter(|e| matches!(e, Event::Page { .. }))
            .map(|e| e.id().unwrap())
            .collect();
        assert_eq!(page_ids, vec![10]);
        assert!(
            seen.iter()
                .any(|e| matches!(e, Event::Created { id: 99, .. }))
        );
        let calls = fake.calls.lock().unwrap().clone();
        assert_eq!(
            calls.iter().filter(|c| c.starts_with("list")).count(),
            1,
            "{calls:?}"
        );
    }

    #[tokio::test]
    async fn a_new_page_load_aborts_the_one_in_flight() {
        let fake = Arc::new(Fake {
            total: 1000,
            delay: Duration::from_millis(300),
            ..Default::default()
        });
        let (worker, mut rx) = Worker::spawn(fake.clone());
        worker.send(page(1, 1));
        tokio::time::sleep(Duration::from_millis(50)).await;
        worker.send(page(2, 2));
        let ev = next(&mut rx).await;
        assert_eq!(ev.id(), Some(2));
        // Nothing else arrives for the aborted request.
        assert!(
            tokio::time::timeout(Duration::from_millis(400), rx.recv())
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_panicking_job_is_reported_and_the_worker_keeps_going() {
        let fake = Arc::new(Fake {
            total: 100,
            panic_on_page: Some(3),
            ..Default::default()
        });
        let (worker, mut rx) = Worker::spawn(fake);
        worker.send(page(1, 3));
        match next(&mut rx).await {
            Event::Failed { id, message } => {
                assert_eq!(id, 1);
                assert!(message.contains("fake panic on page 3"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        worker.send(page(2, 1));
        assert!(matches!(
            next(&mut rx).await,
            Event::Page {
                id: 2,
                result: Ok(_),
                ..
            }
        ));
    }

    #[tokio::test]
    async fn a_panicking_loop_is_restarted() {
        let fake = Arc::new(Fake {
            total: 100,
            ..Default::default()
        });
        let (worker, mut rx) = Worker::spawn(fake);
        worker.send(Command::PanicLoop);
        assert!(matches!(next(&mut rx).await, Event::Restarted { .. }));
        worker.send(page(5, 1));
        assert!(matches!(next(&mut rx).await, Event::Page { id: 5, .. }));
    }
}
