//! App operations: CreateLiveMessageApp, DescribeLiveMessageApp,
//! ListLiveMessageApps (token paged), ModifyLiveMessageAppAudit,
//! ModifyLiveMessageAppCallback and ModifyLiveMessageAppDisable. No operation
//! deletes an app; at most 300 apps per account.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Wire;
use crate::api::error::ApiError;
use crate::api::model::{DataCenter, Method, Operation, Param, SortType};
use crate::api::paging::{Paged, paging_error};
use crate::api::validate::{self, Problem, ValidationError, limits};

/// Message review: 0 off (default), 1 built-in, 2 custom (at `AuditUrl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditType {
    #[default]
    Off,
    BuiltIn,
    Custom,
}

impl AuditType {
    pub fn code(self) -> i32 {
        match self {
            AuditType::Off => 0,
            AuditType::BuiltIn => 1,
            AuditType::Custom => 2,
        }
    }
    pub fn from_code(code: i64) -> Result<Self, ValidationError> {
        match code {
            0 => Ok(AuditType::Off),
            1 => Ok(AuditType::BuiltIn),
            2 => Ok(AuditType::Custom),
            other => Err(ValidationError::new(
                "AuditType",
                Problem::NotOneOf {
                    allowed: "0 (off), 1 (built-in), 2 (custom)",
                    actual: other.to_string(),
                },
            )),
        }
    }
}

/// How long messages are stored: 0 → 30 days (default), 1 → 90, 2 → 180.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum MsgLifeCycle {
    #[default]
    Days30,
    Days90,
    Days180,
}

impl MsgLifeCycle {
    pub fn code(self) -> i32 {
        match self {
            MsgLifeCycle::Days30 => 0,
            MsgLifeCycle::Days90 => 1,
            MsgLifeCycle::Days180 => 2,
        }
    }
    pub fn from_code(code: i64) -> Result<Self, ValidationError> {
        match code {
            0 => Ok(MsgLifeCycle::Days30),
            1 => Ok(MsgLifeCycle::Days90),
            2 => Ok(MsgLifeCycle::Days180),
            other => Err(ValidationError::new(
                "MsgLifeCycle",
                Problem::NotOneOf {
                    allowed: "0 (30 days), 1 (90 days), 2 (180 days)",
                    actual: other.to_string(),
                },
            )),
        }
    }
    pub fn days(self) -> u32 {
        match self {
            MsgLifeCycle::Days30 => 30,
            MsgLifeCycle::Days90 => 90,
            MsgLifeCycle::Days180 => 180,
        }
    }
}

fn opt_url(field: &'static str, value: &Option<String>) -> Result<(), ValidationError> {
    match value.as_deref() {
        Some(url) if !url.is_empty() => validate::callback_url(field, url),
        _ => Ok(()),
    }
}

fn audit_url_needed(
    audit_type: Option<AuditType>,
    audit_url: &Option<String>,
) -> Result<(), ValidationError> {
    if audit_type == Some(AuditType::Custom) && audit_url.as_deref().is_none_or(str::is_empty) {
        return Err(ValidationError::new(
            "AuditUrl",
            Problem::Rule {
                rule: "it is required when AuditType is 2 (custom review)",
            },
        ));
    }
    Ok(())
}

// ------------------------------------------------------------ Create

/// A new app; no parameter is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreateAppRequest {
    /// 2 to 16 characters.
    pub app_name: Option<String>,
    pub audit_type: Option<AuditType>,
    /// Required with [`AuditType::Custom`]; `http(s)://`, no port, no private address.
    pub audit_url: Option<String>,
    /// Empty = callbacks off; the same URL rule.
    pub event_callback_url: Option<String>,
    pub msg_life_cycle: Option<MsgLifeCycle>,
    /// Fixed for the app's life.
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateAppResponse {
    pub request_id: String,
    pub app_id: String,
    pub app_key: String,
    pub app_sign: String,
    pub data_center: String,
}

