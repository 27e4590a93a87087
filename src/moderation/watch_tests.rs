use std::time::Duration;

use super::*;
use crate::api::MessageSender;

const T0: i64 = 1_700_000_000;

fn item(seq: i64, sender: &str, body: &str) -> GroupMessage {
    GroupMessage {
        msg_tid: format!("tid{seq}"),
        msg_type: 1,
        body: body.into(),
        sender: MessageSender {
            user_id: sender.into(),
            user_info: String::new(),
        },
        seq_number: seq,
        timestamp: T0 + seq,
        total_messages: 0,
    }
}

fn reply(items: Vec<GroupMessage>, has_more: bool, token: i64) -> ListGroupMessagesResponse {
    ListGroupMessagesResponse {
        request_id: "r".into(),
        group_id: String::new(),
        message_list: items,
        has_more,
        next_page_token: token,
    }
}

fn watcher() -> Watcher {
    let rules = RuleSet::from_config_str(
        r#"
        [[rules]]
        name = "ads"
        words = ["buy followers"]
        [[rules]]
        name = "links"
        links = true
        action = "recall"
        "#,
    )
    .unwrap();
    Watcher::new("demo", None, rules)
}

#[test]
fn nothing_watched_means_nothing_to_poll_and_no_wake_up() {
    let mut w = watcher();
    let now = Instant::now();
    assert!(w.due(now).is_empty());
    assert_eq!(w.next_wake(now), None);
    w.open("room1", now);
    w.close();
    assert!(
        w.room("room1").is_none(),
        "an unpinned room is dropped on close"
    );
    assert_eq!(w.next_wake(now), None);
}

