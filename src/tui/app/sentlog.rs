//! Routing for the sent log's recall: its keys (before the dialog's scrolling),
//! the DeleteLiveMessageGroupMessage call and its reply. The log decides.

use super::*;
use crate::api::DeleteGroupMessageResponse;
use crate::tui::panes::sentlog::SentLogStep;

impl App {
    /// Whether the sent log takes this key (x, or any key while it asks).
    pub(super) fn sent_log_claims(&self, key: &Key) -> bool {
        self.sent_log.is_confirming() || key.text_char() == Some('x')
    }

    /// A recall key in the sent log with row `scroll` selected; the log stays open.
    pub(super) fn sent_log_key(&mut self, scroll: usize, key: &Key) {
        self.overlay = Some(Overlay::SentLog { scroll });
        let step = self.sent_log.key(
            key,
            scroll,
            &self.compose.sent,
            self.ctx.read_only,
            &self.ctx.moderator_id,
        );
        if let SentLogStep::Recall(op) = step {
            let msg_tid = op.message_id.clone();
            self.call(
                op,
                Lane::Every,
                format!("recalling {msg_tid}"),
                Pending::SentRecall { msg_tid },
            );
        }
    }

    /// The service answered a recall from the sent log.
    pub(super) fn on_sent_recall(
        &mut self,
        msg_tid: &str,
        result: Result<DeleteGroupMessageResponse, ApiError>,
    ) {
        let result = match result {
            Ok(r) => Ok(r.request_id),
            Err(e) => {
                self.status.error = Some(ErrorLine::from_api(&format!("recalling {msg_tid}"), &e));
                Err(e.to_string())
            }
        };
        self.sent_log.recalled(msg_tid, result);
    }
}
