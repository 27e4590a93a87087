//! The browser's keys: it decides, and says with a [`BrowserOutcome`] what
//! the app must carry out (a page load, a dialog, another pane).

use crossterm::event::{Event as CtEvent, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

use crate::api::Group;
use crate::tui::action::Action;
use crate::tui::keys::KeyMap;
use crate::tui::panes::status::ToastKind;

use super::{BrowserState, MarkOutcome, PAGE_SIZES};

/// What the app must do after the browser took a key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BrowserOutcome {
    /// Not a browser key.
    Ignored,
    /// Handled; nothing else to do.
    Done,
    /// The selection moved (the detail pane starts at its top).
    Moved,
    /// Load the page `query` now describes.
    LoadPage,
    ShowDetail,
    OpenRoom(String),
    Copy(String),
    Compose,
    ComposeMarked,
    /// Ask before deleting this group.
    Delete(Group),
    DeleteMarked,
    /// Ask before recovering this deleted group.
    Recover(Group),
    Create,
    /// Open the `:` line with this text typed.
    CommandLine(&'static str),
    Flash(ToastKind, String),
    /// A `:` command the browser refused, and why.
    CommandError(String),
    /// `/` was pressed: the all-groups index should be fresh.
    Search,
    /// `g`: the go-to-group prompt, where `g` again goes to the top.
    GoToPrompt,
}

/// Rows the page keys move through a search over every group.
const SEARCH_PAGE: isize = 10;

fn no_selection() -> BrowserOutcome {
    BrowserOutcome::Flash(ToastKind::Warning, "No group selected".into())
}

impl BrowserState {
    /// Whether the rows on screen are an older page than the one loading
    /// (another page, size, order or status): row keys must not act on them.
    pub fn rows_are_stale(&self, page_loading: bool) -> bool {
        if !page_loading || self.searching_all() {
            return false;
        }
        let Some(loaded) = &self.loaded else {
            return true;
        };
        let q = &self.query;
        (q.page_number, q.page_size, q.sort_type, q.group_status)
            != (
                loaded.page_number,
                loaded.page_size,
                loaded.sort_type,
                loaded.group_status,
            )
    }

    /// Moves to `page` (clamped to the pages known); true when it changed.
    pub(crate) fn go_page(&mut self, page: u32) -> bool {
        let last = self.page_count().unwrap_or(u32::MAX);
        let page = page.clamp(1, last.max(1));
        if page == self.query.page_number {
            return false;
        }
        self.query.page_number = page;
        true
    }

    /// Changes the page size, keeping the first row of the current page on
    /// the new page.
    pub(crate) fn set_page_size(&mut self, size: u32) {
        let q = &mut self.query;
        let first_row = u64::from(q.page_number - 1) * u64::from(q.page_size);
        q.page_size = size;
        q.page_number = u32::try_from(first_row / u64::from(size)).unwrap_or(0) + 1;
    }

    fn paged(&mut self, page: u32) -> BrowserOutcome {
        if self.go_page(page) {
            BrowserOutcome::LoadPage
        } else {
            BrowserOutcome::Done
        }
    }

    /// One action while the browser (or the detail pane showing its
    /// selection) has the focus. `page_loading`: a page load is in flight.
    pub(crate) fn on_action(&mut self, action: Action, page_loading: bool) -> BrowserOutcome {
        use BrowserOutcome as O;
        let on_marks =
            matches!(action, Action::Delete | Action::Compose) && !self.marked.is_empty();
        let row_key = matches!(
            action,
            Action::Mark
                | Action::Open
                | Action::OpenRoom
                | Action::CopyId
                | Action::Delete
                | Action::Compose
                | Action::Recover
        );
        if row_key && !on_marks && self.rows_are_stale(page_loading) {
            return O::Flash(
                ToastKind::Warning,
                format!(
                    "Page {} is loading: row keys wait for its rows",
                    self.query.page_number
                ),
            );
        }
        let selected = self.selected_group().cloned();
        // The search over every group is one long list: the page keys move
        // through it (the server page is back when the search is cleared).
        if self.searching_all() {
            match action {
                Action::PageUp | Action::PageDown => {
                    self.move_by(if action == Action::PageUp {
                        -SEARCH_PAGE
                    } else {
                        SEARCH_PAGE
                    });
                    return O::Moved;
                }
                Action::FirstPage | Action::LastPage => {
                    if action == Action::FirstPage {
                        self.select_first();
                    } else {
                        self.select_last();
                    }
                    return O::Moved;
                }
                _ => {}
            }
        }
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::Top => self.select_first(),
            Action::Bottom => self.select_last(),
            Action::PageUp => return self.paged(self.query.page_number.saturating_sub(1)),
            Action::PageDown => return self.paged(self.query.page_number.saturating_add(1)),
            Action::FirstPage => return self.paged(1),
            Action::LastPage => {
                return match self.page_count() {
                    Some(last) => self.paged(last),
                    None => O::Flash(ToastKind::Info, "The page count is not known yet".into()),
                };
            }
            Action::GotoPage => return O::CommandLine("page "),
            Action::GotoGroup => return O::CommandLine("group "),
            Action::GoTo => return O::GoToPrompt,
            Action::PageSize => {
                let size = self.query.page_size;
                let next = PAGE_SIZES
                    .iter()
                    .copied()
                    .find(|s| *s > size)
                    .unwrap_or(PAGE_SIZES[0]);
                self.set_page_size(next);
                return O::LoadPage;
            }
            Action::Sort => {
                self.query.sort_type = self.query.sort_type.toggled();
                self.query.page_number = 1;
                return O::LoadPage;
            }
            Action::Status => {
                self.query.group_status = self.query.group_status.next();
                self.query.page_number = 1;
                return O::LoadPage;
            }
            Action::Refresh => return O::LoadPage,
            Action::Filter => {
                self.filter_editing = true;
                return O::Search;
            }
            Action::Open => return selected.map_or(O::Done, |_| O::ShowDetail),
            Action::OpenRoom => {
                return selected.map_or_else(no_selection, |g| O::OpenRoom(g.group_id));
            }
            Action::CopyId => return selected.map_or_else(no_selection, |g| O::Copy(g.group_id)),
            Action::Create => return O::Create,
            Action::Delete if on_marks => return O::DeleteMarked,
            Action::Compose if on_marks => return O::ComposeMarked,
            Action::Compose => return O::Compose,
            Action::Delete => {
                return match selected {
                    Some(g) if g.delete => O::Flash(
                        ToastKind::Warning,
                        format!("Group {} is already deleted", g.group_id),
                    ),
                    Some(g) => O::Delete(g),
                    None => no_selection(),
                };
            }
            Action::Recover => {
                return match selected {
                    Some(g) if g.delete => O::Recover(g),
                    Some(g) => O::Flash(
                        ToastKind::Info,
                        format!("Group {} is not deleted: nothing to recover", g.group_id),
                    ),
                    None => no_selection(),
                };
            }
            Action::Mark => {
                return match self.toggle_mark() {
                    MarkOutcome::NoRow => no_selection(),
                    m @ MarkOutcome::MarkedDeleted(_) => {
                        O::Flash(ToastKind::Warning, m.say().unwrap_or_default())
                    }
                    _ => O::Done,
                };
            }
            Action::MarkAll | Action::InvertMarks => {
                let m = self.mark_shown(action == Action::InvertMarks);
                return O::Flash(ToastKind::Info, m.say().unwrap_or_default());
            }
            Action::Back if !self.marked.is_empty() => {
                self.marked.clear();
                return O::Flash(ToastKind::Info, "Marks cleared".into());
            }
            Action::Back if !self.filter.value().is_empty() => {
                self.filter.reset();
                self.refilter();
                return O::Done;
            }
            _ => return O::Ignored,
        }
        O::Moved
    }

    /// A key while the `/` line is being typed.
    pub(crate) fn filter_key(&mut self, action: Option<Action>, ev: &KeyEvent) -> BrowserOutcome {
        match action {
            Some(Action::Back) => {
                self.filter_editing = false;
                self.filter.reset();
                self.refilter();
            }
            Some(Action::Open) => self.filter_editing = false,
            Some(Action::Up) => {
                self.settle();
                self.move_by(-1);
                return BrowserOutcome::Moved;
            }
            Some(Action::Down) => {
                self.settle();
                self.move_by(1);
                return BrowserOutcome::Moved;
            }
            _ => {
                if self.filter.handle_event(&CtEvent::Key(*ev)).is_some() {
                    self.refilter();
                }
            }
        }
        BrowserOutcome::Done
    }

    /// Text pasted into the `/` line.
    pub(crate) fn paste_filter(&mut self, text: &str) {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        self.filter = tui_input::Input::new(format!("{}{clean}", self.filter.value()));
        self.refilter();
    }

    /// The browser's key hints, most useful first.
    pub(crate) fn hints(&self, keymap: &KeyMap) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        let mut add = |a: Action, what: &'static str| {
            if let Some(key) = keymap.first(a) {
                out.push((key, what));
            }
        };
        if self.filter_editing {
            add(Action::Open, "keep filter");
            add(Action::Back, "clear filter");
            return out;
        }
        add(Action::Open, "detail");
        if self.searching_all() {
            add(Action::Back, "page view");
        }
        add(
            Action::Filter,
            if self.index.is_empty() {
                "filter"
            } else {
                "search all"
            },
        );
        if self.selected_group().is_some_and(|g| g.delete) {
            add(Action::Recover, "recover");
        }
        add(Action::PageDown, "next page");
        add(Action::PageUp, "prev");
        add(Action::Compose, "compose");
        add(Action::Mark, "mark");
        add(Action::Pin, "pin");
        add(Action::Delete, "delete");
        add(Action::Create, "create");
        add(Action::Sort, "sort");
        add(Action::Status, "status");
        add(Action::GoTo, "go to ID");
        add(Action::Outbox, "outbox");
        add(Action::CommandLine, "cmd");
        add(Action::Zoom, "zoom");
        out
    }
}
