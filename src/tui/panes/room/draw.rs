//! Drawing the room from `&RoomPane`: header, tab bar, the tab, the outcome.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::api::validate::limits;
use crate::catalogue::Catalogue;
use crate::tui::clock::Clock;
use crate::tui::panes::detail::info_lines;
use crate::tui::panes::{byte_counter, draw_input, ellipsize};
use crate::tui::theme::Theme;

use super::edit::{EditField, InfoEdit};
use super::lines::{MessageLine, safe, type_name};
use super::{RoomPane, Tab};

/// What drawing needs besides the pane.
pub struct Look<'a> {
    pub theme: &'a Theme,
    pub clock: &'a Clock,
    pub catalogue: &'a Catalogue,
    /// Messages of this room a rule flagged: MsgTid → the first rule's name.
    pub flagged: &'a std::collections::BTreeMap<String, String>,
}

pub fn draw(frame: &mut Frame, area: Rect, pane: &RoomPane, look: &Look<'_>) {
    frame.render_widget(Clear, area);
    if area.width < 10 || area.height < 6 {
        return;
    }
    let theme = look.theme;
    let block = theme.focused_block(format!(" Room {} ", safe(pane.group_id())));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = usize::from(inner.width);
    let row = |y: u16| Rect::new(inner.x, inner.y + y, inner.width, 1);

    frame.render_widget(
        Paragraph::new(Line::styled(header_text(pane, look, w), theme.text())),
        row(0),
    );
    frame.render_widget(Paragraph::new(tab_bar(pane, theme)), row(1));

    // The outcome wraps (a MsgTid and a RequestId do not fit 80 columns on
    // one line); up to three rows, taken from the tab's.
    let outcome_rows: Vec<String> = match &pane.outcome {
        Some((_, text)) if pane.mute_input().is_none() => {
            let mut rows = crate::tui::panes::wrap_text(text, w);
            let max = usize::from(inner.height.saturating_sub(4)).clamp(1, 3);
            if rows.len() > max {
                rows.truncate(max);
                let last = rows.last_mut().expect("at least one row");
                *last = ellipsize(&format!("{last} …"), w);
            }
            rows
        }
        _ => Vec::new(),
    };
    let foot = outcome_rows.len().max(1) as u16;
    let body = Rect::new(
        inner.x,
        inner.y + 2,
        inner.width,
        inner.height.saturating_sub(2 + foot),
    );
    match pane.tab {
        Tab::Messages => draw_messages(frame, body, pane, look),
        Tab::Users => draw_users(frame, body, pane, theme),
        Tab::Mutes => draw_mutes(frame, body, pane, theme),
        Tab::Info => draw_info(frame, body, pane, look),
    }

    let last = row(inner.height - 1);
    if let Some(input) = pane.mute_input() {
        let label = "mute user: ";
        frame.render_widget(Paragraph::new(Span::styled(label, theme.accent())), last);
        let x = last.x + label.len() as u16;
        let field = Rect::new(x, last.y, last.width.saturating_sub(label.len() as u16), 1);
        draw_input(frame, field, input, theme.text(), true);
    } else if let Some((ok, _)) = &pane.outcome {
        let style = if pane.is_confirming() {
            theme.warning()
        } else if *ok {
            theme.success()
        } else {
            theme.error()
        };
        let lines: Vec<Line> = outcome_rows
            .into_iter()
            .map(|r| Line::styled(r, style))
            .collect();
        let area = Rect::new(
            inner.x,
            inner.y + inner.height.saturating_sub(foot),
            inner.width,
            foot,
        );
        frame.render_widget(Paragraph::new(lines), area);
    }
}

