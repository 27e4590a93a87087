//! State/update tests (key sequences in, state and worker commands out) and
//! rendering tests (TestBackend, styles included where they carry meaning).

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use crate::api::{
    ApiError, CreateGroupRequest, CreateGroupResponse, DeleteGroupRequest, DeleteGroupResponse,
    Group, GroupStatus, ListGroupsRequest, ListGroupsResponse, SendMessageRequest,
    SendMessageResponse, ServiceError, SortType,
};
use crate::bulk::Outcome;
use crate::worker::{Command, Event, RequestId};

use super::action::Msg;
use super::app::{App, Context, Effect, Focus, Overlay};
use super::clock::Clock;
use super::keys::Key;
use super::panes::compose::Field;
use super::render::{buffer_text, frame_text};
use super::ui;

const NOW: i64 = 1_700_000_000 + 200 * 3600;

pub fn demo_group(i: usize) -> Group {
    Group {
        group_id: format!("room{i:03}"),
        group_name: format!("Live room {i}"),
        group_info: if i.is_multiple_of(3) {
            r#"{"topic":"launch","level":2,"tags":["a","b"]}"#.to_string()
        } else {
            "plain info".to_string()
        },
        creator_id: "host1".into(),
        admin_list: ["uid1", "uid2", "uid3"][..i % 4]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        createtime: 1_700_000_000 + i as i64 * 3600,
        delete: i % 7 == 3,
    }
}

/// A page of `total` demo groups as the service would answer `req`.
pub fn reply(req: &ListGroupsRequest, total: usize) -> ListGroupsResponse {
    let mut all: Vec<Group> = (0..total).map(demo_group).collect();
    all.retain(|g| match req.group_status {
        GroupStatus::All => true,
        GroupStatus::Existing => !g.delete,
        GroupStatus::Deleted => g.delete,
    });
    if req.sort_type == SortType::Desc {
        all.reverse();
    }
    let size = req.page_size as usize;
    let start = (req.page_number as usize - 1) * size;
    ListGroupsResponse {
        request_id: format!("req-{}", req.page_number),
        total_count: all.len() as u64,
        page_number: req.page_number,
        page_size: req.page_size,
        group_list: all.into_iter().skip(start).take(size).collect(),
    }
}

fn app_with(ctx: Context) -> App {
    let mut app = App::new(ctx).unwrap();
    app.clock = Clock::fixed(NOW);
    app
}

fn app() -> App {
    app_with(Context::demo())
}

/// An app with the first page of `total` groups loaded.
fn loaded(total: usize) -> App {
    let mut a = app();
    a.start();
    answer_pages(&mut a, total);
    a
}

fn press(a: &mut App, spec: &str) {
    a.handle(Msg::Key(Key::parse(spec).unwrap().to_event()));
}

fn keys(a: &mut App, specs: &[&str]) {
    for s in specs {
        press(a, s);
    }
}

fn type_text(a: &mut App, text: &str) {
    for c in text.chars() {
        let spec = if c == ' ' {
            "space".to_string()
        } else {
            c.to_string()
        };
        press(a, &spec);
    }
}

/// The operation of a call command, when it is an `O`, with its request id.
fn op<O: Clone + 'static>(c: &Command) -> Option<(RequestId, O)> {
    c.operation::<O>().map(|(id, o)| (id, o.clone()))
}

/// The one command queued, which must be a call of an `O`.
fn only<O: Clone + 'static>(cmds: &[Command]) -> (RequestId, O) {
    match cmds {
        [c] => op::<O>(c).unwrap_or_else(|| panic!("not a {}: {c:?}", std::any::type_name::<O>())),
        other => panic!("one command expected: {other:?}"),
    }
}

/// The reply to call `id`.
fn answer<R: Send + 'static>(a: &mut App, id: RequestId, result: Result<R, ApiError>) {
    a.handle(Msg::Worker(Event::reply(id, result)));
}

/// Answers every queued page load; returns the other commands.
fn answer_pages(a: &mut App, total: usize) -> Vec<Command> {
    let mut others = Vec::new();
    for c in a.take_commands() {
        match op::<ListGroupsRequest>(&c) {
            Some((id, request)) => answer(a, id, Ok(reply(&request, total))),
            None => others.push(c),
        }
    }
    others
}

/// The one command queued, which must be a bulk run.
fn bulk_job(cmds: &[Command]) -> (RequestId, crate::worker::BulkJob) {
    match cmds {
        [Command::Bulk { id, job }] => (*id, job.clone()),
        other => panic!("one bulk run expected: {other:?}"),
    }
}

fn page_loads(cmds: &[Command]) -> Vec<u32> {
    cmds.iter()
        .filter_map(|c| op::<ListGroupsRequest>(c).map(|(_, r)| r.page_number))
        .collect()
}

fn service_error(code: &str) -> ApiError {
    ApiError::Service(ServiceError {
        status: 400,
        code: code.into(),
        message: "Specified group is not active.".into(),
        request_id: Some("REQ-ERR-1".into()),
        recommend: None,
        host_id: None,
        retry_after: None,
    })
}

fn selected_id(a: &App) -> String {
    a.browser.selected_group().unwrap().group_id.clone()
}

// ------------------------------------------------------------------ update

#[test]
fn start_loads_the_first_page_and_keys_move_the_selection() {
    let mut a = app();
    a.start();
    let cmds = a.take_commands();
    assert_eq!(page_loads(&cmds), vec![1]);
    assert!(a.busy());
    for c in cmds {
        if let Some((id, request)) = op::<ListGroupsRequest>(&c) {
            assert_eq!(request.app_id, "demo");
            assert_eq!(request.page_size, 20);
            assert_eq!(request.sort_type, SortType::Desc);
            answer(&mut a, id, Ok(reply(&request, 45)));
        }
    }
    assert!(!a.busy());
    assert_eq!(a.browser.page_label(), "page 1/3 · 45 groups");
    assert_eq!(selected_id(&a), "room044");
    keys(&mut a, &["j", "down", "j"]);
    assert_eq!(selected_id(&a), "room041");
    keys(&mut a, &["k"]);
    assert_eq!(selected_id(&a), "room042");
    keys(&mut a, &["G"]);
    assert_eq!(selected_id(&a), "room025");
    keys(&mut a, &["g"]);
    assert_eq!(selected_id(&a), "room044");
    assert!(
        a.take_commands().is_empty(),
        "moving the selection needs no request"
    );
}

#[test]
fn paging_is_latest_wins_and_stale_replies_are_dropped() {
    let mut a = loaded(831);
    assert_eq!(a.browser.page_label(), "page 1/42 · 831 groups");
    // Five quick presses queue one page load: the latest.
    keys(&mut a, &["pgdn", "l", "right", "pgdn", "l"]);
    let cmds = a.take_commands();
    assert_eq!(page_loads(&cmds), vec![6]);
    assert_eq!(a.pending.len(), 1);
    let (old_id, old_req) = only::<ListGroupsRequest>(&cmds);
    // Another press before the reply: the reply to page 6 is now stale.
    press(&mut a, "pgdn");
    let cmds = a.take_commands();
    assert_eq!(page_loads(&cmds), vec![7]);
    answer(&mut a, old_id, Ok(reply(&old_req, 831)));
    assert_eq!(a.browser.query.page_number, 7, "stale reply ignored");
    assert_ne!(a.browser.loaded.as_ref().unwrap().page_number, 6);
    for c in cmds {
        if let Some((id, request)) = op::<ListGroupsRequest>(&c) {
            answer(&mut a, id, Ok(reply(&request, 831)));
        }
    }
    assert_eq!(a.browser.page_label(), "page 7/42 · 831 groups");
    keys(&mut a, &[">"]);
    assert_eq!(page_loads(&a.take_commands()), vec![42]);
    keys(&mut a, &["<"]);
    assert_eq!(page_loads(&a.take_commands()), vec![1]);
    // Previous from page 1 asks for nothing.
    answer_pages(&mut a, 831);
    keys(&mut a, &["pgup"]);
    assert!(a.take_commands().is_empty());
}

