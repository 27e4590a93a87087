//! The access key secret and the STS token never leave the process in the
//! clear: the real binary, with a known secret and token, driven through every
//! success and error path the CLI has, with both signature versions and
//! `LIVEMOD_LOG=trace`, and then every byte it printed or wrote is searched.
//!
//! The key comes from the environment in one run and from an aliyun CLI
//! profile (`~/.aliyun/config.json`, mode StsToken) in another. The calls go to
//! an emulator that knows the secret (so they succeed), one whose audience is
//! empty (no online users), one with another secret (every call fails with
//! SignatureDoesNotMatch, whose message quotes the server's string to sign),
//! and a closed port (network errors).
//!
//! The console's screen is covered by the TUI tests; this is the CLI and files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;

use crate::support::emulator::EmulatorProcess;

const KEY_ID: &str = "LTAI5tSecretsTestKey";
const SECRET: &str = "S3cr3t-livemod-test-value-9f2c";
/// Shaped like a real STS token: `+`, `/` and `=` are changed by percent
/// encoding, so the search looks for the part every encoding leaves alone.
const TOKEN: &str = "CAIS+StsTokenLivemodTest7a1e/Xk9==";
const NEEDLES: [&str; 3] = [SECRET, "StsTokenLivemodTest7a1e", "S3cr3t-livemod"];

fn emulator_with(secret: &str, audience: u32) -> EmulatorProcess {
    EmulatorProcess::start_with_key(KEY_ID, secret, &["--audience", &audience.to_string()])
}

/// A URL where nothing listens.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum KeySource {
    Environment,
    Profile,
}

