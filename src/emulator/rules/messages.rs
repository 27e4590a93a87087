//! Messages: SendLiveMessageGroup, ListLiveMessageGroupMessages,
//! DeleteLiveMessageGroupMessage, SendLiveMessageUser,
//! DeleteLiveMessageUserMessage, and the emulator-only EmulatorUserSend.
//!
//! Emulator choices (api-family.md §4, §7.5):
//! - A send to a GroupId that is not available (unknown, deleted, or not even
//!   a valid ID) answers 404 `ResourceNotExist`, as the Send page says.
//! - A send with a muted `SenderId` answers 403 `NoAuth`: the server API must
//!   not be a side door that posts in a muted user's name.
//! - A send to a group with no online users answers 400 `InputInvalid`.
//! - A send without MsgType counts as type 0 towards the 30 types per group.
//! - A repeated MsgTid in one group is delivered and logged again: whether the
//!   real service de-duplicates is not documented, and duplicates must stay visible.

use axum::http::StatusCode;
use rusqlite::Connection;
use serde_json::Value;

use super::{
    Context, data_center_param, existing_group, live_group, page_token, reply, sort_type, text,
    user_id,
};
use crate::api::model::{Operation, SendMessageRequest, new_msg_tid};
use crate::api::ops::messages::{
    DeleteGroupMessageRequest, DeleteUserMessageRequest, ListGroupMessagesRequest,
    SendUserMessageRequest,
};
use crate::api::validate::{self, limits};
use crate::emulator::ops::UserSendRequest;
use crate::emulator::store::{
    self, AppRecord, GroupRow, MessageQuery, NewMessage, NewUserMessage, members, mutes,
};
use crate::emulator::wire::{ApiFault, Params};

/// Checks the 30-types limit and records a new type.
fn admit_msg_type(
    tx: &Connection,
    app_id: &str,
    group_id: &str,
    msg_type: i64,
) -> Result<(), ApiFault> {
    if !store::msg_type_known(tx, app_id, group_id, msg_type)? {
        let types = store::msg_type_count(tx, app_id, group_id)?;
        if types >= limits::MSG_TYPES_PER_GROUP as u64 {
            return Err(ApiFault::new(
                StatusCode::BAD_REQUEST,
                "ErrorTooManyMsgTypes",
                format!(
                    "The group {group_id:?} already uses {types} message types; at most {} are allowed, and MsgType {msg_type} is new.",
                    limits::MSG_TYPES_PER_GROUP
                ),
            ));
        }
        store::add_msg_type(tx, app_id, group_id, msg_type)?;
    }
    Ok(())
}

fn muted(user_id: &str, group: &GroupRow) -> ApiFault {
    ApiFault::no_auth(format!(
        "The user {user_id:?} is muted in the group {:?}.",
        group.group.group_id
    ))
}

pub(crate) fn send(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
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
        data_center: data_center_param(p)?,
    };
    // A GroupId that is not a valid ID names no available group: it gets the
    // group lookup's 404, so only the other fields are checked here.
    if validate::id("GroupId", &req.group_id).is_ok() {
        req.validate()?;
    } else {
        SendMessageRequest {
            group_id: "unavailable".into(),
            ..req.clone()
        }
        .validate()?;
    }
    let tx = conn.transaction()?;
    let group = live_group(&tx, &req.app_id, &req.group_id)?;
    if mutes::is_muted(&tx, &req.app_id, &group, &req.sender_id)? {
        return Err(muted(&req.sender_id, &group));
    }
    if members::online_count(&tx, &req.app_id, &req.group_id)? == 0 {
        return Err(ApiFault::input_invalid(format!(
            "The group {:?} has no online users; messages reach only active groups (offline messages are not supported)",
            req.group_id
        )));
    }
    let msg_type = req.msg_type.unwrap_or(0);
    admit_msg_type(&tx, &req.app_id, &req.group_id, msg_type)?;
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
    reply(ctx, serde_json::json!({ "MsgTid": msg_tid }))
}