#[test]
fn sort_status_size_and_command_line() {
    let mut a = loaded(100);
    press(&mut a, "s");
    let (_, request) = only::<ListGroupsRequest>(&a.take_commands());
    assert_eq!(request.sort_type, SortType::Asc);
    assert_eq!(request.page_number, 1);
    press(&mut a, "f");
    let (_, request) = only::<ListGroupsRequest>(&a.take_commands());
    assert_eq!(request.group_status, GroupStatus::Existing);
    press(&mut a, "z");
    let (_, request) = only::<ListGroupsRequest>(&a.take_commands());
    assert_eq!(request.page_size, 50);
    answer_pages(&mut a, 100);

    press(&mut a, ":");
    type_text(&mut a, "page 2");
    press(&mut a, "enter");
    assert_eq!(page_loads(&a.take_commands()), vec![2]);
    a.run_command("status deleted");
    a.run_command("sort desc");
    a.run_command("size 10");
    let (_, request) = only::<ListGroupsRequest>(&a.take_commands());
    assert_eq!(request.group_status, GroupStatus::Deleted);
    assert_eq!(request.sort_type, SortType::Desc);
    assert_eq!(request.page_size, 10);
    answer_pages(&mut a, 100);
    a.run_command("refresh");
    assert_eq!(a.take_commands().len(), 1);
    a.run_command("frobnicate");
    let e = a.status.error.clone().unwrap();
    assert!(e.message.contains("unknown command :frobnicate"), "{e:?}");
    // The error stays until the next action.
    press(&mut a, "j");
    assert!(a.status.error.is_none());
    a.run_command("q");
    assert!(a.quit);
}

#[test]
fn goto_page_key_opens_the_command_line() {
    let mut a = loaded(831);
    press(&mut a, "#");
    type_text(&mut a, "12");
    press(&mut a, "enter");
    assert_eq!(page_loads(&a.take_commands()), vec![12]);
    a.run_command("page 99");
    assert!(
        a.status
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("only 42 pages")
    );
}

#[test]
fn filter_narrows_loaded_rows_as_you_type() {
    let mut a = loaded(40);
    press(&mut a, "/");
    assert!(a.browser.filter_editing);
    type_text(&mut a, "room03");
    let ids: Vec<_> = a
        .browser
        .visible
        .iter()
        .map(|&i| a.browser.groups[i].group_id.clone())
        .collect();
    assert_eq!(ids.len(), 10);
    assert!(ids.iter().all(|id| id.starts_with("room03")));
    // q is text while filtering, not quit.
    press(&mut a, "q");
    assert!(!a.quit);
    assert!(a.browser.visible.is_empty());
    press(&mut a, "backspace");
    press(&mut a, "enter");
    assert!(!a.browser.filter_editing);
    assert_eq!(a.browser.visible.len(), 10);
    press(&mut a, "esc");
    assert_eq!(a.browser.visible.len(), 20);
    assert!(a.take_commands().is_empty(), "the filter is local");
}

#[test]
fn selection_survives_refresh_and_falls_back_when_gone() {
    let mut a = loaded(30);
    keys(&mut a, &["j", "j", "j"]);
    assert_eq!(selected_id(&a), "room026");
    press(&mut a, "r");
    answer_pages(&mut a, 32); // two new groups on top
    assert_eq!(selected_id(&a), "room026");
    press(&mut a, "r");
    answer_pages(&mut a, 5); // it is gone
    assert!(a.browser.selected_group().is_some());
}

#[test]
fn enter_opens_detail_and_esc_goes_back() {
    let mut a = loaded(10);
    press(&mut a, "enter");
    assert_eq!(a.focus, Focus::Detail);
    press(&mut a, "esc");
    assert_eq!(a.focus, Focus::Browser);
    press(&mut a, "tab");
    assert_eq!(a.focus, Focus::Detail);
    press(&mut a, "tab");
    assert_eq!(a.focus, Focus::Compose);
    press(&mut a, "esc");
    assert_eq!(a.focus, Focus::Browser);
    press(&mut a, "backtab");
    assert_eq!(a.focus, Focus::Compose);
}

#[test]
fn help_overlay_closes_before_quitting() {
    let mut a = loaded(5);
    press(&mut a, "?");
    assert!(matches!(a.overlay, Some(Overlay::Help { .. })));
    press(&mut a, "q");
    assert!(a.overlay.is_none());
    assert!(!a.quit);
    press(&mut a, "q");
    assert!(a.quit);
    let mut a = loaded(5);
    press(&mut a, "c");
    press(&mut a, "ctrl-c");
    assert!(a.quit, "ctrl-c always quits");
}

#[test]
fn create_sends_the_form_and_reports_already_exists_in_words() {
    let mut a = loaded(10);
    press(&mut a, "c");
    // Enter with an empty GroupId sends nothing.
    press(&mut a, "enter");
    assert!(a.take_commands().is_empty());
    type_text(&mut a, "room42");
    press(&mut a, "tab");
    type_text(&mut a, "Launch party");
    keys(&mut a, &["tab", "tab"]);
    type_text(&mut a, "uid7");
    press(&mut a, "enter");
    let (id, req) = only::<CreateGroupRequest>(&a.take_commands());
    assert_eq!(req.group_id, "room42");
    assert_eq!(req.group_name.as_deref(), Some("Launch party"));
    assert_eq!(req.administrators, vec!["uid7"]);
    assert_eq!(req.creator_id.as_deref(), Some("mod1"));
    assert!(a.busy());

    answer(
        &mut a,
        id,
        Ok(CreateGroupResponse {
            request_id: "R1".into(),
            group_id: "room42".into(),
            already_exists: true,
            already_delete: true,
        }),
    );
    match &a.overlay {
        Some(Overlay::Create(f)) => {
            let (_, text) = f.message.clone().unwrap();
            assert!(text.contains("deleted ID cannot be used again"), "{text}");
        }
        other => panic!("form should stay open: {other:?}"),
    }
    // Change the ID and try again: success closes the form and reloads.
    keys(&mut a, &["up", "up", "up"]);
    type_text(&mut a, "b");
    press(&mut a, "enter");
    let (id, req) = only::<CreateGroupRequest>(&a.take_commands());
    assert_eq!(req.group_id, "room42b");
    answer(
        &mut a,
        id,
        Ok(CreateGroupResponse {
            request_id: "R2".into(),
            group_id: "room42b".into(),
            already_exists: false,
            already_delete: false,
        }),
    );
    assert!(a.overlay.is_none());
    assert!(
        a.status
            .toast
            .as_ref()
            .unwrap()
            .text
            .contains("Created group room42b")
    );
    assert_eq!(page_loads(&a.take_commands()), vec![1]);
    assert_eq!(a.browser.select_after_load.as_deref(), Some("room42b"));
}

