//! The console's hot paths, without a terminal: drawing one frame of the
//! browser (ratatui `TestBackend`, so the buffer diff is included but no bytes
//! reach a tty) and the update path (key events through `App::handle`).

use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use livemod::api::Group;
use livemod::tui::action::Msg;
use livemod::tui::clock::Clock;
use livemod::tui::keys::Key;
use livemod::tui::{App, Context, ui};

const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;

/// A group as the demo data looks: JSON GroupInfo on some, admins on most.
fn group(i: usize) -> Group {
    Group {
        group_id: format!("room{i:05}"),
        group_name: format!("Evening show #{i}"),
        group_info: if i.is_multiple_of(3) {
            format!(r#"{{"topic":"music","slot":{i},"tags":["live","chat"]}}"#)
        } else {
            "plain info".to_string()
        },
        creator_id: "host7".into(),
        admin_list: ["mod1", "mod2", "mod3"][..i % 4]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        createtime: 1_700_000_000 + i as i64 * 60,
        delete: i % 7 == 3,
    }
}

/// A console on app `demo` with `n` groups loaded in the browser.
fn app_with(n: usize) -> App {
    let mut app = App::new(Context::demo()).expect("the demo context is valid");
    app.clock = Clock::fixed(1_700_000_000 + 400_000);
    app.browser.query.page_size = 50;
    app.browser
        .set_groups((0..n).map(group).collect(), n.max(5000) as u64);
    app
}

fn frames(c: &mut Criterion) {
    for (name, n) in [
        ("frame_200x50_page_50", 50),
        ("frame_200x50_cached_5000", 5000),
    ] {
        let mut app = app_with(n);
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
        // Start mid-list so the scroll offset is in play.
        app.browser.selected = n / 2;
        terminal.draw(|f| ui::draw(f, &app)).unwrap();
        let mut i = 0usize;
        c.bench_function(name, |b| {
            b.iter(|| {
                // A different selection every frame, so every frame changes cells.
                i = i.wrapping_add(1);
                app.browser.selected = n / 2 + i % 40;
                terminal.draw(|f| ui::draw(f, black_box(&app))).unwrap();
            })
        });
    }
}

/// Navigation: 30 events.
const NAVIGATION: &[&str] = &[
    "j", "j", "j", "j", "j", "down", "down", "down", "k", "k", "up", "up", "G", "k", "k", "g", "j",
    "j", "j", "j", "j", "j", "j", "j", "end", "home", "j", "k", "j", "k",
];
/// Filter typing: 14 events ("/", "room1", an edit, accept, move, reopen, clear).
const FILTER_TYPING: &[&str] = &[
    "/",
    "r",
    "o",
    "o",
    "m",
    "1",
    "backspace",
    "2",
    "enter",
    "j",
    "/",
    "backspace",
    "esc",
    "g",
];

/// 10,000 key events cycling through `cycle`.
fn key_events(cycle: &[&str]) -> Vec<crossterm::event::KeyEvent> {
    let keys: Vec<_> = cycle
        .iter()
        .map(|s| Key::parse(s).expect("valid key spec").to_event())
        .collect();
    keys.iter().cycle().take(10_000).copied().collect()
}

fn updates(c: &mut Criterion) {
    let mixed = key_events(&[NAVIGATION, FILTER_TYPING].concat());
    let navigation = key_events(NAVIGATION);
    let filtering = key_events(FILTER_TYPING);
    for (name, n, events) in [
        ("update_10000_keys_page_50", 50, &mixed),
        ("update_10000_keys_cached_5000", 5000, &mixed),
        ("update_10000_nav_keys_cached_5000", 5000, &navigation),
        ("update_10000_filter_keys_cached_5000", 5000, &filtering),
    ] {
        c.bench_function(name, |b| {
            b.iter_batched(
                || app_with(n),
                |mut app| {
                    for &key in events {
                        app.handle(Msg::Key(black_box(key)));
                    }
                    assert!(!app.quit);
                    app
                },
                BatchSize::LargeInput,
            )
        });
    }
}

/// `/` over every group of the app: 5,000 groups in the all-groups index,
/// one keystroke handled and settled (filtered) as the event loop does
/// before each frame, typing then erasing "room12" and "show #3".
fn search_all(c: &mut Criterion) {
    let typing = search_typing();
    search_all_latency(&typing);
    c.bench_function("search_all_5000_per_keystroke", |b| {
        b.iter_batched(
            || {
                let mut app = app_with(50);
                app.browser.index.replace_all((0..5000).map(group));
                app
            },
            |mut app| {
                for &key in &typing {
                    app.handle(Msg::Key(black_box(key)));
                    app.settle();
                }
                app
            },
            BatchSize::LargeInput,
        )
    });
}

/// The keys of the search bench: `/`, typing then erasing "room12" and "show #3".
fn search_typing() -> Vec<crossterm::event::KeyEvent> {
    ["/", "r", "o", "o", "m", "1", "2", "backspace", "backspace"]
        .iter()
        .chain(&["backspace", "backspace", "backspace", "backspace"])
        .chain(&["s", "h", "o", "w", " ", "#", "3", "esc"])
        .map(|s| {
            Key::parse(if *s == " " { "space" } else { s })
                .unwrap()
                .to_event()
        })
        .collect()
}

/// The per-keystroke distribution (criterion reports a whole typing run):
/// each key handled and settled, timed alone, over many runs. The index is
/// built first, as a synced page leaves it; printed, not asserted.
fn search_all_latency(typing: &[crossterm::event::KeyEvent]) {
    let runs = if std::env::args().any(|a| a == "--bench") {
        300
    } else {
        2
    };
    let mut took = Vec::with_capacity(runs * typing.len());
    for _ in 0..runs {
        let mut app = app_with(50);
        app.browser.index.replace_all((0..5000).map(group));
        app.settle();
        for &key in typing {
            let start = Instant::now();
            app.handle(Msg::Key(black_box(key)));
            app.settle();
            took.push(start.elapsed());
        }
        let _ = black_box(app);
    }
    took.sort();
    let at = |p: f64| took[((took.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e6;
    eprintln!(
        "search_all_5000_keystroke_latency: {} keys · median {:.1} µs · p95 {:.1} µs · max {:.1} µs",
        took.len(),
        at(0.5),
        at(0.95),
        at(1.0),
    );
}

criterion_group!(benches, frames, updates, search_all);
criterion_main!(benches);
