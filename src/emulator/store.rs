//! The emulator's state in SQLite.
//!
//! One connection behind a `std::sync::Mutex`, used only inside
//! `spawn_blocking`, so SQLite never blocks an executor thread. A file is
//! opened in WAL mode with `synchronous=NORMAL`: each mutation commits in its
//! own transaction before the reply is written, and a committed WAL
//! transaction survives a killed process (only a power loss could drop the
//! last ones). Statements go through `prepare_cached`, and lists are served
//! from the index `(app_id, deleted, createtime, seq)` / `(app_id, createtime, seq)`.

pub mod apps;
pub mod members;
pub mod messages;
pub mod mutes;

pub use apps::*;
pub use members::*;
pub use messages::*;
pub use mutes::*;

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

use super::{EmulatorError, StateLocation};
use crate::api::model::{Group, GroupStatus, SortType};
use crate::api::validate::{self, limits};

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

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("storage task failed: {0}")]
    Task(String),
}

/// One delivered message, as the delivery log records it (stored or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub seq: i64,
    pub app_id: String,
    pub group_id: String,
    pub msg_tid: String,
    pub sender_id: String,
    pub msg_type: i64,
    /// False for NoStorage=true.
    pub stored: bool,
    /// False for NoCache=true.
    pub cached: bool,
    pub sent_at_ms: i64,
}

/// A stored or cached message with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub seq: i64,
    pub msg_tid: String,
    pub sender_id: String,
    pub sender_meta_info: String,
    pub body: String,
    pub msg_type: i64,
    pub statics_increase: i64,
    pub weight: i64,
    pub sent_at_ms: i64,
    /// The per-group `SeqNumber` (from 1, every accepted message).
    pub group_seq: i64,
    /// Recalled with DeleteLiveMessageGroupMessage (never listed again).
    pub recalled: bool,
}

/// A group to add directly (demo data, test set-up).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedGroup {
    pub group_id: String,
    pub group_name: String,
    pub group_info: String,
    pub creator_id: String,
    pub administrators: Vec<String>,
    /// UNIX seconds.
    pub createtime: i64,
    pub deleted: bool,
    /// Simulated online users for this group (overrides `--audience`).
    pub audience: Option<u32>,
}

/// Everything the emulator knows about one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupState {
    pub group: Group,
    pub delete_time: Option<i64>,
    pub deletor: Option<String>,
    /// The group's own simulated audience, when it has one.
    pub audience: Option<u32>,
    /// Every online user (the audience `viewer1..N` and users who joined), in join order.
    pub joined_users: Vec<String>,
    /// How many users are online (0 for a deleted group).
    pub online_users: u64,
    pub deliveries: u64,
    pub msg_types: Vec<i64>,
}

/// One group's record, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    /// Creation number (emulator-wide, increasing): the token order of ListLiveMessageGroups.
    pub seq: i64,
    /// Name, info, creator, admins, Createtime and Delete.
    pub group: Group,
    pub deleted: bool,
    pub delete_time: Option<i64>,
    pub deletor: Option<String>,
    pub audience: Option<u32>,
    pub banned_all: bool,
    pub super_large: bool,
    /// Accepted messages (TotalTimes).
    pub total_times: i64,
    /// Stored messages not recalled.
    pub stored_live: i64,
}

impl GroupRow {
    /// Admins and the creator are never muted.
    pub fn is_privileged(&self, user_id: &str) -> bool {
        self.group.creator_id == user_id || self.group.admin_list.iter().any(|a| a == user_id)
    }
}

/// A new group from CreateLiveMessageGroup.
pub struct NewGroup<'a> {
    pub group_id: &'a str,
    pub group_name: &'a str,
    pub group_info: &'a str,
    pub creator_id: &'a str,
    pub administrators: &'a [String],
    pub createtime: i64,
}

