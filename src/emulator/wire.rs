//! The wire protocol: gathering parameters from the query string and a form
//! body, and writing JSON or XML replies and the gateway's error bodies.

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::HOST_ID;
use crate::api::validate::{Problem, ValidationError};

/// Largest request body accepted. GroupInfo (32 KB) percent-encoded can reach
/// ~96 KB in a form body, so the cap leaves room for that and little more.
pub(crate) const MAX_BODY_BYTES: usize = 256 * 1024;

/// An error reply: HTTP status and the body's Code and Message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFault {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
    /// Milliseconds, sent as `x-acs-retry-after` (throttling only).
    pub retry_after_ms: Option<u64>,
}

impl ApiFault {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            retry_after_ms: None,
        }
    }

    /// 400 InputInvalid; the documented message format is `%s.`.
    pub fn input_invalid(message: impl Into<String>) -> Self {
        let mut message = message.into();
        if !message.ends_with('.') {
            message.push('.');
        }
        Self::new(StatusCode::BAD_REQUEST, "InputInvalid", message)
    }

    /// 400 MissingParameter, in the gateway's words.
    pub fn missing(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )
    }

    /// 403 NoAuth: the caller may not do this (a disabled app, a muted user).
    pub fn no_auth(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "NoAuth", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotExist", message)
    }

    pub fn server_error(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "ServerError", message)
    }

    pub fn throttled(retry_after_ms: u64) -> Self {
        Self {
            retry_after_ms: Some(retry_after_ms.max(1)),
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "Throttling.User",
                "Request was denied due to user flow control.",
            )
        }
    }
}

/// A failed field check: a missing required value is the gateway's
/// MissingParameter, anything else the service's InputInvalid.
impl From<ValidationError> for ApiFault {
    fn from(e: ValidationError) -> Self {
        match e.problem {
            Problem::Missing => ApiFault::missing(e.field),
            _ => ApiFault::input_invalid(e.to_string()),
        }
    }
}

/// Reply format, from `Format` (JSON unless it says XML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Xml,
}

/// The merged request parameters: query string first, then the form body;
/// a name given twice keeps its last value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    map: BTreeMap<String, String>,
}

impl Params {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = &'a (String, String)>) -> Self {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            map.insert(k.clone(), v.clone());
        }
        Self { map }
    }

    /// The value, or `None` when absent. An empty value counts as absent: the
    /// SDKs drop unset parameters, so an empty one means "not given".
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The value, or MissingParameter.
    pub fn require(&self, name: &str) -> Result<&str, ApiFault> {
        self.get(name).ok_or_else(|| ApiFault::missing(name))
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    pub fn integer(&self, name: &'static str) -> Result<Option<i64>, ApiFault> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                ApiFault::input_invalid(format!("{name} is {v:?}; it must be an integer"))
            }),
        }
    }

    pub fn boolean(&self, name: &'static str) -> Result<Option<bool>, ApiFault> {
        match self.get(name).map(str::trim) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiFault::input_invalid(format!(
                "{name} is {v:?}; allowed values: true, false"
            ))),
        }
    }

    /// Whether any flat element `Name.N` of an array is given (non-empty).
    pub fn has_flat(&self, name: &str) -> bool {
        let prefix = format!("{name}.");
        self.map
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .any(|(_, v)| !v.is_empty())
    }

    /// An array parameter in any of the three forms clients send: comma-joined
    /// (`A=x,y`), a JSON array string (`A=["x","y"]`), or flat (`A.1=x&A.2=y`).
    pub fn list(&self, name: &'static str) -> Result<Vec<String>, ApiFault> {
        let mut items = Vec::new();
        if let Some(v) = self.get(name) {
            let v = v.trim();
            if v.starts_with('[') {
                let parsed: Vec<Value> = serde_json::from_str(v).map_err(|e| {
                    ApiFault::input_invalid(format!("{name} is not a valid JSON array ({e})"))
                })?;
                for item in parsed {
                    match item {
                        Value::String(s) => items.push(s),
                        Value::Number(n) => items.push(n.to_string()),
                        other => {
                            return Err(ApiFault::input_invalid(format!(
                                "{name} must hold strings, found {other}"
                            )));
                        }
                    }
                }
            } else {
                items.extend(v.split(',').map(|s| s.trim().to_string()));
            }
        }
        let prefix = format!("{name}.");
        let mut flat: Vec<(u64, String)> = Vec::new();
        for (k, v) in self.map.range(prefix.clone()..) {
            let Some(index) = k.strip_prefix(&prefix) else {
                break;
            };
            let n = index.parse::<u64>().map_err(|_| {
                ApiFault::input_invalid(format!(
                    "{k} is not a valid element name; use {name}.1, {name}.2, …"
                ))
            })?;
            flat.push((n, v.clone()));
        }
        flat.sort_by_key(|(n, _)| *n);
        items.extend(flat.into_iter().map(|(_, v)| v));
        items.retain(|s| !s.is_empty());
        Ok(items)
    }
}

