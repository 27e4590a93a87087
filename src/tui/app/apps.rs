//! Routing for the apps pane (`:app`) and the switch to another app: the pane
//! decides what to list and which app was chosen; this carries its calls out,
//! its replies in, and resets what belongs to the app shown.

use super::*;
use crate::tui::panes::apps::{AppsCall, AppsPane, AppsReaction, AppsRequest};

/// `:app` or `:apps`: whether `line` is that command.
pub(super) fn apps_command(line: &str) -> bool {
    matches!(line.trim().trim_start_matches(':').trim(), "app" | "apps")
}

impl App {
    /// Opens the apps pane and lists the account's apps in every data center.
    pub fn open_apps(&mut self) {
        let mut pane = AppsPane::new(&self.ctx.app_id, self.ctx.data_center);
        let calls = pane.open_calls();
        self.apps = Some(pane);
        self.send_apps_calls(calls);
    }

    /// Keys while the apps pane is open: the pane first, then only what is
    /// global. Always true: nothing behind it acts on a key while it is shown.
    pub(super) fn apps_key(&mut self, key: &Key) -> bool {
        let action = self.keymap.action(key);
        let Some(pane) = &mut self.apps else {
            return false;
        };
        match pane.key(action) {
            AppsReaction::Handled(calls) => self.send_apps_calls(calls),
            AppsReaction::Close => self.apps = None,
            AppsReaction::Switch {
                app_id,
                data_center,
                disabled,
            } => {
                self.switch_app(&app_id, Some(data_center));
                if disabled {
                    self.status.flash(
                        ToastKind::Warning,
                        format!("App {app_id} is disabled: the service may refuse its calls"),
                    );
                }
            }
            AppsReaction::Ignored => {
                if let Some(a @ (Action::Quit | Action::Help | Action::CommandLine)) = action {
                    self.do_action(a);
                }
            }
        }
        true
    }

    fn send_apps_calls(&mut self, calls: Vec<AppsCall>) {
        for out in calls {
            let id = self.pending.add(out.label, Pending::Apps(out.request));
            self.commands.push(Command::Call {
                id,
                call: out.call,
                lane: Lane::Every,
            });
        }
    }

    /// A reply to an apps call; dropped when the pane was closed meanwhile.
    pub(super) fn on_apps_reply(&mut self, request: AppsRequest, result: Result<Reply, ApiError>) {
        if let Some(pane) = &mut self.apps {
            let calls = pane.on_reply(request, result);
            self.send_apps_calls(calls);
        }
    }

    pub(super) fn on_apps_crash(&mut self, request: &AppsRequest) {
        if let Some(pane) = &mut self.apps {
            pane.on_crash(request);
        }
    }

    /// Switches the console to `app_id` in `data_center`. What belongs to the
    /// app shown is reset: the browser (page 1, marks, filter, selection) and
    /// the detail, the open room (closed) and the apps pane (closed), and
    /// compose (its text stays in the drafts under the old app's key; its
    /// recipients go, so nothing typed for one app is sent to another).
    /// Kept: the page size, order and status filter, the outbox (each entry
    /// carries its own AppId and DataCenter and is delivered there), the sent
    /// log (each entry is recalled where it was sent) and the settings.
    pub fn switch_app(&mut self, app_id: &str, data_center: Option<DataCenter>) {
        self.apps = None;
        if app_id == self.ctx.app_id
            && data_center.unwrap_or_default() == self.ctx.data_center.unwrap_or_default()
        {
            return;
        }
        self.touch_draft();
        self.ctx.app_id = app_id.to_string();
        self.ctx.data_center = data_center;
        // Replies to calls made in the old app are dropped from here on.
        self.pending.switched_app();
        self.rooms.open = None;
        // Pins are kept per app: watch the new app's (the rules were checked
        // when the console started, so they build again).
        match Watching::new(&self.ctx) {
            Ok(watching) => self.watching = watching,
            Err(e) => self.status.error = Some(ErrorLine::local("Rules", e.to_string())),
        }
        let old = &self.browser.query;
        let mut query = ListGroupsRequest::new(app_id.to_string());
        query.data_center = data_center;
        query.page_size = old.page_size;
        query.sort_type = old.sort_type;
        query.group_status = old.group_status;
        self.browser = BrowserState::new(query);
        self.detail = DetailState::default();
        self.compose
            .reset(&self.ctx.moderator_id, &self.ctx.catalogue);
        self.compose.recipients = Recipients::Nobody;
        self.focus = Focus::Browser;
        self.overlay = None;
        self.request_page();
        let dc = data_center.unwrap_or_default();
        self.status.flash(
            ToastKind::Success,
            format!("Switched to app {app_id} ({dc})"),
        );
    }

    /// Draws the apps pane over the main area.
    pub fn draw_apps(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect) {
        if let Some(pane) = &self.apps {
            crate::tui::panes::apps::draw(frame, area, pane, &self.theme, &self.clock);
        }
    }
}

#[cfg(test)]
#[path = "apps_tests.rs"]
mod tests;
