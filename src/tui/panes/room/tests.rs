//! The room through `App::handle`: keys in, calls out, replies (as the
//! service would answer them) in, state and frames out.

use crate::api::{
    Ack, ApiError, DeleteGroupMessageRequest, DeleteGroupMessageResponse, DescribeGroupBandRequest,
    DescribeGroupBandResponse, DescribeGroupRequest, DescribeGroupResponse, GroupMessage,
    ListGroupMessagesRequest, ListGroupMessagesResponse, ListGroupsRequest, ListGroupsResponse,
    MessageSender, ServiceError, SortType,
};
use crate::tui::action::{Action, Msg};
use crate::tui::app::{App, Context, Overlay};
use crate::tui::clock::Clock;
use crate::tui::keys::Key;
use crate::tui::render::frame_text;
use crate::worker::{Command, Event, RequestId};

use super::*;

const NOW: i64 = 1_700_000_000;

fn app(read_only: bool) -> App {
    let mut ctx = Context::demo();
    ctx.read_only = read_only;
    let mut a = App::new(ctx).unwrap();
    a.clock = Clock::fixed(NOW);
    a
}

fn press(a: &mut App, spec: &str) {
    a.handle(Msg::Key(Key::parse(spec).unwrap().to_event()));
}

fn reply<R: Send + 'static>(a: &mut App, id: RequestId, r: Result<R, ApiError>) {
    a.handle(Msg::Worker(Event::reply(id, r)));
}

fn op<O: Clone + 'static>(c: &Command) -> Option<(RequestId, O)> {
    c.operation::<O>().map(|(id, o)| (id, o.clone()))
}

fn msg(seq: i64, sender: &str, msg_type: i64, body: &str) -> GroupMessage {
    GroupMessage {
        msg_tid: format!("tid{seq}"),
        msg_type,
        body: body.into(),
        sender: MessageSender {
            user_id: sender.into(),
            user_info: String::new(),
        },
        seq_number: seq,
        timestamp: NOW - 100 + seq,
        total_messages: 0,
    }
}

fn describe() -> DescribeGroupResponse {
    DescribeGroupResponse {
        request_id: "rq-d".into(),
        group_id: "room1".into(),
        group_name: "Launch night".into(),
        group_info: r#"{"topic":"launch"}"#.into(),
        creator_id: "host1".into(),
        admin_list: vec!["admin1".into()],
        createtime: NOW - 3600,
        online_user_counts: Some(42),
        msg_amount: Some([("1".to_string(), 30), ("2".to_string(), 4)].into()),
        ..Default::default()
    }
}

/// Answers every room call queued with what a small live room would say;
/// messages polls get `page` (then nothing new). Returns the other commands.
fn answer(a: &mut App, page: &[GroupMessage], has_more: bool) -> Vec<Command> {
    let cmds = a.take_commands();
    answer_these(a, cmds, page, has_more)
}

fn answer_these(
    a: &mut App,
    cmds: Vec<Command>,
    page: &[GroupMessage],
    has_more: bool,
) -> Vec<Command> {
    let mut rest = Vec::new();
    for c in cmds {
        if let Some((id, _)) = op::<DescribeGroupRequest>(&c) {
            reply(a, id, Ok(describe()));
        } else if let Some((id, _)) = op::<DescribeGroupBandRequest>(&c) {
            let band = DescribeGroupBandResponse {
                banned_user_list: vec!["troll9".into()],
                ..Default::default()
            };
            reply(a, id, Ok(band));
        } else if let Some((id, _)) = op::<ListGroupMessagesRequest>(&c) {
            let r = ListGroupMessagesResponse {
                message_list: page.to_vec(),
                has_more,
                next_page_token: if has_more { 99 } else { 0 },
                ..Default::default()
            };
            reply(a, id, Ok(r));
        } else {
            rest.push(c);
        }
    }
    rest
}