/// Everything about one HTTP request the emulator looks at.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    pub method: String,
    /// The path as sent (still percent-encoded), for the V3 canonical request.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    /// Lower-case names, values as text (invalid UTF-8 replaced).
    pub headers: Vec<(String, String)>,
    pub body: axum::body::Bytes,
    pub params: Params,
}

impl Incoming {
    pub(crate) fn new(parts: &axum::http::request::Parts, body: axum::body::Bytes) -> Self {
        let query: Vec<(String, String)> = parts
            .uri
            .query()
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let mut headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        // HTTP/2 carries the host in the URI, not in a header.
        if !headers.iter().any(|(n, _)| n == "host")
            && let Some(authority) = parts.uri.authority()
        {
            headers.push(("host".into(), authority.as_str().to_string()));
        }
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).to_ascii_lowercase());
        // Liberal: a form body is read when labelled so, or when unlabelled.
        let is_form = match &content_type {
            Some(ct) => ct.starts_with("application/x-www-form-urlencoded"),
            None => !body.is_empty(),
        };
        let form: Vec<(String, String)> = if is_form {
            form_urlencoded::parse(&body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        } else {
            Vec::new()
        };
        let params = Params::from_pairs(query.iter().chain(form.iter()));
        Self {
            method: parts.method.as_str().to_string(),
            path: parts.uri.path().to_string(),
            query,
            form,
            headers,
            body,
            params,
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn format(&self) -> Format {
        format_of(self.params.get("Format"))
    }
}

pub(crate) fn format_of(value: Option<&str>) -> Format {
    match value {
        Some(f) if f.trim().eq_ignore_ascii_case("xml") => Format::Xml,
        _ => Format::Json,
    }
}

/// A fresh request ID in the service's style: an upper-case UUID.
pub(crate) fn new_request_id() -> String {
    uuid::Uuid::new_v4()
        .hyphenated()
        .to_string()
        .to_ascii_uppercase()
}

/// A success reply: `body` is the response object (RequestId included).
pub(crate) fn success(format: Format, action: &str, request_id: &str, body: &Value) -> Response {
    reply(
        StatusCode::OK,
        format,
        &format!("{action}Response"),
        request_id,
        body,
        None,
    )
}

/// The error body `{"RequestId","HostId","Code","Message","Recommend"}`.
pub(crate) fn error_body(request_id: &str, fault: &ApiFault) -> Value {
    serde_json::json!({
        "RequestId": request_id,
        "HostId": HOST_ID,
        "Code": fault.code,
        "Message": fault.message,
        "Recommend": format!(
            "https://api.aliyun.com/troubleshoot?q={}&product=live&requestId={request_id}",
            fault.code
        ),
    })
}

/// An error reply with the documented body.
pub(crate) fn error(format: Format, request_id: &str, fault: &ApiFault) -> Response {
    let body = error_body(request_id, fault);
    reply(
        fault.status,
        format,
        "Error",
        request_id,
        &body,
        fault.retry_after_ms,
    )
}

fn reply(
    status: StatusCode,
    format: Format,
    root: &str,
    request_id: &str,
    body: &Value,
    retry_after_ms: Option<u64>,
) -> Response {
    let (content_type, text) = match format {
        // `to_string` on a Value goes through `fmt::Write`; writing bytes
        // directly is much cheaper (List replies are ~10 KB).
        Format::Json => (
            "application/json;charset=utf-8",
            serde_json::to_string(body).unwrap_or_else(|_| body.to_string()),
        ),
        // The documentation's XML example is served as application/xml.
        Format::Xml => ("application/xml;charset=utf-8", to_xml(root, body)),
    };
    let mut response = (status, text).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-acs-request-id", v);
    }
    if let Some(ms) = retry_after_ms {
        headers.insert("x-acs-retry-after", HeaderValue::from(ms));
    }
    response
}

