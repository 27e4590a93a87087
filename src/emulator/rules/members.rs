//! Members and users: ListLiveMessageGroupUsers, KickLiveMessageGroupUser,
//! CheckLiveMessageUsersInGroup, CheckLiveMessageUsersOnline,
//! ModifyLiveMessageUserInfo, and the emulator-only EmulatorJoinGroup and
//! EmulatorLeaveGroup.
//!
//! Emulator choices (api-family.md §3, §7.3): a user is online when they are
//! in the online set of a non-deleted group of the app; joining again after a
//! kick or leave gives a new join number; a kick of someone not in the group
//! succeeds; mutes are untouched by kicks.

use rusqlite::Connection;
use serde_json::Value;

use super::{Context, data_center_param, live_group, reply, text};
use crate::api::model::Operation;
use crate::api::validate::{self, limits};
use crate::emulator::ops::{JoinGroupRequest, LeaveGroupRequest};
use crate::emulator::store::members;
use crate::emulator::wire::{ApiFault, Params};

pub fn join(conn: &mut Connection, ctx: &Context<'_>, p: &Params) -> Result<Value, ApiFault> {
    let req = JoinGroupRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        user_id: text(p, "UserId"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let user_info = p.string("UserInfo");
    if let Some(info) = &user_info {
        validate::max_bytes("UserInfo", info, limits::SENDER_META_MAX)?;
    }
    let tx = conn.transaction()?;
    live_group(&tx, &req.app_id, &req.group_id)?;
    let joined = members::join(
        &tx,
        &req.app_id,
        &req.group_id,
        &req.user_id,
        user_info.as_deref(),
        ctx.now.timestamp(),
    )?;
    let online_users = members::online_count(&tx, &req.app_id, &req.group_id)?;
    tx.commit()?;
    reply(
        ctx,
        serde_json::json!({
            "GroupId": req.group_id,
            "UserId": req.user_id,
            "Joined": joined,
            "OnlineUsers": online_users,
        }),
    )
}

pub fn leave(conn: &mut Connection, ctx: &Context<'_>, p: &Params) -> Result<Value, ApiFault> {
    let req = LeaveGroupRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        user_id: text(p, "UserId"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let tx = conn.transaction()?;
    live_group(&tx, &req.app_id, &req.group_id)?;
    let left = members::leave(&tx, &req.app_id, &req.group_id, &req.user_id)?;
    let online_users = members::online_count(&tx, &req.app_id, &req.group_id)?;
    tx.commit()?;
    reply(
        ctx,
        serde_json::json!({
            "GroupId": req.group_id,
            "UserId": req.user_id,
            "Left": left,
            "OnlineUsers": online_users,
        }),
    )
}
