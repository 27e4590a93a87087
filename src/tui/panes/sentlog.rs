//! The session's sent log: every message this console sent, newest first,
//! and `x` to recall one sent by mistake (its MsgTid is known), after a `y`.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, Table};

use crate::api::DeleteGroupMessageRequest;
use crate::text::terminal_safe;
use crate::tui::clock::Clock;
use crate::tui::keys::Key;
use crate::tui::theme::Theme;

use super::compose::SentEntry;
use super::ellipsize;

/// The recall state of the sent log (the selection is the overlay's row).
#[derive(Debug, Default)]
pub struct SentLogState {
    /// The MsgTid waiting for `y`, with its row (newest first).
    confirm: Option<(usize, String)>,
    /// The outcome of the last recall (true: it worked), shown in the log.
    pub outcome: Option<(bool, String)>,
    /// MsgTids recalled this session, and those being recalled now.
    recalled: BTreeSet<String>,
    recalling: BTreeSet<String>,
}

/// What the sent log did with a key.
#[derive(Debug)]
pub enum SentLogStep {
    /// Not a recall key: scrolling and closing are the dialog's.
    NotMine,
    /// Handled; nothing to call.
    Handled,
    /// `y` confirmed: this call recalls the message.
    Recall(DeleteGroupMessageRequest),
}

/// The entry on row `row` of the log (newest first).
pub(crate) fn entry_at(sent: &[SentEntry], row: usize) -> Option<&SentEntry> {
    sent.iter().rev().nth(row)
}

impl SentLogState {
    /// A key with `row` selected; `moderator` is the DeleterId.
    pub fn key(
        &mut self,
        key: &Key,
        row: usize,
        sent: &[SentEntry],
        read_only: bool,
        moderator: &str,
    ) -> SentLogStep {
        if let Some((at, tid)) = self.confirm.take() {
            if key.text_char() == Some('y') {
                return match entry_at(sent, at).filter(|e| e.msg_tid == tid) {
                    Some(e) => {
                        self.recalling.insert(tid.clone());
                        self.outcome = Some((true, format!("Recalling {}…", safe(&tid))));
                        SentLogStep::Recall(DeleteGroupMessageRequest {
                            app_id: e.app_id.clone(),
                            group_id: e.group_id.clone(),
                            message_id: tid,
                            deleter_id: Some(moderator.to_string()),
                            deleter_info: None,
                            data_center: e.data_center,
                        })
                    }
                    None => SentLogStep::Handled,
                };
            }
            self.outcome = Some((false, "Cancelled; nothing was recalled".into()));
            return SentLogStep::Handled;
        }
        if key.text_char() != Some('x') {
            return SentLogStep::NotMine;
        }
        let Some(e) = entry_at(sent, row) else {
            self.outcome = Some((false, "Nothing sent yet".into()));
            return SentLogStep::Handled;
        };
        self.outcome = Some(if read_only {
            (false, "read-only: this console recalls nothing".to_string())
        } else if e.msg_tid.is_empty() {
            (false, "That message has no MsgTid to recall it by".into())
        } else if self.recalled.contains(&e.msg_tid) {
            (false, "That message is already recalled".into())
        } else if self.recalling.contains(&e.msg_tid) {
            (false, "That message is being recalled".into())
        } else {
            self.confirm = Some((row, e.msg_tid.clone()));
            (
                true,
                format!(
                    "Recall message {} from {}? y recalls, any other key keeps it",
                    safe(&e.msg_tid),
                    safe(&e.group_id)
                ),
            )
        });
        SentLogStep::Handled
    }

    /// Whether a `y` would recall something now.
    pub fn is_confirming(&self) -> bool {
        self.confirm.is_some()
    }

    /// The service answered the recall of `msg_tid`.
    pub fn recalled(&mut self, msg_tid: &str, result: Result<String, String>) {
        self.recalling.remove(msg_tid);
        self.outcome = Some(match result {
            Ok(request_id) => {
                self.recalled.insert(msg_tid.to_string());
                (
                    true,
                    format!(
                        "✓ Recalled {} · RequestId {}",
                        safe(msg_tid),
                        safe(&request_id)
                    ),
                )
            }
            Err(e) => (
                false,
                format!("✗ recalling {}: {}", safe(msg_tid), safe(&e)),
            ),
        });
    }

