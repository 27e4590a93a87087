//! The group browser: one server page of groups as a table, with server paging,
//! sort, status filter, and a `/` search: over every group of the app once the
//! all-groups index has groups, over the loaded rows before that.
//!
//! Only the rows that fit on screen are built when drawing, so a page (or the
//! index) of thousands of groups costs no more to draw than twenty.
//!
//! The browser owns its keys ([`BrowserState::on_action`]) and says what the
//! app must do for it with a [`BrowserOutcome`].

mod draw;
mod keys;
mod marks;
mod replies;
mod search;

use tui_input::Input;

use crate::api::{Group, ListGroupsRequest, ListGroupsResponse, page_count};
use crate::moderation::GroupIndex;

pub(crate) use draw::{BrowserLayout, draw};
pub(crate) use keys::BrowserOutcome;
pub(crate) use marks::MarkOutcome;
pub(crate) use replies::Goto;
pub(crate) use search::IndexSync;

/// Page sizes the size key cycles through.
pub(crate) const PAGE_SIZES: [u32; 3] = [10, 20, 50];

#[derive(Debug, Clone)]
pub struct BrowserState {
    /// The page shown, or being loaded.
    pub query: ListGroupsRequest,
    /// Rows of the last page that arrived.
    pub groups: Vec<Group>,
    /// TotalCount of the last reply.
    pub total: Option<u64>,
    /// The query the rows in `groups` answer.
    pub loaded: Option<ListGroupsRequest>,
    pub filter: Input,
    pub filter_editing: bool,
    /// Indices into `groups` of the rows that pass the filter.
    pub visible: Vec<usize>,
    /// Index of the selected row among the rows shown (`visible`, or the
    /// index's matches while searching every group).
    pub selected: usize,
    /// Select this group when the next page arrives (after a create, a jump).
    pub select_after_load: Option<String>,
    /// Marked groups (by GroupId), kept across pages: m and d act on them all.
    pub marked: std::collections::BTreeMap<String, Group>,
    /// Every group of the app, synced in the background; `/` searches it.
    pub index: GroupIndex,
    /// Where the sync of `index` stands.
    pub sync: IndexSync,
    /// The lower-cased filter `visible` was computed for; typing more narrows
    /// from the current matches instead of scanning every row again.
    applied_filter: Option<String>,
}

impl BrowserState {
    pub fn new(query: ListGroupsRequest) -> Self {
        Self {
            query,
            groups: Vec::new(),
            total: None,
            loaded: None,
            filter: Input::default(),
            filter_editing: false,
            visible: Vec::new(),
            selected: 0,
            select_after_load: None,
            marked: Default::default(),
            index: GroupIndex::new(),
            sync: IndexSync::default(),
            applied_filter: None,
        }
    }

    /// Whether the rows shown are the search over every group of the app
    /// (a search is typed and the index has groups) rather than the page.
    pub fn searching_all(&self) -> bool {
        !self.index.is_empty() && !self.filter.value().trim().is_empty()
    }

    /// How many rows are shown.
    pub fn row_count(&self) -> usize {
        if self.searching_all() {
            self.index.match_count()
        } else {
            self.visible.len()
        }
    }

    /// The `i`th row shown.
    pub fn row(&self, i: usize) -> Option<&Group> {
        if self.searching_all() {
            let at = *self.index.matches().get(i)?;
            self.index.groups().get(at as usize)
        } else {
            self.visible.get(i).and_then(|&j| self.groups.get(j))
        }
    }

    pub fn page_count(&self) -> Option<u32> {
        self.total.map(|t| page_count(t, self.query.page_size))
    }

    pub fn selected_group(&self) -> Option<&Group> {
        self.row(self.selected)
    }

    /// Replaces the rows with a page that arrived, keeping the selection on the
    /// same group when it is still there.
    pub fn apply_page(&mut self, request: ListGroupsRequest, reply: ListGroupsResponse) {
        let keep = self
            .select_after_load
            .take()
            .or_else(|| self.selected_group().map(|g| g.group_id.clone()));
        self.total = Some(reply.total_count);
        // What a page says about a group is news for the index too.
        if !self.index.is_empty() {
            self.index.upsert_many(reply.group_list.iter().cloned());
        }
        self.groups = reply.group_list;
        self.loaded = Some(request);
        self.applied_filter = None;
        self.refilter_keeping(keep.as_deref());
    }

    /// Sets rows directly (tests, benchmarks).
    pub fn set_groups(&mut self, groups: Vec<Group>, total: u64) {
        self.groups = groups;
        self.total = Some(total);
        self.loaded = Some(self.query.clone());
        self.applied_filter = None;
        self.refilter_keeping(None);
    }

    /// The filter text changed: the page rows are filtered now, the index
    /// only records the text (its filtering is batched: see [`Self::settle`]).
    pub fn refilter(&mut self) {
        let keep = self.selected_group().map(|g| g.group_id.clone());
        self.index.set_query(self.filter.value());
        self.refilter_keeping(keep.as_deref());
        if self.searching_all() {
            self.selected = 0;
        }
    }

