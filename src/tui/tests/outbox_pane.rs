//! The outbox pane: why an entry waits, its detail, the outcome of a manual
//! retry, expiry, and its keys beside the browser's.

use chrono::{DateTime, Utc};

use crate::outbox::service::Snapshot;
use crate::outbox::{DeliveryReport, Entry, LastError, State};

use super::*;
use crate::tui::panes::status::ToastKind;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

/// An entry as the worker would read it, at fixed times around the test clock.
fn entry(id: i64, state: State) -> Entry {
    let no_one = ApiError::Service(ServiceError {
        status: 400,
        code: "InputInvalid".into(),
        message: "The group has no online users.".into(),
        request_id: Some("R0".into()),
        recommend: None,
        host_id: None,
        retry_after: None,
    });
    Entry {
        id,
        state,
        request: SendMessageRequest {
            app_id: "demo".into(),
            group_id: "room001".into(),
            sender_id: "mod1".into(),
            body: Some("The stream resumes in 5 minutes".into()),
            msg_type: Some(88888),
            msg_tid: Some(format!("TID{id}")),
            ..Default::default()
        },
        target: None,
        attempts: 1,
        auto_retries: 0,
        last_error: (state != State::Queued).then(|| LastError::from_api(&no_one)),
        delivered_request_id: None,
        previous_msg_tid: None,
        created_at: at(NOW - 120),
        updated_at: at(NOW - 60),
        next_attempt_at: at(NOW + 30),
        expires_at: Some(at(NOW + 480)),
    }
}

/// The worker's news: this is what the outbox holds now.
fn show(a: &mut App, entries: Vec<Entry>) {
    let mut counts = std::collections::BTreeMap::new();
    for e in &entries {
        *counts.entry(e.state).or_insert(0) += 1;
    }
    a.handle(Msg::Worker(Event::OutboxDelivered {
        report: DeliveryReport::default(),
        snapshot: Ok(Snapshot { entries, counts }),
    }));
}

/// An app with an outbox (its own data directory, kept while the app lives)
/// and the outbox pane focused.
fn outbox_app(keys: &[(&str, &str)]) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = Context::demo();
    ctx.data_dir = Some(dir.path().to_path_buf());
    for (action, key) in keys {
        ctx.keys.insert(action.to_string(), vec![key.to_string()]);
    }
    let mut a = app_with(ctx);
    a.request_page();
    answer_pages(&mut a, 10);
    press(&mut a, "o");
    assert_eq!(a.focus, Focus::Outbox);
    a.take_commands();
    (a, dir)
}

fn toast(a: &App) -> (ToastKind, String) {
    let t = a.status.toast.clone().expect("a toast");
    (t.kind, t.text)
}

#[test]
fn the_table_says_why_an_entry_failed_in_words() {
    let (mut a, _dir) = outbox_app(&[]);
    show(&mut a, vec![entry(1, State::Failed)]);
    let text = frame_text(&a, 120, 40);
    assert!(text.contains("Why (last error)"), "{text}");
    assert!(text.contains("no one is online in the grou"), "{text}");
    // The status bar follows the pane: Enter opens the entry.
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("enter details  t retry now"), "{last}");
}

#[test]
fn enter_opens_an_entry_in_full_and_esc_goes_back_to_the_list() {
    for (w, h) in [(80u16, 24u16), (120, 40), (200, 50)] {
        let (mut a, _dir) = outbox_app(&[]);
        show(
            &mut a,
            vec![entry(1, State::Queued), entry(2, State::Failed)],
        );
        press(&mut a, "j");
        press(&mut a, "enter");
        assert!(a.outbox_pane.detail);
        let frame = frame_text(&a, w, h);
        insta::assert_snapshot!(format!("outbox_detail_{w}x{h}"), frame);
        let words = frame.split_whitespace().collect::<Vec<_>>().join(" ");
        for want in [
            "#2 failed · to room001 · 1 try",
            "Why no one is online in the group",
            "Error InputInvalid · RequestId R0",
            "Service The group has no online users.",
            "MsgTid TID2",
            "Body The stream resumes in 5 minutes",
        ] {
            assert!(words.contains(want), "{w}x{h}: {want:?} in {frame}");
        }
        // Moving shows the next entry in full; Esc leaves the detail, then the pane.
        press(&mut a, "k");
        assert!(frame_text(&a, w, h).contains("#1 queued"));
        press(&mut a, "esc");
        assert!(!a.outbox_pane.detail);
        assert_eq!(a.focus, Focus::Outbox);
        press(&mut a, "esc");
        assert_eq!(a.focus, Focus::Browser);
    }
}

