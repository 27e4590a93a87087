//! Emulator hardening (#8) and fidelity (#9): header-read timeout, connection
//! cap, error bodies for unparsable requests, empty V3 nonces, the warning
//! beyond loopback, late faults, and sends to unavailable groups.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use livemod::api::ApiError;
use livemod::api::model::*;
use livemod::emulator::{Emulator, EmulatorOptions, FaultOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::emulator::{
    Reply, V3, client, create, join, send, service_code, start, start_default, v2_get,
};

/// Waits (bounded) until `check` holds on the emulator's counters.
async fn wait_for_stats(
    emu: &Emulator,
    what: &str,
    check: impl Fn(&livemod::emulator::Stats) -> bool,
) {
    for _ in 0..500 {
        if check(&emu.counters()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never observed: {what}; counters {:?}", emu.counters());
}

/// Sends raw bytes and reads the whole reply (the emulator closes after it).
async fn raw_exchange(emu: &Emulator, request: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut buf))
        .await
        .expect("the emulator answers and closes")
        .unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

fn split_reply(raw: &str) -> (u16, String, serde_json::Value) {
    let (head, body) = raw.split_once("\r\n\r\n").expect("a complete reply");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    let v = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {raw:?}"));
    (status, content_type, v)
}

fn assert_error_body(v: &serde_json::Value, code: &str) {
    for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(v[field].is_string(), "{field} in {v}");
    }
    assert_eq!(v["Code"], code, "{v}");
    assert_eq!(v["HostId"], "live.aliyuncs.com");
}

#[tokio::test]
async fn unparsable_requests_get_the_documented_error_body() {
    let emu = start_default().await;
    for request in [
        // A header line without a colon.
        &b"GET /?Action=x HTTP/1.1\r\nHost: e\r\nthis is not a header\r\n\r\n"[..],
        // A method hyper cannot parse.
        &b"G@T / HTTP/1.1\r\nHost: e\r\n\r\n"[..],
        // A request line that is not HTTP.
        &b"HELLO\r\n\r\n"[..],
    ] {
        let raw = raw_exchange(&emu, request).await;
        let (status, content_type, v) = split_reply(&raw);
        assert_eq!(status, 400, "{raw}");
        assert!(content_type.starts_with("application/json"), "{raw}");
        assert_error_body(&v, "MalformedRequest");
        assert!(
            raw.to_ascii_lowercase().contains(
                &format!("x-acs-request-id: {}", v["RequestId"].as_str().unwrap())
                    .to_ascii_lowercase()
            ),
            "{raw}"
        );
    }
    assert_eq!(emu.counters().malformed, 3);
    // The emulator still serves well-formed requests.
    client(&emu).call(&create("after")).await.unwrap();
}

#[tokio::test]
async fn a_client_that_sends_no_request_head_is_cut_off() {
    let emu = start(EmulatorOptions {
        header_read_timeout: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    // Half a request line, then nothing: the connection must be closed by
    // the emulator (read_to_end returns), not held open forever.
    let mut stream = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    stream.write_all(b"GET /?Action=").await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the stalled connection was never closed");
    // An idle keep-alive connection is closed the same way.
    let mut idle = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(20), idle.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the idle connection was never closed");
    wait_for_stats(&emu, "no connection left open", |s| s.open_connections == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_capped_and_service_continues() {
    const CAP: usize = 8;
    let emu = start(EmulatorOptions {
        max_connections: Some(CAP),
        header_read_timeout: Duration::from_secs(600),
        ..Default::default()
    })
    .await;
    // Many more idle clients than the cap: the emulator holds at most CAP.
    let mut idle = Vec::new();
    for _ in 0..(CAP * 8) {
        idle.push(tokio::net::TcpStream::connect(emu.addr()).await.unwrap());
    }
    wait_for_stats(&emu, "the cap reached", |s| {
        s.open_connections == CAP as u64
    })
    .await;
    let stats = emu.counters();
    assert_eq!(stats.peak_connections, CAP as u64, "{stats:?}");
    // The idle clients go away; a real client is served again.
    drop(idle);
    let created = client(&emu).call(&create("served")).await.unwrap();
    assert!(!created.already_exists);
    assert!(emu.counters().peak_connections <= CAP as u64);
}

#[tokio::test]
async fn an_empty_v3_nonce_is_a_missing_nonce() {
    let emu = start_default().await;
    let r: Reply = V3 {
        nonce: String::new(),
        ..Default::default()
    }
    .send(
        &emu,
        "GET",
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "1")],
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "MissingParameter".into()),
        "{}",
        r.text
    );
    assert!(
        r.message().contains("x-acs-signature-nonce"),
        "{}",
        r.message()
    );
    // Whitespace is no nonce either.
    let r = V3 {
        nonce: "  ".into(),
        ..Default::default()
    }
    .send(
        &emu,
        "GET",
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "1")],
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "MissingParameter".into()),
        "{}",
        r.text
    );
}

