//! Memory with 20 pinned chatty rooms: the watcher follows them for twenty
//! simulated minutes (15 messages a second in each, every tenth one flagged)
//! and the process's resident memory is sampled each simulated minute. The
//! rooms' rings (5,000 messages each) and the flagged queue (2,000 entries)
//! are bounded, so once the rings are full memory stays flat.
//!
//! `cargo bench --bench watch_memory` prints a table and fails when the second
//! ten minutes (rings full from minute 6) grow by more than 5%. Linux only
//! (reads /proc/self/statm).

use std::time::{Duration, Instant};

use livemod::api::{GroupMessage, ListGroupMessagesResponse, MessageSender};
use livemod::moderation::{RuleSet, Watcher};

const ROOMS: usize = 20;
const PER_SECOND: u64 = 15;
const MINUTES: u64 = 20;

const RULES: &str = r#"
[[rules]]
name = "spam"
words = ["followers"]
links = true
"#;

/// Resident set size in KiB.
fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("statm's second field");
    pages * 4
}

fn line(seq: i64) -> &'static str {
    if seq % 10 == 9 {
        "BUY CHEAP FOLLOWERS NOW at followers-cheap.example"
    } else {
        "hello everyone, first time here, love this stream"
    }
}

fn main() {
    // `cargo bench` passes --bench; nothing else is expected.
    let rules = RuleSet::from_config_str(RULES).expect("valid rules");
    let mut watcher = Watcher::new("demo", None, rules);
    let start = Instant::now();
    for r in 0..ROOMS {
        watcher.pin(&format!("room{r:02}"), start);
    }
    let mut seq = [0i64; ROOMS];
    let mut samples = Vec::new();
    println!("| simulated minute | RSS (MiB) | messages held | flagged queued |");
    println!("|---:|---:|---:|---:|");
    for step in 0..MINUTES * 60 * 10 {
        let t = start + Duration::from_millis(step * 100);
        for request in watcher.due(t) {
            let r: usize = request.group_id[4..].parse().expect("a bench room");
            let sent = (step * PER_SECOND / 10) as i64;
            let mut page = Vec::new();
            while seq[r] < sent && page.len() < 100 {
                seq[r] += 1;
                page.push(GroupMessage {
                    msg_tid: format!("tid-{r}-{}", seq[r]),
                    msg_type: 0,
                    body: line(seq[r]).into(),
                    sender: MessageSender {
                        user_id: format!("viewer{}", seq[r] % 300),
                        user_info: String::new(),
                    },
                    seq_number: seq[r],
                    timestamp: 1_700_000_000 + (step / 10) as i64,
                    total_messages: 0,
                });
            }
            let has_more = seq[r] < sent;
            let reply = ListGroupMessagesResponse {
                message_list: page,
                has_more,
                next_page_token: if has_more { seq[r] } else { 0 },
                ..Default::default()
            };
            watcher.on_reply(&request, reply, t);
        }
        if (step + 1) % 600 == 0 {
            let held: usize = (0..ROOMS)
                .filter_map(|r| watcher.room(&format!("room{r:02}")))
                .map(|w| w.room.len())
                .sum();
            let rss = rss_kib();
            samples.push(rss);
            println!(
                "| {} | {:.1} | {held} | {} |",
                (step + 1) / 600,
                rss as f64 / 1024.0,
                watcher.flags().len()
            );
        }
    }
    let minute10 = samples[9] as f64;
    let last = *samples.last().expect("samples") as f64;
    let growth = (last - minute10) / minute10;
    println!(
        "\nminutes 10 → {MINUTES}: {:+.1}% ({ROOMS} rooms, {PER_SECOND} msg/s each)",
        growth * 100.0
    );
    if growth > 0.05 {
        eprintln!(
            "memory grew by {:.1}% after the rings filled",
            growth * 100.0
        );
        std::process::exit(1);
    }
}
