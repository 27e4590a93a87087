//! The browser against a running emulator, through the real worker and
//! client: `/` over every group of the app (the index synced with token
//! pages), `@`/`:group` to a group on another page, and `R` recovering a
//! deleted group, audited like every console mutation.

use std::sync::Arc;

use livemod::api::{Client, ClientOptions};
use livemod::audit::AuditLog;
use livemod::credentials::Credentials;
use livemod::emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions};
use livemod::tui::app::{Focus, Overlay};
use livemod::tui::{App, Context};
use livemod::worker::{Event, Worker};
use tokio::sync::mpsc::UnboundedReceiver;

struct Rig {
    app: App,
    worker: Worker,
    events: UnboundedReceiver<Event>,
    _emulator: Emulator,
    audit: Arc<AuditLog>,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let emulator = Emulator::start(EmulatorOptions {
        demo_data: true,
        audience: 3,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(AuditLog::in_dir(dir.path()).unwrap());
    let client = Client::new(
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test"),
        ClientOptions {
            endpoint: emulator.url(),
            audit: Some(audit.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let (worker, events) = Worker::spawn(client);
    let mut ctx = Context::demo();
    ctx.search_all_groups = true;
    let mut app = App::new(ctx).unwrap();
    app.start();
    let mut rig = Rig {
        app,
        worker,
        events,
        _emulator: emulator,
        audit,
        _dir: dir,
    };
    rig.settle().await;
    rig
}

impl Rig {
    /// Forwards queued commands and feeds replies back until nothing is in
    /// flight (a bounded wait for each reply).
    async fn settle(&mut self) {
        crate::support::console::settle(&mut self.app, &self.worker, &mut self.events).await;
    }

    fn press(&mut self, spec: &str) {
        crate::support::console::press(&mut self.app, spec);
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(&c.to_string());
        }
    }

    fn selected(&self) -> String {
        self.app.browser.selected_group().unwrap().group_id.clone()
    }
}

#[tokio::test]
async fn slash_finds_a_group_on_any_page_and_at_goes_to_its_page() {
    let mut r = rig().await;
    assert_eq!(r.app.browser.page_label(), "page 1/6 · 120 groups");
    // The oldest group is on the last page, not among the loaded rows.
    let oldest = {
        r.press(">");
        r.settle().await;
        r.press("G");
        r.selected()
    };
    r.press("<");
    r.settle().await;
    assert!(r.app.browser.groups.iter().all(|g| g.group_id != oldest));

    r.press("/");
    r.settle().await;
    assert_eq!(r.app.browser.index.len(), 120, "every group synced");
    r.type_text(&oldest);
    r.app.settle();
    assert!(r.app.browser.searching_all());
    assert_eq!(r.selected(), oldest);

    // Esc: the search is gone, the server page is back.
    r.press("esc");
    assert!(!r.app.browser.searching_all());
    assert_eq!(r.app.browser.groups.len(), 20);

    // `@` then the ID: its page loads and it is selected there.
    r.press("@");
    r.type_text(&oldest);
    r.press("enter");
    r.settle().await;
    assert_eq!(r.app.browser.loaded.as_ref().unwrap().page_number, 6);
    assert_eq!(r.selected(), oldest);
    assert_eq!(r.app.focus, Focus::Browser);
}

#[tokio::test]
async fn r_recovers_a_deleted_group_and_the_audit_log_says_so() {
    let mut r = rig().await;
    // Delete the selected group, then recover it.
    let id = r.selected();
    r.press("d");
    r.type_text(&id);
    r.press("enter");
    r.settle().await;
    let g = r.app.browser.selected_group().unwrap().clone();
    assert_eq!(g.group_id, id);
    assert!(g.delete, "listed as deleted");

    r.press("R");
    assert!(matches!(r.app.overlay, Some(Overlay::Confirm(_))));
    r.press("tab");
    r.press("enter");
    r.settle().await;
    let toast = r.app.status.toast.clone().unwrap().text;
    assert!(toast.contains(&format!("Recovered group {id}")), "{toast}");
    let g = r.app.browser.selected_group().unwrap().clone();
    assert_eq!(g.group_id, id);
    assert!(!g.delete, "the reloaded page lists it as existing");

    let trail = std::fs::read_to_string(r.audit.path()).unwrap();
    let line = trail
        .lines()
        .find(|l| l.contains("RecoverLiveMessageDeletedGroup"))
        .unwrap_or_else(|| panic!("recover audited: {trail}"));
    assert!(line.contains(&id), "{line}");
}
