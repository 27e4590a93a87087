//! Update tests: key sequences and worker replies in, state and worker
//! commands out.

use super::*;

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
    // vim's `gg`: `g` opens the go-to line, `g` again on it goes to the top.
    keys(&mut a, &["g", "g"]);
    assert_eq!(selected_id(&a), "room044");
    assert!(a.command.is_none(), "the go-to line closed");
    keys(&mut a, &["G", "home"]);
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
    let help: String = crate::tui::panes::help::lines(&a.keymap, &a.theme, 100)
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
    ctx.multiplexer = crate::tui::terminal::Multiplexer::Tmux;
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

    // A chord the terminal sends as another key is allowed, with a warning.
    let mut ctx = Context::demo();
    ctx.keys.insert("sort".into(), vec!["ctrl-m".into()]);
    let a = app_with(ctx);
    let e = a.status.error.clone().unwrap();
    assert!(
        e.message.contains("sort = ctrl-m") && e.message.contains("as enter"),
        "{e:?}"
    );
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
    let _ = frame_text(&a, 80, 24);
    // Row 0 header, 1 border, 2 table header, 3.. rows.
    a.handle(Msg::Mouse(click(5)));
    assert_eq!(selected_id(&a), "room009", "mouse off by default");

    let mut ctx = Context::demo();
    ctx.mouse = true;
    let mut a = app_with(ctx);
    a.start();
    answer_pages(&mut a, 10);
    let _ = frame_text(&a, 80, 24);
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
