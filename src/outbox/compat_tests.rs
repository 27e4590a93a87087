//! Files older livemods wrote, outboxes opened only to read, and what the
//! audit log says about outbox actions.

use std::sync::Arc;

use rusqlite::{Connection, params};

use super::schema::SCHEMA;
use super::*;
use crate::api::SendMessageRequest;
use crate::audit::AuditLog;

fn msg(group: &str, body: &str) -> SendMessageRequest {
    SendMessageRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        sender_id: "mod7".into(),
        body: Some(body.into()),
        ..Default::default()
    }
}

fn entries(outbox: &Outbox) -> usize {
    outbox.list(&ListFilter::default()).unwrap().len()
}

/// An outbox as the first release wrote it: no target, no expiry, no reason
/// columns, and one message waiting.
fn first_schema_file(path: &std::path::Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    conn.execute(
        "INSERT INTO outbox (state, app_id, group_id, sender_id, body, msg_tid, \
         created_at, updated_at, next_attempt_at, last_code, last_message) \
         VALUES ('failed', 'demo', 'g1', 'mod1', 'old body', 'tid1', 1000, 1000, 1000, \
         'Forbidden.NoOnlineUser', 'no one online')",
        params![],
    )
    .unwrap();
}

#[test]
fn a_first_schema_outbox_is_upgraded_on_open_and_keeps_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    first_schema_file(&path);
    // Read-only it cannot be upgraded, and says so rather than failing on a column.
    let err = Outbox::open_read_only(&path).unwrap_err();
    assert!(matches!(err, OutboxError::NeedsUpgrade(_)), "{err}");

    let outbox = Outbox::open(&path).unwrap();
    let old = outbox.list(&ListFilter::default()).unwrap();
    assert_eq!(old.len(), 1);
    let e = &old[0];
    assert_eq!(e.state, State::Failed);
    assert_eq!(e.request.body.as_deref(), Some("old body"));
    assert_eq!(e.msg_tid(), "tid1");
    // What the first schema did not record stays unknown: no target (sent
    // only when a person retries it by ID), no expiry.
    assert_eq!(e.target, None);
    assert_eq!(e.expires_at, None);
    let last = e.last_error.as_ref().unwrap();
    assert_eq!(last.code, "Forbidden.NoOnlineUser");
    assert!(!last.reason.is_empty(), "a reason is derived for old rows");
    // New entries get every column.
    let id = outbox.enqueue(msg("g2", "new")).unwrap();
    assert!(outbox.get(id).unwrap().expires_at.is_some());
    drop(outbox);
    // Upgraded once, it opens again (writable or not) with both entries.
    assert_eq!(entries(&Outbox::open(&path).unwrap()), 2);
    let view = Outbox::open_read_only(&path).unwrap();
    assert_eq!(entries(&view), 2);
}

#[test]
fn a_read_only_view_lists_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    {
        let outbox = Outbox::open(&path).unwrap();
        outbox.enqueue(msg("g1", "one")).unwrap();
        outbox.enqueue(msg("g1", "two")).unwrap();
    }
    let owners = dir.path().join(format!("{FILE_NAME}.owners"));
    std::fs::remove_dir_all(&owners).unwrap();

    let view = Outbox::open_read_only(&path).unwrap();
    let listed = view.list(&ListFilter::default()).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(view.counts().unwrap().get(&State::Queued), Some(&2));
    // Nothing can be queued or claimed through it.
    assert!(view.enqueue(msg("g1", "three")).is_err());
    drop(view);
    assert!(!owners.exists(), "a read-only view registers no owner");
    assert_eq!(entries(&Outbox::open(&path).unwrap()), 2);
    assert!(Outbox::open_read_only(dir.path().join("missing.sqlite3")).is_err());
}

#[test]
fn outbox_audit_lines_name_the_sender() {
    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(AuditLog::in_dir(dir.path()).unwrap());
    let outbox = Outbox::in_dir(dir.path())
        .unwrap()
        .with_audit(audit.clone());
    let id = outbox.enqueue(msg("g1", "hello")).unwrap();
    outbox.discard(id).unwrap();
    let lines = audit.read(None).unwrap();
    let drop_line = lines.iter().find(|l| l.action == "OutboxDrop").unwrap();
    assert_eq!(drop_line.actor(), Some("mod7"));
    assert_eq!(
        drop_line.params.get("GroupId").map(String::as_str),
        Some("g1")
    );
}
