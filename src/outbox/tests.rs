//! Unit tests of the store and the delivery classification.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::*;
use crate::api::error::{ServiceError, TransportPhase};
use crate::api::{ApiError, DataCenter, SendMessageRequest};
use crate::audit::AuditLog;

fn target(port: u16, key: &str) -> Target {
    Target::new(
        &url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
        key,
        None,
    )
}

fn here() -> Target {
    target(1, "AK1")
}

fn msg(group: &str, body: &str) -> SendMessageRequest {
    SendMessageRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        sender_id: "mod1".into(),
        body: Some(body.into()),
        msg_type: Some(3),
        weight: Some(2),
        no_cache: Some(true),
        data_center: Some(DataCenter::ApSoutheast1),
        ..Default::default()
    }
}

fn service(status: u16, code: &str, message: &str) -> ApiError {
    ApiError::Service(ServiceError {
        status,
        code: code.into(),
        message: message.into(),
        request_id: Some("RID".into()),
        recommend: None,
        host_id: None,
        retry_after: None,
    })
}

#[test]
fn state_machine_and_persistence_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let (a, b, c, tid_a);
    {
        let ob = Outbox::open(&path).unwrap().with_target(here());
        a = ob.enqueue(msg("g1", "one")).unwrap();
        b = ob.enqueue(msg("g2", "two")).unwrap();
        c = ob.enqueue(msg("g3", "three")).unwrap();
        let e = ob.get(a).unwrap();
        assert_eq!(e.state, State::Queued);
        tid_a = e.msg_tid().to_string();
        assert_eq!(tid_a.len(), 32);
        assert_eq!(e.request.weight, Some(2));
        assert_eq!(e.request.data_center, Some(DataCenter::ApSoutheast1));

        let s = ob.mark_sending(a).unwrap();
        assert_eq!((s.state, s.attempts), (State::Sending, 1));
        // A second claim of the same entry is refused.
        assert!(matches!(
            ob.mark_sending(a),
            Err(OutboxError::InvalidTransition { .. })
        ));
        ob.mark_delivered(a, "REQ-A").unwrap();

        ob.mark_sending(b).unwrap();
        let later = Utc::now() + chrono::Duration::seconds(30);
        let e = ob
            .mark_failed(b, &LastError::new("Throttling", "slow down"), Some(later))
            .unwrap();
        assert_eq!((e.state, e.auto_retries), (State::Queued, 1));
        assert!(
            ob.due(Utc::now(), &here())
                .unwrap()
                .iter()
                .all(|e| e.id != b)
        );
        assert!(ob.due(later, &here()).unwrap().iter().any(|e| e.id == b));

        ob.discard(c).unwrap();
        assert!(matches!(
            ob.discard(a),
            Err(OutboxError::InvalidTransition {
                state: State::Delivered,
                ..
            })
        ));
    }
    let ob = Outbox::open(&path).unwrap().with_target(here());
    let a_e = ob.get(a).unwrap();
    assert_eq!(a_e.state, State::Delivered);
    assert_eq!(a_e.delivered_request_id.as_deref(), Some("REQ-A"));
    assert_eq!(a_e.msg_tid(), tid_a);
    let b_e = ob.get(b).unwrap();
    assert_eq!(b_e.state, State::Queued);
    assert_eq!(b_e.last_error.as_ref().unwrap().code, "Throttling");
    assert_eq!(ob.get(c).unwrap().state, State::Discarded);
    let counts = ob.counts().unwrap();
    assert_eq!(counts[&State::Delivered], 1);
    assert_eq!(counts[&State::Queued], 1);
    assert_eq!(counts[&State::Discarded], 1);
    assert_eq!(counts[&State::Failed], 0);
    let queued = ob
        .list(&ListFilter {
            state: Some(State::Queued),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(queued.iter().map(|e| e.id).collect::<Vec<_>>(), vec![b]);
    assert!(matches!(ob.get(999), Err(OutboxError::NotFound(999))));
}

#[test]
fn interrupted_send_becomes_outcome_unknown_only_when_its_owner_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let first = Outbox::open(&path).unwrap().with_target(here());
    let id = first.enqueue(msg("g1", "hello")).unwrap();
    let tid = first.get(id).unwrap().msg_tid().to_string();
    first.mark_sending(id).unwrap();
    // A second process opening while the first is alive leaves it alone.
    let second = Outbox::open(&path).unwrap().with_target(here());
    assert_eq!(second.recovered_on_open(), 0);
    assert_eq!(second.get(id).unwrap().state, State::Sending);
    drop(second);
    // The owner dies mid-send (its lock goes with it).
    drop(first);
    let reopened = Outbox::open(&path).unwrap().with_target(here());
    assert_eq!(reopened.recovered_on_open(), 1);
    let e = reopened.get(id).unwrap();
    assert_eq!(e.state, State::OutcomeUnknown);
    assert_eq!(e.last_error.as_ref().unwrap().code, INTERRUPTED);
    assert_eq!(e.msg_tid(), tid);
    // Never resent silently.
    assert!(reopened.due(Utc::now(), &here()).unwrap().is_empty());
    // A person requeues it: same MsgTid.
    let e = reopened.requeue(id, None).unwrap();
    assert_eq!((e.state, e.msg_tid()), (State::Queued, tid.as_str()));
}

