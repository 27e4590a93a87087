//! The outbox across processes and backends, through the real binary: an
//! entry goes only to the backend and key it was queued for, the demo has its
//! own data, two concurrent retries deliver every message exactly once, stale
//! entries expire unsent, and a data directory that cannot be written does not
//! stop read-only commands. The emulators' own counters are the witness.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use chrono::Utc;
use livemod::api::SendMessageRequest;
use livemod::emulator::{
    DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions, FaultOptions,
    LatencyRange, SeedGroup,
};
use livemod::outbox::{Outbox, State, Target};
use serde_json::Value;

fn seed(id: &str) -> SeedGroup {
    SeedGroup {
        group_id: id.into(),
        group_name: id.into(),
        group_info: String::new(),
        creator_id: "mod1".into(),
        administrators: vec![],
        createtime: 0,
        deleted: false,
        audience: Some(1),
    }
}

async fn emulator_with(groups: &[&str], faults: FaultOptions) -> Emulator {
    let emu = Emulator::start(EmulatorOptions {
        audience: 1,
        faults,
        ..Default::default()
    })
    .await
    .unwrap();
    emu.import_groups("demo", groups.iter().map(|g| seed(g)).collect())
        .await
        .unwrap();
    emu
}

fn message(group: &str, n: usize) -> SendMessageRequest {
    SendMessageRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        sender_id: "mod1".into(),
        body: Some(format!("message {n}")),
        ..Default::default()
    }
}

/// The target the CLI computes for `--endpoint emu` with the demo key.
fn target_of(emu: &Emulator) -> Target {
    Target::new(&emu.url(), DEMO_ACCESS_KEY_ID, None)
}

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    /// `livemod [--endpoint URL] ARGS` with the demo key in the environment.
    fn livemod(&self, data: &Path, endpoint: Option<&str>, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_livemod"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("LIVEMOD_DATA_DIR", data)
            .env("LIVEMOD_CONFIG", self.dir.path().join("config.toml"))
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
            .stdin(Stdio::null());
        if let Some(e) = endpoint {
            cmd.args(["--endpoint", e]);
        }
        cmd.args(args);
        cmd
    }
}

