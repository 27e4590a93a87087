//! The emulator state's SQL schema, its versions, and opening a connection.

use std::path::PathBuf;

use rusqlite::Connection;

use crate::emulator::StateLocation;

const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS groups (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id      TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    group_name  TEXT NOT NULL DEFAULT '',
    group_info  TEXT NOT NULL DEFAULT '',
    creator_id  TEXT NOT NULL DEFAULT '',
    admins      TEXT NOT NULL DEFAULT '[]',
    createtime  INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    deletetime  INTEGER,
    deletor     TEXT,
    audience    INTEGER,
    UNIQUE (app_id, group_id)
);
CREATE INDEX IF NOT EXISTS groups_by_status ON groups (app_id, deleted, createtime, seq);
CREATE INDEX IF NOT EXISTS groups_by_time ON groups (app_id, createtime, seq);
CREATE TABLE IF NOT EXISTS app_counts (
    app_id  TEXT PRIMARY KEY,
    live    INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS members (
    app_id    TEXT NOT NULL,
    group_id  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, group_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS msg_types (
    app_id   TEXT NOT NULL,
    group_id TEXT NOT NULL,
    msg_type INTEGER NOT NULL,
    PRIMARY KEY (app_id, group_id, msg_type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deliveries (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id     TEXT NOT NULL,
    group_id   TEXT NOT NULL,
    msg_tid    TEXT NOT NULL,
    sender_id  TEXT NOT NULL,
    msg_type   INTEGER NOT NULL,
    stored     INTEGER NOT NULL,
    cached     INTEGER NOT NULL,
    sent_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_by_group ON deliveries (app_id, group_id, seq);
CREATE TABLE IF NOT EXISTS messages (
    seq              INTEGER PRIMARY KEY,
    app_id           TEXT NOT NULL,
    group_id         TEXT NOT NULL,
    msg_tid          TEXT NOT NULL,
    sender_id        TEXT NOT NULL,
    sender_meta_info TEXT NOT NULL,
    body             TEXT NOT NULL,
    msg_type         INTEGER NOT NULL,
    statics_increase INTEGER NOT NULL,
    weight           INTEGER NOT NULL,
    sent_at_ms       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_group ON messages (app_id, group_id, seq);
CREATE TABLE IF NOT EXISTS cache (
    seq              INTEGER PRIMARY KEY,
    app_id           TEXT NOT NULL,
    group_id         TEXT NOT NULL,
    msg_tid          TEXT NOT NULL,
    sender_id        TEXT NOT NULL,
    sender_meta_info TEXT NOT NULL,
    body             TEXT NOT NULL,
    msg_type         INTEGER NOT NULL,
    statics_increase INTEGER NOT NULL,
    weight           INTEGER NOT NULL,
    sent_at_ms       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_by_group ON cache (app_id, group_id, seq);
";

/// Version 2: the whole LiveMessage family. Online users become rows with a
/// join sequence and user info; messages get per-group sequence numbers and
/// recalls; groups get mute state, the super-group flag and counters; apps,
/// mutes and one-to-one messages get tables of their own.
const MIGRATION_2: &str = "
ALTER TABLE groups ADD COLUMN banned_all INTEGER NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN super_large INTEGER NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN next_join INTEGER NOT NULL DEFAULT 1;
ALTER TABLE groups ADD COLUMN next_msg INTEGER NOT NULL DEFAULT 1;
ALTER TABLE groups ADD COLUMN total_times INTEGER NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN stored_live INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN join_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN user_info TEXT NOT NULL DEFAULT '';
ALTER TABLE msg_types ADD COLUMN amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE msg_types ADD COLUMN stored_live INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN group_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN recalled INTEGER NOT NULL DEFAULT 0;
UPDATE members SET join_seq = (
    SELECT COUNT(*) FROM members m2
    WHERE m2.app_id = members.app_id AND m2.group_id = members.group_id
      AND (m2.joined_at, m2.user_id) <= (members.joined_at, members.user_id));
UPDATE groups SET next_join = 1 + (
    SELECT COUNT(*) FROM members m WHERE m.app_id = groups.app_id AND m.group_id = groups.group_id);
UPDATE messages SET group_seq = (
    SELECT COUNT(*) FROM deliveries d
    WHERE d.app_id = messages.app_id AND d.group_id = messages.group_id AND d.seq <= messages.seq);
UPDATE msg_types SET stored_live = (
    SELECT COUNT(*) FROM messages m
    WHERE m.app_id = msg_types.app_id AND m.group_id = msg_types.group_id AND m.msg_type = msg_types.msg_type);
UPDATE groups SET
    next_msg = 1 + (SELECT COUNT(*) FROM deliveries d WHERE d.app_id = groups.app_id AND d.group_id = groups.group_id),
    total_times = (SELECT COUNT(*) FROM deliveries d WHERE d.app_id = groups.app_id AND d.group_id = groups.group_id),
    stored_live = (SELECT COUNT(*) FROM messages m WHERE m.app_id = groups.app_id AND m.group_id = groups.group_id);
CREATE INDEX members_by_join ON members (app_id, group_id, join_seq);
CREATE INDEX members_by_user ON members (app_id, user_id);
CREATE INDEX messages_by_group_seq ON messages (app_id, group_id, group_seq);
CREATE INDEX messages_by_tid ON messages (app_id, group_id, msg_tid);
CREATE TABLE mutes (
    app_id   TEXT NOT NULL,
    group_id TEXT NOT NULL,
    kind     INTEGER NOT NULL,
    user_id  TEXT NOT NULL,
    ord      INTEGER NOT NULL,
    PRIMARY KEY (app_id, group_id, kind, user_id)
) WITHOUT ROWID;
CREATE TABLE apps (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id         TEXT NOT NULL UNIQUE,
    app_key        TEXT NOT NULL,
    app_sign       TEXT NOT NULL,
    app_name       TEXT NOT NULL,
    data_center    TEXT NOT NULL,
    audit_type     INTEGER NOT NULL DEFAULT 0,
    audit_url      TEXT NOT NULL DEFAULT '',
    callback_url   TEXT NOT NULL DEFAULT '',
    msg_life_cycle INTEGER NOT NULL DEFAULT 0,
    disabled       INTEGER NOT NULL DEFAULT 0,
    create_time    INTEGER NOT NULL,
    modify_time    INTEGER NOT NULL
);
CREATE INDEX apps_by_time ON apps (data_center, create_time, seq);
CREATE TABLE user_messages (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id      TEXT NOT NULL,
    msg_tid     TEXT NOT NULL,
    sender_id   TEXT NOT NULL,
    sender_info TEXT NOT NULL,
    receiver_id TEXT NOT NULL,
    body        TEXT NOT NULL,
    msg_type    INTEGER NOT NULL,
    stored      INTEGER NOT NULL,
    recalled    INTEGER NOT NULL DEFAULT 0,
    sent_at     INTEGER NOT NULL
);
CREATE INDEX user_messages_by_tid ON user_messages (app_id, msg_tid);
";

/// Why the state could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the state was written by a newer livemod (schema {found}; this one knows {SCHEMA_VERSION})"
    )]
    Newer { found: i64 },
    #[error("upgrading the state to schema 2: {0}")]
    Upgrade(#[source] rusqlite::Error),
}

pub(super) fn open_connection(location: &StateLocation) -> Result<Connection, OpenError> {
    let conn = match location {
        StateLocation::InMemory => Connection::open_in_memory()?,
        StateLocation::File(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| OpenError::CreateDir {
                    dir: dir.to_path_buf(),
                    source,
                })?;
            }
            let conn = Connection::open(path)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(path = %path.display(), mode, "SQLite did not switch to WAL mode");
            }
            conn
        }
    };
    conn.execute_batch("PRAGMA synchronous=NORMAL;")?;
    migrate(&conn)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn migrate(conn: &Connection) -> Result<(), OpenError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(OpenError::Newer { found: version });
    }
    conn.execute_batch(SCHEMA)?;
    if version < 2 {
        // One transaction: a failure mid-way leaves version 1 intact.
        conn.execute_batch(&format!("BEGIN; {MIGRATION_2} COMMIT;"))
            .map_err(OpenError::Upgrade)?;
    }
    conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))?;
    Ok(())
}

/// A fresh in-memory state with the current schema, for unit tests.
#[cfg(test)]
pub(crate) fn open_for_tests() -> Connection {
    open_connection(&StateLocation::InMemory).expect("in-memory SQLite opens")
}
