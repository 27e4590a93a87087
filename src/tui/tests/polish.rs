//! What only showed with everything merged: the help's scroll limit at every
//! size, the sent log's own hints, the pin hint where pinning applies.

use super::*;
use crate::tui::panes::compose::SentEntry;
use unicode_width::UnicodeWidthStr;

/// The help's last line (the room's tab keys).
const HELP_LAST: &str = "Messages, Users, Mutes, Info";

#[test]
fn help_scrolls_to_its_last_line_at_every_size() {
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let mut a = loaded(45);
        press(&mut a, "?");
        // The event loop draws after every key: the limit is the drawn one.
        let mut text = frame_text(&a, w, h);
        for _ in 0..40 {
            press(&mut a, "pgdn");
            text = frame_text(&a, w, h);
        }
        assert!(text.contains(HELP_LAST), "{w}x{h}:\n{text}");
        // Scrolled no further than the last line: one line up shows more.
        press(&mut a, "k");
        let up = frame_text(&a, w, h);
        if w < 200 {
            assert_ne!(up, text, "{w}x{h}: up moved the view at once");
        }
    }
}

#[test]
fn the_sent_log_hints_its_own_keys() {
    let mut a = loaded(45);
    let request = crate::api::SendMessageRequest {
        app_id: "demo".into(),
        group_id: "room001".into(),
        body: Some("hello".into()),
        ..Default::default()
    };
    a.compose
        .sent
        .push(SentEntry::new(1_700_000_000, &request, "tid-1", "rq-1"));
    press(&mut a, "L");
    let text = frame_text(&a, 120, 40);
    let hints = text.lines().last().unwrap();
    assert!(hints.contains("x recall"), "{hints}");
    assert!(!hints.contains("page"), "{hints}");
    press(&mut a, "x");
    let text = frame_text(&a, 120, 40);
    let hints = text.lines().last().unwrap();
    assert!(hints.contains("y recall"), "{hints}");
}

#[test]
fn p_pin_is_hinted_where_pinning_applies() {
    let mut a = loaded(45);
    let text = frame_text(&a, 200, 50);
    assert!(text.lines().last().unwrap().contains("p pin"), "{text}");
    press(&mut a, "tab");
    let text = frame_text(&a, 120, 40);
    assert!(
        text.lines().last().unwrap().contains("p pin"),
        "detail: {text}"
    );
    press(&mut a, "esc");
    a.run_command("open room001");
    let text = frame_text(&a, 120, 40);
    assert!(text.lines().last().unwrap().contains("p pin"), "{text}");
}

#[test]
fn the_send_toast_fits_80_columns_and_the_pane_keeps_the_request_id() {
    let mut a = loaded(45);
    let request = crate::api::SendMessageRequest {
        app_id: "demo".into(),
        group_id: "kids16257".into(),
        body: Some("hello".into()),
        ..Default::default()
    };
    let reply = crate::api::SendMessageResponse {
        msg_tid: "4efdfa26b36b4c03be38321ba576c95a".into(),
        request_id: "074837F3-9CC2-4B94-AF5B-B2B6945D6A8F".into(),
    };
    let catalogue = a.ctx.catalogue.clone();
    let toast = a.compose.send_done(&request, &reply, 0, &catalogue);
    assert!(toast.width() + 2 <= 80, "{toast}");
    assert!(toast.contains(&reply.msg_tid));
    let last = &a.compose.last.as_ref().unwrap().1;
    assert!(last.contains(&reply.request_id), "{last}");
}