#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    pub async fn open(location: &StateLocation) -> Result<Store, EmulatorError> {
        let location = location.clone();
        let describe = match &location {
            StateLocation::InMemory => "(in memory)".to_string(),
            StateLocation::File(p) => p.display().to_string(),
        };
        let conn = tokio::task::spawn_blocking(move || open_connection(&location))
            .await
            .map_err(|e| EmulatorError::State {
                location: describe.clone(),
                problem: e.to_string(),
            })?
            .map_err(|problem| EmulatorError::State {
                location: describe,
                problem,
            })?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> T + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))
    }

    /// Adds groups (existing IDs left alone); each new live group gets its
    /// audience (its own, or `default_audience`) as online users at `now`.
    pub async fn import_groups(
        &self,
        app_id: String,
        groups: Vec<SeedGroup>,
        default_audience: u32,
        now: i64,
    ) -> Result<usize, StoreError> {
        self.run(move |conn| import_groups(conn, &app_id, &groups, default_audience, now))
            .await?
    }

    /// Stores `n` synthetic messages spread round-robin over generated
    /// groups 1..=`groups`, in one transaction; returns how many.
    pub async fn generate_messages(
        &self,
        app_id: String,
        groups: u32,
        n: u32,
        now_ms: i64,
    ) -> Result<u32, StoreError> {
        if n == 0 || groups == 0 {
            return Ok(0);
        }
        self.run(move |conn| generate_messages(conn, &app_id, groups, n, now_ms))
            .await?
    }

    /// The apps given at start exist (created when missing).
    pub async fn ensure_apps(&self, apps: Vec<super::AppSpec>, now: i64) -> Result<(), StoreError> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            for app in &apps {
                apps::ensure_app(&tx, &app.id, app.data_center, now)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await?
    }

    pub async fn deliveries(
        &self,
        group: Option<(String, String)>,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.run(move |conn| deliveries(conn, group.as_ref()))
            .await?
    }

    pub async fn messages(
        &self,
        app_id: String,
        group_id: String,
        cache: bool,
    ) -> Result<Vec<Message>, StoreError> {
        self.run(move |conn| messages(conn, &app_id, &group_id, cache))
            .await?
    }

    pub async fn group_state(
        &self,
        app_id: String,
        group_id: String,
        default_audience: u32,
    ) -> Result<Option<GroupState>, StoreError> {
        self.run(move |conn| group_state(conn, &app_id, &group_id, default_audience))
            .await?
    }
}

fn open_connection(location: &StateLocation) -> Result<Connection, String> {
    let conn = match location {
        StateLocation::InMemory => Connection::open_in_memory().map_err(|e| e.to_string())?,
        StateLocation::File(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            let conn = Connection::open(path).map_err(|e| e.to_string())?;
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .map_err(|e| e.to_string())?;
            let mode: String = conn
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                .map_err(|e| e.to_string())?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(path = %path.display(), mode, "SQLite did not switch to WAL mode");
            }
            conn
        }
    };
    conn.execute_batch("PRAGMA synchronous=NORMAL;")
        .map_err(|e| e.to_string())?;
    migrate(&conn).map_err(|e| e.to_string())?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn migrate(conn: &Connection) -> Result<(), String> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "the state was written by a newer livemod (schema {version}; this one knows {SCHEMA_VERSION})"
        ));
    }
    conn.execute_batch(SCHEMA).map_err(|e| e.to_string())?;
    if version < 2 {
        // One transaction: a failure mid-way leaves version 1 intact.
        conn.execute_batch(&format!("BEGIN; {MIGRATION_2} COMMIT;"))
            .map_err(|e| format!("upgrading the state to schema 2: {e}"))?;
    }
    conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))
        .map_err(|e| e.to_string())?;
    Ok(())
}

// ------------------------------------------------------------------ groups

pub fn find_group(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
) -> rusqlite::Result<Option<GroupRow>> {
    conn.prepare_cached(&format!(
        "SELECT {GROUP_COLUMNS}, seq, deletetime, deletor, audience, banned_all, super_large,
                total_times, stored_live
         FROM groups WHERE app_id = ?1 AND group_id = ?2"
    ))?
    .query_row(params![app_id, group_id], group_row)
    .optional()
}

fn group_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GroupRow> {
    let group = group_from_row(r)?;
    Ok(GroupRow {
        deleted: group.delete,
        group,
        seq: r.get(7)?,
        delete_time: r.get(8)?,
        deletor: r.get(9)?,
        audience: r
            .get::<_, Option<i64>>(10)?
            .map(|a| u32::try_from(a.max(0)).unwrap_or(u32::MAX)),
        banned_all: r.get::<_, i64>(11)? != 0,
        super_large: r.get::<_, i64>(12)? != 0,
        total_times: r.get(13)?,
        stored_live: r.get(14)?,
    })
}

