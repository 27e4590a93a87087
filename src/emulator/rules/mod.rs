//! The service's semantics: what each operation checks, changes and answers,
//! one module per operation family.
//!
//! Parsing turns parameters into the same typed requests the client sends
//! (`api::model`, `api::ops`) and runs the same `validate()`, so client and
//! emulator enforce one set of documented constraints. Replies are written
//! with the wire names spelled out here, so a slip in the client's reply
//! types does not pass unnoticed. Every mutation runs in one SQLite
//! transaction, committed before the reply is written.
//!
//! Check order for every operation (api-family.md §1), so tests see one answer:
//! signature → action → throttle (in the server) → missing required parameters
//! → app (404) → DataCenter (400) → disabled app (403) → parameter values (400)
//! → group (404) → state rules.
//!
//! Where the documentation is silent the emulator chooses exactly what
//! `api-family.md` (§7, §8) fixes; the family modules name each choice.
//!
//! - [`groups`]: create, delete, both list calls, describe, modify, recover
//! - [`members`]: online users, kick, presence checks, user info, join/leave
//! - [`messages`]: group and one-to-one sends, listing, recalls, user sends
//! - [`mutes`]: whole-group and per-user mutes
//! - [`apps`]: apps, their audit and callback settings, disabling

pub(crate) mod apps;
pub(crate) mod groups;
pub(crate) mod members;
pub(crate) mod messages;
pub(crate) mod mutes;

use std::fmt;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::Value;

use super::clock::ServiceClock;
use super::store::{self, AppRecord, GroupRow};
use super::wire::{ApiFault, Params};
use crate::api::model::DataCenter;

/// The operations the emulator serves (29 LiveMessage operations and four
/// emulator-only actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    // groups
    CreateGroup,
    DeleteGroup,
    ListGroups,
    DescribeGroup,
    ModifyGroup,
    RecoverGroup,
    ListGroupsByToken,
    // members
    ListGroupUsers,
    KickGroupUser,
    CheckUsersInGroup,
    CheckUsersOnline,
    ModifyUserInfo,
    // messages
    SendMessage,
    ListGroupMessages,
    DeleteGroupMessage,
    SendUserMessage,
    DeleteUserMessage,
    // mutes
    BanGroup,
    UnbanGroup,
    AddGroupBand,
    RemoveGroupBand,
    ModifyGroupBand,
    DescribeGroupBand,
    // apps
    CreateApp,
    DescribeApp,
    ListApps,
    ModifyAppAudit,
    ModifyAppCallback,
    ModifyAppDisable,
    // emulator-only
    JoinGroup,
    LeaveGroup,
    UserSend,
    AdvanceClock,
}

/// How an operation relates to an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppScope {
    /// No AppId (CreateLiveMessageApp, ListLiveMessageApps, EmulatorAdvanceClock).
    None,
    /// AppId required; a disabled app answers 403.
    Enabled,
    /// AppId required; works on a disabled app too (describe and the three Modify*App).
    EvenDisabled,
}

impl Action {
    pub const ALL: [Action; 33] = [
        Action::CreateGroup,
        Action::DeleteGroup,
        Action::ListGroups,
        Action::DescribeGroup,
        Action::ModifyGroup,
        Action::RecoverGroup,
        Action::ListGroupsByToken,
        Action::ListGroupUsers,
        Action::KickGroupUser,
        Action::CheckUsersInGroup,
        Action::CheckUsersOnline,
        Action::ModifyUserInfo,
        Action::SendMessage,
        Action::ListGroupMessages,
        Action::DeleteGroupMessage,
        Action::SendUserMessage,
        Action::DeleteUserMessage,
        Action::BanGroup,
        Action::UnbanGroup,
        Action::AddGroupBand,
        Action::RemoveGroupBand,
        Action::ModifyGroupBand,
        Action::DescribeGroupBand,
        Action::CreateApp,
        Action::DescribeApp,
        Action::ListApps,
        Action::ModifyAppAudit,
        Action::ModifyAppCallback,
        Action::ModifyAppDisable,
        Action::JoinGroup,
        Action::LeaveGroup,
        Action::UserSend,
        Action::AdvanceClock,
    ];

