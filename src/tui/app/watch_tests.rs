//! Pins, the Watch and Flagged panes and the background polls through
//! `App::handle`: keys in, calls out, replies (as the service would answer
//! them) in, state and frames out.

use std::time::Instant;

use crate::api::{
    Ack, AddGroupBandRequest, DeleteGroupMessageRequest, DeleteGroupMessageResponse,
    DescribeGroupRequest, DescribeGroupResponse, GroupMessage, KickGroupUserRequest,
    ListGroupMessagesRequest, ListGroupMessagesResponse, ListGroupsRequest, MessageSender,
};
use crate::moderation::{PollPolicy, PollState, RoomKind};
use crate::tui::action::Msg;
use crate::tui::app::{App, Context, WatchView};
use crate::tui::clock::Clock;
use crate::tui::keys::Key;
use crate::tui::render::frame_text;
use crate::worker::{Command, Event, RequestId};

const NOW: i64 = 1_700_000_000 + 200 * 3600;

const RULES: &str = r#"
[[rules]]
name = "ads"
words = ["followers"]
links = true
"#;

fn rules(text: &str) -> Vec<toml::Value> {
    let table: toml::Table = toml::from_str(text).unwrap();
    table["rules"].as_array().unwrap().clone()
}

fn ctx(read_only: bool, rule_text: &str) -> Context {
    let mut ctx = Context::demo();
    ctx.read_only = read_only;
    ctx.rules = rules(rule_text);
    ctx
}

fn app_with(ctx: Context) -> App {
    let mut a = App::new(ctx).unwrap();
    a.clock = Clock::fixed(NOW);
    a.start();
    for c in a.take_commands() {
        if let Some((id, req)) = op::<ListGroupsRequest>(&c) {
            let page = crate::tui::tests::reply(&req, 30);
            a.handle(Msg::Worker(Event::reply(id, Ok(page))));
        }
    }
    a
}

fn app(read_only: bool) -> App {
    app_with(ctx(read_only, RULES))
}

fn press(a: &mut App, spec: &str) {
    a.handle(Msg::Key(Key::parse(spec).unwrap().to_event()));
}

fn op<O: Clone + 'static>(c: &Command) -> Option<(RequestId, O)> {
    c.operation::<O>().map(|(id, o)| (id, o.clone()))
}

fn reply<R: Send + 'static>(a: &mut App, id: RequestId, r: R) {
    a.handle(Msg::Worker(Event::reply(id, Ok(r))));
}

fn msg(seq: i64, sender: &str, body: &str) -> GroupMessage {
    GroupMessage {
        msg_tid: format!("tid{seq}"),
        msg_type: 1,
        body: body.into(),
        sender: MessageSender {
            user_id: sender.into(),
            user_info: String::new(),
        },
        seq_number: seq,
        timestamp: NOW - 30 + seq,
        total_messages: 0,
    }
}

fn chat() -> Vec<GroupMessage> {
    vec![
        msg(1, "viewer1", "hello everyone"),
        msg(2, "spammer", "BUY FOLLOWERS at http://cheap.example/now"),
        msg(3, "viewer2", "what song is this?"),
        msg(4, "evil\u{202e}name", "followers\x1b[2J here"),
    ]
}

/// Answers the calls queued: polls get `page`, describes an online count.
/// Returns the other commands.
fn answer(a: &mut App, page: &[GroupMessage]) -> Vec<Command> {
    let mut rest = Vec::new();
    for c in a.take_commands() {
        if let Some((id, req)) = op::<ListGroupMessagesRequest>(&c) {
            let r = ListGroupMessagesResponse {
                group_id: req.group_id,
                message_list: page.to_vec(),
                ..Default::default()
            };
            reply(a, id, r);
        } else if let Some((id, req)) = op::<DescribeGroupRequest>(&c) {
            let d = DescribeGroupResponse {
                group_id: req.group_id,
                online_user_counts: Some(7),
                ..Default::default()
            };
            reply(a, id, d);
        } else {
            rest.push(c);
        }
    }
    rest
}

fn polls(cmds: &[Command]) -> Vec<String> {
    cmds.iter()
        .filter_map(op::<ListGroupMessagesRequest>)
        .map(|(_, r)| r.group_id)
        .collect()
}

