//! The commands for the 25 newer operations (#11), end to end: the real binary
//! against an emulator process, each result checked from the emulator's side
//! through another command.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::cli::{LivemodAgainst, Run, json, run};
use crate::support::emulator::EmulatorProcess;

fn ok(emu: &EmulatorProcess, args: &[&str]) -> Run {
    let r = run(emu.livemod(args));
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r
}

fn ok_json(emu: &EmulatorProcess, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    json(&run(emu.livemod(&all)))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn groups_describe_modify_delete_recover() {
    let emu = EmulatorProcess::start(&["--audience", "2"]);
    ok(
        &emu,
        &[
            "groups", "create", "g1", "--name", "Room", "--info", "i0", "--admin", "a1",
        ],
    );
    let g = ok_json(&emu, &["groups", "describe", "g1"]);
    assert_eq!(g["GroupName"], "Room");
    assert_eq!(g["OnlineUserCounts"], 2);
    assert_eq!(strings(&g["AdminList"]), ["a1"]);

    ok(
        &emu,
        &[
            "groups", "modify", "g1", "--info", "i1", "--admin", "b1", "--admin", "b2",
        ],
    );
    let g = ok_json(&emu, &["groups", "describe", "g1"]);
    assert_eq!(g["GroupInfo"], "i1");
    assert_eq!(strings(&g["AdminList"]), ["b1", "b2"]);
    ok(&emu, &["groups", "modify", "g1", "--no-admins"]);
    let g = ok_json(&emu, &["groups", "describe", "g1"]);
    assert_eq!(g["AdminList"], serde_json::json!([]));
    assert_eq!(
        g["GroupInfo"], "i1",
        "info untouched when only admins change"
    );
    // Nothing to change is a usage error.
    assert_eq!(run(emu.livemod(&["groups", "modify", "g1"])).code, 2);

    // Delete says what happened, because it asks first.
    let r = ok(&emu, &["groups", "delete", "g1", "--yes"]);
    assert!(r.stdout.contains("Outcome    deleted"), "{}", r.stdout);
    let r = ok(&emu, &["groups", "delete", "g1", "--yes"]);
    assert!(r.stdout.contains("was already deleted"), "{}", r.stdout);
    let r = ok(&emu, &["groups", "delete", "never", "--yes"]);
    assert!(r.stdout.contains("did not exist"), "{}", r.stdout);
    let r = ok(&emu, &["groups", "describe", "g1"]);
    assert!(r.stdout.contains("deleted"), "{}", r.stdout);

    ok(&emu, &["groups", "recover", "g1"]);
    let g = ok_json(&emu, &["groups", "describe", "g1"]);
    assert_eq!(g["Delete"], false);
    assert_eq!(g["GroupInfo"], "i1");
    let r = run(emu.livemod(&["groups", "describe", "nosuch"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("ResourceNotExist"), "{}", r.stderr);
}

#[test]
fn messages_list_page_filter_and_recall() {
    let emu = EmulatorProcess::start(&["--audience", "1"]);
    ok(&emu, &["groups", "create", "room"]);
    for i in 1..=12 {
        let ty = if i % 4 == 0 { "3" } else { "1" };
        let body = if ty == "3" {
            "{\"count\":1}".to_string()
        } else {
            format!("line {i}")
        };
        ok(
            &emu,
            &[
                "groups",
                "send",
                "room",
                "--type",
                ty,
                "--body",
                &body,
                "--tid",
                &format!("t{i}"),
            ],
        );
    }
    let page = ok_json(&emu, &["messages", "list", "room", "--page-size", "10"]);
    let list = page["MessageList"].as_array().unwrap();
    assert_eq!(list.len(), 10);
    assert_eq!(list[0]["MsgTid"], "t12", "newest first");
    assert_eq!(page["Hasmore"], true);
    // The sender defaulted to the configured moderator ID ("moderator").
    assert_eq!(list[0]["Sender"]["UserId"], "moderator");

    let all = ok_json(
        &emu,
        &[
            "messages",
            "list",
            "room",
            "--page-size",
            "10",
            "--all",
            "--asc",
        ],
    );
    let tids: Vec<&str> = all["MessageList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["MsgTid"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (1..=12).map(|i| format!("t{i}")).collect();
    assert_eq!(tids, expected, "every message once, oldest first");

    let likes = ok_json(&emu, &["messages", "list", "room", "--type", "3", "--all"]);
    assert_eq!(likes["MessageList"].as_array().unwrap().len(), 3);

    ok(
        &emu,
        &["messages", "recall", "room", "t5", "--reason", "spam"],
    );
    let after = ok_json(&emu, &["messages", "list", "room", "--all"]);
    let left = after["MessageList"].as_array().unwrap();
    assert_eq!(left.len(), 11);
    assert!(left.iter().all(|m| m["MsgTid"] != "t5"));

    let future = ok_json(&emu, &["messages", "list", "room", "--since", "4102444800"]);
    assert_eq!(future["MessageList"], serde_json::json!([]));
    assert_eq!(
        run(emu.livemod(&["messages", "list", "room", "--since", "soon"])).code,
        2
    );

    // A hostile body is shown escaped in the table.
    ok(
        &emu,
        &[
            "groups",
            "send",
            "room",
            "--body",
            "hi\x1b]52;c;eA==\x07\x1b[2J",
        ],
    );
    let table = ok(&emu, &["messages", "list", "room"]);
    assert!(!table.stdout.contains('\x1b'), "{:?}", table.stdout);
    assert!(table.stdout.contains("hi\\x1b]52"), "{}", table.stdout);
}

#[test]
fn messages_tail_prints_only_new_messages() {
    let emu = EmulatorProcess::start(&["--audience", "1"]);
    ok(&emu, &["groups", "create", "live"]);
    ok(
        &emu,
        &[
            "groups", "send", "live", "--body", "before", "--tid", "old1",
        ],
    );

    let mut tail = emu.livemod(&["messages", "tail", "live", "--json", "--interval", "100ms"]);
    let mut child = tail
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Keep sending until tail has shown one: it may start after the first.
    let mut seen = None;
    for i in 0..40 {
        ok(
            &emu,
            &[
                "groups",
                "send",
                "live",
                "--body",
                "now",
                "--tid",
                &format!("new{i}"),
            ],
        );
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
            seen = Some(line);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let line = seen.expect("tail printed nothing");
    let m: Value = serde_json::from_str(&line).unwrap();
    assert!(m["MsgTid"].as_str().unwrap().starts_with("new"), "{line}");
    assert_eq!(m["Body"], "now");
}

#[test]
fn users_list_check_kick_send_recall_and_info() {
    let emu = EmulatorProcess::start(&["--audience", "2"]);
    ok(&emu, &["groups", "create", "hall"]);
    let users = ok_json(&emu, &["users", "list", "hall", "--all"]);
    let ids: Vec<&str> = users["UserList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["UserId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["viewer1", "viewer2"]);

    let check = ok_json(&emu, &["users", "check", "hall", "viewer1", "stranger"]);
    assert_eq!(check["Users"][0]["Online"], true);
    assert_eq!(check["Users"][1]["Online"], false);
    let online = ok_json(&emu, &["users", "online", "viewer2", "stranger"]);
    assert_eq!(online["UserList"][0]["Online"], true);
    assert_eq!(online["UserList"][1]["Online"], false);
    let r = ok(&emu, &["users", "check", "hall", "viewer1", "stranger"]);
    assert!(r.stdout.contains("not in the group"), "{}", r.stdout);

    ok(&emu, &["users", "kick", "hall", "viewer1"]);
    let after = ok_json(&emu, &["users", "list", "hall"]);
    assert_eq!(after["UserList"].as_array().unwrap().len(), 1);
    assert_eq!(after["UserList"][0]["UserId"], "viewer2");

    let sent = ok_json(&emu, &["users", "send", "viewer2", "--body", "psst"]);
    let tid = sent["MsgTid"].as_str().unwrap().to_string();
    ok(&emu, &["users", "recall", "viewer2", &tid]);
    let offline = run(emu.livemod(&["users", "send", "viewer1", "--body", "psst"]));
    assert_eq!(
        offline.code, 1,
        "a kicked user is not online: {}",
        offline.stderr
    );
    let r = run(emu.livemod(&[
        "users", "send", "viewer2", "--type", "2", "--body", "not json",
    ]));
    assert_eq!(r.code, 2, "the catalogue's rule applies: {}", r.stderr);

    let info = ok_json(&emu, &["users", "set-info", "viewer2", "--info", "vip"]);
    assert_eq!(info["SuccessList"][0]["GroupId"], "hall");
    let users = ok_json(&emu, &["users", "list", "hall"]);
    assert_eq!(users["UserList"][0]["UserInfo"], "vip");
}

#[test]
fn mutes_add_all_lift_remove() {
    let emu = EmulatorProcess::start(&[]);
    ok(&emu, &["groups", "create", "quiet"]);
    ok(&emu, &["mutes", "add", "quiet", "u1", "u2"]);
    let m = ok_json(&emu, &["mutes", "show", "quiet"]);
    assert_eq!(strings(&m["BannedUserList"]), ["u1", "u2"]);
    assert_eq!(m["IsbannedAll"], false);

    ok(&emu, &["mutes", "all", "quiet", "--except", "u3", "u4"]);
    let m = ok_json(&emu, &["mutes", "show", "quiet"]);
    assert_eq!(m["IsbannedAll"], true);
    assert_eq!(strings(&m["UnbannedUserList"]), ["u3", "u4"]);
    let r = ok(&emu, &["mutes", "show", "quiet"]);
    assert!(r.stdout.contains("Whole group   muted"), "{}", r.stdout);

    ok(&emu, &["mutes", "lift", "quiet"]);
    ok(&emu, &["mutes", "remove", "quiet", "u1"]);
    let m = ok_json(&emu, &["mutes", "show", "quiet"]);
    assert_eq!(m["IsbannedAll"], false);
    assert_eq!(
        strings(&m["BannedUserList"]),
        ["u2"],
        "individual mutes survive a lift"
    );

    // Read-only refuses before anything is sent.
    let r = run(emu.livemod(&["--read-only", "mutes", "add", "quiet", "u9"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let m = ok_json(&emu, &["mutes", "show", "quiet"]);
    assert_eq!(strings(&m["BannedUserList"]), ["u2"]);
}

#[test]
fn apps_create_describe_disable_and_settings() {
    let emu = EmulatorProcess::start(&[]);
    let listed = ok_json(&emu, &["apps", "list"]);
    assert!(
        listed["AppList"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["AppId"] == "demo"),
        "{listed}"
    );
    let created = ok_json(&emu, &["apps", "create", "--name", "Second"]);
    let app = created["AppId"].as_str().unwrap().to_string();
    let d = ok_json(&emu, &["apps", "describe", &app]);
    assert_eq!(d["AppName"], "Second");
    assert_eq!(d["Disable"], false);

    ok(&emu, &["apps", "disable", &app]);
    assert_eq!(ok_json(&emu, &["apps", "describe", &app])["Disable"], true);
    let refused = run(emu.livemod(&["--app-id", &app, "groups", "list"]));
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("NoAuth"), "{}", refused.stderr);
    ok(&emu, &["apps", "enable", &app]);
    ok(&emu, &["--app-id", &app, "groups", "list"]);

    ok(
        &emu,
        &[
            "apps",
            "set-audit",
            &app,
            "--type",
            "custom",
            "--url",
            "https://audit.example.com/check",
        ],
    );
    let d = ok_json(&emu, &["apps", "describe", &app]);
    assert_eq!(d["AuditType"], 2);
    assert_eq!(d["AuditUrl"], "https://audit.example.com/check");
    ok(
        &emu,
        &[
            "apps",
            "set-callback",
            &app,
            "--url",
            "https://hooks.example.com/live",
        ],
    );
    assert_eq!(
        ok_json(&emu, &["apps", "describe", &app])["EventCallbackUrl"],
        "https://hooks.example.com/live"
    );
    ok(&emu, &["apps", "set-callback", &app, "--off"]);
    assert_eq!(
        ok_json(&emu, &["apps", "describe", &app])["EventCallbackUrl"],
        ""
    );
    let r = ok(&emu, &["apps", "list"]);
    assert!(r.stdout.contains("Second"), "{}", r.stdout);
}