#[test]
fn requeue_keeps_tid_unless_content_changes() {
    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(AuditLog::in_dir(dir.path()).unwrap());
    let ob = Outbox::in_dir(dir.path())
        .unwrap()
        .with_target(here())
        .with_audit(audit.clone());
    let id = ob.enqueue(msg("g1", "helo")).unwrap();
    let tid = ob.get(id).unwrap().msg_tid().to_string();
    ob.mark_sending(id).unwrap();
    ob.mark_unknown(
        id,
        &LastError::from_api(&ApiError::Transport {
            phase: TransportPhase::OutcomeUnknown,
            message: "reset".into(),
        }),
    )
    .unwrap();
    // Same content, even with a different group asked for: same tid, same group.
    let mut same = msg("elsewhere", "helo");
    same.msg_tid = Some("ignored".into());
    let e = ob.requeue(id, Some(same)).unwrap();
    assert_eq!(e.msg_tid(), tid);
    assert_eq!(e.request.group_id, "g1");
    ob.mark_sending(id).unwrap();
    ob.mark_failed(id, &LastError::new("InputInvalid", "bad"), None)
        .unwrap();
    let e = ob.requeue(id, Some(msg("g1", "hello"))).unwrap();
    assert_ne!(e.msg_tid(), tid);
    assert_eq!(e.previous_msg_tid.as_deref(), Some(tid.as_str()));
    assert_eq!(e.request.body.as_deref(), Some("hello"));
    assert_eq!(e.state, State::Queued);
    // An invalid edit is refused and changes nothing.
    let mut bad = msg("g1", "x");
    bad.sender_id = String::new();
    assert!(matches!(
        ob.requeue(id, Some(bad)),
        Err(OutboxError::Invalid(_))
    ));
    assert_eq!(ob.get(id).unwrap().request.body.as_deref(), Some("hello"));
    // Person-initiated actions are audited.
    ob.discard(id).unwrap();
    let actions: Vec<String> = audit
        .read(None)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["OutboxEdit", "OutboxEdit", "OutboxDrop"]);
}

#[test]
fn due_keeps_group_order() {
    let dir = tempfile::tempdir().unwrap();
    let ob = Outbox::in_dir(dir.path()).unwrap().with_target(here());
    let first = ob.enqueue(msg("g1", "first")).unwrap();
    let second = ob.enqueue(msg("g1", "second")).unwrap();
    let other = ob.enqueue(msg("g2", "other")).unwrap();
    ob.mark_sending(first).unwrap();
    let later = Utc::now() + chrono::Duration::seconds(60);
    ob.mark_failed(first, &LastError::new("Throttling", ""), Some(later))
        .unwrap();
    let due: Vec<i64> = ob
        .due(Utc::now(), &here())
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(due, vec![other]);
    let due: Vec<i64> = ob
        .due(later, &here())
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(due, vec![first, second, other]);
}

#[test]
fn deleted_group_fails_its_queued_entries() {
    let dir = tempfile::tempdir().unwrap();
    let ob = Outbox::in_dir(dir.path()).unwrap().with_target(here());
    let a = ob.enqueue(msg("g1", "a")).unwrap();
    let b = ob.enqueue(msg("g1", "b")).unwrap();
    let c = ob.enqueue(msg("g2", "c")).unwrap();
    let n = ob
        .fail_group(
            "demo",
            Some(DataCenter::ApSoutheast1),
            "g1",
            &here(),
            &LastError::new("ResourceNotExist", "group deleted"),
        )
        .unwrap();
    assert_eq!(n, 2);
    for id in [a, b] {
        let e = ob.get(id).unwrap();
        assert_eq!(e.state, State::Failed);
        assert_eq!(e.last_error.unwrap().message, "group deleted");
    }
    assert_eq!(ob.get(c).unwrap().state, State::Queued);
}

#[test]
fn enqueue_validates_and_keeps_a_given_tid() {
    let dir = tempfile::tempdir().unwrap();
    let ob = Outbox::in_dir(dir.path()).unwrap().with_target(here());
    let mut m = msg("g1", "x");
    m.msg_tid = Some("mytid1".into());
    let id = ob.enqueue(m.clone()).unwrap();
    assert_eq!(ob.get(id).unwrap().msg_tid(), "mytid1");
    // The same MsgTid twice in one group is the same message: refused.
    assert!(matches!(ob.enqueue(m), Err(OutboxError::Db(_))));
    let mut bad = msg("", "x");
    bad.msg_tid = None;
    assert!(matches!(ob.enqueue(bad), Err(OutboxError::Invalid(_))));
}

