//! Group messages (delivery log, storage with per-group sequence numbers and
//! recalls, the latest-messages cache, per-type counters) and one-to-one messages.
//!
//! Listing is served from the index `(app_id, group_id, group_seq)`; the total
//! a query matches comes from counters kept with every send and recall, so a
//! page of a group with 100,000 messages costs one index range of `PageSize`
//! rows (a time filter, or messages past retention, fall back to counting).

use rusqlite::{Connection, OptionalExtension, params};

use super::{Delivery, Message, StoreError};
use crate::api::model::SortType;

/// Messages kept in a group's "latest messages" cache.
pub(crate) const CACHE_LEN: i64 = 100;

/// A message from SendLiveMessageGroup or EmulatorUserSend.
pub(crate) struct NewMessage<'a> {
    pub app_id: &'a str,
    pub group_id: &'a str,
    pub msg_tid: &'a str,
    pub sender_id: &'a str,
    pub sender_meta_info: &'a str,
    pub body: &'a str,
    pub msg_type: i64,
    pub statics_increase: i64,
    pub weight: i64,
    pub store: bool,
    pub cache: bool,
    pub sent_at_ms: i64,
}

pub(crate) fn msg_type_known(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    msg_type: i64,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM msg_types WHERE app_id = ?1 AND group_id = ?2 AND msg_type = ?3",
    )?
    .query_row(params![app_id, group_id, msg_type], |_| Ok(()))
    .optional()
    .map(|r| r.is_some())
}

pub(crate) fn msg_type_count(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM msg_types WHERE app_id = ?1 AND group_id = ?2")?
        .query_row(params![app_id, group_id], |r| r.get::<_, i64>(0))
        .map(|n| n.max(0) as u64)
}

pub(crate) fn add_msg_type(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    msg_type: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO msg_types (app_id, group_id, msg_type) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![app_id, group_id, msg_type])?;
    Ok(())
}

/// `MsgAmount`: the StaticsIncrease sum per message type, in type order.
pub(crate) fn msg_amounts(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
) -> rusqlite::Result<Vec<(i64, i64)>> {
    conn.prepare_cached(
        "SELECT msg_type, amount FROM msg_types WHERE app_id = ?1 AND group_id = ?2 ORDER BY msg_type",
    )?
    .query_map(params![app_id, group_id], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Logs the delivery, gives it the group's next SeqNumber, stores it unless
/// NoStorage, caches it unless NoCache (trimming the cache to [`CACHE_LEN`])
/// and updates the counters. Returns (delivery seq, SeqNumber).
pub(crate) fn deliver(conn: &Connection, m: &NewMessage<'_>) -> rusqlite::Result<(i64, i64)> {
    let group_seq: i64 = conn
        .prepare_cached(
            "UPDATE groups SET next_msg = next_msg + 1, total_times = total_times + 1,
                    stored_live = stored_live + ?3
             WHERE app_id = ?1 AND group_id = ?2 RETURNING next_msg - 1",
        )?
        .query_row(params![m.app_id, m.group_id, i64::from(m.store)], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(0);
    conn.prepare_cached(
        "INSERT INTO msg_types (app_id, group_id, msg_type, amount, stored_live)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (app_id, group_id, msg_type)
         DO UPDATE SET amount = amount + ?4, stored_live = stored_live + ?5",
    )?
    .execute(params![
        m.app_id,
        m.group_id,
        m.msg_type,
        m.statics_increase,
        i64::from(m.store)
    ])?;
    conn.prepare_cached(
        "INSERT INTO deliveries (app_id, group_id, msg_tid, sender_id, msg_type, stored, cached, sent_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        m.app_id,
        m.group_id,
        m.msg_tid,
        m.sender_id,
        m.msg_type,
        i64::from(m.store),
        i64::from(m.cache),
        m.sent_at_ms
    ])?;
    let seq = conn.last_insert_rowid();
    if m.store {
        conn.prepare_cached(
            "INSERT INTO messages (seq, app_id, group_id, msg_tid, sender_id, sender_meta_info, body,
             msg_type, statics_increase, weight, sent_at_ms, group_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            seq,
            m.app_id,
            m.group_id,
            m.msg_tid,
            m.sender_id,
            m.sender_meta_info,
            m.body,
            m.msg_type,
            m.statics_increase,
            m.weight,
            m.sent_at_ms,
            group_seq
        ])?;
    }
    if m.cache {
        conn.prepare_cached(
            "INSERT INTO cache (seq, app_id, group_id, msg_tid, sender_id, sender_meta_info, body,
             msg_type, statics_increase, weight, sent_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            seq,
            m.app_id,
            m.group_id,
            m.msg_tid,
            m.sender_id,
            m.sender_meta_info,
            m.body,
            m.msg_type,
            m.statics_increase,
            m.weight,
            m.sent_at_ms
        ])?;
        conn.prepare_cached(
            "DELETE FROM cache WHERE app_id = ?1 AND group_id = ?2 AND seq <=
             (SELECT seq FROM cache WHERE app_id = ?1 AND group_id = ?2 ORDER BY seq DESC LIMIT 1 OFFSET ?3)",
        )?
        .execute(params![m.app_id, m.group_id, CACHE_LEN])?;
    }
    Ok((seq, group_seq))
}