/// "online 12 · 340 messages (text 300, gift 40) · room muted · deleted",
/// fitted to `width`: the counts by type go first, then the group name is
/// shortened; the facts (online, messages, mutes) are never cut.
fn header_text(pane: &RoomPane, look: &Look<'_>, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let (name, facts, by_type) = header_parts(pane, look);
    let full = |facts: &[String]| {
        let mut all: Vec<String> = name.iter().cloned().collect();
        all.extend_from_slice(facts);
        all.join(" · ")
    };
    let text = full(&facts);
    if text.width() <= width {
        return text;
    }
    // Without the counts by type.
    let short: Vec<String> = facts
        .iter()
        .map(|f| match &by_type {
            Some(t) => f.replace(t.as_str(), ""),
            None => f.clone(),
        })
        .collect();
    let text = full(&short);
    if text.width() <= width {
        return text;
    }
    // The name takes what the facts leave, or gives way.
    let rest = short.join(" · ");
    let room = width.saturating_sub(rest.width() + 3);
    match &name {
        Some(n) if room >= 8 => format!("{} · {rest}", ellipsize(n, room)),
        _ => ellipsize(&rest, width),
    }
}

/// The room's name, its facts, and the " (text 300, gift 40)" counts by type
/// (inside one of the facts), for [`header_text`].
fn header_parts(pane: &RoomPane, look: &Look<'_>) -> (Option<String>, Vec<String>, Option<String>) {
    let mut name = None;
    let mut by_type_text = None;
    let mut parts = Vec::new();
    match &pane.describe {
        None => parts.push("loading the room…".to_string()),
        Some(d) => {
            if !d.group_name.is_empty() {
                name = Some(safe(&d.group_name).into_owned());
            }
            if let Some(n) = d.online_user_counts {
                parts.push(format!("online {n}"));
            }
            if let Some(amounts) = &d.msg_amount {
                let total: i64 = amounts.values().sum();
                let by_type: Vec<String> = amounts
                    .iter()
                    .map(|(t, n)| match t.parse::<i64>() {
                        Ok(t) => format!("{} {n}", type_name(look.catalogue, t)),
                        Err(_) => format!("{} {n}", safe(t)),
                    })
                    .collect();
                let messages = plural(total, "message", "messages");
                if by_type.is_empty() {
                    parts.push(messages);
                } else {
                    let detail = format!(" ({})", by_type.join(", "));
                    parts.push(format!("{messages}{detail}"));
                    by_type_text = Some(detail);
                }
            }
            if d.delete {
                parts.push("DELETED".into());
            }
        }
    }
    match &pane.band {
        Some(b) if b.is_banned_all => parts.push("room muted".into()),
        Some(b) => parts.push(format!("{} muted", b.banned_user_list.len())),
        None => {}
    }
    (name, parts, by_type_text)
}

/// "1 message", "0 messages", "2 messages".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn tab_bar<'a>(pane: &RoomPane, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let style = if *tab == pane.tab {
            theme.focused_label()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(format!(" {} {} ", i + 1, tab.title()), style));
    }
    if pane.tab == Tab::Messages {
        let n = pane.room.new_below();
        let state = if pane.room.is_following() {
            format!("  following · {} held", pane.room.len())
        } else if n > 0 {
            format!("  {n} new ↓")
        } else {
            "  held (G follows)".to_string()
        };
        let style = if n > 0 { theme.warning() } else { theme.dim() };
        spans.push(Span::styled(state, style));
    }
    Line::from(spans)
}

/// The first row to draw so that `selected` shows in `height` rows, moving
/// `offset` as little as possible (the view holds still while scrolled up).
fn window(offset: usize, selected: usize, len: usize, height: usize, following: bool) -> usize {
    let max = len.saturating_sub(height);
    if following {
        return max;
    }
    let offset = offset.min(max);
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}

