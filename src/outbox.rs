//! The durable outbox: every message a moderator wrote, kept in SQLite until it
//! is delivered or a person decides what to do with it.
//!
//! Why: SendLiveMessageGroup only reaches groups with online users, is rate
//! limited, and is not documented to de-duplicate, so a send can fail, be
//! throttled, or end with an unknown outcome. The docs advise storing messages
//! locally and sending them once users are online; this is that store.
//!
//! Rules the state machine enforces:
//! - The MsgTid is assigned when a message is queued and never changes on a
//!   retry, so a service that de-duplicates on MsgTid can recognise a repeat.
//! - `sending` is committed (synchronous=FULL) BEFORE the request leaves the
//!   machine. An entry found in `sending` whose owning process is gone was
//!   interrupted mid-send: it becomes `outcome_unknown` — never silently
//!   resent, never dropped. Only a person (requeue) sends it again.
//! - Nothing is ever deleted: `discarded` is a state, not a DELETE.
//!
//! Ownership: each open `Outbox` holds an exclusive OS file lock on its own
//! file in `<db>.owners/`; rows in `sending` name their owner. On open, an
//! owner whose lock can be taken is dead, and only its rows are recovered, so
//! the console and `livemod outbox retry` can share one outbox safely.

use std::collections::{BTreeMap, HashMap};

use futures::StreamExt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::api::validate::ValidationError;
use crate::api::{
    ApiError, Client, DataCenter, ErrorKind, Operation, SendMessageRequest, new_msg_tid,
};
use crate::audit::{AuditEntry, AuditLog, AuditOutcome};

pub const FILE_NAME: &str = "outbox.sqlite3";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Queued,
    Sending,
    Delivered,
    Failed,
    OutcomeUnknown,
    Discarded,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Queued,
        State::Sending,
        State::Delivered,
        State::Failed,
        State::OutcomeUnknown,
        State::Discarded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Delivered => "delivered",
            State::Failed => "failed",
            State::OutcomeUnknown => "outcome_unknown",
            State::Discarded => "discarded",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == norm || (norm == "unknown" && *st == State::OutcomeUnknown))
            .ok_or_else(|| {
                format!(
                    "unknown outbox state {s:?}; use one of queued, sending, delivered, failed, outcome_unknown, discarded"
                )
            })
    }
}

/// What the last attempt failed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastError {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl LastError {
    pub fn from_api(err: &ApiError) -> Self {
        Self {
            code: err.code().unwrap_or("Error").to_string(),
            message: match err.service() {
                Some(s) => s.message.clone(),
                None => err.to_string(),
            },
            request_id: err.request_id().map(str::to_string),
        }
    }
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            request_id: None,
        }
    }
}

/// One stored message and everything known about its delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub state: State,
    /// Every SendMessageRequest field; `request.msg_tid` is always set.
    pub request: SendMessageRequest,
    /// Requests put on the wire for this entry, over its whole life.
    pub attempts: u32,
    /// Automatic retries since the last delivery attempt started by a person.
    pub auto_retries: u32,
    pub last_error: Option<LastError>,
    /// RequestId of the reply that confirmed delivery.
    pub delivered_request_id: Option<String>,
    /// The MsgTid before an edit changed the message (see [`Outbox::requeue`]).
    pub previous_msg_tid: Option<String>,
    #[serde(with = "crate::audit::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::audit::rfc3339")]
    pub updated_at: DateTime<Utc>,
    #[serde(with = "crate::audit::rfc3339")]
    pub next_attempt_at: DateTime<Utc>,
}

impl Entry {
    pub fn msg_tid(&self) -> &str {
        self.request.msg_tid.as_deref().unwrap_or_default()
    }
}

