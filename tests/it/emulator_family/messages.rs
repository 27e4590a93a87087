//! The operation family against the emulator: message paging, recall, simulated chatter.

use super::*;

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
