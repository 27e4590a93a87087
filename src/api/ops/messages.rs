//! Message operations: ListLiveMessageGroupMessages (token paged),
//! DeleteLiveMessageGroupMessage (recall), SendLiveMessageUser and
//! DeleteLiveMessageUserMessage.

use serde::{Deserialize, Serialize};

use super::members::next_by_int_token;
use super::{Ack, Wire};
use crate::api::error::ApiError;
use crate::api::model::{DataCenter, Method, Operation, Param, SortType, opt_bytes, opt_strict_id};
use crate::api::paging::Paged;
use crate::api::validate::{self, Problem, ValidationError, limits};

// ------------------------------------------------------------ List

/// The stored, not recalled messages of a group (also for 30 days after the
/// group was deleted), filtered by type and send time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListGroupMessagesRequest {
    pub app_id: String,
    pub group_id: String,
    /// 10 to 50.
    pub page_size: u32,
    pub sort_type: SortType,
    pub msg_type: Option<i64>,
    /// UNIX seconds, inclusive.
    pub begin_time: Option<i64>,
    /// UNIX seconds, inclusive.
    pub end_time: Option<i64>,
    pub next_page_token: Option<i64>,
    pub data_center: Option<DataCenter>,
}

impl ListGroupMessagesRequest {
    pub fn new(app_id: impl Into<String>, group_id: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            group_id: group_id.into(),
            page_size: limits::TOKEN_PAGE_SIZE_MAX,
            sort_type: SortType::Desc,
            msg_type: None,
            begin_time: None,
            end_time: None,
            next_page_token: None,
            data_center: None,
        }
    }
}

/// Who sent a message, with the info they sent it with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MessageSender {
    pub user_id: String,
    pub user_info: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GroupMessage {
    pub msg_tid: String,
    pub msg_type: i64,
    pub body: String,
    pub sender: MessageSender,
    pub seq_number: i64,
    /// Send time, UNIX seconds.
    pub timestamp: i64,
    pub total_messages: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListGroupMessagesResponse {
    pub request_id: String,
    pub group_id: String,
    pub message_list: Vec<GroupMessage>,
    /// Wire name `Hasmore` (lower-case m).
    #[serde(rename = "Hasmore")]
    pub has_more: bool,
    /// 0 = no next page.
    pub next_page_token: i64,
}

impl Operation for ListGroupMessagesRequest {
    const ACTION: &'static str = "ListLiveMessageGroupMessages";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = false;
    type Response = ListGroupMessagesResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("GroupId", &self.group_id)?;
        validate::range(
            "PageSize",
            self.page_size.into(),
            limits::TOKEN_PAGE_SIZE_MIN.into(),
            limits::TOKEN_PAGE_SIZE_MAX.into(),
        )?;
        for (field, time) in [("BeginTime", self.begin_time), ("EndTime", self.end_time)] {
            if let Some(t) = time {
                validate::range(field, t, 0, i64::MAX)?;
            }
        }
        if let (Some(begin), Some(end)) = (self.begin_time, self.end_time)
            && begin > end
        {
            return Err(ValidationError::new(
                "BeginTime",
                Problem::Rule {
                    rule: "it must not be later than EndTime",
                },
            ));
        }
        Ok(())
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .put("PageSize", self.page_size)
            .put("SortType", self.sort_type.code())
            .opt("MsgType", self.msg_type)
            .opt("BeginTime", self.begin_time)
            .opt("EndTime", self.end_time)
            .opt("NextPageToken", self.next_page_token)
            .dc(self.data_center)
            .done()
    }
}

impl Paged for ListGroupMessagesRequest {
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

// ------------------------------------------------------------ Recall (group)

/// Recalls one group message by the MsgTid it was sent with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeleteGroupMessageRequest {
    pub app_id: String,
    pub group_id: String,
    /// The MsgTid of the send: letters and digits only.
    pub message_id: String,
    pub deleter_id: Option<String>,
    /// At most 512 bytes.
    pub deleter_info: Option<String>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeleteGroupMessageResponse {
    pub request_id: String,
    pub group_id: String,
    /// The deleted **or non-existent** message.
    pub message_id: String,
}

impl Operation for DeleteGroupMessageRequest {
    const ACTION: &'static str = "DeleteLiveMessageGroupMessage";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    // A repeat answers "deleted or non-existent" and changes nothing more.
    const RETRY_SAFE: bool = true;
    type Response = DeleteGroupMessageResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("GroupId", &self.group_id)?;
        // A MessageId is a MsgTid: "only letters and digits".
        validate::id("MessageId", &self.message_id)?;
        opt_strict_id("DeleterId", &self.deleter_id)?;
        opt_bytes("DeleterInfo", &self.deleter_info, limits::DELETER_INFO_MAX)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("GroupId", &self.group_id)
            .put("MessageId", &self.message_id)
            .opt("DeleterId", self.deleter_id.as_ref())
            .opt("DeleterInfo", self.deleter_info.as_ref())
            .dc(self.data_center)
            .done()
    }
}