impl Operation for CreateAppRequest {
    const ACTION: &'static str = "CreateLiveMessageApp";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    // Every call creates another app: a repeat after an unknown outcome may
    // leave two (and apps cannot be deleted).
    const RETRY_SAFE: bool = false;
    type Response = CreateAppResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        if let Some(name) = &self.app_name {
            validate::char_count(
                "AppName",
                name,
                limits::APP_NAME_MIN_CHARS,
                limits::APP_NAME_MAX_CHARS,
            )?;
        }
        opt_url("AuditUrl", &self.audit_url)?;
        audit_url_needed(self.audit_type, &self.audit_url)?;
        opt_url("EventCallbackUrl", &self.event_callback_url)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .opt("AppName", self.app_name.as_ref())
            .opt("AuditType", self.audit_type.map(AuditType::code))
            .opt("AuditUrl", self.audit_url.as_ref())
            .opt("EventCallbackUrl", self.event_callback_url.as_ref())
            .opt("MsgLifeCycle", self.msg_life_cycle.map(MsgLifeCycle::code))
            .dc(self.data_center)
            .done()
    }
}

// ------------------------------------------------------------ Describe

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DescribeAppRequest {
    pub app_id: String,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeAppResponse {
    pub request_id: String,
    pub app_id: String,
    pub app_key: String,
    pub app_sign: String,
    pub app_name: String,
    pub data_center: String,
    pub audit_type: i32,
    /// Only when AuditType is 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_url: Option<String>,
    /// `""` = callbacks off.
    pub event_callback_url: String,
    pub msg_life_cycle: i32,
    /// A boolean here (a string in ListLiveMessageApps).
    pub disable: bool,
    /// UNIX seconds; capital T, unlike the groups' `Createtime`.
    pub create_time: i64,
    pub modify_time: i64,
}

impl Operation for DescribeAppRequest {
    const ACTION: &'static str = "DescribeLiveMessageApp";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = false;
    type Response = DescribeAppResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .dc(self.data_center)
            .done()
    }
}

// ------------------------------------------------------------ List

/// The apps of one data center (absent = cn-shanghai), disabled ones included.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListAppsRequest {
    pub sort_type: SortType,
    /// `None` (or -1) asks for the first page.
    pub next_page_token: Option<i64>,
    pub data_center: Option<DataCenter>,
}

impl Default for ListAppsRequest {
    fn default() -> Self {
        Self {
            sort_type: SortType::Desc,
            next_page_token: None,
            data_center: None,
        }
    }
}

/// `"true"`/`"false"` on the wire (ListLiveMessageApps), a bool in Rust.
mod string_bool {
    use super::*;

    pub(super) fn serialize<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if *value { "true" } else { "false" })
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Bool(bool),
        }
        match Either::deserialize(d)? {
            Either::Bool(b) => Ok(b),
            Either::Text(t) if t.eq_ignore_ascii_case("true") => Ok(true),
            Either::Text(t) if t.eq_ignore_ascii_case("false") => Ok(false),
            Either::Text(t) => Err(serde::de::Error::custom(format!(
                "Disable is {t:?}, expected \"true\" or \"false\""
            ))),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AppSummary {
    pub app_id: String,
    pub app_key: String,
    pub app_name: String,
    pub app_sign: String,
    pub create_time: i64,
    pub data_center: String,
    /// A **string** `"true"`/`"false"` on the wire here.
    #[serde(with = "string_bool")]
    pub disable: bool,
    pub modify_time: i64,
    pub msg_life_cycle: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListAppsResponse {
    pub request_id: String,
    pub app_list: Vec<AppSummary>,
    /// Capital M here (`HasMore`), unlike the group lists' `Hasmore`.
    pub has_more: bool,
    /// Only when HasMore is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<i64>,
}

impl Operation for ListAppsRequest {
    const ACTION: &'static str = "ListLiveMessageApps";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = false;
    type Response = ListAppsResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("SortType", self.sort_type.code())
            .opt("NextPageToken", self.next_page_token)
            .dc(self.data_center)
            .done()
    }
}

impl Paged for ListAppsRequest {
    fn token(&self) -> Option<i64> {
        self.next_page_token
    }
    fn next_page(&self, reply: &Self::Response) -> Result<Option<Self>, ApiError> {
        match (reply.has_more, reply.next_page_token) {
            (false, _) => Ok(None),
            (true, None) => Err(paging_error(
                Self::ACTION,
                "HasMore is true but NextPageToken is missing".into(),
            )),
            (true, Some(token)) => Ok(Some(Self {
                next_page_token: Some(token),
                ..self.clone()
            })),
        }
    }
}

// ------------------------------------------------------------ Modify

/// Changes an app's message review. An absent parameter leaves that setting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModifyAppAuditRequest {
    pub app_id: String,
    pub audit_type: Option<AuditType>,
    pub audit_url: Option<String>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyAppAuditResponse {
    pub request_id: String,
    pub app_id: String,
    pub app_sign: String,
    pub audit_type: i32,
    /// Only when AuditType is 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_url: Option<String>,
    pub audit_need_authentication: bool,
}

impl Operation for ModifyAppAuditRequest {
    const ACTION: &'static str = "ModifyLiveMessageAppAudit";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    const RETRY_SAFE: bool = true;
    type Response = ModifyAppAuditResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        opt_url("AuditUrl", &self.audit_url)?;
        audit_url_needed(self.audit_type, &self.audit_url)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .opt("AuditType", self.audit_type.map(AuditType::code))
            .opt("AuditUrl", self.audit_url.as_ref())
            .dc(self.data_center)
            .done()
    }
}

