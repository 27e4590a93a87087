//! The console: an event loop (ratatui + crossterm + tokio) that owns the app
//! state, an async API worker ([`crate::worker`]) that owns the client, and
//! panes that each keep their state, keys and drawing.
//!
//! Entry points: [`run`] opens the console; [`render::render`] returns one frame
//! as text. Both have `*_with` variants that take a [`Context`] and any
//! [`crate::worker::DynApi`], for tests.

pub mod action;
pub mod app;
pub mod clock;
pub mod event_loop;
pub mod keys;
pub mod panes;
pub mod render;
pub mod terminal;
pub mod theme;
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
