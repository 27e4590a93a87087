//! Drawing the whole console from the app state: layout, panes, overlays.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::action::Action;
use super::app::{App, Focus, Overlay};
use super::panes::FrameAreas;
use super::panes::{
    browser, command, compose, confirm, create, detail, header, help, outbox, sentlog, status,
};

/// The size the full layout is made for; below it one pane is shown at a
/// time (the focused one), which is also what happens below [`WIDE`].
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// Below this nothing useful fits: a notice says so.
pub const TINY_WIDTH: u16 = 30;
pub const TINY_HEIGHT: u16 = 6;
/// From this width on, the browser and the detail/compose pane sit side by side.
pub const WIDE: u16 = 120;

/// Draws one frame from the app state and records what it laid out as the
/// app's last frame.
pub fn draw(frame: &mut Frame, app: &App) {
    let areas = draw_frame(frame, app);
    app.areas.set(areas);
}

/// Draws one frame; returns what the panes laid out.
pub fn draw_frame(frame: &mut Frame, app: &App) -> FrameAreas {
    let mut areas = FrameAreas::default();
    let last = app.areas.get();
    let area = frame.area();
    if area.width < TINY_WIDTH || area.height < TINY_HEIGHT {
        let text = vec![
            Line::styled("Terminal too small", app.theme.error()),
            Line::raw(format!(
                "{}×{}; livemod needs at least {TINY_WIDTH}×{TINY_HEIGHT} ({MIN_WIDTH}×{MIN_HEIGHT} for the full layout).",
                area.width, area.height
            )),
            Line::styled("Enlarge the window, or press q to quit.", app.theme.dim()),
        ];
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return areas;
    }
    let [top, main, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let dc = app
        .ctx
        .data_center
        .map_or("cn-shanghai (default)", |d| d.as_str());
    let busy = app.busy_label().map(|what| (app.spinner, what));
    header::draw(
        frame,
        top,
        &header::HeaderInfo {
            backend: &app.ctx.backend,
            app_id: &app.ctx.app_id,
            data_center: dc,
            profile: app.ctx.profile.as_deref(),
            read_only: app.ctx.read_only,
            busy,
            outbox: app.outbox_label(),
            flagged: app.watching.watcher.flags().total_unread(),
        },
        &app.theme,
    );

    let page_busy = app.pending.page().is_some();
    let sending = app.pending.sending();
    let send_key = app.keymap.first(Action::Send);
    if app.focus == Focus::Outbox {
        let k = |a: Action, what: &str| app.keymap.first(a).map(|k| format!("{k} {what}"));
        let hint: Vec<String> = [
            k(Action::RetryNow, "retry now"),
            k(Action::EditEntry, "edit & requeue"),
            k(Action::Discard, "discard"),
            k(Action::ResendAnyway, "resend unknown (same MsgTid)"),
            k(Action::Refresh, "reload"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let hint = if app.ctx.read_only {
            "read-only: nothing is sent from here".to_string()
        } else {
            hint.join(" · ")
        };
        outbox::draw(
            frame,
            main,
            &app.outbox_pane,
            &app.theme,
            &app.clock,
            true,
            &hint,
        );
    } else if area.width >= WIDE && !app.zoom {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                .areas(main);
        areas.browser = browser::draw(
            frame,
            left,
            &app.browser,
            &app.theme,
            &app.clock,
            app.focus == Focus::Browser,
            page_busy,
            last.browser,
        );
        if app.focus == Focus::Compose {
            compose::draw(
                frame,
                right,
                &app.compose,
                &app.ctx.catalogue,
                &app.theme,
                &app.clock,
                true,
                app.ctx.read_only,
                send_key,
                sending,
            );
        } else {
            areas.detail = detail::draw(
                frame,
                right,
                &app.detail,
                app.browser.selected_group(),
                &app.theme,
                &app.clock,
                app.focus == Focus::Detail,
            );
        }
    } else {
        // Narrow terminals (and zoom) show the focused pane alone.
        match app.focus {
            Focus::Browser | Focus::Outbox => {
                areas.browser = browser::draw(
                    frame,
                    main,
                    &app.browser,
                    &app.theme,
                    &app.clock,
                    true,
                    page_busy,
                    last.browser,
                );
            }
            Focus::Detail => {
                areas.detail = detail::draw(
                    frame,
                    main,
                    &app.detail,
                    app.browser.selected_group(),
                    &app.theme,
                    &app.clock,
                    true,
                );
            }
            Focus::Compose => {
                compose::draw(
                    frame,
                    main,
                    &app.compose,
                    &app.ctx.catalogue,
                    &app.theme,
                    &app.clock,
                    true,
                    app.ctx.read_only,
                    send_key,
                    sending,
                );
            }
        }
    }

    app.draw_room(frame, main);
    app.draw_watch(frame, main);
    app.draw_apps(frame, main);

    if let Some(input) = &app.command {
        command::draw(frame, bottom, input, &app.theme);
    } else if let Some(label) = app
        .bulk_label()
        .filter(|_| app.status.error.is_none() && app.status.toast.is_none())
    {
        frame.render_widget(
            Paragraph::new(Line::styled(label, app.theme.warning())),
            bottom,
        );
    } else {
        let hints = app.hints();
        let pinned = app.pinned_hints();
        status::draw(frame, bottom, &app.status, &hints, &pinned, &app.theme);
    }

    match &app.overlay {
        Some(Overlay::Help { scroll }) => {
            areas.help_scroll_max = Some(help::draw(
                frame,
                main,
                &app.keymap,
                &app.theme,
                app.ctx.read_only,
                *scroll,
            ));
        }
        Some(Overlay::Create(form)) => {
            let submit = app
                .keymap
                .first(Action::Open)
                .unwrap_or_else(|| "enter".into());
            create::draw(
                frame,
                main,
                form,
                &app.theme,
                &submit,
                app.pending.creating(),
            );
        }
        Some(Overlay::Confirm(d)) => confirm::draw(frame, main, d, &app.theme),
        Some(Overlay::SentLog { scroll }) => {
            sentlog::draw(
                frame,
                main,
                &app.compose.sent,
                *scroll,
                &app.sent_log,
                &app.theme,
                &app.clock,
            );
        }
        Some(Overlay::BulkSummary(sum)) => super::panes::bulk_summary::draw(
            frame,
            main,
            &sum.title,
            &sum.lines,
            "enter/esc closes",
            &app.theme,
        ),
        None => {}
    }
    areas
}
