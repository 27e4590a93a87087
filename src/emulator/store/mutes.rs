//! Mute state: the whole-group mute flag lives on the group; the individually
//! muted users and the exceptions are ordered lists here.

use rusqlite::{Connection, params};

use super::GroupRow;

/// Which list a mute row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MuteList {
    /// `banned_users`: muted individually (BannedUserList).
    Banned,
    /// `except_users`: exempt while the whole group is muted (UnbannedUserList).
    Except,
}

impl MuteList {
    fn kind(self) -> i64 {
        match self {
            MuteList::Banned => 1,
            MuteList::Except => 2,
        }
    }
}

/// The list, in the order users were added.
pub(crate) fn mute_list(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    list: MuteList,
) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT user_id FROM mutes WHERE app_id = ?1 AND group_id = ?2 AND kind = ?3 ORDER BY ord",
    )?
    .query_map(params![app_id, group_id, list.kind()], |r| r.get(0))?
    .collect()
}

fn contains(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    list: MuteList,
    user_id: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM mutes WHERE app_id = ?1 AND group_id = ?2 AND kind = ?3 AND user_id = ?4",
    )?
    .query_row(params![app_id, group_id, list.kind(), user_id], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n > 0)
}

/// Appends users not yet on the list (first occurrence order kept).
pub(crate) fn add_to_mute_list(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    list: MuteList,
    users: &[String],
) -> rusqlite::Result<()> {
    for user in users {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO mutes (app_id, group_id, kind, user_id, ord)
             VALUES (?1, ?2, ?3, ?4,
                 (SELECT COALESCE(MAX(ord), 0) + 1 FROM mutes WHERE app_id = ?1 AND group_id = ?2 AND kind = ?3))",
        )?
        .execute(params![app_id, group_id, list.kind(), user])?;
    }
    Ok(())
}

pub(crate) fn remove_from_mute_list(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    list: MuteList,
    users: &[String],
) -> rusqlite::Result<()> {
    for user in users {
        conn.prepare_cached(
            "DELETE FROM mutes WHERE app_id = ?1 AND group_id = ?2 AND kind = ?3 AND user_id = ?4",
        )?
        .execute(params![app_id, group_id, list.kind(), user])?;
    }
    Ok(())
}

/// Replaces the whole list.
pub(crate) fn replace_mute_list(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    list: MuteList,
    users: &[String],
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM mutes WHERE app_id = ?1 AND group_id = ?2 AND kind = ?3")?
        .execute(params![app_id, group_id, list.kind()])?;
    add_to_mute_list(conn, app_id, group_id, list, users)
}

pub(crate) fn set_banned_all(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    on: bool,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE groups SET banned_all = ?3 WHERE app_id = ?1 AND group_id = ?2")?
        .execute(params![app_id, group_id, i64::from(on)])?;
    Ok(())
}

/// muted(u) = not an admin or the creator, and (muted individually, or the
/// whole group is muted and u is not an exception).
pub(crate) fn is_muted(
    conn: &Connection,
    app_id: &str,
    group: &GroupRow,
    user_id: &str,
) -> rusqlite::Result<bool> {
    let group_id = group.group.group_id.as_str();
    if group.is_privileged(user_id) {
        return Ok(false);
    }
    if contains(conn, app_id, group_id, MuteList::Banned, user_id)? {
        return Ok(true);
    }
    Ok(group.banned_all && !contains(conn, app_id, group_id, MuteList::Except, user_id)?)
}