#[test]
fn delete_asks_for_the_typed_id_and_enter_deletes_once_it_matches() {
    let mut a = loaded(10);
    let target = selected_id(&a);
    press(&mut a, "d");
    assert!(matches!(a.overlay, Some(Overlay::Confirm(_))));
    // Enter right away: nothing is deleted; the dialog says what is missing.
    press(&mut a, "enter");
    assert!(a.take_commands().is_empty());
    let Some(Overlay::Confirm(d)) = &a.overlay else {
        panic!("the dialog stays open")
    };
    assert!(
        d.message
            .as_deref()
            .unwrap()
            .contains(&format!("Type {target}")),
        "{:?}",
        d.message
    );
    // A wrong ID: still nothing, even with Delete chosen.
    type_text(&mut a, "wrong");
    press(&mut a, "tab");
    press(&mut a, "enter");
    assert!(a.take_commands().is_empty(), "wrong ID: nothing sent");
    assert!(matches!(a.overlay, Some(Overlay::Confirm(_))));
    // Choosing Cancel cancels; esc too.
    press(&mut a, "tab");
    press(&mut a, "enter");
    assert!(a.overlay.is_none());
    press(&mut a, "d");
    type_text(&mut a, &target);
    press(&mut a, "esc");
    assert!(a.overlay.is_none());
    assert!(a.take_commands().is_empty());

    // The matching ID, then Enter: deleted (the old dialog cancelled here,
    // because the focus had stayed on Cancel).
    press(&mut a, "d");
    type_text(&mut a, &target);
    press(&mut a, "enter");
    let (id, req) = only::<DeleteGroupRequest>(&a.take_commands());
    assert_eq!(req.group_id, target);
    assert_eq!(req.operator_id.as_deref(), Some("mod1"));
    answer(
        &mut a,
        id,
        Ok(DeleteGroupResponse {
            request_id: "RD".into(),
            group_id: target.clone(),
        }),
    );
    assert!(
        a.status
            .toast
            .as_ref()
            .unwrap()
            .text
            .contains("Deleted group")
    );
    assert_eq!(page_loads(&a.take_commands()), vec![1]);
}

#[test]
fn compose_sends_and_a_failed_send_keeps_everything() {
    let mut a = loaded(10);
    press(&mut a, "m");
    assert_eq!(a.focus, Focus::Compose);
    assert_eq!(a.compose.field, Field::Body);
    let target = selected_id(&a);
    // Replace the template with our own text; q and j are text here.
    a.compose.body.set_text("");
    type_text(&mut a, "quiet please");
    press(&mut a, "enter");
    type_text(&mut a, "jk");
    assert_eq!(a.compose.body.text(), "quiet please\njk");
    let tid = a.compose.tid.value().to_string();
    press(&mut a, "ctrl-s");
    let (id, req) = only::<SendMessageRequest>(&a.take_commands());
    assert_eq!(req.group_id, target);
    assert_eq!(req.sender_id, "mod1");
    assert_eq!(req.msg_type, Some(1));
    assert_eq!(req.msg_tid.as_deref(), Some(tid.as_str()));
    assert_eq!(req.body.as_deref(), Some("quiet please\njk"));
    assert_eq!(req.weight, Some(1));
    assert_eq!(req.no_storage, Some(false));
    // A second ctrl-s while in flight does not send twice.
    press(&mut a, "ctrl-s");
    assert!(a.take_commands().is_empty());

    answer::<SendMessageResponse>(&mut a, id, Err(service_error("InvalidGroup")));
    assert_eq!(a.compose.body.text(), "quiet please\njk", "text kept");
    assert_eq!(a.compose.tid.value(), tid, "MsgTid kept for the retry");
    let e = a.status.error.clone().unwrap();
    assert_eq!(e.code, "InvalidGroup");
    assert_eq!(e.request_id.as_deref(), Some("REQ-ERR-1"));

    press(&mut a, "ctrl-s");
    let (id, req) = only::<SendMessageRequest>(&a.take_commands());
    assert_eq!(req.msg_tid.as_deref(), Some(tid.as_str()));
    answer(
        &mut a,
        id,
        Ok(SendMessageResponse {
            request_id: "RS1".into(),
            msg_tid: tid.clone(),
        }),
    );
    assert_eq!(a.compose.sent.len(), 1);
    assert_eq!(a.compose.sent[0].request_id, "RS1");
    let (ok, text) = a.compose.last.clone().unwrap();
    assert!(ok && text.contains(&tid) && text.contains("RS1"), "{text}");
    assert_ne!(
        a.compose.tid.value(),
        tid,
        "a fresh MsgTid for the next message"
    );
}

#[test]
fn compose_fields_types_and_json_check() {
    let mut a = loaded(10);
    press(&mut a, "m");
    // Tab from Body wraps to Type; → picks the next type and its template.
    press(&mut a, "tab");
    assert_eq!(a.compose.field, Field::Type);
    press(&mut a, "right");
    assert_eq!(a.compose.msg_type(&a.ctx.catalogue).unwrap().number, 2);
    assert!(a.compose.body.text().contains("\"level\""));
    // Break the JSON: sending is refused with a clear reason and nothing is sent.
    a.compose.body.set_text("{not json");
    press(&mut a, "ctrl-s");
    assert!(a.take_commands().is_empty());
    let (_, why) = a.compose.last.clone().unwrap();
    assert!(why.contains("Body must be JSON"), "{why}");
    // Toggles and numbers.
    a.compose.body.set_text("{\"ok\": true}");
    keys(&mut a, &["tab", "tab", "tab", "tab"]);
    assert_eq!(a.compose.field, Field::Weight);
    keys(&mut a, &["backspace"]);
    type_text(&mut a, "5x");
    assert_eq!(a.compose.weight.value(), "5", "numbers only");
    keys(&mut a, &["tab", "tab", "space", "tab", "space"]);
    assert!(a.compose.no_storage && a.compose.no_cache);
    press(&mut a, "ctrl-n");
    press(&mut a, "ctrl-s");
    let (_, request) = only::<SendMessageRequest>(&a.take_commands());
    assert_eq!(request.msg_type, Some(2));
    assert_eq!(request.weight, Some(5));
    assert_eq!(request.no_storage, Some(true));
    assert_eq!(request.no_cache, Some(true));
    // ctrl-e asks the loop to open $EDITOR with the Body.
    press(&mut a, "ctrl-e");
    assert_eq!(
        a.take_effects(),
        vec![Effect::EditBody("{\"ok\": true}".into())]
    );
    a.handle(Msg::EditorDone(Ok("edited".into())));
    assert_eq!(a.compose.body.text(), "edited");
}

#[test]
fn paste_goes_to_the_focused_field() {
    let mut a = loaded(3);
    press(&mut a, "m");
    a.compose.body.set_text("");
    a.handle(Msg::Paste("line1\nline2".into()));
    assert_eq!(a.compose.body.text(), "line1\nline2");
}

