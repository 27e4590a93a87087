//! Member and user operations: ListLiveMessageGroupUsers (token paged),
//! KickLiveMessageGroupUser, CheckLiveMessageUsersInGroup,
//! CheckLiveMessageUsersOnline and ModifyLiveMessageUserInfo.

use serde::{Deserialize, Serialize};

use super::{Ack, Wire};
use crate::api::error::ApiError;
use crate::api::model::{DataCenter, Method, Operation, Param, SortType, opt_bytes};
use crate::api::paging::{Paged, paging_error};
use crate::api::validate::{self, ValidationError, limits};

// ------------------------------------------------------------ List users

/// The users in a group, by the time they joined. A super group (more than
/// 2,000 users) has no queryable list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListGroupUsersRequest {
    pub app_id: String,
    pub group_id: String,
    /// 10 to 50.
    pub page_size: u32,
    pub sort_type: SortType,
    pub next_page_token: Option<i64>,
    pub data_center: Option<DataCenter>,
}

impl ListGroupUsersRequest {
    pub fn new(app_id: impl Into<String>, group_id: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            group_id: group_id.into(),
            page_size: limits::TOKEN_PAGE_SIZE_MAX,
            sort_type: SortType::Asc,
            next_page_token: None,
            data_center: None,
        }
    }
}

/// A user and the extended info they joined with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GroupUser {
    pub user_id: String,
    pub user_info: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListGroupUsersResponse {
    pub request_id: String,
    pub group_id: String,
    pub user_list: Vec<GroupUser>,
    /// Wire name `Hasmore` (lower-case m).
    #[serde(rename = "Hasmore")]
    pub has_more: bool,
    /// 0 = no next page.
    pub next_page_token: i64,
}

impl Operation for ListGroupUsersRequest {
    const ACTION: &'static str = "ListLiveMessageGroupUsers";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = false;
    type Response = ListGroupUsersResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("GroupId", &self.group_id)?;
        validate::range(
            "PageSize",
            self.page_size.into(),
            limits::TOKEN_PAGE_SIZE_MIN.into(),
            limits::TOKEN_PAGE_SIZE_MAX.into(),
        )
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .put("PageSize", self.page_size)
            .put("SortType", self.sort_type.code())
            .opt("NextPageToken", self.next_page_token)
            .dc(self.data_center)
            .done()
    }
}

/// The next request of a list whose replies answer `Hasmore` and an integer
/// `NextPageToken` where 0 means "no next page".
pub(crate) fn next_by_int_token<R: Clone>(
    action: &'static str,
    request: &R,
    has_more: bool,
    token: i64,
    with_token: impl FnOnce(R, i64) -> R,
) -> Result<Option<R>, ApiError> {
    match (has_more, token) {
        (false, _) => Ok(None),
        (true, 0) => Err(paging_error(
            action,
            "Hasmore is true but NextPageToken is 0 (no next page)".into(),
        )),
        (true, token) => Ok(Some(with_token(request.clone(), token))),
    }
}

impl Paged for ListGroupUsersRequest {
    fn token(&self) -> Option<i64> {
        self.next_page_token
    }
    fn next_page(&self, reply: &Self::Response) -> Result<Option<Self>, ApiError> {
        next_by_int_token(
            Self::ACTION,
            self,
            reply.has_more,
            reply.next_page_token,
            |r, t| Self {
                next_page_token: Some(t),
                ..r
            },
        )
    }
}

// ------------------------------------------------------------ Kick

/// Removes one user from a group's online users (they may join again).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KickGroupUserRequest {
    pub app_id: String,
    pub group_id: String,
    /// Wire name `KickoffUser`: one user ID, not an array.
    pub kickoff_user: String,
    pub data_center: Option<DataCenter>,
}

impl Operation for KickGroupUserRequest {
    const ACTION: &'static str = "KickLiveMessageGroupUser";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    // Kicking a user who is not there changes nothing.
    const RETRY_SAFE: bool = true;
    type Response = Ack;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("GroupId", &self.group_id)?;
        validate::lenient_id("KickoffUser", &self.kickoff_user)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .put("KickoffUser", &self.kickoff_user)
            .dc(self.data_center)
            .done()
    }
}