/// An app with room `room029` (the first row, newest first) pinned and
/// polled once with [`chat`].
fn pinned_and_polled(read_only: bool) -> App {
    let mut a = app(read_only);
    press(&mut a, "p");
    a.handle(Msg::RoomPoll);
    let rest = answer(&mut a, &chat());
    assert!(rest.is_empty(), "{rest:?}");
    a
}

#[test]
fn p_pins_the_selected_row_and_only_pinned_rooms_are_polled() {
    let mut a = app(false);
    assert!(a.next_poll().is_none(), "nothing pinned, nothing polls");
    press(&mut a, "p");
    let id = a.browser.selected_group().unwrap().group_id.clone();
    assert_eq!(id, "room029");
    assert!(a.watching.watcher.is_pinned(&id));
    assert!(a.next_poll().is_some(), "a pinned room is polled");
    a.handle(Msg::RoomPoll);
    let cmds = a.take_commands();
    assert_eq!(polls(&cmds), vec![id.clone()]);
    // Nothing more is due while that poll is in flight.
    a.handle(Msg::RoomPoll);
    assert!(polls(&a.take_commands()).is_empty());

    let mut a = pinned_and_polled(false);
    let lines = a.watch_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (lines[0].online, lines[0].unread, lines[0].pinned),
        (Some(7), 2, true)
    );
    assert_eq!(a.watching.watcher.flags().len(), 2);
    // p again unpins: nothing is polled any more.
    press(&mut a, "p");
    assert!(!a.watching.watcher.is_pinned(&id));
    assert!(a.next_poll().is_none());
}

#[test]
fn pinned_rooms_count_in_the_open_rooms_budget() {
    let mut a = app(false);
    let now = Instant::now();
    for i in 0..40 {
        a.set_pinned(&format!("pinned{i:02}"), true);
    }
    a.take_commands();
    a.handle(Msg::RoomPoll);
    let sent = polls(&a.take_commands()).len();
    let budget = a.rooms.budget().per_second() as usize;
    assert_eq!(budget, 25, "half of ListLiveMessageGroupMessages' 50/s");
    assert_eq!(
        sent, budget,
        "polling takes the whole polling budget, no more"
    );
    // The open room would find the budget spent by those polls.
    let open_due = a.rooms.budget_mut().pick(
        now,
        &PollPolicy::default(),
        [((), RoomKind::Open, PollState::default())],
    );
    assert!(open_due.is_empty(), "the budget is shared");
}

#[test]
fn the_open_pinned_room_is_not_polled_twice_and_its_messages_are_checked() {
    let mut a = app(false);
    a.set_pinned("room1", true);
    a.run_command("open room1");
    a.handle(Msg::RoomPoll);
    // One messages call: the room pane's first load, none from the watcher.
    let rest = a.take_commands();
    assert_eq!(polls(&rest), vec!["room1".to_string()]);
    for c in rest {
        if let Some((id, req)) = op::<ListGroupMessagesRequest>(&c) {
            let r = ListGroupMessagesResponse {
                group_id: req.group_id,
                message_list: chat(),
                ..Default::default()
            };
            reply(&mut a, id, r);
        }
    }
    let flags = a.watching.watcher.flags();
    assert_eq!(
        flags.len(),
        2,
        "the open room's messages go through the rules"
    );
    assert_eq!(
        flags.total_unread(),
        0,
        "flags in the open room count as read"
    );

    let held = a.watching.watcher.room("room1").map(|w| w.room.len());
    assert_eq!(held, Some(4), "the pinned room's ring keeps up while open");

    // Recalled from the room pane (x y): the flagged entry says so.
    let pane = a.rooms.open.as_ref().unwrap();
    let at = pane.room.iter().position(|m| m.message.msg_tid == "tid2");
    a.rooms.open.as_mut().unwrap().room.select(at.unwrap());
    press(&mut a, "x");
    press(&mut a, "y");
    let (id, _) = a
        .take_commands()
        .iter()
        .find_map(op::<DeleteGroupMessageRequest>)
        .expect("the room recalls");
    reply(&mut a, id, DeleteGroupMessageResponse::default());
    let q = a.watching.watcher.flags();
    let entry = q.iter().find(|e| e.message.msg_tid == "tid2").unwrap();
    let note = a.watching.flagged_pane.note_of(entry.id).unwrap();
    assert_eq!(note, &(true, "✓ recalled in the room".to_string()));
}

