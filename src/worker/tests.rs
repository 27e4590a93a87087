//! The worker against a scripted fake API: coalescing, aborting, panics,
//! restarts and bulk runs.

use super::*;
use crate::api::{
    CreateGroupRequest, CreateGroupResponse, DeleteGroupResponse, Group, ListGroupsRequest,
    ListGroupsResponse, SendMessageResponse,
};
use std::sync::Mutex as StdMutex;
use std::time::Duration;

/// A scripted service: a page of `total` groups, each call logged.
#[derive(Default)]
struct Fake {
    calls: StdMutex<Vec<String>>,
    total: u64,
    delay: Duration,
    panic_on_page: Option<u32>,
}

impl Fake {
    fn page(&self, r: &ListGroupsRequest) -> ListGroupsResponse {
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

    fn log(&self, line: String) {
        self.calls.lock().unwrap().push(line);
    }

    async fn answer(&self, op: Box<dyn Any + Send>) -> Result<Reply, ApiError> {
        let op = match op.downcast::<ListGroupsRequest>() {
            Ok(r) => {
                self.log(format!("list {}", r.page_number));
                if self.panic_on_page == Some(r.page_number) {
                    panic!("fake panic on page {}", r.page_number);
                }
                // Logs "aborted list N" if the call is dropped before it ends.
                let mut guard = AbortLog {
                    fake: self,
                    what: Some(format!("aborted list {}", r.page_number)),
                };
                tokio::time::sleep(self.delay).await;
                guard.what = None;
                return Ok(Box::new(self.page(&r)));
            }
            Err(op) => op,
        };
        let op = match op.downcast::<CreateGroupRequest>() {
            Ok(r) => {
                self.log(format!("create {}", r.group_id));
                return Ok(Box::new(CreateGroupResponse {
                    request_id: "req-create".into(),
                    group_id: r.group_id,
                    already_exists: false,
                    already_delete: false,
                }));
            }
            Err(op) => op,
        };
        let op = match op.downcast::<DeleteGroupRequest>() {
            Ok(r) => {
                self.log(format!("delete {}", r.group_id));
                return Ok(Box::new(DeleteGroupResponse {
                    request_id: "req-delete".into(),
                    group_id: r.group_id,
                }));
            }
            Err(op) => op,
        };
        match op.downcast::<SendMessageRequest>() {
            Ok(r) => {
                self.log(format!("send {}", r.group_id));
                Ok(Box::new(SendMessageResponse {
                    request_id: "req-send".into(),
                    msg_tid: r.msg_tid.unwrap_or_default(),
                }))
            }
            Err(_) => panic!("the fake does not know this operation"),
        }
    }
}

struct AbortLog<'a> {
    fake: &'a Fake,
    what: Option<String>,
}

impl Drop for AbortLog<'_> {
    fn drop(&mut self) {
        if let Some(what) = self.what.take() {
            self.fake.log(what);
        }
    }
}

impl DynApi for Arc<Fake> {
    fn call(&self, call: Box<dyn Call>) -> BoxFuture<'static, Result<Reply, ApiError>> {
        let this = self.clone();
        Box::pin(async move { this.answer(call.into_any()).await })
    }
}

fn page(id: RequestId, n: u32) -> Command {
    let mut request = ListGroupsRequest::new("demo");
    request.page_number = n;
    Command::call(id, request, Lane::Latest("page"))
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("worker answered in time")
        .expect("worker alive")
}

