//! The end of a bulk run: what was done, each failure, and what can still be
//! done with the messages that did not go out. Every line is wrapped to the
//! dialog, never cut.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use crate::api::SendMessageRequest;
use crate::bulk::Outcome;
use crate::outbox::LastError;
use crate::tui::theme::Theme;
use crate::worker::{BulkJob, BulkResult};

use super::{centered, wrap_text};

/// Draws the summary titled `title` with `lines` (failures start with ✗);
/// `close` says how it closes ("enter/esc closes").
pub(crate) fn draw(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: &[String],
    close: &str,
    theme: &Theme,
) {
    let width = area.width.min(72);
    let w = usize::from(width.saturating_sub(2)).max(1);
    let mut rows: Vec<Line> = Vec::new();
    for l in lines {
        let style = if l.starts_with('✗') {
            theme.error()
        } else {
            theme.text()
        };
        let text = crate::text::terminal_safe(l);
        rows.extend(
            wrap_text(&text, w)
                .into_iter()
                .map(|s| Line::styled(s, style)),
        );
    }
    rows.extend(
        wrap_text(close, w)
            .into_iter()
            .map(|s| Line::styled(s, theme.dim())),
    );
    let height = (rows.len() as u16 + 2).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = theme.focused_block(format!(" {title} "));
    frame.render_widget(Paragraph::new(rows).block(block), rect);
}

/// What a finished bulk run comes to. The one bulk engine's classification
/// decides; this only words it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tally {
    /// "Bulk sent" or "Bulk deleted".
    pub(crate) title: String,
    /// The headline ("2/3 sent · 1 failed · 0 not attempted"), each failure
    /// (why in words, then Code and how it ended), then what can be done.
    pub(crate) lines: Vec<String>,
    /// Every call was done.
    pub(crate) all_done: bool,
    /// The calls done: index in the job and the RequestId.
    pub(crate) done: Vec<(usize, String)>,
    /// Sends that provably did not go through (safe to queue again).
    pub(crate) failed_sends: Vec<SendMessageRequest>,
    /// Sends that may have reached the service: kept as outcome unknown.
    pub(crate) unknown_sends: Vec<(SendMessageRequest, LastError)>,
}

/// Words `results` of `job`. `queue_key`: the key that keeps unsent messages
/// in the outbox, when there is an outbox.
pub(crate) fn tally(
    job: &BulkJob,
    results: &[BulkResult],
    cancelled: bool,
    queue_key: Option<&str>,
) -> Tally {
    let total = job.len();
    let mut done = Vec::new();
    let mut failed_lines = Vec::new();
    let mut not_attempted = 0;
    let mut failed_sends = Vec::new();
    let mut unknown_sends = Vec::new();
    for (i, r) in results.iter().enumerate() {
        let gid = job.group_id(i);
        let send = match job {
            BulkJob::Send(reqs) => reqs.get(i),
            BulkJob::Delete(_) => None,
        };
        match r {
            Outcome::Done(request_id) => done.push((i, request_id.clone())),
            Outcome::NotAttempted => {
                not_attempted += 1;
                failed_sends.extend(send.cloned());
            }
            Outcome::Refused(e) | Outcome::NotSent(e) | Outcome::Unknown(e) => {
                // Why in words first, then Code and how it ended.
                let mut line = format!(
                    "✗ {gid}: {} ({}, {})",
                    LastError::from_api(e).reason,
                    e.code().unwrap_or("Error"),
                    r.kind().label()
                );
                if let Some(r) = e.request_id() {
                    line.push_str(&format!(" · RequestId {r}"));
                }
                failed_lines.push(line);
                match (r, send) {
                    // Provably not processed: safe to queue again.
                    (Outcome::NotSent(_), Some(req)) => failed_sends.push(req.clone()),
                    // It may have reached the service: kept as "outcome
                    // unknown", never queued to be sent again blindly.
                    (Outcome::Unknown(e), Some(req)) => {
                        unknown_sends.push((req.clone(), LastError::from_api(e)));
                    }
                    _ => {}
                }
            }
        }
    }
    let verb = match job {
        BulkJob::Send(_) => "sent",
        BulkJob::Delete(_) => "deleted",
    };
    let mut lines = vec![format!(
        "{}/{total} {verb} · {} failed · {not_attempted} not attempted{}",
        done.len(),
        failed_lines.len(),
        if cancelled { " (cancelled)" } else { "" }
    )];
    lines.extend(failed_lines);
    if let Some(k) = queue_key {
        match (failed_sends.len(), unknown_sends.len()) {
            (0, 0) => {}
            (f, 0) => lines.push(format!("{k} keeps the {f} unsent message(s) in the outbox")),
            (0, u) => lines.push(format!(
                "{k} keeps the {u} message(s) whose outcome is unknown in the outbox, as outcome unknown"
            )),
            (f, u) => lines.push(format!(
                "{k} keeps the {f} unsent message(s) in the outbox, and the {u} whose outcome is unknown as outcome unknown"
            )),
        }
    }
    Tally {
        title: format!("Bulk {verb}"),
        lines,
        all_done: done.len() == total,
        done,
        failed_sends,
        unknown_sends,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::DeleteGroupRequest;

    #[test]
    fn a_delete_run_is_worded_without_an_outbox_offer() {
        let request = |g: &str| DeleteGroupRequest {
            app_id: "demo".into(),
            group_id: g.into(),
            operator_id: None,
            data_center: None,
        };
        let job = BulkJob::Delete(vec![request("a"), request("b"), request("c")]);
        let refused = crate::api::ApiError::Validation(crate::api::validate::ValidationError::new(
            "GroupId",
            crate::api::validate::Problem::Missing,
        ));
        let results = vec![
            Outcome::Done("R1".to_string()),
            Outcome::Refused(refused),
            Outcome::NotAttempted,
        ];
        let t = tally(&job, &results, true, Some("ctrl-o"));
        assert_eq!(t.title, "Bulk deleted");
        assert_eq!(
            t.lines[0],
            "1/3 deleted · 1 failed · 1 not attempted (cancelled)"
        );
        assert!(t.lines[1].starts_with("✗ b: "), "{:?}", t.lines);
        assert_eq!(
            t.lines.len(),
            2,
            "nothing to keep in the outbox: {:?}",
            t.lines
        );
        assert_eq!(t.done, vec![(0, "R1".to_string())]);
        assert!(!t.all_done);
    }
}
