//! The create form and the delete dialog, driven through `App::handle`, and
//! their frames at 80x24, 120x40 and 200x50 with nothing cut off.

use super::*;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

/// `s` with every random MsgTid (a run of 12 or more hex digits, whole or
/// cut to fit) shown as <msgtid>.
fn redact_tids(s: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    for c in s.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_hexdigit() && !c.is_ascii_uppercase() {
            run.push(c);
            continue;
        }
        if run.len() >= 12 {
            out.push_str("<msgtid>");
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// The words inside the box whose top border starts with `title` (a pane
/// beside another, or a dialog), rows joined so a wrapped sentence reads whole.
fn box_text(frame: &str, title: &str) -> String {
    let rows: Vec<Vec<char>> = frame.lines().map(|l| l.chars().collect()).collect();
    let corner = format!("┌ {title}");
    let (top, left) = rows
        .iter()
        .enumerate()
        .find_map(|(y, r)| {
            let line: String = r.iter().collect();
            let at = line.find(&corner)?;
            Some((y, line[..at].chars().count()))
        })
        .unwrap_or_else(|| panic!("no box {title:?} in\n{frame}"));
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

fn create_form(a: &App) -> &crate::tui::panes::create::CreateForm {
    match &a.overlay {
        Some(Overlay::Create(f)) => f,
        other => panic!("the create form expected: {other:?}"),
    }
}

#[test]
fn the_create_form_judges_a_field_once_it_is_left_not_before() {
    let mut a = loaded(10);
    press(&mut a, "c");
    // Nothing typed yet: no complaint, although GroupId is required.
    let text = dialog_text(&frame_text(&a, 80, 24), "Create group");
    assert!(!text.contains('✗'), "{text}");
    type_text(&mut a, "bad id");
    let text = dialog_text(&frame_text(&a, 80, 24), "Create group");
    assert!(!text.contains('✗'), "not while typing: {text}");
    // Leaving the field judges it; coming back shows why.
    press(&mut a, "tab");
    assert!(create_form(&a).shown_problem(0).is_some());
    press(&mut a, "backtab");
    let text = dialog_text(&frame_text(&a, 80, 24), "Create group");
    assert!(text.contains("✗ GroupId"), "{text}");
    assert!(text.contains("letters and digits"), "{text}");

    // Submitting judges every field, even those never visited.
    let mut a = loaded(10);
    press(&mut a, "c");
    press(&mut a, "enter");
    assert!(a.take_commands().is_empty());
    let f = create_form(&a);
    assert!(f.touched.iter().all(|t| *t));
    let text = dialog_text(&frame_text(&a, 80, 24), "Create group");
    assert!(text.contains("GroupId is required"), "{text}");
}

#[test]
fn the_deleted_id_message_is_wrapped_action_first_at_every_size() {
    for (w, h) in SIZES {
        let mut a = loaded(10);
        press(&mut a, "c");
        type_text(&mut a, "room42");
        press(&mut a, "enter");
        let (id, _) = only::<CreateGroupRequest>(&a.take_commands());
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
        let frame = frame_text(&a, w, h);
        insta::assert_snapshot!(format!("create_deleted_id_{w}x{h}"), frame);
        let text = dialog_text(&frame, "Create group");
        assert!(
            text.contains(
                "Choose another GroupId: room42 belonged to a group that was deleted, and a deleted ID cannot be used again."
            ),
            "{w}x{h}: {text}"
        );
        assert!(
            text.contains("enter create · tab/↑↓ move · esc cancel"),
            "{text}"
        );
        assert!(!text.contains('…'), "nothing cut off at {w}x{h}: {text}");
        // The focused field is marked without colour too.
        assert!(frame.contains("▸GroupId"), "{frame}");
    }
}

fn no_one_online() -> ApiError {
    ApiError::Service(ServiceError {
        status: 400,
        code: "InputInvalid".into(),
        message: "The group has no online users.".into(),
        request_id: Some("R0".into()),
        recommend: None,
        host_id: None,
        retry_after: None,
    })
}

#[test]
fn a_send_nobody_could_receive_says_what_to_do_first_wrapped_at_every_size() {
    for (w, h) in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = Context::demo();
        ctx.data_dir = Some(dir.path().to_path_buf());
        let mut a = app_with(ctx);
        a.request_page();
        answer_pages(&mut a, 10);
        press(&mut a, "m");
        a.compose.tid = tui_input::Input::new("TID0".into());
        press(&mut a, "ctrl-s");
        let (id, _) = only::<SendMessageRequest>(&a.take_commands());
        answer::<SendMessageResponse>(&mut a, id, Err(no_one_online()));
        let frame = frame_text(&a, w, h);
        insta::assert_snapshot!(format!("compose_no_one_online_{w}x{h}"), frame);
        let words = box_text(&frame, "Compose");
        let action = "✗ Not sent. ctrl-o keeps it in the outbox; it is sent in the background.";
        let why = "Why: no one is online in the group (InputInvalid · RequestId R0)";
        let (Some(at_action), Some(at_why)) = (words.find(action), words.find(why)) else {
            panic!("{w}x{h}: the offer and the reason, whole:\n{frame}");
        };
        assert!(at_action < at_why, "the action first:\n{frame}");
        // Everything composed stays for the retry.
        assert_eq!(a.compose.tid.value(), "TID0");
    }
}

#[test]
fn compose_marks_the_focused_field_and_enter_moves_on_outside_the_body() {
    let mut a = loaded(10);
    press(&mut a, "m");
    assert!(frame_text(&a, 80, 24).contains("▸Body"));
    press(&mut a, "tab");
    assert_eq!(a.compose.field, Field::Type);
    let text = frame_text(&a, 80, 24);
    assert!(text.contains("▸Type") && !text.contains("▸Body"), "{text}");
    press(&mut a, "enter");
    assert_eq!(a.compose.field, Field::Sender);
    keys(&mut a, &["tab", "tab", "tab"]);
    assert_eq!(a.compose.field, Field::Weight);
    assert!(frame_text(&a, 80, 24).contains("▸Weight/priority"));
    press(&mut a, "esc");
    assert_eq!(a.focus, Focus::Browser);
}

#[test]
fn compose_says_why_a_key_did_nothing_on_the_type_and_the_switches() {
    let mut a = loaded(10);
    press(&mut a, "m");
    press(&mut a, "tab");
    assert_eq!(a.compose.field, Field::Type);
    press(&mut a, "q");
    let text = box_text(&frame_text(&a, 80, 24), "Compose");
    assert!(
        text.contains("Type: 'q' was not typed; ←/→ or a type's number choose the type"),
        "{text}"
    );
    press(&mut a, "9");
    let text = box_text(&frame_text(&a, 80, 24), "Compose");
    assert!(text.contains("Type: no type 9 in the catalogue"), "{text}");
    press(&mut a, "right");
    assert!(a.compose.refused.is_none(), "a key that worked clears it");
    keys(&mut a, &["tab", "tab", "tab", "tab", "tab", "tab"]);
    assert_eq!(a.compose.field, Field::NoStorage);
    press(&mut a, "y");
    assert!(!a.compose.no_storage);
    let text = box_text(&frame_text(&a, 80, 24), "Compose");
    assert!(
        text.contains("NoStorage is a switch: 'y' was not typed; space toggles it"),
        "{text}"
    );
}

#[test]
fn the_bulk_summary_wraps_every_line_at_every_size() {
    for (w, h) in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = Context::demo();
        ctx.data_dir = Some(dir.path().to_path_buf());
        let mut a = app_with(ctx);
        a.request_page();
        answer_pages(&mut a, 10);
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
        a.handle(Msg::Worker(Event::BulkDone {
            id,
            job,
            results: vec![
                Outcome::Done("R1".into()),
                Outcome::Unknown(unknown),
                Outcome::NotSent(no_one_online()),
            ],
            cancelled: false,
        }));
        let frame = frame_text(&a, w, h);
        insta::assert_snapshot!(format!("bulk_summary_{w}x{h}"), redact_tids(&frame));
        let text = box_text(&frame, "Bulk sent");
        assert!(
            text.contains(
                "ctrl-o keeps the 1 unsent message(s) in the outbox, and the 1 whose outcome is unknown as outcome unknown"
            ),
            "{w}x{h}: {text}"
        );
        assert!(text.contains("enter/esc closes"), "{text}");
        assert!(
            text.contains(
                "✗ room009: no one is online in the group (InputInvalid, not sent) · RequestId R0"
            ),
            "{text}"
        );
        assert!(!text.contains('…'), "nothing cut off at {w}x{h}: {text}");
    }
}