fn draw_messages(frame: &mut Frame, area: Rect, pane: &RoomPane, look: &Look<'_>) {
    let theme = look.theme;
    let height = usize::from(area.height);
    if pane.room.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("No messages yet", theme.dim())),
            area,
        );
        return;
    }
    let selected = pane.room.selected_index().unwrap_or(0);
    let offset = window(
        pane.offset.get(),
        selected,
        pane.room.len(),
        height,
        pane.room.is_following(),
    );
    pane.offset.set(offset);
    let w = usize::from(area.width);
    let sender_w = (w / 6).clamp(8, 16);
    let kind_w = (w / 8).clamp(8, 14);
    let rows: Vec<Line> = pane
        .room
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, held)| {
            let l = MessageLine::new(&held.message, look.catalogue, look.clock);
            let flag = look.flagged.get(&held.message.msg_tid);
            let body = match (held.recalled, flag) {
                (true, Some(rule)) => format!("(recalled) ⚑ {rule} · {}", l.body),
                (true, None) => format!("(recalled) {}", l.body),
                (false, Some(rule)) => format!("⚑ {rule} · {}", l.body),
                (false, None) => l.body,
            };
            let text = format!(
                "{} {:<sw$} {:<kw$} {}",
                l.time,
                ellipsize(&l.sender, sender_w),
                ellipsize(&l.kind, kind_w),
                body,
                sw = sender_w,
                kw = kind_w
            );
            let style = if i == selected {
                theme.selected()
            } else if held.recalled {
                theme.deleted()
            } else if flag.is_some() {
                theme.warning()
            } else {
                theme.text()
            };
            Line::styled(ellipsize(&text, w), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(rows), area);
}

fn draw_users(frame: &mut Frame, area: Rect, pane: &RoomPane, theme: &Theme) {
    if pane.users.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("No users listed (r reloads)", theme.dim())),
            area,
        );
        return;
    }
    let admins: &[String] = pane.describe.as_ref().map_or(&[], |d| &d.admin_list);
    let muted: &[String] = pane.band.as_ref().map_or(&[], |b| &b.banned_user_list);
    let height = usize::from(area.height);
    let sel = pane.user_selection();
    let offset = window(0, sel, pane.users.len(), height, false);
    let w = usize::from(area.width);
    let rows: Vec<Line> = pane
        .users
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, u)| {
            let mut marks = String::new();
            if admins.contains(&u.user_id) {
                marks.push_str("[admin] ");
            }
            if muted.contains(&u.user_id) {
                marks.push_str("[muted] ");
            }
            let text = format!(
                "{:<20} {:<16} {}",
                ellipsize(&safe(&u.user_id), 20),
                marks,
                safe(&u.user_info)
            );
            let style = if i == sel {
                theme.selected()
            } else {
                theme.text()
            };
            Line::styled(ellipsize(&text, w), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(rows), area);
}