#[test]
fn read_only_does_not_bind_mutations() {
    let mut ctx = Context::demo();
    ctx.read_only = true;
    let mut a = app_with(ctx);
    a.start();
    answer_pages(&mut a, 10);
    press(&mut a, "c");
    // The disabled key says why nothing happened, once.
    let toast = a.status.toast.clone().unwrap().text;
    assert_eq!(toast, "read-only: create is disabled");
    a.status.toast = None;
    press(&mut a, "c");
    assert!(a.status.toast.is_none(), "said once");
    keys(&mut a, &["d", "m"]);
    assert!(a.overlay.is_none());
    assert_eq!(a.focus, Focus::Browser);
    keys(&mut a, &["tab", "tab"]);
    assert_eq!(a.focus, Focus::Browser, "no compose pane in the tab cycle");
    assert!(a.take_commands().is_empty());
    let help: String = super::panes::help::lines(&a.keymap, &a.theme, 100)
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect();
    assert!(!help.contains("Create a group"), "{help}");
    assert!(!help.contains("Delete the selected"), "{help}");
    assert!(!help.contains("Send the message"), "{help}");
    assert!(help.contains("Reload the current page"));
}

#[test]
fn copy_id_emits_osc52_effect() {
    let mut a = loaded(3);
    let id = selected_id(&a);
    press(&mut a, "y");
    assert_eq!(a.take_effects(), vec![Effect::Copy(id.clone())]);
    // It says what was done, not what was hoped (the terminal may ignore it).
    let toast = a.status.toast.clone().unwrap().text;
    assert!(!toast.contains("Copied"), "{toast}");
    assert!(
        toast.contains(&format!("Asked the terminal to copy GroupId {id} (OSC 52)")),
        "{toast}"
    );
    let mut ctx = Context::demo();
    ctx.multiplexer = super::terminal::Multiplexer::Tmux;
    let mut a = app_with(ctx);
    a.start();
    answer_pages(&mut a, 3);
    press(&mut a, "y");
    let toast = a.status.toast.clone().unwrap().text;
    assert!(toast.contains("wrapped for tmux"), "{toast}");
}

#[test]
fn errors_and_panics_from_the_worker_show_and_the_console_goes_on() {
    let mut a = loaded(100);
    press(&mut a, "pgdn");
    let (id, _) = only::<ListGroupsRequest>(&a.take_commands());
    answer::<ListGroupsResponse>(&mut a, id, Err(service_error("Throttling.User")));
    let e = a.status.error.clone().unwrap();
    assert_eq!(e.code, "Throttling.User");
    assert_eq!(e.request_id.as_deref(), Some("REQ-ERR-1"));
    assert_eq!(a.browser.query.page_number, 1, "back to the page shown");
    assert!(!a.busy());

    press(&mut a, "pgdn");
    let (id, _) = only::<ListGroupsRequest>(&a.take_commands());
    a.handle(Msg::Worker(Event::Failed {
        id,
        message: "boom".into(),
    }));
    assert!(a.status.error.as_ref().unwrap().message.contains("boom"));
    assert!(!a.busy());
    a.handle(Msg::Worker(Event::Restarted {
        message: "loop".into(),
    }));
    assert!(
        a.status
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("restarted")
    );
    press(&mut a, "pgdn");
    assert_eq!(page_loads(&a.take_commands()), vec![2]);
}

#[test]
fn toasts_expire() {
    let mut a = loaded(3);
    press(&mut a, "y");
    assert!(a.status.toast.is_some());
    assert!(!a.status.expire(Instant::now()));
    assert!(a.status.expire(Instant::now() + Duration::from_secs(10)));
    assert!(a.status.toast.is_none());
}

#[test]
fn config_keys_rebind_and_bad_ones_fail_at_startup() {
    let mut ctx = Context::demo();
    ctx.keys.insert("refresh".into(), vec!["f5".into()]);
    ctx.keys
        .insert("down".into(), vec!["down".into(), "n".into()]);
    let mut a = app_with(ctx);
    a.start();
    answer_pages(&mut a, 10);
    press(&mut a, "n");
    assert_eq!(selected_id(&a), "room008");
    press(&mut a, "r");
    assert!(a.take_commands().is_empty());
    press(&mut a, "f5");
    assert_eq!(page_loads(&a.take_commands()), vec![1]);

    let mut ctx = Context::demo();
    ctx.keys.insert("explode".into(), vec!["x".into()]);
    assert!(App::new(ctx).err().unwrap().contains("unknown action"));
    let mut ctx = Context::demo();
    ctx.theme.insert("accent".into(), "not-a-colour".into());
    assert!(App::new(ctx).err().unwrap().contains("accent"));
}

#[test]
fn mouse_clicks_select_rows_only_when_enabled() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let click = |row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let mut a = loaded(10);
    let _ = frame_text(&mut a, 80, 24);
    // Row 0 header, 1 border, 2 table header, 3.. rows.
    a.handle(Msg::Mouse(click(5)));
    assert_eq!(selected_id(&a), "room009", "mouse off by default");

    let mut ctx = Context::demo();
    ctx.mouse = true;
    let mut a = app_with(ctx);
    a.start();
    answer_pages(&mut a, 10);
    let _ = frame_text(&mut a, 80, 24);
    a.handle(Msg::Mouse(click(5)));
    assert_eq!(selected_id(&a), "room007");
    a.handle(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 5,
        row: 5,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(selected_id(&a), "room006");
}

// ---------------------------------------------------------------- rendering

fn draw(a: &mut App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, a)).unwrap();
    t.backend().buffer().clone()
}

/// The row of the buffer whose text contains `needle`.
fn row_of(buf: &Buffer, needle: &str) -> u16 {
    let text = buffer_text(buf);
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{text}")) as u16
}

fn col_of(buf: &Buffer, y: u16, needle: &str) -> u16 {
    let n = needle.chars().count() as u16;
    (0..buf.area.width.saturating_sub(n - 1))
        .find(|&x| (x..x + n).map(|i| buf[(i, y)].symbol()).collect::<String>() == needle)
        .unwrap_or_else(|| panic!("{needle:?} not on row {y}"))
}

#[test]
fn browser_frame_80x24() {
    let mut a = loaded(45);
    insta::assert_snapshot!("browser_80x24", frame_text(&mut a, 80, 24));
}

#[test]
fn wide_frame_shows_browser_and_detail() {
    let mut a = loaded(45);
    press(&mut a, "j");
    insta::assert_snapshot!("wide_120x40", frame_text(&mut a, 120, 40));
}

#[test]
fn detail_frame_pretty_prints_json() {
    let mut a = loaded(45);
    // room042: admins uid1,uid2; JSON info (42 % 3 == 0).
    keys(&mut a, &["j", "j", "enter"]);
    assert_eq!(selected_id(&a), "room042");
    let text = frame_text(&mut a, 80, 24);
    insta::assert_snapshot!("detail_80x24", text);
    assert!(text.contains("\"topic\": \"launch\""));
}

#[test]
fn compose_frame() {
    let mut a = loaded(45);
    press(&mut a, "m");
    insta::assert_snapshot!(
        "compose_80x24",
        frame_text(&mut a, 80, 24).replace(a.compose.tid.value(), "<msgtid>")
    );
}