fn chat() -> Vec<GroupMessage> {
    vec![
        msg(1, "viewer1", 1, "hello everyone"),
        msg(2, "viewer2", 2, r#"{"gift":"rocket","count":3}"#),
        msg(3, "evil\u{202e}name", 1, "clear\x1b[2Jscreen"),
        msg(4, "viewer1", 9, "unknown type"),
    ]
}

fn open(a: &mut App) {
    a.run_command("open room1");
    let rest = answer(a, &chat(), false);
    assert!(rest.is_empty(), "{rest:?}");
}

fn pane(a: &App) -> &RoomPane {
    a.rooms.open.as_ref().expect("a room is open")
}

#[test]
fn opening_reads_header_mutes_and_newest_messages_and_polls_only_while_open() {
    let mut a = app(false);
    assert!(a.next_room_poll().is_none(), "nothing open, nothing polls");
    a.run_command("open room1");
    let cmds = a.take_commands();
    assert!(cmds.iter().any(|c| op::<DescribeGroupRequest>(c).is_some()));
    assert!(
        cmds.iter()
            .any(|c| op::<DescribeGroupBandRequest>(c).is_some())
    );
    let (_, first) = cmds
        .iter()
        .find_map(op::<ListGroupMessagesRequest>)
        .expect("a messages poll");
    assert_eq!((first.sort_type, first.begin_time), (SortType::Desc, None));
    // Nothing is due while the first poll is in flight.
    assert!(a.next_room_poll().is_none());
    answer_these(&mut a, cmds, &chat(), false);
    assert_eq!(pane(&a).room.len(), 4);
    assert!(pane(&a).room.is_following());
    assert_eq!(
        pane(&a).describe.as_ref().unwrap().online_user_counts,
        Some(42)
    );
    assert!(a.next_room_poll().is_some(), "the open room is polled");

    // The next poll reads on from the newest message held, oldest first.
    a.rooms.open.as_mut().unwrap().poll = PollState::default();
    a.handle(Msg::RoomPoll);
    let (_, next) = a
        .take_commands()
        .iter()
        .find_map(op::<ListGroupMessagesRequest>)
        .expect("a poll is due");
    assert_eq!(next.sort_type, SortType::Asc);
    assert_eq!(next.begin_time, Some(NOW - 100 + 4));
    assert_eq!(next.next_page_token, None);

    press(&mut a, "esc");
    assert!(a.rooms.open.is_none());
    assert!(a.next_room_poll().is_none());
}

#[test]
fn a_poll_with_more_to_read_follows_the_token_with_the_same_query() {
    let mut a = app(false);
    open(&mut a);
    press(&mut a, "r");
    let cmds = a.take_commands();
    let (id, first) = cmds
        .iter()
        .find_map(op::<ListGroupMessagesRequest>)
        .expect("r polls now");
    let page = ListGroupMessagesResponse {
        message_list: vec![msg(5, "viewer3", 1, "five")],
        has_more: true,
        next_page_token: 6,
        ..Default::default()
    };
    reply(&mut a, id, Ok(page));
    let (_, next) = a
        .take_commands()
        .iter()
        .find_map(op::<ListGroupMessagesRequest>)
        .expect("the next page is read at once");
    assert_eq!(next.next_page_token, Some(6));
    assert_eq!(next.begin_time, first.begin_time, "same query, next page");
    assert_eq!(pane(&a).room.len(), 5);
}

#[test]
fn a_failed_poll_is_shown_and_backs_off() {
    let mut a = app(false);
    open(&mut a);
    press(&mut a, "r");
    let (id, _) = a
        .take_commands()
        .iter()
        .find_map(op::<ListGroupMessagesRequest>)
        .unwrap();
    let e = ApiError::Service(ServiceError {
        status: 503,
        code: "ServiceUnavailable".into(),
        message: "try later".into(),
        request_id: None,
        recommend: None,
        host_id: None,
        retry_after: None,
    });
    reply::<ListGroupMessagesResponse>(&mut a, id, Err(e));
    assert_eq!(pane(&a).poll_state().failures(), 1);
    assert!(
        pane(&a)
            .outcome
            .as_ref()
            .unwrap()
            .1
            .contains("following the room")
    );
}

#[test]
fn recall_asks_first_and_marks_the_message_recalled() {
    let mut a = app(false);
    open(&mut a);
    press(&mut a, "k");
    press(&mut a, "x");
    assert!(a.take_commands().is_empty(), "x alone changes nothing");
    press(&mut a, "y");
    let cmds = a.take_commands();
    let (id, recall) = cmds
        .iter()
        .find_map(op::<DeleteGroupMessageRequest>)
        .expect("y recalls");
    assert_eq!(recall.message_id, "tid3");
    assert_eq!(recall.deleter_id.as_deref(), Some("mod1"));
    let ok = DeleteGroupMessageResponse {
        request_id: "rq-x".into(),
        ..Default::default()
    };
    reply(&mut a, id, Ok(ok));
    assert!(pane(&a).room.get(2).unwrap().recalled);
    assert!(pane(&a).outcome.as_ref().unwrap().0);
}

#[test]
fn a_long_outcome_wraps_instead_of_cutting_the_request_id() {
    let mut a = app(false);
    open(&mut a);
    press(&mut a, "k");
    press(&mut a, "x");
    press(&mut a, "y");
    let (id, _) = a
        .take_commands()
        .iter()
        .find_map(op::<DeleteGroupMessageRequest>)
        .expect("y recalls");
    let rq = "95515F0A-686E-4F84-81C9-F1C1131D6138";
    let ok = DeleteGroupMessageResponse {
        request_id: rq.into(),
        ..Default::default()
    };
    reply(&mut a, id, Ok(ok));
    let text = frame_text(&a, 80, 24);
    assert!(text.contains(rq), "{text}");
    let said = text.lines().find(|l| l.contains("Recalled")).unwrap();
    assert!(!said.contains('…'), "nothing cut: {text}");
}

#[test]
fn keys_in_the_room_never_reach_the_browser_behind_it() {
    let mut a = app(false);
    a.start();
    let page = a.take_commands();
    let (id, req) = page.iter().find_map(op::<ListGroupsRequest>).unwrap();
    let groups = ListGroupsResponse {
        request_id: "rq".into(),
        total_count: 1,
        page_number: req.page_number,
        page_size: req.page_size,
        group_list: vec![crate::api::Group {
            group_id: "room1".into(),
            group_name: String::new(),
            group_info: String::new(),
            creator_id: String::new(),
            admin_list: Vec::new(),
            createtime: NOW,
            delete: false,
        }],
    };
    reply(&mut a, id, Ok(groups));
    // enter opens the detail, enter again the room.
    press(&mut a, "enter");
    assert!(a.rooms.open.is_none());
    press(&mut a, "enter");
    assert_eq!(pane(&a).group_id(), "room1");
    answer(&mut a, &chat(), false);
    // d would ask to delete the group in the browser; in the room it is nothing.
    press(&mut a, "d");
    assert!(a.overlay.is_none());
    // q still quits, ? still helps.
    press(&mut a, "?");
    assert!(matches!(a.overlay, Some(Overlay::Help { .. })));
    press(&mut a, "esc");
    press(&mut a, "esc");
    assert!(a.rooms.open.is_none());
    // w opens the selected group's room from the browser.
    press(&mut a, "w");
    assert_eq!(pane(&a).group_id(), "room1");
}

#[test]
fn mute_and_room_mute_calls_carry_the_right_users() {
    let mut a = app(false);
    open(&mut a);
    press(&mut a, "M");
    let (id, mute) = a
        .take_commands()
        .iter()
        .find_map(op::<crate::api::AddGroupBandRequest>)
        .unwrap();
    assert_eq!(mute.banned_users, vec!["viewer1"]);
    reply(&mut a, id, Ok(Ack::default()));
    // The mute list is read again after the action.
    assert!(
        a.take_commands()
            .iter()
            .any(|c| op::<DescribeGroupBandRequest>(c).is_some())
    );
    press(&mut a, "B");
    assert!(a.take_commands().is_empty());
    press(&mut a, "y");
    let (_, ban) = a
        .take_commands()
        .iter()
        .find_map(op::<crate::api::BanGroupRequest>)
        .unwrap();
    assert_eq!(ban.except_users, vec!["mod1", "admin1", "host1"]);
}

#[test]
fn room_frames() {
    let mut a = app(false);
    open(&mut a);
    // Hold on an older message with one recalled.
    a.rooms.open.as_mut().unwrap().room.mark_recalled("tid2");
    press(&mut a, "k");
    let newer = vec![msg(5, "viewer5", 1, "arrived while scrolled up")];
    press(&mut a, "r");
    answer(&mut a, &newer, false);
    let small = frame_text(&a, 80, 24);
    assert!(small.contains("1 new ↓"), "{small}");
    assert!(!small.contains('\x1b') && !small.contains('\u{202e}'));
    insta::assert_snapshot!("room_80x24", small);
    press(&mut a, "G");
    insta::assert_snapshot!("room_120x40", frame_text(&a, 120, 40));
    press(&mut a, "4");
    let info = frame_text(&a, 80, 24);
    assert!(
        info.contains("admin1") && info.contains("\"topic\": \"launch\""),
        "{info}"
    );
    press(&mut a, "3");
    let mutes = frame_text(&a, 80, 24);
    assert!(mutes.contains("troll9"), "{mutes}");
}

#[test]
fn read_only_says_so_and_calls_nothing() {
    let mut a = app(true);
    open(&mut a);
    for key in ["x", "M", "K", "U", "B", "b"] {
        press(&mut a, key);
        assert!(a.take_commands().is_empty(), "{key}");
        assert!(
            pane(&a)
                .outcome
                .as_ref()
                .unwrap()
                .1
                .starts_with("read-only")
        );
    }
}

#[test]
fn scrolling_to_the_top_reads_the_page_before_the_oldest_held() {
    let mut a = app(false);
    open(&mut a);
    press(&mut a, "g");
    let (id, older) = a
        .take_commands()
        .iter()
        .find_map(op::<ListGroupMessagesRequest>)
        .expect("the top asks for older messages");
    assert_eq!(
        (older.sort_type, older.end_time),
        (SortType::Desc, Some(NOW - 100 + 1))
    );
    // Only one at a time.
    press(&mut a, "k");
    assert!(a.take_commands().is_empty());
    let page = ListGroupMessagesResponse {
        message_list: vec![msg(0, "early", 1, "the first word")],
        ..Default::default()
    };
    reply(&mut a, id, Ok(page));
    assert_eq!(pane(&a).room.len(), 5);
    assert_eq!(pane(&a).room.oldest().unwrap().body, "the first word");
    // The selection stayed on the message it was on.
    assert_eq!(pane(&a).room.selected().unwrap().message.msg_tid, "tid1");
}

#[test]
fn e_on_the_info_tab_saves_info_and_admins_then_reads_the_room_again() {
    let mut a = app(false);
    open(&mut a);
    press(&mut a, "4");
    press(&mut a, "e");
    assert!(pane(&a).editor().is_some());
    let editing = frame_text(&a, 80, 24);
    assert!(editing.contains("cannot rename"), "{editing}");
    insta::assert_snapshot!("room_info_edit_80x24", editing);
    insta::assert_snapshot!("room_info_edit_120x40", frame_text(&a, 120, 40));
    // The cursor starts in Info; tab goes to the admins.
    for _ in 0..r#"{"topic":"launch"}"#.len() {
        press(&mut a, "backspace");
    }
    // p, W and F are the app's pin / watch / flagged keys: text here.
    for c in "pin WF quiet".chars() {
        let spec = if c == ' ' {
            "space".to_string()
        } else {
            c.to_string()
        };
        press(&mut a, &spec);
    }
    press(&mut a, "tab");
    for c in ",admin2".chars() {
        press(&mut a, &c.to_string());
    }
    assert!(a.take_commands().is_empty(), "nothing is sent while typing");
    press(&mut a, "enter");
    assert!(pane(&a).editor().is_none());
    let (id, modify) = a
        .take_commands()
        .iter()
        .find_map(op::<crate::api::ModifyGroupRequest>)
        .expect("enter saves");
    assert!(modify.modify_info && modify.modify_admin);
    assert_eq!(modify.group_info.as_deref(), Some("pin WF quiet"));
    assert_eq!(modify.admin_list, vec!["admin1", "admin2"]);
    assert_eq!(modify.group_id, "room1");
    reply(
        &mut a,
        id,
        Ok(Ack {
            request_id: "rq-m".into(),
        }),
    );
    let outcome = pane(&a).outcome.clone().unwrap();
    assert!(outcome.0 && outcome.1.contains("rq-m"), "{outcome:?}");
    // The header and Info tab are read again, and the browser's page.
    let after = a.take_commands();
    assert!(
        after
            .iter()
            .any(|c| op::<DescribeGroupRequest>(c).is_some())
    );
    assert!(after.iter().any(|c| op::<ListGroupsRequest>(c).is_some()));
}