/// The gateway's XML style: `<Root><Field>…</Field></Root>`, arrays as a
/// wrapper holding one element per item (`<GroupList><Groups>…</Groups></GroupList>`).
pub(crate) fn to_xml(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    write_element(&mut out, root, value);
    out
}

/// Item element names, from the doc pages (GroupList of "Groups", AdminList of "Admins").
fn item_name(array: &str) -> &'static str {
    match array {
        "GroupList" => "Groups",
        "AdminList" => "Admins",
        "Administrators" => "Administrator",
        _ => "item",
    }
}

fn write_element(out: &mut String, name: &str, value: &Value) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&xml_text(s)),
        Value::Array(items) => {
            let item = item_name(name);
            for v in items {
                write_element(out, item, v);
            }
        }
        Value::Object(fields) => {
            for (k, v) in fields {
                write_element(out, k, v);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Escaped text with characters XML 1.0 cannot carry replaced by U+FFFD.
fn xml_text(s: &str) -> String {
    let cleaned: Cow<'_, str> = if s.chars().any(|c| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    }) {
        Cow::Owned(
            s.chars()
                .map(|c| {
                    if (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
                        || matches!(c, '\u{FFFE}' | '\u{FFFF}')
                    {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    };
    quick_xml::escape::escape(cleaned).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Params::from_pairs(owned.iter())
    }

    #[test]
    fn arrays_in_all_three_forms() {
        let comma = params(&[("Administrators", "a,b")]);
        let json = params(&[("Administrators", r#"["a","b"]"#)]);
        let flat = params(&[("Administrators.2", "b"), ("Administrators.1", "a")]);
        for p in [comma, json, flat] {
            assert_eq!(p.list("Administrators").unwrap(), vec!["a", "b"]);
        }
        let ten = params(&[("Administrators.10", "j"), ("Administrators.9", "i")]);
        assert_eq!(ten.list("Administrators").unwrap(), vec!["i", "j"]);
        let bad = params(&[("Administrators", "[\"a\"")]);
        assert_eq!(bad.list("Administrators").unwrap_err().code, "InputInvalid");
        let bad_index = params(&[("Administrators.x", "a")]);
        assert!(bad_index.list("Administrators").is_err());
        assert!(params(&[]).list("Administrators").unwrap().is_empty());
    }

    #[test]
    fn empty_values_count_as_absent() {
        let p = params(&[("AppId", "")]);
        assert_eq!(p.require("AppId").unwrap_err().code, "MissingParameter");
        assert!(
            p.require("AppId")
                .unwrap_err()
                .message
                .contains("\"AppId\"")
        );
    }

    #[test]
    fn integers_and_booleans() {
        let p = params(&[("PageSize", "x"), ("NoCache", "TRUE"), ("NoStorage", "yes")]);
        assert_eq!(p.integer("PageSize").unwrap_err().code, "InputInvalid");
        assert_eq!(p.boolean("NoCache").unwrap(), Some(true));
        assert!(p.boolean("NoStorage").is_err());
        assert_eq!(p.integer("Missing").unwrap(), None);
    }

    #[test]
    fn xml_escapes_and_wraps_arrays() {
        let v = serde_json::json!({"RequestId": "R", "GroupList": [{"GroupId": "g<1>", "AdminList": ["a"]}], "Note": "x\u{1}y"});
        let xml = to_xml("ListLiveMessageGroupByPageResponse", &v);
        assert!(xml.contains("<GroupList><Groups><AdminList><Admins>a</Admins></AdminList><GroupId>g&lt;1&gt;</GroupId></Groups></GroupList>"), "{xml}");
        assert!(xml.contains("<Note>x\u{FFFD}y</Note>"), "{xml}");
    }

    #[test]
    fn request_ids_are_upper_case_uuids() {
        let id = new_request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id, id.to_ascii_uppercase());
        assert_ne!(id, new_request_id());
    }
}
