//! The console's state and update driven by keys against a running in-process
//! emulator, through the real worker and the real client.

use std::time::Duration;

use livemod::api::{Client, ClientOptions, GroupStatus};
use livemod::credentials::Credentials;
use livemod::emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions};
use livemod::tui::action::Msg;
use livemod::tui::app::{Focus, Overlay};
use livemod::tui::{App, Context};
use livemod::worker::{Event, Worker};
use tokio::sync::mpsc::UnboundedReceiver;

struct Rig {
    app: App,
    worker: Worker,
    events: UnboundedReceiver<Event>,
    emulator: Emulator,
}

async fn rig(read_only: bool) -> Rig {
    let emulator = Emulator::start(EmulatorOptions {
        demo_data: true,
        audience: 3,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = Client::new(
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test"),
        ClientOptions {
            endpoint: emulator.url(),
            read_only,
            ..Default::default()
        },
    )
    .unwrap();
    let (worker, events) = Worker::spawn(client);
    let mut ctx = Context::demo();
    ctx.read_only = read_only;
    let mut app = App::new(ctx).unwrap();
    app.start();
    let mut rig = Rig {
        app,
        worker,
        events,
        emulator,
    };
    rig.settle().await;
    rig
}

impl Rig {
    /// Forwards queued commands and feeds replies back until nothing is in flight.
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
async fn browse_create_send_delete_against_the_emulator() {
    let mut r = rig(false).await;
    assert_eq!(r.app.browser.page_label(), "page 1/6 · 120 groups");
    assert_eq!(r.app.browser.groups.len(), 20);

    // Rapid paging ends on the last page asked for.
    for _ in 0..3 {
        r.press("l");
    }
    r.settle().await;
    assert_eq!(r.app.browser.loaded.as_ref().unwrap().page_number, 4);
    r.press("G");
    r.press(">");
    r.settle().await;
    assert_eq!(r.app.browser.page_label(), "page 6/6 · 120 groups");

    // Status filter: existing only.
    r.press("f");
    r.settle().await;
    assert_eq!(
        r.app.browser.loaded.as_ref().unwrap().group_status,
        GroupStatus::Existing
    );
    let existing = r.app.browser.total.unwrap();
    assert!(existing < 120 && existing > 0, "{existing}");
    assert!(r.app.browser.groups.iter().all(|g| !g.delete));
    r.press("f");
    r.press("f");
    r.settle().await;

    // Create.
    r.press("c");
    r.type_text("emuroom1");
    r.press("tab");
    r.type_text("Emulator room");
    r.press("enter");
    r.settle().await;
    assert!(r.app.overlay.is_none(), "form closed after success");
    assert_eq!(r.selected(), "emuroom1", "the new group is selected");
    assert_eq!(r.app.browser.total, Some(121));

    // Creating it again: AlreadyExists, in words, form kept.
    r.press("c");
    r.type_text("emuroom1");
    r.press("enter");
    r.settle().await;
    match &r.app.overlay {
        Some(Overlay::Create(f)) => {
            let (_, text) = f.message.clone().unwrap();
            assert!(text.contains("already exists"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    r.press("esc");

    // Send to it.
    r.press("m");
    assert_eq!(r.app.focus, Focus::Compose);
    r.press("ctrl-s");
    r.settle().await;
    let sent = r.app.compose.sent.clone();
    assert_eq!(sent.len(), 1, "{:?}", r.app.compose.last);
    assert_eq!(sent[0].group_id, "emuroom1");
    assert!(!sent[0].request_id.is_empty());
    r.press("esc");

    // Delete it.
    r.press("d");
    r.type_text("emuroom1");
    r.press("tab");
    r.press("enter");
    r.settle().await;
    let toast = r.app.status.toast.clone().unwrap().text;
    assert!(toast.contains("Deleted group emuroom1"), "{toast}");
    let state = r.emulator.group("demo", "emuroom1").await.unwrap().unwrap();
    assert!(state.group.delete);
    assert_eq!(
        state.deletor.as_deref(),
        Some("mod1"),
        "OperatorId is the moderator"
    );
    // Still listed under "all", now marked deleted, selection kept.
    assert_eq!(r.selected(), "emuroom1");
    assert!(r.app.browser.selected_group().unwrap().delete);

    // Sending to a deleted group is refused before it leaves the machine.
    r.press("m");
    r.press("ctrl-s");
    assert!(r.app.take_commands().is_empty());
    assert!(r.app.compose.last.clone().unwrap().1.contains("deleted"));
}

#[tokio::test]
async fn read_only_session_browses_but_cannot_mutate() {
    let mut r = rig(true).await;
    assert_eq!(r.app.browser.groups.len(), 20);
    r.press("c");
    r.press("d");
    r.press("m");
    assert!(r.app.overlay.is_none());
    assert_eq!(r.app.focus, Focus::Browser);
    r.press("pgdn");
    r.settle().await;
    assert_eq!(r.app.browser.loaded.as_ref().unwrap().page_number, 2);
}

#[tokio::test]
async fn render_shows_the_first_page() {
    let emulator = Emulator::start(EmulatorOptions {
        demo_data: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = Client::new(
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test"),
        ClientOptions {
            endpoint: emulator.url(),
            ..Default::default()
        },
    )
    .unwrap();
    let args = livemod::tui::render::RenderArgs {
        width: 80,
        height: 24,
        pane: livemod::tui::render::Pane::Detail,
    };
    let text = livemod::tui::render::render_with(Context::demo(), client, &args)
        .await
        .unwrap();
    assert_eq!(text.lines().count(), 24);
    assert!(text.contains("GroupId"), "{text}");
    assert!(text.contains("Created"), "{text}");
    assert!(text.lines().next().unwrap().contains("livemod"));
}

#[test]
fn livemod_render_prints_one_frame() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_livemod"))
        .args(["--demo", "render", "--width", "80", "--height", "24"])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 24, "{text}");
    assert!(text.contains("page 1/6 · 120 groups"), "{text}");
    assert!(!text.contains('\x1b'), "plain text, no escape sequences");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_livemod"))
        .args(["--demo", "render", "--pane", "compose", "--width", "120"])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 40, "{text}");
    assert!(
        text.contains("Compose") && text.contains("chat text"),
        "{text}"
    );
}

/// A send nobody can receive is kept in the outbox; once a user is online the
/// background delivery sends it, exactly once.
#[tokio::test]
async fn a_message_kept_in_the_outbox_is_delivered_once_someone_joins() {
    use livemod::api::CreateGroupRequest;
    use livemod::emulator::ops::JoinGroupRequest;
    use livemod::outbox::RetryPolicy;
    use livemod::outbox::service::OutboxConfig;

    let emulator = Emulator::start(EmulatorOptions {
        audience: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = Client::new(
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test"),
        ClientOptions {
            endpoint: emulator.url(),
            ..Default::default()
        },
    )
    .unwrap();
    client
        .call(&CreateGroupRequest {
            app_id: "demo".into(),
            group_id: "quiet".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = OutboxConfig::new(dir.path().to_path_buf());
    config.policy = RetryPolicy {
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(200),
        max_auto_retries: 1000,
    };
    let (worker, events) = Worker::spawn_with(client.clone(), Some(config));
    let mut ctx = Context::demo();
    ctx.data_dir = Some(dir.path().to_path_buf());
    let mut app = App::new(ctx).unwrap();
    app.start();
    let mut r = Rig {
        app,
        worker,
        events,
        emulator,
    };
    r.settle().await;
    assert_eq!(r.selected(), "quiet");
    r.press("m");
    r.app.compose.body.set_text("");
    r.type_text("hello");
    r.press("ctrl-s");
    r.settle().await;
    let (ok, text) = r.app.compose.last.clone().unwrap();
    assert!(!ok, "{text}");
    r.press("ctrl-o");
    r.settle().await;
    assert_eq!(r.app.outbox_label().as_deref(), Some("outbox 1 queued"));
    // Nobody online: background delivery keeps retrying; nothing delivered.
    tokio::time::sleep(Duration::from_millis(400)).await;
    while let Ok(ev) = r.events.try_recv() {
        r.app.handle(Msg::Worker(ev));
    }
    assert!(
        r.emulator
            .delivered_messages("demo", "quiet")
            .await
            .unwrap()
            .is_empty()
    );
    client
        .call(&JoinGroupRequest {
            app_id: "demo".into(),
            group_id: "quiet".into(),
            user_id: "u1".into(),
            data_center: None,
        })
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while r.app.outbox_label().is_some() {
        let ev = tokio::time::timeout_at(deadline, r.events.recv())
            .await
            .expect("delivered in time")
            .unwrap();
        r.app.handle(Msg::Worker(ev));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let delivered = r
        .emulator
        .delivered_messages("demo", "quiet")
        .await
        .unwrap();
    assert_eq!(delivered.len(), 1, "exactly once: {delivered:?}");
    r.worker.shutdown(Duration::from_secs(5)).await;
}
