//! Drawing the compose pane.

use super::*;

/// Draws the compose pane; `read_only` replaces it with an explanation.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &ComposeState,
    catalogue: &Catalogue,
    theme: &Theme,
    clock: &Clock,
    focused: bool,
    read_only: bool,
    send_key: Option<String>,
    sending: bool,
) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Span::styled(" Compose ", theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width < 20 || inner.height < 4 {
        return;
    }
    if read_only {
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled("Read-only mode: sending is disabled.", theme.warning()),
                Line::styled(
                    "Start livemod without --read-only to send messages.",
                    theme.dim(),
                ),
            ]),
            inner,
        );
        return;
    }
    let problems = state.problems(catalogue);
    let problem_of = |f: Field| {
        problems
            .iter()
            .find(|(pf, _)| *pf == f)
            .map(|(_, p)| p.clone())
    };
    let label_w = 9u16;
    let counter_w = 14u16;
    let x = inner.x;
    let w = inner.width;
    let mut y = inner.y;
    let bottom = inner.y + inner.height;

    // To: line.
    let to_label = Span::styled(format!("{:<9}", "To"), theme.accent());
    let to = match &state.recipients {
        Recipients::Marked(groups) => {
            let ids: Vec<&str> = groups.iter().map(|g| g.group_id.as_str()).collect();
            Line::from(vec![
                to_label,
                Span::styled(format!("{} marked groups", groups.len()), theme.warning()),
                Span::styled(format!("  {}", ellipsize(&ids.join(", "), 50)), theme.dim()),
            ])
        }
        Recipients::OutboxEntry { entry, group_id } => Line::from(vec![
            to_label,
            Span::styled(ellipsize(group_id, 40), theme.text()),
            Span::styled(format!("  editing outbox #{entry}"), theme.warning()),
        ]),
        Recipients::Group(g) => Line::from(vec![
            to_label,
            Span::styled(
                ellipsize(&g.group_id, 40),
                if g.delete {
                    theme.deleted()
                } else {
                    theme.text()
                },
            ),
            Span::styled(
                format!(
                    "  {}{}",
                    ellipsize(&g.group_name, 30),
                    if g.delete { " (deleted)" } else { "" }
                ),
                theme.dim(),
            ),
        ]),
        Recipients::Nobody => Line::styled(
            "No group selected: pick one in the browser.",
            theme.warning(),
        ),
    };
    frame.render_widget(Paragraph::new(to), Rect::new(x, y, w, 1));
    y += 1;

    let label_style = |f: Field| {
        if focused && state.field == f {
            theme.focused_label()
        } else if problem_of(f).is_some() {
            theme.error()
        } else {
            theme.dim()
        }
    };
    // A marker as well as a style: the focus shows without colour too.
    let marked = |name: &str, f: Field| {
        if focused && state.field == f {
            format!("▸{}", name.trim_start())
        } else {
            name.to_string()
        }
    };
    let row_label = |frame: &mut Frame, y: u16, name: &str, f: Field| {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{:<9}", marked(&format!(" {name}"), f)),
                label_style(f),
            )),
            Rect::new(x, y, label_w.min(w), 1),
        );
    };
    let counter = |frame: &mut Frame, y: u16, text: String, bad: bool| {
        let style = if bad { theme.error() } else { theme.dim() };
        let cw = counter_w.min(w);
        frame.render_widget(
            Paragraph::new(Span::styled(format!("{text:>14}"), style)).right_aligned(),
            Rect::new(x + w - cw, y, cw, 1),
        );
    };
    let input_w = w.saturating_sub(label_w + counter_w + 1);

    // Type.
    if y < bottom {
        row_label(frame, y, "Type", Field::Type);
        let text = match (state.other_type, state.msg_type(catalogue)) {
            (Some(n), _) => vec![
                Span::styled(format!("◀ {n} ▶"), theme.text()),
                Span::styled("  not in the catalogue (kept as it was)", theme.dim()),
            ],
            (None, Some(t)) => {
                let name = format!("◀ {} {} ▶", t.number, t.name);
                // What does not fit is marked as cut, never silently dropped.
                let room = usize::from(w.saturating_sub(label_w))
                    .saturating_sub(unicode_width::UnicodeWidthStr::width(name.as_str()));
                let about = format!("  {}{}", if t.json { "JSON · " } else { "" }, t.description);
                vec![
                    Span::styled(name, theme.text()),
                    Span::styled(ellipsize(&about, room), theme.dim()),
                ]
            }
            (None, None) => vec![Span::styled("(catalogue is empty)", theme.error())],
        };
        frame.render_widget(
            Paragraph::new(Line::from(text)),
            Rect::new(x + label_w, y, w.saturating_sub(label_w), 1),
        );
        y += 1;
    }
    // Single-line fields.
    for (name, f, limit) in [
        ("Sender", Field::Sender, limits::ID_MAX),
        ("Meta", Field::Meta, limits::SENDER_META_MAX),
        ("MsgTid", Field::Tid, limits::ID_MAX),
    ] {
        if y >= bottom {
            break;
        }
        row_label(frame, y, name, f);
        let input = match f {
            Field::Sender => &state.sender,
            Field::Meta => &state.meta,
            _ => &state.tid,
        };
        draw_input(
            frame,
            Rect::new(x + label_w, y, input_w, 1),
            input,
            theme.text(),
            focused && state.field == f,
        );
        counter(
            frame,
            y,
            byte_counter(input.value().len(), limit),
            problem_of(f).is_some(),
        );
        y += 1;
    }
    // Weight and StaticsIncrease on one line, the two toggles on the next,
    // each with the moderator's word beside the API name.
    let check = |b: bool| if b { "[x]" } else { "[ ]" };
    let rows = [
        vec![
            (
                "Weight/priority ",
                Field::Weight,
                state.weight.value().to_string(),
            ),
            (
                "  StaticsIncrease/counts toward stats ",
                Field::Statics,
                state.statics.value().to_string(),
            ),
        ],
        vec![
            (
                "NoStorage ",
                Field::NoStorage,
                check(state.no_storage).to_string(),
            ),
            (
                "  NoCache ",
                Field::NoCache,
                check(state.no_cache).to_string(),
            ),
        ],
    ];
    // Pack each row's items into lines that fit the pane (never cut a label).
    let mut lines: Vec<Vec<(&str, Field, String)>> = Vec::new();
    for row in rows {
        let mut line: Vec<(&str, Field, String)> = Vec::new();
        // One column of indent, where the focus marker goes.
        let mut used = 1usize;
        for (name, f, value) in row {
            let name = if line.is_empty() {
                name.trim_start()
            } else {
                name
            };
            let item_w = name.chars().count() + value.chars().count().max(3);
            if !line.is_empty() && used + item_w > usize::from(w) {
                lines.push(std::mem::take(&mut line));
                used = 1;
                let name = name.trim_start();
                used += name.chars().count() + value.chars().count().max(3);
                line.push((name, f, value));
                continue;
            }
            used += item_w;
            line.push((name, f, value));
        }
        lines.push(line);
    }
    for line in lines {
        if y >= bottom {
            break;
        }
        let mut spans = Vec::new();
        for (name, f, value) in line {
            let name = if name.starts_with(' ') {
                name.to_string()
            } else {
                format!(" {name}")
            };
            // The marker takes the last column of the indent.
            let name = if focused && state.field == f {
                let text = name.trim_start();
                let lead = name.len() - text.len();
                format!("{}▸{text}", " ".repeat(lead - 1))
            } else {
                name
            };
            spans.push(Span::styled(name, label_style(f)));
            let vs = if focused && state.field == f {
                theme.selected()
            } else {
                theme.text()
            };
            spans.push(Span::styled(format!("{value:<3}"), vs));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), Rect::new(x, y, w, 1));
        y += 1;
    }
    // Body header.
    if y < bottom {
        row_label(frame, y, "Body", Field::Body);
        let json_state = match state.msg_type(catalogue) {
            Some(t) if t.json => match problem_of(Field::Body) {
                Some(_) => Span::styled("invalid JSON", theme.error()),
                None => Span::styled("valid JSON", theme.success()),
            },
            _ => Span::raw(""),
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                json_state,
                Span::styled(lines_label(state.body.line_count()), theme.dim()),
            ])),
            Rect::new(x + label_w, y, input_w, 1),
        );
        counter(
            frame,
            y,
            byte_counter(state.body.len_bytes(), limits::BODY_MAX),
            state.body.len_bytes() > limits::BODY_MAX,
        );
        y += 1;
    }
    // Below the body: the result, wrapped (a failed send says what can be
    // done first, then why), and the sent log, when there is room.
    let result = if sending {
        Some(("Sending…".to_string(), theme.warning()))
    } else if let Some(why) = state.refused.as_ref().filter(|_| focused) {
        Some((format!("! {why}"), theme.warning()))
    } else if let Some(problem) = focused.then(|| problem_of(state.field)).flatten() {
        Some((format!("✗ {problem}"), theme.error()))
    } else if let Some((ok, text)) = &state.last {
        Some((
            text.clone(),
            if *ok { theme.success() } else { theme.error() },
        ))
    } else {
        None
    };
    let (result, result_style) = result.unwrap_or_else(|| {
        (
            match send_key {
                Some(k) => format!("{k} sends · tab next field · esc back"),
                None => "tab next field · esc back".to_string(),
            },
            theme.dim(),
        )
    });
    let result = super::super::wrap_text(&result, usize::from(w));
    let room = bottom.saturating_sub(y);
    let log_rows = if room >= 10 {
        state.sent.len().min(3) as u16
    } else {
        0
    };
    // The Body keeps at least two rows; the result takes what is left (≤ 4).
    let result_rows = if room >= 4 {
        (result.len() as u16).min(4).min(room - 2)
    } else {
        0
    };
    let body_h = bottom
        .saturating_sub(y)
        .saturating_sub(log_rows + result_rows);
    if body_h > 0 {
        state.body.draw(
            frame,
            Rect::new(x + 1, y, w.saturating_sub(1), body_h),
            theme.text(),
            focused && state.field == Field::Body,
        );
        y += body_h;
    }
    if result_rows > 0 && y < bottom {
        let lines: Vec<Line> = result
            .into_iter()
            .take(usize::from(result_rows))
            .map(|l| Line::styled(l, result_style))
            .collect();
        let h = result_rows.min(bottom - y);
        frame.render_widget(Paragraph::new(lines), Rect::new(x, y, w, h));
        y += h;
    }
    for entry in state.sent.iter().rev().take(usize::from(log_rows)) {
        if y >= bottom {
            break;
        }
        let text = format!(
            "{} → {} type {} MsgTid {} RequestId {} {}",
            clock.time(entry.at),
            entry.group_id,
            entry
                .msg_type
                .map_or_else(|| "-".to_string(), |t| t.to_string()),
            entry.msg_tid,
            entry.request_id,
            entry.preview
        );
        frame.render_widget(
            Paragraph::new(Span::styled(ellipsize(&text, usize::from(w)), theme.dim())),
            Rect::new(x, y, w, 1),
        );
        y += 1;
    }
}

/// "  1 line", "  3 lines" beside Body.
fn lines_label(n: usize) -> String {
    if n == 1 {
        "  1 line".to_string()
    } else {
        format!("  {n} lines")
    }
}

#[cfg(test)]
mod lines_tests {
    #[test]
    fn one_line_is_singular() {
        assert_eq!(super::lines_label(1), "  1 line");
        assert_eq!(super::lines_label(2), "  2 lines");
    }
}
