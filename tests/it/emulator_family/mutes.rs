//! The operation family against the emulator: the mute model and its rate limit.

use super::*;

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