/// Recalls every stored, not yet recalled message of the group with this
/// MsgTid; returns how many.
pub(crate) fn recall(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    msg_tid: &str,
) -> rusqlite::Result<u64> {
    let per_type: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT msg_type, COUNT(*) FROM messages
             WHERE app_id = ?1 AND group_id = ?2 AND msg_tid = ?3 AND recalled = 0
             GROUP BY msg_type",
        )?
        .query_map(params![app_id, group_id, msg_tid], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut total = 0;
    for (msg_type, n) in per_type {
        conn.prepare_cached(
            "UPDATE msg_types SET stored_live = stored_live - ?4
             WHERE app_id = ?1 AND group_id = ?2 AND msg_type = ?3",
        )?
        .execute(params![app_id, group_id, msg_type, n])?;
        total += n;
    }
    if total > 0 {
        conn.prepare_cached(
            "UPDATE messages SET recalled = 1
             WHERE app_id = ?1 AND group_id = ?2 AND msg_tid = ?3 AND recalled = 0",
        )?
        .execute(params![app_id, group_id, msg_tid])?;
        conn.prepare_cached(
            "UPDATE groups SET stored_live = stored_live - ?3 WHERE app_id = ?1 AND group_id = ?2",
        )?
        .execute(params![app_id, group_id, total])?;
    }
    Ok(total.max(0) as u64)
}

/// What ListLiveMessageGroupMessages asks for, in the store's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MessageQuery {
    pub sort: SortType,
    pub msg_type: Option<i64>,
    /// Inclusive bounds on the send time, in ms (`None`: open).
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Messages sent before this (ms) are past retention.
    pub retention_cutoff_ms: i64,
    /// First SeqNumber of the page (ascending: ≥, descending: ≤).
    pub token: Option<i64>,
    pub limit: u32,
}

const MESSAGE_COLUMNS: &str = "seq, msg_tid, sender_id, sender_meta_info, body, msg_type, \
     statics_increase, weight, sent_at_ms, group_seq, recalled";

fn message_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        seq: r.get(0)?,
        msg_tid: r.get(1)?,
        sender_id: r.get(2)?,
        sender_meta_info: r.get(3)?,
        body: r.get(4)?,
        msg_type: r.get(5)?,
        statics_increase: r.get(6)?,
        weight: r.get(7)?,
        sent_at_ms: r.get(8)?,
        group_seq: r.get(9)?,
        recalled: r.get::<_, i64>(10)? != 0,
    })
}

/// One page of listable messages (stored, not recalled, within retention and
/// the filters), at most `q.limit` of them.
pub(crate) fn messages_page(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    q: &MessageQuery,
) -> rusqlite::Result<Vec<Message>> {
    let (cmp, order, start) = match q.sort {
        SortType::Asc => (">=", "ASC", q.token.unwrap_or(i64::MIN)),
        SortType::Desc => ("<=", "DESC", q.token.unwrap_or(i64::MAX)),
    };
    let from = q.from_ms.unwrap_or(i64::MIN).max(q.retention_cutoff_ms);
    let until = q.until_ms.unwrap_or(i64::MAX);
    conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages INDEXED BY messages_by_group_seq
         WHERE app_id = ?1 AND group_id = ?2 AND group_seq {cmp} ?3 AND recalled = 0
           AND sent_at_ms >= ?4 AND sent_at_ms <= ?5 AND (?6 IS NULL OR msg_type = ?6)
         ORDER BY group_seq {order} LIMIT ?7"
    ))?
    .query_map(
        params![
            app_id,
            group_id,
            start,
            from,
            until,
            q.msg_type,
            i64::from(q.limit)
        ],
        message_from_row,
    )?
    .collect()
}

