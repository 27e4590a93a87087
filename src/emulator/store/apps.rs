//! Interactive-messaging apps: the ones given at start and the ones
//! CreateLiveMessageApp makes, with their data center, audit and callback
//! settings and disabled state. No operation deletes an app.

use base64::Engine as _;
use rand::Rng as _;
use rusqlite::{Connection, OptionalExtension, params};

use crate::api::model::{DataCenter, SortType};

/// One app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRecord {
    /// Creation number (emulator-wide, increasing): the token order of ListLiveMessageApps.
    pub seq: i64,
    pub app_id: String,
    pub app_key: String,
    pub app_sign: String,
    pub app_name: String,
    pub data_center: DataCenter,
    pub audit_type: i64,
    pub audit_url: String,
    pub callback_url: String,
    pub msg_life_cycle: i64,
    pub disabled: bool,
    pub create_time: i64,
    pub modify_time: i64,
}

impl AppRecord {
    /// A new app with random credentials in the CreateLiveMessageApp formats.
    pub fn new(app_id: String, app_name: String, data_center: DataCenter, now: i64) -> Self {
        Self {
            seq: 0,
            app_id,
            app_key: random_hex(32),
            app_sign: random_sign(),
            app_name,
            data_center,
            audit_type: 0,
            audit_url: String::new(),
            callback_url: String::new(),
            msg_life_cycle: 0,
            disabled: false,
            create_time: now,
            modify_time: now,
        }
    }

    /// How long stored messages are kept, in seconds (MsgLifeCycle 0/1/2 → 30/90/180 days).
    pub fn retention_seconds(&self) -> i64 {
        let days = match self.msg_life_cycle {
            1 => 90,
            2 => 180,
            _ => 30,
        };
        days * 86_400
    }
}

/// `n` random lower-case hex characters.
pub(crate) fn random_hex(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// A non-empty standard Base64 string (24 random bytes).
fn random_sign() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

const APP_COLUMNS: &str = "seq, app_id, app_key, app_sign, app_name, data_center, audit_type, \
     audit_url, callback_url, msg_life_cycle, disabled, create_time, modify_time";

fn app_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AppRecord> {
    let dc: String = r.get(5)?;
    Ok(AppRecord {
        seq: r.get(0)?,
        app_id: r.get(1)?,
        app_key: r.get(2)?,
        app_sign: r.get(3)?,
        app_name: r.get(4)?,
        data_center: dc.parse().unwrap_or_default(),
        audit_type: r.get(6)?,
        audit_url: r.get(7)?,
        callback_url: r.get(8)?,
        msg_life_cycle: r.get(9)?,
        disabled: r.get::<_, i64>(10)? != 0,
        create_time: r.get(11)?,
        modify_time: r.get(12)?,
    })
}

pub(crate) fn find_app(conn: &Connection, app_id: &str) -> rusqlite::Result<Option<AppRecord>> {
    conn.prepare_cached(&format!("SELECT {APP_COLUMNS} FROM apps WHERE app_id = ?1"))?
        .query_row(params![app_id], app_from_row)
        .optional()
}

pub(crate) fn app_count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM apps")?
        .query_row([], |r| r.get::<_, i64>(0))
        .map(|n| n.max(0) as u64)
}

/// Inserts a new app; returns its creation number.
pub(crate) fn insert_app(conn: &Connection, app: &AppRecord) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO apps (app_id, app_key, app_sign, app_name, data_center, audit_type, audit_url,
         callback_url, msg_life_cycle, disabled, create_time, modify_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        app.app_id,
        app.app_key,
        app.app_sign,
        app.app_name,
        app.data_center.as_str(),
        app.audit_type,
        app.audit_url,
        app.callback_url,
        app.msg_life_cycle,
        i64::from(app.disabled),
        app.create_time,
        app.modify_time
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Saves the settings that can change (audit, callback, disabled, ModifyTime).
pub(crate) fn update_app(conn: &Connection, app: &AppRecord) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE apps SET audit_type = ?2, audit_url = ?3, callback_url = ?4, disabled = ?5,
         modify_time = ?6 WHERE app_id = ?1",
    )?
    .execute(params![
        app.app_id,
        app.audit_type,
        app.audit_url,
        app.callback_url,
        i64::from(app.disabled),
        app.modify_time
    ])?;
    Ok(())
}

/// An app given at start: created when missing (named after its ID), its
/// data center set to the one given when it exists.
pub(crate) fn ensure_app(
    conn: &Connection,
    app_id: &str,
    data_center: DataCenter,
    now: i64,
) -> rusqlite::Result<()> {
    match find_app(conn, app_id)? {
        Some(existing) if existing.data_center == data_center => Ok(()),
        Some(_) => {
            conn.prepare_cached("UPDATE apps SET data_center = ?2 WHERE app_id = ?1")?
                .execute(params![app_id, data_center.as_str()])?;
            Ok(())
        }
        None => {
            let app = AppRecord::new(app_id.to_string(), app_id.to_string(), data_center, now);
            insert_app(conn, &app).map(|_| ())
        }
    }
}

/// Apps of a data center in creation order from `token` (inclusive), at most `limit`.
pub(crate) fn apps_page(
    conn: &Connection,
    data_center: DataCenter,
    sort: SortType,
    token: Option<i64>,
    limit: u32,
) -> rusqlite::Result<Vec<AppRecord>> {
    let (cmp, order, start) = match sort {
        SortType::Asc => (">=", "ASC", token.unwrap_or(i64::MIN)),
        SortType::Desc => ("<=", "DESC", token.unwrap_or(i64::MAX)),
    };
    conn.prepare_cached(&format!(
        "SELECT {APP_COLUMNS} FROM apps WHERE data_center = ?1 AND seq {cmp} ?2
         ORDER BY seq {order} LIMIT ?3"
    ))?
    .query_map(
        params![data_center.as_str(), start, i64::from(limit)],
        app_from_row,
    )?
    .collect()
}
