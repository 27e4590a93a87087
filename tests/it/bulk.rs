//! Bulk create and bulk send against the real emulator with the real pacing:
//! everything done, no throttled reply, close to (never above) 50 calls/s,
//! and a cancelled run reports exactly what was and was not done.

use std::time::Duration;

use livemod::api::{Client, ClientOptions, CreateGroupRequest, SendMessageRequest, new_msg_tid};
use livemod::bulk::{self, BulkOptions, CreateFormat, Outcome};
use livemod::credentials::Credentials;
use livemod::emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions};
use tokio_util::sync::CancellationToken;

fn client(emulator: &Emulator) -> Client {
    Client::new(
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test"),
        ClientOptions {
            endpoint: emulator.url(),
            ..Default::default()
        },
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_create_then_send_at_the_limit_without_throttling() {
    const N: usize = 150;
    let emulator = Emulator::start(EmulatorOptions {
        audience: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = client(&emulator);

    // A CSV file, as a user would write it.
    let mut text = String::from("group_id,name,admins,creator\n");
    for i in 0..N {
        text.push_str(&format!("bulk{i},Group {i},adm{i};adm{i}b,\n"));
    }
    let rows: Vec<CreateGroupRequest> =
        bulk::parse_creates(&text, CreateFormat::Csv, "demo", None, Some("mod1"))
            .unwrap()
            .into_iter()
            .map(|l| l.item)
            .collect();
    let cancel = CancellationToken::new();
    let mut seen = 0;
    let report = bulk::run(&client, &rows, &BulkOptions::default(), &cancel, |p, _| {
        seen += 1;
        assert_eq!(p.finished(), seen);
    })
    .await;
    assert_eq!(report.progress.done, N, "{:?}", report.progress);
    assert_eq!(report.progress.throttled_replies, 0);
    let create_rate = report.calls_per_second();
    let group = emulator.group("demo", "bulk7").await.unwrap().unwrap();
    assert_eq!(group.group.admin_list, vec!["adm7", "adm7b"]);

    let sends: Vec<SendMessageRequest> = (0..N)
        .map(|i| SendMessageRequest {
            app_id: "demo".into(),
            group_id: format!("bulk{i}"),
            sender_id: "mod1".into(),
            body: Some("announcement".into()),
            msg_tid: Some(new_msg_tid()),
            ..Default::default()
        })
        .collect();
    let report = bulk::run(&client, &sends, &BulkOptions::default(), &cancel, |_, _| {}).await;
    assert_eq!(report.progress.done, N);
    assert_eq!(report.progress.throttled_replies, 0);
    let send_rate = report.calls_per_second();
    let stats = emulator.stats().await.unwrap();
    assert_eq!(stats.throttled, 0);
    assert_eq!(stats.deliveries.len(), N);
    assert!(stats.duplicate_deliveries().is_empty());
    eprintln!(
        "bulk create: {create_rate:.1} calls/s; bulk send: {send_rate:.1} calls/s (limit 50)"
    );
    // Paced at the documented limit: close to it, never above.
    for rate in [create_rate, send_rate] {
        assert!(rate <= 51.0, "{rate}");
        assert!(rate >= 35.0, "{rate}");
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_run_reports_done_and_not_attempted() {
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let client = client(&emulator);
    let rows: Vec<CreateGroupRequest> = (0..200)
        .map(|i| CreateGroupRequest {
            app_id: "demo".into(),
            group_id: format!("cancel{i}"),
            ..Default::default()
        })
        .collect();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        trigger.cancel();
    });
    let report = bulk::run(&client, &rows, &BulkOptions::default(), &cancel, |_, _| {}).await;
    let p = report.progress;
    assert!(report.cancelled);
    assert_eq!(p.done + p.failed + p.not_attempted, rows.len());
    assert!(p.done > 5 && p.not_attempted > 100, "{p:?}");
    assert_eq!(p.failed, 0);
    // What the report says was done is exactly what the service has.
    for item in &report.items {
        let exists = emulator
            .group("demo", &rows[item.index].group_id)
            .await
            .unwrap()
            .is_some();
        match item.outcome {
            Outcome::Done(_) => assert!(exists),
            Outcome::NotAttempted => assert!(!exists),
            Outcome::Failed(ref e) => panic!("{e}"),
        }
    }
    emulator.shutdown().await;
}