/// Runs a command off the runtime's threads (the emulator serves on them).
async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn sends(emu: &Emulator) -> u64 {
    let stats = emu.stats().await.unwrap();
    stats
        .requests
        .get("SendLiveMessageGroup")
        .copied()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_goes_only_to_the_backend_and_key_it_was_queued_for() {
    let x = emulator_with(&["g1"], FaultOptions::default()).await;
    let y = emulator_with(&["g1"], FaultOptions::default()).await;
    let home = Home::new();
    let id = Outbox::in_dir(&home.data())
        .unwrap()
        .with_target(target_of(&x))
        .enqueue(message("g1", 1))
        .unwrap();

    // The listing names the target, in the table and in JSON.
    let out = output(home.livemod(&home.data(), None, &["outbox", "list", "--json"])).await;
    assert!(out.status.success(), "{}", text(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["target"]["endpoint"], x.url().as_str());
    assert_eq!(listed[0]["target"]["access_key_id"], DEMO_ACCESS_KEY_ID);
    assert_eq!(listed[0]["request"]["app_id"], "demo");
    let out = output(home.livemod(&home.data(), None, &["outbox", "list"])).await;
    let port = x.url().port().unwrap().to_string();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&port),
        "{}",
        text(&out)
    );

    // Another endpoint leaves it alone and says so, per entry.
    let y_url = y.url().to_string();
    let out = output(home.livemod(
        &home.data(),
        Some(&y_url),
        &["outbox", "retry", "--all", "--json"],
    ))
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["other_backend"], serde_json::json!([id]));
    assert_eq!(report["results"][0]["result"], "other_backend");
    assert!(
        report["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("another backend"),
        "{report}"
    );
    // By ID too: refused as a usage error, nothing sent.
    let out = output(home.livemod(
        &home.data(),
        Some(&y_url),
        &["outbox", "retry", &id.to_string()],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another backend"),
        "{}",
        text(&out)
    );
    assert_eq!(sends(&y).await, 0, "Y received what was meant for X");
    assert_eq!(
        Outbox::in_dir(&home.data()).unwrap().get(id).unwrap().state,
        State::Queued
    );

    // X itself delivers it, once.
    let x_url = x.url().to_string();
    let out = output(home.livemod(
        &home.data(),
        Some(&x_url),
        &["outbox", "retry", "--all", "--json"],
    ))
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["delivered"], serde_json::json!([id]));
    assert_eq!(report["results"][0]["result"], "delivered");
    assert_eq!(x.delivered_messages("demo", "g1").await.unwrap().len(), 1);
    assert_eq!(sends(&y).await, 0);
    x.shutdown().await;
    y.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_its_own_outbox_and_audit_log() {
    let real = emulator_with(&["g1"], FaultOptions::default()).await;
    let home = Home::new();
    let id = Outbox::in_dir(&home.data())
        .unwrap()
        .with_target(target_of(&real))
        .enqueue(message("g1", 1))
        .unwrap();

    // The demo's outbox is another one: the real entry is not listed, not sent.
    let out =
        output(home.livemod(&home.data(), None, &["--demo", "outbox", "list", "--json"])).await;
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        serde_json::json!([])
    );
    let out = output(home.livemod(
        &home.data(),
        None,
        &["--demo", "outbox", "retry", "--all", "--json"],
    ))
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["results"], serde_json::json!([]), "{report}");

    // A change made in the demo is audited in the demo's namespace only.
    let out = output(home.livemod(
        &home.data(),
        None,
        &["--demo", "groups", "create", "demonew"],
    ))
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let demo_audit = std::fs::read_to_string(home.data().join("demo/audit.jsonl")).unwrap();
    assert!(demo_audit.contains("demonew"), "{demo_audit}");
    let real_audit = std::fs::read_to_string(home.data().join("audit.jsonl")).unwrap_or_default();
    assert!(!real_audit.contains("demonew"), "{real_audit}");

    let outbox = Outbox::in_dir(&home.data()).unwrap();
    assert_eq!(outbox.get(id).unwrap().state, State::Queued);
    assert_eq!(sends(&real).await, 0);
    real.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_retries_deliver_every_message_exactly_once() {
    const GROUPS: usize = 6;
    const MESSAGES: usize = 36;
    let names: Vec<String> = (0..GROUPS).map(|g| format!("c{g}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    // Slow replies so the two processes overlap for the whole run.
    let emu = emulator_with(
        &refs,
        FaultOptions {
            latency: Some(LatencyRange {
                min_ms: 20,
                max_ms: 40,
            }),
            ..Default::default()
        },
    )
    .await;
    let home = Home::new();
    let ids: Vec<i64> = {
        let outbox = Outbox::in_dir(&home.data())
            .unwrap()
            .with_target(target_of(&emu));
        (0..MESSAGES)
            .map(|n| outbox.enqueue(message(&names[n % GROUPS], n)).unwrap())
            .collect()
    };
    let url = emu.url().to_string();
    let a = home
        .livemod(&home.data(), Some(&url), &["outbox", "retry", "--all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let b = home
        .livemod(&home.data(), Some(&url), &["outbox", "retry", "--all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (a, b) = tokio::task::spawn_blocking(move || {
        (a.wait_with_output().unwrap(), b.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    for out in [&a, &b] {
        assert!(out.status.success(), "{}", text(out));
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("locked"),
            "{}",
            text(out)
        );
    }

    // Exactly once each, from the emulator's side.
    let stats = emu.stats().await.unwrap();
    assert!(
        stats.duplicate_deliveries().is_empty(),
        "{:?}",
        stats.duplicate_deliveries()
    );
    assert_eq!(
        stats.deliveries.len(),
        MESSAGES,
        "{}\n{}",
        text(&a),
        text(&b)
    );
    let outbox = Outbox::in_dir(&home.data()).unwrap();
    for id in ids {
        let e = outbox.get(id).unwrap();
        assert_eq!(e.state, State::Delivered, "entry {id}: {:?}", e.last_error);
    }
    // Each group got its messages in the order written.
    for name in &names {
        let got: Vec<String> = emu
            .delivered_messages("demo", name)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.msg_tid)
            .collect();
        let written: Vec<String> = outbox
            .list(&livemod::outbox::ListFilter {
                group_id: Some(name.clone()),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|e| e.msg_tid().to_string())
            .collect();
        assert_eq!(got, written, "group {name}");
    }
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_entry_stays_listed_and_is_never_sent() {
    let emu = emulator_with(&["g1"], FaultOptions::default()).await;
    let home = Home::new();
    let outbox = Outbox::in_dir(&home.data())
        .unwrap()
        .with_target(target_of(&emu))
        .with_expiry(Duration::from_millis(1));
    let id = outbox.enqueue(message("g1", 1)).unwrap();
    let expires = outbox.get(id).unwrap().expires_at.unwrap();
    // Wait for the clock (observable), not for a fixed time.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while Utc::now() <= expires {
        assert!(std::time::Instant::now() < deadline);
        tokio::task::yield_now().await;
    }
    drop(outbox);
    let url = emu.url().to_string();
    let out = output(home.livemod(
        &home.data(),
        Some(&url),
        &["outbox", "retry", "--all", "--json"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["expired"], serde_json::json!([id]));
    assert_eq!(report["results"][0]["result"], "expired");
    assert_eq!(sends(&emu).await, 0);
    let out = output(home.livemod(&home.data(), None, &["outbox", "list"])).await;
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("expired"), "{}", text(&out));
    assert!(
        shown.contains("not sent before its expiry"),
        "{}",
        text(&out)
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_data_directory_or_log_file_does_not_stop_reading() {
    let emu = emulator_with(&["g1"], FaultOptions::default()).await;
    let home = Home::new();
    let url = emu.url().to_string();
    // A data directory under a regular file cannot be created (even by root,
    // for whom chmod would not make a directory unwritable).
    let blocker = home.dir.path().join("plain-file");
    std::fs::write(&blocker, b"x").unwrap();
    let data = blocker.join("data");
    let out = output(home.livemod(&data, None, &["outbox", "list"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning"),
        "{}",
        text(&out)
    );
    let out = output(home.livemod(&data, Some(&url), &["groups", "list", "--json"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("g1"));
    // A change cannot be audited there, so it is refused before it is sent.
    let out = output(home.livemod(&data, Some(&url), &["groups", "create", "g2"])).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stats = emu.stats().await.unwrap();
    assert_eq!(stats.requests.get("CreateLiveMessageGroup"), None);

    // A livemod.log that cannot be opened (root-owned, or here a directory).
    std::fs::create_dir_all(home.data().join("livemod.log")).unwrap();
    let out = output(home.livemod(&home.data(), Some(&url), &["groups", "list"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("livemod.log"),
        "{}",
        text(&out)
    );
    emu.shutdown().await;
}

/// `outbox list` reads an existing outbox where nothing can be written beside
/// it (a read-only data directory). Root may write anywhere, so the place the
/// writable open needs (`outbox.sqlite3.owners/`) is blocked by a plain file:
/// the same failure, for every user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_list_reads_an_outbox_it_cannot_write_beside() {
    let home = Home::new();
    let data = home.data();
    {
        let outbox = Outbox::in_dir(&data).unwrap();
        outbox.enqueue(message("g1", 7)).unwrap();
    }
    let owners = data.join(format!("{}.owners", livemod::outbox::FILE_NAME));
    std::fs::remove_dir_all(&owners).unwrap();
    std::fs::write(&owners, b"not a directory").unwrap();
    let out = output(home.livemod(&data, None, &["outbox", "list", "--json"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert!(listed[0].to_string().contains("message 7"), "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_the_endpoint_url_never_reach_the_audit_log() {
    let emu = emulator_with(&["g1"], FaultOptions::default()).await;
    let home = Home::new();
    let port = emu.url().port().unwrap();
    let with_userinfo = format!("http://moduser:hunter2secret@127.0.0.1:{port}/");
    let out = output(home.livemod(
        &home.data(),
        Some(&with_userinfo),
        &["groups", "create", "g2"],
    ))
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let audit = std::fs::read_to_string(home.data().join("audit.jsonl")).unwrap();
    assert!(audit.contains("CreateLiveMessageGroup"), "{audit}");
    assert!(!audit.contains("hunter2secret"), "{audit}");
    assert!(!audit.contains("moduser"), "{audit}");
    assert!(
        audit.contains(&format!("http://127.0.0.1:{port}/")),
        "{audit}"
    );
    emu.shutdown().await;
}

/// The console's background delivery (as on `--demo`, or any other backend)
/// sends only what was queued for its own backend and key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_delivery_never_sends_another_backends_entries() {
    use livemod::api::{Client, ClientOptions};
    use livemod::credentials::Credentials;
    use livemod::outbox::service::{OutboxConfig, OutboxOp};
    use livemod::worker::{Command as WorkerCommand, Event, Worker};

    let real = emulator_with(&["g1"], FaultOptions::default()).await;
    let demo = emulator_with(&["g1"], FaultOptions::default()).await;
    let home = Home::new();
    let real_entry = Outbox::in_dir(&home.data())
        .unwrap()
        .with_target(target_of(&real))
        .enqueue(message("g1", 1))
        .unwrap();

    let demo_client = Client::new(
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test"),
        ClientOptions {
            endpoint: demo.url(),
            ..Default::default()
        },
    )
    .unwrap();
    let (mut worker, mut events) =
        Worker::spawn_with(demo_client, Some(OutboxConfig::new(home.data())));
    // Something queued in this console wakes background delivery.
    assert!(worker.send(WorkerCommand::Outbox {
        id: 1,
        op: OutboxOp::Enqueue {
            request: message("g1", 2),
            unknown: None,
        },
    }));
    let mut own_entry = None;
    let mut delivered = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while own_entry.is_none() || !delivered.contains(own_entry.as_ref().unwrap()) {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the console's own entry is delivered in time")
            .expect("the worker is alive");
        match event {
            Event::Outbox { result, .. } => {
                own_entry = Some(result.unwrap().entry.unwrap().id);
            }
            Event::OutboxDelivered { report, .. } => delivered.extend(report.delivered),
            _ => {}
        }
    }
    worker.shutdown(Duration::from_secs(5)).await;
    assert!(!delivered.contains(&real_entry), "{delivered:?}");
    assert_eq!(sends(&demo).await, 1, "only the console's own message");
    assert_eq!(sends(&real).await, 0);
    let outbox = Outbox::in_dir(&home.data()).unwrap();
    assert_eq!(outbox.get(real_entry).unwrap().state, State::Queued);
    real.shutdown().await;
    demo.shutdown().await;
}