/// Sets (or, with no URL, turns off) an app's event callback.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModifyAppCallbackRequest {
    pub app_id: String,
    pub event_callback_url: Option<String>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyAppCallbackResponse {
    pub request_id: String,
    pub app_id: String,
    pub app_sign: String,
    pub event_callback_need_authentication: bool,
    /// Omitted when callbacks are off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_callback_url: Option<String>,
}

impl Operation for ModifyAppCallbackRequest {
    const ACTION: &'static str = "ModifyLiveMessageAppCallback";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    const RETRY_SAFE: bool = true;
    type Response = ModifyAppCallbackResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)?;
        opt_url("EventCallbackUrl", &self.event_callback_url)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .opt("EventCallbackUrl", self.event_callback_url.as_ref())
            .dc(self.data_center)
            .done()
    }
}

/// Disables (or re-enables) an app: while disabled, its groups refuse every call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModifyAppDisableRequest {
    pub app_id: String,
    /// Absent means false (enable).
    pub disable: Option<bool>,
    pub data_center: Option<DataCenter>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyAppDisableResponse {
    pub request_id: String,
    pub app_id: String,
    pub app_sign: String,
    /// A boolean here.
    pub disable: bool,
}

impl Operation for ModifyAppDisableRequest {
    const ACTION: &'static str = "ModifyLiveMessageAppDisable";
    const METHOD: Method = Method::Post;
    const MUTATING: bool = true;
    const RETRY_SAFE: bool = true;
    type Response = ModifyAppDisableResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::lenient_id("AppId", &self.app_id)
    }
    fn params(&self) -> Vec<Param> {
        Wire::new()
            .put("AppId", &self.app_id)
            .opt("Disable", self.disable)
            .dc(self.data_center)
            .done()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{names, param};
    use super::*;

    #[test]
    fn create_sends_codes_and_no_app_id() {
        let req = CreateAppRequest {
            app_name: Some("直播间".into()),
            audit_type: Some(AuditType::Custom),
            audit_url: Some("https://audit.example.com/hook".into()),
            event_callback_url: Some("https://cb.example.com/".into()),
            msg_life_cycle: Some(MsgLifeCycle::Days180),
            data_center: Some(DataCenter::ApSoutheast1),
        };
        assert!(req.validate().is_ok());
        let p = req.params();
        assert!(!names(&p).contains(&"AppId"));
        assert_eq!(param(&p, "AuditType"), Some("2"));
        assert_eq!(param(&p, "MsgLifeCycle"), Some("2"));
        assert_eq!(param(&p, "DataCenter"), Some("ap-southeast-1"));
        assert!(CreateAppRequest::default().validate().is_ok());
        assert!(CreateAppRequest::default().params().is_empty());
    }

    #[test]
    fn create_limits() {
        let name = |n: &str| CreateAppRequest {
            app_name: Some(n.into()),
            ..Default::default()
        };
        assert_eq!(name("a").validate().unwrap_err().field, "AppName");
        assert!(name(&"é".repeat(16)).validate().is_ok());
        assert_eq!(
            name(&"é".repeat(17)).validate().unwrap_err().problem,
            Problem::CharCount {
                min: 2,
                max: 16,
                actual: 17
            }
        );
        let custom = CreateAppRequest {
            audit_type: Some(AuditType::Custom),
            ..Default::default()
        };
        let err = custom.validate().unwrap_err();
        assert_eq!(err.field, "AuditUrl");
        assert!(matches!(err.problem, Problem::Rule { .. }));
        let private = CreateAppRequest {
            event_callback_url: Some("http://192.168.0.2/cb".into()),
            ..Default::default()
        };
        assert_eq!(private.validate().unwrap_err().field, "EventCallbackUrl");
        assert!(AuditType::from_code(3).is_err());
        assert!(MsgLifeCycle::from_code(-1).is_err());
        assert_eq!(MsgLifeCycle::from_code(1).unwrap().days(), 90);
    }

    #[test]
    fn list_apps_reads_disable_as_a_string_and_has_more_with_capital_m() {
        let reply: ListAppsResponse = serde_json::from_str(
            r#"{"RequestId":"R","HasMore":true,"NextPageToken":21,"AppList":[
                {"AppId":"a1","AppKey":"k","AppName":"n","AppSign":"s","CreateTime":1,
                 "DataCenter":"cn-shanghai","Disable":"true","ModifyTime":2,"MsgLifeCycle":0}]}"#,
        )
        .unwrap();
        assert!(reply.app_list[0].disable);
        let back = serde_json::to_value(&reply).unwrap();
        assert_eq!(back["AppList"][0]["Disable"], "true");
        assert_eq!(back["HasMore"], true);
        let req = ListAppsRequest::default();
        assert_eq!(names(&req.params()), ["SortType"]);
        let next = req.next_page(&reply).unwrap().unwrap();
        assert_eq!(param(&next.params(), "NextPageToken"), Some("21"));
        let last: ListAppsResponse =
            serde_json::from_str(r#"{"RequestId":"R","HasMore":false,"AppList":[]}"#).unwrap();
        assert!(next.next_page(&last).unwrap().is_none());
        assert!(
            serde_json::from_str::<ListAppsResponse>(r#"{"AppList":[{"Disable":"maybe"}]}"#)
                .is_err()
        );
    }

    #[test]
    fn describe_app_reads_disable_as_a_bool() {
        let reply: DescribeAppResponse = serde_json::from_str(
            r#"{"RequestId":"R","AppId":"a","Disable":true,"AuditType":2,"AuditUrl":"https://x.example.com",
                "EventCallbackUrl":"","CreateTime":10,"ModifyTime":11,"MsgLifeCycle":1}"#,
        )
        .unwrap();
        assert!(reply.disable);
        assert_eq!(reply.audit_url.as_deref(), Some("https://x.example.com"));
        assert_eq!((reply.create_time, reply.modify_time), (10, 11));
    }

    #[test]
    fn modify_app_params_and_limits() {
        let audit = ModifyAppAuditRequest {
            app_id: "demo".into(),
            audit_type: Some(AuditType::BuiltIn),
            audit_url: None,
            data_center: None,
        };
        assert!(audit.validate().is_ok());
        assert_eq!(param(&audit.params(), "AuditType"), Some("1"));
        let bad = ModifyAppAuditRequest {
            audit_type: Some(AuditType::Custom),
            ..audit.clone()
        };
        assert_eq!(bad.validate().unwrap_err().field, "AuditUrl");
        let port = ModifyAppAuditRequest {
            audit_url: Some("https://x.example.com:8443/".into()),
            ..audit
        };
        assert_eq!(port.validate().unwrap_err().field, "AuditUrl");

        let off = ModifyAppCallbackRequest {
            app_id: "demo".into(),
            event_callback_url: None,
            data_center: None,
        };
        assert!(off.validate().is_ok());
        assert_eq!(names(&off.params()), ["AppId"]);
        let local = ModifyAppCallbackRequest {
            event_callback_url: Some("http://localhost/cb".into()),
            ..off
        };
        assert_eq!(local.validate().unwrap_err().field, "EventCallbackUrl");

        let disable = ModifyAppDisableRequest {
            app_id: "demo".into(),
            disable: Some(true),
            data_center: None,
        };
        assert_eq!(param(&disable.params(), "Disable"), Some("true"));
    }
}