#[test]
fn classification() {
    assert_eq!(
        classify(&service(400, "InputInvalid", "no online users in group g1")),
        Disposition::Retry
    );
    assert_eq!(
        classify(&service(400, "InputInvalid", "body too long")),
        Disposition::Fail
    );
    assert_eq!(
        classify(&service(404, "ResourceNotExist", "group deleted")),
        Disposition::GroupGone
    );
    assert_eq!(
        classify(&service(503, "ServiceUnavailable", "")),
        Disposition::Retry
    );
    assert_eq!(
        classify(&service(400, "Throttling.User", "")),
        Disposition::Retry
    );
    assert_eq!(classify(&service(403, "NoAuth", "")), Disposition::Fail);
    assert_eq!(
        classify(&ApiError::Transport {
            phase: TransportPhase::NotSent,
            message: "refused".into()
        }),
        Disposition::Retry
    );
    assert_eq!(
        classify(&ApiError::Transport {
            phase: TransportPhase::OutcomeUnknown,
            message: "timeout".into()
        }),
        Disposition::Unknown
    );
    assert_eq!(
        classify(&ApiError::Decode {
            action: "S",
            status: 200,
            problem: "x".into(),
            snippet: String::new()
        }),
        Disposition::Unknown
    );
}

#[test]
fn backoff_grows_with_jitter_and_is_capped() {
    let p = RetryPolicy {
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(1),
        max_auto_retries: 5,
    };
    for _ in 0..50 {
        let d0 = p.delay(0);
        assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
        let d3 = p.delay(3);
        assert!(d3 >= Duration::from_millis(400) && d3 <= Duration::from_millis(800));
        assert!(p.delay(40) <= Duration::from_secs(1));
    }
}

#[test]
fn state_names_parse() {
    for s in State::ALL {
        assert_eq!(s.as_str().parse::<State>().unwrap(), s);
    }
    assert_eq!("unknown".parse::<State>().unwrap(), State::OutcomeUnknown);
    assert!("nope".parse::<State>().is_err());
}

#[test]
fn due_only_returns_entries_for_the_given_backend_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let x = Outbox::in_dir(dir.path())
        .unwrap()
        .with_target(target(1, "AK1"));
    let other_port = Outbox::in_dir(dir.path())
        .unwrap()
        .with_target(target(2, "AK1"));
    let other_key = Outbox::in_dir(dir.path())
        .unwrap()
        .with_target(target(1, "AK2"));
    let unbound = Outbox::in_dir(dir.path()).unwrap();
    let mine = x.enqueue(msg("g1", "x")).unwrap();
    other_port.enqueue(msg("g2", "port")).unwrap();
    other_key.enqueue(msg("g3", "key")).unwrap();
    let legacy = unbound.enqueue(msg("g4", "old")).unwrap();
    let due: Vec<i64> = x
        .due(Utc::now(), &here())
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(due, vec![mine]);
    assert_eq!(x.get(mine).unwrap().target, Some(here()));
    assert_eq!(x.get(legacy).unwrap().target, None);
    // The profile is a label: another profile with the same key is the same backend.
    let same = Target {
        profile: Some("other".into()),
        ..here()
    };
    assert_eq!(x.due(Utc::now(), &same).unwrap().len(), 1);
}

#[test]
fn requeue_refuses_another_backend_and_adopts_an_entry_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let theirs = Outbox::in_dir(dir.path())
        .unwrap()
        .with_target(target(2, "AK9"));
    let unbound = Outbox::in_dir(dir.path()).unwrap();
    let mine = Outbox::in_dir(dir.path()).unwrap().with_target(here());
    let foreign = theirs.enqueue(msg("g1", "a")).unwrap();
    let legacy = unbound.enqueue(msg("g2", "b")).unwrap();
    assert!(matches!(
        mine.requeue(foreign, None),
        Err(OutboxError::OtherBackend { id, .. }) if id == foreign
    ));
    let e = mine.requeue(legacy, None).unwrap();
    assert_eq!(e.target, Some(here()));
    assert_eq!(mine.due(Utc::now(), &here()).unwrap().len(), 1);
}

