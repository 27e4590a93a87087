//! The 25 new operations and the emulator-only actions against the real
//! client, with the emulator's choices of api-family.md §7–§8 as assertions.

use livemod::api::sign::SignatureVersion;
use livemod::api::*;
use livemod::emulator::ops::{AdvanceClockRequest, UserSendRequest};
use livemod::emulator::{
    AppSpec, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions,
};

use crate::emulator::{
    client, client_with, create, join, send, service_code, start, v2_get, v2_post_form,
};

const DAY: i64 = 86_400;

fn user_send(group: &str, user: &str, body: &str) -> UserSendRequest {
    UserSendRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        user_id: user.into(),
        body: Some(body.into()),
        ..Default::default()
    }
}

fn describe(group: &str) -> DescribeGroupRequest {
    DescribeGroupRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        data_center: None,
    }
}

fn band(group: &str) -> DescribeGroupBandRequest {
    DescribeGroupBandRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        data_center: None,
    }
}

fn messages(group: &str, size: u32, sort: SortType) -> ListGroupMessagesRequest {
    ListGroupMessagesRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        page_size: size,
        sort_type: sort,
        msg_type: None,
        begin_time: None,
        end_time: None,
        next_page_token: None,
        data_center: None,
    }
}

async fn advance(c: &Client, seconds: i64) -> i64 {
    c.call(&AdvanceClockRequest { seconds }).await.unwrap().now
}