fn draw_mutes(frame: &mut Frame, area: Rect, pane: &RoomPane, theme: &Theme) {
    let Some(band) = &pane.band else {
        frame.render_widget(
            Paragraph::new(Line::styled("Reading the mutes…", theme.dim())),
            area,
        );
        return;
    };
    let w = usize::from(area.width);
    let mut lines = vec![Line::styled(
        if band.is_banned_all {
            "The whole room is muted (b lifts it)"
        } else {
            "The room is open (B mutes it)"
        },
        if band.is_banned_all {
            theme.warning()
        } else {
            theme.text()
        },
    )];
    let except: Vec<String> = band
        .unbanned_user_list
        .iter()
        .map(|u| safe(u).into_owned())
        .collect();
    lines.push(Line::styled(
        ellipsize(
            &format!(
                "Excepted: {}",
                if except.is_empty() {
                    "nobody".to_string()
                } else {
                    except.join(", ")
                }
            ),
            w,
        ),
        theme.dim(),
    ));
    lines.push(Line::styled(
        format!("Muted users ({}):", band.banned_user_list.len()),
        theme.title(),
    ));
    let room_for = usize::from(area.height).saturating_sub(lines.len());
    let sel = pane.mute_selection();
    let offset = window(0, sel, band.banned_user_list.len(), room_for, false);
    for (i, u) in band
        .banned_user_list
        .iter()
        .enumerate()
        .skip(offset)
        .take(room_for)
    {
        let style = if i == sel {
            theme.selected()
        } else {
            theme.text()
        };
        lines.push(Line::styled(ellipsize(&format!("  {}", safe(u)), w), style));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The Info editor: the two fields the service lets a group change.
fn draw_edit(frame: &mut Frame, area: Rect, editor: &InfoEdit, theme: &Theme) {
    let w = usize::from(area.width);
    let mut lines = vec![
        Line::styled(
            ellipsize(
                "Edit GroupInfo and the administrators (the service cannot rename a group)",
                w,
            ),
            theme.title(),
        ),
        Line::default(),
    ];
    let label_w = 30u16;
    let fields = [
        (
            EditField::Admins,
            format!("Admins (≤{}, commas)", limits::ADMINISTRATORS_MAX),
            &editor.admins,
        ),
        (
            EditField::Info,
            format!(
                "Info ({})",
                byte_counter(editor.info.value().len(), limits::GROUP_INFO_MAX)
            ),
            &editor.info,
        ),
    ];
    for (i, (field, label, _)) in fields.iter().enumerate() {
        let focused = editor.field == *field;
        let marker = if focused { "▸ " } else { "  " };
        let style = if focused {
            theme.focused_label()
        } else {
            theme.dim()
        };
        lines.push(Line::styled(format!("{marker}{label}"), style));
        if i == 0 {
            lines.push(Line::default());
        }
    }
    lines.push(Line::default());
    if let Some(problem) = &editor.problem {
        lines.push(Line::styled(
            ellipsize(&format!("✗ {problem}"), w),
            theme.error(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
    // The inputs sit right of their labels (rows 2 and 4).
    for (row, (field, _, input)) in [2u16, 4].into_iter().zip(fields.iter()) {
        if row >= area.height || area.width <= label_w + 2 {
            continue;
        }
        let rect = Rect::new(area.x + label_w, area.y + row, area.width - label_w, 1);
        draw_input(frame, rect, input, theme.text(), editor.field == *field);
    }
}

fn draw_info(frame: &mut Frame, area: Rect, pane: &RoomPane, look: &Look<'_>) {
    let theme = look.theme;
    if let Some(editor) = pane.editor() {
        return draw_edit(frame, area, editor, theme);
    }
    let Some(d) = &pane.describe else {
        frame.render_widget(
            Paragraph::new(Line::styled("Describing the room…", theme.dim())),
            area,
        );
        return;
    };
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<10}"), theme.dim()),
            Span::styled(value, theme.text()),
        ])
    };
    let admins: Vec<String> = d.admin_list.iter().map(|a| safe(a).into_owned()).collect();
    let mut lines = vec![
        field("GroupId", safe(&d.group_id).into_owned()),
        field("Name", safe(&d.group_name).into_owned()),
        field("Creator", safe(&d.creator_id).into_owned()),
        field(
            "Admins",
            if admins.is_empty() {
                "none".into()
            } else {
                admins.join(", ")
            },
        ),
        field("Created", look.clock.long(d.createtime)),
        field("Info", String::new()),
    ];
    let (_, info) = info_lines(&d.group_info, area.width.saturating_sub(2));
    lines.extend(
        info.into_iter()
            .map(|l| Line::styled(format!("  {}", safe(&l)), theme.text())),
    );
    frame.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
    use super::{plural, window};

    #[test]
    fn one_message_is_singular() {
        assert_eq!(plural(1, "message", "messages"), "1 message");
        assert_eq!(plural(0, "message", "messages"), "0 messages");
        assert_eq!(plural(12, "message", "messages"), "12 messages");
    }

    #[test]
    fn the_window_follows_the_bottom_and_otherwise_moves_only_to_keep_the_selection() {
        assert_eq!(window(0, 99, 100, 10, true), 90);
        // Held: the view does not move while the selection is on screen.
        assert_eq!(window(50, 55, 200, 10, false), 50);
        assert_eq!(window(50, 45, 200, 10, false), 45);
        assert_eq!(window(50, 70, 200, 10, false), 61);
        assert_eq!(window(0, 3, 5, 10, false), 0);
    }
}
