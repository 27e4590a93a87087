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

use super::{Context, data_center_param, live_group, page_token, reply, sort_type, text, user_id};
use crate::api::model::Operation;
use crate::api::ops::members::{
    CheckUsersInGroupRequest, CheckUsersOnlineRequest, KickGroupUserRequest, ListGroupUsersRequest,
    ModifyUserInfoRequest,
};
use crate::api::validate::{self, limits};
use crate::emulator::ops::{JoinGroupRequest, LeaveGroupRequest};
use crate::emulator::store::members;
use crate::emulator::wire::{ApiFault, Params};

pub(crate) fn join(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
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

pub(crate) fn leave(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
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

pub(crate) fn list_users(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let page_size = p.integer("PageSize")?.unwrap_or_default();
    validate::range(
        "PageSize",
        page_size,
        limits::TOKEN_PAGE_SIZE_MIN.into(),
        limits::TOKEN_PAGE_SIZE_MAX.into(),
    )?;
    let req = ListGroupUsersRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        page_size: page_size as u32,
        sort_type: sort_type(p)?,
        next_page_token: page_token(p)?,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let group = live_group(conn, &req.app_id, &req.group_id)?;
    // A super group has no queryable user list (docs).
    let (users, next) = if group.super_large {
        (Vec::new(), None)
    } else {
        let mut users = members::members_page(
            conn,
            &req.app_id,
            &req.group_id,
            req.sort_type,
            req.next_page_token,
            req.page_size + 1,
        )?;
        let next =
            (users.len() > req.page_size as usize).then(|| users[req.page_size as usize].join_seq);
        users.truncate(req.page_size as usize);
        (users, next)
    };
    let list: Vec<Value> = users
        .iter()
        .map(|u| serde_json::json!({ "UserId": u.user_id, "UserInfo": u.user_info }))
        .collect();
    reply(
        ctx,
        serde_json::json!({
            "GroupId": req.group_id,
            "UserList": list,
            "Hasmore": next.is_some(),
            "NextPageToken": next.unwrap_or(0),
        }),
    )
}

pub(crate) fn kick(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = KickGroupUserRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        kickoff_user: text(p, "KickoffUser"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    user_id("KickoffUser", &req.kickoff_user)?;
    let tx = conn.transaction()?;
    live_group(&tx, &req.app_id, &req.group_id)?;
    // Not in the group: success all the same. Mutes are untouched.
    members::leave(&tx, &req.app_id, &req.group_id, &req.kickoff_user)?;
    tx.commit()?;
    reply(ctx, serde_json::json!({}))
}

fn check_ids(ids: &[String]) -> Result<(), ApiFault> {
    validate::max_items("UserIds", ids, limits::CHECK_USERS_MAX)?;
    ids.iter().try_for_each(|id| user_id("UserIds", id))
}

pub(crate) fn check_in_group(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = CheckUsersInGroupRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        user_ids: p.list("UserIds")?,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    check_ids(&req.user_ids)?;
    live_group(conn, &req.app_id, &req.group_id)?;
    // One entry per requested ID, in request order, duplicates kept;
    // "Online" means "in the group" here.
    let users = req
        .user_ids
        .iter()
        .map(|u| {
            Ok(serde_json::json!({
                "UserId": u,
                "Online": members::is_member(conn, &req.app_id, &req.group_id, u)?,
            }))
        })
        .collect::<Result<Vec<Value>, ApiFault>>()?;
    reply(ctx, serde_json::json!({ "Users": users }))
}

pub(crate) fn check_online(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = CheckUsersOnlineRequest {
        app_id: text(p, "AppId"),
        user_ids: p.list("UserIds")?,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    check_ids(&req.user_ids)?;
    let users = req
        .user_ids
        .iter()
        .map(|u| {
            Ok(serde_json::json!({
                "UserId": u,
                "Online": members::online_in_app(conn, &req.app_id, u)?,
            }))
        })
        .collect::<Result<Vec<Value>, ApiFault>>()?;
    reply(ctx, serde_json::json!({ "UserList": users }))
}

pub(crate) fn modify_user_info(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = ModifyUserInfoRequest {
        app_id: text(p, "AppId"),
        user_id: text(p, "UserId"),
        user_meta_info: p.string("UserMetaInfo"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    user_id("UserId", &req.user_id)?;
    let info = req.user_meta_info.as_deref().unwrap_or_default();
    let tx = conn.transaction()?;
    let groups = members::groups_of_user(&tx, &req.app_id, &req.user_id)?;
    for g in &groups {
        members::set_user_info(&tx, &req.app_id, g, &req.user_id, info)?;
    }
    tx.commit()?;
    // FailList stays empty: deleting a group takes its members offline, so
    // the documented failure ("group not exists or already deleted") cannot occur.
    let successes: Vec<Value> = groups
        .iter()
        .map(|g| serde_json::json!({ "GroupId": g, "Success": true }))
        .collect();
    reply(
        ctx,
        serde_json::json!({ "SuccessList": successes, "FailList": [] }),
    )
}