#[test]
fn flagged_keys_recall_mute_kick_and_dismiss_the_selected_message() {
    let mut a = pinned_and_polled(false);
    press(&mut a, "F");
    assert_eq!(a.watching.view, Some(WatchView::Flagged));
    // Newest first: seq 4 from the sender with a bidi override.
    let q = a.watching.watcher.flags();
    let first = q.iter().next().unwrap();
    assert_eq!(first.message.msg_tid, "tid4");
    assert!(first.read, "the selected entry counts as seen");
    press(&mut a, "j");
    press(&mut a, "x");
    assert!(a.take_commands().is_empty(), "x asks first");
    press(&mut a, "y");
    let (id, recall) = a
        .take_commands()
        .iter()
        .find_map(op::<DeleteGroupMessageRequest>)
        .expect("y recalls");
    assert_eq!(
        (recall.group_id.as_str(), recall.message_id.as_str()),
        ("room029", "tid2")
    );
    assert_eq!(recall.deleter_id.as_deref(), Some("mod1"));
    reply(&mut a, id, DeleteGroupMessageResponse::default());
    let flag = a.watching.flagged_pane.selected(a.watching.watcher.flags());
    let note = a.watching.flagged_pane.note_of(flag.unwrap()).unwrap();
    assert!(note.0 && note.1.contains("recalled"), "{note:?}");

    press(&mut a, "M");
    let (id, mute) = a
        .take_commands()
        .iter()
        .find_map(op::<AddGroupBandRequest>)
        .expect("M mutes");
    assert_eq!(mute.banned_users, vec!["spammer"]);
    reply(&mut a, id, Ack::default());

    press(&mut a, "K");
    press(&mut a, "n");
    assert!(a.take_commands().is_empty(), "any other key cancels");
    press(&mut a, "K");
    press(&mut a, "y");
    let (_, kick) = a
        .take_commands()
        .iter()
        .find_map(op::<KickGroupUserRequest>)
        .expect("K y kicks");
    assert_eq!(kick.kickoff_user, "spammer");

    press(&mut a, "d");
    assert_eq!(a.watching.watcher.flags().len(), 1);
    press(&mut a, "d");
    assert!(a.watching.watcher.flags().is_empty());
    press(&mut a, "esc");
    assert_eq!(a.watching.view, None);
}

#[test]
fn read_only_refuses_flagged_actions_before_any_call() {
    let mut a = pinned_and_polled(true);
    press(&mut a, "F");
    for k in ["x", "M", "K"] {
        press(&mut a, k);
        press(&mut a, "y");
        assert!(a.take_commands().is_empty(), "{k} made a call");
    }
    let (ok, text) = a.watching.flagged_pane.outcome.clone().unwrap();
    assert!(!ok && text.contains("read-only"), "{text}");
}

#[test]
fn enter_opens_the_room_with_the_flagged_message_selected() {
    let mut a = pinned_and_polled(false);
    press(&mut a, "F");
    press(&mut a, "j");
    press(&mut a, "enter");
    assert_eq!(a.watching.view, None);
    assert_eq!(a.rooms.open.as_ref().map(|p| p.group_id()), Some("room029"));
    answer(&mut a, &chat());
    let pane = a.rooms.open.as_ref().unwrap();
    assert_eq!(
        pane.room.selected().map(|m| m.message.msg_tid.as_str()),
        Some("tid2")
    );
}

