//! `--chatter RATE`: the simulated audience talks, so a demo console has a
//! live room to moderate. RATE times a second, in each of the [`ON_AIR`]
//! newest active groups (not deleted, someone online, its app enabled), one
//! online member who is not muted posts a line, stored and counted as
//! EmulatorUserSend would. Every tenth line is one a moderator would remove
//! (spam, abuse, a scam link).
//!
//! Only a few rooms are on air, as in a real app: a round over every demo
//! group (120 of them) cost the embedded demo ~140 ms of CPU in a debug build
//! (28 ticks in 10 s at 0.2 rounds/s, 65 at 0.5), all of it charged to the
//! idle console's process; with 6 rooms on air, 0.5 rounds/s cost 1 tick in
//! 10 s (`--demo`, nothing open, measured on /proc/PID/stat).

use std::sync::Arc;
use std::time::Duration;

use rand::seq::IndexedRandom as _;
use rusqlite::{Connection, params};
use tokio::sync::watch;

use super::server::Shared;
use super::store::{self, NewMessage, mutes};

/// Ordinary chat.
pub const CHAT_LINES: &[&str] = &[
    "hello everyone!",
    "first time here, love this stream",
    "what song is this?",
    "greetings from Shanghai",
    "can you show that again?",
    "haha that was great",
    "how long is the stream today?",
    "the audio is a bit quiet",
    "gg",
    "this is my favourite channel",
    "when is the next live?",
    "thanks for the tips!",
];

/// Lines a moderator would remove.
pub const BAD_LINES: &[&str] = &[
    "BUY CHEAP FOLLOWERS NOW at followers-cheap.example",
    "you are all idiots",
    "free prizes!!! click http://free-prizes.example/claim",
    "SPAM SPAM SPAM SPAM SPAM",
];

/// Which line a group's `n`-th chatter message is (every tenth is bad).
pub fn line(n: u64) -> (&'static str, bool) {
    if n % 10 == 9 {
        (BAD_LINES[(n / 10) as usize % BAD_LINES.len()], true)
    } else {
        (CHAT_LINES[n as usize % CHAT_LINES.len()], false)
    }
}

/// How many groups talk: the newest active ones (the first rows of the
/// console's default newest-first page).
pub const ON_AIR: usize = 6;

/// The MsgType the audience posts: "chat text" in the message-type catalogue.
const CHAT_TYPE: i64 = 1;