/// Groups of an app in creation-number order from `token` (inclusive), at most `limit`.
pub fn groups_by_seq(
    conn: &Connection,
    app_id: &str,
    sort: SortType,
    status: GroupStatus,
    token: Option<i64>,
    limit: u32,
) -> rusqlite::Result<Vec<GroupRow>> {
    let filter = match status {
        GroupStatus::All => "",
        GroupStatus::Existing => " AND deleted = 0",
        GroupStatus::Deleted => " AND deleted = 1",
    };
    let (cmp, order) = match sort {
        SortType::Asc => (">=", "ASC"),
        SortType::Desc => ("<=", "DESC"),
    };
    let start = token.unwrap_or(match sort {
        SortType::Asc => i64::MIN,
        SortType::Desc => i64::MAX,
    });
    conn.prepare_cached(&format!(
        "SELECT {GROUP_COLUMNS}, seq, deletetime, deletor, audience, banned_all, super_large,
                total_times, stored_live
         FROM groups WHERE app_id = ?1 AND seq {cmp} ?2{filter} ORDER BY seq {order} LIMIT ?3"
    ))?
    .query_map(params![app_id, start, i64::from(limit)], group_row)?
    .collect()
}

/// Restores a deleted group (Recover): not deleted, no deletion record.
pub fn mark_recovered(conn: &Connection, app_id: &str, group_id: &str) -> rusqlite::Result<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE groups SET deleted = 0, deletetime = NULL, deletor = NULL
             WHERE app_id = ?1 AND group_id = ?2 AND deleted = 1",
        )?
        .execute(params![app_id, group_id])?;
    if changed > 0 {
        bump_counts(conn, app_id, 1, -1)?;
    }
    Ok(())
}

/// ModifyLiveMessageGroup: the admin list and/or the info.
pub fn update_group(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    admins: Option<&[String]>,
    info: Option<&str>,
) -> rusqlite::Result<()> {
    if let Some(admins) = admins {
        let admins = serde_json::to_string(admins).unwrap_or_else(|_| "[]".into());
        conn.prepare_cached("UPDATE groups SET admins = ?3 WHERE app_id = ?1 AND group_id = ?2")?
            .execute(params![app_id, group_id, admins])?;
    }
    if let Some(info) = info {
        conn.prepare_cached(
            "UPDATE groups SET group_info = ?3 WHERE app_id = ?1 AND group_id = ?2",
        )?
        .execute(params![app_id, group_id, info])?;
    }
    Ok(())
}

/// (live, deleted) groups of an app.
pub fn counts(conn: &Connection, app_id: &str) -> rusqlite::Result<(u64, u64)> {
    Ok(conn
        .prepare_cached("SELECT live, deleted FROM app_counts WHERE app_id = ?1")?
        .query_row(params![app_id], |r| {
            Ok((
                r.get::<_, i64>(0)?.max(0) as u64,
                r.get::<_, i64>(1)?.max(0) as u64,
            ))
        })
        .optional()?
        .unwrap_or((0, 0)))
}

fn bump_counts(conn: &Connection, app_id: &str, live: i64, deleted: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO app_counts (app_id, live, deleted) VALUES (?1, ?2, ?3)
         ON CONFLICT (app_id) DO UPDATE SET live = live + ?2, deleted = deleted + ?3",
    )?
    .execute(params![app_id, live, deleted])?;
    Ok(())
}

pub fn insert_group(conn: &Connection, app_id: &str, g: &NewGroup<'_>) -> rusqlite::Result<()> {
    let admins = serde_json::to_string(g.administrators).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached(
        "INSERT INTO groups (app_id, group_id, group_name, group_info, creator_id, admins, createtime)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        app_id,
        g.group_id,
        g.group_name,
        g.group_info,
        g.creator_id,
        admins,
        g.createtime
    ])?;
    bump_counts(conn, app_id, 1, 0)
}

pub fn mark_deleted(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    now: i64,
    operator: Option<&str>,
) -> rusqlite::Result<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE groups SET deleted = 1, deletetime = ?3, deletor = ?4
             WHERE app_id = ?1 AND group_id = ?2 AND deleted = 0",
        )?
        .execute(params![app_id, group_id, now, operator])?;
    if changed > 0 {
        bump_counts(conn, app_id, -1, 1)?;
        // Everyone in a deleted group is told it closed: nobody stays online.
        members::clear_members(conn, app_id, group_id)?;
    }
    Ok(())
}

fn group_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Group> {
    let admins: String = r.get(4)?;
    Ok(Group {
        group_id: r.get(0)?,
        group_name: r.get(1)?,
        group_info: r.get(2)?,
        creator_id: r.get(3)?,
        admin_list: serde_json::from_str(&admins).unwrap_or_default(),
        createtime: r.get(5)?,
        delete: r.get::<_, i64>(6)? != 0,
    })
}