/// The text inside the dialog whose top border holds `title`, one string with
/// its rows joined by spaces (so a wrapped sentence reads whole).
fn dialog_text(frame: &str, title: &str) -> String {
    let rows: Vec<Vec<char>> = frame.lines().map(|l| l.chars().collect()).collect();
    let top = rows
        .iter()
        .position(|r| r.iter().collect::<String>().contains(title))
        .unwrap_or_else(|| panic!("no dialog {title:?} in\n{frame}"));
    let left = rows[top].iter().position(|&c| c == '┌').unwrap();
    let right = left + rows[top][left..].iter().position(|&c| c == '┐').unwrap();
    let mut words = Vec::new();
    for r in &rows[top + 1..] {
        if r.get(left) == Some(&'└') {
            break;
        }
        let inner: String = r[left + 1..right.min(r.len())].iter().collect();
        words.extend(inner.split_whitespace().map(str::to_string));
    }
    words.join(" ")
}

#[test]
fn dialogs_wrap_their_sentences_at_every_size() {
    let delete_warning =
        "Members are notified; messages are kept for 30 days. The ID can never be used again.";
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let mut a = loaded(45);
        press(&mut a, "d");
        let frame = frame_text(&mut a, w, h);
        insta::assert_snapshot!(format!("delete_dialog_{w}x{h}"), frame);
        let text = dialog_text(&frame, "Delete group");
        assert!(
            text.contains("Delete group room044? This cannot be undone."),
            "{text}"
        );
        assert!(text.contains(delete_warning), "{w}x{h}: {text}");
        assert!(
            text.contains(
                "enter: delete once the answer matches · tab: choose a button · esc: cancel"
            ),
            "{text}"
        );
        assert!(!text.contains('…'), "nothing cut off at {w}x{h}: {text}");

        let mut a = loaded(45);
        keys(&mut a, &["space", "j", "space", "j", "space", "m"]);
        a.compose.tid = tui_input::Input::new("0123456789abcdef0123456789abcdef".into());
        press(&mut a, "ctrl-s");
        let frame = frame_text(&mut a, w, h);
        insta::assert_snapshot!(format!("send_to_marked_{w}x{h}"), frame);
        let text = dialog_text(&frame, "Send to 3 groups");
        assert!(text.contains("Send this message to 3 groups?"), "{text}");
        assert!(text.contains("room042, room043, room044"), "{text}");
        assert!(
            text.contains("a sent message cannot be recalled from here."),
            "{text}"
        );
    }
}

#[test]
fn dialogs_and_help_frames() {
    let mut a = loaded(45);
    press(&mut a, "c");
    type_text(&mut a, "bad id");
    insta::assert_snapshot!("create_80x24", frame_text(&mut a, 80, 24));
    press(&mut a, "esc");
    press(&mut a, "d");
    type_text(&mut a, "room0");
    insta::assert_snapshot!("delete_80x24", frame_text(&mut a, 80, 24));
    press(&mut a, "esc");
    press(&mut a, "?");
    insta::assert_snapshot!("help_100x40", frame_text(&mut a, 100, 40));
    press(&mut a, "esc");
    press(&mut a, ":");
    type_text(&mut a, "page 3");
    let text = frame_text(&mut a, 80, 24);
    assert!(
        text.lines().last().unwrap().starts_with(":page 3"),
        "{text}"
    );
}

#[test]
fn selection_and_deleted_rows_are_styled() {
    let mut a = loaded(45);
    let buf = draw(&mut a, 80, 24);
    let y = row_of(&buf, "room044");
    assert_eq!(buf[(5, y)].bg, Color::Blue, "selected row");
    assert!(buf[(5, y)].modifier.contains(Modifier::BOLD));
    // room038 is deleted (38 % 7 == 3).
    let y = row_of(&buf, "room038");
    assert!(buf[(3, y)].modifier.contains(Modifier::DIM));
    assert_eq!(buf[(3, y)].fg, Color::DarkGray);
    let x = col_of(&buf, y, "deleted");
    assert_eq!(buf[(x, y)].symbol(), "d");
    let y = row_of(&buf, "room037");
    assert!(!buf[(3, y)].modifier.contains(Modifier::DIM));
}