// ------------------------------------------------------------ Check

/// Whether a user is present: "in the group" for CheckLiveMessageUsersInGroup,
/// "online in any group" for CheckLiveMessageUsersOnline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserPresence {
    pub user_id: String,
    pub online: bool,
}

/// Which of 1 to 10 users are in a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CheckUsersInGroupRequest {
    pub app_id: String,
    pub group_id: String,
    pub user_ids: Vec<String>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CheckUsersInGroupResponse {
    pub request_id: String,
    /// Wire name `Users`; `Online` means "is in the group".
    pub users: Vec<UserPresence>,
}

impl Operation for CheckUsersInGroupRequest {
    const ACTION: &'static str = "CheckLiveMessageUsersInGroup";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = false;
    type Response = CheckUsersInGroupResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("GroupId", &self.group_id)?;
        validate::id_list("UserIds", &self.user_ids, limits::CHECK_USERS_MAX)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .list("UserIds", &self.user_ids)
            .dc(self.data_center)
            .done()
    }
}

/// Which of 1 to 10 users are online in any group of the app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CheckUsersOnlineRequest {
    pub app_id: String,
    pub user_ids: Vec<String>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CheckUsersOnlineResponse {
    pub request_id: String,
    /// Wire name `UserList` (not `Users` as in the in-group check).
    pub user_list: Vec<UserPresence>,
}

impl Operation for CheckUsersOnlineRequest {
    const ACTION: &'static str = "CheckLiveMessageUsersOnline";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = false;
    type Response = CheckUsersOnlineResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::id_list("UserIds", &self.user_ids, limits::CHECK_USERS_MAX)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .list("UserIds", &self.user_ids)
            .dc(self.data_center)
            .done()
    }
}

// ------------------------------------------------------------ User info

