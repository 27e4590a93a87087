//! The emulator's state in SQLite.
//!
//! One connection behind a `std::sync::Mutex`, used only inside
//! `spawn_blocking`, so SQLite never blocks an executor thread. A file is
//! opened in WAL mode with `synchronous=NORMAL`: each mutation commits in its
//! own transaction before the reply is written, and a committed WAL
//! transaction survives a killed process (only a power loss could drop the
//! last ones). Statements go through `prepare_cached`, and lists are served
//! from the index `(app_id, deleted, createtime, seq)` / `(app_id, createtime, seq)`.

pub(crate) mod apps;
pub(crate) mod members;
pub(crate) mod messages;
pub(crate) mod mutes;

pub(crate) use apps::*;
pub(crate) use messages::*;
pub(crate) use mutes::*;

mod groups;
mod schema;
mod seed;
#[cfg(test)]
mod tests;

use groups::bump_counts;
pub(crate) use groups::*;
pub(crate) use schema::OpenError;
use schema::open_connection;
#[cfg(test)]
pub(crate) use schema::open_for_tests;
use seed::{generate_messages, import_groups};

use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::{EmulatorError, StateLocation};
use crate::api::model::Group;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("storage task failed: {0}")]
    Task(#[source] tokio::task::JoinError),
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
pub(crate) struct NewGroup<'a> {
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
            .map_err(|e| EmulatorError::Storage(StoreError::Task(e)))?
            .map_err(|source| EmulatorError::State {
                location: describe,
                source,
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
        .map_err(StoreError::Task)
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
