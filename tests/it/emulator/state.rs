//! The emulator: state.

use super::*;

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("state.sqlite3");
    let options = EmulatorOptions {
        state: StateLocation::File(path.clone()),
        audience: 1,
        ..Default::default()
    };
    let emu = start(options.clone()).await;
    let c = client(&emu);
    c.call(&create("kept")).await.unwrap();
    c.call(&create("dropped")).await.unwrap();
    c.call(&DeleteGroupRequest {
        app_id: "demo".into(),
        group_id: "dropped".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    c.call(&SendMessageRequest {
        msg_tid: Some("m1".into()),
        ..send("kept")
    })
    .await
    .unwrap();
    emu.shutdown().await;

    let emu = start(options).await;
    let c = client(&emu);
    let page = c
        .call(&list(SortType::Asc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    assert_eq!(page.total_count, 2);
    assert!(c.call(&create("dropped")).await.unwrap().already_delete);
    let delivered = emu.delivered_messages("demo", "kept").await.unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].msg_tid, "m1");
    emu.shutdown().await;
}

#[tokio::test]
async fn demo_data_seeds_app_demo_once() {
    let dir = tempfile::tempdir().unwrap();
    let options = EmulatorOptions {
        state: StateLocation::File(dir.path().join("demo.sqlite3")),
        apps: vec![AppSpec::new("other", DataCenter::CnShanghai)],
        demo_data: true,
        ..Default::default()
    };
    let emu = start(options.clone()).await;
    let c = client(&emu);
    let all = c
        .call(&list(SortType::Desc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    assert!(
        (100..=150).contains(&all.total_count),
        "{}",
        all.total_count
    );
    let deleted = c
        .call(&list(SortType::Desc, 50, 1, GroupStatus::Deleted))
        .await
        .unwrap();
    assert!(deleted.total_count > 0);
    // The other app exists too, and is empty.
    let other = c.call(&ListGroupsRequest::new("other")).await.unwrap();
    assert_eq!(other.total_count, 0);
    // A group with its own audience takes messages at once.
    let state = emu.group("demo", "communityrules").await.unwrap().unwrap();
    assert!(state.online_users > 0);
    assert!(state.group.group_info.len() > 19 * 1024);
    c.call(&send("communityrules")).await.unwrap();
    emu.shutdown().await;
    // Seeding again does not duplicate.
    let emu = start(options).await;
    let again = client(&emu)
        .call(&list(SortType::Desc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    assert_eq!(again.total_count, all.total_count);
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let emu = start_default().await;
    let addr = emu.addr();
    emu.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
