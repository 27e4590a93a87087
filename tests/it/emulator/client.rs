//! The emulator: the client against the emulator.

use super::*;

#[tokio::test]
async fn the_real_client_drives_every_operation_with_both_signatures() {
    let emu = start_default().await;
    for signature in [SignatureVersion::V3, SignatureVersion::V2] {
        let c = client_with(
            &emu,
            signature,
            (DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET),
            1,
        );
        let gid = format!("room{signature:?}");
        let created = c
            .call(&CreateGroupRequest {
                group_name: Some("Friday night".into()),
                group_info: Some(r#"{"topic":"music"}"#.into()),
                administrators: vec!["mod1".into(), "mod2".into()],
                creator_id: Some("host1".into()),
                data_center: Some(DataCenter::CnShanghai),
                ..create(&gid)
            })
            .await
            .unwrap();
        assert_eq!(created.group_id, gid);
        assert!(!created.already_exists && !created.already_delete);

        let page = c.call(&ListGroupsRequest::new("demo")).await.unwrap();
        let g = page.group_list.iter().find(|g| g.group_id == gid).unwrap();
        assert_eq!(g.group_name, "Friday night");
        assert_eq!(g.group_info, r#"{"topic":"music"}"#);
        assert_eq!(g.admin_list, vec!["mod1", "mod2"]);
        assert_eq!(g.creator_id, "host1");
        assert!(!g.delete);
        assert!(
            (chrono::Utc::now().timestamp() - g.createtime).abs() < 60,
            "Createtime is unix seconds"
        );

        let joined = c.call(&join(&gid, "viewer1")).await.unwrap();
        assert_eq!(joined.online_users, 1);
        let sent = c.call(&send(&gid)).await.unwrap();
        assert!(
            !sent.msg_tid.is_empty() && sent.msg_tid.chars().all(|ch| ch.is_ascii_alphanumeric())
        );
        assert_eq!(sent.request_id.len(), 36);

        let deleted = c
            .call(&DeleteGroupRequest {
                app_id: "demo".into(),
                group_id: gid.clone(),
                operator_id: Some("mod1".into()),
                data_center: None,
            })
            .await
            .unwrap();
        assert_eq!(deleted.group_id, gid);
        let state = emu.group("demo", &gid).await.unwrap().unwrap();
        assert!(state.group.delete);
        assert_eq!(state.deletor.as_deref(), Some("mod1"));
        assert_eq!(state.online_users, 0, "a deleted group has nobody online");
    }
    let stats = emu.stats().await.unwrap();
    assert_eq!(stats.requests["CreateLiveMessageGroup"], 2);
    assert_eq!(stats.requests["SendLiveMessageGroup"], 2);
    assert_eq!(stats.requests["EmulatorJoinGroup"], 2);
    assert_eq!(stats.delivered, 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn every_reply_has_a_fresh_upper_case_request_id() {
    let emu = start_default().await;
    let c = client(&emu);
    let a = c
        .call(&ListGroupsRequest::new("demo"))
        .await
        .unwrap()
        .request_id;
    let b = c
        .call(&ListGroupsRequest::new("demo"))
        .await
        .unwrap()
        .request_id;
    assert_ne!(a, b);
    for id in [a, b] {
        assert_eq!(id, id.to_ascii_uppercase());
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    }
    let err = c.call(&ListGroupsRequest::new("nope")).await.unwrap_err();
    assert_eq!(err.request_id().unwrap().len(), 36);
}
