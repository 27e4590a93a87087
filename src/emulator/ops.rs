//! Emulator-only operations: simulated users joining and leaving a group, so
//! sends (which need online users) can be exercised. They are signed and
//! called like any other operation, so the real [`crate::api::Client`] calls them.

use serde::{Deserialize, Serialize};

use crate::api::model::{DataCenter, Method, Operation, Param};
use crate::api::validate::{self, ValidationError};

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
