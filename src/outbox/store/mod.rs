//! The outbox's SQLite store and its state machine.
//!
//! Concurrency: several processes (the console, `livemod outbox retry`) may
//! share one file. Every state change is an IMMEDIATE transaction (the write
//! lock is taken before the state is read, so SQLite's busy handler waits for
//! it instead of failing with "database is locked" on a lock upgrade), and an
//! entry is claimed (`queued` → `sending`) inside that transaction, so only one
//! process ever sends it.
//!
//! Ownership: each open `Outbox` holds an exclusive OS file lock on its own
//! file in `<db>.owners/`; rows in `sending` name their owner. On open, an
//! owner whose lock can be taken is dead, and only its rows are recovered, so
//! the console and `livemod outbox retry` can share one outbox safely.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

mod open;
mod owners;

use super::schema::{COLUMNS, from_millis, millis, row_to_entry};

use super::{EXPIRED, Entry, LastError, ListFilter, OutboxError, State, Target};
use crate::api::{DataCenter, Operation, SendMessageRequest, new_msg_tid};
use crate::audit::{AuditEntry, AuditLog, AuditOutcome};

/// The outbox database; share it behind an `Arc` (methods take `&self`).
pub struct Outbox {
    conn: Mutex<Connection>,
    path: PathBuf,
    owner: String,
    owners_dir: PathBuf,
    /// Held (locked) for as long as this instance lives: proof we are alive.
    /// `None` for a read-only view, which claims and sends nothing.
    _owner_lock: Option<File>,
    audit: Option<Arc<AuditLog>>,
    /// The backend this process talks to: recorded on what it queues.
    target: Option<Target>,
    /// How long a message queued now stays worth sending.
    expiry: Duration,
    recovered: usize,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("path", &self.path)
            .field("owner", &self.owner)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Outbox {
    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn expiry_from(&self, now: DateTime<Utc>) -> i64 {
        millis(now + chrono::Duration::from_std(self.expiry).unwrap_or(chrono::Duration::MAX))
    }

    fn audit_local(&self, action: &str, entry: &Entry, extra: &[(&str, String)]) {
        let Some(log) = &self.audit else { return };
        let mut params = BTreeMap::new();
        params.insert("OutboxId".to_string(), entry.id.to_string());
        params.insert("GroupId".to_string(), entry.request.group_id.clone());
        // Who the message speaks as: `livemod audit` shows it as WHO.
        params.insert("SenderId".to_string(), entry.request.sender_id.clone());
        params.insert("MsgTid".to_string(), entry.msg_tid().to_string());
        params.insert("State".to_string(), entry.state.to_string());
        if let Some(body) = &entry.request.body {
            params.insert("Body".to_string(), body.clone());
        }
        if let Some(t) = &entry.target {
            params.insert("Endpoint".to_string(), t.endpoint.clone());
        }
        for (k, v) in extra {
            params.insert(k.to_string(), v.clone());
        }
        let mut line = AuditEntry::local(action, Some(&entry.request.app_id), params);
        line.outcome = AuditOutcome::Ok;
        if let Err(e) = log.append(&line) {
            tracing::error!(action, error = %e, "cannot write the audit log");
        }
    }

    /// Stores a message as `queued`, due now, for this outbox's target, with
    /// this outbox's expiry. A missing MsgTid is assigned here and kept for
    /// the entry's whole life. The request is validated first, so everything
    /// queued can be sent.
    pub fn enqueue(&self, mut request: SendMessageRequest) -> Result<i64, OutboxError> {
        if request.msg_tid.as_deref().is_none_or(str::is_empty) {
            request.msg_tid = Some(new_msg_tid());
        }
        request.validate()?;
        let now = Utc::now();
        let expires = self.expiry_from(now);
        let now = millis(now);
        let target = self.target.as_ref();
        let conn = self.conn();
        conn.execute(
            "INSERT INTO outbox (state, app_id, data_center, group_id, sender_id, sender_meta_info,
                 body, msg_type, msg_tid, statics_increase, weight, no_storage, no_cache,
                 created_at, updated_at, next_attempt_at, expires_at, endpoint, access_key_id,
                 profile)
             VALUES ('queued', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?13,
                 ?14, ?15, ?16, ?17)",
            params![
                request.app_id,
                request.data_center.map(|d| d.as_str()),
                request.group_id,
                request.sender_id,
                request.sender_meta_info,
                request.body,
                request.msg_type,
                request.msg_tid,
                request.statics_increase,
                request.weight,
                request.no_storage,
                request.no_cache,
                now,
                expires,
                target.map(|t| t.endpoint.as_str()),
                target.map(|t| t.access_key_id.as_str()),
                target.and_then(|t| t.profile.as_deref()),
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Stores a message that was already sent elsewhere (bulk send) and whose
    /// outcome is unknown, so a person sees it and can resend it with the same
    /// MsgTid. It counts one attempt.
    pub fn record_unknown(
        &self,
        request: SendMessageRequest,
        err: &LastError,
    ) -> Result<i64, OutboxError> {
        let id = self.enqueue(request)?;
        self.mark_sending(id)?;
        self.mark_unknown(id, err)?;
        Ok(id)
    }

    pub fn get(&self, id: i64) -> Result<Entry, OutboxError> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                row_to_entry,
            )
            .optional()?
            .ok_or(OutboxError::NotFound(id))
    }

    /// Entries of every target (the listing shows where each one goes).
    pub fn list(&self, filter: &ListFilter) -> Result<Vec<Entry>, OutboxError> {
        let mut sql = format!(
            "SELECT {COLUMNS} FROM outbox WHERE (?1 IS NULL OR state = ?1)
               AND (?2 IS NULL OR app_id = ?2) AND (?3 IS NULL OR group_id = ?3)"
        );
        match filter.limit {
            Some(n) => sql.push_str(&format!(" ORDER BY id DESC LIMIT {n}")),
            None => sql.push_str(" ORDER BY id"),
        }
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![
                filter.state.map(State::as_str),
                filter.app_id,
                filter.group_id
            ],
            row_to_entry,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Entries per state (every state present, zero included).
    pub fn counts(&self) -> Result<BTreeMap<State, u64>, OutboxError> {
        let mut counts: BTreeMap<State, u64> = State::ALL.into_iter().map(|s| (s, 0)).collect();
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            *counts
                .entry(state.parse().unwrap_or(State::OutcomeUnknown))
                .or_default() += n.max(0) as u64;
        }
        Ok(counts)
    }

    /// Queued entries for `target` due at `now` and not expired, oldest first.
    /// An entry waits while an older one for the same group is still waiting
    /// or being sent, so a group never sees messages out of the order they
    /// were written. Entries for other backends are never returned.
    pub fn due(&self, now: DateTime<Utc>, target: &Target) -> Result<Vec<Entry>, OutboxError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox o
             WHERE o.state = 'queued' AND o.next_attempt_at <= ?1
               AND (o.expires_at IS NULL OR o.expires_at > ?1)
               AND o.endpoint = ?2 AND o.access_key_id = ?3
               AND NOT EXISTS (
                 SELECT 1 FROM outbox p
                 WHERE p.app_id = o.app_id AND p.group_id = o.group_id
                   AND p.data_center IS o.data_center AND p.id < o.id
                   AND p.endpoint IS o.endpoint
                   AND (p.state = 'sending' OR (p.state = 'queued' AND p.next_attempt_at > ?1
                        AND (p.expires_at IS NULL OR p.expires_at > ?1))))
             ORDER BY o.id"
        ))?;
        let rows = stmt.query_map(
            params![millis(now), target.endpoint, target.access_key_id],
            row_to_entry,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the earliest queued entry for `target` is due; `None` when
    /// nothing is queued for it.
    pub fn next_attempt(&self, target: &Target) -> Result<Option<DateTime<Utc>>, OutboxError> {
        let conn = self.conn();
        let at: Option<i64> = conn.query_row(
            "SELECT MIN(MIN(next_attempt_at, COALESCE(expires_at, next_attempt_at)))
             FROM outbox WHERE state = 'queued' AND endpoint = ?1 AND access_key_id = ?2",
            params![target.endpoint, target.access_key_id],
            |r| r.get(0),
        )?;
        Ok(at.map(from_millis))
    }

    /// Queued (and failed) entries whose expiry has passed become `expired`:
    /// they stay visible and are never sent automatically. Returns their IDs.
    pub fn expire_stale(&self, now: DateTime<Utc>) -> Result<Vec<i64>, OutboxError> {
        let now = millis(now);
        let message = "not sent before its expiry";
        let mut conn = self.conn();
        let tx = immediate(&mut conn)?;
        let ids: Vec<i64> = tx
            .prepare(
                "SELECT id FROM outbox WHERE state IN ('queued', 'failed')
                 AND expires_at IS NOT NULL AND expires_at <= ?1 ORDER BY id",
            )?
            .query_map([now], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tx.execute(
            "UPDATE outbox SET state = 'expired', claimed_by = NULL, last_code = ?2,
                 last_message = ?3, last_reason = ?4, last_request_id = NULL, updated_at = ?1
             WHERE state IN ('queued', 'failed') AND expires_at IS NOT NULL AND expires_at <= ?1",
            params![
                now,
                EXPIRED,
                message,
                crate::outbox::reason_for(EXPIRED, message)
            ],
        )?;
        tx.commit()?;
        Ok(ids)
    }

    /// One state change, checked, in an immediate transaction: `from` lists
    /// the states it may leave.
    fn transition(
        &self,
        id: i64,
        from: &[State],
        action: &'static str,
        set: &str,
        extra: &[&dyn rusqlite::ToSql],
    ) -> Result<Entry, OutboxError> {
        let mut conn = self.conn();
        let tx = immediate(&mut conn)?;
        let state: Option<String> = tx
            .query_row("SELECT state FROM outbox WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        let state: State = state
            .ok_or(OutboxError::NotFound(id))?
            .parse()
            .unwrap_or(State::OutcomeUnknown);
        if !from.contains(&state) {
            return Err(OutboxError::InvalidTransition { id, state, action });
        }
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&id];
        values.extend_from_slice(extra);
        tx.execute(
            &format!("UPDATE outbox SET {set} WHERE id = ?1"),
            &values[..],
        )?;
        let entry = tx.query_row(
            &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
            [id],
            row_to_entry,
        )?;
        tx.commit()?;
        Ok(entry)
    }

    /// queued → sending, committed before the request is sent. Fails when the
    /// entry is no longer queued (another process claimed it, or a person
    /// dropped it), so an entry is never sent twice by accident. An entry
    /// past its expiry becomes `expired` instead (and this fails).
    pub fn mark_sending(&self, id: i64) -> Result<Entry, OutboxError> {
        let now = millis(Utc::now());
        let message = "not sent before its expiry";
        let reason = crate::outbox::reason_for(EXPIRED, message);
        let expired = self.transition(
            id,
            &[State::Queued],
            "send",
            "state = CASE WHEN expires_at IS NOT NULL AND expires_at <= ?3 THEN 'expired'
                          ELSE 'sending' END,
             attempts = attempts + (CASE WHEN expires_at IS NOT NULL AND expires_at <= ?3
                                         THEN 0 ELSE 1 END),
             claimed_by = CASE WHEN expires_at IS NOT NULL AND expires_at <= ?3 THEN NULL
                               ELSE ?2 END,
             last_code = CASE WHEN expires_at IS NOT NULL AND expires_at <= ?3 THEN ?4
                              ELSE last_code END,
             last_message = CASE WHEN expires_at IS NOT NULL AND expires_at <= ?3 THEN ?5
                                 ELSE last_message END,
             last_reason = CASE WHEN expires_at IS NOT NULL AND expires_at <= ?3 THEN ?6
                                ELSE last_reason END,
             updated_at = ?3",
            &[&self.owner, &now, &EXPIRED, &message, &reason],
        )?;
        if expired.state == State::Expired {
            return Err(OutboxError::InvalidTransition {
                id,
                state: State::Expired,
                action: "send",
            });
        }
        Ok(expired)
    }

    /// sending (or outcome_unknown, when confirmed later) → delivered.
    pub fn mark_delivered(&self, id: i64, request_id: &str) -> Result<Entry, OutboxError> {
        let now = millis(Utc::now());
        self.transition(
            id,
            &[State::Sending, State::OutcomeUnknown],
            "mark delivered",
            "state = 'delivered', delivered_request_id = ?2, claimed_by = NULL, auto_retries = 0,
             last_code = NULL, last_message = NULL, last_request_id = NULL, last_reason = NULL,
             updated_at = ?3",
            &[&request_id, &now],
        )
    }

    /// A failure: back to `queued` at `retry_at` when given (an automatic
    /// retry), otherwise `failed` for good.
    pub fn mark_failed(
        &self,
        id: i64,
        err: &LastError,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<Entry, OutboxError> {
        let now = millis(Utc::now());
        match retry_at {
            Some(at) => {
                let at = millis(at);
                self.transition(
                    id,
                    &[State::Sending, State::Queued],
                    "retry",
                    "state = 'queued', auto_retries = auto_retries + 1, claimed_by = NULL,
                     last_code = ?2, last_message = ?3, last_request_id = ?4, updated_at = ?5,
                     next_attempt_at = ?6, last_reason = ?7",
                    &[
                        &err.code,
                        &err.message,
                        &err.request_id,
                        &now,
                        &at,
                        &err.reason,
                    ],
                )
            }
            None => self.transition(
                id,
                &[State::Sending, State::Queued],
                "fail",
                "state = 'failed', claimed_by = NULL, last_code = ?2, last_message = ?3,
                 last_request_id = ?4, updated_at = ?5, last_reason = ?6",
                &[&err.code, &err.message, &err.request_id, &now, &err.reason],
            ),
        }
    }

    /// sending → outcome_unknown: the request may have reached the service.
    pub fn mark_unknown(&self, id: i64, err: &LastError) -> Result<Entry, OutboxError> {
        let now = millis(Utc::now());
        self.transition(
            id,
            &[State::Sending],
            "mark outcome unknown",
            "state = 'outcome_unknown', claimed_by = NULL, last_code = ?2, last_message = ?3,
             last_request_id = ?4, updated_at = ?5, last_reason = ?6",
            &[&err.code, &err.message, &err.request_id, &now, &err.reason],
        )
    }

    /// A person drops a message that is not delivered and not in flight. The
    /// entry stays (state `discarded`) so the decision is visible later.
    pub fn discard(&self, id: i64) -> Result<Entry, OutboxError> {
        let now = millis(Utc::now());
        let entry = self.transition(
            id,
            &[
                State::Queued,
                State::Failed,
                State::OutcomeUnknown,
                State::Expired,
            ],
            "drop",
            "state = 'discarded', updated_at = ?2",
            &[&now],
        )?;
        self.audit_local("OutboxDrop", &entry, &[]);
        Ok(entry)
    }

    /// A person sends an entry again (from failed, outcome_unknown, discarded,
    /// expired, or queued to skip its backoff), optionally edited. It becomes
    /// queued, due now, with a fresh expiry (a person just chose to send it).
    ///
    /// Target: an entry for another backend is refused (it must be sent by a
    /// process talking to that backend); an old entry that recorded no target
    /// is adopted by this outbox's target, since a person chose to send it here.
    ///
    /// MsgTid decision: without an edit, or with an edit that leaves the
    /// message's content unchanged, the MsgTid is KEPT, so a service that
    /// de-duplicates on MsgTid can tell a resend of an `outcome_unknown`
    /// message is the same message. An edit that changes the content (body,
    /// type, sender, meta or any other field) makes a different message: it
    /// gets a NEW MsgTid (the old one is kept in `previous_msg_tid`), so
    /// de-duplication cannot swallow the corrected text and deleting one does
    /// not delete the other. The group and app cannot be changed by an edit.
    pub fn requeue(
        &self,
        id: i64,
        edited: Option<SendMessageRequest>,
    ) -> Result<Entry, OutboxError> {
        let current = self.get(id)?;
        let from = [
            State::Failed,
            State::OutcomeUnknown,
            State::Discarded,
            State::Expired,
            State::Queued,
        ];
        if !from.contains(&current.state) {
            return Err(OutboxError::InvalidTransition {
                id,
                state: current.state,
                action: "requeue",
            });
        }
        if let (Some(mine), Some(theirs)) = (&self.target, &current.target)
            && !mine.same_backend(theirs)
        {
            return Err(OutboxError::OtherBackend {
                id,
                target: theirs.label(),
            });
        }
        // An entry without a recorded target takes this outbox's.
        let adopt = current
            .target
            .is_none()
            .then_some(self.target.as_ref())
            .flatten();
        let endpoint = adopt.map(|t| t.endpoint.clone());
        let key = adopt.map(|t| t.access_key_id.clone());
        let profile = adopt.and_then(|t| t.profile.clone());
        let now_time = Utc::now();
        let now = millis(now_time);
        let expires = self.expiry_from(now_time);
        let target_set =
            "endpoint = COALESCE(endpoint, ?3), access_key_id = COALESCE(access_key_id, ?4),
             profile = COALESCE(profile, ?5), expires_at = ?6";
        let Some(mut edit) = edited else {
            let entry = self.transition(
                id,
                &from,
                "requeue",
                &format!(
                    "state = 'queued', auto_retries = 0, claimed_by = NULL, updated_at = ?2,
                     next_attempt_at = ?2, {target_set}"
                ),
                &[&now, &endpoint, &key, &profile, &expires],
            )?;
            self.audit_local(
                "OutboxRequeue",
                &entry,
                &[("FromState", current.state.to_string())],
            );
            return Ok(entry);
        };
        // The target cannot move: an edit is of the message, not its address.
        edit.app_id = current.request.app_id.clone();
        edit.group_id = current.request.group_id.clone();
        edit.data_center = current.request.data_center;
        edit.msg_tid = current.request.msg_tid.clone();
        let changed = edit != current.request;
        let (tid, previous) = if changed {
            (new_msg_tid(), current.request.msg_tid.clone())
        } else {
            (
                current.msg_tid().to_string(),
                current.previous_msg_tid.clone(),
            )
        };
        edit.msg_tid = Some(tid.clone());
        edit.validate()?;
        let entry = self.transition(
            id,
            &from,
            "edit",
            &format!(
                "state = 'queued', auto_retries = 0, claimed_by = NULL, updated_at = ?2,
                 next_attempt_at = ?2, {target_set}, sender_id = ?7, sender_meta_info = ?8,
                 body = ?9, msg_type = ?10, msg_tid = ?11, statics_increase = ?12, weight = ?13,
                 no_storage = ?14, no_cache = ?15, previous_msg_tid = ?16"
            ),
            &[
                &now,
                &endpoint,
                &key,
                &profile,
                &expires,
                &edit.sender_id,
                &edit.sender_meta_info,
                &edit.body,
                &edit.msg_type,
                &tid,
                &edit.statics_increase,
                &edit.weight,
                &edit.no_storage,
                &edit.no_cache,
                &previous,
            ],
        )?;
        let mut extra = vec![("FromState", current.state.to_string())];
        if let Some(p) = &previous {
            extra.push(("PreviousMsgTid", p.clone()));
        }
        self.audit_local("OutboxEdit", &entry, &extra);
        Ok(entry)
    }

    /// The group is gone (deleted or never existed) on `target`'s backend:
    /// every queued entry for it there ends `failed` with that reason.
    /// Returns how many.
    pub fn fail_group(
        &self,
        app_id: &str,
        data_center: Option<DataCenter>,
        group_id: &str,
        target: &Target,
        err: &LastError,
    ) -> Result<usize, OutboxError> {
        let now = millis(Utc::now());
        let conn = self.conn();
        Ok(conn.execute(
            "UPDATE outbox SET state = 'failed', last_code = ?1, last_message = ?2,
                 last_request_id = ?3, updated_at = ?4, last_reason = ?8
             WHERE state = 'queued' AND app_id = ?5 AND group_id = ?6 AND data_center IS ?7
               AND endpoint = ?9 AND access_key_id = ?10",
            params![
                err.code,
                err.message,
                err.request_id,
                now,
                app_id,
                group_id,
                data_center.map(|d| d.as_str()),
                err.reason,
                target.endpoint,
                target.access_key_id,
            ],
        )?)
    }
}

/// Takes the write lock before reading, so concurrent writers wait (busy
/// timeout) instead of failing on a lock upgrade with "database is locked".
fn immediate(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>, OutboxError> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}
