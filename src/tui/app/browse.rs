//! Routing for the browser and the detail pane: carrying out what the
//! browser decided, the all-groups index sync, jumping to a group by ID and
//! recovering a deleted group. The panes decide; this carries calls out and
//! replies in.

use super::*;
use crate::api::RecoverGroupResponse;
use crate::api::{ListGroupsByTokenRequest, ListGroupsByTokenResponse, RecoverGroupRequest};
use crate::tui::panes::browser::Goto;

/// The latest-wins lane of the all-groups index sync.
const INDEX_LANE: &str = "index";

impl App {
    /// Carries out what the browser asked for.
    pub(super) fn browser_outcome(&mut self, outcome: BrowserOutcome) {
        match outcome {
            BrowserOutcome::Ignored | BrowserOutcome::Done => {}
            BrowserOutcome::Moved => self.detail.top(),
            BrowserOutcome::LoadPage => self.request_page(),
            BrowserOutcome::ShowDetail => {
                if self.focus == Focus::Browser {
                    self.focus = Focus::Detail;
                    self.detail.top();
                }
            }
            BrowserOutcome::OpenRoom(id) => self.open_room(&id),
            BrowserOutcome::Copy(id) => self.copy_id(id),
            BrowserOutcome::Compose => self.open_compose(),
            BrowserOutcome::ComposeMarked => {
                self.say_deleted_skipped();
                self.open_bulk_compose();
            }
            BrowserOutcome::Delete(group) => self.confirm_delete(group),
            BrowserOutcome::DeleteMarked => {
                self.say_deleted_skipped();
                self.confirm_bulk_delete();
            }
            BrowserOutcome::Recover(group) => self.confirm_recover(group),
            BrowserOutcome::Create => {
                self.overlay = Some(Overlay::Create(Box::new(CreateForm::new(
                    &self.ctx.moderator_id,
                ))));
            }
            BrowserOutcome::CommandLine(text) => self.command = Some(Input::new(text.into())),
            BrowserOutcome::GoToPrompt => {
                self.command = Some(Input::new(GOTO_PROMPT.into()));
                self.command_from_g = true;
            }
            BrowserOutcome::Flash(kind, text) => self.status.flash(kind, text),
            BrowserOutcome::CommandError(text) => {
                self.status.error = Some(ErrorLine::local("Command", text));
            }
            BrowserOutcome::Search => {
                self.focus = Focus::Browser;
                self.sync_index_if_due();
            }
        }
    }

    /// Bulk send and delete leave deleted groups out: say how many.
    fn say_deleted_skipped(&mut self) {
        let n = self.browser.marked.values().filter(|g| g.delete).count();
        let live = self.browser.marked.len() - n;
        if n > 0 && live > 0 {
            let groups = if n == 1 { "group" } else { "groups" };
            self.status.flash(
                ToastKind::Warning,
                format!(
                    "{n} deleted {groups} skipped (nothing can be sent to them or deleted again)"
                ),
            );
        }
    }

    fn copy_id(&mut self, id: String) {
        // Say what was done: the terminal may ignore the request.
        let via = match self.ctx.multiplexer {
            super::super::terminal::Multiplexer::None => "",
            super::super::terminal::Multiplexer::Tmux => ", wrapped for tmux",
            super::super::terminal::Multiplexer::Screen => ", wrapped for screen",
        };
        self.status.flash(
            ToastKind::Info,
            format!(
                "Asked the terminal to copy GroupId {id} (OSC 52{via}); some terminals ignore it"
            ),
        );
        self.effects.push(Effect::Copy(id));
    }

    /// Filters the index for whatever was typed since the last frame (the
    /// event loop calls this once before drawing: keys arriving together
    /// cost one filtering).
    pub fn settle(&mut self) {
        self.browser.settle();
    }

    // ------------------------------------------------------ all-groups index

