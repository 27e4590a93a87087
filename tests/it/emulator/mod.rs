//! The emulator against the real client (the most valuable check: our client
//! and our emulator must agree), plus raw requests for protocol variants the
//! client never sends.

mod apps;
mod auth;
mod bench_knobs;
mod client;
mod create_delete;
mod faults;
mod list;
mod never_panic;
mod rate_limit;
mod send;
mod state;
mod wire;

use std::time::{Duration, Instant};

use livemod::api::error::TransportPhase;
use livemod::api::model::*;
use livemod::api::sign::{self, SignatureVersion};
use livemod::api::{ApiError, Client, ClientOptions, ErrorKind};
use livemod::credentials::Credentials;
use livemod::emulator::ops::{JoinGroupRequest, LeaveGroupRequest};
use livemod::emulator::{
    AppSpec, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions, FaultOptions,
    LatencyRange, SeedGroup, StateLocation,
};
use serde_json::Value;

// ------------------------------------------------------------------ helpers

pub(crate) async fn start(options: EmulatorOptions) -> Emulator {
    Emulator::start(options).await.expect("emulator starts")
}

pub(crate) async fn start_default() -> Emulator {
    start(EmulatorOptions::default()).await
}

pub(crate) fn client_with(
    emu: &Emulator,
    signature: SignatureVersion,
    key: (&str, &str),
    max_attempts: usize,
) -> Client {
    Client::new(
        Credentials::new(key.0, key.1, "test"),
        ClientOptions {
            endpoint: emu.url(),
            signature,
            // Fast pacing so tests are quick; the emulator's own limit still applies.
            rate_per_second: 1000,
            max_attempts,
            ..Default::default()
        },
    )
    .unwrap()
}

pub(crate) fn client(emu: &Emulator) -> Client {
    client_with(
        emu,
        SignatureVersion::V3,
        (DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET),
        4,
    )
}

/// The demo key, V3, one attempt: what a test of a single reply wants.
pub(crate) fn single_try_client(emu: &Emulator) -> Client {
    client_with(
        emu,
        SignatureVersion::V3,
        (DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET),
        1,
    )
}

/// An emulator with only these faults injected.
pub(crate) async fn start_with_faults(faults: FaultOptions) -> Emulator {
    start(EmulatorOptions {
        faults,
        ..Default::default()
    })
    .await
}

pub(crate) fn create(group_id: &str) -> CreateGroupRequest {
    CreateGroupRequest {
        app_id: "demo".into(),
        group_id: group_id.into(),
        ..Default::default()
    }
}

pub(crate) fn send(group_id: &str) -> SendMessageRequest {
    SendMessageRequest {
        app_id: "demo".into(),
        group_id: group_id.into(),
        sender_id: "mod1".into(),
        body: Some("hello".into()),
        ..Default::default()
    }
}

pub(crate) fn join(group_id: &str, user: &str) -> JoinGroupRequest {
    JoinGroupRequest {
        app_id: "demo".into(),
        group_id: group_id.into(),
        user_id: user.into(),
        data_center: None,
    }
}

pub(crate) fn list(sort: SortType, size: u32, page: u32, status: GroupStatus) -> ListGroupsRequest {
    ListGroupsRequest {
        sort_type: sort,
        page_size: size,
        page_number: page,
        group_status: status,
        ..ListGroupsRequest::new("demo")
    }
}

pub(crate) fn service_code(err: &ApiError) -> (u16, String) {
    let s = err
        .service()
        .unwrap_or_else(|| panic!("not a service error: {err}"));
    (s.status, s.code.clone())
}

pub(crate) fn seed(id: &str, createtime: i64) -> SeedGroup {
    SeedGroup {
        group_id: id.into(),
        createtime,
        ..Default::default()
    }
}