/// Which entries `list` returns.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub state: Option<State>,
    pub app_id: Option<String>,
    pub group_id: Option<String>,
    /// Newest first when set; all entries, oldest first, when `None`.
    pub limit: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("outbox database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("outbox: {0}")]
    Io(#[from] std::io::Error),
    #[error("outbox entry {0} does not exist")]
    NotFound(i64),
    #[error("outbox entry {id} is {state}; cannot {action} it")]
    InvalidTransition {
        id: i64,
        state: State,
        action: &'static str,
    },
    #[error("invalid message: {0}")]
    Invalid(#[from] ValidationError),
    #[error("{0} refused: livemod is in read-only mode")]
    ReadOnly(&'static str),
}

/// The outbox database; share it behind an `Arc` (methods take `&self`).
pub struct Outbox {
    conn: Mutex<Connection>,
    path: PathBuf,
    owner: String,
    owners_dir: PathBuf,
    /// Held (locked) for as long as this instance lives: proof we are alive.
    _owner_lock: File,
    audit: Option<Arc<AuditLog>>,
    recovered: usize,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("path", &self.path)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, state, app_id, data_center, group_id, sender_id, sender_meta_info, body, \
    msg_type, msg_tid, statics_increase, weight, no_storage, no_cache, attempts, auto_retries, \
    last_code, last_message, last_request_id, delivered_request_id, previous_msg_tid, \
    created_at, updated_at, next_attempt_at";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    state TEXT NOT NULL,
    app_id TEXT NOT NULL,
    data_center TEXT,
    group_id TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    sender_meta_info TEXT,
    body TEXT,
    msg_type INTEGER,
    msg_tid TEXT NOT NULL,
    statics_increase INTEGER,
    weight INTEGER,
    no_storage INTEGER,
    no_cache INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    auto_retries INTEGER NOT NULL DEFAULT 0,
    last_code TEXT,
    last_message TEXT,
    last_request_id TEXT,
    delivered_request_id TEXT,
    previous_msg_tid TEXT,
    claimed_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_tid ON outbox(app_id, group_id, msg_tid);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_group ON outbox(app_id, group_id, state);
";

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

fn row_to_entry(row: &Row<'_>) -> rusqlite::Result<Entry> {
    let state: String = row.get("state")?;
    let dc: Option<String> = row.get("data_center")?;
    let last_code: Option<String> = row.get("last_code")?;
    Ok(Entry {
        id: row.get("id")?,
        // Unknown text can only come from a newer livemod; show it as unknown
        // outcome, the state that asks a person to look.
        state: state.parse().unwrap_or(State::OutcomeUnknown),
        request: SendMessageRequest {
            app_id: row.get("app_id")?,
            group_id: row.get("group_id")?,
            sender_id: row.get("sender_id")?,
            sender_meta_info: row.get("sender_meta_info")?,
            body: row.get("body")?,
            msg_type: row.get("msg_type")?,
            msg_tid: Some(row.get("msg_tid")?),
            statics_increase: row.get("statics_increase")?,
            weight: row.get("weight")?,
            no_storage: row.get("no_storage")?,
            no_cache: row.get("no_cache")?,
            data_center: dc.and_then(|d| d.parse::<DataCenter>().ok()),
        },
        attempts: row.get("attempts")?,
        auto_retries: row.get("auto_retries")?,
        last_error: match last_code {
            Some(code) => Some(LastError {
                code,
                message: row
                    .get::<_, Option<String>>("last_message")?
                    .unwrap_or_default(),
                request_id: row.get("last_request_id")?,
            }),
            None => None,
        },
        delivered_request_id: row.get("delivered_request_id")?,
        previous_msg_tid: row.get("previous_msg_tid")?,
        created_at: from_millis(row.get("created_at")?),
        updated_at: from_millis(row.get("updated_at")?),
        next_attempt_at: from_millis(row.get("next_attempt_at")?),
    })
}

/// The error recorded on entries recovered from a dead process's `sending`.
pub const INTERRUPTED: &str = "Interrupted";

impl Outbox {
    /// Opens (creating) the outbox and recovers entries a dead process left in
    /// `sending` as `outcome_unknown`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OutboxError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(&path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // WAL: readers (the console's list) never block the sender. FULL: a
        // state transition survives power loss once the call returns.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;

        let mut owners_dir = path.clone().into_os_string();
        owners_dir.push(".owners");
        let owners_dir = PathBuf::from(owners_dir);
        std::fs::create_dir_all(&owners_dir)?;
        let owner = uuid::Uuid::new_v4().simple().to_string();
        let lock = File::create(owners_dir.join(format!("{owner}.lock")))?;
        lock.lock()?;

        let mut outbox = Self {
            conn: Mutex::new(conn),
            path,
            owner,
            owners_dir,
            _owner_lock: lock,
            audit: None,
            recovered: 0,
        };
        outbox.recovered = outbox.recover_interrupted()?;
        Ok(outbox)
    }

    /// `<data_dir>/outbox.sqlite3`.
    pub fn in_dir(data_dir: &Path) -> Result<Self, OutboxError> {
        Self::open(data_dir.join(FILE_NAME))
    }

    /// Records person-initiated actions (requeue, edit, drop) in the audit log.
    pub fn with_audit(mut self, audit: Arc<AuditLog>) -> Self {
        self.audit = Some(audit);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entries moved from `sending` to `outcome_unknown` when this was opened.
    pub fn recovered_on_open(&self) -> usize {
        self.recovered
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn recover_interrupted(&self) -> Result<usize, OutboxError> {
        let conn = self.conn();
        let owners: Vec<Option<String>> = conn
            .prepare("SELECT DISTINCT claimed_by FROM outbox WHERE state = 'sending'")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut recovered = 0;
        for owner in owners {
            let dead = match &owner {
                None => true,
                Some(o) if *o == self.owner => false,
                Some(o) => self.owner_is_dead(o)?,
            };
            if !dead {
                continue;
            }
            recovered += conn.execute(
                "UPDATE outbox SET state = 'outcome_unknown', last_code = ?1, last_message = ?2,
                     last_request_id = NULL, claimed_by = NULL, updated_at = ?3
                 WHERE state = 'sending' AND claimed_by IS ?4",
                params![
                    INTERRUPTED,
                    "livemod stopped while this message was being sent; it may or may not have been delivered",
                    millis(Utc::now()),
                    owner
                ],
            )?;
        }
        drop(conn);
        self.sweep_owner_files();
        Ok(recovered)
    }

    /// True when no live process holds `owner`'s lock file.
    fn owner_is_dead(&self, owner: &str) -> Result<bool, OutboxError> {
        let file = File::options()
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.owners_dir.join(format!("{owner}.lock")))?;
        match file.try_lock() {
            Ok(()) => Ok(true),
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
        }
    }

    /// Removes lock files of owners that are gone (best effort).
    fn sweep_owner_files(&self) {
        let Ok(dir) = std::fs::read_dir(&self.owners_dir) else {
            return;
        };
        for item in dir.flatten() {
            let path = item.path();
            if path.file_stem().and_then(|s| s.to_str()) == Some(self.owner.as_str()) {
                continue;
            }
            if let Ok(f) = File::options().write(true).open(&path)
                && f.try_lock().is_ok()
            {
                let _ = std::fs::remove_file(&path);
            }
        }
    }

    fn audit_local(&self, action: &str, entry: &Entry, extra: &[(&str, String)]) {
        let Some(log) = &self.audit else { return };
        let mut params = BTreeMap::new();
        params.insert("OutboxId".to_string(), entry.id.to_string());
        params.insert("GroupId".to_string(), entry.request.group_id.clone());
        params.insert("MsgTid".to_string(), entry.msg_tid().to_string());
        params.insert("State".to_string(), entry.state.to_string());
        if let Some(body) = &entry.request.body {
            params.insert("Body".to_string(), body.clone());
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

    /// Stores a message as `queued`, due now. A missing MsgTid is assigned here
    /// and kept for the entry's whole life. The request is validated first, so
    /// everything queued can be sent.
    pub fn enqueue(&self, mut request: SendMessageRequest) -> Result<i64, OutboxError> {
        if request.msg_tid.as_deref().is_none_or(str::is_empty) {
            request.msg_tid = Some(new_msg_tid());
        }
        request.validate()?;
        let now = millis(Utc::now());
        let conn = self.conn();
        conn.execute(
            "INSERT INTO outbox (state, app_id, data_center, group_id, sender_id, sender_meta_info,
                 body, msg_type, msg_tid, statics_increase, weight, no_storage, no_cache,
                 created_at, updated_at, next_attempt_at)
             VALUES ('queued', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?13)",
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

    /// Queued entries due at `now`, oldest first. An entry waits while an older
    /// one for the same group is still waiting or being sent, so a group never
    /// sees messages out of the order they were written.
    pub fn due(&self, now: DateTime<Utc>) -> Result<Vec<Entry>, OutboxError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox o
             WHERE o.state = 'queued' AND o.next_attempt_at <= ?1
               AND NOT EXISTS (
                 SELECT 1 FROM outbox p
                 WHERE p.app_id = o.app_id AND p.group_id = o.group_id
                   AND p.data_center IS o.data_center AND p.id < o.id
                   AND (p.state = 'sending' OR (p.state = 'queued' AND p.next_attempt_at > ?1)))
             ORDER BY o.id"
        ))?;
        let rows = stmt.query_map([millis(now)], row_to_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One state change, checked: `from` lists the states it may leave.
    fn transition(
        &self,
        id: i64,
        from: &[State],
        action: &'static str,
        set: &str,
        extra: &[&dyn rusqlite::ToSql],
    ) -> Result<Entry, OutboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
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
    /// dropped it), so an entry is never sent twice by accident.
    pub fn mark_sending(&self, id: i64) -> Result<Entry, OutboxError> {
        let now = millis(Utc::now());
        self.transition(
            id,
            &[State::Queued],
            "send",
            "state = 'sending', attempts = attempts + 1, claimed_by = ?2, updated_at = ?3",
            &[&self.owner, &now],
        )
    }

    /// sending (or outcome_unknown, when confirmed later) → delivered.
    pub fn mark_delivered(&self, id: i64, request_id: &str) -> Result<Entry, OutboxError> {
        let now = millis(Utc::now());
        self.transition(
            id,
            &[State::Sending, State::OutcomeUnknown],
            "mark delivered",
            "state = 'delivered', delivered_request_id = ?2, claimed_by = NULL, auto_retries = 0,
             last_code = NULL, last_message = NULL, last_request_id = NULL, updated_at = ?3",
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
                     next_attempt_at = ?6",
                    &[&err.code, &err.message, &err.request_id, &now, &at],
                )
            }
            None => self.transition(
                id,
                &[State::Sending, State::Queued],
                "fail",
                "state = 'failed', claimed_by = NULL, last_code = ?2, last_message = ?3,
                 last_request_id = ?4, updated_at = ?5",
                &[&err.code, &err.message, &err.request_id, &now],
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
             last_request_id = ?4, updated_at = ?5",
            &[&err.code, &err.message, &err.request_id, &now],
        )
    }

    /// A person drops a message that is not delivered and not in flight. The
    /// entry stays (state `discarded`) so the decision is visible later.
    pub fn discard(&self, id: i64) -> Result<Entry, OutboxError> {
        let now = millis(Utc::now());
        let entry = self.transition(
            id,
            &[State::Queued, State::Failed, State::OutcomeUnknown],
            "drop",
            "state = 'discarded', updated_at = ?2",
            &[&now],
        )?;
        self.audit_local("OutboxDrop", &entry, &[]);
        Ok(entry)
    }

    /// A person sends an entry again (from failed, outcome_unknown, discarded,
    /// or queued to skip its backoff), optionally edited. It becomes queued,
    /// due now.
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
            State::Queued,
        ];
        if !from.contains(&current.state) {
            return Err(OutboxError::InvalidTransition {
                id,
                state: current.state,
                action: "requeue",
            });
        }
        let now = millis(Utc::now());
        let Some(mut edit) = edited else {
            let entry = self.transition(
                id,
                &from,
                "requeue",
                "state = 'queued', auto_retries = 0, claimed_by = NULL, updated_at = ?2,
                 next_attempt_at = ?2",
                &[&now],
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
            "state = 'queued', auto_retries = 0, claimed_by = NULL, updated_at = ?2,
             next_attempt_at = ?2, sender_id = ?3, sender_meta_info = ?4, body = ?5, msg_type = ?6,
             msg_tid = ?7, statics_increase = ?8, weight = ?9, no_storage = ?10, no_cache = ?11,
             previous_msg_tid = ?12",
            &[
                &now,
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

    /// The group is gone (deleted or never existed): every queued entry for it
    /// ends `failed` with that reason. Returns how many.
    pub fn fail_group(
        &self,
        app_id: &str,
        data_center: Option<DataCenter>,
        group_id: &str,
        err: &LastError,
    ) -> Result<usize, OutboxError> {
        let now = millis(Utc::now());
        let conn = self.conn();
        Ok(conn.execute(
            "UPDATE outbox SET state = 'failed', last_code = ?1, last_message = ?2,
                 last_request_id = ?3, updated_at = ?4
             WHERE state = 'queued' AND app_id = ?5 AND group_id = ?6 AND data_center IS ?7",
            params![
                err.code,
                err.message,
                err.request_id,
                now,
                app_id,
                group_id,
                data_center.map(|d| d.as_str())
            ],
        )?)
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        // Our rows can no longer be in flight; the lock is released when the
        // file closes, and the file itself is no longer needed.
        let _ = std::fs::remove_file(self.owners_dir.join(format!("{}.lock", self.owner)));
    }
}

// ------------------------------------------------------------------ delivery

/// How automatic retries back off.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// After this many automatic retries in a row the entry ends `failed`
    /// (a person can requeue it).
    pub max_auto_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
            max_auto_retries: 30,
        }
    }
}

impl RetryPolicy {
    /// Exponential with "equal jitter": half fixed, half random, so many
    /// clients retrying after one outage spread out.
    pub fn delay(&self, retries_so_far: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32.checked_shl(retries_so_far.min(20)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let half = exp / 2;
        half + half.mul_f64(rand::random::<f64>())
    }
}

/// What to do with an entry after a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Provably not processed, or nobody online: try again later.
    Retry,
    /// It may have reached the service: a person decides.
    Unknown,
    /// The group (or app) does not exist: fail this and every queued sibling.
    GroupGone,
    /// The service said no: `failed`.
    Fail,
}

/// "No online users" is an InputInvalid whose message says so; the exact
/// wording of the real service is undocumented, so match loosely.
pub fn is_no_online_users(err: &ApiError) -> bool {
    err.service().is_some_and(|s| {
        let msg = s.message.to_ascii_lowercase();
        s.kind() == ErrorKind::InputInvalid
            && msg.contains("online")
            && (msg.contains("no ") || msg.contains("not ") || msg.contains("nobody"))
    })
}

pub fn classify(err: &ApiError) -> Disposition {
    if is_no_online_users(err) {
        return Disposition::Retry;
    }
    match err {
        ApiError::Service(s) if s.kind() == ErrorKind::ResourceNotExist => Disposition::GroupGone,
        // A reply we could not read may well have been a success.
        ApiError::Decode { .. } => Disposition::Unknown,
        ApiError::Transport { .. } if !err.provably_not_processed() => Disposition::Unknown,
        // A 5xx may come after the message was accepted (#8).
        e if e.outcome_unknown() => Disposition::Unknown,
        ApiError::Validation(_) => Disposition::Fail,
        e if e.provably_not_processed() => Disposition::Retry,
        _ => Disposition::Fail,
    }
}

/// Options for one delivery pass.
#[derive(Debug, Clone)]
pub struct DeliverOptions {
    pub policy: RetryPolicy,
    /// Stop between entries when cancelled (an entry being sent is finished).
    pub cancel: Option<CancellationToken>,
    /// Groups served at once. Within a group, sends are strictly sequential
    /// so its messages arrive in the order written; across groups a slow or
    /// backing-off group does not hold the others up. The client's pacer caps
    /// the total rate whatever this is.
    pub concurrency: usize,
}

impl Default for DeliverOptions {
    fn default() -> Self {
        Self {
            policy: RetryPolicy::default(),
            cancel: None,
            concurrency: 4,
        }
    }
}

/// What one delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub delivered: Vec<i64>,
    /// Back to queued with a later attempt time.
    pub requeued: Vec<i64>,
    pub failed: Vec<i64>,
    pub outcome_unknown: Vec<i64>,
    /// Due but not attempted (cancelled, an earlier sibling waits, or claimed
    /// by another process).
    pub skipped: Vec<i64>,
    pub throttled_replies: u32,
}

impl DeliveryReport {
    /// Adds another report's entries to this one.
    pub fn merge(&mut self, other: DeliveryReport) {
        self.delivered.extend(other.delivered);
        self.requeued.extend(other.requeued);
        self.failed.extend(other.failed);
        self.outcome_unknown.extend(other.outcome_unknown);
        self.skipped.extend(other.skipped);
        self.throttled_replies += other.throttled_replies;
    }

    pub fn attempted(&self) -> usize {
        self.delivered.len() + self.requeued.len() + self.failed.len() + self.outcome_unknown.len()
    }
}

/// Sends every entry due at `now` with the default policy.
pub async fn deliver_due(
    outbox: &Outbox,
    client: &Client,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, OutboxError> {
    deliver_due_with(outbox, client, now, &DeliverOptions::default()).await
}

/// Sends every entry due at `now`, one at a time in the order written (the
/// client paces calls; sequential sends keep each group's order).
pub async fn deliver_due_with(
    outbox: &Outbox,
    client: &Client,
    now: DateTime<Utc>,
    options: &DeliverOptions,
) -> Result<DeliveryReport, OutboxError> {
    let due = outbox.due(now)?;
    deliver_entries(outbox, client, due.into_iter().map(|e| e.id), options).await
}

/// Sends the given entries (which must be queued): one lane per group, in
/// the order given within a lane, `options.concurrency` lanes at a time.
pub async fn deliver_entries(
    outbox: &Outbox,
    client: &Client,
    ids: impl IntoIterator<Item = i64>,
    options: &DeliverOptions,
) -> Result<DeliveryReport, OutboxError> {
    if client.is_read_only() {
        return Err(OutboxError::ReadOnly("sending from the outbox"));
    }
    let mut report = DeliveryReport::default();
    let mut lane_of: HashMap<(String, Option<DataCenter>, String), usize> = HashMap::new();
    let mut lanes: Vec<Vec<i64>> = Vec::new();
    for id in ids {
        let e = match outbox.get(id) {
            Ok(e) => e,
            Err(OutboxError::NotFound(_)) => {
                report.skipped.push(id);
                continue;
            }
            Err(e) => return Err(e),
        };
        let key = (e.request.app_id, e.request.data_center, e.request.group_id);
        let lane = *lane_of.entry(key).or_insert_with(|| {
            lanes.push(Vec::new());
            lanes.len() - 1
        });
        lanes[lane].push(id);
    }
    let results: Vec<Result<DeliveryReport, OutboxError>> = futures::stream::iter(lanes)
        .map(|lane| deliver_lane(outbox, client, lane, options))
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    for r in results {
        report.merge(r?);
    }
    Ok(report)
}

/// One group's entries, strictly in order; the first one that does not go
/// through holds the rest back until a later pass.
async fn deliver_lane(
    outbox: &Outbox,
    client: &Client,
    ids: Vec<i64>,
    options: &DeliverOptions,
) -> Result<DeliveryReport, OutboxError> {
    let mut report = DeliveryReport::default();
    let mut blocked = false;
    for id in ids {
        if blocked || options.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
            report.skipped.push(id);
            continue;
        }
        // Committed before the request leaves: a crash from here on leaves
        // `sending`, which the next open turns into `outcome_unknown`.
        let entry = match outbox.mark_sending(id) {
            Ok(e) => e,
            Err(OutboxError::InvalidTransition { .. }) => {
                report.skipped.push(id);
                continue;
            }
            Err(e) => return Err(e),
        };
        let (result, stats) = client.call_with_stats(&entry.request).await;
        report.throttled_replies += stats.throttled;
        let err = match result {
            Ok(reply) => {
                outbox.mark_delivered(id, &reply.request_id)?;
                report.delivered.push(id);
                continue;
            }
            Err(err) => err,
        };
        let last = LastError::from_api(&err);
        match classify(&err) {
            Disposition::Retry if entry.auto_retries < options.policy.max_auto_retries => {
                let wait = options.policy.delay(entry.auto_retries);
                let at =
                    Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                outbox.mark_failed(id, &last, Some(at))?;
                report.requeued.push(id);
                blocked = true;
            }
            Disposition::Retry | Disposition::Fail => {
                outbox.mark_failed(id, &last, None)?;
                report.failed.push(id);
                blocked = true;
            }
            // The order question is moot for a message that may be out; the
            // next ones go on.
            Disposition::Unknown => {
                outbox.mark_unknown(id, &last)?;
                report.outcome_unknown.push(id);
            }
            Disposition::GroupGone => {
                outbox.mark_failed(id, &last, None)?;
                report.failed.push(id);
                outbox.fail_group(
                    &entry.request.app_id,
                    entry.request.data_center,
                    &entry.request.group_id,
                    &last,
                )?;
                blocked = true;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::{ServiceError, TransportPhase};

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
            let ob = Outbox::open(&path).unwrap();
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
            assert!(ob.due(Utc::now()).unwrap().iter().all(|e| e.id != b));
            assert!(ob.due(later).unwrap().iter().any(|e| e.id == b));

            ob.discard(c).unwrap();
            assert!(matches!(
                ob.discard(a),
                Err(OutboxError::InvalidTransition {
                    state: State::Delivered,
                    ..
                })
            ));
        }
        let ob = Outbox::open(&path).unwrap();
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
        let first = Outbox::open(&path).unwrap();
        let id = first.enqueue(msg("g1", "hello")).unwrap();
        let tid = first.get(id).unwrap().msg_tid().to_string();
        first.mark_sending(id).unwrap();
        // A second process opening while the first is alive leaves it alone.
        let second = Outbox::open(&path).unwrap();
        assert_eq!(second.recovered_on_open(), 0);
        assert_eq!(second.get(id).unwrap().state, State::Sending);
        drop(second);
        // The owner dies mid-send (its lock goes with it).
        drop(first);
        let reopened = Outbox::open(&path).unwrap();
        assert_eq!(reopened.recovered_on_open(), 1);
        let e = reopened.get(id).unwrap();
        assert_eq!(e.state, State::OutcomeUnknown);
        assert_eq!(e.last_error.as_ref().unwrap().code, INTERRUPTED);
        assert_eq!(e.msg_tid(), tid);
        // Never resent silently.
        assert!(reopened.due(Utc::now()).unwrap().is_empty());
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
        bad.sender_id = "x".repeat(65);
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
        let ob = Outbox::in_dir(dir.path()).unwrap();
        let first = ob.enqueue(msg("g1", "first")).unwrap();
        let second = ob.enqueue(msg("g1", "second")).unwrap();
        let other = ob.enqueue(msg("g2", "other")).unwrap();
        ob.mark_sending(first).unwrap();
        let later = Utc::now() + chrono::Duration::seconds(60);
        ob.mark_failed(first, &LastError::new("Throttling", ""), Some(later))
            .unwrap();
        let due: Vec<i64> = ob.due(Utc::now()).unwrap().iter().map(|e| e.id).collect();
        assert_eq!(due, vec![other]);
        let due: Vec<i64> = ob.due(later).unwrap().iter().map(|e| e.id).collect();
        assert_eq!(due, vec![first, second, other]);
    }

    #[test]
    fn deleted_group_fails_its_queued_entries() {
        let dir = tempfile::tempdir().unwrap();
        let ob = Outbox::in_dir(dir.path()).unwrap();
        let a = ob.enqueue(msg("g1", "a")).unwrap();
        let b = ob.enqueue(msg("g1", "b")).unwrap();
        let c = ob.enqueue(msg("g2", "c")).unwrap();
        let n = ob
            .fail_group(
                "demo",
                Some(DataCenter::ApSoutheast1),
                "g1",
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
        let ob = Outbox::in_dir(dir.path()).unwrap();
        let mut m = msg("g1", "x");
        m.msg_tid = Some("mytid1".into());
        let id = ob.enqueue(m.clone()).unwrap();
        assert_eq!(ob.get(id).unwrap().msg_tid(), "mytid1");
        // The same MsgTid twice in one group is the same message: refused.
        assert!(matches!(ob.enqueue(m), Err(OutboxError::Db(_))));
        let mut bad = msg(&"g".repeat(65), "x");
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
            Disposition::Unknown
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
}
