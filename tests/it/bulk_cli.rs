//! Bulk runs of the real `livemod` binary against an emulator: bad input is a
//! usage error with nothing sent; SIGTERM stops a run like Ctrl-C, with a
//! summary and an exact failures file; `kill -9` leaves a journal that says
//! exactly what was sent, and the next run over the same input sends nothing
//! twice. Every wait is on observable state (a file, the emulator's counts).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use livemod::api::DataCenter;
use livemod::emulator::{
    AppSpec, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions, FaultOptions,
    LatencyRange, SeedGroup,
};

struct Setup {
    emulator: Emulator,
    home: tempfile::TempDir,
}

impl Setup {
    /// An emulator holding `groups` (one user online in each), every
    /// request taking `latency_ms`.
    async fn start(groups: &[(&str, bool)], latency_ms: u64) -> Self {
        let emulator = Emulator::start(EmulatorOptions {
            apps: vec![
                AppSpec::new("demo", DataCenter::CnShanghai),
                AppSpec::new("copy", DataCenter::CnShanghai),
            ],
            audience: 1,
            faults: FaultOptions {
                latency: (latency_ms > 0).then_some(LatencyRange {
                    min_ms: latency_ms,
                    max_ms: latency_ms,
                }),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
        let seeds = groups
            .iter()
            .map(|(id, deleted)| SeedGroup {
                group_id: id.to_string(),
                group_name: id.to_string(),
                group_info: String::new(),
                creator_id: "mod1".into(),
                administrators: vec![],
                createtime: 0,
                deleted: *deleted,
                audience: None,
            })
            .collect();
        emulator.import_groups("demo", seeds).await.unwrap();
        Self {
            emulator,
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.home.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn data(&self) -> PathBuf {
        self.home.path().join("data")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_livemod"));
        cmd.arg("--endpoint")
            .arg(self.emulator.url().as_str())
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("LIVEMOD_DATA_DIR", self.data())
            .env("LIVEMOD_CONFIG", self.home.path().join("config.toml"))
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    async fn requests(&self, action: &str) -> u64 {
        let stats = self.emulator.stats().await.unwrap();
        stats.requests.get(action).copied().unwrap_or(0)
    }

    async fn delivered(&self) -> BTreeSet<String> {
        let stats = self.emulator.stats().await.unwrap();
        assert!(stats.duplicate_deliveries().is_empty());
        stats.deliveries.into_iter().map(|d| d.group_id).collect()
    }

    fn audit_outcomes(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(self.data().join("audit.jsonl")).unwrap_or_default();
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["params"]["GroupId"].as_str().unwrap_or("").to_string(),
                    v["outcome"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

/// The data directory's audit log on a full disk: it opens, every write fails.
#[cfg(unix)]
fn audit_on_full_disk(s: &Setup) {
    std::fs::create_dir_all(s.data()).unwrap();
    std::os::unix::fs::symlink("/dev/full", s.data().join("audit.jsonl")).unwrap();
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn lines(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

/// Waits (bounded) until the run's journal records `n` ended calls.
fn wait_for_ended(journal: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ended = std::fs::read_to_string(journal)
            .map(|t| t.matches("\"ended\"").count())
            .unwrap_or(0);
        if ended >= n {
            return;
        }
        assert!(Instant::now() < deadline, "only {ended} calls ended");
        std::thread::sleep(Duration::from_millis(10));
    }
}

const SEND: [&str; 6] = ["groups", "send", "--sender", "mod1", "--body", "hello"];

fn send_args<'a>(targets: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = SEND.to_vec();
    args.extend(["--to-file", targets]);
    args.extend(extra);
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unclosed_csv_quote_is_a_usage_error_and_nothing_is_created() {
    let s = Setup::start(&[], 0).await;
    let file = s.file("groups.csv", "group_id,name\nq1,\"unterminated\nq2,x\n");
    let out = s.run(&["groups", "create", "--from-file", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was sent"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.requests("CreateLiveMessageGroup").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_shared_arguments_are_refused_once_before_anything_is_sent() {
    let s = Setup::start(&[("g1", false), ("g2", false), ("g3", false)], 0).await;
    let targets = s.file("targets.txt", "g1\ng2\ng3\n");
    let t = targets.to_str().unwrap();
    let long_sender = "s".repeat(65);
    for (args, says) in [
        (
            vec![
                "groups",
                "send",
                "--to-file",
                t,
                "--sender",
                &long_sender,
                "--body",
                "hi",
            ],
            "SenderId",
        ),
        (
            vec![
                "groups",
                "send",
                "--to-file",
                t,
                "--sender",
                "mod1",
                "--type",
                "3",
                "--body",
                "not json",
            ],
            "JSON",
        ),
    ] {
        let out = s.run(&args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
        // Said once, not once per group.
        assert_eq!(stderr(&out).matches(says).count(), 1, "{}", stderr(&out));
    }
    assert_eq!(s.requests("SendLiveMessageGroup").await, 0);
    // No refused audit line per target, and no failures file to re-run.
    assert!(s.audit_outcomes().is_empty(), "{:?}", s.audit_outcomes());
    assert!(!s.home.path().join("targets.txt.failed").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_inputs_are_usage_errors() {
    let s = Setup::start(&[("g1", false)], 0).await;
    let mut many = String::new();
    for i in 0..5001 {
        many.push_str(&format!("g{i}\n"));
    }
    let many = s.file("many.txt", &many);
    let out = s.run(&send_args(many.to_str().unwrap(), &[]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 5001"), "{}", stderr(&out));
    if cfg!(unix) {
        let out = s.run(&["groups", "create", "--from-file", "/dev/zero"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let out = s.run(&[
            "groups",
            "send",
            "g1",
            "--sender",
            "mod1",
            "--body-file",
            "/dev/zero",
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("--body-file"), "{}", stderr(&out));
    }
    assert_eq!(s.requests("SendLiveMessageGroup").await, 0);
    assert_eq!(s.requests("CreateLiveMessageGroup").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_that_did_nothing_are_listed_and_audited_as_such() {
    let s = Setup::start(&[("old1", false), ("gone1", true)], 0).await;
    let file = s.file(
        "groups.csv",
        "group_id,creator\nold1,mod1\ngone1,mod1\nnew1,mod1\n",
    );
    let out = s.run(&["groups", "create", "--from-file", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 created · 2 unchanged"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("old1: unchanged"), "{}", stderr(&out));
    // A run that ended is no longer journaled.
    assert!(!s.home.path().join("groups.csv.failed.progress").exists());
    let failed = lines(&s.home.path().join("groups.csv.failed"));
    let want: BTreeSet<String> = [
        "group_id,name,info,admins,creator",
        "old1,,,,mod1",
        "gone1,,,,mod1",
    ]
    .map(str::to_string)
    .into();
    assert_eq!(failed, want);
    let mut audited = s.audit_outcomes();
    audited.sort();
    assert_eq!(
        audited,
        [
            ("gone1".to_string(), "already_deleted".to_string()),
            ("new1".into(), "ok".into()),
            ("old1".into(), "already_exists".into()),
        ]
    );
    // The trail says so too, with who acted.
    let out = s.run(&["audit", "--outcome", "already_exists"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("old1") && table.contains("mod1"), "{table}");
    assert!(!table.contains("new1"), "{table}");
}

#[cfg(unix)]
fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn targets(n: usize) -> (Vec<String>, String) {
    let ids: Vec<String> = (0..n).map(|i| format!("room{i}")).collect();
    let text = ids.iter().map(|id| format!("{id}\n")).collect();
    (ids, text)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sighup_stop_a_run_like_ctrl_c_with_an_exact_failures_file() {
    for (signal, name) in [("-TERM", "SIGTERM"), ("-HUP", "SIGHUP")] {
        stop_with(signal, name).await;
    }
}

#[cfg(unix)]
async fn stop_with(signal: &str, name: &str) {
    let (ids, text) = targets(60);
    let seeds: Vec<(&str, bool)> = ids.iter().map(|id| (id.as_str(), false)).collect();
    let s = Setup::start(&seeds, 300).await;
    let file = s.file("targets.txt", &text);
    let child = s.spawn(&send_args(file.to_str().unwrap(), &["--json"]));
    let journal = s.home.path().join("targets.txt.failed.progress");
    wait_for_ended(&journal, 3);
    kill(&child, signal);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(name), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["cancelled"], true);
    let not_attempted = summary["not_attempted"].as_u64().unwrap();
    assert!(not_attempted > 0, "{summary}");
    // Clean end: the journal is gone, the failures file is exact.
    assert!(!journal.exists());
    let failed = lines(&s.home.path().join("targets.txt.failed"));
    let delivered = s.delivered().await;
    assert!(failed.is_disjoint(&delivered));
    let all: BTreeSet<String> = ids.into_iter().collect();
    assert_eq!(&failed | &delivered, all);
    assert_eq!(summary["done"].as_u64().unwrap() as usize, delivered.len());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_leaves_an_accurate_journal_and_the_next_run_sends_nothing_twice() {
    let (ids, text) = targets(60);
    let seeds: Vec<(&str, bool)> = ids.iter().map(|id| (id.as_str(), false)).collect();
    let s = Setup::start(&seeds, 300).await;
    let file = s.file("targets.txt", &text);
    let args = send_args(file.to_str().unwrap(), &[]);
    let mut child = s.spawn(&args);
    let journal = s.home.path().join("targets.txt.failed.progress");
    wait_for_ended(&journal, 3);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let record = livemod::bulk::journal::read(&journal).unwrap();
    let with = |kind| -> BTreeSet<String> {
        record
            .items
            .iter()
            .filter(|(_, k)| **k == kind)
            .map(|(id, _)| id.clone())
            .collect()
    };
    let done = with(livemod::bulk::OutcomeKind::Done);
    let unknown = with(livemod::bulk::OutcomeKind::Unknown);
    assert!(done.len() >= 3, "{record:?}");
    // What the journal says was sent, was sent; nothing outside it was.
    let delivered = s.delivered().await;
    assert!(done.is_subset(&delivered), "{done:?} vs {delivered:?}");
    assert!(delivered.is_subset(&(&done | &unknown)));

    // The same command again: it sends nothing, and writes what is left.
    let out = s.run(&args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert!(!journal.exists());
    let left = lines(&s.home.path().join("targets.txt.failed"));
    let all: BTreeSet<String> = ids.into_iter().collect();
    assert_eq!(left, &(&all - &done) - &unknown);
    let delivered = s.delivered().await;
    assert!(delivered.is_subset(&(&done | &unknown)));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_cannot_be_recorded_is_named_in_the_summary_not_in_place_of_it() {
    let s = Setup::start(&[("g1", false)], 0).await;
    let targets = s.file("targets.txt", "g1\nnosuch\n");
    // A regular file where a directory should be: neither the failures file
    // nor the journal can be written under it; the audit log is on a full disk.
    let blocker = s.file("blocker", "");
    let failures = blocker.join("targets.failed");
    audit_on_full_disk(&s);
    let out = s
        .command(&send_args(
            targets.to_str().unwrap(),
            &["--failures", failures.to_str().unwrap(), "--json"],
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["done"], 1, "{summary}");
    assert_eq!(summary["refused"], 1, "{summary}");
    let not_recorded: Vec<&str> = summary["not_recorded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for what in ["progress journal", "failures file", "audit line"] {
        assert!(
            not_recorded.iter().any(|n| n.contains(what)),
            "{what}: {not_recorded:?}"
        );
    }
    assert_eq!(s.delivered().await, BTreeSet::from(["g1".to_string()]));
    // Reading the trail needs no writable data directory.
    let out = s
        .command(&["audit"])
        .env("LIVEMOD_DATA_DIR", blocker.join("data"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_send_whose_audit_line_cannot_be_written_says_so_loudly() {
    let s = Setup::start(&[("g1", false)], 0).await;
    // The full disk: the audit file opens, the line cannot be written.
    audit_on_full_disk(&s);
    let out = s
        .command(&["groups", "send", "g1", "--sender", "mod1", "--body", "hi"])
        .output()
        .unwrap();
    // The message went out (the outcome is shown) ...
    assert_eq!(s.delivered().await, BTreeSet::from(["g1".to_string()]));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("RequestId"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // ... and the missing audit line is an error, not a success.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("NOT in the audit trail"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_output_of_groups_list_json_copies_groups_to_another_app() {
    let s = Setup::start(&[("room1", false), ("room2", false), ("old", true)], 0).await;
    let out = s.run(&["groups", "list", "--all", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = s.home.path().join("groups.json");
    std::fs::write(&listing, &out.stdout).unwrap();
    let out = s.run(&[
        "--app-id",
        "copy",
        "groups",
        "create",
        "--from-file",
        listing.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("deleted and were skipped"),
        "{}",
        stderr(&out)
    );
    for id in ["room1", "room2"] {
        let copied = s.emulator.group("copy", id).await.unwrap().unwrap();
        assert_eq!(copied.group.group_name, id);
    }
    assert!(s.emulator.group("copy", "old").await.unwrap().is_none());
}
