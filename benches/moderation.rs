//! Moderation hot paths: filtering the all-groups index as keys arrive, and
//! checking polled messages against the rules.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

use std::time::{Duration, Instant};

use livemod::api::{Group, GroupMessage, ListGroupMessagesResponse, MessageSender};
use livemod::moderation::{GroupIndex, Message, Room, RuleSet, Watcher};

const GROUPS: usize = 5000;
const KEYS: usize = 10_000;

/// A group as the demo data looks.
fn group(i: usize) -> Group {
    Group {
        group_id: format!("room{i:05}"),
        group_name: format!("Evening show #{i}"),
        group_info: String::new(),
        creator_id: "host7".into(),
        admin_list: Vec::new(),
        createtime: 1_700_000_000 + i as i64 * 60,
        delete: false,
    }
}

fn indexed() -> GroupIndex {
    let mut index = GroupIndex::new();
    index.replace_all((0..GROUPS).map(group));
    index.apply();
    index
}

/// A deterministic pseudo-random sequence (no seeding from the clock).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// The query text after each of `KEYS` edit keys.
fn queries(keys: impl Iterator<Item = Option<char>>) -> Vec<String> {
    let mut query = String::new();
    keys.take(KEYS)
        .map(|key| {
            match key {
                Some(c) => query.push(c),
                None => {
                    query.pop();
                }
            }
            query.clone()
        })
        .collect()
}

/// The browser bench's filter typing, every key an edit: r o o m 1 ⌫ 2 ⌫ ⌫ ⌫ ⌫ ⌫.
fn cycling_keys() -> Vec<String> {
    let cycle = [
        Some('r'),
        Some('o'),
        Some('o'),
        Some('m'),
        Some('1'),
        None,
        Some('2'),
        None,
        None,
        None,
        None,
        None,
    ];
    queries(cycle.into_iter().cycle())
}

/// Mostly new queries: a random room number or show number typed, then erased.
fn varied_keys() -> Vec<String> {
    let mut rng = Lcg(42);
    let mut keys = Vec::new();
    while keys.len() < KEYS {
        let word = if rng.next(2) == 0 {
            format!("room{:05}", rng.next(GROUPS as u64))
        } else {
            format!("show #{}", rng.next(GROUPS as u64))
        };
        let typed = 1 + rng.next(word.len() as u64) as usize;
        keys.extend(word.chars().take(typed).map(Some));
        keys.extend(std::iter::repeat_n(None, typed));
    }
    queries(keys.into_iter())
}

fn index(c: &mut Criterion) {
    for (name, queries, batch) in [
        (
            "index_10000_cycling_keys_5000_groups_apply_each",
            cycling_keys(),
            1,
        ),
        (
            "index_10000_varied_keys_5000_groups_apply_each",
            varied_keys(),
            1,
        ),
        (
            "index_10000_varied_keys_5000_groups_apply_per_8",
            varied_keys(),
            8,
        ),
    ] {
        c.bench_function(name, |b| {
            b.iter_batched(
                indexed,
                |mut index| {
                    for (i, q) in queries.iter().enumerate() {
                        index.set_query(black_box(q));
                        if (i + 1) % batch == 0 {
                            index.apply();
                        }
                    }
                    index.apply();
                    index
                },
                BatchSize::LargeInput,
            )
        });
    }
    // One keystroke at its worst: a one-letter query over every group, nothing cached.
    c.bench_function("index_one_key_full_scan_5000_groups", |b| {
        b.iter_batched(
            || {
                let mut index = indexed();
                index.set_query("e");
                index
            },
            |mut index| {
                index.apply();
                assert_eq!(index.match_count(), GROUPS);
                index
            },
            BatchSize::LargeInput,
        )
    });
}

/// 500 words, English and Chinese, as a moderator would paste them.
fn word_list() -> String {
    let mut words = Vec::new();
    for i in 0..400 {
        words.push(format!("\"spamword{i}\""));
    }
    for i in 0..100 {
        let c = char::from_u32(0x4e00 + i * 37).expect("a CJK ideograph");
        words.push(format!("\"加微信{c}\""));
    }
    words.join(", ")
}

