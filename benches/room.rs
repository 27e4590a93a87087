//! The open room.
//!
//! - `room_frame_120x40_5000_held` (criterion): one frame of the Messages tab
//!   drawn on a ratatui `TestBackend` (buffer diff included, no tty) while the
//!   room holds 5,000 messages, the selection moving every frame.
//! - `room_latency` (printed, not criterion: each sample waits for a real poll):
//!   a simulated user's message accepted by the service → the message held by
//!   the open room, against an in-process emulator with the real worker, client
//!   and poll scheduler. Messages are sent at random moments, so they land at
//!   every phase of the poll interval; median and p95 are printed beside the
//!   interval. `ROOM_LATENCY_SAMPLES` (default 30) sets the count;
//!   `ROOM_BENCH=frame` or `ROOM_BENCH=latency` runs one part only.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use livemod::api::{
    Client, ClientOptions, CreateGroupRequest, GroupMessage, ListGroupMessagesRequest,
    MessageSender,
};
use livemod::credentials::Credentials;
use livemod::emulator::ops::{JoinGroupRequest, UserSendRequest};
use livemod::emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions};
use livemod::moderation::{Message, PollPolicy};
use livemod::tui::action::Msg;
use livemod::tui::clock::Clock;
use livemod::tui::{App, Context, ui};
use livemod::worker::Worker;

const NOW: i64 = 1_700_000_000;
const ROOM: &str = "benchroom";

fn message(i: i64) -> GroupMessage {
    let body = if i % 5 == 0 {
        format!(
            r#"{{"gift":"rocket","count":{},"from":"viewer{}"}}"#,
            i % 9,
            i % 300
        )
    } else {
        format!("message number {i} from the audience, with some words to wrap")
    };
    GroupMessage {
        msg_tid: format!("tid{i:06}"),
        msg_type: 1 + i % 3,
        body,
        sender: MessageSender {
            user_id: format!("viewer{}", i % 300),
            user_info: String::new(),
        },
        seq_number: i,
        timestamp: NOW - 5000 + i,
        total_messages: 0,
    }
}

fn frame(c: &mut Criterion) {
    let mut app = App::new(Context::demo()).expect("the demo context is valid");
    app.clock = Clock::fixed(NOW);
    app.open_room(ROOM);
    let _ = app.take_commands();
    let pane = app.rooms.open.as_mut().expect("the room is open");
    pane.room
        .insert((0..5000).map(|i| Message::from_api(ROOM, message(i))));
    assert_eq!(pane.room.len(), 5000, "the ring holds 5,000");
    // Scrolled up into the middle: the window and the "new ↓" count are in play.
    pane.room.scroll_by(-2500);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| ui::draw(f, &app)).unwrap();
    let mut up = true;
    let mut n = 0;
    c.bench_function("room_frame_120x40_5000_held", |b| {
        b.iter(|| {
            n += 1;
            if n % 200 == 0 {
                up = !up;
            }
            let pane = app.rooms.open.as_mut().unwrap();
            pane.room.scroll_by(if up { -1 } else { 1 });
            terminal.draw(|f| ui::draw(f, black_box(&app))).unwrap();
        })
    });
}

fn client(emulator: &Emulator) -> Client {
    Client::new(
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "bench"),
        ClientOptions {
            endpoint: emulator.url(),
            ..Default::default()
        },
    )
    .unwrap()
}

