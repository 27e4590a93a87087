//! The operation family against the emulator: groups: describe, modify, recover, token list, the deletion window.

use super::*;

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