    fn refilter_keeping(&mut self, keep: Option<&str>) {
        let needle = self.filter.value().trim().to_lowercase();
        let narrowing = self
            .applied_filter
            .as_deref()
            .is_some_and(|old| !old.is_empty() && needle.contains(old));
        self.visible = if needle.is_empty() {
            (0..self.groups.len()).collect()
        } else if narrowing {
            // Whatever matches the longer text matched the shorter one too.
            let groups = &self.groups;
            std::mem::take(&mut self.visible)
                .into_iter()
                .filter(|&i| matches(&groups[i], &needle))
                .collect()
        } else {
            self.groups
                .iter()
                .enumerate()
                .filter(|(_, g)| matches(g, &needle))
                .map(|(i, _)| i)
                .collect()
        };
        self.applied_filter = Some(needle);
        let found = keep.and_then(|id| {
            self.visible
                .iter()
                .position(|&i| self.groups[i].group_id == id)
        });
        match found {
            Some(pos) => self.selected = pos,
            None => self.selected = self.selected.min(self.visible.len().saturating_sub(1)),
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let count = self.row_count();
        if count == 0 {
            self.selected = 0;
            return;
        }
        let last = count - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn select_first(&mut self) {
        self.selected = 0;
    }

    pub fn select_last(&mut self) {
        self.selected = self.row_count().saturating_sub(1);
    }

    /// Selects the row under screen cell (`x`, `y`) in the frame laid out
    /// as `layout`, if there is one there.
    pub fn click(&mut self, layout: &BrowserLayout, x: u16, y: u16) -> bool {
        match layout.row_at(x, y) {
            Some(index) if index < self.row_count() => {
                self.selected = index;
                true
            }
            _ => false,
        }
    }

    /// The query whose rows are on screen (the requested one before any loaded).
    pub fn shown(&self) -> &ListGroupsRequest {
        self.loaded.as_ref().unwrap_or(&self.query)
    }

    /// "page 3/42 · 831 groups", or what is known so far.
    /// The page on screen: the rows shown stay labelled as their own page
    /// while another one loads.
    pub fn page_label(&self) -> String {
        let shown = self.shown();
        let page = shown.page_number;
        let pages = self.total.map(|t| page_count(t, shown.page_size));
        match (self.total, pages) {
            (Some(total), Some(pages)) => {
                let noun = if total == 1 { "group" } else { "groups" };
                format!("page {page}/{pages} · {total} {noun}")
            }
            _ => format!("page {page}"),
        }
    }
}

fn matches(g: &Group, needle: &str) -> bool {
    contains_ci(&g.group_id, needle) || contains_ci(&g.group_name, needle)
}

fn contains_ci(hay: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle_lower.is_ascii() {
        hay.as_bytes()
            .windows(needle_lower.len())
            .any(|w| w.eq_ignore_ascii_case(needle_lower.as_bytes()))
    } else {
        hay.to_lowercase().contains(needle_lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn group(i: usize) -> Group {
        Group {
            group_id: format!("g{i}"),
            group_name: format!("Room {i}"),
            group_info: String::new(),
            creator_id: "mod1".into(),
            admin_list: vec![],
            createtime: 1_700_000_000 + i as i64,
            delete: i % 5 == 4,
        }
    }

    #[test]
    fn narrowing_and_widening_the_filter_match_a_fresh_scan() {
        let mut b = BrowserState::new(ListGroupsRequest::new("demo"));
        b.set_groups((0..300).map(group).collect(), 300);
        let typed = [
            "r", "ro", "room", "room ", "room 1", "room 12", "room 1", "oom 2", "2", "",
        ];
        for text in typed {
            b.filter = Input::new(text.into());
            b.refilter();
            let mut fresh = BrowserState::new(ListGroupsRequest::new("demo"));
            fresh.set_groups(b.groups.clone(), 300);
            fresh.filter = Input::new(text.into());
            fresh.refilter();
            assert_eq!(b.visible, fresh.visible, "after typing {text:?}");
        }
        // New rows invalidate the narrowing.
        b.filter = Input::new("room 29".into());
        b.refilter();
        b.set_groups((0..300).rev().map(group).collect(), 300);
        b.filter = Input::new("room 299".into());
        b.refilter();
        assert_eq!(b.visible.len(), 1);
        assert_eq!(b.selected_group().unwrap().group_id, "g299");
    }

    #[test]
    fn filter_matches_id_or_name_case_insensitively_and_keeps_selection() {
        let mut b = BrowserState::new(ListGroupsRequest::new("demo"));
        b.set_groups((0..30).map(group).collect(), 30);
        b.selected = 12; // g12
        b.filter = Input::new("ROOM 1".into());
        b.refilter();
        let ids: Vec<_> = b
            .visible
            .iter()
            .map(|&i| b.groups[i].group_id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "g1", "g10", "g11", "g12", "g13", "g14", "g15", "g16", "g17", "g18", "g19"
            ]
        );
        assert_eq!(b.selected_group().unwrap().group_id, "g12");
        b.filter = Input::new("zzz".into());
        b.refilter();
        assert!(b.selected_group().is_none());
    }

    #[test]
    fn selection_survives_a_reload_when_the_group_is_still_there() {
        let mut b = BrowserState::new(ListGroupsRequest::new("demo"));
        b.set_groups((0..20).map(group).collect(), 20);
        b.selected = 5;
        let reply = ListGroupsResponse {
            request_id: "r".into(),
            total_count: 21,
            page_number: 1,
            page_size: 20,
            group_list: std::iter::once(group(99))
                .chain((0..19).map(group))
                .collect(),
        };
        b.apply_page(b.query.clone(), reply);
        assert_eq!(b.selected_group().unwrap().group_id, "g5");
        assert_eq!(b.page_label(), "page 1/2 · 21 groups");
    }
}