async fn emulator() -> Emulator {
    start(EmulatorOptions {
        audience: 2,
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn groups_describe_modify_recover_and_token_list() {
    let emu = emulator().await;
    for signature in [SignatureVersion::V3, SignatureVersion::V2] {
        let c = client_with(
            &emu,
            signature,
            (DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET),
            1,
        );
        let gid = format!("room{signature:?}");
        c.call(&CreateGroupRequest {
            group_name: Some("Room".into()),
            creator_id: Some("host".into()),
            administrators: vec!["mod1".into()],
            ..create(&gid)
        })
        .await
        .unwrap();
        c.call(&SendMessageRequest {
            msg_type: Some(7),
            statics_increase: Some(5),
            ..send(&gid)
        })
        .await
        .unwrap();
        c.call(&send(&gid)).await.unwrap();
        let d = c.call(&describe(&gid)).await.unwrap();
        assert_eq!(
            (d.group_name.as_str(), d.creator_id.as_str(), d.delete),
            ("Room", "host", false)
        );
        assert_eq!(d.admin_list, vec!["mod1"]);
        assert_eq!(
            d.online_user_counts,
            Some(2),
            "the audience viewer1, viewer2"
        );
        assert_eq!(d.total_times, Some(2));
        let amounts = d.msg_amount.clone().unwrap();
        assert_eq!((amounts["7"], amounts["0"]), (5, 1), "{amounts:?}");
        assert_eq!((d.deletatime, d.deletor.as_deref()), (None, None));

        c.call(&ModifyGroupRequest {
            app_id: "demo".into(),
            group_id: gid.clone(),
            modify_admin: true,
            admin_list: vec!["mod2".into(), "mod3".into()],
            modify_info: false,
            group_info: Some("ignored: ModifyInfo is false".into()),
            data_center: None,
        })
        .await
        .unwrap();
        let d = c.call(&describe(&gid)).await.unwrap();
        assert_eq!(d.admin_list, vec!["mod2", "mod3"]);
        assert_eq!(d.group_info, "");

        c.call(&DeleteGroupRequest {
            app_id: "demo".into(),
            group_id: gid.clone(),
            operator_id: Some("boss".into()),
            data_center: None,
        })
        .await
        .unwrap();
        let d = c.call(&describe(&gid)).await.unwrap();
        assert!(d.delete);
        assert_eq!(d.deletor.as_deref(), Some("boss"));
        assert!(d.deletatime.is_some());
        assert_eq!((d.online_user_counts, d.total_times), (None, None));
        let err = c
            .call(&ModifyGroupRequest {
                app_id: "demo".into(),
                group_id: gid.clone(),
                modify_info: true,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));

        let recovered = c
            .call(&RecoverGroupRequest {
                app_id: "demo".into(),
                group_id: gid.clone(),
                data_center: None,
            })
            .await
            .unwrap();
        assert_eq!(recovered.group_id, gid);
        let d = c.call(&describe(&gid)).await.unwrap();
        assert!(!d.delete);
        assert_eq!(d.online_user_counts, Some(2), "the audience joins again");
        assert_eq!(d.total_times, Some(2), "counters kept");
        assert_eq!(d.admin_list, vec!["mod2", "mod3"]);
    }
    // Token paging: 45 groups, 20 per page, NextpageToken a string.
    let c = client(&emu);
    for i in 0..43 {
        c.call(&create(&format!("t{i:02}"))).await.unwrap();
    }
    for sort in [SortType::Asc, SortType::Desc] {
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let page = c
                .call(&ListGroupsByTokenRequest {
                    sort_type: sort,
                    next_page_token: token,
                    ..ListGroupsByTokenRequest::new("demo")
                })
                .await
                .unwrap();
            assert!(page.group_list.len() <= 20);
            seen.extend(page.group_list.iter().map(|g| g.group_id.clone()));
            match (page.has_more, page.next_page_token) {
                (true, Some(t)) => token = Some(t.parse().unwrap()),
                (false, None) => break,
                other => panic!("inconsistent page end {other:?}"),
            }
        }
        assert_eq!(seen.len(), 45, "{seen:?}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 45);
        let expected_first = if sort == SortType::Asc {
            "roomV3"
        } else {
            "t42"
        };
        assert_eq!(seen[0], expected_first);
    }
}

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
async fn mutes_follow_the_documented_model() {
    let emu = emulator().await;
    let c = client(&emu);
    c.call(&CreateGroupRequest {
        creator_id: Some("host".into()),
        administrators: vec!["mod1".into()],
        ..create("g")
    })
    .await
    .unwrap();
    for u in ["troll", "fan", "mod1"] {
        c.call(&join("g", u)).await.unwrap();
    }
    c.call(&AddGroupBandRequest {
        app_id: "demo".into(),
        group_id: "g".into(),
        banned_users: vec!["troll".into(), "mod1".into(), "troll".into()],
        data_center: None,
    })
    .await
    .unwrap();
    // A muted user can post neither through the server API nor as a client.
    let err = c
        .call(&SendMessageRequest {
            sender_id: "troll".into(),
            ..send("g")
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (403, "NoAuth".into()));
    let err = c.call(&user_send("g", "troll", "spam")).await.unwrap_err();
    assert_eq!(service_code(&err), (403, "NoAuth".into()));
    // Admins are never muted, even when listed.
    c.call(&user_send("g", "mod1", "hello")).await.unwrap();

    c.call(&BanGroupRequest {
        app_id: "demo".into(),
        group_id: "g".into(),
        except_users: vec!["fan".into()],
        data_center: None,
    })
    .await
    .unwrap();
    c.call(&user_send("g", "fan", "exempt")).await.unwrap();
    let err = c.call(&user_send("g", "viewer1", "x")).await.unwrap_err();
    assert_eq!(service_code(&err), (403, "NoAuth".into()));
    let b = c.call(&band("g")).await.unwrap();
    assert!(b.is_banned_all);
    assert_eq!(
        b.banned_user_list,
        vec!["troll", "mod1"],
        "duplicates collapsed"
    );
    assert_eq!(b.unbanned_user_list, vec!["fan"]);

    c.call(&UnbanGroupRequest {
        app_id: "demo".into(),
        group_id: "g".into(),
        data_center: None,
    })
    .await
    .unwrap();
    let b = c.call(&band("g")).await.unwrap();
    assert!(!b.is_banned_all);
    assert!(b.unbanned_user_list.is_empty());
    assert_eq!(
        b.banned_user_list,
        vec!["troll", "mod1"],
        "individual mutes stay"
    );

    // ModifyLiveMessageGroupBand with BannnedUsers (three n's) in the .N form
    // and a True boolean, as the V2 core SDK sends them.
    let r = v2_post_form(
        &emu,
        "ModifyLiveMessageGroupBand",
        &[
            ("AppId", "demo"),
            ("GroupId", "g"),
            ("BannedAll", "True"),
            ("BannnedUsers.1", "fan"),
            ("BannnedUsers.2", "viewer2"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = c.call(&band("g")).await.unwrap();
    assert!(b.is_banned_all);
    assert_eq!(b.banned_user_list, vec!["fan", "viewer2"], "replaced");
    c.call(&RemoveGroupBandRequest {
        app_id: "demo".into(),
        group_id: "g".into(),
        unbanned_users: vec!["fan".into()],
        data_center: None,
    })
    .await
    .unwrap();
    let b = c.call(&band("g")).await.unwrap();
    assert_eq!(b.banned_user_list, vec!["viewer2"]);
    // Mutes survive a kick and a rejoin.
    c.call(&KickGroupUserRequest {
        app_id: "demo".into(),
        group_id: "g".into(),
        kickoff_user: "viewer2".into(),
        data_center: None,
    })
    .await
    .unwrap();
    c.call(&join("g", "viewer2")).await.unwrap();
    let err = c.call(&user_send("g", "viewer2", "x")).await.unwrap_err();
    assert_eq!(service_code(&err), (403, "NoAuth".into()));
    // A user who is not online cannot post.
    let err = c.call(&user_send("g", "ghost", "x")).await.unwrap_err();
    assert_eq!(service_code(&err), (403, "NoAuth".into()));
}

#[tokio::test]
async fn messages_page_by_sequence_and_recall() {
    let emu = emulator().await;
    let c = client(&emu);
    c.call(&create("g")).await.unwrap();
    for i in 1..=120 {
        c.call(&SendMessageRequest {
            msg_tid: Some(format!("m{i}")),
            msg_type: Some(i % 2),
            no_storage: Some(i == 120),
            ..send("g")
        })
        .await
        .unwrap();
    }
    // 119 stored (the last was NoStorage), SeqNumber 1..119 stored of 1..120.
    let p1 = c.call(&messages("g", 50, SortType::Asc)).await.unwrap();
    assert_eq!(p1.message_list.len(), 50);
    assert_eq!(p1.message_list[0].seq_number, 1);
    assert_eq!((p1.has_more, p1.next_page_token), (true, 51));
    assert_eq!(p1.message_list[0].total_messages, 119);
    let p3 = c
        .call(&ListGroupMessagesRequest {
            next_page_token: Some(101),
            ..messages("g", 50, SortType::Asc)
        })
        .await
        .unwrap();
    assert_eq!(p3.message_list.len(), 19);
    assert_eq!((p3.has_more, p3.next_page_token), (false, 0));
    let desc = c.call(&messages("g", 10, SortType::Desc)).await.unwrap();
    assert_eq!(desc.message_list[0].seq_number, 119);
    assert_eq!(desc.next_page_token, 109);
    let odd = c
        .call(&ListGroupMessagesRequest {
            msg_type: Some(1),
            ..messages("g", 50, SortType::Asc)
        })
        .await
        .unwrap();
    assert!(odd.message_list.iter().all(|m| m.msg_type == 1));
    assert_eq!(odd.message_list[0].total_messages, 60);

    let recalled = c
        .call(&DeleteGroupMessageRequest {
            app_id: "demo".into(),
            group_id: "g".into(),
            message_id: "m1".into(),
            deleter_id: Some("mod1".into()),
            deleter_info: None,
            data_center: None,
        })
        .await
        .unwrap();
    assert_eq!(recalled.message_id, "m1");
    let p1 = c.call(&messages("g", 10, SortType::Asc)).await.unwrap();
    assert_eq!(
        p1.message_list[0].msg_tid, "m2",
        "recalled messages are not listed"
    );
    assert_eq!(p1.message_list[0].total_messages, 118);
    let d = c.call(&describe("g")).await.unwrap();
    assert_eq!(
        d.total_times,
        Some(120),
        "recalls do not change the counters"
    );

    // A time window past everything is empty; BeginTime > EndTime is refused.
    let now = advance(&c, 0).await;
    let empty = c
        .call(&ListGroupMessagesRequest {
            begin_time: Some(now + 10),
            ..messages("g", 10, SortType::Asc)
        })
        .await
        .unwrap();
    assert!(empty.message_list.is_empty());
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupMessages",
        &[
            ("AppId", "demo"),
            ("GroupId", "g"),
            ("PageSize", "10"),
            ("SortType", "1"),
            ("BeginTime", "20"),
            ("EndTime", "10"),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "InputInvalid".into()),
        "{}",
        r.text
    );

    // Retention: 31 days later the messages are gone (MsgLifeCycle 0 = 30 days).
    advance(&c, 31 * DAY).await;
    let gone = c.call(&messages("g", 10, SortType::Asc)).await.unwrap();
    assert!(gone.message_list.is_empty());
}

#[tokio::test]
async fn deletion_recovery_window_and_clock() {
    let emu = emulator().await;
    let c = client(&emu);
    for g in ["early", "late"] {
        c.call(&create(g)).await.unwrap();
        c.call(&send(g)).await.unwrap();
        c.call(&DeleteGroupRequest {
            app_id: "demo".into(),
            group_id: g.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let before = advance(&c, 0).await;
    let after = advance(&c, 29 * DAY).await;
    assert!(after - before >= 29 * DAY);
    // Within 30 days: messages still readable, the group recoverable.
    let kept = c.call(&messages("early", 10, SortType::Asc)).await.unwrap();
    assert_eq!(kept.message_list.len(), 1);
    c.call(&RecoverGroupRequest {
        app_id: "demo".into(),
        group_id: "early".into(),
        data_center: None,
    })
    .await
    .unwrap();
    advance(&c, 2 * DAY).await;
    // More than 30 days after deletion: 404 for both, the record stays.
    let err = c
        .call(&RecoverGroupRequest {
            app_id: "demo".into(),
            group_id: "late".into(),
            data_center: None,
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    let err = c
        .call(&messages("late", 10, SortType::Asc))
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    assert!(c.call(&describe("late")).await.unwrap().delete);
    let again = c.call(&create("late")).await.unwrap();
    assert!(again.already_exists && again.already_delete);
    let recovered = c.call(&create("early")).await.unwrap();
    assert!(recovered.already_exists && !recovered.already_delete);
}

#[tokio::test]
async fn apps_create_describe_list_modify_and_disable() {
    let emu = start(EmulatorOptions {
        apps: vec![AppSpec::new("demo", DataCenter::CnShanghai)],
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    let created = c
        .call(&CreateAppRequest {
            app_name: Some("直播间".into()),
            data_center: Some(DataCenter::ApSoutheast1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.app_id.len(), 12);
    assert!(
        created
            .app_id
            .chars()
            .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
    );
    assert_eq!(created.app_key.len(), 32);
    assert_eq!(created.data_center, "ap-southeast-1");
    let app = created.app_id.clone();
    let d = c
        .call(&DescribeAppRequest {
            app_id: app.clone(),
            data_center: Some(DataCenter::ApSoutheast1),
        })
        .await
        .unwrap();
    assert_eq!(
        (d.app_name.as_str(), d.audit_type, d.disable),
        ("直播间", 0, false)
    );
    assert_eq!(d.audit_url, None);
    // Without DataCenter the default cn-shanghai is not the app's.
    let err = c
        .call(&DescribeAppRequest {
            app_id: app.clone(),
            data_center: None,
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (400, "InputInvalid".into()));

    let audit = c
        .call(&ModifyAppAuditRequest {
            app_id: app.clone(),
            audit_type: Some(AuditType::Custom),
            audit_url: Some("https://audit.example.com/hook".into()),
            data_center: Some(DataCenter::ApSoutheast1),
        })
        .await
        .unwrap();
    assert!(audit.audit_need_authentication);
    assert_eq!(
        audit.audit_url.as_deref(),
        Some("https://audit.example.com/hook")
    );
    let r = v2_get(
        &emu,
        "ModifyLiveMessageAppCallback",
        &[
            ("AppId", &app),
            ("DataCenter", "ap-southeast-1"),
            ("EventCallbackUrl", "http://10.0.0.1/cb"),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "ErrorInvalidEventCallbackUrl".into())
    );

    let disabled = c
        .call(&ModifyAppDisableRequest {
            app_id: app.clone(),
            disable: Some(true),
            data_center: Some(DataCenter::ApSoutheast1),
        })
        .await
        .unwrap();
    assert!(disabled.disable);
    let err = c
        .call(&CreateGroupRequest {
            app_id: app.clone(),
            data_center: Some(DataCenter::ApSoutheast1),
            ..create("g")
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (403, "NoAuth".into()));
    let listed = c
        .call(&ListAppsRequest {
            sort_type: SortType::Asc,
            next_page_token: None,
            data_center: Some(DataCenter::ApSoutheast1),
        })
        .await
        .unwrap();
    assert_eq!(listed.app_list.len(), 1);
    assert!(listed.app_list[0].disable);
    assert!(!listed.has_more && listed.next_page_token.is_none());
    // The raw reply says "true" as a string, as the SDK has it.
    let r = v2_get(
        &emu,
        "ListLiveMessageApps",
        &[("SortType", "1"), ("DataCenter", "ap-southeast-1")],
    )
    .await;
    assert_eq!(r.json()["AppList"][0]["Disable"], "true", "{}", r.text);
    assert_eq!(r.json()["HasMore"], false);
    // Re-enabling restores everything.
    c.call(&ModifyAppDisableRequest {
        app_id: app.clone(),
        disable: None,
        data_center: Some(DataCenter::ApSoutheast1),
    })
    .await
    .unwrap();
    c.call(&CreateGroupRequest {
        app_id: app.clone(),
        data_center: Some(DataCenter::ApSoutheast1),
        ..create("g")
    })
    .await
    .unwrap();
    let r = v2_get(&emu, "CreateLiveMessageApp", &[("AppName", "x")]).await;
    assert_eq!((r.status, r.code()), (400, "ErrorInvalidAppName".into()));
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

#[tokio::test]
async fn the_five_mute_writers_are_limited_to_ten_calls_per_second() {
    let emu = emulator().await;
    client(&emu).call(&create("g")).await.unwrap();
    // Fifteen at once: a burst of ten passes, the rest are throttled.
    let replies = futures::future::join_all((0..15).map(|_| {
        v2_get(
            &emu,
            "UnbanLiveMessageGroup",
            &[("AppId", "demo"), ("GroupId", "g")],
        )
    }))
    .await;
    let throttled = replies
        .iter()
        .filter(|r| r.code() == "Throttling.User")
        .count() as u64;
    assert!(throttled >= 3, "{throttled} of 15 throttled");
    let stats = emu.counters();
    assert_eq!(stats.rate_limited, throttled);
    // Reads of mute state are not limited to 10.
    for _ in 0..15 {
        let r = v2_get(
            &emu,
            "DescribeLiveMessageGroupBand",
            &[("AppId", "demo"), ("GroupId", "g")],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

#[tokio::test]
async fn chatter_fills_active_rooms_with_a_few_lines_to_remove() {
    let emu = start(EmulatorOptions {
        audience: 2,
        chatter: 50.0,
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    c.call(&create("live")).await.unwrap();
    let mut stored = Vec::new();
    for _ in 0..500 {
        stored = emu.stored_messages("demo", "live").await.unwrap();
        if stored.len() >= 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(stored.len() >= 10, "only {} chatter lines", stored.len());
    assert!(
        stored
            .iter()
            .all(|m| m.sender_id == "viewer1" || m.sender_id == "viewer2")
    );
    assert!(
        stored
            .iter()
            .any(|m| livemod::emulator::chatter::BAD_LINES.contains(&m.body.as_str()))
    );
    // The lines are ordinary stored messages, listable like any other.
    let page = c.call(&messages("live", 10, SortType::Asc)).await.unwrap();
    assert_eq!(page.message_list.len(), 10);
}
