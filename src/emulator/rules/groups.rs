//! Groups: CreateLiveMessageGroup, DeleteLiveMessageGroup,
//! ListLiveMessageGroupByPage (page numbers), ListLiveMessageGroups (tokens),
//! DescribeLiveMessageGroup, ModifyLiveMessageGroup, RecoverLiveMessageDeletedGroup.
//!
//! Emulator choices (api-family.md §2, §7.7): an existing ID is reported by
//! Create, never changed, and a deleted one stays unusable; Delete is
//! idempotent and records `Deletatime`/`Deletor` the first time; Recover
//! restores a group deleted at most 30 days ago (404 after that).

use axum::http::StatusCode;
use rusqlite::Connection;
use serde_json::Value;

use super::{
    Context, data_center_param, existing_group, live_group, page_token, reply, sort_type, text,
};
use crate::api::model::{
    CreateGroupRequest, DeleteGroupRequest, GroupStatus, ListGroupsRequest, ListGroupsResponse,
    Operation, SortType,
};
use crate::api::ops::groups::{
    DescribeGroupRequest, ListGroupsByTokenRequest, ModifyGroupRequest, RecoverGroupRequest,
};
use crate::api::validate::{self, limits};
use crate::emulator::store::{self, NewGroup, members};
use crate::emulator::wire::{ApiFault, Params};

/// How long a deleted group can be recovered, and its messages read: 30 days.
pub(crate) const RECOVERY_WINDOW_SECONDS: i64 = 30 * 86_400;

fn too_many_groups(app_id: &str, live: u64) -> ApiFault {
    ApiFault::new(
        StatusCode::BAD_REQUEST,
        "ErrorTooManyGroups",
        format!(
            "App {app_id} already has {live} groups; at most {} are allowed.",
            limits::GROUPS_PER_APP
        ),
    )
}

