//! Mutes: BanLiveMessageGroup, UnbanLiveMessageGroup, AddLiveMessageGroupBand,
//! RemoveLiveMessageGroupBand, ModifyLiveMessageGroupBand, DescribeLiveMessageGroupBand.
//!
//! State (api-family.md §5, §7.2): `banned_all`, `except_users` (exempt while
//! the whole group is muted; always empty when it is not) and `banned_users`
//! (muted individually, in the order added). Muting or unmuting everyone never
//! touches individual mutes. Emulator choices: Ban replaces the exceptions;
//! Unban clears them; each Modify parameter present replaces its part.

use rusqlite::Connection;
use serde_json::Value;

use super::{Context, data_center_param, live_group, reply, text, user_list};
use crate::api::model::Operation;
use crate::api::ops::mutes::{
    AddGroupBandRequest, BanGroupRequest, DescribeGroupBandRequest, ModifyGroupBandRequest,
    RemoveGroupBandRequest, UnbanGroupRequest,
};
use crate::emulator::store::{self, MuteList};
use crate::emulator::wire::{ApiFault, Params};

pub(crate) fn ban(conn: &mut Connection, ctx: &Context<'_>, p: &Params) -> Result<Value, ApiFault> {
    let req = BanGroupRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        except_users: p.list("ExceptUsers")?,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let except = user_list("ExceptUsers", req.except_users)?;
    let tx = conn.transaction()?;
    live_group(&tx, &req.app_id, &req.group_id)?;
    store::set_banned_all(&tx, &req.app_id, &req.group_id, true)?;
    store::replace_mute_list(&tx, &req.app_id, &req.group_id, MuteList::Except, &except)?;
    tx.commit()?;
    reply(ctx, serde_json::json!({}))
}

pub(crate) fn unban(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = UnbanGroupRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let tx = conn.transaction()?;
    live_group(&tx, &req.app_id, &req.group_id)?;
    store::set_banned_all(&tx, &req.app_id, &req.group_id, false)?;
    store::replace_mute_list(&tx, &req.app_id, &req.group_id, MuteList::Except, &[])?;
    tx.commit()?;
    reply(ctx, serde_json::json!({}))
}

pub(crate) fn add(conn: &mut Connection, ctx: &Context<'_>, p: &Params) -> Result<Value, ApiFault> {
    let req = AddGroupBandRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        banned_users: p.list("BannedUsers")?,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let users = user_list("BannedUsers", req.banned_users)?;
    let tx = conn.transaction()?;
    live_group(&tx, &req.app_id, &req.group_id)?;
    store::add_to_mute_list(&tx, &req.app_id, &req.group_id, MuteList::Banned, &users)?;
    tx.commit()?;
    reply(ctx, serde_json::json!({}))
}

pub(crate) fn remove(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = RemoveGroupBandRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        unbanned_users: p.list("UnbannedUsers")?,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let users = user_list("UnbannedUsers", req.unbanned_users)?;
    let tx = conn.transaction()?;
    live_group(&tx, &req.app_id, &req.group_id)?;
    store::remove_from_mute_list(&tx, &req.app_id, &req.group_id, MuteList::Banned, &users)?;
    tx.commit()?;
    reply(ctx, serde_json::json!({}))
}

pub(crate) fn modify(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = ModifyGroupBandRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        banned_all: p.boolean("BannedAll")?,
        // Three n's, as the SDK spells it.
        banned_users: p.list("BannnedUsers")?,
        except_users: p.list("ExceptUsers")?,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    // A list can only be sent non-empty, so an empty one means "absent".
    let banned = (!req.banned_users.is_empty())
        .then(|| user_list("BannnedUsers", req.banned_users.clone()))
        .transpose()?;
    let except = (!req.except_users.is_empty())
        .then(|| user_list("ExceptUsers", req.except_users.clone()))
        .transpose()?;
    let tx = conn.transaction()?;
    let group = live_group(&tx, &req.app_id, &req.group_id)?;
    let (app, gid) = (&req.app_id, &req.group_id);
    if let Some(on) = req.banned_all {
        store::set_banned_all(&tx, app, gid, on)?;
    }
    if let Some(users) = &banned {
        store::replace_mute_list(&tx, app, gid, MuteList::Banned, users)?;
    }
    if let Some(users) = &except {
        store::replace_mute_list(&tx, app, gid, MuteList::Except, users)?;
    }
    if !req.banned_all.unwrap_or(group.banned_all) {
        store::replace_mute_list(&tx, app, gid, MuteList::Except, &[])?;
    }
    tx.commit()?;
    reply(ctx, serde_json::json!({}))
}

pub(crate) fn describe(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = DescribeGroupBandRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let group = live_group(conn, &req.app_id, &req.group_id)?;
    let banned = store::mute_list(conn, &req.app_id, &req.group_id, MuteList::Banned)?;
    let except = store::mute_list(conn, &req.app_id, &req.group_id, MuteList::Except)?;
    reply(
        ctx,
        serde_json::json!({
            "GroupId": req.group_id,
            // Lower-case b, as the SDK spells it.
            "IsbannedAll": group.banned_all,
            "BannedUserList": banned,
            "UnbannedUserList": except,
        }),
    )
}
