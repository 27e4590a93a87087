//! What every LiveMessage operation shares (the [`Operation`] trait, data
//! centers, sort orders, the wire-parameter helpers) and the typed requests and
//! responses of the four original group operations (`live` 2016-11-01). The other
//! 25 operations live in [`super::ops`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::validate::{self, Problem, ValidationError, limits};

pub const API_VERSION: &str = "2016-11-01";

/// HTTP method an operation is called with (the SDKs use GET for the list call only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// Where an interactive-messaging app lives; must match the app's own data center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
pub enum DataCenter {
    #[default]
    #[serde(rename = "cn-shanghai")]
    CnShanghai,
    #[serde(rename = "ap-southeast-1")]
    ApSoutheast1,
}

impl DataCenter {
    pub const ALLOWED: &'static str = "cn-shanghai, ap-southeast-1";
    pub fn as_str(self) -> &'static str {
        match self {
            DataCenter::CnShanghai => "cn-shanghai",
            DataCenter::ApSoutheast1 => "ap-southeast-1",
        }
    }
}

impl fmt::Display for DataCenter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DataCenter {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cn-shanghai" => Ok(DataCenter::CnShanghai),
            "ap-southeast-1" => Ok(DataCenter::ApSoutheast1),
            other => Err(ValidationError::new(
                "DataCenter",
                Problem::NotOneOf {
                    allowed: DataCenter::ALLOWED,
                    actual: other.to_string(),
                },
            )),
        }
    }
}

/// Sort by creation time: 1 ascending, 2 descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum SortType {
    Asc,
    #[default]
    Desc,
}

impl SortType {
    pub fn code(self) -> u8 {
        match self {
            SortType::Asc => 1,
            SortType::Desc => 2,
        }
    }
    pub fn from_code(code: i64) -> Result<Self, ValidationError> {
        match code {
            1 => Ok(SortType::Asc),
            2 => Ok(SortType::Desc),
            other => Err(ValidationError::new(
                "SortType",
                Problem::NotOneOf {
                    allowed: "1 (ascending), 2 (descending)",
                    actual: other.to_string(),
                },
            )),
        }
    }
    pub fn toggled(self) -> Self {
        match self {
            SortType::Asc => SortType::Desc,
            SortType::Desc => SortType::Asc,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            SortType::Asc => "asc",
            SortType::Desc => "desc",
        }
    }
}

impl FromStr for SortType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "asc" | "1" => Ok(SortType::Asc),
            "desc" | "2" => Ok(SortType::Desc),
            other => Err(format!("unknown sort order {other:?}; use asc or desc")),
        }
    }
}

/// Which groups a page lists: 0 all, 1 existing, 2 deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum GroupStatus {
    #[default]
    All,
    Existing,
    Deleted,
}

impl GroupStatus {
    pub fn code(self) -> u8 {
        match self {
            GroupStatus::All => 0,
            GroupStatus::Existing => 1,
            GroupStatus::Deleted => 2,
        }
    }
    pub fn from_code(code: i64) -> Result<Self, ValidationError> {
        match code {
            0 => Ok(GroupStatus::All),
            1 => Ok(GroupStatus::Existing),
            2 => Ok(GroupStatus::Deleted),
            other => Err(ValidationError::new(
                "GroupStatus",
                Problem::NotOneOf {
                    allowed: "0 (all), 1 (existing), 2 (deleted)",
                    actual: other.to_string(),
                },
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            GroupStatus::All => "all",
            GroupStatus::Existing => "existing",
            GroupStatus::Deleted => "deleted",
        }
    }
    /// all → existing → deleted → all, for a one-key cycle in the console.
    pub fn next(self) -> Self {
        match self {
            GroupStatus::All => GroupStatus::Existing,
            GroupStatus::Existing => GroupStatus::Deleted,
            GroupStatus::Deleted => GroupStatus::All,
        }
    }
}

impl FromStr for GroupStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "all" | "0" => Ok(GroupStatus::All),
            "existing" | "1" => Ok(GroupStatus::Existing),
            "deleted" | "2" => Ok(GroupStatus::Deleted),
            other => Err(format!(
                "unknown group status {other:?}; use all, existing or deleted"
            )),
        }
    }
}