/// EmulatorUserSend: a simulated audience member posts (a client-side send).
pub(crate) fn user_send(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = UserSendRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        user_id: text(p, "UserId"),
        body: p.string("Body"),
        msg_type: p.integer("MsgType")?,
        msg_tid: p.string("MsgTid"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let tx = conn.transaction()?;
    let group = live_group(&tx, &req.app_id, &req.group_id)?;
    let Some(user_info) = members::member_info(&tx, &req.app_id, &req.group_id, &req.user_id)?
    else {
        return Err(ApiFault::no_auth(format!(
            "The user {:?} is not online in the group {:?}.",
            req.user_id, req.group_id
        )));
    };
    if mutes::is_muted(&tx, &req.app_id, &group, &req.user_id)? {
        return Err(muted(&req.user_id, &group));
    }
    let msg_type = req.msg_type.unwrap_or(0);
    admit_msg_type(&tx, &req.app_id, &req.group_id, msg_type)?;
    let msg_tid = req.msg_tid.clone().unwrap_or_else(new_msg_tid);
    store::deliver(
        &tx,
        &NewMessage {
            app_id: &req.app_id,
            group_id: &req.group_id,
            msg_tid: &msg_tid,
            sender_id: &req.user_id,
            sender_meta_info: &user_info,
            body: req.body.as_deref().unwrap_or_default(),
            msg_type,
            statics_increase: 1,
            weight: 1,
            store: true,
            cache: true,
            sent_at_ms: ctx.now.timestamp_millis(),
        },
    )?;
    tx.commit()?;
    reply(ctx, serde_json::json!({ "MsgTid": msg_tid }))
}

pub(crate) fn list(
    conn: &mut Connection,
    ctx: &Context<'_>,
    app: &AppRecord,
    p: &Params,
) -> Result<Value, ApiFault> {
    let page_size = p.integer("PageSize")?.unwrap_or_default();
    validate::range(
        "PageSize",
        page_size,
        limits::TOKEN_PAGE_SIZE_MIN.into(),
        limits::TOKEN_PAGE_SIZE_MAX.into(),
    )?;
    let req = ListGroupMessagesRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        page_size: page_size as u32,
        sort_type: sort_type(p)?,
        msg_type: p.integer("MsgType")?,
        begin_time: p.integer("BeginTime")?,
        end_time: p.integer("EndTime")?,
        next_page_token: page_token(p)?,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let group = existing_group(conn, &req.app_id, &req.group_id)?;
    let now = ctx.now.timestamp();
    // Messages stay readable for 30 days after the group was deleted, then are purged.
    if group.deleted
        && now - group.delete_time.unwrap_or(now) > super::groups::RECOVERY_WINDOW_SECONDS
    {
        return Err(ApiFault::not_found(format!(
            "The group {:?} was deleted more than 30 days ago; its messages are gone.",
            req.group_id
        )));
    }
    let query = MessageQuery {
        sort: req.sort_type,
        msg_type: req.msg_type,
        from_ms: req.begin_time.map(|t| t.saturating_mul(1000)),
        // Inclusive to the end of that second.
        until_ms: req
            .end_time
            .map(|t| t.saturating_mul(1000).saturating_add(999)),
        retention_cutoff_ms: ctx.now.timestamp_millis() - app.retention_seconds() * 1000,
        token: req.next_page_token,
        limit: req.page_size + 1,
    };
    let mut page = store::messages_page(conn, &req.app_id, &req.group_id, &query)?;
    let next =
        (page.len() > req.page_size as usize).then(|| page[req.page_size as usize].group_seq);
    page.truncate(req.page_size as usize);
    let total = if page.is_empty() {
        0
    } else {
        store::messages_total(conn, &req.app_id, &req.group_id, &query)?
    };
    let list: Vec<Value> = page
        .iter()
        .map(|m| {
            serde_json::json!({
                "MsgTid": m.msg_tid,
                "MsgType": m.msg_type,
                "Body": m.body,
                "Sender": { "UserId": m.sender_id, "UserInfo": m.sender_meta_info },
                "SeqNumber": m.group_seq,
                "Timestamp": m.sent_at_ms.div_euclid(1000),
                "TotalMessages": total,
            })
        })
        .collect();
    reply(
        ctx,
        serde_json::json!({
            "GroupId": req.group_id,
            "MessageList": list,
            "Hasmore": next.is_some(),
            "NextPageToken": next.unwrap_or(0),
        }),
    )
}

/// DeleteLiveMessageGroupMessage: recalls every stored message of the group
/// with that MsgTid; an unknown one answers 200 all the same.
pub(crate) fn recall(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = DeleteGroupMessageRequest {
        app_id: text(p, "AppId"),
        group_id: text(p, "GroupId"),
        message_id: text(p, "MessageId"),
        deleter_id: p.string("DeleterId"),
        deleter_info: p.string("DeleterInfo"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    let tx = conn.transaction()?;
    live_group(&tx, &req.app_id, &req.group_id)?;
    store::recall(&tx, &req.app_id, &req.group_id, &req.message_id)?;
    tx.commit()?;
    reply(
        ctx,
        serde_json::json!({ "GroupId": req.group_id, "MessageId": req.message_id }),
    )
}

/// SendLiveMessageUser: the receiver must be online in the app (else 400
/// InputInvalid: the ID is fine, its state refuses the call); mutes do not
/// apply; simulated receivers always acknowledge.
pub(crate) fn send_user(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = SendUserMessageRequest {
        app_id: text(p, "AppId"),
        receiver_id: text(p, "ReceiverId"),
        sender_id: text(p, "SenderId"),
        sender_info: p.string("SenderInfo"),
        body: p.string("Body"),
        msg_type: p.integer("MsgType")?,
        msg_tid: p.string("MsgTid"),
        high_reliability: p.boolean("HighReliability")?,
        storage: p.boolean("Storage")?,
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    user_id("ReceiverId", &req.receiver_id)?;
    user_id("SenderId", &req.sender_id)?;
    let tx = conn.transaction()?;
    if !members::online_in_app(&tx, &req.app_id, &req.receiver_id)? {
        return Err(ApiFault::input_invalid(format!(
            "The receiver {:?} is not online.",
            req.receiver_id
        )));
    }
    let msg_tid = req.msg_tid.clone().unwrap_or_else(new_msg_tid);
    store::insert_user_message(
        &tx,
        &NewUserMessage {
            app_id: &req.app_id,
            msg_tid: &msg_tid,
            sender_id: &req.sender_id,
            sender_info: req.sender_info.as_deref().unwrap_or_default(),
            receiver_id: &req.receiver_id,
            body: req.body.as_deref().unwrap_or_default(),
            msg_type: req.msg_type.unwrap_or(0),
            store: req.storage.unwrap_or(false),
            sent_at: ctx.now.timestamp(),
        },
    )?;
    tx.commit()?;
    reply(ctx, serde_json::json!({ "MsgTid": msg_tid }))
}

/// DeleteLiveMessageUserMessage: DeleterId is required in practice (400
/// InputInvalid without it); an unknown MessageId answers 200.
pub(crate) fn recall_user(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = DeleteUserMessageRequest {
        app_id: text(p, "AppId"),
        message_id: text(p, "MessageId"),
        receiver_id: text(p, "ReceiverId"),
        deleter_id: text(p, "DeleterId"),
        deleter_info: p.string("DeleterInfo"),
        data_center: data_center_param(p)?,
    };
    req.validate()?;
    user_id("ReceiverId", &req.receiver_id)?;
    let tx = conn.transaction()?;
    store::recall_user_message(&tx, &req.app_id, &req.message_id)?;
    tx.commit()?;
    reply(ctx, serde_json::json!({}))
}
