//! Apps: CreateLiveMessageApp, DescribeLiveMessageApp, ListLiveMessageApps,
//! ModifyLiveMessageAppAudit, ModifyLiveMessageAppCallback, ModifyLiveMessageAppDisable.
//!
//! Emulator choices (api-family.md §6, §7.8): at most 300 apps (those given at
//! start and disabled ones count); `AppId` is 12 lower-case hex characters,
//! `AppKey` 32, `AppSign` Base64; an absent Modify parameter leaves its
//! setting unchanged; every Modify sets `ModifyTime`; a disabled app answers
//! 403 to everything but describe and the three Modify*App.

use axum::http::StatusCode;
use rusqlite::Connection;
use serde_json::Value;

use super::{Context, data_center, page_token, reply, sort_type, text};
use crate::api::model::Operation;
use crate::api::ops::apps::{
    AuditType, CreateAppRequest, ListAppsRequest, ModifyAppAuditRequest, ModifyAppCallbackRequest,
    ModifyAppDisableRequest, MsgLifeCycle,
};
use crate::api::validate::{self, Problem, ValidationError};
use crate::emulator::store::{self, AppRecord};
use crate::emulator::wire::{ApiFault, Params};

/// Most apps per account.
pub(crate) const MAX_APPS: u64 = 300;
/// Apps per page of ListLiveMessageApps.
pub(crate) const APPS_PER_PAGE: u32 = 20;

/// The app operations' own error codes for their fields (meta).
fn app_fault(e: ValidationError) -> ApiFault {
    let code = match (e.field, &e.problem) {
        (_, Problem::Missing) => return ApiFault::from(e),
        ("AppName", _) => "ErrorInvalidAppName",
        ("AuditUrl", _) => "ErrorInvalidAuditUrl",
        ("EventCallbackUrl", _) => "ErrorInvalidEventCallbackUrl",
        _ => return ApiFault::from(e),
    };
    ApiFault::new(StatusCode::BAD_REQUEST, code, e.to_string())
}

fn audit_type(p: &Params) -> Result<Option<AuditType>, ApiFault> {
    Ok(p.integer("AuditType")?
        .map(AuditType::from_code)
        .transpose()?)
}

fn url(field: &'static str, value: Option<&str>) -> Result<(), ApiFault> {
    match value {
        Some(u) if !u.is_empty() => validate::callback_url(field, u).map_err(app_fault),
        _ => Ok(()),
    }
}

fn no_audit_url() -> ApiFault {
    app_fault(ValidationError::new(
        "AuditUrl",
        Problem::Rule {
            rule: "it is required when AuditType is 2 (custom review)",
        },
    ))
}

pub(crate) fn create(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = CreateAppRequest {
        app_name: p.string("AppName"),
        audit_type: audit_type(p)?,
        audit_url: p.string("AuditUrl"),
        event_callback_url: p.string("EventCallbackUrl"),
        msg_life_cycle: p
            .integer("MsgLifeCycle")?
            .map(MsgLifeCycle::from_code)
            .transpose()?,
        data_center: Some(data_center(p)?),
    };
    req.validate().map_err(app_fault)?;
    let tx = conn.transaction()?;
    let count = store::app_count(&tx)?;
    if count >= MAX_APPS {
        return Err(ApiFault::new(
            StatusCode::BAD_REQUEST,
            "ErrorTooManyApps",
            format!("The account already has {count} apps; at most {MAX_APPS} are allowed."),
        ));
    }
    let mut app_id = store::random_hex(12);
    while store::find_app(&tx, &app_id)?.is_some() {
        app_id = store::random_hex(12);
    }
    let now = ctx.now.timestamp();
    let mut app = AppRecord::new(
        app_id,
        req.app_name.clone().unwrap_or_default(),
        req.data_center.unwrap_or_default(),
        now,
    );
    app.audit_type = req.audit_type.unwrap_or_default().code().into();
    app.audit_url = req.audit_url.clone().unwrap_or_default();
    app.callback_url = req.event_callback_url.clone().unwrap_or_default();
    app.msg_life_cycle = req.msg_life_cycle.unwrap_or_default().code().into();
    store::insert_app(&tx, &app)?;
    tx.commit()?;
    reply(
        ctx,
        serde_json::json!({
            "AppId": app.app_id,
            "AppKey": app.app_key,
            "AppSign": app.app_sign,
            "DataCenter": app.data_center.as_str(),
        }),
    )
}

pub(crate) fn describe(ctx: &Context<'_>, app: &AppRecord) -> Result<Value, ApiFault> {
    let mut body = serde_json::json!({
        "AppId": app.app_id,
        "AppKey": app.app_key,
        "AppSign": app.app_sign,
        "AppName": app.app_name,
        "DataCenter": app.data_center.as_str(),
        "AuditType": app.audit_type,
        "EventCallbackUrl": app.callback_url,
        "MsgLifeCycle": app.msg_life_cycle,
        "Disable": app.disabled,
        "CreateTime": app.create_time,
        "ModifyTime": app.modify_time,
    });
    // AuditUrl only for custom review.
    if app.audit_type == 2 {
        body["AuditUrl"] = app.audit_url.clone().into();
    }
    reply(ctx, body)
}

