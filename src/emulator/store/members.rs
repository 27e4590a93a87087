//! Online users of a group: one row per user, with a join sequence number
//! (token order of ListLiveMessageGroupUsers) and the user's info.

use rusqlite::{Connection, OptionalExtension, params};

use crate::api::model::SortType;

/// A group becomes super when its online count exceeds this (docs: 2,000 users).
pub(crate) const SUPER_GROUP_THRESHOLD: u64 = 2_000;

/// One online user of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub user_id: String,
    pub user_info: String,
    pub join_seq: i64,
}

/// The simulated audience's user IDs: `viewer1` … `viewerN`.
pub(crate) fn audience_user(i: u32) -> String {
    format!("viewer{i}")
}

pub(crate) fn online_count(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM members WHERE app_id = ?1 AND group_id = ?2")?
        .query_row(params![app_id, group_id], |r| r.get::<_, i64>(0))
        .map(|n| n.max(0) as u64)
}

pub(crate) fn is_member(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    user_id: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM members WHERE app_id = ?1 AND group_id = ?2 AND user_id = ?3",
    )?
    .query_row(params![app_id, group_id, user_id], |_| Ok(()))
    .optional()
    .map(|r| r.is_some())
}

/// The member's info, when they are online in the group.
pub(crate) fn member_info(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    user_id: &str,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT user_info FROM members WHERE app_id = ?1 AND group_id = ?2 AND user_id = ?3",
    )?
    .query_row(params![app_id, group_id, user_id], |r| r.get(0))
    .optional()
}

/// Sets the super flag from the online count: on past the threshold, off at 0.
fn update_super(conn: &Connection, app_id: &str, group_id: &str) -> rusqlite::Result<()> {
    let online = online_count(conn, app_id, group_id)?;
    if online > SUPER_GROUP_THRESHOLD {
        conn.prepare_cached(
            "UPDATE groups SET super_large = 1 WHERE app_id = ?1 AND group_id = ?2",
        )?
        .execute(params![app_id, group_id])?;
    } else if online == 0 {
        conn.prepare_cached(
            "UPDATE groups SET super_large = 0 WHERE app_id = ?1 AND group_id = ?2",
        )?
        .execute(params![app_id, group_id])?;
    }
    Ok(())
}

fn next_join_seq(conn: &Connection, app_id: &str, group_id: &str) -> rusqlite::Result<i64> {
    let seq: Option<i64> = conn
        .prepare_cached(
            "UPDATE groups SET next_join = next_join + 1 WHERE app_id = ?1 AND group_id = ?2
             RETURNING next_join - 1",
        )?
        .query_row(params![app_id, group_id], |r| r.get(0))
        .optional()?;
    Ok(seq.unwrap_or(1))
}

/// A user comes online; false when already online (then only `user_info`,
/// when given, changes). A new join gets the group's next join number.
pub(crate) fn join(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    user_id: &str,
    user_info: Option<&str>,
    now: i64,
) -> rusqlite::Result<bool> {
    if is_member(conn, app_id, group_id, user_id)? {
        if let Some(info) = user_info {
            set_user_info(conn, app_id, group_id, user_id, info)?;
        }
        return Ok(false);
    }
    let seq = next_join_seq(conn, app_id, group_id)?;
    conn.prepare_cached(
        "INSERT INTO members (app_id, group_id, user_id, joined_at, join_seq, user_info)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        app_id,
        group_id,
        user_id,
        now,
        seq,
        user_info.unwrap_or_default()
    ])?;
    update_super(conn, app_id, group_id)?;
    Ok(true)
}

/// A user goes offline (leave or kick); false when they were not online.
pub(crate) fn leave(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    user_id: &str,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM members WHERE app_id = ?1 AND group_id = ?2 AND user_id = ?3")?
        .execute(params![app_id, group_id, user_id])?;
    if n > 0 {
        update_super(conn, app_id, group_id)?;
    }
    Ok(n > 0)
}

/// Everyone goes offline (the group was deleted).
pub(crate) fn clear_members(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM members WHERE app_id = ?1 AND group_id = ?2")?
        .execute(params![app_id, group_id])?;
    update_super(conn, app_id, group_id)
}

/// The simulated audience `viewer1..viewerN` joins (at create and recover),
/// in one pass: demo groups have audiences of thousands.
pub(crate) fn add_audience(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    n: u32,
    now: i64,
) -> rusqlite::Result<()> {
    if n == 0 {
        return Ok(());
    }
    let first: i64 = conn
        .prepare_cached("SELECT next_join FROM groups WHERE app_id = ?1 AND group_id = ?2")?
        .query_row(params![app_id, group_id], |r| r.get(0))
        .optional()?
        .unwrap_or(1);
    let mut seq = first;
    {
        let mut insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO members (app_id, group_id, user_id, joined_at, join_seq, user_info)
             VALUES (?1, ?2, ?3, ?4, ?5, '')",
        )?;
        for i in 1..=n {
            if insert.execute(params![app_id, group_id, audience_user(i), now, seq])? > 0 {
                seq += 1;
            }
        }
    }
    conn.prepare_cached("UPDATE groups SET next_join = ?3 WHERE app_id = ?1 AND group_id = ?2")?
        .execute(params![app_id, group_id, seq])?;
    update_super(conn, app_id, group_id)
}

/// Online users from join number `token` (inclusive) in `sort` order, at most `limit`.
pub(crate) fn members_page(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    sort: SortType,
    token: Option<i64>,
    limit: u32,
) -> rusqlite::Result<Vec<Member>> {
    let (cmp, order, start) = match sort {
        SortType::Asc => (">=", "ASC", token.unwrap_or(i64::MIN)),
        SortType::Desc => ("<=", "DESC", token.unwrap_or(i64::MAX)),
    };
    conn.prepare_cached(&format!(
        "SELECT user_id, user_info, join_seq FROM members
         WHERE app_id = ?1 AND group_id = ?2 AND join_seq {cmp} ?3
         ORDER BY join_seq {order} LIMIT ?4"
    ))?
    .query_map(params![app_id, group_id, start, i64::from(limit)], |r| {
        Ok(Member {
            user_id: r.get(0)?,
            user_info: r.get(1)?,
            join_seq: r.get(2)?,
        })
    })?
    .collect()
}

/// Whether the user is online in any group of the app (deleted groups have no members).
pub(crate) fn online_in_app(
    conn: &Connection,
    app_id: &str,
    user_id: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM members WHERE app_id = ?1 AND user_id = ?2 LIMIT 1")?
        .query_row(params![app_id, user_id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

/// The non-deleted groups where the user is online, in group creation order.
pub(crate) fn groups_of_user(
    conn: &Connection,
    app_id: &str,
    user_id: &str,
) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT g.group_id FROM members m
         JOIN groups g ON g.app_id = m.app_id AND g.group_id = m.group_id
         WHERE m.app_id = ?1 AND m.user_id = ?2 AND g.deleted = 0
         ORDER BY g.createtime, g.seq",
    )?
    .query_map(params![app_id, user_id], |r| r.get(0))?
    .collect()
}

pub(crate) fn set_user_info(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    user_id: &str,
    info: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE members SET user_info = ?4 WHERE app_id = ?1 AND group_id = ?2 AND user_id = ?3",
    )?
    .execute(params![app_id, group_id, user_id, info])?;
    Ok(())
}