#[test]
fn no_color_keeps_the_selection_visible() {
    let mut ctx = Context::demo();
    ctx.no_color = true;
    ctx.read_only = true;
    let mut a = app_with(ctx);
    a.start();
    answer_pages(&mut a, 45);
    let buf = draw(&mut a, 80, 24);
    let y = row_of(&buf, "room044");
    assert!(buf[(5, y)].modifier.contains(Modifier::REVERSED));
    assert_eq!(buf[(5, y)].bg, Color::Reset);
    let x = col_of(&buf, 0, " RO ");
    assert!(buf[(x + 1, 0)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn ro_badge_errors_and_spinner_are_styled() {
    let mut ctx = Context::demo();
    ctx.read_only = true;
    let mut a = app_with(ctx);
    a.start();
    let buf = draw(&mut a, 80, 24);
    let x = col_of(&buf, 0, " RO ");
    assert_eq!(buf[(x + 1, 0)].bg, Color::Red);
    assert!(
        buffer_text(&buf)
            .lines()
            .next()
            .unwrap()
            .contains("loading page 1")
    );
    let (id, _) = only::<ListGroupsRequest>(&a.take_commands());
    answer::<ListGroupsResponse>(&mut a, id, Err(service_error("NoAuth")));
    let buf = draw(&mut a, 80, 24);
    let text = buffer_text(&buf);
    let last = text.lines().nth(23).unwrap();
    assert!(
        last.contains("NoAuth") && last.contains("REQ-ERR-1"),
        "{last}"
    );
    assert_eq!(buf[(2, 23)].fg, Color::Red);
    assert!(
        !text.lines().next().unwrap().contains("loading"),
        "spinner gone when idle"
    );
}

#[test]
fn too_small_terminals_get_a_notice() {
    let mut a = loaded(5);
    let text = frame_text(&mut a, 60, 20);
    assert!(text.contains("Terminal too small"), "{text}");
    assert!(text.contains("at least 80×24"), "{text}");
}

#[test]
fn no_size_panics() {
    let mut a = loaded(45);
    a.browser.groups[0].group_name = "直播间 🎉 wide chars".into();
    a.browser.groups[1].group_info = "x".repeat(32 * 1024);
    press(&mut a, "j"); // group with 32 KB info selected
    let mut sizes = Vec::new();
    for w in 1..=40u16 {
        for h in 1..=20u16 {
            sizes.push((w, h));
        }
    }
    for w in (41..=300u16).step_by(13) {
        for h in (1..=100u16).step_by(7) {
            sizes.push((w, h));
        }
    }
    sizes.extend([(80, 24), (81, 25), (119, 40), (120, 40), (300, 100)]);
    let states: Vec<fn(&mut App)> = vec![
        |_| {},
        |a| press(a, "enter"),
        |a| press(a, "m"),
        |a| press(a, "c"),
        |a| press(a, "d"),
        |a| press(a, "?"),
        |a| {
            press(a, "/");
            type_text(a, "room");
        },
    ];
    let mut t = Terminal::new(TestBackend::new(1, 1)).unwrap();
    for setup in &states {
        let mut a = loaded(45);
        a.browser.groups[0].group_name = "直播间 🎉 wide chars".into();
        a.browser.groups[1].group_info = "x".repeat(32 * 1024);
        press(&mut a, "j");
        setup(&mut a);
        for &(w, h) in &sizes {
            t.backend_mut().resize(w, h);
            t.resize(ratatui::layout::Rect::new(0, 0, w, h)).unwrap();
            t.draw(|f| ui::draw(f, &mut a)).unwrap();
        }
    }
    let _ = frame_text(&mut a, 300, 100);
}

// Speed is measured in benches/tui.rs (criterion), not in timed tests.

// ------------------------------------------------------- drafts and outbox

fn app_in(dir: &std::path::Path) -> App {
    let mut ctx = Context::demo();
    ctx.data_dir = Some(dir.to_path_buf());
    let mut a = app_with(ctx);
    a.start();
    answer_pages(&mut a, 10);
    a
}

/// Does what the worker does for every queued outbox command; returns the others.
fn run_outbox_ops(a: &mut App, outbox: &crate::outbox::Outbox) -> Vec<Command> {
    let mut others = Vec::new();
    for c in a.take_commands() {
        match c {
            Command::Outbox { id, op } => {
                let result =
                    crate::delivery::apply(outbox, op, chrono::DateTime::<chrono::Utc>::MIN_UTC)
                        .map_err(|e| e.to_string());
                a.handle(Msg::Worker(Event::Outbox { id, result }));
            }
            other => others.push(other),
        }
    }
    others
}

#[test]
fn drafts_are_kept_per_group_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app_in(dir.path());
    press(&mut a, "m");
    a.compose.body.set_text("");
    type_text(&mut a, "for room009");
    assert!(a.next_draft_save().is_some(), "a save is pending");
    // Another group gets its own (fresh) message...
    keys(&mut a, &["esc", "j", "m"]);
    assert_eq!(a.compose.group().unwrap().group_id, "room008");
    assert_eq!(a.compose.body.text(), "Hello everyone!");
    // ...and going back restores the first one.
    keys(&mut a, &["esc", "k", "m"]);
    assert_eq!(a.compose.body.text(), "for room009");
    a.save_drafts(true);
    assert!(a.next_draft_save().is_none());

    // A new console (after a crash or a closed terminal) finds it again.
    let mut b = app_in(dir.path());
    press(&mut b, "m");
    assert_eq!(b.compose.body.text(), "for room009");
    assert!(
        b.status
            .toast
            .as_ref()
            .unwrap()
            .text
            .contains("Draft restored")
    );
    assert_eq!(b.compose.field, Field::Body);

    // Once sent, the draft goes (a restored sent message invites a duplicate).
    press(&mut b, "ctrl-s");
    let (id, request) = only::<SendMessageRequest>(&b.take_commands());
    answer(
        &mut b,
        id,
        Ok(SendMessageResponse {
            request_id: "R".into(),
            msg_tid: request.msg_tid.clone().unwrap(),
        }),
    );
    let c = app_in(dir.path());
    let key = crate::drafts::DraftKey::new("demo", None, "room009");
    assert!(c.drafts.as_ref().unwrap().get(&key).is_none());
}

#[test]
fn a_send_nobody_could_receive_can_be_kept_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app_in(dir.path());
    press(&mut a, "m");
    a.compose.body.set_text("");
    type_text(&mut a, "later");
    press(&mut a, "ctrl-s");
    let (id, request) = only::<SendMessageRequest>(&a.take_commands());
    let tid = request.msg_tid.clone().unwrap();
    answer::<SendMessageResponse>(
        &mut a,
        id,
        Err(ApiError::Service(ServiceError {
            status: 400,
            code: "InputInvalid".into(),
            message: "The group has no online users.".into(),
            request_id: Some("R0".into()),
            recommend: None,
            host_id: None,
            retry_after: None,
        })),
    );
    let (_, text) = a.compose.last.clone().unwrap();
    assert!(text.contains("ctrl-o keeps it in the outbox"), "{text}");
    press(&mut a, "ctrl-o");
    // The worker writes it (off the UI thread); run its op here.
    let outbox = crate::outbox::Outbox::in_dir(dir.path()).unwrap();
    run_outbox_ops(&mut a, &outbox);
    let (ok, text) = a.compose.last.clone().unwrap();
    assert!(ok && text.contains("Queued in the outbox"), "{text}");
    assert_ne!(a.compose.tid.value(), tid);
    assert_eq!(a.outbox_label().as_deref(), Some("outbox 1 queued"));
    let counts = outbox.counts().unwrap();
    assert_eq!(
        counts.get(&crate::outbox::State::Queued),
        Some(&1),
        "{counts:?}"
    );
}

#[test]
fn auto_refresh_reloads_only_when_idle() {
    let mut a = loaded(10);
    a.handle(Msg::AutoRefresh);
    assert_eq!(page_loads(&a.take_commands()), vec![1]);
    // A page load is already pending: nothing more.
    a.handle(Msg::AutoRefresh);
    assert!(a.take_commands().is_empty());
    answer_pages(&mut a, 10);
    press(&mut a, "c");
    a.handle(Msg::AutoRefresh);
    assert!(a.take_commands().is_empty(), "not under an open dialog");
}

#[test]
fn long_group_info_scrolls_in_detail() {
    let mut a = loaded(10);
    let info = (0..2000)
        .map(|i| format!("line {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    a.browser.groups[0].group_info = info;
    press(&mut a, "enter");
    let text = frame_text(&mut a, 80, 24);
    assert!(
        text.contains("line 0") && !text.contains("line 1999"),
        "{text}"
    );
    press(&mut a, "G");
    let text = frame_text(&mut a, 80, 24);
    assert!(text.contains("line 1999"), "{text}");
    assert!(text.contains("1988-2007/2007"), "position shown: {text}");
    press(&mut a, "pgup");
    press(&mut a, "g");
    let text = frame_text(&mut a, 80, 24);
    assert!(text.contains("GroupId    room009"), "{text}");
}

// ------------------------------------------------- outbox pane, marks, bulk

#[test]
fn outbox_pane_retries_discards_with_confirmation_and_resends_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app_in(dir.path());
    let outbox = crate::outbox::Outbox::in_dir(dir.path()).unwrap();
    run_outbox_ops(&mut a, &outbox);
    let mut req = crate::api::SendMessageRequest {
        app_id: "demo".into(),
        group_id: "room001".into(),
        sender_id: "mod1".into(),
        body: Some("hello".into()),
        msg_type: Some(88888),
        msg_tid: Some("TIDUNKNOWN".into()),
        ..Default::default()
    };
    let unknown = outbox
        .record_unknown(
            req.clone(),
            &crate::outbox::LastError::new("Timeout", "no reply"),
        )
        .unwrap();
    req.msg_tid = Some("TIDQ".into());
    let queued = outbox.enqueue(req).unwrap();
    press(&mut a, "o");
    assert_eq!(a.focus, Focus::Outbox);
    run_outbox_ops(&mut a, &outbox);
    assert_eq!(a.outbox_pane.snapshot.entries.len(), 2);
    assert_eq!(
        a.outbox_label().as_deref(),
        Some("outbox 1 queued · 1 unknown")
    );
    // Retry now on an unknown outcome is refused; A asks first, Cancel default.
    assert_eq!(a.outbox_pane.selected_entry().unwrap().id, unknown);
    press(&mut a, "t");
    assert!(run_outbox_ops(&mut a, &outbox).is_empty());
    press(&mut a, "A");
    assert!(matches!(a.overlay, Some(Overlay::Confirm(_))));
    press(&mut a, "enter");
    assert!(a.overlay.is_none());
    assert!(a.take_commands().is_empty(), "cancel is the default");
    press(&mut a, "A");
    press(&mut a, "tab");
    press(&mut a, "enter");
    run_outbox_ops(&mut a, &outbox);
    let e = outbox.get(unknown).unwrap();
    assert_eq!(e.state, crate::outbox::State::Queued);
    assert_eq!(e.msg_tid(), "TIDUNKNOWN", "same MsgTid");
    // Discard the other after confirming.
    press(&mut a, "j");
    assert_eq!(a.outbox_pane.selected_entry().unwrap().id, queued);
    press(&mut a, "x");
    press(&mut a, "tab");
    press(&mut a, "enter");
    run_outbox_ops(&mut a, &outbox);
    assert_eq!(
        outbox.get(queued).unwrap().state,
        crate::outbox::State::Discarded
    );
    // Edit and requeue through compose: a changed body gets a new MsgTid.
    press(&mut a, "k");
    press(&mut a, "e");
    assert_eq!(a.focus, Focus::Compose);
    assert_eq!(a.compose.requeue_of(), Some(unknown));
    type_text(&mut a, "!");
    press(&mut a, "ctrl-s");
    run_outbox_ops(&mut a, &outbox);
    let e = outbox.get(unknown).unwrap();
    assert_eq!(e.request.body.as_deref(), Some("hello!"));
    assert_eq!(
        e.request.msg_type,
        Some(88888),
        "a type outside the catalogue is kept"
    );
    assert_eq!(e.previous_msg_tid.as_deref(), Some("TIDUNKNOWN"));
    assert_eq!(a.focus, Focus::Outbox);
    let buf = draw(&mut a, 120, 30);
    let text = buffer_text(&buf);
    assert!(text.contains("Outbox"), "{text}");
    assert!(text.contains("discarded"), "{text}");
    assert!(text.contains("outbox 1 queued"), "{text}");
}

#[test]
fn marks_bulk_delete_needs_one_typed_confirmation_and_bulk_send_reports() {
    let mut a = loaded(10);
    keys(&mut a, &["space", "j", "space", "j", "space"]);
    assert_eq!(a.browser.marked.len(), 3);
    let buf = draw(&mut a, 100, 30);
    let y = row_of(&buf, "● room009");
    let x = col_of(&buf, y, "● room009");
    assert!(
        buf[(x + 2, y)].modifier.contains(Modifier::BOLD) || buf[(x + 2, y)].fg == Color::Yellow,
        "marked rows are styled"
    );
    assert!(buffer_text(&buf).contains("3 marked"));
    press(&mut a, "d");
    let Some(Overlay::Confirm(d)) = &a.overlay else {
        panic!("one confirmation")
    };
    assert!(d.lines.iter().any(|l| l.contains("room009")));
    press(&mut a, "tab");
    press(&mut a, "enter");
    assert!(a.take_commands().is_empty(), "typing is required");
    type_text(&mut a, "DELETE 3");
    press(&mut a, "enter");
    let (id, job) = bulk_job(&a.take_commands());
    assert_eq!(job.len(), 3);
    a.handle(Msg::Worker(Event::BulkProgress {
        id,
        progress: crate::bulk::Progress {
            total: 3,
            done: 1,
            failed: 1,
            ..Default::default()
        },
    }));
    assert!(
        a.bulk_label()
            .unwrap()
            .starts_with("deleting 2/3 · 1 failed")
    );
    press(&mut a, "esc");
    assert!(
        a.take_commands()
            .iter()
            .any(|c| matches!(c, Command::CancelBulk { id: i } if *i == id))
    );
    a.handle(Msg::Worker(Event::BulkDone {
        id,
        job,
        results: vec![
            Outcome::Done("R1".into()),
            Outcome::Refused(service_error("InvalidGroupId.NotFound")),
            Outcome::NotAttempted,
        ],
        cancelled: true,
    }));
    let Some(Overlay::BulkSummary(s)) = &a.overlay else {
        panic!("summary")
    };
    assert!(s.lines[0].contains("1/3 deleted · 1 failed · 1 not attempted"));
    assert!(a.pending.bulk().is_none());
    assert_eq!(a.browser.marked.len(), 2, "done ones are unmarked");
}

#[test]
fn bulk_send_asks_first_goes_to_every_marked_group_and_lands_in_the_sent_log() {
    let mut a = loaded(10);
    keys(&mut a, &["space", "j", "space"]);
    press(&mut a, "m");
    assert_eq!(a.compose.marked().len(), 2);
    a.compose.body.set_text("");
    type_text(&mut a, "to both");
    // ctrl-s asks "send to 2 groups?" first; Cancel is the default.
    press(&mut a, "ctrl-s");
    assert!(
        a.take_commands().is_empty(),
        "nothing sent before confirming"
    );
    let Some(Overlay::Confirm(d)) = &a.overlay else {
        panic!("a bulk send asks first")
    };
    assert!(
        d.lines[0].contains("Send this message to 2 groups?"),
        "{:?}",
        d.lines
    );
    press(&mut a, "enter");
    assert!(a.take_commands().is_empty(), "cancel is the default");
    press(&mut a, "ctrl-s");
    press(&mut a, "tab");
    press(&mut a, "enter");
    let (id, job) = bulk_job(&a.take_commands());
    assert_eq!(job.len(), 2);
    a.handle(Msg::Worker(Event::BulkDone {
        id,
        job,
        results: vec![Outcome::Done("R1".into()), Outcome::Done("R2".into())],
        cancelled: false,
    }));
    assert_eq!(a.compose.sent.len(), 2);
    press(&mut a, "esc"); // closes the summary
    // The compose pane says what was sent and no longer points at the marks
    // (they were cleared): the same message cannot go out twice.
    assert_eq!(a.focus, Focus::Compose);
    let text = buffer_text(&draw(&mut a, 120, 30));
    assert!(!text.contains("2 marked groups"), "{text}");
    assert!(text.contains("2/2 sent"), "{text}");
    press(&mut a, "ctrl-s");
    assert!(a.take_commands().is_empty(), "no second send");
    assert!(a.overlay.is_none(), "and no second prompt");
    press(&mut a, "esc");
    press(&mut a, "L");
    assert!(matches!(a.overlay, Some(Overlay::SentLog { .. })));
    let text = buffer_text(&draw(&mut a, 120, 30));
    assert!(text.contains("Sent this session: 2"), "{text}");
    assert!(text.contains("R2"), "{text}");
}

#[test]
fn a_crash_during_a_bulk_run_clears_it_and_later_runs_are_allowed() {
    let mut a = loaded(10);
    keys(&mut a, &["space", "j", "space", "d"]);
    type_text(&mut a, "DELETE 2");
    press(&mut a, "enter");
    let (id, _) = bulk_job(&a.take_commands());
    a.handle(Msg::Worker(Event::BulkProgress {
        id,
        progress: crate::bulk::Progress {
            total: 2,
            done: 1,
            ..Default::default()
        },
    }));
    assert!(a.bulk_label().unwrap().starts_with("deleting 1/2"));
    a.handle(Msg::Worker(Event::Failed {
        id,
        message: "boom".into(),
    }));
    assert!(a.bulk_label().is_none(), "no stuck progress");
    assert!(!a.busy());
    // The next bulk run starts.
    press(&mut a, "esc");
    press(&mut a, "d");
    type_text(&mut a, "DELETE 2");
    press(&mut a, "enter");
    bulk_job(&a.take_commands());
    assert!(a.pending.bulk().is_some());
}

#[test]
fn bulk_sends_with_an_unknown_outcome_are_kept_as_outcome_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app_in(dir.path());
    let outbox = crate::outbox::Outbox::in_dir(dir.path()).unwrap();
    run_outbox_ops(&mut a, &outbox);
    keys(
        &mut a,
        &[
            "space", "j", "space", "j", "space", "m", "ctrl-s", "tab", "enter",
        ],
    );
    let (id, job) = bulk_job(&a.take_commands());
    let unknown = ApiError::Transport {
        phase: crate::api::error::TransportPhase::OutcomeUnknown,
        message: "connection reset after the request was written".into(),
    };
    let refused = ApiError::Transport {
        phase: crate::api::error::TransportPhase::NotSent,
        message: "connection refused".into(),
    };
    a.handle(Msg::Worker(Event::BulkDone {
        id,
        job,
        results: vec![
            Outcome::Done("R1".into()),
            Outcome::Unknown(unknown),
            Outcome::NotSent(refused),
        ],
        cancelled: false,
    }));
    let Some(Overlay::BulkSummary(s)) = &a.overlay else {
        panic!("summary")
    };
    assert!(
        s.lines.iter().any(|l| l.contains("outcome unknown")),
        "{:?}",
        s.lines
    );
    press(&mut a, "ctrl-o");
    run_outbox_ops(&mut a, &outbox);
    let counts = outbox.counts().unwrap();
    assert_eq!(
        counts.get(&crate::outbox::State::OutcomeUnknown),
        Some(&1),
        "{counts:?}"
    );
    assert_eq!(
        counts.get(&crate::outbox::State::Queued),
        Some(&1),
        "{counts:?}"
    );
}

#[test]
fn read_only_does_not_bind_outbox_or_bulk_mutations() {
    let mut ctx = Context::demo();
    ctx.read_only = true;
    let a = app_with(ctx);
    for act in [
        super::action::Action::RetryNow,
        super::action::Action::Discard,
        super::action::Action::EditEntry,
        super::action::Action::ResendAnyway,
        super::action::Action::Compose,
        super::action::Action::Delete,
    ] {
        assert!(!a.keymap.is_bound(act), "{act:?}");
    }
}

#[test]
fn esc_cancels_a_running_bulk_send_from_compose() {
    let mut a = loaded(10);
    keys(
        &mut a,
        &["space", "j", "space", "m", "ctrl-s", "tab", "enter"],
    );
    let (id, _) = bulk_job(&a.take_commands());
    assert_eq!(a.focus, Focus::Compose);
    let label = a.bulk_label().unwrap();
    assert!(label.contains("esc cancels"), "{label}");
    // The first Esc does what the status line says (it used to only leave compose).
    press(&mut a, "esc");
    let cmds = a.take_commands();
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::CancelBulk { id: i } if *i == id)),
        "{cmds:?}"
    );
    assert_eq!(
        a.focus,
        Focus::Compose,
        "the first esc cancels, nothing else"
    );
    assert!(a.bulk_label().unwrap().contains("cancelling"));
    press(&mut a, "esc");
    assert_eq!(a.focus, Focus::Browser);
    assert!(a.take_commands().is_empty(), "cancelled once");
}