#[test]
fn the_info_editor_refuses_what_the_api_would_and_esc_sends_nothing() {
    let mut a = app(false);
    open(&mut a);
    press(&mut a, "4");
    press(&mut a, "e");
    press(&mut a, "tab");
    for c in ",a2,a3,a4".chars() {
        press(&mut a, &c.to_string());
    }
    press(&mut a, "enter");
    assert!(a.take_commands().is_empty(), "four admins are refused here");
    let problem = pane(&a).editor().unwrap().problem.clone().unwrap();
    assert!(problem.contains("AdminList has 4 entries"), "{problem}");
    press(&mut a, "esc");
    assert!(pane(&a).editor().is_none());
    assert!(a.take_commands().is_empty());
    // Unchanged: nothing to send.
    press(&mut a, "e");
    press(&mut a, "enter");
    assert!(a.take_commands().is_empty());
    assert!(
        pane(&a)
            .outcome
            .as_ref()
            .unwrap()
            .1
            .contains("Nothing changed")
    );
}

#[test]
fn read_only_refuses_the_info_editor() {
    let mut a = app(true);
    open(&mut a);
    press(&mut a, "4");
    press(&mut a, "e");
    assert!(pane(&a).editor().is_none());
    assert!(
        pane(&a)
            .outcome
            .as_ref()
            .unwrap()
            .1
            .starts_with("read-only")
    );
}

