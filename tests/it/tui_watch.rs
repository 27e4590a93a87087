//! Watching rooms end to end: the real binary in a pseudo-terminal against an
//! emulator process. A room pinned with `p` is polled in the background; a
//! message a simulated user sends (the emulator's UserSend operation) that
//! matches a `[[rules]]` entry of config.toml shows in the Flagged pane (`F`),
//! and `x` `y` there recalls it from the service. And in process (the real
//! worker and client against an embedded emulator, keys through
//! `App::handle`): a rule's automatic recall reaches the service and the
//! audit log.

use livemod::api::{Client, ClientOptions, CreateGroupRequest, ListGroupMessagesRequest, SortType};
use livemod::credentials::Credentials;
use livemod::emulator::ops::{JoinGroupRequest, UserSendRequest};

use std::sync::Arc;
use std::time::Duration;

use livemod::audit::AuditLog;
use livemod::emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions};
use livemod::tui::action::Msg;
use livemod::tui::keys::Key;
use livemod::tui::{App, Context};
use livemod::worker::Worker;

use crate::support::emulator::{DEMO_SECRET, EmulatorProcess, KEY_ID};
use crate::support::pty::Console;

const ROOM: &str = "watched1";

const CONFIG: &str = r#"
moderator_id = "mod1"
[[rules]]
name = "ads"
words = ["followers"]
"#;

fn client(url: &str) -> Client {
    Client::new(
        Credentials::new(KEY_ID, DEMO_SECRET, "test"),
        ClientOptions {
            endpoint: url.parse().unwrap(),
            ..Default::default()
        },
    )
    .unwrap()
}

fn say(rt: &tokio::runtime::Runtime, audience: &Client, user: &str, body: &str) {
    rt.block_on(audience.call(&UserSendRequest {
        app_id: "demo".into(),
        group_id: ROOM.into(),
        user_id: user.into(),
        body: Some(body.into()),
        msg_type: None,
        msg_tid: None,
        data_center: None,
    }))
    .unwrap();
}

/// The bodies the service still lists in the room.
fn listed(rt: &tokio::runtime::Runtime, audience: &Client) -> Vec<String> {
    let mut req = ListGroupMessagesRequest::new("demo", ROOM);
    req.sort_type = SortType::Desc;
    rt.block_on(audience.call(&req))
        .unwrap()
        .message_list
        .into_iter()
        .map(|m| m.body)
        .collect()
}

#[test]
fn a_pinned_rooms_message_matching_a_rule_shows_in_flagged_and_x_recalls_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = EmulatorProcess::start(&[]);
    let audience = client(&emu.url);
    rt.block_on(audience.call(&CreateGroupRequest {
        app_id: "demo".into(),
        group_id: ROOM.into(),
        group_name: Some("Launch night".into()),
        group_info: None,
        administrators: vec![],
        creator_id: Some("host1".into()),
        data_center: None,
    }))
    .unwrap();
    for user in ["viewer1", "spammer7"] {
        rt.block_on(audience.call(&JoinGroupRequest {
            app_id: "demo".into(),
            group_id: ROOM.into(),
            user_id: user.into(),
            data_center: None,
        }))
        .unwrap();
    }
    say(&rt, &audience, "viewer1", "hello everyone");

    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let env = [
        ("LIVEMOD_CONFIG", config.display().to_string()),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID.to_string()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_SECRET.to_string()),
    ];
    let mut c = Console::start_at(home.path(), &["--endpoint", &emu.url], &env);
    c.wait_for(ROOM);
    c.send("p");
    c.wait_for("Pinned watched1");
    c.send("W");
    c.wait_for("Watch: 1 pinned");
    // Sent after the pin: the background poll brings it (pinned rooms are
    // polled every 5 s or so while they are quiet; the wait is bounded).
    say(&rt, &audience, "spammer7", "cheap followers here");
    c.wait_for("1 new");
    c.send("F");
    c.wait_for("cheap followers here");
    let screen = c.screen();
    assert!(
        screen.contains("spammer7") && screen.contains("ads"),
        "{screen}"
    );
    assert!(!screen.contains("hello everyone"), "{screen}");

    c.send("x");
    c.wait_for("y recalls");
    c.send("y");
    c.wait_for("recalled (spammer7)");
    let bodies = listed(&rt, &audience);
    assert!(
        !bodies.iter().any(|b| b.contains("followers")),
        "{bodies:?}"
    );
    assert!(bodies.iter().any(|b| b == "hello everyone"), "{bodies:?}");
    c.send("\x1b");
    c.wait_gone("Flagged:");
    c.send("q");
    assert!(c.wait_exit().success());
}

#[tokio::test]
async fn a_rules_automatic_recall_reaches_the_service_and_the_audit_log() {
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let keys = || Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test");
    let audience = Client::new(
        keys(),
        ClientOptions {
            endpoint: emulator.url(),
            ..Default::default()
        },
    )
    .unwrap();
    audience
        .call(&CreateGroupRequest {
            app_id: "demo".into(),
            group_id: ROOM.into(),
            group_name: None,
            group_info: None,
            administrators: vec![],
            creator_id: Some("host1".into()),
            data_center: None,
        })
        .await
        .unwrap();
    audience
        .call(&JoinGroupRequest {
            app_id: "demo".into(),
            group_id: ROOM.into(),
            user_id: "scammer".into(),
            data_center: None,
        })
        .await
        .unwrap();
    for body in ["hi all", "free prizes at http://prizes.example/claim"] {
        audience
            .call(&UserSendRequest {
                app_id: "demo".into(),
                group_id: ROOM.into(),
                user_id: "scammer".into(),
                body: Some(body.into()),
                msg_type: None,
                msg_tid: None,
                data_center: None,
            })
            .await
            .unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(AuditLog::in_dir(dir.path()).unwrap());
    let console = Client::new(
        keys(),
        ClientOptions {
            endpoint: emulator.url(),
            audit: Some(audit.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let (worker, mut events) = Worker::spawn(console);
    let mut ctx = Context::demo();
    let rules: toml::Table =
        toml::from_str("[[rules]]\nname = \"scam\"\nlinks = true\naction = \"recall\"\n").unwrap();
    ctx.rules = rules["rules"].as_array().unwrap().clone();
    let mut app = App::new(ctx).unwrap();
    app.set_pinned(ROOM, true);
    // The pinned room is due at once; its poll, the online count and the
    // automatic recall it leads to are all answered before this ends.
    app.handle(Msg::RoomPoll);
    loop {
        for c in app.take_commands() {
            assert!(worker.send(c));
        }
        if !app.busy() {
            break;
        }
        let ev = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("the worker answered in time")
            .expect("the worker is alive");
        app.handle(Msg::Worker(ev));
    }
    let flags = app.watching.watcher.flags();
    assert_eq!(flags.len(), 1);
    let entry = flags.iter().next().unwrap();
    let note = app.watching.flagged_pane.note_of(entry.id).unwrap();
    assert!(note.0 && note.1.contains("rule: recalled"), "{note:?}");

    let mut req = ListGroupMessagesRequest::new("demo", ROOM);
    req.sort_type = SortType::Desc;
    let left: Vec<String> = audience
        .call(&req)
        .await
        .unwrap()
        .message_list
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(left, vec!["hi all"]);
    let recalls: Vec<_> = audit
        .read(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "DeleteLiveMessageGroupMessage")
        .collect();
    assert_eq!(recalls.len(), 1, "the automatic recall is audited");
    // Pressing F shows it, with what the rule did.
    app.handle(Msg::Key(Key::parse("F").unwrap().to_event()));
    assert!(app.watching.view.is_some());
}