/// Posts one line in each on-air group; returns how many were posted.
pub fn post_round(conn: &mut Connection, now_ms: i64) -> rusqlite::Result<u64> {
    let groups: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT g.app_id, g.group_id FROM groups g JOIN apps a ON a.app_id = g.app_id
             WHERE g.deleted = 0 AND a.disabled = 0
               AND EXISTS (SELECT 1 FROM members m WHERE m.app_id = g.app_id AND m.group_id = g.group_id)
             ORDER BY g.createtime DESC, g.seq DESC LIMIT ?1",
        )?
        .query_map([ON_AIR as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let tx = conn.transaction()?;
    let mut posted = 0;
    for (app_id, group_id) in groups {
        let Some(group) = store::find_group(&tx, &app_id, &group_id)? else {
            continue;
        };
        let members: Vec<(String, String)> = tx
            .prepare_cached(
                "SELECT user_id, user_info FROM members WHERE app_id = ?1 AND group_id = ?2",
            )?
            .query_map(params![app_id, group_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut speakers = Vec::new();
        for (user, info) in members {
            if !mutes::is_muted(&tx, &app_id, &group, &user)? {
                speakers.push((user, info));
            }
        }
        let Some((user, info)) = speakers.choose(&mut rand::rng()).cloned() else {
            continue;
        };
        // Chatter is chat text (MsgType 1 in the catalogue), sent only if
        // the group can still take that type.
        if !store::msg_type_known(&tx, &app_id, &group_id, CHAT_TYPE)?
            && store::msg_type_count(&tx, &app_id, &group_id)?
                >= crate::api::validate::limits::MSG_TYPES_PER_GROUP as u64
        {
            continue;
        }
        store::add_msg_type(&tx, &app_id, &group_id, CHAT_TYPE)?;
        let (body, _) = line(group.total_times.max(0) as u64);
        let msg_tid = crate::api::model::new_msg_tid();
        store::deliver(
            &tx,
            &NewMessage {
                app_id: &app_id,
                group_id: &group_id,
                msg_tid: &msg_tid,
                sender_id: &user,
                sender_meta_info: &info,
                body,
                msg_type: CHAT_TYPE,
                statics_increase: 1,
                weight: 1,
                store: true,
                cache: true,
                sent_at_ms: now_ms,
            },
        )?;
        posted += 1;
    }
    tx.commit()?;
    Ok(posted)
}

/// Posts a round every `1 / rate` seconds until `shutdown` turns true.
pub async fn run(shared: Arc<Shared>, rate: f64, mut shutdown: watch::Receiver<bool>) {
    let period = Duration::from_secs_f64((1.0 / rate).clamp(0.001, 3600.0));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
                continue;
            }
        }
        let now_ms = shared.clock.now().timestamp_millis();
        match shared.store.run(move |conn| post_round(conn, now_ms)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "chatter round failed"),
            Err(e) => tracing::warn!(error = %e, "chatter task failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::DataCenter;
    use crate::emulator::store::{MuteList, NewGroup, members};

    fn room(conn: &Connection, id: &str) {
        store::insert_group(
            conn,
            "demo",
            &NewGroup {
                group_id: id,
                group_name: "",
                group_info: "",
                creator_id: "host",
                administrators: &[],
                createtime: 1,
            },
        )
        .unwrap();
    }

    #[test]
    fn every_tenth_line_is_one_to_remove() {
        let bad: Vec<u64> = (0..30).filter(|n| line(*n).1).collect();
        assert_eq!(bad, [9, 19, 29]);
        assert!(BAD_LINES.contains(&line(9).0));
        assert!(CHAT_LINES.contains(&line(3).0));
    }

    #[test]
    fn only_the_newest_groups_are_on_air() {
        let mut conn = store::open_for_tests();
        store::ensure_app(&conn, "demo", DataCenter::CnShanghai, 1).unwrap();
        for i in 0..10 {
            let id = format!("g{i}");
            store::insert_group(
                &conn,
                "demo",
                &NewGroup {
                    group_id: &id,
                    group_name: "",
                    group_info: "",
                    creator_id: "host",
                    administrators: &[],
                    createtime: 100 + i,
                },
            )
            .unwrap();
            members::join(&conn, "demo", &id, "u1", None, 1).unwrap();
        }
        assert_eq!(post_round(&mut conn, 1_000).unwrap(), ON_AIR as u64);
        for i in 0..10 {
            let talked = !store::messages(&conn, "demo", &format!("g{i}"), false)
                .unwrap()
                .is_empty();
            assert_eq!(talked, i >= 10 - ON_AIR as i64, "g{i}");
        }
    }

    #[test]
    fn only_unmuted_members_of_active_groups_talk() {
        let mut conn = store::open_for_tests();
        store::ensure_app(&conn, "demo", DataCenter::CnShanghai, 1).unwrap();
        room(&conn, "busy");
        room(&conn, "empty");
        room(&conn, "hushed");
        members::join(&conn, "demo", "busy", "u1", None, 1).unwrap();
        members::join(&conn, "demo", "hushed", "u2", None, 1).unwrap();
        store::add_to_mute_list(&conn, "demo", "hushed", MuteList::Banned, &["u2".into()]).unwrap();
        for _ in 0..12 {
            assert_eq!(post_round(&mut conn, 1_000).unwrap(), 1);
        }
        let busy = store::messages(&conn, "demo", "busy", false).unwrap();
        assert_eq!(busy.len(), 12);
        assert!(busy.iter().all(|m| m.sender_id == "u1"));
        // Chat text, as the catalogue names it (the room shows "chat text").
        assert!(busy.iter().all(|m| m.msg_type == 1));
        assert!(busy.iter().any(|m| BAD_LINES.contains(&m.body.as_str())));
        assert!(
            store::messages(&conn, "demo", "hushed", false)
                .unwrap()
                .is_empty()
        );
        assert!(
            store::messages(&conn, "demo", "empty", false)
                .unwrap()
                .is_empty()
        );
    }
}
