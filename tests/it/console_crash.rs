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
    // Past the drafts' debounce interval, then no chance to clean up.
    std::thread::sleep(Duration::from_millis(1500));
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
    std::thread::sleep(Duration::from_millis(600));
    c.send("q");
    assert!(c.wait_exit().success());
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
    std::thread::sleep(Duration::from_millis(600));
    c.send("f");
    c.wait_for("existing");
    c.send("m");
    c.wait_for("Compose");
    c.send(CTRL_S);
    c.wait_for("InputInvalid");
    c.send(ESC);
    std::thread::sleep(Duration::from_millis(600));
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
