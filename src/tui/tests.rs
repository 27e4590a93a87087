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

pub(super) fn demo_group(i: usize) -> Group {
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
pub(super) fn reply(req: &ListGroupsRequest, total: usize) -> ListGroupsResponse {
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

// ---------------------------------------------------------------- rendering

fn draw(a: &App, w: u16, h: u16) -> Buffer {
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
    let a = loaded(45);
    insta::assert_snapshot!("browser_80x24", frame_text(&a, 80, 24));
}

#[test]
fn wide_frame_shows_browser_and_detail() {
    let mut a = loaded(45);
    press(&mut a, "j");
    insta::assert_snapshot!("wide_120x40", frame_text(&a, 120, 40));
}

#[test]
fn detail_frame_pretty_prints_json() {
    let mut a = loaded(45);
    // room042: admins uid1,uid2; JSON info (42 % 3 == 0).
    keys(&mut a, &["j", "j", "enter"]);
    assert_eq!(selected_id(&a), "room042");
    let text = frame_text(&a, 80, 24);
    insta::assert_snapshot!("detail_80x24", text);
    assert!(text.contains("\"topic\": \"launch\""));
}

#[test]
fn compose_frame() {
    let mut a = loaded(45);
    press(&mut a, "m");
    insta::assert_snapshot!(
        "compose_80x24",
        frame_text(&a, 80, 24).replace(a.compose.tid.value(), "<msgtid>")
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
        let frame = frame_text(&a, w, h);
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
        let frame = frame_text(&a, w, h);
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
    insta::assert_snapshot!("create_80x24", frame_text(&a, 80, 24));
    press(&mut a, "esc");
    press(&mut a, "d");
    type_text(&mut a, "room0");
    insta::assert_snapshot!("delete_80x24", frame_text(&a, 80, 24));
    press(&mut a, "esc");
    press(&mut a, "?");
    insta::assert_snapshot!("help_100x40", frame_text(&a, 100, 40));
    press(&mut a, "esc");
    press(&mut a, ":");
    type_text(&mut a, "page 3");
    let text = frame_text(&a, 80, 24);
    assert!(
        text.lines().last().unwrap().starts_with(":page 3"),
        "{text}"
    );
}

#[test]
fn selection_and_deleted_rows_are_styled() {
    let a = loaded(45);
    let buf = draw(&a, 80, 24);
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
    let buf = draw(&a, 80, 24);
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
    let buf = draw(&a, 80, 24);
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
    let buf = draw(&a, 80, 24);
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
fn small_terminals_get_one_pane_and_tiny_ones_a_notice() {
    // Below 80×24: the focused pane alone, still usable (it used to be only
    // a notice).
    let mut a = loaded(5);
    let text = frame_text(&a, 60, 20);
    assert!(!text.contains("Terminal too small"), "{text}");
    assert!(text.contains("Groups"), "{text}");
    assert!(text.contains("room004"), "{text}");
    press(&mut a, "enter");
    let text = frame_text(&a, 60, 20);
    assert!(
        text.contains("Detail") && text.contains("GroupId"),
        "{text}"
    );
    // Too small for anything: a notice.
    let text = frame_text(&a, 25, 5);
    assert!(text.contains("Terminal too small"), "{text}");
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
        |a| {
            // A search over every group (the index filled by hand).
            a.browser.index.replace_all((0..300).map(demo_group));
            press(a, "/");
            type_text(a, "room1");
            a.settle();
        },
        |a| press(a, "Z"),
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
            t.draw(|f| ui::draw(f, &a)).unwrap();
        }
    }
    let _ = frame_text(&a, 300, 100);
}

// Speed is measured in benches/tui.rs (criterion), not in timed tests.

mod forms;
mod outbox_and_bulk;
mod outbox_pane;
mod polish;
mod shape;
mod update;
