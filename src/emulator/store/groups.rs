//! Group rows: find, list, insert, change, delete, recover, and one group's whole state.

use rusqlite::{Connection, OptionalExtension, params};

use super::{GroupRow, GroupState, NewGroup, StoreError, members};
use crate::api::model::{Group, GroupStatus, SortType};

pub(crate) fn find_group(
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
pub(crate) fn groups_by_seq(
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
pub(crate) fn mark_recovered(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
) -> rusqlite::Result<()> {
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
pub(crate) fn update_group(
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
pub(crate) fn counts(conn: &Connection, app_id: &str) -> rusqlite::Result<(u64, u64)> {
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

pub(super) fn bump_counts(
    conn: &Connection,
    app_id: &str,
    live: i64,
    deleted: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO app_counts (app_id, live, deleted) VALUES (?1, ?2, ?3)
         ON CONFLICT (app_id) DO UPDATE SET live = live + ?2, deleted = deleted + ?3",
    )?
    .execute(params![app_id, live, deleted])?;
    Ok(())
}

pub(crate) fn insert_group(
    conn: &Connection,
    app_id: &str,
    g: &NewGroup<'_>,
) -> rusqlite::Result<()> {
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

pub(crate) fn mark_deleted(
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
pub(crate) fn list_groups(
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

pub(super) fn group_state(
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
