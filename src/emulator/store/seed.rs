//! Groups and messages added directly: demo data, generated load, test set-up.

use rusqlite::{Connection, params};

use super::{NewMessage, SeedGroup, StoreError, bump_counts, deliver, members};
use crate::api::validate::{self, limits};

pub(super) fn import_groups(
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

pub(super) fn generate_messages(
    conn: &mut Connection,
    app_id: &str,
    groups: u32,
    n: u32,
    now_ms: i64,
) -> Result<u32, StoreError> {
    let tx = conn.transaction()?;
    for i in 0..n {
        let group_id = crate::emulator::generated_group_id(i % groups + 1);
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
