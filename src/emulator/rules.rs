//! The service's semantics: what each operation checks, changes and answers.
//!
//! Parsing turns parameters into the same typed requests the client sends
//! (`api::model`) and runs the same `validate()`, so client and emulator
//! enforce one set of documented constraints. Applying runs against SQLite,
//! inside one transaction per mutation, committed before the reply is written.
//!
//! Where the documentation is silent the emulator chooses, and says so here:
//! - A send to a deleted group answers 404 `ResourceNotExist` (the Send page:
//!   "Make sure that the specified GroupId is available. Otherwise, a
//!   ResourceNotExist error is returned").
//! - A send to a group with no online users answers 400 `InputInvalid` with a
//!   message saying so. The real service only documents that sends need an
//!   active group; its answer otherwise is not documented.
//! - A send without MsgType counts as type 0 towards the 30 types per group.
//! - A group's online users are its simulated audience (its own, or
//!   `--audience`) plus users added with EmulatorJoinGroup; deleting a group
//!   takes everyone offline.
//! - A repeated MsgTid in one group is delivered and logged again: whether the
//!   real service de-duplicates is not documented, and duplicates must stay visible.

use std::collections::HashMap;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

use super::ops::{JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse};
use super::store::{self, NewGroup, NewMessage};
use super::wire::{ApiFault, Params};
use crate::api::model::{
    CreateGroupRequest, CreateGroupResponse, DataCenter, DeleteGroupRequest, DeleteGroupResponse,
    GroupStatus, ListGroupsRequest, ListGroupsResponse, Operation, SendMessageRequest,
    SendMessageResponse, SortType, new_msg_tid,
};
use crate::api::validate::{self, limits};

/// The operations the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    CreateGroup,
    DeleteGroup,
    ListGroups,
    SendMessage,
    JoinGroup,
    LeaveGroup,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::CreateGroup,
        Action::DeleteGroup,
        Action::ListGroups,
        Action::SendMessage,
        Action::JoinGroup,
        Action::LeaveGroup,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::CreateGroup => CreateGroupRequest::ACTION,
            Action::DeleteGroup => DeleteGroupRequest::ACTION,
            Action::ListGroups => ListGroupsRequest::ACTION,
            Action::SendMessage => SendMessageRequest::ACTION,
            Action::JoinGroup => JoinGroupRequest::ACTION,
            Action::LeaveGroup => LeaveGroupRequest::ACTION,
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// A parsed, validated request.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Create(CreateGroupRequest),
    Delete(DeleteGroupRequest),
    List(ListGroupsRequest),
    Send(SendMessageRequest),
    Join(JoinGroupRequest),
    Leave(LeaveGroupRequest),
}

impl Command {
    fn app(&self) -> (&str, Option<DataCenter>) {
        match self {
            Command::Create(r) => (&r.app_id, r.data_center),
            Command::Delete(r) => (&r.app_id, r.data_center),
            Command::List(r) => (&r.app_id, r.data_center),
            Command::Send(r) => (&r.app_id, r.data_center),
            Command::Join(r) => (&r.app_id, r.data_center),
            Command::Leave(r) => (&r.app_id, r.data_center),
        }
    }
}

impl From<rusqlite::Error> for ApiFault {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "emulator storage error");
        ApiFault::server_error(format!("The emulator's storage failed: {e}."))
    }
}

fn data_center(p: &Params) -> Result<Option<DataCenter>, ApiFault> {
    Ok(p.get("DataCenter")
        .map(str::parse::<DataCenter>)
        .transpose()?)
}

fn required(p: &Params, names: &[&str]) -> Result<(), ApiFault> {
    names.iter().try_for_each(|n| p.require(n).map(|_| ()))
}

fn text(p: &Params, name: &str) -> String {
    p.string(name).unwrap_or_default()
}

