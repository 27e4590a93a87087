//! Pacing spans processes (#8): two `livemod` bulk runs on one key, started at
//! once against one emulator process, share the data directory's pacing
//! ledger and together stay under the emulator's 50 calls/s, so neither sees a
//! throttled reply. (Each process alone paces at 50/s; without the shared
//! ledger the pair runs at 100/s and the emulator throttles dozens of calls.)

use std::process::{Command, Output, Stdio};

use crate::support::emulator::{DEMO_SECRET, EmulatorProcess, KEY_ID};

/// Groups per run: at 100 calls/s combined the emulator's burst of 50 is used
/// up within the first second, long before either run ends.
const GROUPS_PER_RUN: usize = 120;

fn bulk_create(emu: &EmulatorProcess, home: &std::path::Path, file: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_livemod"));
    cmd.env_clear()
        .env("HOME", home)
        .env("LIVEMOD_DATA_DIR", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_SECRET)
        .arg("--endpoint")
        .arg(&emu.url)
        .args(["groups", "create", "--json", "--from-file"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn summary(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {stdout}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn two_concurrent_bulk_runs_on_one_key_are_never_throttled() {
    let emu = EmulatorProcess::start(&[]);
    let home = tempfile::tempdir().unwrap();
    let files: Vec<_> = ["a", "b"]
        .iter()
        .map(|run| {
            let path = home.path().join(format!("{run}.csv"));
            let mut text = String::from("group_id\n");
            for i in 0..GROUPS_PER_RUN {
                text.push_str(&format!("pace{run}{i}\n"));
            }
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();

    let children: Vec<_> = files
        .iter()
        .map(|f| bulk_create(&emu, home.path(), f).spawn().unwrap())
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();

    for out in &outputs {
        let s = summary(out);
        assert_eq!(s["done"], GROUPS_PER_RUN, "{s}");
        assert_eq!(s["failed"], 0, "{s}");
        assert_eq!(s["throttled_replies"], 0, "{s}");
    }
    assert!(
        home.path().join(livemod::api::pace::LEDGER_FILE).exists(),
        "the runs shared no ledger in the data directory"
    );
}
