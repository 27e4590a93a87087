//! The real binary against a real emulator process, as a script or runbook would use it.

use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

use crate::support::emulator::{DEMO_SECRET as SECRET, EmulatorProcess, KEY_ID};

/// `livemod --endpoint URL …` with the emulator's key in the environment.
pub(crate) trait LivemodAgainst {
    fn livemod(&self, args: &[&str]) -> Command;
}

impl LivemodAgainst for EmulatorProcess {
    fn livemod(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("livemod").unwrap();
        cmd.env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
            .arg("--endpoint")
            .arg(&self.url)
            .args(args)
            .stdin(Stdio::null());
        cmd
    }
}

pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub(crate) fn run(mut cmd: Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub(crate) fn json(run: &Run) -> Value {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[test]
fn create_list_send_delete_through_the_cli() {
    let emu = EmulatorProcess::start(&["--audience", "2"]);

    let created = json(&run(emu.livemod(&[
        "groups",
        "create",
        "room1",
        "--name",
        "Room one",
        "--info",
        "{\"k\":1}",
        "--admin",
        "a1",
        "--admin",
        "a2",
        "--creator",
        "mod1",
        "--json",
    ])));
    assert_eq!(created["GroupId"], "room1");
    assert_eq!(created["AlreadyExists"], false);
    for i in 2..=5 {
        let id = format!("room{i}");
        assert_eq!(run(emu.livemod(&["groups", "create", &id])).code, 0);
    }
    // A create that did nothing exits 3, and still prints the reply.
    let again = run(emu.livemod(&["groups", "create", "room1", "--json"]));
    assert_eq!(again.code, 3, "{}", again.stderr);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let again: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(again["AlreadyExists"], true);
    assert_eq!(again["AlreadyDelete"], false);

    // Paging: 5 groups, 2 per page, page 3 holds one.
    let page = json(&run(emu.livemod(&[
        "groups",
        "list",
        "--page-size",
        "2",
        "--page",
        "3",
        "--sort",
        "asc",
        "--json",
    ])));
    assert_eq!(page["TotalCount"], 5);
    assert_eq!(page["GroupList"].as_array().unwrap().len(), 1);
    assert_eq!(page["GroupList"][0]["GroupId"], "room5");
    let desc = json(&run(
        emu.livemod(&["groups", "list", "--sort", "desc", "--json"])
    ));
    assert_eq!(desc["GroupList"][0]["GroupId"], "room5");
    assert_eq!(desc["GroupList"][4]["GroupId"], "room1");
    assert_eq!(
        desc["GroupList"][4]["AdminList"],
        serde_json::json!(["a1", "a2"])
    );

    let sent = json(&run(emu.livemod(&[
        "groups",
        "send",
        "room1",
        "--sender",
        "mod1",
        "--type",
        "1",
        "--body",
        "hello",
        "--meta",
        "m",
        "--tid",
        "tid123",
        "--weight",
        "2",
        "--statics-increase",
        "1",
        "--no-storage",
        "--no-cache",
        "--json",
    ])));
    assert_eq!(sent["MsgTid"], "tid123");
    assert!(sent["RequestId"].as_str().is_some_and(|s| !s.is_empty()));

    let deleted = json(&run(
        emu.livemod(&["groups", "delete", "room2", "--yes", "--json"])
    ));
    assert_eq!(deleted["GroupId"], "room2");
    // Idempotent.
    assert_eq!(
        run(emu.livemod(&["groups", "delete", "room2", "--yes"])).code,
        0
    );

    let existing =
        json(&run(emu.livemod(&[
            "groups", "list", "--status", "existing", "--json",
        ])));
    assert_eq!(existing["TotalCount"], 4);
    let gone =
        json(&run(emu.livemod(&[
            "groups", "list", "--status", "deleted", "--json",
        ])));
    assert_eq!(gone["TotalCount"], 1);
    assert_eq!(gone["GroupList"][0]["Delete"], true);
    let all = json(&run(emu.livemod(&[
        "groups",
        "list",
        "--all",
        "--page-size",
        "2",
        "--json",
    ])));
    assert_eq!(all["GroupList"].as_array().unwrap().len(), 5);

    // A deleted ID stays unusable.
    let recreate = run(emu.livemod(&["groups", "create", "room2", "--json"]));
    assert_eq!(recreate.code, 3, "{}", recreate.stderr);
    assert!(recreate.stderr.contains("deleted"), "{}", recreate.stderr);
    let recreate: Value = serde_json::from_str(&recreate.stdout).unwrap();
    assert_eq!(recreate["AlreadyDelete"], true);
    let to_deleted = run(emu.livemod(&["groups", "send", "room2", "--sender", "mod1"]));
    assert_eq!(to_deleted.code, 1, "{}", to_deleted.stderr);

    // Human output is an aligned table.
    let table = run(emu.livemod(&["groups", "list", "--sort", "asc"]));
    assert_eq!(table.code, 0);
    let first_line = table.stdout.lines().next().unwrap();
    assert!(first_line.starts_with("GROUP ID"), "{first_line}");
    assert!(table.stdout.contains("Room one"));
    assert!(table.stderr.contains("page 1/1"), "{}", table.stderr);
}

#[test]
fn service_errors_exit_1_with_code_and_request_id() {
    let emu = EmulatorProcess::start(&[]);
    let missing = run(emu.livemod(&["--app-id", "nosuchapp", "groups", "list"]));
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("ResourceNotExist"),
        "{}",
        missing.stderr
    );
    assert!(missing.stderr.contains("RequestId"), "{}", missing.stderr);

    // No audience in this emulator: a send cannot reach anyone.
    assert_eq!(run(emu.livemod(&["groups", "create", "quiet"])).code, 0);
    let quiet = run(emu.livemod(&["groups", "send", "quiet", "--sender", "mod1", "--body", "x"]));
    assert_eq!(quiet.code, 1);
    assert!(quiet.stderr.contains("InputInvalid"), "{}", quiet.stderr);

    let wrong_dc = run(emu.livemod(&["--data-center", "ap-southeast-1", "groups", "list"]));
    assert_eq!(wrong_dc.code, 1);
    assert!(
        wrong_dc.stderr.contains("InputInvalid"),
        "{}",
        wrong_dc.stderr
    );

    let mut bad_key = emu.livemod(&["groups", "list"]);
    bad_key.env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong-secret");
    let bad = run(bad_key);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("SignatureDoesNotMatch"),
        "{}",
        bad.stderr
    );
    assert!(!bad.stderr.contains("wrong-secret"));

    let mut unknown = emu.livemod(&["groups", "list"]);
    unknown.env("ALIBABA_CLOUD_ACCESS_KEY_ID", "someoneelse");
    let unknown = run(unknown);
    assert!(
        unknown.stderr.contains("InvalidAccessKeyId.NotFound"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn validation_and_usage_errors_exit_2_before_any_request() {
    // No emulator at this endpoint: anything that reached the network would be exit 1.
    let emu_url = "http://127.0.0.1:9";
    let livemod = |args: &[&str]| {
        let mut cmd = Command::cargo_bin("livemod").unwrap();
        cmd.env("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
            .args(["--endpoint", emu_url])
            .args(args)
            .stdin(Stdio::null());
        run(cmd)
    };
    let long_name = "n".repeat(129);
    let r = livemod(&["groups", "create", "g1", "--name", &long_name]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("GroupName") && r.stderr.contains("128"),
        "{}",
        r.stderr
    );
    let r = livemod(&["groups", "create", "bad-id"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("GroupId"), "{}", r.stderr);
    let r = livemod(&[
        "groups", "create", "g1", "--admin", "a", "--admin", "b", "--admin", "c", "--admin", "d",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("Administrators"), "{}", r.stderr);
    let r = livemod(&["groups", "list", "--page-size", "51"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("PageSize"), "{}", r.stderr);
    let r = livemod(&["groups", "list", "--status", "gone"]);
    assert_eq!(r.code, 2);
    let r = livemod(&["--data-center", "mars", "groups", "list"]);
    assert_eq!(r.code, 2);
    // Read-only refuses mutations before any request.
    let r = livemod(&["--read-only", "groups", "delete", "g1", "--yes"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("read-only"), "{}", r.stderr);
    // Delete without a terminal and without --yes refuses.
    let r = livemod(&["groups", "delete", "g1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    // The network error itself is exit 1 and says the request was not sent.
    let r = livemod(&["groups", "list"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("network error"), "{}", r.stderr);
}

#[test]
fn endpoint_without_credentials_names_the_sources_tried() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("livemod").unwrap();
    cmd.env_clear().env("HOME", home.path()).args([
        "--endpoint",
        "http://127.0.0.1:9",
        "groups",
        "list",
    ]);
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(".aliyun/config.json"), "{}", r.stderr);
    assert!(
        r.stderr.contains(".alibabacloud/credentials"),
        "{}",
        r.stderr
    );
}

#[test]
fn demo_mode_lists_demo_groups_without_any_account() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("livemod").unwrap();
    cmd.env_clear().env("HOME", home.path()).args([
        "groups",
        "list",
        "--json",
        "--page-size",
        "50",
    ]);
    let r = run(cmd);
    let reply = json(&r);
    assert!(reply["TotalCount"].as_u64().unwrap() >= 100, "{}", r.stdout);
    assert_eq!(reply["GroupList"].as_array().unwrap().len(), 50);
    assert!(r.stderr.contains("emulator"), "{}", r.stderr);
}

#[test]
fn v2_signatures_work_end_to_end() {
    let emu = EmulatorProcess::start(&["--audience", "1"]);
    let r = run(emu.livemod(&["--signature", "v2", "groups", "create", "v2group", "--json"]));
    assert_eq!(json(&r)["GroupId"], "v2group");
    let r = run(emu.livemod(&[
        "--signature",
        "v2",
        "groups",
        "send",
        "v2group",
        "--sender",
        "m",
        "--body",
        "a b&c=d/é*",
        "--json",
    ]));
    assert!(json(&r)["MsgTid"].as_str().is_some());
    let r = run(emu.livemod(&["--signature", "v2", "groups", "list", "--json"]));
    assert_eq!(json(&r)["TotalCount"], 1);
}

#[test]
fn the_secret_never_appears_in_output() {
    let emu = EmulatorProcess::start(&[]);
    let runs = [
        run(emu.livemod(&["groups", "list", "--json"])),
        run(emu.livemod(&["groups", "create", "s1", "--json"])),
        run(emu.livemod(&["groups", "send", "s1", "--sender", "m", "--body", "x"])),
        run(emu.livemod(&["--app-id", "nope", "groups", "list"])),
        run(emu.livemod(&["groups", "create", "bad id"])),
        run(emu.livemod(&["--signature", "v2", "--app-id", "nope", "groups", "list"])),
    ];
    for r in runs {
        assert!(!r.stdout.contains(SECRET) && !r.stderr.contains(SECRET));
    }
}