/// Turns parameters into a validated command: MissingParameter for a required
/// parameter, InputInvalid naming the field, limit and size for anything else.
pub fn parse(action: Action, p: &Params) -> Result<Command, ApiFault> {
    match action {
        Action::CreateGroup => {
            required(p, &["AppId", "GroupId"])?;
            let req = CreateGroupRequest {
                app_id: text(p, "AppId"),
                group_id: text(p, "GroupId"),
                group_name: p.string("GroupName"),
                group_info: p.string("GroupInfo"),
                administrators: p.list("Administrators")?,
                creator_id: p.string("CreatorId"),
                data_center: data_center(p)?,
            };
            req.validate()?;
            Ok(Command::Create(req))
        }
        Action::DeleteGroup => {
            required(p, &["AppId", "GroupId"])?;
            let req = DeleteGroupRequest {
                app_id: text(p, "AppId"),
                group_id: text(p, "GroupId"),
                operator_id: p.string("OperatorId"),
                data_center: data_center(p)?,
            };
            req.validate()?;
            Ok(Command::Delete(req))
        }
        Action::ListGroups => {
            required(p, &["AppId", "SortType"])?;
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
                data_center: data_center(p)?,
            };
            req.validate()?;
            Ok(Command::List(req))
        }
        Action::SendMessage => {
            required(p, &["AppId", "GroupId", "SenderId"])?;
            let req = SendMessageRequest {
                app_id: text(p, "AppId"),
                group_id: text(p, "GroupId"),
                sender_id: text(p, "SenderId"),
                sender_meta_info: p.string("SenderMetaInfo"),
                body: p.string("Body"),
                msg_type: p.integer("MsgType")?,
                msg_tid: p.string("MsgTid"),
                statics_increase: p.integer("StaticsIncrease")?,
                weight: p.integer("Weight")?,
                no_storage: p.boolean("NoStorage")?,
                no_cache: p.boolean("NoCache")?,
                data_center: data_center(p)?,
            };
            req.validate()?;
            Ok(Command::Send(req))
        }
        Action::JoinGroup | Action::LeaveGroup => {
            required(p, &["AppId", "GroupId", "UserId"])?;
            let (app_id, group_id, user_id, dc) = (
                text(p, "AppId"),
                text(p, "GroupId"),
                text(p, "UserId"),
                data_center(p)?,
            );
            if action == Action::JoinGroup {
                let req = JoinGroupRequest {
                    app_id,
                    group_id,
                    user_id,
                    data_center: dc,
                };
                req.validate()?;
                Ok(Command::Join(req))
            } else {
                let req = LeaveGroupRequest {
                    app_id,
                    group_id,
                    user_id,
                    data_center: dc,
                };
                req.validate()?;
                Ok(Command::Leave(req))
            }
        }
    }
}

/// What the rules need besides the database.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub apps: &'a HashMap<String, DataCenter>,
    pub default_audience: u32,
    pub request_id: &'a str,
    pub now: DateTime<Utc>,
}

/// The app must exist, and a DataCenter, when given, must be the app's own.
pub fn check_app(apps: &HashMap<String, DataCenter>, cmd: &Command) -> Result<(), ApiFault> {
    let (app_id, dc) = cmd.app();
    let Some(app_dc) = apps.get(app_id) else {
        return Err(ApiFault::not_found(format!(
            "The app {app_id:?} does not exist."
        )));
    };
    if let Some(dc) = dc
        && dc != *app_dc
    {
        return Err(ApiFault::input_invalid(format!(
            "DataCenter is {dc}, but app {app_id} was created in {app_dc}"
        )));
    }
    Ok(())
}

fn json<T: Serialize>(value: &T) -> Result<Value, ApiFault> {
    serde_json::to_value(value).map_err(|e| ApiFault::server_error(format!("{e}.")))
}

/// Applies a command and returns the reply body (RequestId included).
pub fn apply(conn: &mut Connection, ctx: &Context<'_>, cmd: Command) -> Result<Value, ApiFault> {
    check_app(ctx.apps, &cmd)?;
    match cmd {
        Command::Create(req) => create(conn, ctx, req),
        Command::Delete(req) => delete(conn, ctx, req),
        Command::List(req) => list(conn, ctx, req),
        Command::Send(req) => send(conn, ctx, req),
        Command::Join(req) => join(conn, ctx, req),
        Command::Leave(req) => leave(conn, ctx, req),
    }
}