// ------------------------------------------------------------ One-to-one send

/// A one-to-one message to a user who is online.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SendUserMessageRequest {
    pub app_id: String,
    pub receiver_id: String,
    pub sender_id: String,
    /// At most 512 bytes (wire name `SenderInfo`, unlike the group send's `SenderMetaInfo`).
    pub sender_info: Option<String>,
    /// At most 15 KB.
    pub body: Option<String>,
    pub msg_type: Option<i64>,
    /// Letters and digits only; the service generates one when absent.
    pub msg_tid: Option<String>,
    /// Success only once the receiver acknowledged within 3 s (default false).
    pub high_reliability: Option<bool>,
    /// Stored? Default **false**, the inverse of the group send's `NoStorage`.
    pub storage: Option<bool>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SendUserMessageResponse {
    pub request_id: String,
    pub msg_tid: String,
}

impl Operation for SendUserMessageRequest {
    const ACTION: &'static str = "SendLiveMessageUser";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    // A repeat after an unknown outcome may deliver the message twice.
    const RETRY_SAFE: bool = false;
    type Response = SendUserMessageResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::lenient_id("ReceiverId", &self.receiver_id)?;
        validate::lenient_id("SenderId", &self.sender_id)?;
        opt_bytes("SenderInfo", &self.sender_info, limits::SENDER_META_MAX)?;
        opt_bytes("Body", &self.body, limits::BODY_MAX)?;
        opt_strict_id("MsgTid", &self.msg_tid)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("ReceiverId", &self.receiver_id)
            .put("SenderId", &self.sender_id)
            .opt("SenderInfo", self.sender_info.as_ref())
            .opt("Body", self.body.as_ref())
            .opt("MsgType", self.msg_type)
            .opt("MsgTid", self.msg_tid.as_ref())
            .opt("HighReliability", self.high_reliability)
            .opt("Storage", self.storage)
            .dc(self.data_center)
            .done()
    }
}

// ------------------------------------------------------------ Recall (user)

/// Recalls a one-to-one message; the receiver is notified.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeleteUserMessageRequest {
    pub app_id: String,
    /// The MsgTid of the one-to-one message.
    pub message_id: String,
    pub receiver_id: String,
    /// Optional in the schema but required in practice (the service answers
    /// `InputInvalid` without it), so required here.
    pub deleter_id: String,
    /// At most 512 bytes.
    pub deleter_info: Option<String>,
    pub data_center: Option<DataCenter>,
}

impl Operation for DeleteUserMessageRequest {
    const ACTION: &'static str = "DeleteLiveMessageUserMessage";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    const RETRY_SAFE: bool = true;
    type Response = Ack;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        validate::id("MessageId", &self.message_id)?;
        validate::lenient_id("ReceiverId", &self.receiver_id)?;
        if self.deleter_id.is_empty() {
            // Not `Missing`: the service answers InputInvalid, not MissingParameter.
            return Err(ValidationError::new(
                "DeleterId",
                Problem::Rule {
                    rule: "it is required (the service refuses a recall without it)",
                },
            ));
        }
        validate::id("DeleterId", &self.deleter_id)?;
        opt_bytes("DeleterInfo", &self.deleter_info, limits::DELETER_INFO_MAX)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .put("MessageId", &self.message_id)
            .put("ReceiverId", &self.receiver_id)
            .put("DeleterId", &self.deleter_id)
            .opt("DeleterInfo", self.deleter_info.as_ref())
            .dc(self.data_center)
            .done()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::param;
    use super::*;

    #[test]
    fn list_messages_params_and_limits() {
        let mut req = ListGroupMessagesRequest::new("demo", "g");
        req.msg_type = Some(7);
        req.begin_time = Some(100);
        req.end_time = Some(200);
        req.sort_type = SortType::Asc;
        assert!(req.validate().is_ok());
        let p = req.params();
        assert_eq!(param(&p, "MsgType"), Some("7"));
        assert_eq!(param(&p, "BeginTime"), Some("100"));
        assert_eq!(param(&p, "EndTime"), Some("200"));
        assert_eq!(param(&p, "PageSize"), Some("50"));
        assert_eq!(param(&p, "SortType"), Some("1"));
        req.begin_time = Some(201);
        let err = req.validate().unwrap_err();
        assert_eq!(err.field, "BeginTime");
        assert!(err.to_string().contains("EndTime"), "{err}");
        req.begin_time = Some(-1);
        assert_eq!(req.validate().unwrap_err().field, "BeginTime");
        req.begin_time = None;
        req.page_size = 9;
        assert_eq!(req.validate().unwrap_err().field, "PageSize");
        req.page_size = 51;
        assert_eq!(req.validate().unwrap_err().field, "PageSize");
    }

