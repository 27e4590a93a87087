//! `livemod render`: loads the first page the way the console would and returns
//! that one frame as plain text (smoke tests, docs, bug reports).

use color_eyre::eyre::{Result, eyre};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::api::ListGroupsRequest;
use crate::worker::{Command, DynApi, Event};

use super::action::Msg;
use super::app::{App, Context, Focus};
use super::ui;

/// Which pane has the focus in the rendered frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Pane {
    #[default]
    Browser,
    Detail,
    Compose,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RenderArgs {
    /// Width of the frame in columns.
    #[arg(long, default_value_t = 120)]
    pub width: u16,
    /// Height of the frame in rows.
    #[arg(long, default_value_t = 40)]
    pub height: u16,
    /// The pane that has the focus.
    #[arg(long, value_enum, default_value_t = Pane::Browser)]
    pub pane: Pane,
}

impl Default for RenderArgs {
    fn default() -> Self {
        Self {
            width: 120,
            height: 40,
            pane: Pane::Browser,
        }
    }
}

/// `livemod render`: one frame of the console for `session`, as text.
pub async fn render(session: crate::session::Session, args: &RenderArgs) -> Result<String> {
    let ctx = Context::from_session(&session)?;
    let client = session.client.clone();
    let mut text = render_with(ctx, client, args).await?;
    drop(session);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Renders one frame of the console for `ctx`, with the first page loaded through `api`.
pub async fn render_with<A: DynApi>(ctx: Context, api: A, args: &RenderArgs) -> Result<String> {
    if args.width == 0 || args.height == 0 {
        return Err(eyre!("--width and --height must be at least 1"));
    }
    let mut app = App::new(ctx).map_err(|e| eyre!(e))?;
    app.start();
    load_pending_pages(&mut app, &api).await;
    focus(&mut app, args.pane);
    Ok(frame_text(&app, args.width, args.height))
}

/// Answers the page loads the app asked for (at most a couple of rounds).
pub async fn load_pending_pages<A: DynApi>(app: &mut App, api: &A) {
    for _ in 0..3 {
        let commands = app.take_commands();
        if commands.is_empty() {
            break;
        }
        for command in commands {
            if command.operation::<ListGroupsRequest>().is_some()
                && let Command::Call { id, call, .. } = command
            {
                let result = api.call(call).await;
                app.handle(Msg::Worker(Event::Reply { id, result }));
            }
        }
    }
}

pub fn focus(app: &mut App, pane: Pane) {
    app.focus = match pane {
        Pane::Browser => Focus::Browser,
        Pane::Detail => Focus::Detail,
        Pane::Compose => {
            if let Some(g) = app.browser.selected_group() {
                app.compose.recipients = super::panes::compose::Recipients::Group(g.clone());
            }
            Focus::Compose
        }
    };
}

/// Draws the app into a `width`×`height` test terminal and returns the text.
pub fn frame_text(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|f| ui::draw(f, app))
        .expect("drawing to a test backend cannot fail");
    buffer_text(terminal.backend().buffer())
}

/// A buffer as plain text: one line per row, trailing spaces trimmed.
pub fn buffer_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.y..area.y + area.height {
        let mut line = String::new();
        let mut skip = 0usize;
        for x in area.x..area.x + area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            let w = unicode_width::UnicodeWidthStr::width(sym);
            skip = w.saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
