//! Drafts, the outbox pane, marks and bulk runs: update tests (keys and
//! worker replies in, state and commands out).

use super::*;

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
                let result = crate::outbox::service::apply(
                    outbox,
                    op,
                    chrono::DateTime::<chrono::Utc>::MIN_UTC,
                )
                .map_err(Into::into);
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
    assert!(
        text.contains(", or never if not by "),
        "the expiry is said: {text}"
    );
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
    let text = frame_text(&a, 80, 24);
    assert!(
        text.contains("line 0") && !text.contains("line 1999"),
        "{text}"
    );
    press(&mut a, "G");
    let text = frame_text(&a, 80, 24);
    assert!(text.contains("line 1999"), "{text}");
    assert!(text.contains("1988-2007/2007"), "position shown: {text}");
    press(&mut a, "pgup");
    press(&mut a, "g");
    let text = frame_text(&a, 80, 24);
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
    let buf = draw(&a, 120, 30);
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
    let buf = draw(&a, 100, 30);
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
    let text = buffer_text(&draw(&a, 120, 30));
    assert!(!text.contains("2 marked groups"), "{text}");
    assert!(text.contains("2/2 sent"), "{text}");
    press(&mut a, "ctrl-s");
    assert!(a.take_commands().is_empty(), "no second send");
    assert!(a.overlay.is_none(), "and no second prompt");
    press(&mut a, "esc");
    press(&mut a, "L");
    assert!(matches!(a.overlay, Some(Overlay::SentLog { .. })));
    let text = buffer_text(&draw(&a, 120, 30));
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
        crate::tui::action::Action::RetryNow,
        crate::tui::action::Action::Discard,
        crate::tui::action::Action::EditEntry,
        crate::tui::action::Action::ResendAnyway,
        crate::tui::action::Action::Compose,
        crate::tui::action::Action::Delete,
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
    let text = frame_text(&a, 200, 50);
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
        let text = frame_text(&a, w, 24);
        let last = text.lines().last().unwrap();
        assert!(last.trim_end().ends_with("? help  q quit"), "{w}: {last:?}");
        assert!(last.contains("enter detail"), "{last}");
        // A dialog's own keys, not the browser's.
        press(&mut a, "c");
        let text = frame_text(&a, w, 24);
        let last = text.lines().last().unwrap();
        assert!(last.contains("enter create"), "{last}");
        assert!(!last.contains("next page"), "{last}");
        assert!(last.trim_end().ends_with("esc close"), "{last:?}");
        press(&mut a, "esc");
        // In compose, q is text: Esc and ctrl-c are what leave.
        press(&mut a, "m");
        let text = frame_text(&a, w, 24);
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
    let text = frame_text(&a, 80, 24);
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
    let wide = frame_text(&a, 120, 40);
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
    assert!(!frame_text(&a, 80, 24).contains("was not typed"));
}
