//! The operation family against the emulator: members, presence, user info, one-to-one messages, super groups.

use super::*;

#[tokio::test]
async fn members_kick_presence_and_user_info() {
    let emu = emulator().await;
    let c = client(&emu);
    for g in ["a", "b"] {
        c.call(&create(g)).await.unwrap();
    }
    c.call(&join("a", "alice")).await.unwrap();
    c.call(&join("b", "alice")).await.unwrap();
    c.call(&join("a", "bob")).await.unwrap();
    let page = c
        .call(&ListGroupUsersRequest {
            page_size: 10,
            ..ListGroupUsersRequest::new("demo", "a")
        })
        .await
        .unwrap();
    let ids: Vec<&str> = page.user_list.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(ids, ["viewer1", "viewer2", "alice", "bob"], "join order");
    assert_eq!((page.has_more, page.next_page_token), (false, 0));

    c.call(&KickGroupUserRequest {
        app_id: "demo".into(),
        group_id: "a".into(),
        kickoff_user: "alice".into(),
        data_center: None,
    })
    .await
    .unwrap();
    // Kicking someone not in the group succeeds.
    c.call(&KickGroupUserRequest {
        app_id: "demo".into(),
        group_id: "a".into(),
        kickoff_user: "nobody".into(),
        data_center: None,
    })
    .await
    .unwrap();
    let check = c
        .call(&CheckUsersInGroupRequest {
            app_id: "demo".into(),
            group_id: "a".into(),
            user_ids: vec!["alice".into(), "bob".into(), "bob".into()],
            data_center: None,
        })
        .await
        .unwrap();
    let flags: Vec<(&str, bool)> = check
        .users
        .iter()
        .map(|u| (u.user_id.as_str(), u.online))
        .collect();
    assert_eq!(flags, [("alice", false), ("bob", true), ("bob", true)]);
    let online = c
        .call(&CheckUsersOnlineRequest {
            app_id: "demo".into(),
            user_ids: vec!["alice".into(), "carol".into()],
            data_center: None,
        })
        .await
        .unwrap();
    let flags: Vec<(&str, bool)> = online
        .user_list
        .iter()
        .map(|u| (u.user_id.as_str(), u.online))
        .collect();
    assert_eq!(
        flags,
        [("alice", true), ("carol", false)],
        "alice is still in b"
    );

    // Rejoining after a kick moves alice to the end.
    c.call(&join("a", "alice")).await.unwrap();
    let info = c
        .call(&ModifyUserInfoRequest {
            app_id: "demo".into(),
            user_id: "alice".into(),
            user_meta_info: Some("{\"level\":3}".into()),
            data_center: None,
        })
        .await
        .unwrap();
    let groups: Vec<&str> = info
        .success_list
        .iter()
        .map(|s| s.group_id.as_str())
        .collect();
    assert_eq!(groups, ["a", "b"], "creation order");
    assert!(info.fail_list.is_empty());
    let page = c
        .call(&ListGroupUsersRequest {
            page_size: 10,
            sort_type: SortType::Desc,
            ..ListGroupUsersRequest::new("demo", "a")
        })
        .await
        .unwrap();
    assert_eq!(page.user_list[0].user_id, "alice");
    assert_eq!(page.user_list[0].user_info, "{\"level\":3}");

    // Eleven IDs are too many.
    let r = v2_get(
        &emu,
        "CheckLiveMessageUsersOnline",
        &[("AppId", "demo"), ("UserIds", "a,b,c,d,e,f,g,h,i,j,k")],
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "InputInvalid".into()),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn one_to_one_messages_need_an_online_receiver() {
    let emu = emulator().await;
    let c = client(&emu);
    let req = SendUserMessageRequest {
        app_id: "demo".into(),
        receiver_id: "alice".into(),
        sender_id: "mod1".into(),
        body: Some("hi".into()),
        storage: Some(true),
        ..Default::default()
    };
    let err = c.call(&req).await.unwrap_err();
    assert_eq!(service_code(&err), (400, "InputInvalid".into()));
    c.call(&create("g")).await.unwrap();
    c.call(&join("g", "alice")).await.unwrap();
    let sent = c.call(&req).await.unwrap();
    assert!(!sent.msg_tid.is_empty());
    c.call(&DeleteUserMessageRequest {
        app_id: "demo".into(),
        message_id: sent.msg_tid.clone(),
        receiver_id: "alice".into(),
        deleter_id: "mod1".into(),
        deleter_info: None,
        data_center: None,
    })
    .await
    .unwrap();
    // Without DeleterId: InputInvalid, not MissingParameter.
    let r = v2_get(
        &emu,
        "DeleteLiveMessageUserMessage",
        &[
            ("AppId", "demo"),
            ("MessageId", "abc"),
            ("ReceiverId", "alice"),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "InputInvalid".into()),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn a_group_over_two_thousand_users_is_super() {
    let emu = start(EmulatorOptions {
        audience: 2_001,
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    c.call(&create("big")).await.unwrap();
    let d = c.call(&describe("big")).await.unwrap();
    assert!(d.super_large_group);
    assert_eq!(d.online_user_counts, Some(2_001));
    let page = c
        .call(&ListGroupUsersRequest {
            page_size: 10,
            ..ListGroupUsersRequest::new("demo", "big")
        })
        .await
        .unwrap();
    assert!(page.user_list.is_empty() && !page.has_more);
    assert_eq!(page.next_page_token, 0);
    // One leaving does not end it: only an empty group stops being super.
    c.call(&KickGroupUserRequest {
        app_id: "demo".into(),
        group_id: "big".into(),
        kickoff_user: "viewer1".into(),
        data_center: None,
    })
    .await
    .unwrap();
    assert!(c.call(&describe("big")).await.unwrap().super_large_group);
}
