//! The browser's `:` commands and replies: what a page load, a create, a
//! delete or a recover means for the rows, decided here; the app only
//! carries the calls.

use crate::api::{GroupStatus, ListGroupsRequest, ListGroupsResponse, SortType, page_count};
use crate::tui::panes::command::Command;

use super::{BrowserOutcome, BrowserState};

/// Where going to a group by ID ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Goto {
    /// On the rows shown: selected.
    Selected,
    /// On this page (now asked for in `query`); selected when it arrives.
    Load(u32),
    /// Not a group the index knows.
    Unknown,
}

impl BrowserState {
    /// A `:` command about the rows; `Ignored` for the others.
    pub(crate) fn on_command(&mut self, cmd: Command) -> BrowserOutcome {
        use BrowserOutcome as O;
        let load = |changed: bool| if changed { O::LoadPage } else { O::Done };
        match cmd {
            Command::Page(n) => match self.page_count() {
                Some(last) if n > last => O::CommandError(format!("there are only {last} pages")),
                _ => load(self.go_page(n)),
            },
            Command::FirstPage => load(self.go_page(1)),
            Command::LastPage => match self.page_count() {
                Some(last) => load(self.go_page(last)),
                None => O::Flash(
                    crate::tui::panes::status::ToastKind::Info,
                    "The page count is not known yet".into(),
                ),
            },
            Command::Status(s) => {
                self.query.group_status = s;
                self.query.page_number = 1;
                O::LoadPage
            }
            Command::Sort(s) => {
                self.query.sort_type = s;
                self.query.page_number = 1;
                O::LoadPage
            }
            Command::Size(n) => {
                self.set_page_size(n);
                O::LoadPage
            }
            Command::Refresh => O::LoadPage,
            Command::Filter(text) => {
                self.filter = tui_input::Input::new(text);
                self.refilter();
                O::Search
            }
            Command::Group(_) | Command::Help | Command::Quit => O::Ignored,
        }
    }

    /// The page asked for arrived. `LoadPage` when it went away (groups were
    /// deleted) and the last page is asked for instead.
    pub(crate) fn page_loaded(
        &mut self,
        request: ListGroupsRequest,
        reply: ListGroupsResponse,
    ) -> BrowserOutcome {
        let pages = page_count(reply.total_count, request.page_size);
        if reply.group_list.is_empty() && reply.total_count > 0 && request.page_number > pages {
            self.query.page_number = pages;
            return BrowserOutcome::LoadPage;
        }
        self.query = request.clone();
        self.apply_page(request, reply);
        BrowserOutcome::Done
    }

    /// The page load failed (or crashed): the rows shown stay, and so does
    /// the query they answer.
    pub(crate) fn page_failed(&mut self) {
        if let Some(loaded) = &self.loaded {
            self.query = loaded.clone();
        }
    }

    /// Asks for the page a group just created is on, to select it there: the
    /// first page newest first, the last oldest first.
    pub(crate) fn show_created(&mut self, group_id: &str) {
        let total = self.total.unwrap_or(0) + 1;
        let q = &mut self.query;
        if q.group_status == GroupStatus::Deleted {
            q.group_status = GroupStatus::All;
        }
        q.page_number = match q.sort_type {
            SortType::Desc => 1,
            SortType::Asc => page_count(total, q.page_size).max(1),
        };
        if !self.filter.value().is_empty() {
            self.filter.reset();
            self.refilter();
        }
        self.select_after_load = Some(group_id.to_string());
    }

    /// A group was deleted or recovered: the index says so at once (a page
    /// reload may not list it).
    pub(crate) fn set_deleted(&mut self, group_id: &str, deleted: bool) {
        if let Some(mut g) = self.index.get(group_id).cloned() {
            g.delete = deleted;
            self.index.upsert(g);
        }
    }

    /// Goes to the group `group_id`: selects it among the rows shown, or asks
    /// for the page the index says it is on.
    pub(crate) fn goto(&mut self, group_id: &str) -> Goto {
        if !self.filter.value().is_empty() {
            self.filter.reset();
            self.refilter();
        }
        if let Some(pos) =
            (0..self.row_count()).find(|&i| self.row(i).is_some_and(|g| g.group_id == group_id))
        {
            self.selected = pos;
            return Goto::Selected;
        }
        if self.index.get(group_id).is_none() {
            return Goto::Unknown;
        }
        let page = self.page_of(group_id).or_else(|| {
            // Not listed under the status filter in force: show all.
            self.query.group_status = GroupStatus::All;
            self.page_of(group_id)
        });
        match page {
            Some(page) => {
                self.query.page_number = page;
                self.select_after_load = Some(group_id.to_string());
                Goto::Load(page)
            }
            None => Goto::Unknown,
        }
    }
}
