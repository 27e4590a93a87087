//! Emulator-only operations: simulated users joining and leaving a group (so
//! sends, which need online users, can be exercised), posting as a user, and
//! moving the service clock. They are signed and called like any other
//! operation, so the real [`crate::api::Client`] calls them; livemod never
//! sends them to a real endpoint.

use serde::{Deserialize, Serialize};

use crate::api::model::{DataCenter, Method, Operation, Param};
use crate::api::validate::{self, ValidationError, limits};

/// `EmulatorJoinGroup`: one user comes online in a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroupRequest {
    pub app_id: String,
    pub group_id: String,
    pub user_id: String,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JoinGroupResponse {
    pub request_id: String,
    pub group_id: String,
    pub user_id: String,
    /// False when the user was already in the group (the call is idempotent).
    pub joined: bool,
    /// Online users after the call (simulated audience plus joined users).
    pub online_users: u64,
}

/// `EmulatorLeaveGroup`: one joined user goes offline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveGroupRequest {
    pub app_id: String,
    pub group_id: String,
    pub user_id: String,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LeaveGroupResponse {
    pub request_id: String,
    pub group_id: String,
    pub user_id: String,
    /// False when the user was not in the group (the call is idempotent).
    pub left: bool,
    pub online_users: u64,
}

fn validate_member(app: &str, group: &str, user: &str) -> Result<(), ValidationError> {
    validate::id("AppId", app)?;
    validate::id("GroupId", group)?;
    validate::id("UserId", user)
}

fn member_params(app: &str, group: &str, user: &str, dc: Option<DataCenter>) -> Vec<Param> {
    let mut p = vec![
        ("AppId", app.to_string()),
        ("GroupId", group.to_string()),
        ("UserId", user.to_string()),
    ];
    if let Some(dc) = dc {
        p.push(("DataCenter", dc.as_str().to_string()));
    }
    p
}

impl Operation for JoinGroupRequest {
    const ACTION: &'static str = "EmulatorJoinGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    type Response = JoinGroupResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_member(&self.app_id, &self.group_id, &self.user_id)
    }

    fn params(&self) -> Vec<Param> {
        member_params(
            &self.app_id,
            &self.group_id,
            &self.user_id,
            self.data_center,
        )
    }
}

impl Operation for LeaveGroupRequest {
    const ACTION: &'static str = "EmulatorLeaveGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    type Response = LeaveGroupResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_member(&self.app_id, &self.group_id, &self.user_id)
    }

    fn params(&self) -> Vec<Param> {
        member_params(
            &self.app_id,
            &self.group_id,
            &self.user_id,
            self.data_center,
        )
    }
}

/// `EmulatorUserSend`: a simulated audience member posts to a group (a
/// client-side send). Refused with 403 `NoAuth` when the user is not online in
/// the group or is muted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSendRequest {
    pub app_id: String,
    pub group_id: String,
    pub user_id: String,
    pub body: Option<String>,
    pub msg_type: Option<i64>,
    /// Generated when absent.
    pub msg_tid: Option<String>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserSendResponse {
    pub request_id: String,
    pub msg_tid: String,
}

impl Operation for UserSendRequest {
    const ACTION: &'static str = "EmulatorUserSend";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    type Response = UserSendResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_member(&self.app_id, &self.group_id, &self.user_id)?;
        validate::max_bytes(
            "Body",
            self.body.as_deref().unwrap_or_default(),
            limits::BODY_MAX,
        )?;
        validate::optional_id("MsgTid", self.msg_tid.as_deref().unwrap_or_default())
    }

    fn params(&self) -> Vec<Param> {
        let mut p = member_params(
            &self.app_id,
            &self.group_id,
            &self.user_id,
            self.data_center,
        );
        if let Some(body) = &self.body {
            p.push(("Body", body.clone()));
        }
        if let Some(t) = self.msg_type {
            p.push(("MsgType", t.to_string()));
        }
        if let Some(tid) = &self.msg_tid {
            p.push(("MsgTid", tid.clone()));
        }
        p
    }
}

/// `EmulatorAdvanceClock`: moves the service clock forward (0 to ten years),
/// so the 30-day recovery window and message retention can be tested.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvanceClockRequest {
    pub seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdvanceClockResponse {
    pub request_id: String,
    /// The service clock after the move, UNIX seconds.
    pub now: i64,
}

impl Operation for AdvanceClockRequest {
    const ACTION: &'static str = "EmulatorAdvanceClock";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    type Response = AdvanceClockResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::range(
            "Seconds",
            self.seconds,
            0,
            super::clock::MAX_ADVANCE_SECONDS,
        )
    }

    fn params(&self) -> Vec<Param> {
        vec![("Seconds", self.seconds.to_string())]
    }
}
