//! The outbox against the real emulator with injected faults: every message
//! ends delivered exactly once or in the outbox with a state that says why,
//! and no MsgTid is ever delivered twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use livemod::api::{Client, ClientOptions, SendMessageRequest};
use livemod::audit::AuditLog;
use livemod::credentials::Credentials;
use livemod::emulator::ops::JoinGroupRequest;
use livemod::emulator::{
    DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions, FaultOptions,
    LatencyRange, SeedGroup,
};
use livemod::outbox::{
    DeliverOptions, DeliveryReport, Outbox, RetryPolicy, State, Target, deliver_due_with,
};

fn seed(id: &str, audience: Option<u32>, deleted: bool) -> SeedGroup {
    SeedGroup {
        group_id: id.into(),
        group_name: id.into(),
        group_info: String::new(),
        creator_id: "mod1".into(),
        administrators: vec![],
        createtime: Utc::now().timestamp(),
        deleted,
        audience,
    }
}

fn client(emulator: &Emulator, audit: Option<Arc<AuditLog>>) -> Client {
    Client::new(
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test"),
        ClientOptions {
            endpoint: emulator.url(),
            request_timeout: Duration::from_secs(5),
            audit,
            // The documented 50/s pacing: the emulator enforces it too.
            ..Default::default()
        },
    )
    .unwrap()
}

fn message(group: &str, n: usize) -> SendMessageRequest {
    SendMessageRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        sender_id: "mod1".into(),
        body: Some(format!("message {n}")),
        msg_type: Some(1),
        ..Default::default()
    }
}

