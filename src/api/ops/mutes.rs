//! Mute operations. Five write (10 calls/s each): BanLiveMessageGroup and
//! UnbanLiveMessageGroup (the whole-group mute), AddLiveMessageGroupBand,
//! RemoveLiveMessageGroupBand and ModifyLiveMessageGroupBand (individual mutes);
//! DescribeLiveMessageGroupBand reads (50/s). Admins and the creator are never muted.

use serde::{Deserialize, Serialize};

use super::{Ack, Wire};
use crate::api::model::{DataCenter, MUTE_CALLS_PER_SECOND, Method, Operation, Param};
use crate::api::validate::{self, ValidationError, limits};

/// The fields and rules the six mute operations share.
fn group(app_id: &str, group_id: &str) -> Result<(), ValidationError> {
    validate::lenient_id("AppId", app_id)?;
    validate::lenient_id("GroupId", group_id)
}

/// Mutes the whole group, except `except_users` (which replace any earlier exceptions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BanGroupRequest {
    pub app_id: String,
    pub group_id: String,
    /// At most 30 IDs.
    #[serde(default)]
    pub except_users: Vec<String>,
    pub data_center: Option<DataCenter>,
}

impl Operation for BanGroupRequest {
    const ACTION: &'static str = "BanLiveMessageGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    const CALLS_PER_SECOND: u32 = MUTE_CALLS_PER_SECOND;
    // It sets the state: a repeat sets the same state.
    const RETRY_SAFE: bool = true;
    type Response = Ack;

    fn validate(&self) -> Result<(), ValidationError> {
        group(&self.app_id, &self.group_id)?;
        validate::optional_id_list("ExceptUsers", &self.except_users, limits::MUTE_LIST_MAX)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .list("ExceptUsers", &self.except_users)
            .dc(self.data_center)
            .done()
    }
}

/// Lifts the whole-group mute; individual mutes stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnbanGroupRequest {
    pub app_id: String,
    pub group_id: String,
    pub data_center: Option<DataCenter>,
}

impl Operation for UnbanGroupRequest {
    const ACTION: &'static str = "UnbanLiveMessageGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    const CALLS_PER_SECOND: u32 = MUTE_CALLS_PER_SECOND;
    const RETRY_SAFE: bool = true;
    type Response = Ack;

    fn validate(&self) -> Result<(), ValidationError> {
        group(&self.app_id, &self.group_id)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .dc(self.data_center)
            .done()
    }
}

/// Mutes users individually (added to those already muted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AddGroupBandRequest {
    pub app_id: String,
    pub group_id: String,
    /// 1 to 30 IDs (wire name `BannedUsers`, two n's).
    pub banned_users: Vec<String>,
    pub data_center: Option<DataCenter>,
}

impl Operation for AddGroupBandRequest {
    const ACTION: &'static str = "AddLiveMessageGroupBand";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    const CALLS_PER_SECOND: u32 = MUTE_CALLS_PER_SECOND;
    // Muting a muted user changes nothing.
    const RETRY_SAFE: bool = true;
    type Response = Ack;

    fn validate(&self) -> Result<(), ValidationError> {
        group(&self.app_id, &self.group_id)?;
        validate::id_list("BannedUsers", &self.banned_users, limits::MUTE_LIST_MAX)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .list("BannedUsers", &self.banned_users)
            .dc(self.data_center)
            .done()
    }
}

/// Unmutes users muted individually.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RemoveGroupBandRequest {
    pub app_id: String,
    pub group_id: String,
    /// 1 to 30 IDs.
    pub unbanned_users: Vec<String>,
    pub data_center: Option<DataCenter>,
}

impl Operation for RemoveGroupBandRequest {
    const ACTION: &'static str = "RemoveLiveMessageGroupBand";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    const CALLS_PER_SECOND: u32 = MUTE_CALLS_PER_SECOND;
    const RETRY_SAFE: bool = true;
    type Response = Ack;

    fn validate(&self) -> Result<(), ValidationError> {
        group(&self.app_id, &self.group_id)?;
        validate::id_list("UnbannedUsers", &self.unbanned_users, limits::MUTE_LIST_MAX)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .list("UnbannedUsers", &self.unbanned_users)
            .dc(self.data_center)
            .done()
    }
}

/// Replaces parts of the mute state: each part given replaces that part, each
/// part absent stays. An empty list cannot be sent (it counts as absent), so a
/// list is cleared with RemoveLiveMessageGroupBand / UnbanLiveMessageGroup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModifyGroupBandRequest {
    pub app_id: String,
    pub group_id: String,
    pub banned_all: Option<bool>,
    /// At most 30 IDs; wire name **`BannnedUsers`** (three n's, as in the SDKs).
    #[serde(default)]
    pub banned_users: Vec<String>,
    /// At most 30 IDs.
    #[serde(default)]
    pub except_users: Vec<String>,
    pub data_center: Option<DataCenter>,
}

impl Operation for ModifyGroupBandRequest {
    const ACTION: &'static str = "ModifyLiveMessageGroupBand";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    const CALLS_PER_SECOND: u32 = MUTE_CALLS_PER_SECOND;
    const RETRY_SAFE: bool = true;
    type Response = Ack;

    fn validate(&self) -> Result<(), ValidationError> {
        group(&self.app_id, &self.group_id)?;
        validate::optional_id_list("BannnedUsers", &self.banned_users, limits::MUTE_LIST_MAX)?;
        validate::optional_id_list("ExceptUsers", &self.except_users, limits::MUTE_LIST_MAX)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .opt("BannedAll", self.banned_all)
            .list("BannnedUsers", &self.banned_users)
            .list("ExceptUsers", &self.except_users)
            .dc(self.data_center)
            .done()
    }
}

