//! kill -9 in the middle of `livemod outbox retry --all`: the message being
//! sent becomes outcome_unknown (never resent silently), nothing is lost, and
//! a live process's in-flight send is left alone by another process.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use livemod::api::SendMessageRequest;
use livemod::emulator::{
    DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions, FaultOptions,
    LatencyRange,
};
use livemod::outbox::{ListFilter, Outbox, State, Target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_send_leaves_outcome_unknown_and_loses_nothing() {
    // Every request takes 3 s inside the emulator: long enough to kill the CLI mid-send.
    let emulator = Emulator::start(EmulatorOptions {
        audience: 1,
        faults: FaultOptions {
            latency: Some(LatencyRange {
                min_ms: 3000,
                max_ms: 3000,
            }),
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap();
    emulator
        .import_groups(
            "demo",
            vec![livemod::emulator::SeedGroup {
                group_id: "g1".into(),
                group_name: "g1".into(),
                group_info: String::new(),
                creator_id: "mod1".into(),
                administrators: vec![],
                createtime: 0,
                deleted: false,
                audience: None,
            }],
        )
        .await
        .unwrap();

    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let ids: Vec<i64> = {
        // Queued for this emulator with the key the CLI will use.
        let outbox = Outbox::in_dir(&data).unwrap().with_target(Target::new(
            &emulator.url(),
            DEMO_ACCESS_KEY_ID,
            None,
        ));
        (0..3)
            .map(|n| {
                outbox
                    .enqueue(SendMessageRequest {
                        app_id: "demo".into(),
                        group_id: "g1".into(),
                        sender_id: "mod1".into(),
                        body: Some(format!("message {n}")),
                        ..Default::default()
                    })
                    .unwrap()
            })
            .collect()
    };

    let mut child = Command::new(env!("CARGO_BIN_EXE_livemod"))
        .args([
            "--endpoint",
            emulator.url().as_str(),
            "outbox",
            "retry",
            "--all",
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("LIVEMOD_DATA_DIR", &data)
        .env("LIVEMOD_CONFIG", home.path().join("config.toml"))
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Wait until the child has committed `sending` for the first message.
    // Opening the outbox here while the child lives must NOT recover its
    // in-flight entry.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let outbox = Outbox::in_dir(&data).unwrap();
        assert_eq!(outbox.recovered_on_open(), 0);
        let sending = outbox
            .list(&ListFilter {
                state: Some(State::Sending),
                ..Default::default()
            })
            .unwrap();
        if !sending.is_empty() {
            assert_eq!(sending[0].id, ids[0]);
            break;
        }
        assert!(Instant::now() < deadline, "the CLI never started sending");
        drop(outbox);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    let outbox = Outbox::in_dir(&data).unwrap();
    assert_eq!(outbox.recovered_on_open(), 1);
    let first = outbox.get(ids[0]).unwrap();
    assert_eq!(first.state, State::OutcomeUnknown);
    assert_eq!(first.last_error.unwrap().code, "Interrupted");
    for id in &ids[1..] {
        assert_eq!(outbox.get(*id).unwrap().state, State::Queued);
    }
    // The CLI's own listing says the same, as JSON.
    drop(outbox);
    let out = Command::new(env!("CARGO_BIN_EXE_livemod"))
        .args(["outbox", "list", "--json"])
        .env("HOME", home.path())
        .env("LIVEMOD_DATA_DIR", &data)
        .env("LIVEMOD_CONFIG", home.path().join("config.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["outcome_unknown", "queued", "queued"]);
    emulator.shutdown().await;
}