#[test]
fn a_rule_with_an_action_recalls_by_itself_and_says_so() {
    let mut a = app_with(ctx(
        false,
        "[[rules]]\nname = \"scam\"\nlinks = true\naction = \"recall\"\n",
    ));
    press(&mut a, "p");
    a.handle(Msg::RoomPoll);
    assert!(answer(&mut a, &chat()).is_empty());
    let recalls: Vec<_> = a
        .take_commands()
        .iter()
        .filter_map(op::<DeleteGroupMessageRequest>)
        .collect();
    assert_eq!(recalls.len(), 1, "once, for the message with a link");
    assert_eq!(recalls[0].1.message_id, "tid2");
    reply(&mut a, recalls[0].0, DeleteGroupMessageResponse::default());
    let entry = a.watching.watcher.flags().iter().next().unwrap().id;
    let note = a.watching.flagged_pane.note_of(entry).unwrap();
    assert!(note.1.contains("rule: recalled"), "{note:?}");
    let toast = a.status.toast.as_ref().map(|t| t.text.clone()).unwrap();
    assert!(toast.contains("Automatic action"), "{toast}");

    // Read-only: the rule's action is skipped, and noted.
    let mut a = app_with(ctx(
        true,
        "[[rules]]\nname = \"scam\"\nlinks = true\naction = \"recall\"\n",
    ));
    press(&mut a, "p");
    a.handle(Msg::RoomPoll);
    assert!(answer(&mut a, &chat()).is_empty());
    assert!(a.take_commands().is_empty(), "no call in read-only");
    let entry = a.watching.watcher.flags().iter().next().unwrap().id;
    let note = a.watching.flagged_pane.note_of(entry).unwrap();
    assert!(note.1.contains("skipped (read-only)"), "{note:?}");
}

#[test]
fn pins_are_kept_per_backend_and_app() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Context::demo();
    c.data_dir = Some(dir.path().to_path_buf());
    let mut a = App::new(c.clone()).unwrap();
    a.set_pinned("kept1", true);
    a.set_pinned("kept2", true);
    a.set_pinned("kept1", false);
    let again = App::new(c.clone()).unwrap();
    assert_eq!(
        again.watching.watcher.pinned().collect::<Vec<_>>(),
        ["kept2"]
    );
    c.app_id = "other".into();
    let other = App::new(c).unwrap();
    assert_eq!(other.watching.watcher.pinned().count(), 0);
}

#[test]
fn watch_and_flagged_frames() {
    let mut a = pinned_and_polled(false);
    a.set_pinned("quiet-room", true);
    answer(&mut a, &[]);
    press(&mut a, "W");
    assert_eq!(a.watching.view, Some(WatchView::Watch));
    answer(&mut a, &[]);
    let small = frame_text(&a, 80, 24);
    assert!(
        small.contains("room029") && small.contains("2 new"),
        "{small}"
    );
    insta::assert_snapshot!("watch_80x24", small);
    insta::assert_snapshot!("watch_120x40", frame_text(&a, 120, 40));
    press(&mut a, "F");
    let small = frame_text(&a, 80, 24);
    assert!(!small.contains('\x1b') && !small.contains('\u{202e}'));
    assert!(small.contains("ads"), "{small}");
    insta::assert_snapshot!("flagged_80x24", small);
    insta::assert_snapshot!("flagged_120x40", frame_text(&a, 120, 40));
}

#[test]
fn flagged_messages_carry_a_mark_in_the_rooms_messages_tab() {
    let mut a = app(false);
    a.run_command("open room1");
    a.handle(Msg::RoomPoll);
    for c in a.take_commands() {
        if let Some((id, req)) = op::<ListGroupMessagesRequest>(&c) {
            let r = ListGroupMessagesResponse {
                group_id: req.group_id,
                message_list: chat(),
                ..Default::default()
            };
            reply(&mut a, id, r);
        }
    }
    let marked = |a: &App| -> Vec<String> {
        crate::tui::render::frame_text(a, 120, 40)
            .lines()
            .filter(|l| l.contains('⚑') && !l.contains("livemod"))
            .map(str::to_string)
            .collect()
    };
    let rows = marked(&a);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert!(rows[0].contains("⚑ ads · BUY FOLLOWERS"), "{rows:#?}");
    assert!(!rows.iter().any(|r| r.contains("hello everyone")));
    // The other tabs show no messages; back on 1 the marks are there again.
    press(&mut a, "2");
    assert!(marked(&a).is_empty());
    press(&mut a, "1");
    assert_eq!(marked(&a).len(), 2);
}

#[test]
fn the_new_flags_toast_counts_in_words() {
    let a = pinned_and_polled(false);
    let said = format!("{:?}", a.status);
    assert!(said.contains("2 new flagged messages"), "{said}");
    assert!(!said.contains("message(s)"), "{said}");
}
