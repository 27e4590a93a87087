//! Tests of the audit trail (kept apart so audit.rs stays readable).

use super::*;
use crate::api::ApiError;

fn sample(action: &str) -> AuditEntry {
    AuditEntry::for_call(
        "http://127.0.0.1:1",
        &AuditContext {
            profile: Some("prod".into()),
        },
        action,
        &[
            ("AppId", "demo".into()),
            ("GroupId", "g1".into()),
            ("Body", "hello, group".into()),
            ("Signature", "abc".into()),
        ],
    )
}

#[test]
fn lines_parse_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::in_dir(dir.path()).unwrap();
    log.append(&sample("CreateLiveMessageGroup").with_ok(Some("R1")))
        .unwrap();
    log.append(&crate::api::client::audit_failure(
        sample("SendLiveMessageGroup"),
        &ApiError::ReadOnly {
            action: "SendLiveMessageGroup",
        },
    ))
    .unwrap();
    let entries = log.read(None).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].action, "CreateLiveMessageGroup");
    assert_eq!(entries[0].outcome, AuditOutcome::Ok);
    assert_eq!(entries[0].request_id.as_deref(), Some("R1"));
    assert_eq!(entries[0].app.as_deref(), Some("demo"));
    assert_eq!(entries[0].profile.as_deref(), Some("prod"));
    assert_eq!(entries[0].params["Body"], "hello, group");
    assert!(!entries[0].params.contains_key("Signature"));
    assert_eq!(entries[1].outcome, AuditOutcome::Refused);
    assert_eq!(entries[1].code.as_deref(), Some("ReadOnly"));
    // Each line is standalone JSON with an RFC 3339 UTC time.
    let text = std::fs::read_to_string(log.path()).unwrap();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let t = v["time"].as_str().unwrap();
        assert!(t.ends_with('Z'), "{t}");
        DateTime::parse_from_rfc3339(t).unwrap();
    }
}

#[test]
fn since_filters_old_entries() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::in_dir(dir.path()).unwrap();
    let mut old = sample("DeleteLiveMessageGroup");
    old.time = Utc::now() - chrono::Duration::hours(3);
    log.append(&old).unwrap();
    log.append(&sample("CreateLiveMessageGroup")).unwrap();
    assert_eq!(log.read(None).unwrap().len(), 2);
    let recent = log.read(Some(Duration::from_secs(3600))).unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].action, "CreateLiveMessageGroup");
}

#[test]
fn a_malformed_line_is_skipped_and_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::in_dir(dir.path()).unwrap();
    log.append(&sample("CreateLiveMessageGroup")).unwrap();
    let mut f = OpenOptions::new().append(true).open(log.path()).unwrap();
    f.write_all(b"{not json}\n").unwrap();
    drop(f);
    log.append(&sample("DeleteLiveMessageGroup")).unwrap();
    let trail = log.read_trail(None).unwrap();
    let actions: Vec<&str> = trail.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["CreateLiveMessageGroup", "DeleteLiveMessageGroup"]
    );
    assert_eq!(trail.bad_lines.len(), 1);
    assert_eq!(trail.bad_lines[0].line, 2);
}

#[test]
fn an_append_after_a_torn_tail_starts_on_a_new_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let first = AuditLog::open(&path).unwrap();
    first.append(&sample("CreateLiveMessageGroup")).unwrap();
    // A crash (or full disk) tore the next line.
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(br#"{"time":"2024-"#).unwrap();
    drop(f);
    // Both an already-open log and a fresh one start on a new line.
    first.append(&sample("SendLiveMessageGroup")).unwrap();
    AuditLog::open(&path)
        .unwrap()
        .append(&sample("DeleteLiveMessageGroup"))
        .unwrap();
    let trail = read_trail(&path, None).unwrap();
    let actions: Vec<&str> = trail.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "CreateLiveMessageGroup",
            "SendLiveMessageGroup",
            "DeleteLiveMessageGroup"
        ]
    );
    assert_eq!(trail.bad_lines.len(), 1, "{:?}", trail.bad_lines);
}

#[test]
fn a_failed_append_is_a_typed_error_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    // The "file" is a directory: every append fails.
    let path = dir.path().join("audit-dir");
    std::fs::create_dir(&path).unwrap();
    let log = AuditLog::lazy(&path);
    assert!(log.unrecorded_summary().is_none());
    let err = log.append(&sample("SendLiveMessageGroup")).unwrap_err();
    assert_eq!(err.action, "SendLiveMessageGroup");
    assert!(err.to_string().contains("could not record"), "{err}");
    let summary = log.unrecorded_summary().unwrap();
    assert!(summary.starts_with("1 audit line(s)"), "{summary}");
}

#[test]
fn a_lazy_log_touches_nothing_until_the_first_append() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("not-yet");
    let log = AuditLog::lazy_in_dir(&data);
    assert!(!data.exists());
    assert!(log.read(None).unwrap().is_empty());
    log.append(&sample("CreateLiveMessageGroup")).unwrap();
    assert_eq!(log.read(None).unwrap().len(), 1);
}

#[test]
fn a_create_that_did_nothing_is_audited_as_such() {
    let reply = |exists: bool, deleted: bool| crate::api::CreateGroupResponse {
        request_id: "R9".into(),
        group_id: "g1".into(),
        already_exists: exists,
        already_delete: deleted,
    };
    let outcome = |r| sample("CreateLiveMessageGroup").with_reply(&r);
    assert_eq!(outcome(reply(false, false)).outcome, AuditOutcome::Ok);
    assert_eq!(
        outcome(reply(true, false)).outcome,
        AuditOutcome::AlreadyExists
    );
    let deleted = outcome(reply(true, true));
    assert_eq!(deleted.outcome, AuditOutcome::AlreadyDeleted);
    assert_eq!(deleted.request_id.as_deref(), Some("R9"));
    let line = serde_json::to_string(&deleted).unwrap();
    assert!(line.contains(r#""outcome":"already_deleted""#), "{line}");
}

#[test]
fn endpoint_credentials_never_reach_the_file() {
    let e = AuditEntry::for_call(
        "http://user:s3cret@127.0.0.1:9/",
        &AuditContext::default(),
        "SendLiveMessageGroup",
        &[
            ("SenderId", "mod1".into()),
            ("Body", "hello\nworld, all".into()),
        ],
    );
    assert_eq!(e.endpoint, "http://127.0.0.1:9/");
    assert_eq!(e.actor(), Some("mod1"));
    assert_eq!(e.body_preview(8).as_deref(), Some("hello wo…"));
}

#[test]
fn torn_last_line_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::in_dir(dir.path()).unwrap();
    log.append(&sample("CreateLiveMessageGroup")).unwrap();
    let mut f = OpenOptions::new().append(true).open(log.path()).unwrap();
    f.write_all(br#"{"time":"2024-"#).unwrap();
    drop(f);
    let trail = log.read_trail(None).unwrap();
    assert_eq!(trail.entries.len(), 1);
    assert!(trail.bad_lines.is_empty());
}

#[test]
fn missing_file_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        read_file(&dir.path().join("none"), None)
            .unwrap()
            .is_empty()
    );
}