fn page_number(ev: Event) -> u32 {
    match ev {
        Event::Reply { result: Ok(r), .. } => downcast_reply::<ListGroupsResponse>(r).page_number,
        other => panic!("not a page: {other:?}"),
    }
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
    worker.send(Command::call(
        99,
        CreateGroupRequest {
            app_id: "demo".into(),
            group_id: "new".into(),
            ..Default::default()
        },
        Lane::Every,
    ));
    let mut ids = Vec::new();
    for _ in 0..2 {
        ids.push(next(&mut rx).await.id().unwrap());
    }
    ids.sort();
    assert_eq!(ids, vec![10, 99], "only the last page load and the create");
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("list")).count(),
        1,
        "{calls:?}"
    );
    assert!(calls.contains(&"list 10".to_string()), "{calls:?}");
    assert!(calls.contains(&"create new".to_string()), "{calls:?}");
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
    // Wait until the first load is in flight (observable: the fake saw it).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while fake.calls.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "first load started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    worker.send(page(2, 2));
    let ev = next(&mut rx).await;
    assert_eq!(ev.id(), Some(2));
    assert_eq!(page_number(ev), 2);
    // The first load was abandoned mid-call, not left to finish.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !fake
        .calls
        .lock()
        .unwrap()
        .contains(&"aborted list 1".to_string())
    {
        assert!(std::time::Instant::now() < deadline, "page 1 aborted");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
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
    let ev = next(&mut rx).await;
    assert_eq!(ev.id(), Some(2));
    assert_eq!(page_number(ev), 1);
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
    assert_eq!(next(&mut rx).await.id(), Some(5));
}

#[tokio::test]
async fn mutations_are_never_coalesced_and_lanes_do_not_interfere() {
    let fake = Arc::new(Fake {
        total: 100,
        ..Default::default()
    });
    let (worker, mut rx) = Worker::spawn(fake.clone());
    for id in 1..=3 {
        worker.send(Command::call(
            id,
            SendMessageRequest {
                app_id: "demo".into(),
                group_id: format!("g{id}"),
                ..Default::default()
            },
            Lane::Every,
        ));
    }
    worker.send(page(4, 1));
    let mut other = ListGroupsRequest::new("demo");
    other.page_number = 2;
    worker.send(Command::call(5, other, Lane::Latest("other")));
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(next(&mut rx).await.id().unwrap());
    }
    ids.sort();
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn a_bulk_run_goes_through_the_one_engine_and_reports_each_call() {
    let fake = Arc::new(Fake::default());
    let (worker, mut rx) = Worker::spawn(fake.clone());
    let sends: Vec<_> = (0..3)
        .map(|i| SendMessageRequest {
            app_id: "demo".into(),
            group_id: format!("g{i}"),
            sender_id: "mod1".into(),
            msg_tid: Some(format!("tid{i}")),
            ..Default::default()
        })
        .collect();
    worker.send(Command::Bulk {
        id: 7,
        job: BulkJob::Send(sends),
    });
    let mut progress = Vec::new();
    loop {
        match next(&mut rx).await {
            Event::BulkProgress { id: 7, progress: p } => progress.push(p.done),
            Event::BulkDone {
                id: 7,
                results,
                cancelled,
                ..
            } => {
                assert!(!cancelled);
                let ids: Vec<_> = results
                    .iter()
                    .map(|r| match r {
                        crate::bulk::Outcome::Done(id) => id.clone(),
                        other => panic!("{other:?}"),
                    })
                    .collect();
                assert_eq!(ids, vec!["req-send"; 3]);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    progress.sort();
    assert_eq!(progress, vec![1, 2, 3]);
    let mut calls = fake.calls.lock().unwrap().clone();
    calls.sort();
    assert_eq!(calls, vec!["send g0", "send g1", "send g2"]);
}

#[tokio::test]
async fn a_reply_of_the_wrong_type_fails_that_request_only() {
    struct Liar;
    impl DynApi for Liar {
        fn call(&self, _: Box<dyn Call>) -> BoxFuture<'static, Result<Reply, ApiError>> {
            Box::pin(async { Ok(Box::new("not a response") as Reply) })
        }
    }
    let api = Liar;
    let outcome =
        tokio::spawn(async move { call(&api, ListGroupsRequest::new("demo")).await.map(|_| ()) })
            .await;
    let err = outcome.expect_err("a mismatched reply panics");
    assert!(err.is_panic());
}
