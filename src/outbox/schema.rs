//! The outbox table: its columns, how an old file is brought up to date, and
//! how a row becomes an [`Entry`].

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, Row};

use super::{Entry, LastError, OutboxError, State, Target};
use crate::api::{DataCenter, SendMessageRequest};

pub(super) const COLUMNS: &str = "id, state, app_id, data_center, group_id, sender_id, sender_meta_info, body, \
    msg_type, msg_tid, statics_increase, weight, no_storage, no_cache, attempts, auto_retries, \
    last_code, last_message, last_request_id, last_reason, delivered_request_id, previous_msg_tid, \
    endpoint, access_key_id, profile, created_at, updated_at, next_attempt_at, expires_at";

pub(super) const SCHEMA: &str = "
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

/// Columns added after the first release; old files get them on open (NULL
/// for old rows: no recorded target, no expiry).
const ADDED_COLUMNS: [(&str, &str); 5] = [
    ("endpoint", "TEXT"),
    ("access_key_id", "TEXT"),
    ("profile", "TEXT"),
    ("expires_at", "INTEGER"),
    ("last_reason", "TEXT"),
];

pub(super) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

pub(super) fn row_to_entry(row: &Row<'_>) -> rusqlite::Result<Entry> {
    let state: String = row.get("state")?;
    let dc: Option<String> = row.get("data_center")?;
    let last_code: Option<String> = row.get("last_code")?;
    let endpoint: Option<String> = row.get("endpoint")?;
    let key: Option<String> = row.get("access_key_id")?;
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
        target: match (endpoint, key) {
            (Some(endpoint), Some(access_key_id)) => Some(Target {
                endpoint,
                access_key_id,
                profile: row.get("profile")?,
            }),
            _ => None,
        },
        attempts: row.get("attempts")?,
        auto_retries: row.get("auto_retries")?,
        last_error: match last_code {
            Some(code) => {
                let message: String = row
                    .get::<_, Option<String>>("last_message")?
                    .unwrap_or_default();
                let reason = match row.get::<_, Option<String>>("last_reason")? {
                    Some(r) => r,
                    None => super::reason_for(&code, &message),
                };
                Some(LastError {
                    code,
                    message,
                    request_id: row.get("last_request_id")?,
                    reason,
                })
            }
            None => None,
        },
        delivered_request_id: row.get("delivered_request_id")?,
        previous_msg_tid: row.get("previous_msg_tid")?,
        created_at: from_millis(row.get("created_at")?),
        updated_at: from_millis(row.get("updated_at")?),
        next_attempt_at: from_millis(row.get("next_attempt_at")?),
        expires_at: row.get::<_, Option<i64>>("expires_at")?.map(from_millis),
    })
}

/// Adds the columns newer versions need to an older file.
pub(super) fn migrate(conn: &Connection) -> Result<(), OutboxError> {
    let present: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('outbox')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (name, kind) in ADDED_COLUMNS {
        if present.iter().any(|p| p == name) {
            continue;
        }
        match conn.execute_batch(&format!("ALTER TABLE outbox ADD COLUMN {name} {kind}")) {
            Ok(()) => {}
            // Another process added it between our look and our change.
            Err(rusqlite::Error::SqliteFailure(_, Some(m))) if m.contains("duplicate column") => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// For a read-only view, which cannot add columns: the file must have them.
pub(super) fn check_current(conn: &Connection, path: &str) -> Result<(), OutboxError> {
    let present: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('outbox')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match ADDED_COLUMNS
        .iter()
        .find(|(name, _)| !present.iter().any(|p| p == name))
    {
        None => Ok(()),
        Some(_) => Err(OutboxError::NeedsUpgrade(path.to_string())),
    }
}
