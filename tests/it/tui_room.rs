//! The live room driven by keys through `App::handle`, the real worker and the
//! real client, against an in-process emulator: messages from a simulated
//! user appear, `x` `y` recalls, `M` mutes, `K` `y` kicks, `B` `y` mutes the
//! room with the admins excepted, the Users tab lists and marks, and a
//! read-only console refuses every action.

use livemod::api::{
    Client, ClientOptions, CreateGroupRequest, DescribeGroupBandRequest, ListGroupMessagesRequest,
    ListGroupUsersRequest,
};
use livemod::credentials::Credentials;
use livemod::emulator::ops::{JoinGroupRequest, UserSendRequest};
use livemod::emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions};
use livemod::tui::panes::room::Tab;
use livemod::tui::{App, Context};
use livemod::worker::{Event, Worker};
use tokio::sync::mpsc::UnboundedReceiver;

const ROOM: &str = "liveroom1";

struct Rig {
    app: App,
    worker: Worker,
    events: UnboundedReceiver<Event>,
    /// A client of the same emulator, for the audience and for checking.
    client: Client,
    _emulator: Emulator,
}

fn client(emulator: &Emulator, read_only: bool) -> Client {
    Client::new(
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test"),
        ClientOptions {
            endpoint: emulator.url(),
            read_only,
            ..Default::default()
        },
    )
    .unwrap()
}