    pub fn name(self) -> &'static str {
        use crate::api::*;
        use crate::emulator::ops::{
            AdvanceClockRequest, JoinGroupRequest, LeaveGroupRequest, UserSendRequest,
        };
        match self {
            Action::CreateGroup => CreateGroupRequest::ACTION,
            Action::DeleteGroup => DeleteGroupRequest::ACTION,
            Action::ListGroups => ListGroupsRequest::ACTION,
            Action::DescribeGroup => DescribeGroupRequest::ACTION,
            Action::ModifyGroup => ModifyGroupRequest::ACTION,
            Action::RecoverGroup => RecoverGroupRequest::ACTION,
            Action::ListGroupsByToken => ListGroupsByTokenRequest::ACTION,
            Action::ListGroupUsers => ListGroupUsersRequest::ACTION,
            Action::KickGroupUser => KickGroupUserRequest::ACTION,
            Action::CheckUsersInGroup => CheckUsersInGroupRequest::ACTION,
            Action::CheckUsersOnline => CheckUsersOnlineRequest::ACTION,
            Action::ModifyUserInfo => ModifyUserInfoRequest::ACTION,
            Action::SendMessage => SendMessageRequest::ACTION,
            Action::ListGroupMessages => ListGroupMessagesRequest::ACTION,
            Action::DeleteGroupMessage => DeleteGroupMessageRequest::ACTION,
            Action::SendUserMessage => SendUserMessageRequest::ACTION,
            Action::DeleteUserMessage => DeleteUserMessageRequest::ACTION,
            Action::BanGroup => BanGroupRequest::ACTION,
            Action::UnbanGroup => UnbanGroupRequest::ACTION,
            Action::AddGroupBand => AddGroupBandRequest::ACTION,
            Action::RemoveGroupBand => RemoveGroupBandRequest::ACTION,
            Action::ModifyGroupBand => ModifyGroupBandRequest::ACTION,
            Action::DescribeGroupBand => DescribeGroupBandRequest::ACTION,
            Action::CreateApp => CreateAppRequest::ACTION,
            Action::DescribeApp => DescribeAppRequest::ACTION,
            Action::ListApps => ListAppsRequest::ACTION,
            Action::ModifyAppAudit => ModifyAppAuditRequest::ACTION,
            Action::ModifyAppCallback => ModifyAppCallbackRequest::ACTION,
            Action::ModifyAppDisable => ModifyAppDisableRequest::ACTION,
            Action::JoinGroup => JoinGroupRequest::ACTION,
            Action::LeaveGroup => LeaveGroupRequest::ACTION,
            Action::UserSend => UserSendRequest::ACTION,
            Action::AdvanceClock => AdvanceClockRequest::ACTION,
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The required parameters, in the documented order (MissingParameter
    /// names the first one absent). Arrays count in any of their forms.
    pub fn required(self) -> &'static [&'static str] {
        const APP_GROUP: &[&str] = &["AppId", "GroupId"];
        match self {
            Action::CreateGroup
            | Action::DeleteGroup
            | Action::DescribeGroup
            | Action::ModifyGroup
            | Action::RecoverGroup
            | Action::BanGroup
            | Action::UnbanGroup
            | Action::ModifyGroupBand
            | Action::DescribeGroupBand => APP_GROUP,
            Action::ListGroups | Action::ListGroupsByToken => &["AppId", "SortType"],
            Action::ListGroupUsers | Action::ListGroupMessages => {
                &["AppId", "GroupId", "PageSize", "SortType"]
            }
            Action::KickGroupUser => &["AppId", "GroupId", "KickoffUser"],
            Action::CheckUsersInGroup => &["AppId", "GroupId", "UserIds"],
            Action::CheckUsersOnline => &["AppId", "UserIds"],
            Action::ModifyUserInfo => &["AppId", "UserId"],
            Action::SendMessage => &["AppId", "GroupId", "SenderId"],
            Action::DeleteGroupMessage => &["AppId", "GroupId", "MessageId"],
            Action::SendUserMessage => &["AppId", "ReceiverId", "SenderId"],
            Action::DeleteUserMessage => &["AppId", "MessageId", "ReceiverId"],
            Action::AddGroupBand => &["AppId", "GroupId", "BannedUsers"],
            Action::RemoveGroupBand => &["AppId", "GroupId", "UnbannedUsers"],
            Action::CreateApp => &[],
            Action::ListApps => &["SortType"],
            Action::DescribeApp
            | Action::ModifyAppAudit
            | Action::ModifyAppCallback
            | Action::ModifyAppDisable => &["AppId"],
            Action::JoinGroup | Action::LeaveGroup | Action::UserSend => {
                &["AppId", "GroupId", "UserId"]
            }
            Action::AdvanceClock => &["Seconds"],
        }
    }

    pub fn app_scope(self) -> AppScope {
        match self {
            Action::CreateApp | Action::ListApps | Action::AdvanceClock => AppScope::None,
            Action::DescribeApp
            | Action::ModifyAppAudit
            | Action::ModifyAppCallback
            | Action::ModifyAppDisable => AppScope::EvenDisabled,
            _ => AppScope::Enabled,
        }
    }

    /// Calls per second per key, or `None` for the emulator-only actions,
    /// which simulate client traffic rather than API calls.
    pub fn calls_per_second(self) -> Option<u32> {
        match self {
            Action::JoinGroup | Action::LeaveGroup | Action::UserSend | Action::AdvanceClock => {
                None
            }
            // The client's own table of documented limits: one rule for both sides.
            _ => Some(crate::api::ops::documented_rate(self.name())),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the rules need besides the database.
#[derive(Debug)]
pub struct Context<'a> {
    /// Simulated users (`viewer1..N`) who join every new or recovered group.
    pub default_audience: u32,
    pub request_id: &'a str,
    /// The service clock's reading for this request.
    pub now: DateTime<Utc>,
    pub clock: &'a ServiceClock,
}

impl From<rusqlite::Error> for ApiFault {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "emulator storage error");
        ApiFault::server_error(format!("The emulator's storage failed: {e}."))
    }
}

/// MissingParameter for the first required parameter that is absent.
pub fn check_required(p: &Params, names: &[&str]) -> Result<(), ApiFault> {
    for name in names {
        let present = p.get(name).is_some() || p.has_flat(name);
        if !present {
            return Err(ApiFault::missing(name));
        }
    }
    Ok(())
}

/// The `DataCenter` parameter, absent meaning cn-shanghai (the documented default).
pub fn data_center(p: &Params) -> Result<DataCenter, ApiFault> {
    Ok(p.get("DataCenter")
        .map(str::parse::<DataCenter>)
        .transpose()?
        .unwrap_or_default())
}

/// The `DataCenter` parameter as the typed requests carry it (absent stays absent).
pub fn data_center_param(p: &Params) -> Result<Option<DataCenter>, ApiFault> {
    Ok(p.get("DataCenter")
        .map(str::parse::<DataCenter>)
        .transpose()?)
}

/// The app must exist (404), the DataCenter (default cn-shanghai) must be its
/// own (400), and unless `scope` allows it, the app must not be disabled (403).
pub fn check_app(
    conn: &Connection,
    p: &Params,
    scope: AppScope,
) -> Result<Option<AppRecord>, ApiFault> {
    if scope == AppScope::None {
        return Ok(None);
    }
    let app_id = p.get("AppId").unwrap_or_default();
    let Some(app) = store::find_app(conn, app_id)? else {
        return Err(ApiFault::not_found(format!(
            "The app {app_id:?} does not exist."
        )));
    };
    let dc = data_center(p)?;
    if dc != app.data_center {
        let given = if p.get("DataCenter").is_some() {
            ""
        } else {
            " (the default when DataCenter is absent)"
        };
        return Err(ApiFault::input_invalid(format!(
            "DataCenter is {dc}{given}, but app {app_id} was created in {}",
            app.data_center
        )));
    }
    if app.disabled && scope == AppScope::Enabled {
        return Err(ApiFault::no_auth(format!(
            "The app {app_id:?} is disabled."
        )));
    }
    Ok(Some(app))
}

/// The group must exist (404); returns its record, deleted or not.
pub fn existing_group(
    conn: &Connection,
    app_id: &str,
    group_id: &str,
) -> Result<GroupRow, ApiFault> {
    store::find_group(conn, app_id, group_id)?
        .ok_or_else(|| ApiFault::not_found(format!("The group {group_id:?} does not exist.")))
}

/// The group must exist and not be deleted (404 either way).
pub fn live_group(conn: &Connection, app_id: &str, group_id: &str) -> Result<GroupRow, ApiFault> {
    let group = existing_group(conn, app_id, group_id)?;
    if group.deleted {
        return Err(ApiFault::not_found(format!(
            "The group {group_id:?} was deleted."
        )));
    }
    Ok(group)
}

/// A user ID under the service's rule (api-family.md §1): letters and
/// digits, 1–64 bytes, else 400 InputInvalid.
pub(crate) fn user_id(field: &'static str, value: &str) -> Result<(), ApiFault> {
    crate::api::validate::id(field, value).map_err(|e| ApiFault::input_invalid(e.to_string()))
}

/// A list of user IDs: each under [`user_id`]; duplicates collapsed, first
/// occurrence order kept.
pub(crate) fn user_list(field: &'static str, ids: Vec<String>) -> Result<Vec<String>, ApiFault> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        user_id(field, &id)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// A `NextPageToken`: absent, 0 or -1 mean the first page; below -1 is refused.
pub(crate) fn page_token(p: &Params) -> Result<Option<i64>, ApiFault> {
    match p.integer("NextPageToken")? {
        None | Some(0) | Some(-1) => Ok(None),
        Some(t) if t < -1 => Err(ApiFault::input_invalid(format!(
            "NextPageToken is {t}; it must be -1, 0 or a token from a previous page"
        ))),
        Some(t) => Ok(Some(t)),
    }
}

/// A `SortType` code (1 ascending, 2 descending).
pub(crate) fn sort_type(p: &Params) -> Result<crate::api::model::SortType, ApiFault> {
    Ok(crate::api::model::SortType::from_code(
        p.integer("SortType")?.unwrap_or_default(),
    )?)
}

pub(crate) fn text(p: &Params, name: &str) -> String {
    p.string(name).unwrap_or_default()
}

/// A reply body: the fields given plus `RequestId`.
pub(crate) fn reply(ctx: &Context<'_>, mut body: Value) -> Result<Value, ApiFault> {
    if let Value::Object(map) = &mut body {
        map.insert("RequestId".into(), Value::String(ctx.request_id.into()));
    }
    Ok(body)
}

/// Runs one operation: required parameters, the app checks, then the
/// family's parse and apply.
pub fn handle(
    conn: &mut Connection,
    ctx: &Context<'_>,
    action: Action,
    p: &Params,
) -> Result<Value, ApiFault> {
    check_required(p, action.required())?;
    let app = check_app(conn, p, action.app_scope())?;
    match (action, app) {
        (Action::CreateGroup, _) => groups::create(conn, ctx, p),
        (Action::DeleteGroup, _) => groups::delete(conn, ctx, p),
        (Action::ListGroups, _) => groups::list_by_page(conn, ctx, p),
        (Action::DescribeGroup, _) => groups::describe(conn, ctx, p),
        (Action::ModifyGroup, _) => groups::modify(conn, ctx, p),
        (Action::RecoverGroup, _) => groups::recover(conn, ctx, p),
        (Action::ListGroupsByToken, _) => groups::list_by_token(conn, ctx, p),
        (Action::ListGroupUsers, _) => members::list_users(conn, ctx, p),
        (Action::KickGroupUser, _) => members::kick(conn, ctx, p),
        (Action::CheckUsersInGroup, _) => members::check_in_group(conn, ctx, p),
        (Action::CheckUsersOnline, _) => members::check_online(conn, ctx, p),
        (Action::ModifyUserInfo, _) => members::modify_user_info(conn, ctx, p),
        (Action::SendMessage, _) => messages::send(conn, ctx, p),
        (Action::ListGroupMessages, Some(app)) => messages::list(conn, ctx, &app, p),
        (Action::DeleteGroupMessage, _) => messages::recall(conn, ctx, p),
        (Action::SendUserMessage, _) => messages::send_user(conn, ctx, p),
        (Action::DeleteUserMessage, _) => messages::recall_user(conn, ctx, p),
        (Action::BanGroup, _) => mutes::ban(conn, ctx, p),
        (Action::UnbanGroup, _) => mutes::unban(conn, ctx, p),
        (Action::AddGroupBand, _) => mutes::add(conn, ctx, p),
        (Action::RemoveGroupBand, _) => mutes::remove(conn, ctx, p),
        (Action::ModifyGroupBand, _) => mutes::modify(conn, ctx, p),
        (Action::DescribeGroupBand, _) => mutes::describe(conn, ctx, p),
        (Action::CreateApp, _) => apps::create(conn, ctx, p),
        (Action::ListApps, _) => apps::list(conn, ctx, p),
        (Action::DescribeApp, Some(app)) => apps::describe(ctx, &app),
        (Action::ModifyAppAudit, Some(app)) => apps::modify_audit(conn, ctx, app, p),
        (Action::ModifyAppCallback, Some(app)) => apps::modify_callback(conn, ctx, app, p),
        (Action::ModifyAppDisable, Some(app)) => apps::modify_disable(conn, ctx, app, p),
        (Action::JoinGroup, _) => members::join(conn, ctx, p),
        (Action::LeaveGroup, _) => members::leave(conn, ctx, p),
        (Action::UserSend, _) => messages::user_send(conn, ctx, p),
        (Action::AdvanceClock, _) => advance_clock(ctx, p),
        (action, None) => Err(ApiFault::server_error(format!(
            "{action} needs its app record (an emulator bug)."
        ))),
    }
}

fn advance_clock(ctx: &Context<'_>, p: &Params) -> Result<Value, ApiFault> {
    let req = super::ops::AdvanceClockRequest {
        seconds: p.integer("Seconds")?.unwrap_or_default(),
    };
    crate::api::model::Operation::validate(&req)?;
    let now = ctx.clock.advance(req.seconds);
    reply(ctx, serde_json::json!({ "Now": now.timestamp() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::DataCenter;

    fn params(pairs: &[(&str, &str)]) -> Params {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Params::from_pairs(owned.iter())
    }

    fn conn_with_app(id: &str, dc: DataCenter) -> Connection {
        let conn = store::open_for_tests();
        store::ensure_app(&conn, id, dc, 1_700_000_000).unwrap();
        conn
    }

    #[test]
    fn actions_round_trip_by_name() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
        assert_eq!(Action::from_name("DescribeRegions"), None);
    }

    #[test]
    fn missing_required_parameters_are_named_in_order() {
        let err = check_required(&params(&[("AppId", "demo")]), Action::ListGroups.required())
            .unwrap_err();
        assert_eq!(err.code, "MissingParameter");
        assert!(err.message.contains("\"SortType\""), "{}", err.message);
        let err = check_required(&params(&[]), Action::SendMessage.required()).unwrap_err();
        assert!(err.message.contains("\"AppId\""), "{}", err.message);
        // An array given as Name.1 counts as present.
        assert!(check_required(&params(&[("UserIds.1", "u")]), &["UserIds"]).is_ok());
    }

    #[test]
    fn data_center_defaults_to_cn_shanghai_before_comparing() {
        let conn = conn_with_app("sg", DataCenter::ApSoutheast1);
        let err = check_app(&conn, &params(&[("AppId", "sg")]), AppScope::Enabled).unwrap_err();
        assert_eq!(err.code, "InputInvalid");
        assert!(err.message.contains("default"), "{}", err.message);
        let ok = check_app(
            &conn,
            &params(&[("AppId", "sg"), ("DataCenter", "ap-southeast-1")]),
            AppScope::Enabled,
        );
        assert!(ok.is_ok());
        let err = check_app(
            &conn,
            &params(&[("AppId", "sg"), ("DataCenter", "mars-1")]),
            AppScope::Enabled,
        )
        .unwrap_err();
        assert_eq!(err.code, "InputInvalid");
        let err = check_app(&conn, &params(&[("AppId", "nope")]), AppScope::Enabled).unwrap_err();
        assert_eq!(
            (err.status.as_u16(), err.code.as_ref()),
            (404, "ResourceNotExist")
        );
    }
}
