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

pub mod apps;
pub mod groups;
pub mod members;
pub mod messages;
pub mod mutes;

use std::fmt;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::Value;

use super::clock::ServiceClock;
use super::store::{self, AppRecord, GroupRow};
use super::wire::{ApiFault, Params};
use crate::api::model::DataCenter;

/// The operations the emulator serves, with their wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    // groups
    CreateGroup,
    DeleteGroup,
    ListGroups,
    // members
    SendMessage,
    JoinGroup,
    LeaveGroup,
    // emulator-only
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
    pub const ALL: [Action; 8] = [
        Action::CreateGroup,
        Action::DeleteGroup,
        Action::ListGroups,
        Action::SendMessage,
        Action::JoinGroup,
        Action::LeaveGroup,
        Action::UserSend,
        Action::AdvanceClock,
    ];

    pub fn name(self) -> &'static str {
        use crate::api::model::{
            CreateGroupRequest, DeleteGroupRequest, ListGroupsRequest, Operation,
            SendMessageRequest,
        };
        use crate::emulator::ops::{
            AdvanceClockRequest, JoinGroupRequest, LeaveGroupRequest, UserSendRequest,
        };
        match self {
            Action::CreateGroup => CreateGroupRequest::ACTION,
            Action::DeleteGroup => DeleteGroupRequest::ACTION,
            Action::ListGroups => ListGroupsRequest::ACTION,
            Action::SendMessage => SendMessageRequest::ACTION,
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
        match self {
            Action::CreateGroup | Action::DeleteGroup => &["AppId", "GroupId"],
            Action::ListGroups => &["AppId", "SortType"],
            Action::SendMessage => &["AppId", "GroupId", "SenderId"],
            Action::JoinGroup | Action::LeaveGroup | Action::UserSend => {
                &["AppId", "GroupId", "UserId"]
            }
            Action::AdvanceClock => &["Seconds"],
        }
    }

    pub fn app_scope(self) -> AppScope {
        match self {
            Action::AdvanceClock => AppScope::None,
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
            _ => Some(crate::api::client::CALLS_PER_SECOND),
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
    let _app = check_app(conn, p, action.app_scope())?;
    match action {
        Action::CreateGroup => groups::create(conn, ctx, p),
        Action::DeleteGroup => groups::delete(conn, ctx, p),
        Action::ListGroups => groups::list_by_page(conn, ctx, p),
        Action::SendMessage => messages::send(conn, ctx, p),
        Action::JoinGroup => members::join(conn, ctx, p),
        Action::LeaveGroup => members::leave(conn, ctx, p),
        Action::UserSend => messages::user_send(conn, ctx, p),
        Action::AdvanceClock => advance_clock(ctx, p),
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