const GROUP_COLUMNS: &str =
    "group_id, group_name, group_info, creator_id, admins, createtime, deleted";

/// One page, sorted by creation time with insertion order breaking ties.
pub fn list_groups(
    conn: &Connection,
    app_id: &str,
    sort: SortType,
    status: GroupStatus,
    limit: u32,
    offset: u64,
) -> rusqlite::Result<Vec<Group>> {
    let filter = match status {
        GroupStatus::All => "",
        GroupStatus::Existing => " AND deleted = 0",
        GroupStatus::Deleted => " AND deleted = 1",
    };
    let order = match sort {
        SortType::Asc => "createtime ASC, seq ASC",
        SortType::Desc => "createtime DESC, seq DESC",
    };
    let sql = format!(
        "SELECT {GROUP_COLUMNS} FROM groups WHERE app_id = ?1{filter} ORDER BY {order} LIMIT ?2 OFFSET ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            app_id,
            i64::from(limit),
            i64::try_from(offset).unwrap_or(i64::MAX)
        ],
        group_from_row,
    )?;
    rows.collect()
}

fn import_groups(
    conn: &mut Connection,
    app_id: &str,
    groups: &[SeedGroup],
    default_audience: u32,
    now: i64,
) -> Result<usize, StoreError> {
    validate::id("AppId", app_id).map_err(|e| StoreError::Invalid(e.to_string()))?;
    for g in groups {
        check_seed(g).map_err(|e| StoreError::Invalid(format!("group {:?}: {e}", g.group_id)))?;
    }
    // Numbered in creation-time order, so token paging (by creation number)
    // agrees with the creation-time order of the page-number list.
    let mut groups: Vec<&SeedGroup> = groups.iter().collect();
    groups.sort_by_key(|g| g.createtime);
    let tx = conn.transaction()?;
    let mut added = 0;
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO groups
             (app_id, group_id, group_name, group_info, creator_id, admins, createtime, deleted, deletetime, audience)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let (mut live, mut deleted) = (0i64, 0i64);
        for g in groups {
            let admins = serde_json::to_string(&g.administrators).unwrap_or_else(|_| "[]".into());
            let n = insert.execute(params![
                app_id,
                g.group_id,
                g.group_name,
                g.group_info,
                g.creator_id,
                admins,
                g.createtime,
                i64::from(g.deleted),
                g.deleted.then_some(g.createtime),
                g.audience.map(i64::from),
            ])?;
            if n > 0 {
                added += 1;
                if g.deleted {
                    deleted += 1;
                } else {
                    live += 1;
                    let audience = g.audience.unwrap_or(default_audience);
                    members::add_audience(&tx, app_id, &g.group_id, audience, now)?;
                }
            }
        }
        bump_counts(&tx, app_id, live, deleted)?;
    }
    tx.commit()?;
    Ok(added)
}

fn generate_messages(
    conn: &mut Connection,
    app_id: &str,
    groups: u32,
    n: u32,
    now_ms: i64,
) -> Result<u32, StoreError> {
    let tx = conn.transaction()?;
    for i in 0..n {
        let group_id = super::generated_group_id(i % groups + 1);
        let msg_tid = format!("gen-{i}");
        let body = format!("synthetic message {i}: hello from the benchmark audience");
        deliver(
            &tx,
            &NewMessage {
                app_id,
                group_id: &group_id,
                msg_tid: &msg_tid,
                sender_id: "bench",
                sender_meta_info: "",
                body: &body,
                msg_type: 0,
                statics_increase: 1,
                weight: 1,
                store: true,
                cache: false,
                sent_at_ms: now_ms - i64::from(n - i),
            },
        )?;
    }
    tx.commit()?;
    Ok(n)
}

fn check_seed(g: &SeedGroup) -> Result<(), validate::ValidationError> {
    validate::id("GroupId", &g.group_id)?;
    validate::max_bytes("GroupName", &g.group_name, limits::GROUP_NAME_MAX)?;
    validate::max_bytes("GroupInfo", &g.group_info, limits::GROUP_INFO_MAX)?;
    validate::optional_id("CreatorId", &g.creator_id)?;
    validate::max_items(
        "Administrators",
        &g.administrators,
        limits::ADMINISTRATORS_MAX,
    )?;
    for a in &g.administrators {
        validate::id("Administrators", a)?;
    }
    Ok(())
}