/// How many messages the query matches over all pages (`TotalMessages`).
pub(crate) fn messages_total(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    q: &MessageQuery,
) -> rusqlite::Result<i64> {
    // Send times grow with SeqNumber, so if the group's first stored message
    // is within retention, all are, and the counters are the answer.
    let oldest: Option<i64> = conn
        .prepare_cached(
            "SELECT sent_at_ms FROM messages INDEXED BY messages_by_group_seq
             WHERE app_id = ?1 AND group_id = ?2 ORDER BY group_seq LIMIT 1",
        )?
        .query_row(params![app_id, group_id], |r| r.get(0))
        .optional()?;
    let Some(oldest) = oldest else {
        return Ok(0);
    };
    let unfiltered_time = q.from_ms.is_none() && q.until_ms.is_none();
    if unfiltered_time && oldest >= q.retention_cutoff_ms {
        return match q.msg_type {
            None => conn
                .prepare_cached(
                    "SELECT stored_live FROM groups WHERE app_id = ?1 AND group_id = ?2",
                )?
                .query_row(params![app_id, group_id], |r| r.get(0))
                .optional()
                .map(|n| n.unwrap_or(0)),
            Some(t) => conn
                .prepare_cached(
                    "SELECT stored_live FROM msg_types WHERE app_id = ?1 AND group_id = ?2 AND msg_type = ?3",
                )?
                .query_row(params![app_id, group_id, t], |r| r.get(0))
                .optional()
                .map(|n| n.unwrap_or(0)),
        };
    }
    let from = q.from_ms.unwrap_or(i64::MIN).max(q.retention_cutoff_ms);
    let until = q.until_ms.unwrap_or(i64::MAX);
    conn.prepare_cached(
        "SELECT COUNT(*) FROM messages INDEXED BY messages_by_group_seq
         WHERE app_id = ?1 AND group_id = ?2 AND recalled = 0
           AND sent_at_ms >= ?3 AND sent_at_ms <= ?4 AND (?5 IS NULL OR msg_type = ?5)",
    )?
    .query_row(params![app_id, group_id, from, until, q.msg_type], |r| {
        r.get(0)
    })
}

pub(crate) fn deliveries(
    conn: &Connection,
    group: Option<&(String, String)>,
) -> Result<Vec<Delivery>, StoreError> {
    let map = |r: &rusqlite::Row<'_>| {
        Ok(Delivery {
            seq: r.get(0)?,
            app_id: r.get(1)?,
            group_id: r.get(2)?,
            msg_tid: r.get(3)?,
            sender_id: r.get(4)?,
            msg_type: r.get(5)?,
            stored: r.get::<_, i64>(6)? != 0,
            cached: r.get::<_, i64>(7)? != 0,
            sent_at_ms: r.get(8)?,
        })
    };
    const COLUMNS: &str =
        "seq, app_id, group_id, msg_tid, sender_id, msg_type, stored, cached, sent_at_ms";
    let rows = match group {
        Some((app, gid)) => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM deliveries WHERE app_id = ?1 AND group_id = ?2 ORDER BY seq"
            ))?
            .query_map(params![app, gid], map)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        None => conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM deliveries ORDER BY seq"))?
            .query_map([], map)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    };
    Ok(rows)
}

/// Stored (recalled ones included) or cached messages of a group, oldest first.
pub(crate) fn messages(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
    cache: bool,
) -> Result<Vec<Message>, StoreError> {
    let sql = if cache {
        "SELECT seq, msg_tid, sender_id, sender_meta_info, body, msg_type, statics_increase, weight,
                sent_at_ms, 0, 0
         FROM cache WHERE app_id = ?1 AND group_id = ?2 ORDER BY seq"
            .to_string()
    } else {
        format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE app_id = ?1 AND group_id = ?2 ORDER BY seq"
        )
    };
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params![app_id, group_id], message_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A one-to-one message (SendLiveMessageUser).
pub(crate) struct NewUserMessage<'a> {
    pub app_id: &'a str,
    pub msg_tid: &'a str,
    pub sender_id: &'a str,
    pub sender_info: &'a str,
    pub receiver_id: &'a str,
    pub body: &'a str,
    pub msg_type: i64,
    pub store: bool,
    pub sent_at: i64,
}

pub(crate) fn insert_user_message(
    conn: &Connection,
    m: &NewUserMessage<'_>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO user_messages (app_id, msg_tid, sender_id, sender_info, receiver_id, body,
         msg_type, stored, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        m.app_id,
        m.msg_tid,
        m.sender_id,
        m.sender_info,
        m.receiver_id,
        m.body,
        m.msg_type,
        i64::from(m.store),
        m.sent_at
    ])?;
    Ok(())
}

/// Marks one-to-one messages with this MsgTid recalled; returns how many.
pub(crate) fn recall_user_message(
    conn: &Connection,
    app_id: &str,
    msg_tid: &str,
) -> rusqlite::Result<u64> {
    conn.prepare_cached(
        "UPDATE user_messages SET recalled = 1 WHERE app_id = ?1 AND msg_tid = ?2 AND recalled = 0",
    )?
    .execute(params![app_id, msg_tid])
    .map(|n| n as u64)
}