pub(crate) fn create(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = CreateGroupRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        group_name: p.string("GroupName"),
        group_info: p.string("GroupInfo"),
        administrators: p.list("Administrators")?,
        creator_id: p.string("CreatorId"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let tx = conn.transaction()?;
    let answer = |already_exists: bool, already_delete: bool| {
        reply(
            ctx,
            serde_json::json!({
                "GroupId": req.group_id,
                "AlreadyExists": already_exists,
                "AlreadyDelete": already_delete,
            }),
        )
    };
    // An existing ID is reported, never changed; a deleted one stays unusable.
    if let Some(existing) = store::find_group(&tx, &req.app_id, &req.group_id)? {
        return answer(true, existing.deleted);
    }
    let (live, _) = store::counts(&tx, &req.app_id)?;
    if live >= limits::GROUPS_PER_APP as u64 {
        return Err(too_many_groups(&req.app_id, live));
    }
    let now = ctx.now.timestamp();
    store::insert_group(
        &tx,
        &req.app_id,
        &NewGroup {
            group_id: &req.group_id,
            group_name: req.group_name.as_deref().unwrap_or_default(),
            group_info: req.group_info.as_deref().unwrap_or_default(),
            creator_id: req.creator_id.as_deref().unwrap_or_default(),
            administrators: &req.administrators,
            createtime: now,
        },
    )?;
    members::add_audience(&tx, &req.app_id, &req.group_id, ctx.default_audience, now)?;
    tx.commit()?;
    answer(false, false)
}

pub(crate) fn delete(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = DeleteGroupRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        operator_id: p.string("OperatorId"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let tx = conn.transaction()?;
    // Idempotent: a deleted or non-existent group answers success all the same.
    let group = store::find_group(&tx, &req.app_id, &req.group_id)?;
    if group.is_some_and(|g| !g.deleted) {
        store::mark_deleted(
            &tx,
            &req.app_id,
            &req.group_id,
            ctx.now.timestamp(),
            req.operator_id.as_deref(),
        )?;
        tx.commit()?;
    }
    reply(ctx, serde_json::json!({ "GroupId": req.group_id }))
}

pub(crate) fn list_by_page(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let sort_type = SortType::from_code(p.integer("SortType")?.unwrap_or_default())?;
    let page_size = p.integer("PageSize")?.unwrap_or(20);
    validate::range(
        "PageSize",
        page_size,
        limits::PAGE_SIZE_MIN.into(),
        limits::PAGE_SIZE_MAX.into(),
    )?;
    let page_number = p.integer("PageNumber")?.unwrap_or(1);
    validate::range(
        "PageNumber",
        page_number,
        limits::PAGE_NUMBER_MIN.into(),
        limits::PAGE_NUMBER_MAX.into(),
    )?;
    let group_status = match p.integer("GroupStatus")? {
        Some(code) => GroupStatus::from_code(code)?,
        None => GroupStatus::All,
    };
    let req = ListGroupsRequest {
        app_id: text(p, "AppId"),
        sort_type,
        // In range (checked above), so these conversions are exact.
        page_size: page_size as u32,
        page_number: page_number as u32,
        group_status,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let (live, deleted) = store::counts(conn, &req.app_id)?;
    let total_count = match req.group_status {
        GroupStatus::All => live + deleted,
        GroupStatus::Existing => live,
        GroupStatus::Deleted => deleted,
    };
    let offset = u64::from(req.page_number - 1) * u64::from(req.page_size);
    let group_list = if offset >= total_count {
        Vec::new()
    } else {
        store::list_groups(
            conn,
            &req.app_id,
            req.sort_type,
            req.group_status,
            req.page_size,
            offset,
        )?
    };
    serde_json::to_value(ListGroupsResponse {
        request_id: ctx.request_id.to_string(),
        total_count,
        page_number: req.page_number,
        page_size: req.page_size,
        group_list,
    })
    .map_err(|e| ApiFault::server_error(format!("{e}.")))
}

/// Groups per page of ListLiveMessageGroups (no page-size parameter).
pub(crate) const TOKEN_PAGE_GROUPS: u32 = 20;

pub(crate) fn describe(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = DescribeGroupRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let row = existing_group(conn, &req.app_id, &req.group_id)?;
    let g = &row.group;
    let mut body = serde_json::json!({
        "GroupId": g.group_id,
        "GroupName": g.group_name,
        "GroupInfo": g.group_info,
        "CreatorId": g.creator_id,
        "AdminList": g.admin_list,
        "Createtime": g.createtime,
        "Delete": row.deleted,
        "SuperLargeGroup": row.super_large,
    });
    if row.deleted {
        body["Deletatime"] = row.delete_time.unwrap_or_default().into();
        body["Deletor"] = row.deletor.clone().unwrap_or_default().into();
    } else {
        let amounts: serde_json::Map<String, Value> =
            store::msg_amounts(conn, &req.app_id, &req.group_id)?
                .into_iter()
                .map(|(t, n)| (t.to_string(), n.into()))
                .collect();
        body["OnlineUserCounts"] = members::online_count(conn, &req.app_id, &req.group_id)?.into();
        body["MsgAmount"] = Value::Object(amounts);
        body["TotalTimes"] = row.total_times.into();
    }
    reply(ctx, body)
}

pub(crate) fn modify(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = ModifyGroupRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        modify_admin: p.boolean("ModifyAdmin")?.unwrap_or(false),
        admin_list: p.list("AdminList")?,
        modify_info: p.boolean("ModifyInfo")?.unwrap_or(false),
        group_info: p.string("GroupInfo"),
        data_center: data_center_param(p)?,
    };
    // Values are checked whether or not their flag is set (4 admins are refused either way).
    req.validate()?;
    let tx = conn.transaction()?;
    live_group(&tx, &req.app_id, &req.group_id)?;
    // A flag set with its value absent empties that part.
    store::update_group(
        &tx,
        &req.app_id,
        &req.group_id,
        req.modify_admin.then_some(req.admin_list.as_slice()),
        req.modify_info
            .then(|| req.group_info.as_deref().unwrap_or_default()),
    )?;
    tx.commit()?;
    reply(ctx, serde_json::json!({}))
}

pub(crate) fn recover(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = RecoverGroupRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let tx = conn.transaction()?;
    let row = existing_group(&tx, &req.app_id, &req.group_id)?;
    if row.deleted {
        let now = ctx.now.timestamp();
        let deleted_at = row.delete_time.unwrap_or(now);
        if now - deleted_at > RECOVERY_WINDOW_SECONDS {
            return Err(ApiFault::not_found(format!(
                "The group {:?} was deleted more than 30 days ago and cannot be recovered.",
                req.group_id
            )));
        }
        let (live, _) = store::counts(&tx, &req.app_id)?;
        if live >= limits::GROUPS_PER_APP as u64 {
            return Err(too_many_groups(&req.app_id, live));
        }
        store::mark_recovered(&tx, &req.app_id, &req.group_id)?;
        members::add_audience(&tx, &req.app_id, &req.group_id, ctx.default_audience, now)?;
        tx.commit()?;
    }
    reply(ctx, serde_json::json!({ "GroupId": req.group_id }))
}

pub(crate) fn list_by_token(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = ListGroupsByTokenRequest {
        app_id: text(p, "AppId"),
        sort_type: sort_type(p)?,
        group_status: match p.integer("GroupStatus")? {
            Some(code) => GroupStatus::from_code(code)?,
            None => GroupStatus::All,
        },
        next_page_token: page_token(p)?,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let mut rows = store::groups_by_seq(
        conn,
        &req.app_id,
        req.sort_type,
        req.group_status,
        req.next_page_token,
        TOKEN_PAGE_GROUPS + 1,
    )?;
    let next =
        (rows.len() > TOKEN_PAGE_GROUPS as usize).then(|| rows[TOKEN_PAGE_GROUPS as usize].seq);
    rows.truncate(TOKEN_PAGE_GROUPS as usize);
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "GroupId": r.group.group_id,
                "GroupName": r.group.group_name,
                "GroupInfo": r.group.group_info,
                "CreatorId": r.group.creator_id,
                "AdminList": r.group.admin_list,
                "Createtime": r.group.createtime,
                "Delete": r.deleted,
            })
        })
        .collect();
    let mut body = serde_json::json!({ "GroupList": list, "Hasmore": next.is_some() });
    if let Some(next) = next {
        // Lower-case p and a string, as the SDK has it.
        body["NextpageToken"] = next.to_string().into();
    }
    reply(ctx, body)
}