/// The console's event loop, reduced to what the room needs: commands to the
/// worker, replies back, and a poll whenever the scheduler says one is due.
/// Runs until `done(app)` or `deadline`.
async fn run_until(
    app: &mut App,
    worker: &Worker,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<livemod::worker::Event>,
    deadline: Instant,
    done: impl Fn(&App) -> bool,
) -> bool {
    loop {
        for c in app.take_commands() {
            assert!(worker.send(c));
        }
        if done(app) {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        let wake = app
            .next_room_poll()
            .unwrap_or(deadline)
            .min(deadline)
            .max(now);
        tokio::select! {
            ev = events.recv() => app.handle(Msg::Worker(ev.expect("the worker is alive"))),
            _ = tokio::time::sleep_until(wake.into()) => app.handle(Msg::RoomPoll),
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn latency() {
    let samples: usize = std::env::var("ROOM_LATENCY_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
        let audience = client(&emulator);
        audience
            .call(&CreateGroupRequest {
                app_id: "demo".into(),
                group_id: ROOM.into(),
                group_name: Some("Bench night".into()),
                group_info: None,
                administrators: Vec::new(),
                creator_id: Some("host1".into()),
                data_center: None,
            })
            .await
            .unwrap();
        audience
            .call(&JoinGroupRequest {
                app_id: "demo".into(),
                group_id: ROOM.into(),
                user_id: "viewer1".into(),
                data_center: None,
            })
            .await
            .unwrap();
        let (worker, mut events) = Worker::spawn(client(&emulator));
        let mut app = App::new(Context::demo()).unwrap();
        app.open_room(ROOM);
        let opened = run_until(
            &mut app,
            &worker,
            &mut events,
            Instant::now() + Duration::from_secs(10),
            |a| !a.busy(),
        )
        .await;
        assert!(opened, "the room opened");
        let mut took = Vec::with_capacity(samples);
        for i in 0..samples {
            // A random moment in the poll cycle.
            let idle = Duration::from_millis(rand::random_range(0..1500));
            run_until(
                &mut app,
                &worker,
                &mut events,
                Instant::now() + idle,
                |_| false,
            )
            .await;
            let sent = audience
                .call(&UserSendRequest {
                    app_id: "demo".into(),
                    group_id: ROOM.into(),
                    user_id: "viewer1".into(),
                    body: Some(format!("sample {i}")),
                    msg_type: Some(1),
                    msg_tid: None,
                    data_center: None,
                })
                .await
                .unwrap();
            let accepted = Instant::now();
            let tid = sent.msg_tid;
            let seen = run_until(
                &mut app,
                &worker,
                &mut events,
                accepted + Duration::from_secs(30),
                |a| {
                    a.rooms
                        .open
                        .as_ref()
                        .is_some_and(|p| p.room.iter().rev().any(|m| m.message.msg_tid == tid))
                },
            )
            .await;
            assert!(seen, "sample {i}: the message reached the room within 30 s");
            took.push(accepted.elapsed());
        }
        // The service still lists what the room shows (a sanity check that the
        // rig talked to the emulator, not to itself).
        let listed = audience
            .call(&ListGroupMessagesRequest::new("demo", ROOM))
            .await
            .unwrap();
        assert!(!listed.message_list.is_empty());
        took.sort();
        let policy = PollPolicy::default();
        println!(
            "room_latency: {} samples · median {:.0} ms · p95 {:.0} ms · max {:.0} ms · \
             open-room poll interval {:.1} s (busy) to {:.1} s (quiet)",
            took.len(),
            percentile(&took, 0.5).as_secs_f64() * 1000.0,
            percentile(&took, 0.95).as_secs_f64() * 1000.0,
            took.last().unwrap().as_secs_f64() * 1000.0,
            policy.open_min.as_secs_f64(),
            policy.open_max.as_secs_f64(),
        );
    });
}

fn main() {
    // `ROOM_BENCH=frame` or `=latency` runs only that part (scripts/bench
    // wants the latency line alone). Under `cargo test` (no `--bench`), only
    // the frame runs, once, as criterion's test mode does.
    let only = std::env::var("ROOM_BENCH").unwrap_or_default();
    if only != "latency" {
        let mut c = Criterion::default().configure_from_args();
        frame(&mut c);
        c.final_summary();
    }
    if only != "frame" && std::env::args().any(|a| a == "--bench") {
        latency();
    }
}
