//! Driving the console's `App` through a real worker, as the event loop does.

use std::time::Duration;

use livemod::tui::App;
use livemod::tui::action::Msg;
use livemod::tui::keys::Key;
use livemod::worker::{Event, Worker};
use tokio::sync::mpsc::UnboundedReceiver;

/// Forwards queued commands and feeds replies back until nothing is in
/// flight, then lets the panes settle batched input (as before a draw).
pub(crate) async fn settle(app: &mut App, worker: &Worker, events: &mut UnboundedReceiver<Event>) {
    loop {
        for c in app.take_commands() {
            assert!(worker.send(c));
        }
        if !app.busy() {
            app.settle();
            return;
        }
        let ev = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("the worker answered in time")
            .expect("the worker is alive");
        app.handle(Msg::Worker(ev));
    }
}

/// One key, as written in `[keys]` (`"enter"`, `"x"`, `"ctrl-s"`).
pub(crate) fn press(app: &mut App, spec: &str) {
    app.handle(Msg::Key(Key::parse(spec).unwrap().to_event()));
}
