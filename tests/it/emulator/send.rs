//! The emulator: send.

use super::*;

#[tokio::test]
async fn sends_need_online_users() {
    let emu = start_default().await;
    let c = client(&emu);
    c.call(&create("quiet")).await.unwrap();
    let err = c.call(&send("quiet")).await.unwrap_err();
    assert_eq!(service_code(&err), (400, "InputInvalid".into()));
    assert!(err.to_string().contains("no online users"), "{err}");

    let j = c.call(&join("quiet", "u1")).await.unwrap();
    assert!(j.joined);
    assert!(
        !c.call(&join("quiet", "u1")).await.unwrap().joined,
        "joining twice is idempotent"
    );
    c.call(&send("quiet")).await.unwrap();
    let left = c
        .call(&LeaveGroupRequest {
            app_id: "demo".into(),
            group_id: "quiet".into(),
            user_id: "u1".into(),
            data_center: None,
        })
        .await
        .unwrap();
    assert!(left.left);
    assert_eq!(left.online_users, 0);
    assert!(c.call(&send("quiet")).await.is_err());

    // A group's own simulated audience.
    emu.import_groups(
        "demo",
        vec![SeedGroup {
            audience: Some(3),
            ..seed("busy", 1)
        }],
    )
    .await
    .unwrap();
    c.call(&send("busy")).await.unwrap();
    assert_eq!(
        emu.group("demo", "busy")
            .await
            .unwrap()
            .unwrap()
            .online_users,
        3
    );

    let err = c.call(&send("nosuchgroup")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    let err = c.call(&join("nosuchgroup", "u1")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
}

#[tokio::test]
async fn audience_option_puts_users_in_every_group() {
    let emu = start(EmulatorOptions {
        audience: 2,
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    c.call(&create("g")).await.unwrap();
    c.call(&send("g")).await.unwrap();
    assert_eq!(
        emu.group("demo", "g").await.unwrap().unwrap().online_users,
        2
    );
}

#[tokio::test]
async fn message_fields_storage_cache_and_msg_tids() {
    let emu = start(EmulatorOptions {
        audience: 1,
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    c.call(&create("g")).await.unwrap();
    let generated = c.call(&send("g")).await.unwrap().msg_tid;
    assert!(generated.chars().all(|ch| ch.is_ascii_alphanumeric()) && generated.len() <= 64);
    let given = c
        .call(&SendMessageRequest {
            msg_tid: Some("tid42".into()),
            msg_type: Some(7),
            statics_increase: Some(3),
            weight: Some(9),
            sender_meta_info: Some("meta".into()),
            ..send("g")
        })
        .await
        .unwrap();
    assert_eq!(given.msg_tid, "tid42");
    c.call(&SendMessageRequest {
        msg_tid: Some("nostore".into()),
        no_storage: Some(true),
        ..send("g")
    })
    .await
    .unwrap();
    c.call(&SendMessageRequest {
        msg_tid: Some("nocache".into()),
        no_cache: Some(true),
        ..send("g")
    })
    .await
    .unwrap();
    // The same MsgTid again is delivered again, and visibly so.
    c.call(&SendMessageRequest {
        msg_tid: Some("tid42".into()),
        ..send("g")
    })
    .await
    .unwrap();

    let stored: Vec<_> = emu.stored_messages("demo", "g").await.unwrap();
    let stored_tids: Vec<_> = stored.iter().map(|m| m.msg_tid.as_str()).collect();
    assert_eq!(
        stored_tids,
        [generated.as_str(), "tid42", "nocache", "tid42"]
    );
    let m = &stored[1];
    assert_eq!((m.msg_type, m.statics_increase, m.weight), (7, 3, 9));
    assert_eq!(
        (
            m.sender_id.as_str(),
            m.sender_meta_info.as_str(),
            m.body.as_str()
        ),
        ("mod1", "meta", "hello")
    );
    assert_eq!(
        (stored[0].statics_increase, stored[0].weight),
        (1, 1),
        "defaults"
    );

    let cached: Vec<_> = emu.cached_messages("demo", "g").await.unwrap();
    let cached_tids: Vec<_> = cached.iter().map(|m| m.msg_tid.as_str()).collect();
    assert_eq!(
        cached_tids,
        [generated.as_str(), "tid42", "nostore", "tid42"]
    );

    let delivered = emu.delivered_messages("demo", "g").await.unwrap();
    assert_eq!(delivered.len(), 5);
    assert!(!delivered[2].stored && delivered[2].cached);
    assert!(delivered[3].stored && !delivered[3].cached);
    let stats = emu.stats().await.unwrap();
    assert_eq!(stats.delivered, 5);
    assert_eq!(
        stats.duplicate_deliveries(),
        vec![(
            ("demo".to_string(), "g".to_string(), "tid42".to_string()),
            2
        )]
    );
}

#[tokio::test]
async fn thirty_message_types_per_group() {
    let emu = start(EmulatorOptions {
        audience: 1,
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    c.call(&create("g")).await.unwrap();
    c.call(&create("other")).await.unwrap();
    for t in 1..=30 {
        c.call(&SendMessageRequest {
            msg_type: Some(t),
            ..send("g")
        })
        .await
        .unwrap();
    }
    let err = c
        .call(&SendMessageRequest {
            msg_type: Some(31),
            ..send("g")
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (400, "ErrorTooManyMsgTypes".into()));
    assert_eq!(err.kind(), Some(ErrorKind::TooManyMsgTypes));
    // Known types still go through; the limit is per group.
    c.call(&SendMessageRequest {
        msg_type: Some(30),
        ..send("g")
    })
    .await
    .unwrap();
    c.call(&SendMessageRequest {
        msg_type: Some(31),
        ..send("other")
    })
    .await
    .unwrap();
    assert_eq!(
        emu.group("demo", "g")
            .await
            .unwrap()
            .unwrap()
            .msg_types
            .len(),
        30
    );
}

#[tokio::test]
async fn documented_field_limits_are_input_invalid() {
    let emu = start(EmulatorOptions {
        audience: 1,
        ..Default::default()
    })
    .await;
    client(&emu).call(&create("g")).await.unwrap();
    let long_name = "n".repeat(129);
    let long_info = "i".repeat(32 * 1024 + 1);
    let long_id = "a".repeat(65);
    let long_body = "b".repeat(15 * 1024 + 1);
    let long_meta = "m".repeat(513);
    let create_cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("GroupId", "bad-id")], "GroupId"),
        (vec![("GroupId", &long_id)], "GroupId"),
        (
            vec![("GroupId", "ok"), ("GroupName", &long_name)],
            "GroupName",
        ),
        (
            vec![("GroupId", "ok"), ("GroupInfo", &long_info)],
            "GroupInfo",
        ),
        (
            vec![("GroupId", "ok"), ("Administrators", "a,b,c,d")],
            "Administrators",
        ),
        (
            vec![("GroupId", "ok"), ("Administrators", "a,b-c")],
            "Administrators",
        ),
        (vec![("GroupId", "ok"), ("CreatorId", "who?")], "CreatorId"),
    ];
    for (mut params, field) in create_cases {
        params.push(("AppId", "demo"));
        let r = v2_post_form(&emu, "CreateLiveMessageGroup", &params).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "InputInvalid".into()),
            "{field}: {}",
            r.text
        );
        assert!(r.message().contains(field), "{}", r.message());
    }
    let r = v2_post_form(
        &emu,
        "CreateLiveMessageGroup",
        &[
            ("AppId", "demo"),
            ("GroupId", "ok"),
            ("GroupName", &long_name),
        ],
    )
    .await;
    assert!(
        r.message().contains("128") && r.message().contains("129"),
        "limit and size: {}",
        r.message()
    );

    let send_cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("Body", &long_body)], "Body"),
        (vec![("SenderMetaInfo", &long_meta)], "SenderMetaInfo"),
        (vec![("MsgTid", "not valid")], "MsgTid"),
        (vec![("MsgType", "seven")], "MsgType"),
        (vec![("NoStorage", "maybe")], "NoStorage"),
        (vec![("Weight", "1.5")], "Weight"),
    ];
    for (mut params, field) in send_cases {
        params.extend([("AppId", "demo"), ("GroupId", "g"), ("SenderId", "s1")]);
        let r = v2_post_form(&emu, "SendLiveMessageGroup", &params).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "InputInvalid".into()),
            "{field}: {}",
            r.text
        );
        assert!(r.message().contains(field), "{}", r.message());
    }
    let r = v2_post_form(
        &emu,
        "SendLiveMessageGroup",
        &[
            ("AppId", "demo"),
            ("GroupId", "g"),
            ("SenderId", "s1"),
            ("Body", &"b".repeat(15 * 1024)),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "15 KB is allowed: {}", r.text);
}

#[tokio::test]
async fn missing_required_parameters_are_named() {
    let emu = start_default().await;
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        ("CreateLiveMessageGroup", &[("GroupId", "g")], "AppId"),
        ("CreateLiveMessageGroup", &[("AppId", "demo")], "GroupId"),
        ("DeleteLiveMessageGroup", &[("AppId", "demo")], "GroupId"),
        (
            "ListLiveMessageGroupByPage",
            &[("AppId", "demo")],
            "SortType",
        ),
        (
            "SendLiveMessageGroup",
            &[("AppId", "demo"), ("GroupId", "g")],
            "SenderId",
        ),
        (
            "SendLiveMessageGroup",
            &[("AppId", "demo"), ("GroupId", ""), ("SenderId", "s")],
            "GroupId",
        ),
        (
            "EmulatorJoinGroup",
            &[("AppId", "demo"), ("GroupId", "g")],
            "UserId",
        ),
    ];
    for (action, params, name) in cases {
        let r = v2_post_form(&emu, action, params).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "MissingParameter".into()),
            "{action}: {}",
            r.text
        );
        assert!(
            r.message().contains(&format!("\"{name}\"")),
            "{}",
            r.message()
        );
    }
}