    pub fn is_recalled(&self, msg_tid: &str) -> bool {
        self.recalled.contains(msg_tid)
    }
}

fn safe(s: &str) -> String {
    terminal_safe(s).into_owned()
}

/// The log with row `selected` (newest first) highlighted and in view.
pub(crate) fn draw(
    frame: &mut Frame,
    area: Rect,
    sent: &[SentEntry],
    selected: usize,
    state: &SentLogState,
    theme: &Theme,
    clock: &Clock,
) {
    frame.render_widget(Clear, area);
    let block = theme.focused_block(format!(
        " Sent this session: {} · x recalls · esc closes ",
        sent.len()
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if sent.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("Nothing sent yet this session.", theme.dim())),
            inner,
        );
        return;
    }
    // The last row says how the last recall went, when there was one.
    let status_h = u16::from(state.outcome.is_some());
    let table_area = Rect {
        height: inner.height.saturating_sub(status_h),
        ..inner
    };
    let rows_height = usize::from(table_area.height.saturating_sub(1)).max(1);
    let selected = selected.min(sent.len() - 1);
    // A RequestId is 36 characters; narrow screens show its start, so the
    // body keeps room.
    let rid_w: usize = if inner.width >= 110 { 38 } else { 12 };
    let first = selected.saturating_sub(rows_height - 1);
    let rows: Vec<Row> = sent
        .iter()
        .rev()
        .enumerate()
        .skip(first)
        .take(rows_height)
        .map(|(i, e)| {
            let recalled = state.is_recalled(&e.msg_tid);
            let body = if recalled {
                format!("(recalled) {}", safe(&e.preview))
            } else {
                safe(&e.preview)
            };
            let style = if i == selected {
                theme.selected()
            } else if recalled {
                theme.deleted()
            } else {
                theme.text()
            };
            Row::new(vec![
                clock.time(e.at),
                ellipsize(&safe(&e.group_id), 16),
                e.msg_type.map(|t| t.to_string()).unwrap_or_default(),
                ellipsize(&safe(&e.msg_tid), 24),
                ellipsize(&safe(&e.request_id), rid_w),
                body,
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Length(4),
        Constraint::Length(24),
        Constraint::Length(rid_w as u16),
        Constraint::Min(8),
    ];
    let header = Row::new(vec!["Time", "Group", "Type", "MsgTid", "RequestId", "Body"])
        .style(theme.accent().add_modifier(Modifier::BOLD));
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table_area,
    );
    if let Some((ok, text)) = &state.outcome {
        let style = if state.is_confirming() {
            theme.warning()
        } else if *ok {
            theme.success()
        } else {
            theme.error()
        };
        let last = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
        frame.render_widget(
            Paragraph::new(Line::styled(
                ellipsize(text, usize::from(inner.width)),
                style,
            )),
            last,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::api::{
        ApiError, DeleteGroupMessageRequest, DeleteGroupMessageResponse, SendMessageRequest,
    };
    use crate::tui::action::Msg;
    use crate::tui::app::{App, Context, Overlay};
    use crate::tui::clock::Clock;
    use crate::tui::keys::Key;
    use crate::tui::panes::compose::SentEntry;
    use crate::tui::render::frame_text;
    use crate::worker::{Event, RequestId};

    const NOW: i64 = 1_700_000_000;

    fn app(read_only: bool) -> App {
        let mut ctx = Context::demo();
        ctx.read_only = read_only;
        let mut a = App::new(ctx).unwrap();
        a.clock = Clock::fixed(NOW);
        for (i, group) in ["g1", "g2"].into_iter().enumerate() {
            let request = SendMessageRequest {
                app_id: "demo".into(),
                group_id: group.into(),
                sender_id: "mod1".into(),
                body: Some(format!("hello {group}")),
                msg_type: Some(1),
                ..Default::default()
            };
            let tid = format!("tid-{group}");
            a.compose.sent.push(SentEntry::new(
                NOW - 60 + i as i64,
                &request,
                &tid,
                "rq-send",
            ));
        }
        a
    }

    fn press(a: &mut App, spec: &str) {
        a.handle(Msg::Key(Key::parse(spec).unwrap().to_event()));
    }

    fn recall_call(a: &mut App) -> Option<(RequestId, DeleteGroupMessageRequest)> {
        a.take_commands().iter().find_map(|c| {
            c.operation::<DeleteGroupMessageRequest>()
                .map(|(id, o)| (id, o.clone()))
        })
    }

    #[test]
    fn x_then_y_recalls_the_selected_message_where_it_was_sent() {
        let mut a = app(false);
        // The console moved to another app since: the recall still goes to
        // the app the message was sent in.
        a.ctx.app_id = "other".into();
        press(&mut a, "L");
        press(&mut a, "j"); // the older one: g1
        press(&mut a, "x");
        assert!(recall_call(&mut a).is_none(), "x alone asks first");
        assert!(a.sent_log.is_confirming());
        press(&mut a, "y");
        let (id, op) = recall_call(&mut a).expect("y recalls");
        assert_eq!(
            (
                op.app_id.as_str(),
                op.group_id.as_str(),
                op.message_id.as_str()
            ),
            ("demo", "g1", "tid-g1")
        );
        assert_eq!(op.deleter_id.as_deref(), Some("mod1"));
        assert!(matches!(a.overlay, Some(Overlay::SentLog { .. })));
        let ok = DeleteGroupMessageResponse {
            request_id: "rq-recall".into(),
            ..Default::default()
        };
        a.handle(Msg::Worker(Event::reply(id, Ok::<_, ApiError>(ok))));
        assert!(a.sent_log.is_recalled("tid-g1"));
        let text = frame_text(&a, 120, 40);
        assert!(
            text.contains("Recalled tid-g1 · RequestId rq-recall"),
            "{text}"
        );
        assert!(text.contains("(recalled) hello g1"), "{text}");
        insta::assert_snapshot!("sent_log_recalled_120x40", text);
        insta::assert_snapshot!("sent_log_recalled_80x24", frame_text(&a, 80, 24));
        // A second x on it says so and calls nothing.
        press(&mut a, "x");
        assert!(recall_call(&mut a).is_none());
        assert!(a.sent_log.outcome.as_ref().unwrap().1.contains("already"));
    }

    #[test]
    fn any_other_key_cancels_and_read_only_refuses() {
        let mut a = app(false);
        press(&mut a, "L");
        press(&mut a, "x");
        press(&mut a, "n");
        assert!(recall_call(&mut a).is_none());
        assert!(!a.sent_log.is_confirming());
        assert!(matches!(a.overlay, Some(Overlay::SentLog { .. })));
        assert!(
            a.sent_log
                .outcome
                .as_ref()
                .unwrap()
                .1
                .starts_with("Cancelled")
        );

        let mut a = app(true);
        press(&mut a, "L");
        press(&mut a, "x");
        press(&mut a, "y");
        assert!(recall_call(&mut a).is_none());
        assert!(
            a.sent_log
                .outcome
                .as_ref()
                .unwrap()
                .1
                .starts_with("read-only")
        );
    }

    #[test]
    fn a_refused_recall_is_shown() {
        let mut a = app(false);
        press(&mut a, "L");
        press(&mut a, "x");
        press(&mut a, "y");
        let (id, op) = recall_call(&mut a).unwrap();
        assert_eq!(op.message_id, "tid-g2", "the newest is selected first");
        let e = ApiError::Service(crate::api::ServiceError {
            status: 404,
            code: "MessageNotExist".into(),
            message: "no such message".into(),
            request_id: None,
            recommend: None,
            host_id: None,
            retry_after: None,
        });
        a.handle(Msg::Worker(Event::reply::<DeleteGroupMessageResponse>(
            id,
            Err(e),
        )));
        assert!(!a.sent_log.is_recalled("tid-g2"));
        let (ok, text) = a.sent_log.outcome.clone().unwrap();
        assert!(!ok && text.contains("MessageNotExist"), "{text}");
    }
}