/// One request parameter as it goes on the wire.
pub type Param = (&'static str, String);

/// The documented rate limit of most operations: calls per second per account
/// and operation.
pub const DEFAULT_CALLS_PER_SECOND: u32 = 50;
/// The documented rate limit of the five mute-writing operations.
pub const MUTE_CALLS_PER_SECOND: u32 = 10;

/// What every operation tells the transport about itself.
pub trait Operation {
    const ACTION: &'static str;
    const METHOD: Method;
    /// Whether the call changes the service's state (refused in read-only mode,
    /// recorded in the audit log).
    const MUTATING: bool;
    /// The documented rate limit for this operation (per account and operation).
    const CALLS_PER_SECOND: u32 = DEFAULT_CALLS_PER_SECOND;
    /// Whether repeating the call after a failure of unknown outcome (a 5xx, a
    /// connection cut mid-reply) is harmless: reads, and writes whose repeat
    /// changes nothing more and whose reply stays truthful (create answers
    /// `AlreadyExists`, delete "deleted or non-existent", setting a mute list
    /// sets it again). A send is not: a repeat may deliver the message twice.
    const RETRY_SAFE: bool = !Self::MUTATING;
    type Response: serde::de::DeserializeOwned + Serialize + fmt::Debug + Send + Sync + 'static;

    /// Checks every documented constraint before the request leaves the machine.
    fn validate(&self) -> Result<(), ValidationError>;
    /// Business parameters (without the common/signature ones); arrays comma-joined.
    fn params(&self) -> Vec<Param>;
}

pub(crate) fn push_opt(params: &mut Vec<Param>, name: &'static str, value: &Option<String>) {
    if let Some(v) = value {
        params.push((name, v.clone()));
    }
}

pub(crate) fn push_dc(params: &mut Vec<Param>, dc: Option<DataCenter>) {
    if let Some(dc) = dc {
        params.push(("DataCenter", dc.as_str().to_string()));
    }
}

/// An optional ID under the strict rule (MsgTid, OperatorId, DeleterId).
pub(crate) fn opt_strict_id(
    field: &'static str,
    value: &Option<String>,
) -> Result<(), ValidationError> {
    match value {
        Some(v) => validate::optional_id(field, v),
        None => Ok(()),
    }
}

pub(crate) fn opt_bytes(
    field: &'static str,
    value: &Option<String>,
    limit: usize,
) -> Result<(), ValidationError> {
    match value {
        Some(v) => validate::max_bytes(field, v, limit),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------- Create

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateGroupRequest {
    pub app_id: String,
    pub group_id: String,
    pub group_name: Option<String>,
    pub group_info: Option<String>,
    #[serde(default)]
    pub administrators: Vec<String>,
    pub creator_id: Option<String>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateGroupResponse {
    pub request_id: String,
    pub group_id: String,
    #[serde(default)]
    pub already_exists: bool,
    #[serde(default)]
    pub already_delete: bool,
}

impl CreateGroupRequest {
    /// Every check; `id` is the rule for the IDs of the new group (GroupId,
    /// Administrators, CreatorId): strict by default, lenient by consent.
    fn check(
        &self,
        id: fn(&'static str, &str) -> Result<(), ValidationError>,
    ) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        id("GroupId", &self.group_id)?;
        opt_bytes("GroupName", &self.group_name, limits::GROUP_NAME_MAX)?;
        opt_bytes("GroupInfo", &self.group_info, limits::GROUP_INFO_MAX)?;
        validate::max_items(
            "Administrators",
            &self.administrators,
            limits::ADMINISTRATORS_MAX,
        )?;
        for admin in &self.administrators {
            id("Administrators", admin)?;
            validate::list_entry("Administrators", admin)?;
        }
        match self.creator_id.as_deref() {
            Some(creator) if !creator.is_empty() => id("CreatorId", creator),
            _ => Ok(()),
        }
    }
}

impl Operation for CreateGroupRequest {
    const ACTION: &'static str = "CreateLiveMessageGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    // A repeat answers AlreadyExists: the reply stays truthful.
    const RETRY_SAFE: bool = true;
    type Response = CreateGroupResponse;

    /// The new group's IDs are ones livemod writes into the service: they must
    /// be portable (letters and digits). [`CreateGroupAnyId`] is the explicit
    /// override.
    fn validate(&self) -> Result<(), ValidationError> {
        self.check(validate::id)
    }

    fn params(&self) -> Vec<Param> {
        let mut p = vec![
            ("AppId", self.app_id.clone()),
            ("GroupId", self.group_id.clone()),
        ];
        push_opt(&mut p, "GroupName", &self.group_name);
        push_opt(&mut p, "GroupInfo", &self.group_info);
        if !self.administrators.is_empty() {
            p.push(("Administrators", self.administrators.join(",")));
        }
        push_opt(&mut p, "CreatorId", &self.creator_id);
        push_dc(&mut p, self.data_center);
        p
    }
}

/// CreateLiveMessageGroup with the user's explicit consent to IDs that are not
/// letters and digits only (the service may accept `c-1-1-0` or `user_77`; the
/// official examples use such IDs). Only the length and emptiness of the
/// GroupId, Administrators and CreatorId are checked; the service decides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateGroupAnyId(pub CreateGroupRequest);

impl Operation for CreateGroupAnyId {
    const ACTION: &'static str = CreateGroupRequest::ACTION;
    const METHOD: Method = CreateGroupRequest::METHOD;
    const MUTATING: bool = CreateGroupRequest::MUTATING;
    const RETRY_SAFE: bool = CreateGroupRequest::RETRY_SAFE;
    type Response = CreateGroupResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        self.0.check(validate::lenient_id)
    }
    fn params(&self) -> Vec<Param> {
        self.0.params()
    }
}

// ---------------------------------------------------------------- Delete

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteGroupRequest {
    pub app_id: String,
    pub group_id: String,
    pub operator_id: Option<String>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteGroupResponse {
    pub request_id: String,
    pub group_id: String,
}

impl Operation for DeleteGroupRequest {
    const ACTION: &'static str = "DeleteLiveMessageGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    // A repeat answers "deleted or non-existent" and changes nothing more.
    const RETRY_SAFE: bool = true;
    type Response = DeleteGroupResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("GroupId", &self.group_id)?;
        // The documentation says "only letters and digits" for OperatorId.
        opt_strict_id("OperatorId", &self.operator_id)
    }

    fn params(&self) -> Vec<Param> {
        let mut p = vec![
            ("AppId", self.app_id.clone()),
            ("GroupId", self.group_id.clone()),
        ];
        push_opt(&mut p, "OperatorId", &self.operator_id);
        push_dc(&mut p, self.data_center);
        p
    }
}

// ---------------------------------------------------------------- List

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListGroupsRequest {
    pub app_id: String,
    pub sort_type: SortType,
    pub page_size: u32,
    pub page_number: u32,
    pub group_status: GroupStatus,
    pub data_center: Option<DataCenter>,
}

impl ListGroupsRequest {
    /// The documented defaults: page 1 of 20, all groups.
    pub fn new(app_id: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            sort_type: SortType::Desc,
            page_size: 20,
            page_number: 1,
            group_status: GroupStatus::All,
            data_center: None,
        }
    }
}

/// One group as ListLiveMessageGroupByPage describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Group {
    pub group_id: String,
    #[serde(default)]
    pub group_name: String,
    #[serde(default)]
    pub group_info: String,
    #[serde(default)]
    pub creator_id: String,
    #[serde(default)]
    pub admin_list: Vec<String>,
    /// Creation time, UNIX seconds.
    #[serde(default)]
    pub createtime: i64,
    #[serde(default)]
    pub delete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListGroupsResponse {
    pub request_id: String,
    pub total_count: u64,
    pub page_number: u32,
    pub page_size: u32,
    #[serde(default)]
    pub group_list: Vec<Group>,
}

impl ListGroupsResponse {
    /// Pages needed for TotalCount at this page size (at least 1).
    pub fn page_count(&self) -> u32 {
        page_count(self.total_count, self.page_size)
    }
}

pub fn page_count(total: u64, page_size: u32) -> u32 {
    let size = u64::from(page_size.max(1));
    (total.div_ceil(size)).clamp(1, u64::from(limits::PAGE_NUMBER_MAX)) as u32
}

impl Operation for ListGroupsRequest {
    const ACTION: &'static str = "ListLiveMessageGroupByPage";
    const METHOD: Method = Method::Get;
    const MUTATING: bool = false;
    type Response = ListGroupsResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::range(
            "PageSize",
            self.page_size.into(),
            limits::PAGE_SIZE_MIN.into(),
            limits::PAGE_SIZE_MAX.into(),
        )?;
        validate::range(
            "PageNumber",
            self.page_number.into(),
            limits::PAGE_NUMBER_MIN.into(),
            limits::PAGE_NUMBER_MAX.into(),
        )
    }

    fn params(&self) -> Vec<Param> {
        let mut p = vec![
            ("AppId", self.app_id.clone()),
            ("SortType", self.sort_type.code().to_string()),
            ("PageSize", self.page_size.to_string()),
            ("PageNumber", self.page_number.to_string()),
            ("GroupStatus", self.group_status.code().to_string()),
        ];
        push_dc(&mut p, self.data_center);
        p
    }
}

// ---------------------------------------------------------------- Send

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SendMessageRequest {
    pub app_id: String,
    pub group_id: String,
    pub sender_id: String,
    pub sender_meta_info: Option<String>,
    pub body: Option<String>,
    pub msg_type: Option<i64>,
    pub msg_tid: Option<String>,
    pub statics_increase: Option<i64>,
    pub weight: Option<i64>,
    pub no_storage: Option<bool>,
    pub no_cache: Option<bool>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendMessageResponse {
    pub request_id: String,
    pub msg_tid: String,
}

impl Operation for SendMessageRequest {
    const ACTION: &'static str = "SendLiveMessageGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    // Whether the service de-duplicates on MsgTid is not documented: a repeat
    // after an unknown outcome may deliver the message twice.
    const RETRY_SAFE: bool = false;
    type Response = SendMessageResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("GroupId", &self.group_id)?;
        validate::lenient_id("SenderId", &self.sender_id)?;
        opt_bytes(
            "SenderMetaInfo",
            &self.sender_meta_info,
            limits::SENDER_META_MAX,
        )?;
        opt_bytes("Body", &self.body, limits::BODY_MAX)?;
        // The documentation says "only letters and digits" for MsgTid.
        opt_strict_id("MsgTid", &self.msg_tid)
    }

    fn params(&self) -> Vec<Param> {
        let mut p = vec![
            ("AppId", self.app_id.clone()),
            ("GroupId", self.group_id.clone()),
            ("SenderId", self.sender_id.clone()),
        ];
        push_opt(&mut p, "SenderMetaInfo", &self.sender_meta_info);
        push_opt(&mut p, "Body", &self.body);
        if let Some(t) = self.msg_type {
            p.push(("MsgType", t.to_string()));
        }
        push_opt(&mut p, "MsgTid", &self.msg_tid);
        if let Some(v) = self.statics_increase {
            p.push(("StaticsIncrease", v.to_string()));
        }
        if let Some(v) = self.weight {
            p.push(("Weight", v.to_string()));
        }
        if let Some(v) = self.no_storage {
            p.push(("NoStorage", v.to_string()));
        }
        if let Some(v) = self.no_cache {
            p.push(("NoCache", v.to_string()));
        }
        push_dc(&mut p, self.data_center);
        p
    }
}

/// A fresh MsgTid: 32 hex digits, letters and digits only as the service requires.
pub fn new_msg_tid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests;