fn group_state(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    default_audience: u32,
) -> Result<Option<GroupState>, StoreError> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {GROUP_COLUMNS}, deletetime, deletor, audience FROM groups WHERE app_id = ?1 AND group_id = ?2"
        ))?
        .query_row(params![app_id, group_id], |r| {
            Ok((
                group_from_row(r)?,
                r.get::<_, Option<i64>>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<i64>>(9)?,
            ))
        })
        .optional()?;
    let Some((group, delete_time, deletor, audience)) = row else {
        return Ok(None);
    };
    let audience = audience.map(|a| u32::try_from(a.max(0)).unwrap_or(u32::MAX));
    let joined_users = conn
        .prepare_cached(
            "SELECT user_id FROM members WHERE app_id = ?1 AND group_id = ?2 ORDER BY join_seq",
        )?
        .query_map(params![app_id, group_id], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let msg_types = conn
        .prepare_cached(
            "SELECT msg_type FROM msg_types WHERE app_id = ?1 AND group_id = ?2 ORDER BY msg_type",
        )?
        .query_map(params![app_id, group_id], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let deliveries: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM deliveries WHERE app_id = ?1 AND group_id = ?2")?
        .query_row(params![app_id, group_id], |r| r.get(0))?;
    let _ = default_audience; // the audience is rows in `members` since schema 2
    let online_users = joined_users.len() as u64;
    Ok(Some(GroupState {
        group,
        delete_time,
        deletor,
        audience,
        joined_users,
        online_users,
        deliveries: deliveries.max(0) as u64,
        msg_types,
    }))
}

/// A fresh in-memory state with the current schema, for unit tests.
#[cfg(test)]
pub(crate) fn open_for_tests() -> Connection {
    open_connection(&StateLocation::InMemory).expect("in-memory SQLite opens")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem() -> Connection {
        open_connection(&StateLocation::InMemory).unwrap()
    }

    #[test]
    fn list_breaks_creation_time_ties_by_insertion_order() {
        let conn = mem();
        for id in ["b", "a", "c"] {
            insert_group(
                &conn,
                "demo",
                &NewGroup {
                    group_id: id,
                    group_name: "",
                    group_info: "",
                    creator_id: "",
                    administrators: &[],
                    createtime: 100,
                },
            )
            .unwrap();
        }
        let asc = list_groups(&conn, "demo", SortType::Asc, GroupStatus::All, 50, 0).unwrap();
        let ids: Vec<_> = asc.iter().map(|g| g.group_id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "c"]);
        let desc = list_groups(&conn, "demo", SortType::Desc, GroupStatus::All, 50, 0).unwrap();
        let ids: Vec<_> = desc.iter().map(|g| g.group_id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"]);
    }

    #[test]
    fn counts_follow_inserts_and_deletes() {
        let conn = mem();
        let g = |id| NewGroup {
            group_id: id,
            group_name: "",
            group_info: "",
            creator_id: "",
            administrators: &[],
            createtime: 1,
        };
        insert_group(&conn, "demo", &g("a")).unwrap();
        insert_group(&conn, "demo", &g("b")).unwrap();
        mark_deleted(&conn, "demo", "a", 2, None).unwrap();
        mark_deleted(&conn, "demo", "a", 3, None).unwrap();
        assert_eq!(counts(&conn, "demo").unwrap(), (1, 1));
        assert_eq!(counts(&conn, "other").unwrap(), (0, 0));
    }

    #[test]
    fn the_cache_keeps_only_the_latest_messages() {
        let conn = mem();
        for i in 0..(CACHE_LEN + 10) {
            let tid = format!("t{i}");
            deliver(
                &conn,
                &NewMessage {
                    app_id: "demo",
                    group_id: "g",
                    msg_tid: &tid,
                    sender_id: "s",
                    sender_meta_info: "",
                    body: "b",
                    msg_type: 0,
                    statics_increase: 1,
                    weight: 1,
                    store: i % 2 == 0,
                    cache: true,
                    sent_at_ms: i,
                },
            )
            .unwrap();
        }
        let cached = messages(&conn, "demo", "g", true).unwrap();
        assert_eq!(cached.len() as i64, CACHE_LEN);
        assert_eq!(
            cached.last().unwrap().msg_tid,
            format!("t{}", CACHE_LEN + 9)
        );
        let stored = messages(&conn, "demo", "g", false).unwrap();
        assert_eq!(stored.len() as i64, (CACHE_LEN + 10) / 2);
        assert_eq!(
            deliveries(&conn, None).unwrap().len() as i64,
            CACHE_LEN + 10
        );
    }
}