/// A raw reply.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) text: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub(crate) fn code(&self) -> String {
        self.json()["Code"].as_str().unwrap_or_default().to_string()
    }
    pub(crate) fn message(&self) -> String {
        self.json()["Message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

pub(crate) fn now_stamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub(crate) fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// V2 request parameters (common + business), signed for `method`.
pub(crate) struct V2 {
    pub(crate) key: String,
    pub(crate) secret: String,
    pub(crate) timestamp: String,
    pub(crate) nonce: String,
    pub(crate) omit: Option<&'static str>,
}

impl Default for V2 {
    fn default() -> Self {
        Self {
            key: DEMO_ACCESS_KEY_ID.into(),
            secret: DEMO_ACCESS_KEY_SECRET.into(),
            timestamp: now_stamp(),
            nonce: nonce(),
            omit: None,
        }
    }
}

impl V2 {
    pub(crate) fn sign(
        &self,
        method: &str,
        action: &str,
        business: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let mut params = owned(business);
        params.extend(owned(&[
            ("Action", action),
            ("Version", API_VERSION),
            ("AccessKeyId", &self.key),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", &self.nonce),
            ("Timestamp", &self.timestamp),
        ]));
        if let Some(omit) = self.omit {
            params.retain(|(k, _)| k != omit);
        }
        let signature = sign::v2_signature(&self.secret, &sign::v2_string_to_sign(method, &params));
        if self.omit != Some("Signature") {
            params.push(("Signature".into(), signature));
        }
        params
    }
}

pub(crate) fn encode(params: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish()
}

pub(crate) async fn execute(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.expect("request sent");
    Reply {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        text: resp.text().await.unwrap(),
    }
}

/// V2 GET with everything in the query string.
pub(crate) async fn v2_get(emu: &Emulator, action: &str, business: &[(&str, &str)]) -> Reply {
    let params = V2::default().sign("GET", action, business);
    v2_send_query(emu, "GET", &params).await
}

pub(crate) async fn v2_send_query(
    emu: &Emulator,
    method: &str,
    params: &[(String, String)],
) -> Reply {
    let url = format!("{}?{}", emu.url(), encode(params));
    let http = reqwest::Client::new();
    let req = match method {
        "GET" => http.get(url),
        _ => http.post(url),
    };
    execute(req).await
}

/// V2 POST with everything in a form body (as the old core SDK sends it).
pub(crate) async fn v2_post_form(emu: &Emulator, action: &str, business: &[(&str, &str)]) -> Reply {
    let params = V2::default().sign("POST", action, business);
    execute(
        reqwest::Client::new()
            .post(emu.url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(&params)),
    )
    .await
}

/// A V3 request: business parameters in the query and/or a form body.
pub(crate) struct V3 {
    pub(crate) key: String,
    pub(crate) secret: String,
    pub(crate) date: String,
    pub(crate) nonce: String,
    /// Claimed body hash instead of the real one.
    pub(crate) claimed_hash: Option<String>,
    /// Signed header names (lower case); default: host and every x-acs-* header.
    pub(crate) signed: Option<Vec<&'static str>>,
}

impl Default for V3 {
    fn default() -> Self {
        Self {
            key: DEMO_ACCESS_KEY_ID.into(),
            secret: DEMO_ACCESS_KEY_SECRET.into(),
            date: now_stamp(),
            nonce: nonce(),
            claimed_hash: None,
            signed: None,
        }
    }
}

impl V3 {
    pub(crate) async fn send(
        &self,
        emu: &Emulator,
        method: &str,
        action: &str,
        query: &[(&str, &str)],
        form: Option<&[(&str, &str)]>,
    ) -> Reply {
        let query = owned(query);
        let body = form.map(|f| encode(&owned(f))).unwrap_or_default();
        let hash = self
            .claimed_hash
            .clone()
            .unwrap_or_else(|| sign::sha256_hex(body.as_bytes()));
        let mut headers = owned(&[
            ("host", &format!("{}", emu.addr())),
            ("x-acs-action", action),
            ("x-acs-version", API_VERSION),
            ("x-acs-date", &self.date),
            ("x-acs-signature-nonce", &self.nonce),
            ("x-acs-content-sha256", &hash),
        ]);
        if form.is_some() {
            headers.push((
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        }
        let names: Vec<String> = match &self.signed {
            Some(list) => list.iter().map(|s| s.to_string()).collect(),
            None => headers.iter().map(|(n, _)| n.clone()).collect(),
        };
        let canonical = sign::v3_canonical_request(
            method,
            "/",
            &query,
            &headers,
            sign::HeaderSelection::Named(&names),
            &hash,
        );
        let signature = sign::v3_signature(&self.secret, &sign::v3_string_to_sign(&canonical.text));
        let authorization =
            sign::v3_authorization(&self.key, &canonical.signed_headers, &signature);
        let url = if query.is_empty() {
            emu.url().to_string()
        } else {
            format!("{}?{}", emu.url(), sign::canonical_query(&query))
        };
        let http = reqwest::Client::new();
        let mut req = match method {
            "GET" => http.get(url),
            _ => http.post(url),
        };
        for (n, v) in headers.iter().filter(|(n, _)| n != "host") {
            req = req.header(n.as_str(), v.as_str());
        }
        req = req.header("authorization", authorization);
        if form.is_some() {
            req = req.body(body);
        }
        execute(req).await
    }
}