/// One user's machine: a home with its own config, data and log files.
struct Machine {
    home: tempfile::TempDir,
    source: KeySource,
    signature: &'static str,
    /// Everything any command printed, for the final search.
    printed: Vec<(String, Vec<u8>)>,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Machine {
    fn new(source: KeySource, signature: &'static str) -> Self {
        let home = tempfile::tempdir().unwrap();
        if source == KeySource::Profile {
            let dir = home.path().join(".aliyun");
            std::fs::create_dir_all(&dir).unwrap();
            let config = serde_json::json!({
                "current": "ops",
                "profiles": [{
                    "name": "ops",
                    "mode": "StsToken",
                    "access_key_id": KEY_ID,
                    "access_key_secret": SECRET,
                    "sts_token": TOKEN,
                    "region_id": "cn-shanghai",
                }],
            });
            std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
        }
        std::fs::create_dir_all(home.path().join("input")).unwrap();
        Self {
            home,
            source,
            signature,
            printed: Vec::new(),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    fn input(&self, name: &str, text: &str) -> PathBuf {
        let path = self.home.path().join("input").join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn command(&self, endpoint: &str, args: &[&str]) -> Command {
        let home = self.home.path();
        let mut cmd = Command::cargo_bin("livemod").unwrap();
        // Bulk runs write their failures file and journal beside the current
        // directory: each test keeps its own, so parallel tests never meet.
        cmd.current_dir(home)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("LIVEMOD_DATA_DIR", self.data_dir())
            .env("LIVEMOD_LOG", "trace")
            .arg("--endpoint")
            .arg(endpoint)
            .arg("--signature")
            .arg(self.signature)
            .args(args)
            .stdin(Stdio::null());
        if self.source == KeySource::Environment {
            cmd.env("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
                .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
                .env("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN);
        }
        cmd
    }

    fn run_cmd(&mut self, mut cmd: Command, label: String) -> Run {
        let out = cmd.output().unwrap();
        self.printed
            .push((format!("stdout of {label}"), out.stdout.clone()));
        self.printed
            .push((format!("stderr of {label}"), out.stderr.clone()));
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn run(&mut self, endpoint: &str, args: &[&str]) -> Run {
        let cmd = self.command(endpoint, args);
        self.run_cmd(cmd, format!("{args:?} against {endpoint}"))
    }

    /// Runs and checks the exit code, and that the output mentions `expect`.
    fn expect(&mut self, endpoint: &str, args: &[&str], code: i32, expect: &str) -> Run {
        let run = self.run(endpoint, args);
        assert_eq!(
            run.code, code,
            "{args:?} ({:?}, {}): stdout {} stderr {}",
            self.source, self.signature, run.stdout, run.stderr
        );
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            all.contains(expect),
            "{args:?}: expected {expect:?} in stdout {} stderr {}",
            run.stdout,
            run.stderr
        );
        run
    }

    /// Every printed byte and every file under the home (except the aliyun
    /// config the key was read from) is free of the secret and the token.
    fn assert_no_secret_anywhere(&self) {
        for (label, bytes) in &self.printed {
            assert_clean(label, bytes);
        }
        let mut files = Vec::new();
        walk(self.home.path(), &mut files);
        let aliyun = self.home.path().join(".aliyun");
        let mut scanned = 0;
        for file in files.iter().filter(|f| !f.starts_with(&aliyun)) {
            let bytes = std::fs::read(file).unwrap();
            assert_clean(&file.display().to_string(), &bytes);
            scanned += 1;
        }
        // The files this test is about were really written (and so searched).
        let data = self.data_dir();
        for name in ["livemod.log", "audit.jsonl"] {
            let path = data.join(name);
            assert!(files.contains(&path), "{} was not written", path.display());
            assert!(
                std::fs::metadata(&path).unwrap().len() > 0,
                "{name} is empty"
            );
        }
        assert!(
            files.iter().any(|f| f.starts_with(&data)
                && f.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains("outbox"))),
            "no outbox database under {}: {files:?}",
            data.display()
        );
        assert!(scanned >= 4, "{files:?}");
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn assert_clean(label: &str, bytes: &[u8]) {
    for needle in NEEDLES {
        if let Some(at) = bytes
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
        {
            let from = at.saturating_sub(200);
            let to = (at + needle.len() + 100).min(bytes.len());
            panic!(
                "{needle:?} found in {label}: …{}…",
                String::from_utf8_lossy(&bytes[from..to])
            );
        }
    }
}

/// Every path, for one key source and one signature version.
fn every_path(source: KeySource, signature: &'static str) {
    let good = emulator_with(SECRET, 2);
    let empty = emulator_with(SECRET, 0);
    let wrong = emulator_with("another-secret-entirely", 2);
    let closed = closed_port();
    let mut m = Machine::new(source, signature);
    let (g, e, w, c) = (
        good.url.as_str(),
        empty.url.as_str(),
        wrong.url.as_str(),
        closed.as_str(),
    );

    // ---- success
    m.expect(
        g,
        &[
            "groups", "create", "room1", "--name", "Room", "--admin", "a1",
        ],
        0,
        "created",
    );
    m.expect(g, &["groups", "create", "room2", "--json"], 0, "room2");
    m.expect(g, &["groups", "create", "room1"], 3, "already exists");
    m.expect(g, &["groups", "list"], 0, "room1");
    m.expect(
        g,
        &["groups", "list", "--json", "--status", "existing"],
        0,
        "room2",
    );
    m.expect(g, &["groups", "list", "--all", "--sort", "asc"], 0, "room1");
    m.expect(
        g,
        &[
            "groups", "send", "room1", "--sender", "mod1", "--body", "hello",
        ],
        0,
        "MsgTid",
    );
    m.expect(
        g,
        &[
            "groups", "send", "room1", "--sender", "mod1", "--body", "hi", "--json",
        ],
        0,
        "MsgTid",
    );
    let creates = m.input(
        "creates.csv",
        "group_id,name,admins\nbulk1,One,a1;a2\nbulk2,Two,\n",
    );
    m.expect(
        g,
        &["groups", "create", "--from-file", creates.to_str().unwrap()],
        0,
        "",
    );
    let targets = m.input("targets.txt", "room1\nbulk1\nbulk2\n");
    m.expect(
        g,
        &[
            "groups",
            "send",
            "--to-file",
            targets.to_str().unwrap(),
            "--sender",
            "mod1",
            "--body",
            "all",
        ],
        0,
        "",
    );
    m.expect(
        g,
        &[
            "groups",
            "send",
            "--to-status",
            "existing",
            "--sender",
            "mod1",
            "--body",
            "x",
            "--json",
        ],
        0,
        "",
    );
    m.expect(g, &["groups", "delete", "room2", "--yes"], 0, "deleted");

    // ---- validation, service and refusal errors
    m.expect(g, &["groups", "create", "bad-id!"], 2, "GroupId");
    m.expect(
        g,
        &[
            "groups",
            "send",
            "room1",
            "--sender",
            // SenderId is checked for length only now (#9): 65 bytes is refused.
            "s0123456789012345678901234567890123456789012345678901234567890123",
            "--body",
            "x",
        ],
        2,
        "SenderId",
    );
    m.expect(g, &["groups", "list", "--page-size", "51"], 2, "PageSize");
    let bad_creates = m.input("bad.csv", "group_id\nok1\nbad id\n");
    m.expect(
        g,
        &[
            "groups",
            "create",
            "--from-file",
            bad_creates.to_str().unwrap(),
        ],
        2,
        "line 3",
    );
    m.expect(
        g,
        &["--app-id", "nosuchapp", "groups", "list"],
        1,
        "ResourceNotExist",
    );
    m.expect(
        g,
        &[
            "groups",
            "send",
            "nosuchgroup",
            "--sender",
            "mod1",
            "--body",
            "x",
        ],
        1,
        "ResourceNotExist",
    );
    m.expect(g, &["groups", "create", "room2"], 3, "deleted");
    m.expect(
        g,
        &["--read-only", "groups", "create", "room9"],
        2,
        "read-only",
    );
    m.expect(
        g,
        &[
            "--read-only",
            "groups",
            "send",
            "room1",
            "--sender",
            "mod1",
            "--body",
            "x",
        ],
        2,
        "read-only",
    );
    // Read-only from the config file: refused by the client itself (and audited).
    let config = m.input("readonly.toml", "read_only = true\n");
    let mut cmd = m.command(g, &["groups", "create", "room9"]);
    cmd.env("LIVEMOD_CONFIG", &config);
    let run = m.run_cmd(cmd, "read-only config".into());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);

    // ---- no online users: single send, then bulk send into the outbox
    m.expect(e, &["groups", "create", "quiet1"], 0, "created");
    m.expect(e, &["groups", "create", "quiet2"], 0, "created");
    let quiet = m.input("quiet.txt", "quiet1\nquiet2\n");
    m.expect(
        e,
        &[
            "groups", "send", "quiet1", "--sender", "mod1", "--body", "x",
        ],
        1,
        "",
    );
    let run = m.run(
        e,
        &[
            "groups",
            "send",
            "--to-file",
            quiet.to_str().unwrap(),
            "--sender",
            "mod1",
            "--body",
            "later",
            "--queue-failed",
        ],
    );
    assert_ne!(run.code, 0, "{}", run.stderr);
    m.expect(e, &["outbox", "list"], 0, "quiet1");
    m.expect(e, &["outbox", "list", "--json"], 0, "quiet2");
    m.run(e, &["outbox", "retry", "--all"]);
    m.run(e, &["outbox", "retry", "1", "--json"]);

    // ---- the wrong secret: every call is SignatureDoesNotMatch
    m.expect(w, &["groups", "list"], 1, "SignatureDoesNotMatch");
    m.expect(
        w,
        &["groups", "list", "--json", "--all"],
        1,
        "SignatureDoesNotMatch",
    );
    m.expect(
        w,
        &["groups", "create", "room3"],
        1,
        "SignatureDoesNotMatch",
    );
    m.expect(
        w,
        &["groups", "send", "room1", "--sender", "mod1", "--body", "x"],
        1,
        "SignatureDoesNotMatch",
    );
    m.expect(
        w,
        &["groups", "delete", "room1", "--yes"],
        1,
        "SignatureDoesNotMatch",
    );
    m.run(
        w,
        &["groups", "create", "--from-file", creates.to_str().unwrap()],
    );
    m.run(
        w,
        &[
            "groups",
            "send",
            "--to-file",
            targets.to_str().unwrap(),
            "--sender",
            "mod1",
            "--body",
            "x",
            "--queue-failed",
        ],
    );
    m.run(w, &["outbox", "retry", "--all"]);
    m.run(w, &["outbox", "retry", "2"]);

    // ---- network errors
    m.expect(c, &["groups", "list"], 1, "network error");
    m.expect(c, &["groups", "create", "room4"], 1, "network error");
    m.expect(
        c,
        &["groups", "send", "room1", "--sender", "mod1", "--body", "x"],
        1,
        "network error",
    );
    m.run(
        c,
        &[
            "groups",
            "send",
            "--to-file",
            targets.to_str().unwrap(),
            "--sender",
            "mod1",
            "--body",
            "x",
            "--queue-failed",
        ],
    );
    m.run(c, &["outbox", "retry", "--all"]);
    m.run(c, &["outbox", "drop", "1"]);

    // ---- what is left behind, as a person would look at it
    m.expect(g, &["audit"], 0, "CreateLiveMessageGroup");
    m.expect(
        g,
        &["audit", "--json", "--since", "1h"],
        0,
        "SendLiveMessageGroup",
    );
    m.run(g, &["outbox", "list", "--json"]);

    m.assert_no_secret_anywhere();
}

#[test]
fn key_from_the_environment_v3() {
    every_path(KeySource::Environment, "v3");
}

#[test]
fn key_from_the_environment_v2() {
    every_path(KeySource::Environment, "v2");
}

#[test]
fn key_from_an_aliyun_profile_v3() {
    every_path(KeySource::Profile, "v3");
}

#[test]
fn key_from_an_aliyun_profile_v2() {
    every_path(KeySource::Profile, "v2");
}