fn emulator_stderr(listen: &str) -> String {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_livemod"))
        .args(["emulator", "--in-memory", "--listen", listen])
        .env_clear()
        .env("HOME", home.path())
        .env("LIVEMOD_DATA_DIR", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("listening on "), "{first:?}");
    // The warning, if any, is printed before the listening line.
    child.kill().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    child.wait().unwrap();
    err
}

/// A port that cannot be bound is a failure at run time (exit 1), not a
/// mistake in the command line (2), as the README's exit codes say.
#[test]
fn a_port_in_use_is_a_runtime_failure() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_livemod"))
        .args(["emulator", "--in-memory", "--listen", &listen])
        .env_clear()
        .env("HOME", home.path())
        .env("LIVEMOD_DATA_DIR", home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {listen}")),
        "{stderr}"
    );
}

#[test]
fn listening_beyond_loopback_is_warned_about() {
    let exposed = emulator_stderr("0.0.0.0:0");
    assert!(exposed.contains("beyond loopback"), "{exposed}");
    let local = emulator_stderr("127.0.0.1:0");
    assert!(!local.contains("beyond loopback"), "{local}");
}

#[tokio::test]
async fn late_faults_strike_after_the_change_is_committed() {
    let emu = start(EmulatorOptions {
        audience: 1,
        faults: FaultOptions {
            late_fault_rate: 1.0,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let c = crate::emulator::client_with(
        &emu,
        livemod::api::sign::SignatureVersion::V3,
        (
            livemod::emulator::DEMO_ACCESS_KEY_ID,
            livemod::emulator::DEMO_ACCESS_KEY_SECRET,
        ),
        1,
    );
    let err = c.call(&create("g")).await.unwrap_err();
    assert_eq!(service_code(&err), (500, "ServerError".into()));
    assert!(
        emu.group("demo", "g").await.unwrap().is_some(),
        "created before the 500"
    );
    let err = c
        .call(&SendMessageRequest {
            msg_tid: Some("late1".into()),
            ..send("g")
        })
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Service { .. }), "{err}");
    let delivered = emu.delivered_messages("demo", "g").await.unwrap();
    assert_eq!(delivered.len(), 1, "delivered exactly once: {delivered:?}");
    assert_eq!(delivered[0].msg_tid, "late1");
    let stats = emu.stats().await.unwrap();
    assert_eq!((stats.late_faults, stats.faults), (2, 0), "{stats:?}");
}

#[tokio::test]
async fn a_send_to_an_unavailable_group_is_resource_not_exist() {
    let emu = start(EmulatorOptions {
        audience: 1,
        ..Default::default()
    })
    .await;
    // Malformed IDs (the client would refuse some of them, so raw requests).
    for group in ["c-1-1-0", "user_77", "g!", &"x".repeat(65)] {
        let r = v2_get(
            &emu,
            "SendLiveMessageGroup",
            &[("AppId", "demo"), ("GroupId", group), ("SenderId", "mod1")],
        )
        .await;
        assert_eq!(
            (r.status, r.code()),
            (404, "ResourceNotExist".into()),
            "{group}: {}",
            r.text
        );
    }
    // Unknown and deleted groups too.
    let c = client(&emu);
    let err = c.call(&send("nosuchgroup")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    c.call(&create("gone")).await.unwrap();
    c.call(&DeleteGroupRequest {
        app_id: "demo".into(),
        group_id: "gone".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let err = c.call(&send("gone")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    // Other bad fields of such a send are still refused as InputInvalid.
    let long_body = "b".repeat(16 * 1024);
    let r = v2_get(
        &emu,
        "SendLiveMessageGroup",
        &[
            ("AppId", "demo"),
            ("GroupId", "c-1"),
            ("SenderId", "mod1"),
            ("Body", &long_body),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "InputInvalid".into()),
        "{}",
        r.text
    );
    // And a join to it is 404 as well (no side door).
    let err = c.call(&join("nosuchgroup", "u1")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
}