fn fast_retries() -> DeliverOptions {
    DeliverOptions {
        policy: RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_auto_retries: 1_000,
        },
        cancel: None,
        concurrency: 8,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_sends_through_faults_are_never_delivered_twice() {
    const MESSAGES: usize = 1_000;
    const GROUPS: usize = 20;
    let emulator = Emulator::start(EmulatorOptions {
        audience: 3,
        // Throttling (refused before processing: retried), 500s (unknown:
        // a 500 on a send may come after the message was accepted) and
        // resets after the commit (unknown).
        faults: FaultOptions {
            fault_rate: 0.05,
            reset_rate: 0.05,
            throttle_rate: 0.20,
            latency: Some(LatencyRange {
                min_ms: 0,
                max_ms: 5,
            }),
            seed: Some(20240611),
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap();
    let groups: Vec<String> = (0..GROUPS).map(|i| format!("chaos{i}")).collect();
    emulator
        .import_groups(
            "demo",
            groups.iter().map(|g| seed(g, None, false)).collect(),
        )
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(AuditLog::in_dir(dir.path()).unwrap());
    let client = client(&emulator, Some(audit.clone()));
    let outbox = Outbox::in_dir(dir.path())
        .unwrap()
        .with_target(Target::of_client(&client));
    let mut ids = Vec::new();
    for n in 0..MESSAGES {
        ids.push(outbox.enqueue(message(&groups[n % GROUPS], n)).unwrap());
    }

    let started = Instant::now();
    let mut total = DeliveryReport::default();
    let mut passes = 0;
    loop {
        let report = deliver_due_with(&outbox, &client, Utc::now(), &fast_retries())
            .await
            .unwrap();
        passes += 1;
        total.delivered.extend(report.delivered);
        total.requeued.extend(report.requeued);
        total.failed.extend(report.failed);
        total.outcome_unknown.extend(report.outcome_unknown);
        total.throttled_replies += report.throttled_replies;
        if outbox.counts().unwrap()[&State::Queued] == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "not draining");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();

    let stats = emulator.stats().await.unwrap();
    let mut delivered_count: HashMap<(String, String), u64> = HashMap::new();
    for d in &stats.deliveries {
        *delivered_count
            .entry((d.group_id.clone(), d.msg_tid.clone()))
            .or_default() += 1;
    }
    assert!(
        stats.duplicate_deliveries().is_empty(),
        "{:?}",
        stats.duplicate_deliveries()
    );

    let counts = outbox.counts().unwrap();
    let mut unknown_but_delivered = 0;
    for id in &ids {
        let e = outbox.get(*id).unwrap();
        let seen = delivered_count
            .get(&(e.request.group_id.clone(), e.msg_tid().to_string()))
            .copied()
            .unwrap_or(0);
        match e.state {
            State::Delivered => {
                assert_eq!(seen, 1, "entry {id} delivered {seen} times");
                assert!(e.delivered_request_id.is_some());
            }
            State::OutcomeUnknown => {
                // A reset after the commit or a 500: it may or may not be
                // there, but never twice, and the entry says why it waits.
                assert!(seen <= 1);
                unknown_but_delivered += seen;
                let err = e.last_error.as_ref().expect("a reason");
                assert!(
                    err.code == "Network" || err.code == "ServerError",
                    "{err:?}"
                );
                assert!(err.reason.contains("may or may not"), "{err:?}");
            }
            other => panic!("entry {id} ended {other}: {:?}", e.last_error),
        }
    }
    assert_eq!(
        stats.deliveries.len() as u64,
        counts[&State::Delivered] + unknown_but_delivered
    );
    // The faults really happened and were handled on both paths.
    assert!(counts[&State::OutcomeUnknown] > 0, "{counts:?}");
    assert!(stats.faults > 0 && stats.resets > 0 && stats.throttled > 0);
    assert_eq!(
        counts[&State::Delivered] + counts[&State::OutcomeUnknown],
        MESSAGES as u64
    );
    // Every send is in the audit trail, one line per call.
    let sends = audit
        .read(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "SendLiveMessageGroup")
        .count();
    assert_eq!(
        sends,
        total.delivered.len()
            + total.requeued.len()
            + total.failed.len()
            + total.outcome_unknown.len()
    );
    eprintln!(
        "{MESSAGES} messages in {elapsed:?} over {passes} passes: {:?}; emulator: {} faults, {} resets, {} throttled; {} deliveries",
        counts,
        stats.faults,
        stats.resets,
        stats.throttled,
        stats.deliveries.len()
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn store_and_forward_until_users_are_online_and_deleted_groups_fail() {
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    emulator
        .import_groups(
            "demo",
            vec![
                seed("quiet", Some(0), false),
                seed("gone", Some(3), true),
                seed("live", Some(2), false),
            ],
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&emulator, None);
    let outbox = Outbox::in_dir(dir.path())
        .unwrap()
        .with_target(Target::of_client(&client));
    let quiet: Vec<i64> = (0..3)
        .map(|n| outbox.enqueue(message("quiet", n)).unwrap())
        .collect();
    let gone: Vec<i64> = (0..2)
        .map(|n| outbox.enqueue(message("gone", n)).unwrap())
        .collect();
    let live = outbox.enqueue(message("live", 0)).unwrap();

    let options = DeliverOptions {
        policy: RetryPolicy {
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_millis(200),
            max_auto_retries: 100,
        },
        ..Default::default()
    };
    let mut report = deliver_due_with(&outbox, &client, Utc::now(), &options)
        .await
        .unwrap();
    report.skipped.sort();
    assert_eq!(report.delivered, vec![live]);
    assert_eq!(report.requeued, vec![quiet[0]]);
    // The later messages for the quiet group wait behind the first one.
    // (and the deleted group's second message was failed with the first).
    assert_eq!(report.skipped, vec![quiet[1], quiet[2], gone[1]]);
    assert_eq!(report.failed, vec![gone[0]]);
    for id in &gone {
        let e = outbox.get(*id).unwrap();
        assert_eq!(e.state, State::Failed);
        let err = e.last_error.unwrap();
        assert_eq!(err.code, "ResourceNotExist");
        assert!(err.message.contains("deleted"), "{}", err.message);
    }
    let first = outbox.get(quiet[0]).unwrap();
    assert_eq!(first.state, State::Queued);
    let why = first.last_error.unwrap();
    assert!(why.message.contains("no online users"), "{why:?}");
    // The reason in words, stored with the entry.
    assert_eq!(why.reason, "no one is online in the group");
    assert_eq!(
        outbox.get(gone[1]).unwrap().last_error.unwrap().reason,
        "the group (or app) does not exist or was deleted"
    );

    // Someone comes online; the stored messages go out, in order.
    client
        .call(&JoinGroupRequest {
            app_id: "demo".into(),
            group_id: "quiet".into(),
            user_id: "viewer1".into(),
            data_center: None,
        })
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while outbox.counts().unwrap()[&State::Queued] > 0 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
        deliver_due_with(&outbox, &client, Utc::now(), &options)
            .await
            .unwrap();
    }
    let tids: Vec<String> = quiet
        .iter()
        .map(|id| {
            let e = outbox.get(*id).unwrap();
            assert_eq!(e.state, State::Delivered);
            e.msg_tid().to_string()
        })
        .collect();
    let delivered: Vec<String> = emulator
        .delivered_messages("demo", "quiet")
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.msg_tid)
        .collect();
    assert_eq!(delivered, tids);
    emulator.shutdown().await;
}

/// Faults that strike AFTER the change is committed (`--late-fault-rate`:
/// processed, then answered 500), with throttling before processing. A 500 on
/// a send is an unknown outcome: the entry waits for a person and is never
/// resent automatically, so nothing is delivered twice. The counts come from
/// the emulator's own record of deliveries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_faults_are_outcome_unknown_and_never_resent() {
    const MESSAGES: usize = 300;
    const GROUPS: usize = 10;
    let emulator = Emulator::start(EmulatorOptions {
        audience: 3,
        faults: FaultOptions {
            late_fault_rate: 0.25,
            throttle_rate: 0.15,
            seed: Some(20261123),
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap();
    let groups: Vec<String> = (0..GROUPS).map(|i| format!("late{i}")).collect();
    emulator
        .import_groups(
            "demo",
            groups.iter().map(|g| seed(g, None, false)).collect(),
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&emulator, None);
    let outbox = Outbox::in_dir(dir.path())
        .unwrap()
        .with_target(Target::of_client(&client));
    let ids: Vec<i64> = (0..MESSAGES)
        .map(|n| outbox.enqueue(message(&groups[n % GROUPS], n)).unwrap())
        .collect();

    let deadline = Instant::now() + Duration::from_secs(120);
    let mut requeued = 0;
    while outbox.counts().unwrap()[&State::Queued] > 0 {
        assert!(Instant::now() < deadline, "not draining");
        let report = deliver_due_with(&outbox, &client, Utc::now(), &fast_retries())
            .await
            .unwrap();
        requeued += report.requeued.len();
        if report.attempted() == 0 {
            // Everything left is backing off: wait for the earliest to be due.
            let next = outbox
                .next_attempt(&Target::of_client(&client))
                .unwrap()
                .unwrap_or_else(Utc::now);
            let wait = (next - Utc::now()).to_std().unwrap_or_default();
            tokio::time::sleep(wait.min(Duration::from_millis(100))).await;
        }
    }

    let stats = emulator.stats().await.unwrap();
    assert!(
        stats.duplicate_deliveries().is_empty(),
        "{:?}",
        stats.duplicate_deliveries()
    );
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    for d in &stats.deliveries {
        *seen
            .entry((d.group_id.clone(), d.msg_tid.clone()))
            .or_default() += 1;
    }
    let (mut delivered, mut unknown) = (0u64, 0u64);
    for id in &ids {
        let e = outbox.get(*id).unwrap();
        let n = seen
            .get(&(e.request.group_id.clone(), e.msg_tid().to_string()))
            .copied()
            .unwrap_or(0);
        // Every attempt that reached the service processed it: each entry is
        // there exactly once, whatever its reply said.
        assert_eq!(n, 1, "entry {id} ({}) delivered {n} times", e.state);
        match e.state {
            State::Delivered => delivered += 1,
            State::OutcomeUnknown => {
                unknown += 1;
                let err = e.last_error.unwrap();
                assert_eq!(err.code, "ServerError", "{err:?}");
                // Never resent after the 500: a late fault processes the
                // send, so a resend would show as a second delivery above
                // (n == 1). Attempts may be 2 when a throttled reply (refused
                // before processing) came first.
                assert!(
                    (1..=4).contains(&e.attempts),
                    "entry {id}: {} attempts",
                    e.attempts
                );
            }
            other => panic!("entry {id} ended {other}"),
        }
    }
    // Exactly the late-faulted sends are outcome_unknown.
    assert_eq!(unknown, stats.late_faults);
    assert!(stats.late_faults > 0 && stats.throttled > 0, "{stats:?}");
    assert_eq!(delivered + unknown, MESSAGES as u64);
    assert_eq!(stats.deliveries.len(), MESSAGES);
    // Throttled replies (before processing) were absorbed by the client's
    // retries or the outbox's backoff: none of them lost a message.
    eprintln!(
        "{MESSAGES} messages: {delivered} delivered, {unknown} outcome unknown (late faults {}), {} throttled replies, {requeued} outbox requeues",
        stats.late_faults, stats.throttled
    );
    emulator.shutdown().await;
}