#[test]
fn stale_entries_expire_and_are_never_claimed() {
    let dir = tempfile::tempdir().unwrap();
    let ob = Outbox::in_dir(dir.path())
        .unwrap()
        .with_target(here())
        .with_expiry(Duration::from_secs(60));
    let a = ob.enqueue(msg("g1", "soon stale")).unwrap();
    let b = ob.enqueue(msg("g2", "failed, stale")).unwrap();
    let e = ob.get(a).unwrap();
    let expires = e.expires_at.unwrap();
    assert!(expires > e.created_at + chrono::Duration::seconds(59));
    ob.mark_sending(b).unwrap();
    ob.mark_failed(b, &LastError::new("InputInvalid", "bad"), None)
        .unwrap();
    let later = expires + chrono::Duration::seconds(1);
    assert!(ob.due(later, &here()).unwrap().is_empty());
    assert_eq!(ob.expire_stale(Utc::now()).unwrap(), Vec::<i64>::new());
    assert_eq!(ob.expire_stale(later).unwrap(), vec![a, b]);
    let e = ob.get(a).unwrap();
    assert_eq!(e.state, State::Expired);
    assert_eq!(
        e.last_error.unwrap().reason,
        "it was not sent before its expiry"
    );
    assert!(matches!(
        ob.mark_sending(a),
        Err(OutboxError::InvalidTransition {
            state: State::Expired,
            ..
        })
    ));
    // A person may send it again: a fresh expiry.
    let e = ob.requeue(a, None).unwrap();
    assert_eq!(e.state, State::Queued);
    assert!(e.expires_at.unwrap() > Utc::now());
}

#[test]
fn claiming_past_the_expiry_expires_instead_of_sending() {
    let dir = tempfile::tempdir().unwrap();
    let ob = Outbox::in_dir(dir.path())
        .unwrap()
        .with_target(here())
        .with_expiry(Duration::from_millis(1));
    let id = ob.enqueue(msg("g1", "x")).unwrap();
    let expires = ob.get(id).unwrap().expires_at.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while Utc::now() <= expires {
        assert!(std::time::Instant::now() < deadline);
        std::thread::yield_now();
    }
    assert!(matches!(
        ob.mark_sending(id),
        Err(OutboxError::InvalidTransition {
            state: State::Expired,
            ..
        })
    ));
    let e = ob.get(id).unwrap();
    assert_eq!((e.state, e.attempts), (State::Expired, 0));
}

#[test]
fn an_old_file_gets_the_new_columns_and_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, state TEXT NOT NULL,
               app_id TEXT NOT NULL, data_center TEXT, group_id TEXT NOT NULL,
               sender_id TEXT NOT NULL, sender_meta_info TEXT, body TEXT, msg_type INTEGER,
               msg_tid TEXT NOT NULL, statics_increase INTEGER, weight INTEGER,
               no_storage INTEGER, no_cache INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
               auto_retries INTEGER NOT NULL DEFAULT 0, last_code TEXT, last_message TEXT,
               last_request_id TEXT, delivered_request_id TEXT, previous_msg_tid TEXT,
               claimed_by TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
               next_attempt_at INTEGER NOT NULL);
             INSERT INTO outbox (state, app_id, group_id, sender_id, body, msg_tid, last_code,
               last_message, created_at, updated_at, next_attempt_at)
             VALUES ('queued', 'demo', 'g1', 'mod1', 'old', 'tid1', 'InputInvalid',
               'no online users in group g1', 1, 1, 1);",
        )
        .unwrap();
    }
    let ob = Outbox::open(&path).unwrap().with_target(here());
    let e = ob.get(1).unwrap();
    assert_eq!(e.request.body.as_deref(), Some("old"));
    assert_eq!((e.target.clone(), e.expires_at), (None, None));
    assert_eq!(
        e.last_error.unwrap().reason,
        "no one is online in the group"
    );
    // Not sent automatically anywhere: it recorded no backend.
    assert!(ob.due(Utc::now(), &here()).unwrap().is_empty());
}

#[test]
fn two_instances_claim_each_entry_exactly_once_without_lock_errors() {
    let dir = tempfile::tempdir().unwrap();
    let ob = Outbox::in_dir(dir.path()).unwrap().with_target(here());
    let ids: Vec<i64> = (0..200)
        .map(|n| ob.enqueue(msg(&format!("g{}", n % 7), "x")).unwrap())
        .collect();
    let claims: Vec<Vec<i64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let ids = ids.clone();
                let path = dir.path().to_path_buf();
                s.spawn(move || {
                    let mine = Outbox::in_dir(&path).unwrap().with_target(here());
                    let mut claimed = Vec::new();
                    for id in ids {
                        match mine.mark_sending(id) {
                            Ok(_) => {
                                mine.mark_delivered(id, "R").unwrap();
                                claimed.push(id);
                            }
                            Err(OutboxError::InvalidTransition { .. }) => {}
                            Err(e) => panic!("{e}"),
                        }
                    }
                    claimed
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all: Vec<i64> = claims.concat();
    all.sort_unstable();
    assert_eq!(all, ids);
}
