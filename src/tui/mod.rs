//! The console: an event loop (ratatui + crossterm + tokio) that owns the app
//! state, an async API worker ([`crate::worker`]) that owns the client, and
//! panes that each keep their state, keys and drawing.
//!
//! Entry points: [`run`] opens the console; [`render::render`] returns one frame
//! as text. Both have `*_with` variants that take a [`Context`] and any
//! [`crate::worker::DynApi`], for tests.
//!
//! The shape, by what travels through it:
//!
//! - **A key press**: [`event_loop`] hands it to [`App::handle`] (synchronous,
//!   driven directly by tests). `App` handles only what is global (ctrl-c,
//!   the first Esc cancelling a bulk run, read-only refusals) and routes the
//!   rest to the dialog on top (`ConfirmDialog::key` answers Open / Cancel /
//!   Confirm) or to the focused pane (`OutboxState::on_action` answers Handled,
//!   NotHandled or an intent). Anything that needs the service becomes a
//!   `worker::Command` queued in `App` and taken by the loop.
//! - **A request**: `App::call(op, lane, label, Pending)` records the request
//!   in the one map of requests in flight (`app::PendingRequests`: request id
//!   → what it is for) and queues `Command::Call` with the operation boxed as a
//!   `worker::Call`. Page loads use a latest-wins lane; mutations never
//!   coalesce and are never aborted.
//! - **A reply**: the worker answers `Event::Reply { id, result }` with the
//!   operation's own response behind `dyn Any`. `App` takes the id out of the
//!   pending map (no entry: a superseded reply, dropped) and hands the result,
//!   downcast to the response type the entry says it asked for, to whoever
//!   asked. A job that panics answers `Event::Failed`; taking its entry out of
//!   the map is the clean-up (a bulk run, "sending…", a page load all end there).
//! - **A new operation**: its request/response types implementing
//!   `api::Operation` (the API layer), its emulator rule, and the pane that
//!   calls it with `App::call` and matches its `Pending` entry. Nothing in the
//!   worker or the event loop changes.
//! - **A frame**: [`ui::draw`] draws from `&App`. The areas a click or the
//!   mouse wheel is tested against are reset at the start of every frame and
//!   recorded by the panes that were drawn.

pub mod action;
pub mod app;
pub mod clock;
pub(crate) mod event_loop;
pub mod keys;
pub mod panes;
pub mod render;
pub(crate) mod terminal;
pub(crate) mod theme;
pub mod ui;

pub use app::{App, Context};

use color_eyre::eyre::{Result, eyre};

use crate::catalogue::Catalogue;
use crate::session::Session;
use crate::worker::DynApi;

impl Context {
    /// What the console needs from a connected session and its config. Fails
    /// on a bad user message-type catalogue (naming its file and line).
    pub fn from_session(session: &Session) -> Result<Self> {
        let catalogue =
            Catalogue::load(Some(&session.paths.config_dir)).map_err(|e| eyre!("{e}"))?;
        let config = &session.config;
        Ok(Context {
            app_id: session.app_id.clone(),
            data_center: session.data_center,
            backend: session.backend_label(),
            profile: session.profile.clone(),
            read_only: session.read_only,
            moderator_id: session.moderator_id.clone(),
            keys: config.keys.clone(),
            theme: config.theme.clone(),
            no_color: theme::no_color_requested(),
            mouse: config.mouse,
            auto_refresh: config.auto_refresh,
            page_size: config.page_size,
            catalogue,
            data_dir: Some(session.paths.data_dir.clone()),
            audit: session.client.options().audit.clone(),
            multiplexer: terminal::Multiplexer::detect(|k| std::env::var(k).ok()),
            search_all_groups: true,
            rules: config.rules.clone(),
        })
    }
}

/// Opens the console on a connected session (`livemod` with no subcommand).
/// Key map, theme and catalogue problems are reported before the terminal is touched.
pub async fn run(session: Session) -> Result<()> {
    let ctx = Context::from_session(&session)?;
    let client = session.client.clone();
    let result = run_with(ctx, client).await;
    // The session (and an in-process emulator) lives until the console is closed.
    drop(session);
    result
}

/// Opens the console for `ctx`, talking to the service through `api`.
pub async fn run_with<A: DynApi>(ctx: Context, api: A) -> Result<()> {
    let app = App::new(ctx).map_err(|e| eyre!(e))?;
    event_loop::run_app(app, api).await
}

#[cfg(test)]
mod tests;