#[test]
fn row_keys_wait_while_another_page_loads() {
    let mut a = loaded(45);
    let old_first = selected_id(&a);
    press(&mut a, "pgdn");
    assert!(a.rows_are_stale());
    // The rows on screen stay labelled as the page they are.
    assert_eq!(a.browser.page_label(), "page 1/3 · 45 groups");
    let text = frame_text(&mut a, 200, 50);
    assert!(text.contains("Groups page 1/3 · 45 groups"), "{text}");
    assert!(text.contains("loading page 2…"), "{text}");
    // Space, Enter, d, y and m would act on rows about to leave the screen.
    keys(&mut a, &["space", "enter", "d", "y", "m"]);
    assert!(
        a.browser.marked.is_empty(),
        "nothing marked on the old page"
    );
    assert_eq!(a.focus, Focus::Browser);
    assert!(a.overlay.is_none());
    assert!(a.take_effects().is_empty());
    let toast = a.status.toast.clone().unwrap().text;
    assert!(toast.contains("Page 2 is loading"), "{toast}");
    answer_pages(&mut a, 45);
    assert!(!a.rows_are_stale());
    press(&mut a, "space");
    assert_eq!(a.browser.marked.len(), 1);
    assert!(
        !a.browser.marked.contains_key(&old_first),
        "a row of the new page"
    );
    // A reload of the same page keeps the rows: row keys work meanwhile.
    press(&mut a, "r");
    assert!(!a.rows_are_stale());
    press(&mut a, "enter");
    assert_eq!(a.focus, Focus::Detail);
}

