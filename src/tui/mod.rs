//! The console: an event loop (ratatui + crossterm + tokio) that owns the app
//! state, an async API worker ([`crate::worker`]) that owns the client, and
//! panes that each keep their state, keys and drawing.
//!
//! Entry points: [`run`] opens the console; [`render::render`] returns one frame
//! as text. Both have `*_with` variants that take a [`Context`] and any
//! [`crate::worker::Api`], for tests.

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

use crate::worker::Api;

/// Opens the console for `ctx`, talking to the service through `api`.
pub async fn run_with<A: Api>(ctx: Context, api: A) -> Result<()> {
    let app = App::new(ctx).map_err(|e| eyre!(e))?;
    event_loop::run_app(app, api).await
}