/// Sets a user's extended info in every group the user is in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModifyUserInfoRequest {
    pub app_id: String,
    pub user_id: String,
    /// At most 512 bytes; absent clears it.
    pub user_meta_info: Option<String>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserInfoSuccess {
    pub group_id: String,
    pub success: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserInfoFailure {
    pub group_id: String,
    /// For example 440, "group not exists or already deleted".
    pub code: i32,
    pub reason: String,
    pub success: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyUserInfoResponse {
    pub request_id: String,
    pub success_list: Vec<UserInfoSuccess>,
    pub fail_list: Vec<UserInfoFailure>,
}

impl Operation for ModifyUserInfoRequest {
    const ACTION: &'static str = "ModifyLiveMessageUserInfo";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    // It sets a value: a repeat sets the same value again.
    const RETRY_SAFE: bool = true;
    type Response = ModifyUserInfoResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("UserId", &self.user_id)?;
        opt_bytes("UserMetaInfo", &self.user_meta_info, limits::USER_META_MAX)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("UserId", &self.user_id)
            .opt("UserMetaInfo", self.user_meta_info.as_ref())
            .dc(self.data_center)
            .done()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{ids, param};
    use super::*;
    use crate::api::validate::Problem;

    #[test]
    fn list_users_page_size_is_10_to_50() {
        let mut req = ListGroupUsersRequest::new("demo", "g");
        for ok in [10, 50] {
            req.page_size = ok;
            assert!(req.validate().is_ok(), "{ok}");
        }
        for bad in [9, 51] {
            req.page_size = bad;
            let err = req.validate().unwrap_err();
            assert_eq!(err.field, "PageSize");
            assert_eq!(
                err.problem,
                Problem::OutOfRange {
                    min: 10,
                    max: 50,
                    actual: bad.into()
                }
            );
        }
        req.page_size = 20;
        req.sort_type = SortType::Desc;
        req.next_page_token = Some(51);
        let p = req.params();
        assert_eq!(param(&p, "PageSize"), Some("20"));
        assert_eq!(param(&p, "SortType"), Some("2"));
        assert_eq!(param(&p, "NextPageToken"), Some("51"));
    }

    #[test]
    fn list_users_pages_until_token_zero() {
        let req = ListGroupUsersRequest::new("demo", "g");
        let reply: ListGroupUsersResponse = serde_json::from_str(
            r#"{"RequestId":"R","GroupId":"g","UserList":[{"UserId":"u_1","UserInfo":"i"}],
                "Hasmore":true,"NextPageToken":51}"#,
        )
        .unwrap();
        assert_eq!(reply.user_list[0].user_id, "u_1");
        let next = req.next_page(&reply).unwrap().unwrap();
        assert_eq!(next.next_page_token, Some(51));
        let last = ListGroupUsersResponse {
            has_more: false,
            next_page_token: 0,
            ..Default::default()
        };
        assert!(next.next_page(&last).unwrap().is_none());
        let contradictory = ListGroupUsersResponse {
            has_more: true,
            next_page_token: 0,
            ..Default::default()
        };
        assert!(next.next_page(&contradictory).is_err());
        assert!(
            serde_json::to_value(&last)
                .unwrap()
                .get("Hasmore")
                .is_some()
        );
    }

    #[test]
    fn kick_sends_one_kickoff_user() {
        let req = KickGroupUserRequest {
            app_id: "demo".into(),
            group_id: "g".into(),
            kickoff_user: "user_77".into(),
            data_center: None,
        };
        assert!(req.validate().is_ok());
        assert_eq!(param(&req.params(), "KickoffUser"), Some("user_77"));
        let empty = KickGroupUserRequest {
            kickoff_user: String::new(),
            ..req
        };
        assert_eq!(empty.validate().unwrap_err().field, "KickoffUser");
    }

    #[test]
    fn checks_take_1_to_10_ids_comma_joined() {
        let mut in_group = CheckUsersInGroupRequest {
            app_id: "demo".into(),
            group_id: "g".into(),
            user_ids: ids("u", 10),
            data_center: None,
        };
        assert!(in_group.validate().is_ok());
        assert_eq!(
            param(&in_group.params(), "UserIds"),
            Some("u0,u1,u2,u3,u4,u5,u6,u7,u8,u9")
        );
        in_group.user_ids = ids("u", 11);
        assert_eq!(
            in_group.validate().unwrap_err().problem,
            Problem::TooMany {
                limit: 10,
                actual: 11
            }
        );
        in_group.user_ids.clear();
        assert_eq!(in_group.validate().unwrap_err().problem, Problem::Missing);

        let mut online = CheckUsersOnlineRequest {
            app_id: "demo".into(),
            user_ids: ids("u", 1),
            data_center: None,
        };
        assert!(online.validate().is_ok());
        assert_eq!(param(&online.params(), "GroupId"), None);
        online.user_ids = ids("u", 11);
        assert_eq!(online.validate().unwrap_err().field, "UserIds");
    }

    #[test]
    fn check_replies_use_their_own_array_names() {
        let in_group: CheckUsersInGroupResponse = serde_json::from_str(
            r#"{"RequestId":"R","Users":[{"UserId":"a","Online":true},{"UserId":"b","Online":false}]}"#,
        )
        .unwrap();
        assert_eq!(in_group.users.len(), 2);
        assert!(in_group.users[0].online && !in_group.users[1].online);
        let online: CheckUsersOnlineResponse =
            serde_json::from_str(r#"{"RequestId":"R","UserList":[{"UserId":"a","Online":true}]}"#)
                .unwrap();
        assert_eq!(online.user_list[0].user_id, "a");
    }

    #[test]
    fn user_info_limit_and_reply() {
        let mut req = ModifyUserInfoRequest {
            app_id: "demo".into(),
            user_id: "u".into(),
            user_meta_info: Some("m".repeat(512)),
            data_center: None,
        };
        assert!(req.validate().is_ok());
        assert_eq!(
            param(&req.params(), "UserMetaInfo").map(str::len),
            Some(512)
        );
        req.user_meta_info = Some("m".repeat(513));
        assert_eq!(req.validate().unwrap_err().field, "UserMetaInfo");
        let reply: ModifyUserInfoResponse = serde_json::from_str(
            r#"{"RequestId":"R","SuccessList":[{"GroupId":"g1","Success":true}],
                "FailList":[{"GroupId":"g2","Code":440,"Reason":"group not exists or already deleted","Success":false}]}"#,
        )
        .unwrap();
        assert_eq!(reply.success_list[0].group_id, "g1");
        assert_eq!(reply.fail_list[0].code, 440);
    }
}