fn create(
    conn: &mut Connection,
    ctx: &Context<'_>,
    req: CreateGroupRequest,
) -> Result<Value, ApiFault> {
    let tx = conn.transaction()?;
    let reply = |already_exists, already_delete| {
        json(&CreateGroupResponse {
            request_id: ctx.request_id.to_string(),
            group_id: req.group_id.clone(),
            already_exists,
            already_delete,
        })
    };
    // An existing ID is reported, never changed; a deleted one stays unusable.
    if let Some(existing) = store::find_group(&tx, &req.app_id, &req.group_id)? {
        return reply(true, existing.deleted);
    }
    let (live, _) = store::counts(&tx, &req.app_id)?;
    if live >= limits::GROUPS_PER_APP as u64 {
        return Err(ApiFault::new(
            StatusCode::BAD_REQUEST,
            "ErrorTooManyGroups",
            format!(
                "App {} already has {live} groups; at most {} are allowed.",
                req.app_id,
                limits::GROUPS_PER_APP
            ),
        ));
    }
    store::insert_group(
        &tx,
        &req.app_id,
        &NewGroup {
            group_id: &req.group_id,
            group_name: req.group_name.as_deref().unwrap_or_default(),
            group_info: req.group_info.as_deref().unwrap_or_default(),
            creator_id: req.creator_id.as_deref().unwrap_or_default(),
            administrators: &req.administrators,
            createtime: ctx.now.timestamp(),
        },
    )?;
    tx.commit()?;
    reply(false, false)
}

fn delete(
    conn: &mut Connection,
    ctx: &Context<'_>,
    req: DeleteGroupRequest,
) -> Result<Value, ApiFault> {
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
    json(&DeleteGroupResponse {
        request_id: ctx.request_id.to_string(),
        group_id: req.group_id,
    })
}

fn list(
    conn: &mut Connection,
    ctx: &Context<'_>,
    req: ListGroupsRequest,
) -> Result<Value, ApiFault> {
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
    json(&ListGroupsResponse {
        request_id: ctx.request_id.to_string(),
        total_count,
        page_number: req.page_number,
        page_size: req.page_size,
        group_list,
    })
}

/// The group must exist and not be deleted; returns its online users.
fn live_group(
    conn: &Connection,
    ctx: &Context<'_>,
    app_id: &str,
    group_id: &str,
) -> Result<u64, ApiFault> {
    let group = store::find_group(conn, app_id, group_id)?
        .ok_or_else(|| ApiFault::not_found(format!("The group {group_id:?} does not exist.")))?;
    if group.deleted {
        return Err(ApiFault::not_found(format!(
            "The group {group_id:?} was deleted."
        )));
    }
    let simulated = u64::from(group.audience.unwrap_or(ctx.default_audience));
    Ok(simulated + store::joined_count(conn, app_id, group_id)?)
}

fn send(
    conn: &mut Connection,
    ctx: &Context<'_>,
    req: SendMessageRequest,
) -> Result<Value, ApiFault> {
    let tx = conn.transaction()?;
    let online = live_group(&tx, ctx, &req.app_id, &req.group_id)?;
    if online == 0 {
        return Err(ApiFault::input_invalid(format!(
            "The group {:?} has no online users; messages reach only active groups (offline messages are not supported)",
            req.group_id
        )));
    }
    let msg_type = req.msg_type.unwrap_or(0);
    if !store::msg_type_known(&tx, &req.app_id, &req.group_id, msg_type)? {
        let types = store::msg_type_count(&tx, &req.app_id, &req.group_id)?;
        if types >= limits::MSG_TYPES_PER_GROUP as u64 {
            return Err(ApiFault::new(
                StatusCode::BAD_REQUEST,
                "ErrorTooManyMsgTypes",
                format!(
                    "The group {:?} already uses {types} message types; at most {} are allowed, and MsgType {msg_type} is new.",
                    req.group_id,
                    limits::MSG_TYPES_PER_GROUP
                ),
            ));
        }
        store::add_msg_type(&tx, &req.app_id, &req.group_id, msg_type)?;
    }
    let msg_tid = req.msg_tid.clone().unwrap_or_else(new_msg_tid);
    store::deliver(
        &tx,
        &NewMessage {
            app_id: &req.app_id,
            group_id: &req.group_id,
            msg_tid: &msg_tid,
            sender_id: &req.sender_id,
            sender_meta_info: req.sender_meta_info.as_deref().unwrap_or_default(),
            body: req.body.as_deref().unwrap_or_default(),
            msg_type,
            statics_increase: req.statics_increase.unwrap_or(1),
            weight: req.weight.unwrap_or(1),
            store: !req.no_storage.unwrap_or(false),
            cache: !req.no_cache.unwrap_or(false),
            sent_at_ms: ctx.now.timestamp_millis(),
        },
    )?;
    tx.commit()?;
    json(&SendMessageResponse {
        request_id: ctx.request_id.to_string(),
        msg_tid,
    })
}

