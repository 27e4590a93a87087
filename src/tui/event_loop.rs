//! The event loop: terminal input, worker replies, signals and the few timers
//! that exist only while needed (spinner while a request is in flight, a toast's
//! expiry, auto-refresh when configured). Everything already queued is handled
//! before drawing, and the screen is drawn only when something changed, so an
//! idle console does no work at all.

use std::io::stdout;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event as CtEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::outbox::service::OutboxConfig;
use crate::worker::{self, DynApi, Worker};

use super::action::Msg;
use super::app::{App, Effect};
use super::terminal::{self, Term};
use super::ui;

const SPINNER_EVERY: Duration = Duration::from_millis(100);

/// Runs the console until the user quits; the terminal is restored on every path.
pub(crate) async fn run_app<A: DynApi>(mut app: App, api: A) -> Result<()> {
    terminal::install_panic_hook();
    let mut term = terminal::enter(app.ctx.mouse).wrap_err("cannot set up the terminal")?;
    let guard = terminal::Guard;
    let outbox = app.ctx.data_dir.clone().map(|dir| OutboxConfig {
        audit: app.ctx.audit.clone(),
        read_only: app.ctx.read_only,
        ..OutboxConfig::new(dir)
    });
    let (mut worker, mut events) = Worker::spawn_with(api, outbox);
    let result = event_loop(&mut term, &mut app, &worker, &mut events).await;
    // Whatever ended the loop, what was typed is on disk.
    app.save_drafts(true);
    // Background delivery finishes the message it is sending (so its state is
    // known) and stops.
    worker.shutdown(Duration::from_secs(5)).await;
    drop(worker);
    drop(guard);
    terminal::restore().wrap_err("cannot restore the terminal")?;
    result
}

fn on_terminal_event(app: &mut App, ev: CtEvent) -> bool {
    // Debug builds only: lets the pty test check that a panic on the UI
    // thread restores the terminal.
    #[cfg(debug_assertions)]
    if let CtEvent::Key(k) = &ev
        && k.code == crossterm::event::KeyCode::F(12)
        && std::env::var_os("LIVEMOD_TEST_PANIC_KEY").is_some()
    {
        panic!("test panic on the UI thread (LIVEMOD_TEST_PANIC_KEY)");
    }
    match ev {
        CtEvent::Key(k) if k.kind != KeyEventKind::Release => app.handle(Msg::Key(k)),
        CtEvent::Key(_) => return false,
        CtEvent::Paste(text) => app.handle(Msg::Paste(text)),
        CtEvent::Mouse(m) => {
            if !app.ctx.mouse {
                return false;
            }
            app.handle(Msg::Mouse(m));
        }
        CtEvent::Resize(w, h) => app.handle(Msg::Resize(w, h)),
        CtEvent::FocusGained | CtEvent::FocusLost => return false,
    }
    true
}

async fn event_loop(
    term: &mut Term,
    app: &mut App,
    worker: &Worker,
    events: &mut mpsc::UnboundedReceiver<worker::Event>,
) -> Result<()> {
    let mut input = EventStream::new();
    #[cfg(unix)]
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .wrap_err("cannot listen for SIGTERM")?;
    let mut next_tick = Instant::now() + SPINNER_EVERY;
    let refresh_every = app.ctx.auto_refresh.filter(|d| !d.is_zero());
    let mut next_refresh = refresh_every.map(|d| Instant::now() + d);
    app.start();
    let mut dirty = true;

    loop {
        // Carry out what the last updates asked for.
        for effect in app.take_effects() {
            match effect {
                Effect::Copy(text) => {
                    let _ = terminal::copy_osc52(&mut stdout(), &text, app.ctx.multiplexer);
                }
                Effect::EditBody(text) => {
                    // Stop reading the terminal while the editor owns it.
                    drop(input);
                    terminal::restore()?;
                    let result =
                        tokio::task::spawn_blocking(move || terminal::edit_externally(&text))
                            .await
                            .unwrap_or_else(|e| Err(format!("the editor task failed: {e}")));
                    *term = terminal::enter(app.ctx.mouse)?;
                    input = EventStream::new();
                    app.handle(Msg::EditorDone(result));
                    dirty = true;
                }
            }
        }
        for command in app.take_commands() {
            if !worker.send(command) {
                tracing::error!("the API worker is gone");
            }
        }
        if app.quit {
            app.save_drafts(true);
            return Ok(());
        }
        if dirty {
            // Keys that arrived together are filtered once, here.
            app.settle();
            term.draw(|f| ui::draw(f, app))?;
            dirty = false;
        }
        if !app.busy() {
            next_tick = Instant::now() + SPINNER_EVERY;
        }
        let toast = app.status.deadline().map(Instant::from_std);
        let draft_save = app.next_draft_save().map(Instant::from_std);
        let room_poll = app.next_poll().map(Instant::from_std);

        #[cfg(unix)]
        let terminate = sigterm.recv();
        #[cfg(not(unix))]
        let terminate = std::future::pending::<Option<()>>();

        tokio::select! {
            maybe = input.next() => match maybe {
                Some(Ok(ev)) => dirty |= on_terminal_event(app, ev),
                Some(Err(e)) => return Err(e).wrap_err("cannot read the terminal"),
                None => return Ok(()),
            },
            Some(ev) = events.recv() => {
                app.handle(Msg::Worker(ev));
                dirty = true;
            }
            _ = tokio::time::sleep_until(next_tick), if app.busy() => {
                next_tick = Instant::now() + SPINNER_EVERY;
                app.handle(Msg::Tick);
                dirty = true;
            }
            _ = tokio::time::sleep_until(toast.unwrap_or_else(Instant::now)), if toast.is_some() => {
                app.handle(Msg::ExpireToasts);
                dirty = true;
            }
            _ = tokio::time::sleep_until(next_refresh.unwrap_or_else(Instant::now)), if next_refresh.is_some() => {
                next_refresh = refresh_every.map(|d| Instant::now() + d);
                app.handle(Msg::AutoRefresh);
                dirty = true;
            }
            _ = tokio::time::sleep_until(draft_save.unwrap_or_else(Instant::now)), if draft_save.is_some() => {
                app.save_drafts(false);
                dirty = true;
            }
            _ = tokio::time::sleep_until(room_poll.unwrap_or_else(Instant::now)), if room_poll.is_some() => {
                app.handle(Msg::RoomPoll);
            }
            _ = terminate => app.handle(Msg::Terminate),
            _ = tokio::signal::ctrl_c() => app.handle(Msg::Terminate),
        }

        // Handle everything already queued before drawing again.
        loop {
            let mut more = false;
            // Not `now_or_never` on the stream: that would register a waker
            // that never wakes this task. poll(0) never blocks.
            while !app.quit && crossterm::event::poll(Duration::ZERO).unwrap_or(false) {
                match crossterm::event::read() {
                    Ok(ev) => dirty |= on_terminal_event(app, ev),
                    Err(e) => return Err(e).wrap_err("cannot read the terminal"),
                }
                more = true;
            }
            while let Ok(ev) = events.try_recv() {
                app.handle(Msg::Worker(ev));
                dirty = true;
                more = true;
            }
            if !more || app.quit {
                break;
            }
        }
    }
}