#[test]
fn the_header_says_1_message_not_1_messages() {
    let mut a = app(false);
    a.run_command("open room1");
    let cmds = a.take_commands();
    for c in cmds {
        if let Some((id, _)) = op::<DescribeGroupRequest>(&c) {
            let mut d = describe();
            d.msg_amount = Some([("1".to_string(), 1)].into());
            reply(&mut a, id, Ok(d));
        }
    }
    let text = frame_text(&a, 120, 40);
    assert!(text.contains("1 message ("), "{text}");
    assert!(!text.contains("1 messages"), "{text}");
}

#[test]
fn a_room_without_messages_says_0_messages_without_empty_brackets() {
    let mut a = app(false);
    a.run_command("open room1");
    for c in a.take_commands() {
        if let Some((id, _)) = op::<DescribeGroupRequest>(&c) {
            let mut d = describe();
            d.msg_amount = Some(Default::default());
            reply(&mut a, id, Ok(d));
        }
    }
    let text = frame_text(&a, 120, 40);
    assert!(text.contains("online 42 · 0 messages"), "{text}");
    assert!(!text.contains("()"), "{text}");
}

#[test]
fn a_on_the_mutes_tab_mutes_a_typed_user_and_esc_leaves_it() {
    let mut a = app(false);
    open(&mut a);
    press(&mut a, "3");
    press(&mut a, "a");
    assert!(pane(&a).mute_input().is_some());
    a.handle(Msg::Paste("troll\u{1b}7".into()));
    press(&mut a, "enter");
    let (_, mute) = a
        .take_commands()
        .iter()
        .find_map(op::<crate::api::AddGroupBandRequest>)
        .expect("enter mutes the typed user");
    assert_eq!(mute.banned_users, vec!["troll7"], "controls are dropped");
    press(&mut a, "a");
    press(&mut a, "x");
    press(&mut a, "esc");
    assert!(pane(&a).mute_input().is_none());
    assert!(a.take_commands().is_empty());
    assert!(a.rooms.open.is_some(), "esc closed the field, not the room");
}

