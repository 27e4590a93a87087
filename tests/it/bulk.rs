//! The bulk engine against the real emulator with the real pacing: everything
//! done with no throttled reply and exactly one delivery per group (counted
//! on the emulator's side), and a cancelled run reports exactly what was and
//! was not done. Speed is measured in the benches, not asserted here.

use livemod::api::{Client, ClientOptions, CreateGroupRequest, SendMessageRequest, new_msg_tid};
use livemod::bulk::{self, BulkOptions, CreateFormat, Outcome, Update};
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
async fn bulk_create_then_send_without_throttling_or_duplicates() {
    const N: usize = 120;
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
    let (mut started, mut finished) = (0, 0);
    let report = bulk::run(
        &client,
        &rows,
        &BulkOptions::default(),
        &cancel,
        |u| match u {
            Update::Started { .. } => started += 1,
            Update::Finished { progress, .. } => {
                finished += 1;
                assert_eq!(progress.finished(), finished);
                assert!(finished <= started, "an end reported before its start");
            }
        },
    )
    .await;
    assert_eq!((started, finished), (N, N));
    assert_eq!(report.progress.done, N, "{:?}", report.progress);
    assert_eq!(report.progress.throttled_replies, 0);
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
    let report = bulk::run(&client, &sends, &BulkOptions::default(), &cancel, |_| {}).await;
    assert_eq!(report.progress.done, N);
    assert_eq!(report.progress.throttled_replies, 0);
    let stats = emulator.stats().await.unwrap();
    assert_eq!(stats.throttled, 0);
    assert_eq!(stats.deliveries.len(), N);
    assert!(stats.duplicate_deliveries().is_empty());
    let mut delivered: Vec<&str> = stats
        .deliveries
        .iter()
        .map(|d| d.group_id.as_str())
        .collect();
    delivered.sort_unstable();
    let mut wanted: Vec<&str> = sends.iter().map(|s| s.group_id.as_str()).collect();
    wanted.sort_unstable();
    assert_eq!(delivered, wanted);
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
    // Cancel once ten are done: observable state, not a timer.
    let trigger = cancel.clone();
    let mut started = 0;
    let report = bulk::run(
        &client,
        &rows,
        &BulkOptions::default(),
        &cancel,
        |u| match u {
            Update::Started { .. } => started += 1,
            Update::Finished { progress, .. } => {
                if progress.done >= 10 {
                    trigger.cancel();
                }
            }
        },
    )
    .await;
    let p = report.progress;
    assert!(report.cancelled);
    assert_eq!(p.done + p.failed + p.not_attempted, rows.len());
    // Calls in flight when it was cancelled finish; nothing else starts.
    assert!(p.done >= 10, "{p:?}");
    assert!(p.done <= 10 + BulkOptions::default().concurrency, "{p:?}");
    assert_eq!(p.done + p.failed, started);
    assert_eq!(p.not_attempted, rows.len() - started);
    assert_eq!(p.failed, 0);
    // What the report says was done is exactly what the service has.
    for item in &report.items {
        let exists = emulator
            .group("demo", &rows[item.index].group_id)
            .await
            .unwrap()
            .is_some();
        match &item.outcome {
            Outcome::Done(_) => assert!(exists),
            Outcome::NotAttempted => assert!(!exists),
            other => panic!("{other:?}"),
        }
    }
    emulator.shutdown().await;
}