#[test]
fn an_open_room_polls_newest_first_then_what_came_since() {
    let mut w = watcher();
    let t = Instant::now();
    w.open("room1", t);
    assert_eq!(w.next_wake(t), Some(t));
    let first = w.due(t);
    assert_eq!(first.len(), 1);
    assert_eq!(
        (
            first[0].group_id.as_str(),
            first[0].sort_type,
            first[0].begin_time
        ),
        ("room1", SortType::Desc, None)
    );
    assert!(w.due(t).is_empty(), "one poll in flight per room");
    let polled = w
        .on_reply(
            &first[0],
            reply(vec![item(2, "u", "b"), item(1, "u", "a")], true, 0),
            t,
        )
        .unwrap();
    assert_eq!(polled.added, 2);
    // A descending first page's "more" is history: not followed.
    let later = t + Duration::from_secs(1);
    let next = w.due(later);
    assert_eq!(
        (
            next[0].sort_type,
            next[0].begin_time,
            next[0].next_page_token
        ),
        (SortType::Asc, Some(T0 + 2), None)
    );
    // A burst: the ascending poll has more, and the next page is due at once.
    w.on_reply(
        &next[0],
        reply(vec![item(2, "u", "b"), item(3, "u", "c")], true, 4),
        later,
    );
    let follow = w.due(later);
    assert_eq!(follow[0].next_page_token, Some(4));
    let polled = w
        .on_reply(&follow[0], reply(vec![item(4, "u", "d")], false, 0), later)
        .unwrap();
    assert_eq!(polled.added, 1);
    let seqs: Vec<i64> = w
        .room("room1")
        .unwrap()
        .room
        .iter()
        .map(|m| m.message.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
}

#[test]
fn new_messages_are_checked_flagged_once_and_auto_actions_reported_once() {
    let mut w = watcher();
    let t = Instant::now();
    w.pin("room2", t);
    let req = w.due(t).remove(0);
    let page = vec![
        item(1, "u1", "hello"),
        item(2, "u2", "BUY FOLLOWERS cheap"),
        item(3, "u3", "visit scam.top"),
    ];
    let polled = w.on_reply(&req, reply(page.clone(), false, 0), t).unwrap();
    assert_eq!(polled.flagged.len(), 2);
    assert_eq!(polled.actions.len(), 1);
    assert_eq!(polled.actions[0].0, Action::Recall);
    assert_eq!(polled.actions[0].1.msg_tid, "tid3");
    assert_eq!(
        w.flags().unread("room2"),
        2,
        "a background room's flags are unread"
    );
    // The same page again (an overlap): nothing new, nothing twice.
    let again = w.due(t + Duration::from_secs(60)).remove(0);
    let polled = w.on_reply(&again, reply(page, false, 0), t).unwrap();
    assert_eq!(polled, Polled::default());
    assert_eq!(w.flags().len(), 2);
    // Opening the room reads its flags.
    w.open("room2", t);
    assert_eq!(w.flags().unread("room2"), 0);
    let rows = w.rows(T0 + 3);
    assert_eq!(
        rows,
        [WatchRow {
            room: "room2".into(),
            open: true,
            pinned: true,
            messages_per_minute: 3,
            unread_flags: 0,
        }]
    );
    // Closing keeps a pinned room watched; unpinning then drops it.
    w.close();
    assert!(w.room("room2").is_some());
    w.unpin("room2");
    assert!(w.room("room2").is_none());
}

#[test]
fn replies_for_rooms_no_longer_watched_are_ignored_and_failures_back_off() {
    let mut w = watcher();
    let t = Instant::now();
    w.open("room1", t);
    let req = w.due(t).remove(0);
    w.on_failure(&req, t);
    assert_eq!(w.room("room1").unwrap().poll.failures(), 1);
    assert!(
        w.due(t + Duration::from_millis(1500)).is_empty(),
        "backed off to 2 s"
    );
    assert_eq!(w.due(t + Duration::from_secs(2)).len(), 1);
    w.close();
    assert!(
        w.on_reply(&req, reply(vec![item(1, "u", "x")], false, 0), t)
            .is_none()
    );
}

/// Polls of `rooms` pinned rooms over `secs` simulated seconds (100 ms steps,
/// every poll answered at once); `chatty`: each room gets 2 messages a second.
fn simulated_polls(rooms: usize, secs: u64, chatty: bool) -> usize {
    let mut w = watcher();
    let start = Instant::now();
    for r in 0..rooms {
        w.pin(&format!("room{r:02}"), start);
    }
    let mut seq = vec![0i64; rooms];
    let mut calls = 0;
    for step in 0..secs * 10 {
        let t = start + Duration::from_millis(step * 100);
        for request in w.due(t) {
            calls += 1;
            let r: usize = request.group_id[4..].parse().unwrap();
            let mut items = Vec::new();
            // Two messages a second since the last poll.
            let due_seq = if chatty { (step / 5) as i64 } else { 0 };
            while seq[r] < due_seq {
                seq[r] += 1;
                items.push(item(seq[r], "viewer", "hello"));
            }
            w.on_reply(&request, reply(items, false, 0), t);
        }
    }
    calls
}

#[test]
fn twenty_pinned_rooms_cost_a_few_calls_a_second_and_fewer_when_quiet() {
    let chatty = simulated_polls(20, 600, true) as f64 / 600.0;
    let quiet = simulated_polls(20, 600, false) as f64 / 600.0;
    // Pinned rooms are polled at most every 5 s: 20 rooms, 4 calls a second.
    assert!(
        chatty <= 4.05,
        "{chatty} calls/s with 20 chatty pinned rooms"
    );
    assert!(chatty >= 3.5, "{chatty} calls/s: chatty rooms are followed");
    // Quiet rooms back off towards every 30 s.
    assert!(quiet < 1.0, "{quiet} calls/s with 20 quiet pinned rooms");
    assert!(quiet < chatty / 3.0);
}

#[test]
fn a_room_polled_elsewhere_is_skipped_but_its_messages_are_checked() {
    let mut w = watcher();
    let t = Instant::now();
    w.pin("room1", t);
    w.pin("room2", t);
    w.set_polled_elsewhere(Some("room1"));
    let due: Vec<String> = w.due(t).into_iter().map(|r| r.group_id).collect();
    assert_eq!(due, ["room2"]);
    // room2 is in flight: nothing else wakes the loop (room1 is not counted).
    assert_eq!(w.next_wake(t), None);
    let polled = w.check(
        vec![Message::from_api(
            "room1",
            item(1, "spammer", "buy followers"),
        )],
        true,
    );
    assert_eq!(polled.flagged.len(), 1);
    assert_eq!(w.flags().unread("room1"), 0, "read: the room is on screen");
    // Checked twice (the pinned poll after the room closes): one entry.
    w.set_polled_elsewhere(None);
    let again = w.check(
        vec![Message::from_api(
            "room1",
            item(1, "spammer", "buy followers"),
        )],
        false,
    );
    assert!(again.flagged.is_empty());
    assert_eq!(w.flags().len(), 1);
}

#[test]
fn a_shared_budget_counts_every_pollers_calls() {
    let mut w = watcher();
    let t = Instant::now();
    for r in 0..40 {
        w.pin(&format!("room{r:02}"), t);
    }
    let mut shared = PollBudget::for_rate(ListGroupMessagesRequest::CALLS_PER_SECOND);
    let per_second = shared.per_second() as usize;
    // Another poller (the open room) took 5 calls of this second already.
    let other = shared.pick(
        t,
        &PollPolicy::default(),
        (0..5).map(|i| (i, RoomKind::Open, PollState::default())),
    );
    assert_eq!(other.len(), 5);
    assert_eq!(w.due_within(t, &mut shared).len(), per_second - 5);
    assert!(w.due_within(t, &mut shared).is_empty());
    // The loop wakes when the oldest call of the second leaves the window.
    assert_eq!(
        w.next_wake_within(t, &shared),
        Some(t + Duration::from_secs(1))
    );
}