fn chat(n: usize) -> Vec<Message> {
    let lines = [
        "hello everyone, great stream today!",
        "主播好厉害，支持一下",
        "lol that was close",
        "BUY CHEAP FOLLOWERS AT WWW.EXAMPLE.COM NOW",
        "what song is this?",
        "spamword123 spamword7",
        "加微信丆 领取福利",
        "gg wp",
    ];
    (0..n)
        .map(|i| Message {
            room: format!("room{}", i % 20),
            msg_tid: format!("tid{i}"),
            sender_id: format!("viewer{}", i % 50),
            body: lines[i % lines.len()].to_string(),
            seq: i as i64,
            timestamp: 1_700_000_000 + i as i64 / 10,
            ..Message::default()
        })
        .collect()
}

fn rules(c: &mut Criterion) {
    let messages = chat(1000);
    let words_only = format!("[[rules]]\nname = \"words\"\nwords = [{}]\n", word_list());
    let every_kind = format!(
        "{words_only}\n[[rules]]\nlinks = true\nregex = \"free\\\\s+gift\"\n\
         [[rules]]\nrepeat = 3\n[[rules]]\ncaps = true\n[[rules]]\nprofanity = \"moderate\"\n"
    );
    for (name, config) in [
        ("rules_1000_messages_500_words", &words_only),
        ("rules_1000_messages_500_words_and_every_kind", &every_kind),
    ] {
        let mut set = RuleSet::from_config_str(config).expect("the bench rules are valid");
        let flagged = messages.iter().filter(|m| !set.check(m).is_empty()).count();
        assert!(flagged > 0);
        c.bench_function(name, |b| {
            b.iter(|| {
                let mut flags = 0;
                for m in &messages {
                    flags += set.check(black_box(m)).len();
                }
                flags
            })
        });
    }
}

fn room(c: &mut Criterion) {
    // A poll of 50 new messages into a full 5,000-message room.
    let messages = chat(5050);
    c.bench_function("room_poll_50_into_5000", |b| {
        b.iter_batched(
            || {
                let mut room = Room::new("room1", Room::DEFAULT_CAPACITY);
                room.insert(messages[..5000].iter().cloned());
                (room, messages[4990..].to_vec())
            },
            |(mut room, page)| {
                let added = room.insert(black_box(page)).added.len();
                assert_eq!(added, 50);
                room
            },
            BatchSize::LargeInput,
        )
    });
}

/// `rooms` pinned rooms followed for `secs` simulated seconds (100 ms steps,
/// each poll answered at once with what was sent since the last one);
/// `per_second`: messages a second in each room. Returns the calls made.
fn simulate_pinned(rooms: usize, secs: u64, per_second: u64) -> usize {
    let mut watcher = Watcher::new("demo", None, RuleSet::default());
    let start = Instant::now();
    for r in 0..rooms {
        watcher.pin(&format!("room{r:02}"), start);
    }
    let mut seq = vec![0i64; rooms];
    let mut calls = 0;
    for step in 0..secs * 10 {
        let t = start + Duration::from_millis(step * 100);
        for request in watcher.due(t) {
            calls += 1;
            let r: usize = request.group_id[4..].parse().expect("a bench room");
            let mut page = Vec::new();
            let sent = (step * per_second / 10) as i64;
            while seq[r] < sent && page.len() < 100 {
                seq[r] += 1;
                page.push(GroupMessage {
                    msg_tid: format!("tid{}", seq[r]),
                    msg_type: 0,
                    body: "hello everyone".into(),
                    sender: MessageSender {
                        user_id: "viewer".into(),
                        user_info: String::new(),
                    },
                    seq_number: seq[r],
                    timestamp: 1_700_000_000 + (step / 10) as i64,
                    total_messages: 0,
                });
            }
            let reply = ListGroupMessagesResponse {
                message_list: page,
                ..Default::default()
            };
            watcher.on_reply(&request, reply, t);
        }
    }
    calls
}

/// Calls per second spent polling 20 pinned rooms (printed: the figure is a
/// count over simulated time, not a duration), and what scheduling ten
/// simulated minutes of them costs.
fn polling(c: &mut Criterion) {
    for (what, rate) in [("chatty (2 msg/s each)", 2), ("quiet", 0)] {
        let calls = simulate_pinned(20, 600, rate);
        eprintln!(
            "polling 20 pinned {what} rooms: {calls} calls in 600 simulated s = {:.2} calls/s (budget 25/s)",
            calls as f64 / 600.0
        );
    }
    c.bench_function("poll_schedule_20_pinned_rooms_10_simulated_minutes", |b| {
        b.iter(|| simulate_pinned(black_box(20), 600, 2))
    });
}

criterion_group!(benches, index, rules, room, polling);
criterion_main!(benches);
