//! Drawing the browser from `&BrowserState`: what it laid out (where the rows
//! are, the first row shown) is returned for this frame's hit-testing, never
//! written back into the state.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::tui::clock::Clock;
use crate::tui::panes::{draw_input, ellipsize};
use crate::tui::theme::Theme;

use super::BrowserState;

/// Where the browser's rows were drawn this frame, and which row is first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BrowserLayout {
    pub rows: Rect,
    pub offset: usize,
}

impl BrowserLayout {
    /// The row index under screen cell (`x`, `y`), if a row is drawn there.
    pub fn row_at(&self, x: u16, y: u16) -> Option<usize> {
        let a = self.rows;
        let inside = x >= a.x && x < a.x + a.width && y >= a.y && y < a.y + a.height;
        inside.then(|| self.offset + usize::from(y - a.y))
    }
}

/// The columns of the table at `width`: spare width goes to GroupName (the
/// column a moderator reads); narrow tables drop CreatorId (the detail pane
/// shows it) and the year of the date.
pub(super) struct Columns {
    pub id: u16,
    pub name: u16,
    pub creator: Option<u16>,
    pub created: u16,
    pub compact: bool,
}

impl Columns {
    const ADMINS: u16 = 3;
    const STATUS: u16 = 8;

    pub(super) fn for_width(width: u16) -> Self {
        let wide = width >= 100;
        let compact = width < 78;
        let id = if wide { 24 } else { 16 };
        let creator = if compact {
            None
        } else {
            Some(if wide { 14 } else { 10 })
        };
        let created = if compact { 11 } else { 16 };
        let count = if creator.is_some() { 6 } else { 5 };
        let fixed = id + creator.unwrap_or(0) + Self::ADMINS + created + Self::STATUS;
        let name = width.saturating_sub(fixed + (count - 1)).max(8);
        Self {
            id,
            name,
            creator,
            created,
            compact,
        }
    }

    fn constraints(&self) -> Vec<Constraint> {
        let mut c = vec![Constraint::Length(self.id), Constraint::Length(self.name)];
        c.extend(self.creator.map(Constraint::Length));
        c.extend([
            Constraint::Length(Self::ADMINS),
            Constraint::Length(self.created),
            Constraint::Length(Self::STATUS),
        ]);
        c
    }
}

/// Draws the browser into `area`. `busy` marks a page load in flight;
/// `last` is the previous frame's layout (the view scrolls from there).
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &BrowserState,
    theme: &Theme,
    clock: &Clock,
    focused: bool,
    busy: bool,
    last: BrowserLayout,
) -> BrowserLayout {
    if area.width < 3 || area.height < 3 {
        return BrowserLayout::default();
    }
    let all = state.searching_all();
    let q = state.shown();
    let mut title = vec![Span::styled(" Groups ", theme.title())];
    if all {
        title.push(Span::raw(format!(
            "all {} groups of the app",
            state.index.len()
        )));
        if state.sync.running() {
            title.push(Span::styled(" (syncing)", theme.warning()));
        }
        title.push(Span::raw(" "));
    } else {
        title.push(Span::raw(state.page_label()));
        title.push(Span::styled(
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
        ));
    }
    if !state.marked.is_empty() {
        title.push(Span::styled(
            format!("{} marked ", state.marked.len()),
            theme.marked(),
        ));
    }
    if busy && !all {
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
        let counts = if all {
            format!("  {}/{} groups", state.row_count(), state.index.len())
        } else {
            format!("  {}/{} rows", state.visible.len(), state.groups.len())
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![Span::styled(label, theme.accent())])),
            fa,
        );
        let input_w = fa
            .width
            .saturating_sub(2)
            .saturating_sub(counts.len() as u16);
        draw_input(
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

    if state.loaded.is_none() && !all {
        let text = if busy {
            "Loading groups…"
        } else {
            "No page loaded yet (r to load)"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), table_area);
        return BrowserLayout::default();
    }
    let count = state.row_count();
    if count == 0 {
        let text = if all {
            "No group of the app matches (esc clears the search)."
        } else if state.groups.is_empty() {
            "No groups on this page. c creates one."
        } else {
            "No loaded row matches the filter (esc clears it)."
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), table_area);
        return BrowserLayout::default();
    }

    // Header row + the rows that fit.
    let rows_height = usize::from(table_area.height.saturating_sub(1));
    let selected = state.selected.min(count - 1);
    if rows_height == 0 {
        return BrowserLayout::default();
    }
    let mut offset = last.offset;
    if selected < offset {
        offset = selected;
    } else if selected >= offset + rows_height {
        offset = selected + 1 - rows_height;
    }
    let offset = offset.min(count.saturating_sub(rows_height));
    let layout = BrowserLayout {
        rows: Rect::new(
            table_area.x,
            table_area.y + 1,
            table_area.width,
            table_area.height - 1,
        ),
        offset,
    };

    let cols = Columns::for_width(table_area.width);
    let end = (offset + rows_height).min(count);
    let rows: Vec<Row> = (offset..end)
        .filter_map(|i| state.row(i))
        .map(|g| {
            let marked = state.marked.contains_key(&g.group_id);
            let style = if marked {
                theme.marked()
            } else if g.delete {
                theme.deleted()
            } else {
                theme.text()
            };
            let id = if marked {
                format!("● {}", ellipsize(&g.group_id, usize::from(cols.id) - 2))
            } else {
                ellipsize(&g.group_id, usize::from(cols.id))
            };
            let mut cells = vec![
                Cell::from(id),
                Cell::from(ellipsize(&g.group_name, usize::from(cols.name))),
            ];
            if let Some(w) = cols.creator {
                cells.push(Cell::from(ellipsize(&g.creator_id, usize::from(w))));
            }
            cells.extend([
                Cell::from(format!("{:>3}", g.admin_list.len())),
                Cell::from(if cols.compact {
                    clock.compact(g.createtime)
                } else {
                    clock.short(g.createtime)
                }),
                Cell::from(if g.delete { "deleted" } else { "existing" }),
            ]);
            Row::new(cells).style(style)
        })
        .collect();
    let mut titles = vec!["GroupId", "GroupName"];
    if cols.creator.is_some() {
        titles.push("CreatorId");
    }
    titles.extend(["Adm", "Created", "Status"]);
    let header = Row::new(titles).style(theme.accent().add_modifier(Modifier::BOLD));
    let selected_style = if focused {
        theme.selected()
    } else {
        theme.selected().remove_modifier(Modifier::BOLD)
    };
    let table = Table::new(rows, cols.constraints())
        .header(header)
        .column_spacing(1)
        .row_highlight_style(selected_style);
    let mut ts = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, table_area, &mut ts);
    layout
}

#[cfg(test)]
mod tests {
    use super::Columns;

    #[test]
    fn spare_width_goes_to_the_name() {
        // The browser beside the detail pane at 120 columns is 67 wide inside:
        // GroupName used to get 14 columns there.
        let c = Columns::for_width(67);
        assert!(c.name >= 25, "{}", c.name);
        assert!(c.creator.is_none());
        let c = Columns::for_width(198);
        assert_eq!(
            c.id + c.name + c.creator.unwrap() + 3 + c.created + 8 + 5,
            198
        );
        assert!(c.name > 100);
    }
}