    /// Starts syncing every group of the app unless a sync runs or the last
    /// one is recent.
    pub fn sync_index_if_due(&mut self) {
        if !self.ctx.search_all_groups || !self.browser.sync.due(Instant::now()) {
            return;
        }
        let mut first = ListGroupsByTokenRequest::new(self.ctx.app_id.clone());
        first.data_center = self.ctx.data_center;
        let first = self.browser.start_sync(first);
        self.call_index_page(first);
    }

    fn call_index_page(&mut self, request: ListGroupsByTokenRequest) {
        let label = format!("syncing all groups ({} so far)", self.browser.index.len());
        self.call(
            request.clone(),
            Lane::Latest(INDEX_LANE),
            label,
            Pending::IndexPage(request),
        );
    }

    /// A page of the index sync: searchable at once; the next page is asked
    /// for (the client paces the calls) until the last.
    pub(super) fn on_index_page(
        &mut self,
        request: ListGroupsByTokenRequest,
        result: Result<ListGroupsByTokenResponse, ApiError>,
    ) {
        let next =
            result.and_then(|reply| self.browser.synced_page(&request, reply, Instant::now()));
        match next {
            Ok(Some(next)) => self.call_index_page(next),
            Ok(None) => {}
            Err(e) => {
                self.browser.sync = Default::default();
                self.status.error = Some(ErrorLine::from_api(
                    "syncing all groups (/ searches the loaded page meanwhile)",
                    &e,
                ));
            }
        }
    }

    // ------------------------------------------------------ go to a group

    /// Selects the group `group_id`: on the page shown, or on the page the
    /// all-groups index says it is on.
    pub fn goto_group(&mut self, group_id: &str) {
        let group_id = group_id.trim();
        match self.browser.goto(group_id) {
            Goto::Selected => {
                self.detail.top();
                self.focus = Focus::Browser;
            }
            Goto::Load(page) => {
                self.focus = Focus::Browser;
                self.request_page();
                self.status.flash(
                    ToastKind::Info,
                    format!("Going to {group_id} on page {page}"),
                );
            }
            Goto::Unknown => {
                let text = if self.browser.sync.running() || !self.ctx.search_all_groups {
                    format!(
                        "{group_id} is not on this page (the index of all groups is not complete yet)"
                    )
                } else {
                    format!("No group {group_id} in app {}", self.ctx.app_id)
                };
                self.status.error = Some(ErrorLine::local("Go to", text));
                self.sync_index_if_due();
            }
        }
    }

    // ------------------------------------------------------ recover

    /// Asks before recovering the deleted `group`.
    pub(super) fn confirm_recover(&mut self, group: Group) {
        let lines = vec![
            format!("Recover group {}?", group.group_id),
            "The service recovers groups deleted within the last 30 days; it counts toward the app's 5,000 groups."
                .into(),
        ];
        let facts = vec![
            ("GroupId".to_string(), group.group_id.clone()),
            ("GroupName".to_string(), group.group_name.clone()),
        ];
        let dialog = ConfirmDialog::new(
            "Recover group",
            lines,
            "Recover",
            OnConfirm::RecoverGroup(group),
        )
        .with_facts(facts);
        self.overlay = Some(Overlay::Confirm(Box::new(dialog)));
    }

    pub(super) fn submit_recover(&mut self, group: &Group) {
        let request = RecoverGroupRequest {
            app_id: self.ctx.app_id.clone(),
            group_id: group.group_id.clone(),
            data_center: self.ctx.data_center,
        };
        let group_id = group.group_id.clone();
        self.call(
            request,
            Lane::Every,
            format!("recovering {group_id}"),
            Pending::Recover { group_id },
        );
    }

    pub(super) fn on_recovered(
        &mut self,
        gid: &str,
        result: Result<RecoverGroupResponse, ApiError>,
    ) {
        match result {
            Ok(r) => {
                self.status.flash(
                    ToastKind::Success,
                    format!("Recovered group {gid} · RequestId {}", r.request_id),
                );
                self.browser.set_deleted(gid, false);
                self.browser.select_after_load = Some(gid.to_string());
                self.request_page();
            }
            Err(e) => {
                self.status.error = Some(ErrorLine::from_api(&format!("recovering {gid}"), &e));
            }
        }
    }
}