pub(crate) fn list(
    conn: &mut Connection,
    ctx: &Context<'_>,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = ListAppsRequest {
        sort_type: sort_type(p)?,
        next_page_token: page_token(p)?,
        data_center: Some(data_center(p)?),
    };
    req.validate()?;
    let mut apps = store::apps_page(
        conn,
        req.data_center.unwrap_or_default(),
        req.sort_type,
        req.next_page_token,
        APPS_PER_PAGE + 1,
    )?;
    let next = (apps.len() > APPS_PER_PAGE as usize).then(|| apps[APPS_PER_PAGE as usize].seq);
    apps.truncate(APPS_PER_PAGE as usize);
    let list: Vec<Value> = apps
        .iter()
        .map(|a| {
            serde_json::json!({
                "AppId": a.app_id,
                "AppKey": a.app_key,
                "AppName": a.app_name,
                "AppSign": a.app_sign,
                "CreateTime": a.create_time,
                "DataCenter": a.data_center.as_str(),
                // A string here, unlike DescribeLiveMessageApp's bool.
                "Disable": if a.disabled { "true" } else { "false" },
                "ModifyTime": a.modify_time,
                "MsgLifeCycle": a.msg_life_cycle,
            })
        })
        .collect();
    // Capital M here, and the token only when there is more.
    let mut body = serde_json::json!({ "AppList": list, "HasMore": next.is_some() });
    if let Some(next) = next {
        body["NextPageToken"] = next.into();
    }
    reply(ctx, body)
}

pub(crate) fn modify_audit(
    conn: &mut Connection,
    ctx: &Context<'_>,
    mut app: AppRecord,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = ModifyAppAuditRequest {
        app_id: text(p, "AppId"),
        audit_type: audit_type(p)?,
        audit_url: p.string("AuditUrl"),
        data_center: Some(data_center(p)?),
    };
    // Not the client's validate(): the rule "AuditType 2 needs a URL" applies
    // to the result here, and the app may already have one.
    validate::lenient_id("AppId", &req.app_id)?;
    url("AuditUrl", req.audit_url.as_deref())?;
    if let Some(t) = req.audit_type {
        app.audit_type = t.code().into();
    }
    if let Some(u) = &req.audit_url {
        app.audit_url = u.clone();
    }
    if app.audit_type == 2 && app.audit_url.is_empty() {
        return Err(no_audit_url());
    }
    app.modify_time = ctx.now.timestamp();
    store::update_app(conn, &app)?;
    let mut body = serde_json::json!({
        "AppId": app.app_id,
        "AppSign": app.app_sign,
        "AuditType": app.audit_type,
        "AuditNeedAuthentication": app.audit_type == 2,
    });
    if app.audit_type == 2 {
        body["AuditUrl"] = app.audit_url.clone().into();
    }
    reply(ctx, body)
}

pub(crate) fn modify_callback(
    conn: &mut Connection,
    ctx: &Context<'_>,
    mut app: AppRecord,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = ModifyAppCallbackRequest {
        app_id: text(p, "AppId"),
        event_callback_url: p.string("EventCallbackUrl"),
        data_center: Some(data_center(p)?),
    };
    req.validate().map_err(app_fault)?;
    // Absent or empty turns callbacks off.
    app.callback_url = req.event_callback_url.clone().unwrap_or_default();
    app.modify_time = ctx.now.timestamp();
    store::update_app(conn, &app)?;
    let mut body = serde_json::json!({
        "AppId": app.app_id,
        "AppSign": app.app_sign,
        "EventCallbackNeedAuthentication": true,
    });
    if !app.callback_url.is_empty() {
        body["EventCallbackUrl"] = app.callback_url.clone().into();
    }
    reply(ctx, body)
}

pub(crate) fn modify_disable(
    conn: &mut Connection,
    ctx: &Context<'_>,
    mut app: AppRecord,
    p: &Params,
) -> Result<Value, ApiFault> {
    let req = ModifyAppDisableRequest {
        app_id: text(p, "AppId"),
        disable: p.boolean("Disable")?,
        data_center: Some(data_center(p)?),
    };
    req.validate()?;
    app.disabled = req.disable.unwrap_or(false);
    app.modify_time = ctx.now.timestamp();
    store::update_app(conn, &app)?;
    reply(
        ctx,
        serde_json::json!({
            "AppId": app.app_id,
            "AppSign": app.app_sign,
            "Disable": app.disabled,
        }),
    )
}