async fn rig(read_only: bool) -> Rig {
    // No demo data: the room is created here, and seeding 120 demo groups
    // costs seconds per emulator in a debug build.
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let audience = client(&emulator, false);
    audience
        .call(&CreateGroupRequest {
            app_id: "demo".into(),
            group_id: ROOM.into(),
            group_name: Some("Launch night".into()),
            group_info: None,
            administrators: vec!["admin1".into()],
            creator_id: Some("host1".into()),
            data_center: None,
        })
        .await
        .unwrap();
    for user in ["viewer1", "viewer2", "admin1"] {
        audience
            .call(&JoinGroupRequest {
                app_id: "demo".into(),
                group_id: ROOM.into(),
                user_id: user.into(),
                data_center: None,
            })
            .await
            .unwrap();
    }
    let (worker, events) = Worker::spawn(client(&emulator, read_only));
    let mut ctx = Context::demo();
    ctx.read_only = read_only;
    let mut app = App::new(ctx).unwrap();
    app.start();
    let mut rig = Rig {
        app,
        worker,
        events,
        client: audience,
        _emulator: emulator,
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

    async fn keys(&mut self, specs: &[&str]) {
        for s in specs {
            self.press(s);
        }
        self.settle().await;
    }

    async fn open(&mut self) {
        self.press(":");
        for c in format!("open {ROOM}").chars() {
            self.press(&if c == ' ' {
                "space".into()
            } else {
                c.to_string()
            });
        }
        self.keys(&["enter"]).await;
        assert_eq!(self.pane().group_id(), ROOM);
    }

    fn pane(&self) -> &livemod::tui::panes::room::RoomPane {
        self.app.rooms.open.as_ref().expect("a room is open")
    }

    fn outcome(&self) -> String {
        self.pane().outcome.clone().map(|o| o.1).unwrap_or_default()
    }

    async fn user_send(&self, user: &str, body: &str) -> String {
        let r = self
            .client
            .call(&UserSendRequest {
                app_id: "demo".into(),
                group_id: ROOM.into(),
                user_id: user.into(),
                body: Some(body.into()),
                msg_type: Some(1),
                msg_tid: None,
                data_center: None,
            })
            .await
            .unwrap();
        r.msg_tid
    }

    /// The bodies the room holds, oldest first.
    fn bodies(&self) -> Vec<String> {
        self.pane()
            .room
            .iter()
            .map(|m| m.message.body.clone())
            .collect()
    }

    /// The MsgTids the service lists for the room.
    async fn listed(&self) -> Vec<String> {
        let r = self
            .client
            .call(&ListGroupMessagesRequest::new("demo", ROOM))
            .await
            .unwrap();
        r.message_list.into_iter().map(|m| m.msg_tid).collect()
    }

    async fn muted(&self) -> (bool, Vec<String>, Vec<String>) {
        let b = self
            .client
            .call(&DescribeGroupBandRequest {
                app_id: "demo".into(),
                group_id: ROOM.into(),
                data_center: None,
            })
            .await
            .unwrap();
        (b.is_banned_all, b.banned_user_list, b.unbanned_user_list)
    }
}

#[tokio::test]
async fn a_user_message_appears_and_recall_mute_kick_and_room_mute_reach_the_service() {
    let mut r = rig(false).await;
    r.user_send("viewer2", "before the room opened").await;
    r.open().await;
    assert_eq!(r.bodies(), vec!["before the room opened"]);
    let header = r.pane().describe.as_ref().expect("described");
    assert_eq!(header.admin_list, vec!["admin1"]);

    // A message sent by a simulated user appears on the next poll, at the
    // bottom, selected because the view follows the newest.
    let tid = r.user_send("viewer1", "buy cheap followers").await;
    r.keys(&["r"]).await;
    assert_eq!(
        r.bodies(),
        vec!["before the room opened", "buy cheap followers"]
    );
    assert!(r.pane().room.is_following());
    assert_eq!(r.pane().room.selected().unwrap().message.msg_tid, tid);

    // x asks; anything but y cancels; x y recalls.
    r.keys(&["x", "n"]).await;
    assert!(r.outcome().contains("Cancelled"), "{}", r.outcome());
    assert!(r.listed().await.contains(&tid));
    r.keys(&["x"]).await;
    assert!(r.pane().is_confirming());
    r.keys(&["y"]).await;
    assert!(
        r.outcome().starts_with("✓ Recalled viewer1's message"),
        "{}",
        r.outcome()
    );
    assert!(r.pane().room.selected().unwrap().recalled);
    assert!(
        !r.listed().await.contains(&tid),
        "the service no longer lists it"
    );

    // M mutes the selected message's sender; the service says so, and so
    // does the room's mute list (read again after the action).
    r.keys(&["M"]).await;
    assert!(
        r.outcome().starts_with("✓ Muted viewer1"),
        "{}",
        r.outcome()
    );
    assert_eq!(r.muted().await.1, vec!["viewer1"]);
    assert_eq!(
        r.pane().band.as_ref().unwrap().banned_user_list,
        vec!["viewer1"]
    );
    // A muted user cannot post any more (the emulator's client-side mute).
    let refused = r
        .client
        .call(&UserSendRequest {
            app_id: "demo".into(),
            group_id: ROOM.into(),
            user_id: "viewer1".into(),
            body: Some("again".into()),
            ..Default::default()
        })
        .await;
    assert!(refused.is_err());

    // U lifts it.
    r.keys(&["U"]).await;
    assert!(r.muted().await.1.is_empty());

    // The Users tab lists the members with their marks; K y kicks one.
    r.keys(&["2"]).await;
    assert_eq!(r.pane().tab, Tab::Users);
    let users: Vec<String> = r.pane().users.iter().map(|u| u.user_id.clone()).collect();
    for u in ["viewer1", "viewer2", "admin1"] {
        assert!(users.contains(&u.to_string()), "{users:?}");
    }
    let at = users.iter().position(|u| u == "viewer2").unwrap();
    for _ in 0..at {
        r.press("j");
    }
    assert_eq!(r.pane().selected_user().as_deref(), Some("viewer2"));
    r.keys(&["K", "y"]).await;
    assert!(
        r.outcome().starts_with("✓ Kicked viewer2"),
        "{}",
        r.outcome()
    );
    let left = r
        .client
        .call(&ListGroupUsersRequest::new("demo", ROOM))
        .await
        .unwrap();
    assert!(left.user_list.iter().all(|u| u.user_id != "viewer2"));

    // B y mutes the whole room, with the admins, the creator and the
    // moderator excepted; b lifts it.
    r.keys(&["B", "y"]).await;
    let (all, _, except) = r.muted().await;
    assert!(all, "{}", r.outcome());
    for u in ["mod1", "admin1", "host1"] {
        assert!(except.contains(&u.to_string()), "{except:?}");
    }
    assert!(r.pane().band.as_ref().unwrap().is_banned_all);
    r.keys(&["b"]).await;
    assert!(!r.muted().await.0);

    // Esc closes the room; nothing polls any more.
    r.keys(&["esc"]).await;
    assert!(r.app.rooms.open.is_none());
    assert!(r.app.next_room_poll().is_none());
}

#[tokio::test]
async fn scrolled_up_the_room_holds_still_and_counts_what_arrived() {
    let mut r = rig(false).await;
    for i in 0..5 {
        r.user_send("viewer1", &format!("m{i}")).await;
    }
    r.open().await;
    assert_eq!(r.pane().room.len(), 5);
    r.keys(&["k", "k"]).await;
    let held = r.pane().room.selected().unwrap().message.body.clone();
    assert_eq!(held, "m2");
    for i in 5..8 {
        r.user_send("viewer2", &format!("m{i}")).await;
    }
    r.keys(&["r"]).await;
    assert_eq!(r.pane().room.len(), 8);
    assert_eq!(r.pane().room.selected().unwrap().message.body, "m2");
    assert_eq!(r.pane().room.new_below(), 3);
    // G follows the newest again.
    r.keys(&["G"]).await;
    assert!(r.pane().room.is_following());
    assert_eq!(r.pane().room.selected().unwrap().message.body, "m7");
}

#[tokio::test]
async fn read_only_refuses_every_room_action_without_calling() {
    let mut r = rig(true).await;
    let tid = r.user_send("viewer1", "spam").await;
    r.open().await;
    for key in ["x", "M", "K", "U", "B", "b"] {
        r.press(key);
        assert!(r.app.take_commands().is_empty(), "{key} made a call");
        assert!(
            r.outcome().starts_with("read-only"),
            "{key}: {}",
            r.outcome()
        );
    }
    assert!(r.listed().await.contains(&tid));
    assert!(r.muted().await.1.is_empty());
}

/// The real binary in a pty against an emulator process: a message a
/// simulated user sends appears in the open room while it is open; `x` `y`
/// recalls it and the service no longer lists it; `M` mutes its sender and
/// the service lists them as muted.
#[cfg(unix)]
#[test]
fn pty_room_follows_live_and_recalls_and_mutes_through_the_binary() {
    use crate::support::emulator::{DEMO_SECRET, EmulatorProcess, KEY_ID};
    use crate::support::pty::{Console, ESC};

    let emu = EmulatorProcess::start(&[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let audience = Client::new(
        Credentials::new(KEY_ID, DEMO_SECRET, "test"),
        ClientOptions {
            endpoint: emu.url.parse().unwrap(),
            ..Default::default()
        },
    )
    .unwrap();
    let send = |body: &str| {
        rt.block_on(audience.call(&UserSendRequest {
            app_id: "demo".into(),
            group_id: "ptyroom".into(),
            user_id: "viewer1".into(),
            body: Some(body.into()),
            ..Default::default()
        }))
        .unwrap()
        .msg_tid
    };
    rt.block_on(async {
        audience
            .call(&CreateGroupRequest {
                app_id: "demo".into(),
                group_id: "ptyroom".into(),
                group_name: None,
                group_info: None,
                administrators: Vec::new(),
                creator_id: None,
                data_center: None,
            })
            .await
            .unwrap();
        audience
            .call(&JoinGroupRequest {
                app_id: "demo".into(),
                group_id: "ptyroom".into(),
                user_id: "viewer1".into(),
                data_center: None,
            })
            .await
            .unwrap();
    });
    send("first words before opening");

    let env = vec![
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID.to_string()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_SECRET.to_string()),
    ];
    let home = tempfile::tempdir().unwrap();
    let mut c = Console::start_at(home.path(), &["--endpoint", &emu.url], &env);
    c.wait_for("page 1/");
    c.send(":open ptyroom\r");
    c.wait_for("Room ptyroom");
    c.wait_for("first words before opening");

    // Sent while the room is open: it appears without a key press (polled).
    let tid = send("live spam arrives");
    c.wait_for("live spam arrives");

    c.send("x");
    c.wait_for("y recalls");
    c.send("y");
    c.wait_for("Recalled viewer1");
    let listed = rt
        .block_on(audience.call(&ListGroupMessagesRequest::new("demo", "ptyroom")))
        .unwrap();
    assert!(listed.message_list.iter().all(|m| m.msg_tid != tid));
    assert!(
        !listed.message_list.is_empty(),
        "the other message is still listed"
    );

    c.send("M");
    c.wait_for("Muted viewer1");
    let band = rt
        .block_on(audience.call(&DescribeGroupBandRequest {
            app_id: "demo".into(),
            group_id: "ptyroom".into(),
            data_center: None,
        }))
        .unwrap();
    assert_eq!(band.banned_user_list, vec!["viewer1"]);

    c.send(ESC);
    c.wait_gone("Room ptyroom");
    c.send("q");
    assert!(c.wait_exit().success());
}

/// The real binary in a pty against an emulator process: `e` on the Info tab
/// saves GroupInfo and the administrators, and the service holds them after.
#[cfg(unix)]
#[test]
fn pty_e_edits_the_group_info_and_admins_through_the_binary() {
    use crate::support::emulator::{DEMO_SECRET, EmulatorProcess, KEY_ID};
    use crate::support::pty::{Console, ESC};
    use livemod::api::DescribeGroupRequest;

    let emu = EmulatorProcess::start(&[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let service = Client::new(
        Credentials::new(KEY_ID, DEMO_SECRET, "test"),
        ClientOptions {
            endpoint: emu.url.parse().unwrap(),
            ..Default::default()
        },
    )
    .unwrap();
    rt.block_on(service.call(&CreateGroupRequest {
        app_id: "demo".into(),
        group_id: "editroom".into(),
        group_name: Some("Quiz night".into()),
        group_info: Some("old info".into()),
        administrators: vec!["admin1".into()],
        creator_id: None,
        data_center: None,
    }))
    .unwrap();

    let env = vec![
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID.to_string()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_SECRET.to_string()),
    ];
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let env = [env, vec![("LIVEMOD_DATA_DIR", data.display().to_string())]].concat();
    let mut c = Console::start_at(home.path(), &["--endpoint", &emu.url], &env);
    c.wait_for("page 1/");
    c.send(":open editroom\r");
    c.wait_for("Room editroom");
    c.send("4");
    c.wait_for("old info");
    c.send("e");
    c.wait_for("cannot rename a group");
    // The cursor is in Info, after its text.
    c.send(" updated");
    c.send("\t");
    c.send(", admin9");
    c.send("\r");
    c.wait_for("Saved the info and the administrators");
    // The Info tab shows what the service now holds.
    c.wait_for("admin1, admin9");
    let d = rt
        .block_on(service.call(&DescribeGroupRequest {
            app_id: "demo".into(),
            group_id: "editroom".into(),
            data_center: None,
        }))
        .unwrap();
    assert_eq!(d.group_info, "old info updated");
    assert_eq!(d.admin_list, vec!["admin1", "admin9"]);
    assert_eq!(d.group_name, "Quiz night", "the name is never touched");
    // Audited like every console mutation: who, what, the outcome.
    let audit = std::fs::read_to_string(data.join("audit.jsonl")).unwrap();
    let line = audit
        .lines()
        .find(|l| l.contains("ModifyLiveMessageGroup"))
        .unwrap_or_else(|| panic!("no audit line for the edit in {audit}"));
    assert!(
        line.contains("editroom") && line.contains("admin9"),
        "{line}"
    );

    c.send(ESC);
    c.wait_gone("Room editroom");
    c.send("q");
    assert!(c.wait_exit().success());
}

/// The real binary in a pty against an emulator process with two apps in two
/// data centers: `:app` lists both, enter switches, and the browser shows the
/// other app's groups (read in its own data center).
#[cfg(unix)]
#[test]
fn pty_app_switches_the_console_to_another_app_and_data_center() {
    use crate::support::emulator::{DEMO_SECRET, EmulatorProcess, KEY_ID};
    use crate::support::pty::Console;
    use livemod::api::DataCenter;

    let emu = EmulatorProcess::start(&["--app", "demo", "--app", "sgapp:ap-southeast-1"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let service = Client::new(
        Credentials::new(KEY_ID, DEMO_SECRET, "test"),
        ClientOptions {
            endpoint: emu.url.parse().unwrap(),
            ..Default::default()
        },
    )
    .unwrap();
    for (app, group, dc) in [
        ("demo", "shanghairoom", None),
        ("sgapp", "singaporeroom", Some(DataCenter::ApSoutheast1)),
    ] {
        rt.block_on(service.call(&CreateGroupRequest {
            app_id: app.into(),
            group_id: group.into(),
            group_name: None,
            group_info: None,
            administrators: Vec::new(),
            creator_id: None,
            data_center: dc,
        }))
        .unwrap();
    }

    let env = vec![
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID.to_string()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_SECRET.to_string()),
    ];
    let home = tempfile::tempdir().unwrap();
    let mut c = Console::start_at(home.path(), &["--endpoint", &emu.url], &env);
    c.wait_for("shanghairoom");
    c.send(":app\r");
    c.wait_for("Apps: 2");
    c.wait_for("ap-southeast-1");
    c.send("G");
    c.send("\r");
    c.wait_for("Switched to app sgapp (ap-southeast-1)");
    c.wait_for("singaporeroom");
    c.wait_gone("shanghairoom");
    assert!(c.screen().contains("app sgapp"), "{}", c.screen());
    c.send("q");
    assert!(c.wait_exit().success());
}

/// The sent log's `x` `y` recalls a message the moderator sent, at the
/// service: it is no longer listed.
#[tokio::test]
async fn the_sent_log_recalls_a_message_the_moderator_sent() {
    use livemod::api::SendMessageRequest;
    use livemod::tui::panes::compose::SentEntry;

    let mut r = rig(false).await;
    let keep = r.user_send("viewer1", "a viewer's message stays").await;
    let request = SendMessageRequest {
        app_id: "demo".into(),
        group_id: ROOM.into(),
        sender_id: "mod1".into(),
        body: Some("sent by mistake".into()),
        msg_type: Some(1),
        msg_tid: Some(livemod::api::new_msg_tid()),
        ..Default::default()
    };
    let sent = r.client.call(&request).await.unwrap();
    assert!(r.listed().await.contains(&sent.msg_tid));
    r.app
        .compose
        .sent
        .push(SentEntry::new(0, &request, &sent.msg_tid, &sent.request_id));
    r.keys(&["L", "x"]).await;
    assert!(r.app.sent_log.is_confirming());
    r.keys(&["y"]).await;
    let (ok, text) = r.app.sent_log.outcome.clone().unwrap();
    assert!(ok && text.starts_with("✓ Recalled"), "{text}");
    let listed = r.listed().await;
    assert!(
        !listed.contains(&sent.msg_tid),
        "the service no longer lists it"
    );
    assert!(listed.contains(&keep));
}