fn join(
    conn: &mut Connection,
    ctx: &Context<'_>,
    req: JoinGroupRequest,
) -> Result<Value, ApiFault> {
    let tx = conn.transaction()?;
    live_group(&tx, ctx, &req.app_id, &req.group_id)?;
    let joined = store::join(
        &tx,
        &req.app_id,
        &req.group_id,
        &req.user_id,
        ctx.now.timestamp(),
    )?;
    let online_users = live_group(&tx, ctx, &req.app_id, &req.group_id)?;
    tx.commit()?;
    json(&JoinGroupResponse {
        request_id: ctx.request_id.to_string(),
        group_id: req.group_id,
        user_id: req.user_id,
        joined,
        online_users,
    })
}

fn leave(
    conn: &mut Connection,
    ctx: &Context<'_>,
    req: LeaveGroupRequest,
) -> Result<Value, ApiFault> {
    let tx = conn.transaction()?;
    live_group(&tx, ctx, &req.app_id, &req.group_id)?;
    let left = store::leave(&tx, &req.app_id, &req.group_id, &req.user_id)?;
    let online_users = live_group(&tx, ctx, &req.app_id, &req.group_id)?;
    tx.commit()?;
    json(&LeaveGroupResponse {
        request_id: ctx.request_id.to_string(),
        group_id: req.group_id,
        user_id: req.user_id,
        left,
        online_users,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Params::from_pairs(owned.iter())
    }

    #[test]
    fn actions_round_trip_by_name() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
        assert_eq!(Action::from_name("DescribeRegions"), None);
    }

    #[test]
    fn missing_required_parameters_are_named() {
        let err = parse(Action::ListGroups, &params(&[("AppId", "demo")])).unwrap_err();
        assert_eq!(err.code, "MissingParameter");
        assert!(err.message.contains("\"SortType\""), "{}", err.message);
        let err = parse(
            Action::SendMessage,
            &params(&[("AppId", "demo"), ("GroupId", "g")]),
        )
        .unwrap_err();
        assert!(err.message.contains("\"SenderId\""), "{}", err.message);
    }

    #[test]
    fn field_limits_are_input_invalid_with_field_limit_and_size() {
        let name = "n".repeat(129);
        let err = parse(
            Action::CreateGroup,
            &params(&[("AppId", "demo"), ("GroupId", "g"), ("GroupName", &name)]),
        )
        .unwrap_err();
        assert_eq!(err.code, "InputInvalid");
        assert!(
            err.message.contains("GroupName")
                && err.message.contains("128")
                && err.message.contains("129"),
            "{}",
            err.message
        );
    }

    #[test]
    fn list_defaults() {
        let Command::List(req) = parse(
            Action::ListGroups,
            &params(&[("AppId", "demo"), ("SortType", "1")]),
        )
        .unwrap() else {
            panic!("not a list");
        };
        assert_eq!(
            (req.page_size, req.page_number, req.group_status),
            (20, 1, GroupStatus::All)
        );
        assert_eq!(req.sort_type, SortType::Asc);
        for (k, v) in [
            ("SortType", "3"),
            ("PageSize", "0"),
            ("PageSize", "51"),
            ("PageNumber", "10001"),
            ("GroupStatus", "3"),
            ("PageSize", "99999999999999999999"),
        ] {
            let mut p = vec![("AppId", "demo"), ("SortType", "2")];
            p.retain(|(n, _)| *n != k);
            p.push((k, v));
            let err = parse(Action::ListGroups, &params(&p)).unwrap_err();
            assert_eq!(err.code, "InputInvalid", "{k}={v}");
            assert!(err.message.contains(k), "{}", err.message);
        }
    }

    #[test]
    fn data_center_must_be_valid_and_the_apps_own() {
        let err = parse(
            Action::DeleteGroup,
            &params(&[
                ("AppId", "demo"),
                ("GroupId", "g"),
                ("DataCenter", "mars-1"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.code, "InputInvalid");
        let apps = HashMap::from([("demo".to_string(), DataCenter::CnShanghai)]);
        let cmd = parse(
            Action::DeleteGroup,
            &params(&[
                ("AppId", "demo"),
                ("GroupId", "g"),
                ("DataCenter", "ap-southeast-1"),
            ]),
        )
        .unwrap();
        assert_eq!(check_app(&apps, &cmd).unwrap_err().code, "InputInvalid");
        let cmd = parse(
            Action::DeleteGroup,
            &params(&[("AppId", "nope"), ("GroupId", "g")]),
        )
        .unwrap();
        let err = check_app(&apps, &cmd).unwrap_err();
        assert_eq!(
            (err.status, err.code.as_ref()),
            (StatusCode::NOT_FOUND, "ResourceNotExist")
        );
    }
}
