//! Read-only is enforced in the client layer: whatever path asks (a direct call,
//! bulk work, the outbox, the console's worker), no mutating request leaves the
//! process. The emulator's own request counters are the witness.

use livemod::api::{
    ApiError, Client, ClientOptions, CreateGroupRequest, DeleteGroupRequest, ListGroupsRequest,
    SendMessageRequest,
};
use livemod::credentials::Credentials;
use livemod::emulator::ops::JoinGroupRequest;
use livemod::emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions};

fn read_only_client(emu: &Emulator) -> Client {
    Client::new(
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test"),
        ClientOptions {
            endpoint: emu.url(),
            read_only: true,
            ..Default::default()
        },
    )
    .unwrap()
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

#[tokio::test]
async fn no_mutating_request_leaves_a_read_only_process() {
    let emu = Emulator::start(EmulatorOptions {
        demo_data: true,
        audience: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = read_only_client(&emu);

    // Direct calls.
    let create = CreateGroupRequest {
        app_id: "demo".into(),
        group_id: "rogroup".into(),
        ..Default::default()
    };
    let delete = DeleteGroupRequest {
        app_id: "demo".into(),
        group_id: "rogroup".into(),
        ..Default::default()
    };
    let join = JoinGroupRequest {
        app_id: "demo".into(),
        group_id: "rogroup".into(),
        user_id: "u1".into(),
        data_center: None,
    };
    assert!(matches!(
        client.call(&create).await,
        Err(ApiError::ReadOnly { .. })
    ));
    assert!(matches!(
        client.call(&delete).await,
        Err(ApiError::ReadOnly { .. })
    ));
    assert!(matches!(
        client.call(&send("rogroup")).await,
        Err(ApiError::ReadOnly { .. })
    ));
    assert!(matches!(
        client.call(&join).await,
        Err(ApiError::ReadOnly { .. })
    ));

    // Bulk work.
    let cancel = tokio_util::sync::CancellationToken::new();
    let sends: Vec<_> = (0..5).map(|i| send(&format!("g{i}"))).collect();
    let report = livemod::bulk::run(
        &client,
        &sends,
        &livemod::bulk::BulkOptions::default(),
        &cancel,
        |_| {},
    )
    .await;
    assert_eq!(report.items.len(), 5);
    assert!(report.items.iter().all(|item| matches!(
        item.outcome,
        livemod::bulk::Outcome::Refused(ApiError::ReadOnly { .. })
    )));

    // The outbox: its delivery loop refuses, and nothing is sent.
    let dir = tempfile::tempdir().unwrap();
    let outbox = livemod::outbox::Outbox::in_dir(dir.path()).unwrap();
    outbox.enqueue(send("g1")).unwrap();
    assert!(
        livemod::outbox::deliver_due(&outbox, &client, chrono::Utc::now())
            .await
            .is_err()
    );

    // The console's worker, asked directly (the key map never binds these in
    // read-only mode, but the refusal does not depend on that).
    let (worker, mut events) = livemod::worker::Worker::spawn(client.clone());
    use livemod::worker::{Command, Event, Lane};
    assert!(worker.send(Command::call(1, create.clone(), Lane::Every)));
    assert!(worker.send(Command::call(2, send("g2"), Lane::Every)));
    for _ in 0..2 {
        match events.recv().await.expect("worker answers") {
            Event::Reply { id, result } => {
                assert!(id == 1 || id == 2, "{id}");
                assert!(matches!(result, Err(ApiError::ReadOnly { .. })))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    // Reads still work.
    let page = client.call(&ListGroupsRequest::new("demo")).await.unwrap();
    assert!(page.total_count > 0);

    let stats = emu.stats().await.unwrap();
    for action in [
        "CreateLiveMessageGroup",
        "DeleteLiveMessageGroup",
        "SendLiveMessageGroup",
        "EmulatorJoinGroup",
    ] {
        assert_eq!(
            stats.requests.get(action).copied().unwrap_or(0),
            0,
            "{action} reached the service: {:?}",
            stats.requests
        );
    }
    assert_eq!(stats.requests.get("ListLiveMessageGroupByPage"), Some(&1));
}
