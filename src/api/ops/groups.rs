//! Group operations: DescribeLiveMessageGroup, ModifyLiveMessageGroup,
//! RecoverLiveMessageDeletedGroup and the token-paged ListLiveMessageGroups.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Ack, Wire};
use crate::api::error::ApiError;
use crate::api::model::{
    DataCenter, Group, GroupStatus, Method, Operation, Param, SortType, opt_bytes,
};
use crate::api::paging::{Paged, paging_error};
use crate::api::validate::{self, ValidationError, limits};

// ------------------------------------------------------------ Describe

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DescribeGroupRequest {
    pub app_id: String,
    pub group_id: String,
    pub data_center: Option<DataCenter>,
}

/// One group in full. The deletion fields appear only for a deleted group, the
/// live counters only for one that is not deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeGroupResponse {
    pub request_id: String,
    pub group_id: String,
    pub group_name: String,
    pub group_info: String,
    pub creator_id: String,
    pub admin_list: Vec<String>,
    /// Creation time, UNIX seconds (wire name `Createtime`, lower-case t).
    pub createtime: i64,
    pub delete: bool,
    /// Deletion time, UNIX seconds (wire name `Deletatime`, sic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletatime: Option<i64>,
    /// Who deleted the group (wire name `Deletor`, sic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_user_counts: Option<i64>,
    /// Message counts per message type; keys are the MsgType as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg_amount: Option<BTreeMap<String, i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_times: Option<i64>,
    /// More than 2,000 users: the user list cannot be queried.
    pub super_large_group: bool,
}

impl Operation for DescribeGroupRequest {
    const ACTION: &'static str = "DescribeLiveMessageGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = false;
    type Response = DescribeGroupResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("GroupId", &self.group_id)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .dc(self.data_center)
            .done()
    }
}

// ------------------------------------------------------------ Modify

/// Replaces a group's administrators and/or its info. The name and the creator
/// cannot be changed. A part is replaced only when its flag is set; with the
/// flag set and no value it becomes empty (an empty list cannot be sent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifyGroupRequest {
    pub app_id: String,
    pub group_id: String,
    pub modify_admin: bool,
    /// At most 3 IDs.
    #[serde(default)]
    pub admin_list: Vec<String>,
    pub modify_info: bool,
    /// At most 32 KB.
    pub group_info: Option<String>,
    pub data_center: Option<DataCenter>,
}

impl ModifyGroupRequest {
    /// Replaces the administrators (an empty list removes them all).
    pub fn set_admins(
        app_id: impl Into<String>,
        group_id: impl Into<String>,
        admins: Vec<String>,
    ) -> Self {
        Self {
            app_id: app_id.into(),
            group_id: group_id.into(),
            modify_admin: true,
            admin_list: admins,
            ..Self::default()
        }
    }
    /// Replaces the group info (an empty text clears it).
    pub fn set_info(
        app_id: impl Into<String>,
        group_id: impl Into<String>,
        info: impl Into<String>,
    ) -> Self {
        let info: String = info.into();
        Self {
            app_id: app_id.into(),
            group_id: group_id.into(),
            modify_info: true,
            group_info: (!info.is_empty()).then_some(info),
            ..Self::default()
        }
    }
}

impl Operation for ModifyGroupRequest {
    const ACTION: &'static str = "ModifyLiveMessageGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    // It replaces values: a repeat sets the same values again.
    const RETRY_SAFE: bool = true;
    type Response = Ack;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("GroupId", &self.group_id)?;
        validate::optional_id_list("AdminList", &self.admin_list, limits::ADMINISTRATORS_MAX)?;
        opt_bytes("GroupInfo", &self.group_info, limits::GROUP_INFO_MAX)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .flag("ModifyAdmin", self.modify_admin)
            .list("AdminList", &self.admin_list)
            .flag("ModifyInfo", self.modify_info)
            .opt("GroupInfo", self.group_info.as_ref())
            .dc(self.data_center)
            .done()
    }
}

// ------------------------------------------------------------ Recover

/// Restores a group deleted at most 30 days ago (counts toward 5,000 groups).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecoverGroupRequest {
    pub app_id: String,
    pub group_id: String,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RecoverGroupResponse {
    pub request_id: String,
    pub group_id: String,
}