    #[test]
    fn message_items_parse_with_their_sender() {
        let reply: ListGroupMessagesResponse = serde_json::from_str(
            r#"{"RequestId":"R","GroupId":"g","Hasmore":true,"NextPageToken":51,"MessageList":[
                {"MsgTid":"t1","MsgType":3,"Body":"hi","Sender":{"UserId":"u","UserInfo":"vip"},
                 "SeqNumber":50,"Timestamp":1700000000,"TotalMessages":120}]}"#,
        )
        .unwrap();
        let m = &reply.message_list[0];
        assert_eq!((m.seq_number, m.total_messages), (50, 120));
        assert_eq!(m.sender.user_info, "vip");
        let req = ListGroupMessagesRequest::new("demo", "g");
        assert_eq!(
            req.next_page(&reply).unwrap().unwrap().next_page_token,
            Some(51)
        );
    }

    #[test]
    fn recall_needs_a_strict_message_id() {
        let mut req = DeleteGroupMessageRequest {
            app_id: "demo".into(),
            group_id: "room-1".into(),
            message_id: "tid1".into(),
            deleter_id: Some("mod1".into()),
            deleter_info: Some("i".repeat(512)),
            data_center: None,
        };
        assert!(req.validate().is_ok());
        assert_eq!(param(&req.params(), "MessageId"), Some("tid1"));
        req.deleter_info = Some("i".repeat(513));
        assert_eq!(req.validate().unwrap_err().field, "DeleterInfo");
        req.deleter_info = None;
        req.message_id = "tid-1".into();
        assert_eq!(req.validate().unwrap_err().field, "MessageId");
        req.message_id = "tid1".into();
        req.deleter_id = Some("mod_1".into());
        assert_eq!(req.validate().unwrap_err().field, "DeleterId");
    }

    #[test]
    fn user_send_uses_its_own_names_and_limits() {
        let mut req = SendUserMessageRequest {
            app_id: "demo".into(),
            receiver_id: "user_77".into(),
            sender_id: "mod1".into(),
            sender_info: Some("s".repeat(512)),
            body: Some("b".repeat(15 * 1024)),
            msg_type: Some(1),
            msg_tid: Some("t1".into()),
            high_reliability: Some(true),
            storage: Some(false),
            data_center: None,
        };
        assert!(req.validate().is_ok());
        let p = req.params();
        assert!(param(&p, "SenderInfo").is_some());
        assert_eq!(param(&p, "SenderMetaInfo"), None);
        assert_eq!(param(&p, "HighReliability"), Some("true"));
        assert_eq!(param(&p, "Storage"), Some("false"));
        assert_eq!(param(&p, "NoStorage"), None);
        req.body = Some("b".repeat(15 * 1024 + 1));
        assert_eq!(req.validate().unwrap_err().field, "Body");
        req.body = None;
        req.sender_info = Some("s".repeat(513));
        assert_eq!(req.validate().unwrap_err().field, "SenderInfo");
        req.sender_info = None;
        req.msg_tid = Some("t_1".into());
        assert_eq!(req.validate().unwrap_err().field, "MsgTid");
        req.msg_tid = None;
        req.receiver_id = String::new();
        assert_eq!(req.validate().unwrap_err().field, "ReceiverId");
    }

    #[test]
    fn user_recall_requires_a_deleter_but_not_as_a_missing_parameter() {
        let mut req = DeleteUserMessageRequest {
            app_id: "demo".into(),
            message_id: "t1".into(),
            receiver_id: "u1".into(),
            deleter_id: "mod1".into(),
            deleter_info: None,
            data_center: None,
        };
        assert!(req.validate().is_ok());
        assert_eq!(param(&req.params(), "DeleterId"), Some("mod1"));
        req.deleter_id.clear();
        let err = req.validate().unwrap_err();
        assert_eq!(err.field, "DeleterId");
        assert!(matches!(err.problem, Problem::Rule { .. }), "{err:?}");
        req.deleter_id = "mod1".into();
        req.deleter_info = Some("x".repeat(513));
        assert_eq!(req.validate().unwrap_err().field, "DeleterInfo");
    }
}
