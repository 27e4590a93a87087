//! The group browser: one server page of groups as a table, with server paging,
//! sort, status filter, and a `/` filter over the loaded rows.
//!
//! Only the rows that fit on screen are built when drawing, so a page (or a
//! cache) of thousands of groups costs no more to draw than twenty.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use tui_input::Input;

use crate::api::{Group, ListGroupsRequest, ListGroupsResponse, page_count};
use crate::tui::clock::Clock;
use crate::tui::theme::Theme;

use super::ellipsize;

/// Page sizes the size key cycles through.
pub const PAGE_SIZES: [u32; 3] = [10, 20, 50];

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
    /// Index into `visible`.
    pub selected: usize,
    /// First visible row drawn (scroll position; kept by drawing so the
    /// selection stays in view).
    pub offset: std::cell::Cell<usize>,
    /// Where the rows were drawn in the last frame (for mouse clicks); reset
    /// at the start of every frame.
    pub rows_area: std::cell::Cell<Rect>,
    /// Select this group when the next page arrives (after a create).
    pub select_after_load: Option<String>,
    /// Marked groups (by GroupId), kept across pages: m and d act on them all.
    pub marked: std::collections::BTreeMap<String, Group>,
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
            offset: std::cell::Cell::new(0),
            rows_area: std::cell::Cell::new(Rect::default()),
            select_after_load: None,
            marked: Default::default(),
            applied_filter: None,
        }
    }

    /// Marks or unmarks the selected group; returns whether it is now marked.
    pub fn toggle_mark(&mut self) -> Option<bool> {
        let g = self.selected_group()?.clone();
        if self.marked.remove(&g.group_id).is_some() {
            Some(false)
        } else {
            self.marked.insert(g.group_id.clone(), g);
            Some(true)
        }
    }

    pub fn page_count(&self) -> Option<u32> {
        self.total.map(|t| page_count(t, self.query.page_size))
    }

    pub fn selected_group(&self) -> Option<&Group> {
        self.visible
            .get(self.selected)
            .and_then(|&i| self.groups.get(i))
    }

    /// Replaces the rows with a page that arrived, keeping the selection on the
    /// same group when it is still there.
    pub fn apply_page(&mut self, request: ListGroupsRequest, reply: ListGroupsResponse) {
        let keep = self
            .select_after_load
            .take()
            .or_else(|| self.selected_group().map(|g| g.group_id.clone()));
        self.total = Some(reply.total_count);
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

    pub fn refilter(&mut self) {
        let keep = self.selected_group().map(|g| g.group_id.clone());
        self.refilter_keeping(keep.as_deref());
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
        if self.visible.is_empty() {
            self.selected = 0;
            return;
        }
        let last = self.visible.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn select_first(&mut self) {
        self.selected = 0;
    }

    pub fn select_last(&mut self) {
        self.selected = self.visible.len().saturating_sub(1);
    }

    /// Selects the row drawn at screen row `y`, if there is one.
    pub fn click(&mut self, x: u16, y: u16) -> bool {
        let a = self.rows_area.get();
        if x < a.x || x >= a.x + a.width || y < a.y || y >= a.y + a.height {
            return false;
        }
        let index = self.offset.get() + usize::from(y - a.y);
        if index < self.visible.len() {
            self.selected = index;
            true
        } else {
            false
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

/// Draws the browser into `area`. `busy` marks a page load in flight.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &BrowserState,
    theme: &Theme,
    clock: &Clock,
    focused: bool,
    busy: bool,
) {
    if area.width < 3 || area.height < 3 {
        return;
    }
    let q = state.shown();
    let mut title = vec![
        Span::styled(" Groups ", theme.title()),
        Span::raw(state.page_label()),
        Span::styled(
            format!(
                " · {} · {} · {}/page ",
                q.group_status.as_str(),
                if q.sort_type.as_str() == "asc" {
                    "oldest first"
                } else {
                    "newest first"
                },
                q.page_size
            ),
            theme.dim(),
        ),
    ];
    if !state.marked.is_empty() {
        title.push(Span::styled(
            format!("{} marked ", state.marked.len()),
            theme.marked(),
        ));
    }
    if busy {
        title.push(Span::styled(
            format!("loading page {}… ", state.query.page_number),
            theme.warning(),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // The filter line sits at the bottom of the box while it is in use.
    let show_filter = state.filter_editing || !state.filter.value().is_empty();
    let (table_area, filter_area) = if show_filter && inner.height >= 3 {
        (
            Rect::new(inner.x, inner.y, inner.width, inner.height - 1),
            Some(Rect::new(
                inner.x,
                inner.y + inner.height - 1,
                inner.width,
                1,
            )),
        )
    } else {
        (inner, None)
    };

    if let Some(fa) = filter_area {
        let label = "/ ";
        let counts = format!("  {}/{} rows", state.visible.len(), state.groups.len());
        frame.render_widget(
            Paragraph::new(Line::from(vec![Span::styled(label, theme.accent())])),
            fa,
        );
        let input_w = fa
            .width
            .saturating_sub(2)
            .saturating_sub(counts.len() as u16);
        super::draw_input(
            frame,
            Rect::new(fa.x + 2, fa.y, input_w, 1),
            &state.filter,
            theme.text(),
            state.filter_editing,
        );
        if fa.width > input_w + 2 {
            frame.render_widget(
                Paragraph::new(Span::styled(counts, theme.dim())),
                Rect::new(fa.x + 2 + input_w, fa.y, fa.width - 2 - input_w, 1),
            );
        }
    }

    if state.loaded.is_none() {
        let text = if busy {
            "Loading groups…"
        } else {
            "No page loaded yet (r to load)"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), table_area);
        return;
    }
    if state.visible.is_empty() {
        let text = if state.groups.is_empty() {
            "No groups on this page. c creates one."
        } else {
            "No loaded row matches the filter (esc clears it)."
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), table_area);
        return;
    }

    // Header row + the rows that fit.
    let rows_height = usize::from(table_area.height.saturating_sub(1));
    let selected = state.selected.min(state.visible.len() - 1);
    if rows_height == 0 {
        return;
    }
    let mut offset = state.offset.get();
    if selected < offset {
        offset = selected;
    } else if selected >= offset + rows_height {
        offset = selected + 1 - rows_height;
    }
    let offset = offset.min(state.visible.len().saturating_sub(rows_height));
    state.offset.set(offset);
    state.rows_area.set(Rect::new(
        table_area.x,
        table_area.y + 1,
        table_area.width,
        table_area.height - 1,
    ));

    let wide = table_area.width >= 100;
    // Below 78 columns (the browser beside the detail pane) the date drops its year.
    let compact = table_area.width < 78;
    let id_w: u16 = if wide { 24 } else { 16 };
    let creator_w: u16 = if wide { 14 } else { 10 };
    let created_w: u16 = if compact { 11 } else { 16 };
    let widths = [
        Constraint::Length(id_w),
        Constraint::Min(8),
        Constraint::Length(creator_w),
        Constraint::Length(3),
        Constraint::Length(created_w),
        Constraint::Length(8),
    ];
    let end = (offset + rows_height).min(state.visible.len());
    let rows: Vec<Row> = state.visible[offset..end]
        .iter()
        .map(|&i| {
            let g = &state.groups[i];
            let marked = state.marked.contains_key(&g.group_id);
            let style = if marked {
                theme.marked()
            } else if g.delete {
                theme.deleted()
            } else {
                theme.text()
            };
            let id = if marked {
                format!("● {}", ellipsize(&g.group_id, usize::from(id_w) - 2))
            } else {
                ellipsize(&g.group_id, usize::from(id_w))
            };
            Row::new(vec![
                Cell::from(id),
                Cell::from(ellipsize(&g.group_name, 64)),
                Cell::from(ellipsize(&g.creator_id, usize::from(creator_w))),
                Cell::from(format!("{:>3}", g.admin_list.len())),
                Cell::from(if compact {
                    clock.compact(g.createtime)
                } else {
                    clock.short(g.createtime)
                }),
                Cell::from(if g.delete { "deleted" } else { "existing" }),
            ])
            .style(style)
        })
        .collect();
    let header = Row::new(vec![
        "GroupId",
        "GroupName",
        "CreatorId",
        "Adm",
        "Created",
        "Status",
    ])
    .style(theme.accent().add_modifier(Modifier::BOLD));
    let selected_style = if focused {
        theme.selected()
    } else {
        theme.selected().remove_modifier(Modifier::BOLD)
    };
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(selected_style);
    let mut ts = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, table_area, &mut ts);
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn group(i: usize) -> Group {
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