#[test]
fn help_and_quit_are_pinned_right_and_hints_follow_the_dialog() {
    for w in [80u16, 120, 200] {
        let mut a = loaded(45);
        let text = frame_text(&mut a, w, 24);
        let last = text.lines().last().unwrap();
        assert!(last.trim_end().ends_with("? help  q quit"), "{w}: {last:?}");
        assert!(last.contains("enter detail"), "{last}");
        // A dialog's own keys, not the browser's.
        press(&mut a, "c");
        let text = frame_text(&mut a, w, 24);
        let last = text.lines().last().unwrap();
        assert!(last.contains("enter create"), "{last}");
        assert!(!last.contains("next page"), "{last}");
        assert!(last.trim_end().ends_with("esc close"), "{last:?}");
        press(&mut a, "esc");
        // In compose, q is text: Esc and ctrl-c are what leave.
        press(&mut a, "m");
        let text = frame_text(&mut a, w, 24);
        let last = text.lines().last().unwrap();
        assert!(
            last.trim_end().ends_with("esc back  ctrl-c quit"),
            "{last:?}"
        );
    }
}

#[test]
fn compose_says_priority_and_stats_and_why_a_key_was_refused() {
    let mut a = loaded(10);
    press(&mut a, "m");
    keys(&mut a, &["tab", "tab", "tab", "tab", "tab"]);
    assert_eq!(a.compose.field, Field::Weight);
    press(&mut a, "x");
    assert_eq!(a.compose.weight.value(), "1", "refused");
    let text = frame_text(&mut a, 80, 24);
    assert!(text.contains("Weight/priority"), "{text}");
    assert!(
        text.contains("StaticsIncrease/counts toward stats"),
        "{text}"
    );
    assert!(
        text.contains("NoCache"),
        "nothing cut off at 80 columns: {text}"
    );
    // Beside the browser at 120 columns the labels go on their own lines.
    let wide = frame_text(&mut a, 120, 40);
    assert!(
        wide.contains("StaticsIncrease/counts toward stats"),
        "{wide}"
    );
    assert!(
        text.contains("Weight (priority) takes a number: 'x' was not typed"),
        "{text}"
    );
    press(&mut a, "2");
    assert_eq!(a.compose.weight.value(), "12");
    assert!(!frame_text(&mut a, 80, 24).contains("was not typed"));
}