/// The mute state of a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DescribeGroupBandRequest {
    pub app_id: String,
    pub group_id: String,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeGroupBandResponse {
    pub request_id: String,
    pub group_id: String,
    /// Whole-group mute on; wire name **`IsbannedAll`** (lower-case b).
    #[serde(rename = "IsbannedAll")]
    pub is_banned_all: bool,
    /// Users muted individually, in the order they were muted.
    pub banned_user_list: Vec<String>,
    /// Users exempt from the whole-group mute.
    pub unbanned_user_list: Vec<String>,
}

impl Operation for DescribeGroupBandRequest {
    const ACTION: &'static str = "DescribeLiveMessageGroupBand";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = false;
    type Response = DescribeGroupBandResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        group(&self.app_id, &self.group_id)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .dc(self.data_center)
            .done()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{ids, param};
    use super::*;
    use crate::api::validate::Problem;

    fn too_many(err: ValidationError, field: &str) {
        assert_eq!(err.field, field);
        assert_eq!(
            err.problem,
            Problem::TooMany {
                limit: 30,
                actual: 31
            }
        );
    }

    #[test]
    fn the_five_writers_are_paced_at_10_per_second() {
        assert_eq!(BanGroupRequest::CALLS_PER_SECOND, 10);
        assert_eq!(UnbanGroupRequest::CALLS_PER_SECOND, 10);
        assert_eq!(AddGroupBandRequest::CALLS_PER_SECOND, 10);
        assert_eq!(RemoveGroupBandRequest::CALLS_PER_SECOND, 10);
        assert_eq!(ModifyGroupBandRequest::CALLS_PER_SECOND, 10);
        assert_eq!(DescribeGroupBandRequest::CALLS_PER_SECOND, 50);
        assert_eq!(
            super::super::documented_rate("ModifyLiveMessageGroupBand"),
            10
        );
        assert_eq!(super::super::documented_rate("UnbanLiveMessageGroup"), 10);
        assert_eq!(
            super::super::documented_rate("DescribeLiveMessageGroupBand"),
            50
        );
        assert_eq!(super::super::documented_rate("SendLiveMessageGroup"), 50);
    }

    #[test]
    fn ban_takes_up_to_30_exceptions() {
        let mut req = BanGroupRequest {
            app_id: "demo".into(),
            group_id: "g".into(),
            except_users: ids("u", 30),
            data_center: None,
        };
        assert!(req.validate().is_ok());
        assert!(
            param(&req.params(), "ExceptUsers")
                .unwrap()
                .starts_with("u0,u1,")
        );
        req.except_users = ids("u", 31);
        too_many(req.validate().unwrap_err(), "ExceptUsers");
        req.except_users.clear();
        assert!(req.validate().is_ok());
        assert_eq!(param(&req.params(), "ExceptUsers"), None);
    }

    #[test]
    fn add_and_remove_need_1_to_30_users() {
        let mut add = AddGroupBandRequest {
            app_id: "demo".into(),
            group_id: "g".into(),
            banned_users: vec!["troll_1".into(), "troll2".into()],
            data_center: None,
        };
        assert!(add.validate().is_ok());
        assert_eq!(param(&add.params(), "BannedUsers"), Some("troll_1,troll2"));
        add.banned_users = ids("u", 31);
        too_many(add.validate().unwrap_err(), "BannedUsers");
        add.banned_users.clear();
        assert_eq!(add.validate().unwrap_err().problem, Problem::Missing);

        let mut remove = RemoveGroupBandRequest {
            app_id: "demo".into(),
            group_id: "g".into(),
            unbanned_users: ids("u", 30),
            data_center: None,
        };
        assert!(remove.validate().is_ok());
        assert!(param(&remove.params(), "UnbannedUsers").is_some());
        remove.unbanned_users = ids("u", 31);
        too_many(remove.validate().unwrap_err(), "UnbannedUsers");
        remove.unbanned_users.clear();
        assert_eq!(remove.validate().unwrap_err().field, "UnbannedUsers");
    }

    #[test]
    fn modify_band_spells_bannned_users_with_three_ns() {
        let mut req = ModifyGroupBandRequest {
            app_id: "demo".into(),
            group_id: "g".into(),
            banned_all: Some(false),
            banned_users: vec!["a".into(), "b".into()],
            except_users: vec!["c".into()],
            data_center: None,
        };
        let p = req.params();
        assert_eq!(param(&p, "BannnedUsers"), Some("a,b"));
        assert_eq!(param(&p, "BannedUsers"), None);
        assert_eq!(param(&p, "BannedAll"), Some("false"));
        assert_eq!(param(&p, "ExceptUsers"), Some("c"));
        req.banned_users = ids("u", 31);
        too_many(req.validate().unwrap_err(), "BannnedUsers");
        req.banned_users.clear();
        req.except_users = ids("u", 31);
        too_many(req.validate().unwrap_err(), "ExceptUsers");
        // Nothing given: nothing but the group is sent.
        let bare = ModifyGroupBandRequest {
            app_id: "demo".into(),
            group_id: "g".into(),
            ..Default::default()
        };
        assert_eq!(bare.params().len(), 2);
    }

    #[test]
    fn describe_band_reads_isbanned_all() {
        let reply: DescribeGroupBandResponse = serde_json::from_str(
            r#"{"RequestId":"R","GroupId":"g","IsbannedAll":true,"BannedUserList":["a","b"],"UnbannedUserList":["c"]}"#,
        )
        .unwrap();
        assert!(reply.is_banned_all);
        assert_eq!(reply.banned_user_list, ["a", "b"]);
        assert_eq!(reply.unbanned_user_list, ["c"]);
        let back = serde_json::to_value(&reply).unwrap();
        assert_eq!(back["IsbannedAll"], true);
    }
}