#[test]
fn a_manual_retry_reports_its_outcome() {
    let (mut a, _dir) = outbox_app(&[]);
    show(&mut a, vec![entry(1, State::Failed)]);
    press(&mut a, "t");
    assert!(
        a.take_commands()
            .iter()
            .any(|c| matches!(c, Command::Outbox { .. })),
        "requeued"
    );
    // A picture from before the retry was carried out says nothing new.
    show(&mut a, vec![entry(1, State::Failed)]);
    assert!(a.status.toast.is_none(), "{:?}", a.status.toast);
    // Requeued, then delivered: said so, with its RequestId.
    show(&mut a, vec![entry(1, State::Queued)]);
    let mut done = entry(1, State::Delivered);
    done.attempts = 2;
    done.delivered_request_id = Some("R9".into());
    show(&mut a, vec![done.clone()]);
    assert_eq!(
        toast(&a),
        (
            ToastKind::Success,
            "#1 delivered to room001 · RequestId R9".to_string()
        )
    );
    // Reported once.
    a.status.toast = None;
    show(&mut a, vec![done]);
    assert!(a.status.toast.is_none());

    // A retry that fails again says why.
    let (mut a, _dir) = outbox_app(&[]);
    show(&mut a, vec![entry(1, State::Failed)]);
    press(&mut a, "t");
    let mut again = entry(1, State::Failed);
    again.attempts = 2;
    show(&mut a, vec![again]);
    let (kind, text) = toast(&a);
    assert_eq!(kind, ToastKind::Warning);
    assert!(
        text.contains("#1 failed again: no one is online in the group (InputInvalid"),
        "{text}"
    );
}

#[test]
fn an_entry_past_its_expiry_shows_as_expired_and_is_not_retried() {
    let (mut a, _dir) = outbox_app(&[]);
    let mut late = entry(1, State::Queued);
    late.expires_at = Some(at(NOW - 1));
    show(&mut a, vec![late]);
    let text = frame_text(&a, 120, 40);
    let row = text.lines().find(|l| l.contains("room001")).unwrap();
    assert!(row.contains("expired") && !row.contains("queued"), "{row}");
    let mut gone = entry(1, State::Expired);
    gone.expires_at = Some(at(NOW - 1));
    show(&mut a, vec![gone]);
    press(&mut a, "t");
    assert!(a.take_commands().is_empty(), "never sent late");
    let (_, text) = toast(&a);
    assert!(
        text.contains("#1 expired: it is never sent late; e edits it"),
        "{text}"
    );
}

#[test]
fn a_browser_key_may_reuse_an_outbox_key_and_each_pane_gets_its_own() {
    let (mut a, _dir) = outbox_app(&[("delete", "x")]);
    show(&mut a, vec![entry(1, State::Failed)]);
    press(&mut a, "x");
    match &a.overlay {
        Some(Overlay::Confirm(d)) => assert_eq!(d.title, "Discard message"),
        other => panic!("the outbox's discard expected: {other:?}"),
    }
    press(&mut a, "esc");
    press(&mut a, "esc");
    assert_eq!(a.focus, Focus::Browser);
    press(&mut a, "x");
    match &a.overlay {
        Some(Overlay::Confirm(d)) => assert_eq!(d.title, "Delete group"),
        other => panic!("the browser's delete expected: {other:?}"),
    }
}

#[test]
fn the_outbox_dialogs_wrap_at_every_size() {
    for (w, h) in [(80u16, 24u16), (120, 40), (200, 50)] {
        let (mut a, _dir) = outbox_app(&[]);
        let mut unknown = entry(1, State::OutcomeUnknown);
        unknown.request.msg_tid = Some("0123456789abcdef0123456789abcdef".into());
        show(&mut a, vec![unknown]);
        press(&mut a, "A");
        let frame = frame_text(&a, w, h);
        insta::assert_snapshot!(format!("outbox_resend_{w}x{h}"), frame);
        let text = super::dialog_text(&frame, "Resend anyway");
        for want in [
            "#1 to room001 may already have been delivered.",
            "It is resent with the same MsgTid 0123456789abcdef0123456789abcdef.",
            "Last error: no one is online in the group (InputInvalid · RequestId R0)",
            "tab: switch buttons · enter: press the highlighted one · esc: cancel",
        ] {
            assert!(text.contains(want), "{w}x{h}: {want:?} in {text}");
        }
        assert!(!text.contains('…'), "nothing cut off at {w}x{h}: {text}");
        press(&mut a, "esc");
        press(&mut a, "x");
        let text = super::dialog_text(&frame_text(&a, w, h), "Discard message");
        assert!(
            text.contains("It will not be sent; it stays listed as discarded."),
            "{text}"
        );
        assert!(!text.contains('…'), "nothing cut off at {w}x{h}: {text}");
    }
}
