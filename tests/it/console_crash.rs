//! The console under abuse, in a pseudo-terminal: killed with -9 mid-compose,
//! and run with a known secret through success and failure.

use std::process::Command;
use std::time::Duration;

use crate::support::emulator::EmulatorProcess;
use crate::support::pty::*;

const SECRET: &str = "Pty-S3cret-value-7d1e-never-shown";

#[test]
fn a_draft_survives_kill_9_in_the_middle_of_compose() {
    let home = tempfile::tempdir().unwrap();
    let mut c = Console::start_at(home.path(), &["--demo"], &[]);
    c.wait_for("page 1/");
    c.send("m");
    c.wait_for("Compose");
    c.send(" crashproof42");
    c.wait_for("crashproof42");
    // Once the debounced save has written the draft, no chance to clean up.
    wait_for_file_containing(home.path(), "crashproof42");
    let pid = c.pid.expect("child pid");
    assert!(
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = c.wait_exit();
    assert!(!status.success());
    drop(c);

    let mut c = Console::start_at(home.path(), &["--demo"], &[]);
    c.wait_for("page 1/");
    c.send("m");
    c.wait_for("Compose");
    c.wait_for("crashproof42");
    c.send(ESC);
    c.wait_for("Groups page");
    c.send("q");
    assert!(c.wait_exit().success());
}

/// Waits (bounded) until the drafts file under `dir` contains `needle`.
fn wait_for_file_containing(dir: &std::path::Path, needle: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        // Only the drafts file itself: neither the log nor the temporary file
        // of an atomic write in progress counts as the draft being saved.
        let drafts = files_under(dir)
            .into_iter()
            .filter(|f| f.file_name().is_some_and(|n| n == "drafts.json"));
        let found = drafts.into_iter().any(|f| {
            std::fs::read(f)
                .map(|data| String::from_utf8_lossy(&data).contains(needle))
                .unwrap_or(false)
        });
        if found {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no file under {} holds {needle:?}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn assert_secret_absent(c: &Console, home: &std::path::Path) {
    let screen = c.screen();
    assert!(!screen.contains(SECRET), "{screen}");
    let bytes = c.bytes.lock().unwrap().clone();
    assert!(!String::from_utf8_lossy(&bytes).contains(SECRET));
    let files = files_under(home);
    assert!(
        files.iter().any(|f| f.ends_with("livemod.log")),
        "the log file was written: {files:?}"
    );
    for f in files {
        let data = std::fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&data).contains(SECRET),
            "{} holds the secret",
            f.display()
        );
    }
}

#[test]
fn the_secret_never_reaches_the_screen_or_the_data_directory() {
    let env = |secret: &str| {
        vec![
            (
                "ALIBABA_CLOUD_ACCESS_KEY_ID",
                "livemod-demo-key".to_string(),
            ),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret.to_string()),
            ("LIVEMOD_LOG", "trace".to_string()),
        ]
    };

    // Right secret: browse, open detail, and a send that fails (nobody online).
    let emu = EmulatorProcess::start_with_secret(SECRET, &["--demo-data"]);
    let home = tempfile::tempdir().unwrap();
    let mut c = Console::start_at(home.path(), &["--endpoint", &emu.url], &env(SECRET));
    c.wait_for("page 1/");
    c.send(ENTER);
    c.wait_for("GroupInfo");
    c.send(ESC);
    c.wait_for("Groups page");
    c.send("f");
    // The existing groups' page has loaded (row keys wait for it).
    c.wait_for("groups · existing");
    c.send("m");
    c.wait_for("Compose");
    c.send(CTRL_S);
    c.wait_for("InputInvalid");
    c.send(ESC);
    c.wait_for("Groups page");
    c.send("q");
    assert!(c.wait_exit().success());
    assert_secret_absent(&c, home.path());

    // Wrong secret: every call fails with SignatureDoesNotMatch.
    let other = EmulatorProcess::start_with_secret("a-different-secret-value", &["--demo-data"]);
    let home = tempfile::tempdir().unwrap();
    let mut c = Console::start_at(home.path(), &["--endpoint", &other.url], &env(SECRET));
    c.wait_for("SignatureDoesNotMatch");
    c.send("q");
    assert!(c.wait_exit().success());
    assert_secret_absent(&c, home.path());
}