#[test]
fn room_keys_come_from_the_key_map_and_can_be_rebound() {
    let mut ctx = Context::demo();
    ctx.keys
        .insert("recall".into(), vec!["X".into(), "delete".into()]);
    ctx.keys.insert("mute_sender".into(), vec!["m".into()]);
    let mut a = App::new(ctx).unwrap();
    a.clock = Clock::fixed(NOW);
    // x stays the outbox's discard; in the room it is free now.
    assert_eq!(
        a.keymap.action(&Key::parse("x").unwrap()),
        Some(Action::Discard)
    );
    open(&mut a);
    press(&mut a, "x");
    assert!(!pane(&a).is_confirming(), "x is not recall any more");
    let hints = pane(&a).hints();
    assert!(hints.contains(&("X".to_string(), "recall")), "{hints:?}");
    assert!(hints.contains(&("m".to_string(), "mute")), "{hints:?}");
    press(&mut a, "X");
    assert!(pane(&a).is_confirming());
    press(&mut a, "n");
    // m (compose in the browser) mutes in the room.
    press(&mut a, "m");
    assert!(
        a.take_commands()
            .iter()
            .any(|c| op::<crate::api::AddGroupBandRequest>(c).is_some())
    );
    assert!(a.overlay.is_none() && a.rooms.open.is_some());
}

#[test]
fn a_room_key_may_not_take_a_global_key_or_another_room_action_s() {
    for (name, key, other) in [
        ("recall", "q", "quit"),
        ("mute_sender", "x", "recall"),
        ("edit_info", "r", "refresh"),
    ] {
        let mut ctx = Context::demo();
        ctx.keys.insert(name.into(), vec![key.into()]);
        let err = App::new(ctx).err().expect("a clash is refused");
        assert!(
            err.contains("bound to both") && err.contains(other) && err.contains(name),
            "{err}"
        );
    }
}

#[test]
fn read_only_browser_keys_still_name_their_own_action() {
    // x and e are the outbox's discard and edit_entry outside the room.
    let mut a = app(true);
    assert_eq!(
        a.keymap.disabled(&Key::parse("x").unwrap()),
        Some(Action::Discard)
    );
    assert_eq!(
        a.keymap.disabled(&Key::parse("e").unwrap()),
        Some(Action::EditEntry)
    );
    // In the room they are the room's, and refused with why.
    open(&mut a);
    press(&mut a, "4");
    press(&mut a, "e");
    assert!(
        pane(&a)
            .outcome
            .as_ref()
            .unwrap()
            .1
            .starts_with("read-only")
    );
}