impl Operation for RecoverGroupRequest {
    const ACTION: &'static str = "RecoverLiveMessageDeletedGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    // Recovering a group that is not deleted changes nothing.
    const RETRY_SAFE: bool = true;
    type Response = RecoverGroupResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("GroupId", &self.group_id)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .dc(self.data_center)
            .done()
    }
}

// ------------------------------------------------------------ List (token)

/// ListLiveMessageGroups: every group of an app, 20 per page, by token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListGroupsByTokenRequest {
    pub app_id: String,
    pub sort_type: SortType,
    pub group_status: GroupStatus,
    /// `None` (or -1) asks for the first page.
    pub next_page_token: Option<i64>,
    pub data_center: Option<DataCenter>,
}

impl ListGroupsByTokenRequest {
    pub fn new(app_id: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            sort_type: SortType::Desc,
            group_status: GroupStatus::All,
            next_page_token: None,
            data_center: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListGroupsByTokenResponse {
    pub request_id: String,
    pub group_list: Vec<Group>,
    /// Wire name `Hasmore` (lower-case m).
    #[serde(rename = "Hasmore")]
    pub has_more: bool,
    /// Wire name `NextpageToken` (lower-case p), a **string**, absent on the last page.
    #[serde(rename = "NextpageToken", skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

impl Operation for ListGroupsByTokenRequest {
    const ACTION: &'static str = "ListLiveMessageGroups";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = false;
    type Response = ListGroupsByTokenResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("SortType", self.sort_type.code())
            .put("GroupStatus", self.group_status.code())
            .opt("NextPageToken", self.next_page_token)
            .dc(self.data_center)
            .done()
    }
}

impl Paged for ListGroupsByTokenRequest {
    fn token(&self) -> Option<i64> {
        self.next_page_token
    }
    fn next_page(&self, reply: &Self::Response) -> Result<Option<Self>, ApiError> {
        if !reply.has_more {
            return Ok(None);
        }
        let Some(text) = &reply.next_page_token else {
            return Err(paging_error(
                Self::ACTION,
                "Hasmore is true but NextpageToken is missing".into(),
            ));
        };
        let token = text.trim().parse::<i64>().map_err(|_| {
            paging_error(
                Self::ACTION,
                format!("NextpageToken {text:?} is not an integer"),
            )
        })?;
        Ok(Some(Self {
            next_page_token: Some(token),
            ..self.clone()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{ids, names, param};
    use super::*;
    use crate::api::validate::Problem;

    #[test]
    fn describe_reply_keeps_the_sdk_spellings() {
        let body = r#"{"RequestId":"R","GroupId":"g1","GroupName":"n","GroupInfo":"","CreatorId":"c",
            "AdminList":["a1"],"Createtime":1700000000,"Delete":true,"Deletatime":1700000100,
            "Deletor":"mod1","SuperLargeGroup":false}"#;
        let reply: DescribeGroupResponse = serde_json::from_str(body).unwrap();
        assert_eq!(reply.createtime, 1_700_000_000);
        assert_eq!(reply.deletatime, Some(1_700_000_100));
        assert_eq!(reply.deletor.as_deref(), Some("mod1"));
        assert_eq!(reply.online_user_counts, None);
        let back = serde_json::to_value(&reply).unwrap();
        assert!(back.get("Createtime").is_some() && back.get("Deletatime").is_some());
        assert!(back.get("MsgAmount").is_none(), "{back}");

        let live = r#"{"RequestId":"R","GroupId":"g1","Createtime":1,"Delete":false,
            "OnlineUserCounts":12,"MsgAmount":{"0":3,"7":1},"TotalTimes":4,"SuperLargeGroup":true}"#;
        let reply: DescribeGroupResponse = serde_json::from_str(live).unwrap();
        assert_eq!(reply.online_user_counts, Some(12));
        assert_eq!(reply.msg_amount.unwrap()["7"], 1);
        assert_eq!(reply.total_times, Some(4));
        assert!(reply.super_large_group);
    }

    #[test]
    fn modify_sends_flags_and_comma_joined_admins() {
        let req = ModifyGroupRequest::set_admins("demo", "g-1", vec!["a_1".into(), "b".into()]);
        let p = req.params();
        assert_eq!(param(&p, "ModifyAdmin"), Some("true"));
        assert_eq!(param(&p, "AdminList"), Some("a_1,b"));
        assert_eq!(param(&p, "ModifyInfo"), None);
        assert!(req.validate().is_ok());
        // Clearing the admins: the flag alone (an empty list cannot be sent).
        let clear = ModifyGroupRequest::set_admins("demo", "g", vec![]).params();
        assert_eq!(names(&clear), ["AppId", "GroupId", "ModifyAdmin"]);
        let info = ModifyGroupRequest::set_info("demo", "g", "hello").params();
        assert_eq!(param(&info, "ModifyInfo"), Some("true"));
        assert_eq!(param(&info, "GroupInfo"), Some("hello"));
    }

    #[test]
    fn modify_limits() {
        let mut req = ModifyGroupRequest::set_admins("demo", "g", ids("a", 3));
        assert!(req.validate().is_ok());
        req.admin_list = ids("a", 4);
        let err = req.validate().unwrap_err();
        assert_eq!(err.field, "AdminList");
        assert_eq!(
            err.problem,
            Problem::TooMany {
                limit: 3,
                actual: 4
            }
        );
        // A value is validated even with its flag off: the service checks it too.
        req.modify_admin = false;
        assert_eq!(req.validate().unwrap_err().field, "AdminList");
        let mut req = ModifyGroupRequest::set_info("demo", "g", "x".repeat(32 * 1024));
        assert!(req.validate().is_ok());
        req.group_info = Some("x".repeat(32 * 1024 + 1));
        assert_eq!(req.validate().unwrap_err().field, "GroupInfo");
        req.group_info = None;
        req.group_id = String::new();
        assert_eq!(req.validate().unwrap_err().problem, Problem::Missing);
    }

    #[test]
    fn recover_and_describe_accept_ids_the_service_may_list() {
        let recover = RecoverGroupRequest {
            app_id: "demo".into(),
            group_id: "c-1-1-0".into(),
            data_center: Some(DataCenter::ApSoutheast1),
        };
        assert!(recover.validate().is_ok());
        assert_eq!(
            param(&recover.params(), "DataCenter"),
            Some("ap-southeast-1")
        );
        let describe = DescribeGroupRequest {
            app_id: "demo".into(),
            group_id: "x".repeat(65),
            data_center: None,
        };
        assert_eq!(describe.validate().unwrap_err().field, "GroupId");
    }

    #[test]
    fn list_by_token_params_and_paging() {
        let mut req = ListGroupsByTokenRequest::new("demo");
        req.sort_type = SortType::Asc;
        req.group_status = GroupStatus::Deleted;
        let p = req.params();
        assert_eq!(param(&p, "SortType"), Some("1"));
        assert_eq!(param(&p, "GroupStatus"), Some("2"));
        assert_eq!(param(&p, "NextPageToken"), None);

        let reply: ListGroupsByTokenResponse = serde_json::from_str(
            r#"{"RequestId":"R","GroupList":[{"GroupId":"g","Createtime":5,"Delete":false}],
                "Hasmore":true,"NextpageToken":"21"}"#,
        )
        .unwrap();
        let next = req.next_page(&reply).unwrap().unwrap();
        assert_eq!(next.next_page_token, Some(21));
        assert_eq!(param(&next.params(), "NextPageToken"), Some("21"));
        assert_eq!(next.sort_type, SortType::Asc);

        let last: ListGroupsByTokenResponse =
            serde_json::from_str(r#"{"RequestId":"R","GroupList":[],"Hasmore":false}"#).unwrap();
        assert!(next.next_page(&last).unwrap().is_none());
        assert!(
            serde_json::to_value(&last)
                .unwrap()
                .get("NextpageToken")
                .is_none()
        );

        let broken = ListGroupsByTokenResponse {
            has_more: true,
            ..Default::default()
        };
        assert!(req.next_page(&broken).is_err());
        let garbage = ListGroupsByTokenResponse {
            has_more: true,
            next_page_token: Some("x1".into()),
            ..Default::default()
        };
        assert!(req.next_page(&garbage).is_err());
    }
}
