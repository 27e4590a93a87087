//! The emulator against the real client (the most valuable check: our client
//! and our emulator must agree), plus raw requests for protocol variants the
//! client never sends.

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

// ------------------------------------------------------------------ the client against the emulator

#[tokio::test]
async fn the_real_client_drives_every_operation_with_both_signatures() {
    let emu = start_default().await;
    for signature in [SignatureVersion::V3, SignatureVersion::V2] {
        let c = client_with(
            &emu,
            signature,
            (DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET),
            1,
        );
        let gid = format!("room{signature:?}");
        let created = c
            .call(&CreateGroupRequest {
                group_name: Some("Friday night".into()),
                group_info: Some(r#"{"topic":"music"}"#.into()),
                administrators: vec!["mod1".into(), "mod2".into()],
                creator_id: Some("host1".into()),
                data_center: Some(DataCenter::CnShanghai),
                ..create(&gid)
            })
            .await
            .unwrap();
        assert_eq!(created.group_id, gid);
        assert!(!created.already_exists && !created.already_delete);

        let page = c.call(&ListGroupsRequest::new("demo")).await.unwrap();
        let g = page.group_list.iter().find(|g| g.group_id == gid).unwrap();
        assert_eq!(g.group_name, "Friday night");
        assert_eq!(g.group_info, r#"{"topic":"music"}"#);
        assert_eq!(g.admin_list, vec!["mod1", "mod2"]);
        assert_eq!(g.creator_id, "host1");
        assert!(!g.delete);
        assert!(
            (chrono::Utc::now().timestamp() - g.createtime).abs() < 60,
            "Createtime is unix seconds"
        );

        let joined = c.call(&join(&gid, "viewer1")).await.unwrap();
        assert_eq!(joined.online_users, 1);
        let sent = c.call(&send(&gid)).await.unwrap();
        assert!(
            !sent.msg_tid.is_empty() && sent.msg_tid.chars().all(|ch| ch.is_ascii_alphanumeric())
        );
        assert_eq!(sent.request_id.len(), 36);

        let deleted = c
            .call(&DeleteGroupRequest {
                app_id: "demo".into(),
                group_id: gid.clone(),
                operator_id: Some("mod1".into()),
                data_center: None,
            })
            .await
            .unwrap();
        assert_eq!(deleted.group_id, gid);
        let state = emu.group("demo", &gid).await.unwrap().unwrap();
        assert!(state.group.delete);
        assert_eq!(state.deletor.as_deref(), Some("mod1"));
        assert_eq!(state.online_users, 0, "a deleted group has nobody online");
    }
    let stats = emu.stats().await.unwrap();
    assert_eq!(stats.requests["CreateLiveMessageGroup"], 2);
    assert_eq!(stats.requests["SendLiveMessageGroup"], 2);
    assert_eq!(stats.requests["EmulatorJoinGroup"], 2);
    assert_eq!(stats.delivered, 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn every_reply_has_a_fresh_upper_case_request_id() {
    let emu = start_default().await;
    let c = client(&emu);
    let a = c
        .call(&ListGroupsRequest::new("demo"))
        .await
        .unwrap()
        .request_id;
    let b = c
        .call(&ListGroupsRequest::new("demo"))
        .await
        .unwrap()
        .request_id;
    assert_ne!(a, b);
    for id in [a, b] {
        assert_eq!(id, id.to_ascii_uppercase());
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    }
    let err = c.call(&ListGroupsRequest::new("nope")).await.unwrap_err();
    assert_eq!(err.request_id().unwrap().len(), 36);
}

// ------------------------------------------------------------------ create / delete

#[tokio::test]
async fn creating_an_existing_id_reports_it_without_changing_it() {
    let emu = start_default().await;
    let c = client(&emu);
    c.call(&CreateGroupRequest {
        group_name: Some("first".into()),
        ..create("g1")
    })
    .await
    .unwrap();
    let again = c
        .call(&CreateGroupRequest {
            group_name: Some("second".into()),
            ..create("g1")
        })
        .await
        .unwrap();
    assert!(again.already_exists);
    assert!(!again.already_delete);
    let page = c.call(&ListGroupsRequest::new("demo")).await.unwrap();
    assert_eq!(page.total_count, 1);
    assert_eq!(page.group_list[0].group_name, "first");
}

#[tokio::test]
async fn concurrent_creates_of_one_id_create_it_once() {
    let emu = start_default().await;
    let c = client(&emu);
    let req = create("contested");
    let results = futures::future::join_all((0..20).map(|_| c.call(&req))).await;
    let fresh = results
        .iter()
        .filter(|r| !r.as_ref().unwrap().already_exists)
        .count();
    assert_eq!(fresh, 1);
    let page = c.call(&ListGroupsRequest::new("demo")).await.unwrap();
    assert_eq!(page.total_count, 1);
}

#[tokio::test]
async fn a_full_size_group_info_fits_in_a_form_body() {
    let emu = start_default().await;
    // 32 KB of three-byte characters: ~96 KB once percent-encoded. (Too long
    // for a URL: the http crate refuses URIs of 64 KB and more.)
    let info = "群".repeat(32 * 1024 / 3);
    let r = v2_post_form(
        &emu,
        "CreateLiveMessageGroup",
        &[("AppId", "demo"), ("GroupId", "big"), ("GroupInfo", &info)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(300)]);
    let r = V3::default()
        .send(
            &emu,
            "POST",
            "CreateLiveMessageGroup",
            &[],
            Some(&[("AppId", "demo"), ("GroupId", "big3"), ("GroupInfo", &info)]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(300)]);
    for gid in ["big", "big3"] {
        let state = emu.group("demo", gid).await.unwrap().unwrap();
        assert_eq!(state.group.group_info, info);
    }
}

#[tokio::test]
async fn a_deleted_id_stays_unusable() {
    let emu = start(EmulatorOptions {
        audience: 5,
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    c.call(&create("gone")).await.unwrap();
    c.call(&send("gone")).await.unwrap();
    c.call(&DeleteGroupRequest {
        app_id: "demo".into(),
        group_id: "gone".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let again = c.call(&create("gone")).await.unwrap();
    assert!(again.already_exists && again.already_delete);
    let err = c.call(&send("gone")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    assert!(err.to_string().contains("deleted"), "{err}");
    let err = c.call(&join("gone", "u1")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    let page = c
        .call(&list(SortType::Asc, 20, 1, GroupStatus::Deleted))
        .await
        .unwrap();
    assert_eq!(page.total_count, 1);
    assert!(page.group_list[0].delete);
}

#[tokio::test]
async fn delete_is_idempotent_and_accepts_unknown_groups() {
    let emu = start_default().await;
    let c = client(&emu);
    let del = |gid: &str| DeleteGroupRequest {
        app_id: "demo".into(),
        group_id: gid.into(),
        ..Default::default()
    };
    let r = c.call(&del("neverexisted")).await.unwrap();
    assert_eq!(r.group_id, "neverexisted");
    c.call(&create("g")).await.unwrap();
    c.call(&del("g")).await.unwrap();
    let r = c.call(&del("g")).await.unwrap();
    assert_eq!(r.group_id, "g");
    let page = c.call(&ListGroupsRequest::new("demo")).await.unwrap();
    assert_eq!(
        page.total_count, 1,
        "a delete of an unknown ID creates nothing"
    );
}

#[tokio::test]
async fn five_thousand_live_groups_per_app() {
    let emu = start_default().await;
    let now = chrono::Utc::now().timestamp();
    let seeds: Vec<SeedGroup> = (0..4999)
        .map(|i| seed(&format!("s{i}"), now - 100))
        .collect();
    assert_eq!(emu.import_groups("demo", seeds).await.unwrap(), 4999);
    let c = client(&emu);
    c.call(&create("last")).await.unwrap();
    let err = c.call(&create("onetoomany")).await.unwrap_err();
    assert_eq!(service_code(&err), (400, "ErrorTooManyGroups".into()));
    assert_eq!(err.kind(), Some(ErrorKind::TooManyGroups));
    // An existing ID still answers truthfully at the limit.
    assert!(c.call(&create("s1")).await.unwrap().already_exists);
    // Deleted groups do not count.
    c.call(&DeleteGroupRequest {
        app_id: "demo".into(),
        group_id: "s1".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    c.call(&create("onetoomany")).await.unwrap();
    let page = c
        .call(&list(SortType::Desc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    assert_eq!(page.total_count, 5001);
    assert_eq!(page.page_count(), 101);
}

// ------------------------------------------------------------------ apps and data centers

#[tokio::test]
async fn unknown_apps_and_foreign_data_centers() {
    let emu = start(EmulatorOptions {
        apps: vec![
            AppSpec::new("demo", DataCenter::CnShanghai),
            AppSpec::new("sgapp", DataCenter::ApSoutheast1),
        ],
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    let err = c
        .call(&ListGroupsRequest::new("nosuchapp"))
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    let err = c
        .call(&CreateGroupRequest {
            app_id: "nosuchapp".into(),
            ..create("g")
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));

    let err = c
        .call(&CreateGroupRequest {
            data_center: Some(DataCenter::ApSoutheast1),
            ..create("g")
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (400, "InputInvalid".into()));
    assert!(err.to_string().contains("DataCenter"), "{err}");
    let ok = c
        .call(&CreateGroupRequest {
            app_id: "sgapp".into(),
            data_center: Some(DataCenter::ApSoutheast1),
            ..create("g")
        })
        .await
        .unwrap();
    assert!(!ok.already_exists);
    // Apps are separate namespaces.
    assert!(!c.call(&create("g")).await.unwrap().already_exists);
    // DataCenter defaults to cn-shanghai before it is compared: an app in
    // ap-southeast-1 called without it is refused.
    let err = c.call(&ListGroupsRequest::new("sgapp")).await.unwrap_err();
    assert_eq!(service_code(&err), (400, "InputInvalid".into()));
    assert!(err.to_string().contains("cn-shanghai"), "{err}");
    let ok = c
        .call(&ListGroupsRequest {
            data_center: Some(DataCenter::ApSoutheast1),
            ..ListGroupsRequest::new("sgapp")
        })
        .await
        .unwrap();
    assert_eq!(ok.total_count, 1);

    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[
            ("AppId", "demo"),
            ("SortType", "1"),
            ("DataCenter", "mars-1"),
        ],
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "InputInvalid".into()));
    assert!(r.message().contains("DataCenter"), "{}", r.message());
}

// ------------------------------------------------------------------ list

#[tokio::test]
async fn list_sorts_pages_and_filters() {
    let emu = start_default().await;
    let base = 1_700_000_000;
    // Three groups share a creation time: insertion order breaks the tie.
    let mut seeds = vec![
        seed("old", base),
        seed("tieA", base + 10),
        seed("tieB", base + 10),
        seed("tieC", base + 10),
    ];
    seeds.push(SeedGroup {
        deleted: true,
        ..seed("del", base + 5)
    });
    for i in 0..20 {
        seeds.push(seed(&format!("n{i:02}"), base + 100 + i));
    }
    emu.import_groups("demo", seeds).await.unwrap();
    let c = client(&emu);

    let asc = c
        .call(&list(SortType::Asc, 5, 1, GroupStatus::All))
        .await
        .unwrap();
    let ids: Vec<_> = asc.group_list.iter().map(|g| g.group_id.as_str()).collect();
    assert_eq!(ids, ["old", "del", "tieA", "tieB", "tieC"]);
    assert_eq!(
        (asc.total_count, asc.page_number, asc.page_size),
        (25, 1, 5)
    );
    assert_eq!(asc.group_list[0].createtime, base);

    let desc = c
        .call(&list(SortType::Desc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    let ids: Vec<_> = desc
        .group_list
        .iter()
        .map(|g| g.group_id.as_str())
        .collect();
    assert_eq!(&ids[20..], ["tieC", "tieB", "tieA", "del", "old"]);
    assert_eq!(ids[0], "n19");

    let existing = c
        .call(&list(SortType::Asc, 50, 1, GroupStatus::Existing))
        .await
        .unwrap();
    assert_eq!(existing.total_count, 24);
    assert!(existing.group_list.iter().all(|g| !g.delete));
    let deleted = c
        .call(&list(SortType::Asc, 50, 1, GroupStatus::Deleted))
        .await
        .unwrap();
    assert_eq!(deleted.total_count, 1);
    assert_eq!(deleted.group_list[0].group_id, "del");
    assert!(deleted.group_list[0].delete);

    // Pages walk the whole set exactly once.
    let mut seen = Vec::new();
    for page in 1..=5 {
        let p = c
            .call(&list(SortType::Asc, 6, page, GroupStatus::All))
            .await
            .unwrap();
        seen.extend(p.group_list.into_iter().map(|g| g.group_id));
    }
    assert_eq!(seen.len(), 25);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25);
    let beyond = c
        .call(&list(SortType::Asc, 50, 3, GroupStatus::All))
        .await
        .unwrap();
    assert!(beyond.group_list.is_empty());
    assert_eq!(beyond.total_count, 25);

    // Defaults: PageSize 20, PageNumber 1, GroupStatus 0.
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "2")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(
        (
            v["PageSize"].as_u64(),
            v["PageNumber"].as_u64(),
            v["TotalCount"].as_u64()
        ),
        (Some(20), Some(1), Some(25))
    );
    assert_eq!(v["GroupList"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn list_parameter_checks() {
    let emu = start_default().await;
    let base = [("AppId", "demo"), ("SortType", "1")];
    let cases: &[(&str, &str, &str)] = &[
        ("SortType", "3", "SortType"),
        ("SortType", "x", "SortType"),
        ("PageSize", "0", "PageSize"),
        ("PageSize", "51", "PageSize"),
        ("PageNumber", "0", "PageNumber"),
        ("PageNumber", "10001", "PageNumber"),
        ("GroupStatus", "3", "GroupStatus"),
    ];
    for (name, value, field) in cases {
        let mut params: Vec<(&str, &str)> =
            base.iter().copied().filter(|(k, _)| k != name).collect();
        params.push((name, value));
        let r = v2_get(&emu, "ListLiveMessageGroupByPage", &params).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "InputInvalid".into()),
            "{name}={value}: {}",
            r.text
        );
        assert!(r.message().contains(field), "{}", r.message());
    }
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[
            ("AppId", "demo"),
            ("PageSize", "50"),
            ("PageNumber", "10000"),
        ],
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "MissingParameter".into()));
    assert!(r.message().contains("SortType"));
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[
            ("AppId", "demo"),
            ("SortType", "1"),
            ("PageSize", "50"),
            ("PageNumber", "10000"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "the bounds are inclusive: {}", r.text);
}

// ------------------------------------------------------------------ send

#[tokio::test]
async fn sends_need_online_users() {
    let emu = start_default().await;
    let c = client(&emu);
    c.call(&create("quiet")).await.unwrap();
    let err = c.call(&send("quiet")).await.unwrap_err();
    assert_eq!(service_code(&err), (400, "InputInvalid".into()));
    assert!(err.to_string().contains("no online users"), "{err}");

    let j = c.call(&join("quiet", "u1")).await.unwrap();
    assert!(j.joined);
    assert!(
        !c.call(&join("quiet", "u1")).await.unwrap().joined,
        "joining twice is idempotent"
    );
    c.call(&send("quiet")).await.unwrap();
    let left = c
        .call(&LeaveGroupRequest {
            app_id: "demo".into(),
            group_id: "quiet".into(),
            user_id: "u1".into(),
            data_center: None,
        })
        .await
        .unwrap();
    assert!(left.left);
    assert_eq!(left.online_users, 0);
    assert!(c.call(&send("quiet")).await.is_err());

    // A group's own simulated audience.
    emu.import_groups(
        "demo",
        vec![SeedGroup {
            audience: Some(3),
            ..seed("busy", 1)
        }],
    )
    .await
    .unwrap();
    c.call(&send("busy")).await.unwrap();
    assert_eq!(
        emu.group("demo", "busy")
            .await
            .unwrap()
            .unwrap()
            .online_users,
        3
    );

    let err = c.call(&send("nosuchgroup")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    let err = c.call(&join("nosuchgroup", "u1")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
}

#[tokio::test]
async fn audience_option_puts_users_in_every_group() {
    let emu = start(EmulatorOptions {
        audience: 2,
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    c.call(&create("g")).await.unwrap();
    c.call(&send("g")).await.unwrap();
    assert_eq!(
        emu.group("demo", "g").await.unwrap().unwrap().online_users,
        2
    );
}

#[tokio::test]
async fn message_fields_storage_cache_and_msg_tids() {
    let emu = start(EmulatorOptions {
        audience: 1,
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    c.call(&create("g")).await.unwrap();
    let generated = c.call(&send("g")).await.unwrap().msg_tid;
    assert!(generated.chars().all(|ch| ch.is_ascii_alphanumeric()) && generated.len() <= 64);
    let given = c
        .call(&SendMessageRequest {
            msg_tid: Some("tid42".into()),
            msg_type: Some(7),
            statics_increase: Some(3),
            weight: Some(9),
            sender_meta_info: Some("meta".into()),
            ..send("g")
        })
        .await
        .unwrap();
    assert_eq!(given.msg_tid, "tid42");
    c.call(&SendMessageRequest {
        msg_tid: Some("nostore".into()),
        no_storage: Some(true),
        ..send("g")
    })
    .await
    .unwrap();
    c.call(&SendMessageRequest {
        msg_tid: Some("nocache".into()),
        no_cache: Some(true),
        ..send("g")
    })
    .await
    .unwrap();
    // The same MsgTid again is delivered again, and visibly so.
    c.call(&SendMessageRequest {
        msg_tid: Some("tid42".into()),
        ..send("g")
    })
    .await
    .unwrap();

    let stored: Vec<_> = emu.stored_messages("demo", "g").await.unwrap();
    let stored_tids: Vec<_> = stored.iter().map(|m| m.msg_tid.as_str()).collect();
    assert_eq!(
        stored_tids,
        [generated.as_str(), "tid42", "nocache", "tid42"]
    );
    let m = &stored[1];
    assert_eq!((m.msg_type, m.statics_increase, m.weight), (7, 3, 9));
    assert_eq!(
        (
            m.sender_id.as_str(),
            m.sender_meta_info.as_str(),
            m.body.as_str()
        ),
        ("mod1", "meta", "hello")
    );
    assert_eq!(
        (stored[0].statics_increase, stored[0].weight),
        (1, 1),
        "defaults"
    );

    let cached: Vec<_> = emu.cached_messages("demo", "g").await.unwrap();
    let cached_tids: Vec<_> = cached.iter().map(|m| m.msg_tid.as_str()).collect();
    assert_eq!(
        cached_tids,
        [generated.as_str(), "tid42", "nostore", "tid42"]
    );

    let delivered = emu.delivered_messages("demo", "g").await.unwrap();
    assert_eq!(delivered.len(), 5);
    assert!(!delivered[2].stored && delivered[2].cached);
    assert!(delivered[3].stored && !delivered[3].cached);
    let stats = emu.stats().await.unwrap();
    assert_eq!(stats.delivered, 5);
    assert_eq!(
        stats.duplicate_deliveries(),
        vec![(
            ("demo".to_string(), "g".to_string(), "tid42".to_string()),
            2
        )]
    );
}

#[tokio::test]
async fn thirty_message_types_per_group() {
    let emu = start(EmulatorOptions {
        audience: 1,
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    c.call(&create("g")).await.unwrap();
    c.call(&create("other")).await.unwrap();
    for t in 1..=30 {
        c.call(&SendMessageRequest {
            msg_type: Some(t),
            ..send("g")
        })
        .await
        .unwrap();
    }
    let err = c
        .call(&SendMessageRequest {
            msg_type: Some(31),
            ..send("g")
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (400, "ErrorTooManyMsgTypes".into()));
    assert_eq!(err.kind(), Some(ErrorKind::TooManyMsgTypes));
    // Known types still go through; the limit is per group.
    c.call(&SendMessageRequest {
        msg_type: Some(30),
        ..send("g")
    })
    .await
    .unwrap();
    c.call(&SendMessageRequest {
        msg_type: Some(31),
        ..send("other")
    })
    .await
    .unwrap();
    assert_eq!(
        emu.group("demo", "g")
            .await
            .unwrap()
            .unwrap()
            .msg_types
            .len(),
        30
    );
}

#[tokio::test]
async fn documented_field_limits_are_input_invalid() {
    let emu = start(EmulatorOptions {
        audience: 1,
        ..Default::default()
    })
    .await;
    client(&emu).call(&create("g")).await.unwrap();
    let long_name = "n".repeat(129);
    let long_info = "i".repeat(32 * 1024 + 1);
    let long_id = "a".repeat(65);
    let long_body = "b".repeat(15 * 1024 + 1);
    let long_meta = "m".repeat(513);
    let create_cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("GroupId", "bad-id")], "GroupId"),
        (vec![("GroupId", &long_id)], "GroupId"),
        (
            vec![("GroupId", "ok"), ("GroupName", &long_name)],
            "GroupName",
        ),
        (
            vec![("GroupId", "ok"), ("GroupInfo", &long_info)],
            "GroupInfo",
        ),
        (
            vec![("GroupId", "ok"), ("Administrators", "a,b,c,d")],
            "Administrators",
        ),
        (
            vec![("GroupId", "ok"), ("Administrators", "a,b-c")],
            "Administrators",
        ),
        (vec![("GroupId", "ok"), ("CreatorId", "who?")], "CreatorId"),
    ];
    for (mut params, field) in create_cases {
        params.push(("AppId", "demo"));
        let r = v2_post_form(&emu, "CreateLiveMessageGroup", &params).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "InputInvalid".into()),
            "{field}: {}",
            r.text
        );
        assert!(r.message().contains(field), "{}", r.message());
    }
    let r = v2_post_form(
        &emu,
        "CreateLiveMessageGroup",
        &[
            ("AppId", "demo"),
            ("GroupId", "ok"),
            ("GroupName", &long_name),
        ],
    )
    .await;
    assert!(
        r.message().contains("128") && r.message().contains("129"),
        "limit and size: {}",
        r.message()
    );

    let send_cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("Body", &long_body)], "Body"),
        (vec![("SenderMetaInfo", &long_meta)], "SenderMetaInfo"),
        (vec![("MsgTid", "not valid")], "MsgTid"),
        (vec![("MsgType", "seven")], "MsgType"),
        (vec![("NoStorage", "maybe")], "NoStorage"),
        (vec![("Weight", "1.5")], "Weight"),
    ];
    for (mut params, field) in send_cases {
        params.extend([("AppId", "demo"), ("GroupId", "g"), ("SenderId", "s1")]);
        let r = v2_post_form(&emu, "SendLiveMessageGroup", &params).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "InputInvalid".into()),
            "{field}: {}",
            r.text
        );
        assert!(r.message().contains(field), "{}", r.message());
    }
    let r = v2_post_form(
        &emu,
        "SendLiveMessageGroup",
        &[
            ("AppId", "demo"),
            ("GroupId", "g"),
            ("SenderId", "s1"),
            ("Body", &"b".repeat(15 * 1024)),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "15 KB is allowed: {}", r.text);
}

#[tokio::test]
async fn missing_required_parameters_are_named() {
    let emu = start_default().await;
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        ("CreateLiveMessageGroup", &[("GroupId", "g")], "AppId"),
        ("CreateLiveMessageGroup", &[("AppId", "demo")], "GroupId"),
        ("DeleteLiveMessageGroup", &[("AppId", "demo")], "GroupId"),
        (
            "ListLiveMessageGroupByPage",
            &[("AppId", "demo")],
            "SortType",
        ),
        (
            "SendLiveMessageGroup",
            &[("AppId", "demo"), ("GroupId", "g")],
            "SenderId",
        ),
        (
            "SendLiveMessageGroup",
            &[("AppId", "demo"), ("GroupId", ""), ("SenderId", "s")],
            "GroupId",
        ),
        (
            "EmulatorJoinGroup",
            &[("AppId", "demo"), ("GroupId", "g")],
            "UserId",
        ),
    ];
    for (action, params, name) in cases {
        let r = v2_post_form(&emu, action, params).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "MissingParameter".into()),
            "{action}: {}",
            r.text
        );
        assert!(
            r.message().contains(&format!("\"{name}\"")),
            "{}",
            r.message()
        );
    }
}

// ------------------------------------------------------------------ wire protocol

#[tokio::test]
async fn v2_get_query_and_post_form_and_post_query() {
    let emu = start_default().await;
    let r = v2_post_form(
        &emu,
        "CreateLiveMessageGroup",
        &[("AppId", "demo"), ("GroupId", "viaform")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["GroupId"], "viaform");
    assert_eq!(r.json()["AlreadyExists"], false);
    let params = V2::default().sign(
        "POST",
        "CreateLiveMessageGroup",
        &[("AppId", "demo"), ("GroupId", "viaquery")],
    );
    let r = v2_send_query(&emu, "POST", &params).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Query and form merged: common parameters in the query, business ones in the body.
    let all = V2::default().sign(
        "POST",
        "CreateLiveMessageGroup",
        &[("AppId", "demo"), ("GroupId", "split")],
    );
    let (body, query): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(k, _)| k == "AppId" || k == "GroupId");
    let r = execute(
        reqwest::Client::new()
            .post(format!("{}?{}", emu.url(), encode(&query)))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(encode(&body)),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "1")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["TotalCount"], 3);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    // The signature covers the HTTP method.
    let params = V2::default().sign(
        "GET",
        "CreateLiveMessageGroup",
        &[("AppId", "demo"), ("GroupId", "x")],
    );
    let r = v2_send_query(&emu, "POST", &params).await;
    assert_eq!((r.status, r.code()), (400, "SignatureDoesNotMatch".into()));
}

#[tokio::test]
async fn administrators_in_all_three_array_forms() {
    let emu = start_default().await;
    let forms: [(&str, Vec<(&str, &str)>); 3] = [
        ("comma", vec![("Administrators", "a1,a2")]),
        (
            "flat",
            vec![("Administrators.2", "a2"), ("Administrators.1", "a1")],
        ),
        ("json", vec![("Administrators", r#"["a1","a2"]"#)]),
    ];
    for (gid, admins) in forms {
        let mut params = vec![("AppId", "demo"), ("GroupId", gid)];
        params.extend(admins);
        let r = v2_post_form(&emu, "CreateLiveMessageGroup", &params).await;
        assert_eq!(r.status, 200, "{gid}: {}", r.text);
        let state = emu.group("demo", gid).await.unwrap().unwrap();
        assert_eq!(state.group.admin_list, vec!["a1", "a2"], "{gid}");
    }
    let r = v2_post_form(
        &emu,
        "CreateLiveMessageGroup",
        &[
            ("AppId", "demo"),
            ("GroupId", "four"),
            ("Administrators.1", "a"),
            ("Administrators.2", "b"),
            ("Administrators.3", "c"),
            ("Administrators.4", "d"),
        ],
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "InputInvalid".into()));
}

#[tokio::test]
async fn xml_replies_when_asked() {
    let emu = start_default().await;
    client(&emu)
        .call(&CreateGroupRequest {
            administrators: vec!["m1".into()],
            group_info: Some("a<b & c".into()),
            ..create("g1")
        })
        .await
        .unwrap();
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "1"), ("Format", "XML")],
    )
    .await;
    assert_eq!(r.status, 200);
    // Exactly the documented media type (the example says application/xml).
    let media_type = r.headers["content-type"].to_str().unwrap();
    assert_eq!(
        media_type.split(';').next().unwrap().trim(),
        "application/xml",
        "{media_type}"
    );
    assert!(r.text.starts_with("<?xml"), "{}", r.text);
    assert!(
        r.text.contains("<ListLiveMessageGroupByPageResponse>"),
        "{}",
        r.text
    );
    assert!(r.text.contains("<TotalCount>1</TotalCount>"), "{}", r.text);
    assert!(r.text.contains("<GroupId>g1</GroupId>"), "{}", r.text);
    assert!(
        r.text
            .contains("<AdminList><Admins>m1</Admins></AdminList>"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("<GroupInfo>a&lt;b &amp; c</GroupInfo>"),
        "{}",
        r.text
    );
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[("AppId", "nope"), ("SortType", "1"), ("Format", "xml")],
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(
        r.text.contains("<Error>")
            && r.text.contains("<Code>ResourceNotExist</Code>")
            && r.text.contains("<HostId>live.aliyuncs.com</HostId>"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn error_bodies_have_the_documented_shape() {
    let emu = start_default().await;
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[("AppId", "nope"), ("SortType", "1")],
    )
    .await;
    assert_eq!(r.status, 404);
    let v = r.json();
    for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(v[field].is_string(), "{field} in {v}");
    }
    assert_eq!(v["HostId"], "live.aliyuncs.com");
    assert_eq!(
        r.headers["x-acs-request-id"].to_str().unwrap(),
        v["RequestId"].as_str().unwrap()
    );
}

#[tokio::test]
async fn unknown_actions_versions_and_methods() {
    let emu = start_default().await;
    let r = v2_get(&emu, "DescribeRegions", &[]).await;
    assert_eq!((r.status, r.code()), (404, "InvalidAction.NotFound".into()));
    let mut params = V2::default().sign(
        "GET",
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "1")],
    );
    for (k, v) in params.iter_mut() {
        if k == "Version" {
            *v = "2014-05-26".into();
        }
    }
    let r = v2_send_query(&emu, "GET", &params).await;
    assert_eq!((r.status, r.code()), (400, "InvalidVersion".into()));
    let r = execute(reqwest::Client::new().get(emu.url())).await;
    assert_eq!((r.status, r.code()), (400, "MissingParameter".into()));
    assert!(r.message().contains("Action"));
    let r = execute(reqwest::Client::new().put(format!(
        "{}?Action=ListLiveMessageGroupByPage&Version=2016-11-01",
        emu.url()
    )))
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn large_bodies_are_refused_with_an_error_body() {
    let emu = start_default().await;
    let r = execute(
        reqwest::Client::new()
            .post(emu.url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "Action=CreateLiveMessageGroup&GroupInfo={}",
                "x".repeat(300 * 1024)
            )),
    )
    .await;
    assert_eq!((r.status, r.code()), (413, "InputInvalid".into()));
}

// ------------------------------------------------------------------ authentication

#[tokio::test]
async fn v2_signature_errors() {
    let emu = start_default().await;
    let business = [("AppId", "demo"), ("SortType", "1")];
    let action = "ListLiveMessageGroupByPage";

    let mut params = V2::default().sign("GET", action, &business);
    params.retain(|(k, _)| k != "Signature");
    params.push(("Signature".into(), "AAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()));
    let r = v2_send_query(&emu, "GET", &params).await;
    assert_eq!((r.status, r.code()), (400, "SignatureDoesNotMatch".into()));

    let wrong_secret = V2 {
        secret: "wrong".into(),
        ..Default::default()
    };
    let r = v2_send_query(&emu, "GET", &wrong_secret.sign("GET", action, &business)).await;
    assert_eq!((r.status, r.code()), (400, "SignatureDoesNotMatch".into()));

    let unknown = V2 {
        key: "nobody".into(),
        ..Default::default()
    };
    let r = v2_send_query(&emu, "GET", &unknown.sign("GET", action, &business)).await;
    assert_eq!(
        (r.status, r.code()),
        (404, "InvalidAccessKeyId.NotFound".into())
    );

    for minutes in [-16i64, 16] {
        let skewed = V2 {
            timestamp: (chrono::Utc::now() + chrono::Duration::minutes(minutes))
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            ..Default::default()
        };
        let r = v2_send_query(&emu, "GET", &skewed.sign("GET", action, &business)).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "InvalidTimeStamp.Expired".into()),
            "{minutes} min"
        );
    }
    let slightly = V2 {
        timestamp: (chrono::Utc::now() - chrono::Duration::minutes(14))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        ..Default::default()
    };
    assert_eq!(
        v2_send_query(&emu, "GET", &slightly.sign("GET", action, &business))
            .await
            .status,
        200
    );

    let once = V2::default();
    let params = once.sign("GET", action, &business);
    assert_eq!(v2_send_query(&emu, "GET", &params).await.status, 200);
    let r = v2_send_query(&emu, "GET", &params).await;
    assert_eq!((r.status, r.code()), (400, "SignatureNonceUsed".into()));

    for omit in [
        "AccessKeyId",
        "Signature",
        "SignatureNonce",
        "Timestamp",
        "SignatureMethod",
    ] {
        let v2 = V2 {
            omit: Some(omit),
            ..Default::default()
        };
        let r = v2_send_query(&emu, "GET", &v2.sign("GET", action, &business)).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "MissingParameter".into()),
            "{omit}"
        );
        assert!(r.message().contains(omit), "{}", r.message());
    }
}

#[tokio::test]
async fn v3_variants_and_errors() {
    let emu = start_default().await;
    let action = "CreateLiveMessageGroup";
    // Business parameters in the query with an empty body (the Tea SDK's way).
    let r = V3::default()
        .send(
            &emu,
            "POST",
            action,
            &[("AppId", "demo"), ("GroupId", "q")],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // In a form body, hashed into x-acs-content-sha256.
    let r = V3::default()
        .send(
            &emu,
            "POST",
            action,
            &[],
            Some(&[("AppId", "demo"), ("GroupId", "f")]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A body that does not match its hash.
    let tampered = V3 {
        claimed_hash: Some(sign::EMPTY_SHA256.into()),
        ..Default::default()
    };
    let r = tampered
        .send(
            &emu,
            "POST",
            action,
            &[],
            Some(&[("AppId", "demo"), ("GroupId", "t")]),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "SignatureDoesNotMatch".into()));
    assert!(emu.group("demo", "t").await.unwrap().is_none());
    // Wrong secret.
    let wrong = V3 {
        secret: "nope".into(),
        ..Default::default()
    };
    let r = wrong
        .send(
            &emu,
            "POST",
            action,
            &[("AppId", "demo"), ("GroupId", "w")],
            None,
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "SignatureDoesNotMatch".into()));
    // Unknown key.
    let unknown = V3 {
        key: "nobody".into(),
        ..Default::default()
    };
    let r = unknown
        .send(
            &emu,
            "POST",
            action,
            &[("AppId", "demo"), ("GroupId", "w")],
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (404, "InvalidAccessKeyId.NotFound".into())
    );
    // A required header left unsigned.
    let partial = V3 {
        signed: Some(vec![
            "host",
            "x-acs-action",
            "x-acs-date",
            "x-acs-content-sha256",
        ]),
        ..Default::default()
    };
    let r = partial
        .send(
            &emu,
            "POST",
            action,
            &[("AppId", "demo"), ("GroupId", "w")],
            None,
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("x-acs-signature-nonce"), "{}", r.text);
    // Expired date, either way.
    for minutes in [-20i64, 20] {
        let skewed = V3 {
            date: (chrono::Utc::now() + chrono::Duration::minutes(minutes))
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            ..Default::default()
        };
        let r = skewed
            .send(
                &emu,
                "POST",
                action,
                &[("AppId", "demo"), ("GroupId", "w")],
                None,
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (400, "InvalidTimeStamp.Expired".into())
        );
    }
    // Reused nonce.
    let fixed = V3 {
        nonce: "samenonce123".into(),
        ..Default::default()
    };
    let r = fixed
        .send(
            &emu,
            "GET",
            "ListLiveMessageGroupByPage",
            &[("AppId", "demo"), ("SortType", "1")],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = fixed
        .send(
            &emu,
            "GET",
            "ListLiveMessageGroupByPage",
            &[("AppId", "demo"), ("SortType", "1")],
            None,
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "SignatureNonceUsed".into()));
    // Malformed Authorization.
    let r = execute(
        reqwest::Client::new()
            .get(emu.url())
            .header("x-acs-action", "ListLiveMessageGroupByPage")
            .header("x-acs-version", API_VERSION)
            .header("authorization", "Bearer token"),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
}

#[tokio::test]
async fn sts_tokens_are_accepted() {
    let emu = start_default().await;
    for signature in [SignatureVersion::V3, SignatureVersion::V2] {
        let mut creds = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "test");
        creds.security_token = Some("CAIS-some-sts-token".to_string().into());
        let c = Client::new(
            creds,
            ClientOptions {
                endpoint: emu.url(),
                signature,
                rate_per_second: 1000,
                ..Default::default()
            },
        )
        .unwrap();
        c.call(&ListGroupsRequest::new("demo")).await.unwrap();

        // The token is part of what is signed (#8: a test that accepts any
        // token could not fail): the same request with the token swapped
        // after signing must be refused, and the untouched one accepted.
        let params = ListGroupsRequest::new("demo").params();
        let signed = c.build("ListLiveMessageGroupByPage", Method::Get, &params);
        let http = reqwest::Client::new();
        let untouched = http.execute(signed.try_clone().unwrap()).await.unwrap();
        assert_eq!(untouched.status(), 200, "{signature:?}");
        let mut swapped = c.build("ListLiveMessageGroupByPage", Method::Get, &params);
        if let Some(v) = swapped.headers_mut().get_mut("x-acs-security-token") {
            *v = "CAIS-another-token".parse().unwrap();
        }
        let url = swapped.url().to_string().replace(
            "SecurityToken=CAIS-some-sts-token",
            "SecurityToken=CAIS-another-token",
        );
        *swapped.url_mut() = url.parse().unwrap();
        let refused = http.execute(swapped).await.unwrap();
        assert!(
            matches!(refused.status().as_u16(), 400 | 403),
            "{signature:?}: a token swapped after signing was accepted ({})",
            refused.status()
        );
    }
}

#[tokio::test]
async fn a_custom_key_pair_replaces_the_demo_one() {
    let emu = start(EmulatorOptions {
        access_key_id: "customkey".into(),
        access_key_secret: "customsecret".into(),
        ..Default::default()
    })
    .await;
    let good = client_with(&emu, SignatureVersion::V3, ("customkey", "customsecret"), 1);
    good.call(&ListGroupsRequest::new("demo")).await.unwrap();
    let demo = client(&emu);
    let err = demo
        .call(&ListGroupsRequest::new("demo"))
        .await
        .unwrap_err();
    assert_eq!(
        service_code(&err),
        (404, "InvalidAccessKeyId.NotFound".into())
    );
    assert_eq!(err.kind(), Some(ErrorKind::InvalidAccessKeyId));
}

// ------------------------------------------------------------------ rate limit

#[tokio::test]
async fn fifty_calls_per_second_per_key_and_operation() {
    let emu = start(EmulatorOptions {
        extra_access_keys: vec![("secondkey".into(), "secondsecret".into())],
        ..Default::default()
    })
    .await;
    let c = single_try_client(&emu);
    // Concurrent, so they land within a fraction of a second even on a busy machine.
    let list = ListGroupsRequest::new("demo");
    let results = futures::future::join_all((0..120).map(|_| c.call(&list))).await;
    let mut ok = 0;
    let mut throttled = Vec::new();
    for result in results {
        match result {
            Ok(_) => ok += 1,
            Err(e) => throttled.push(e),
        }
    }
    assert!(ok >= 50, "the burst of 50 passes: {ok}");
    assert!(!throttled.is_empty(), "more than 50 at once are throttled");
    for e in &throttled {
        let s = e.service().unwrap();
        assert_eq!((s.status, s.code.as_str()), (400, "Throttling.User"));
        let wait = s.retry_after.expect("x-acs-retry-after");
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(1000),
            "{wait:?}"
        );
        assert_eq!(e.kind(), Some(ErrorKind::Throttling));
    }
    // Another operation has its own budget, and so has another key.
    c.call(&create("stillfine")).await.unwrap();
    client_with(&emu, SignatureVersion::V2, ("secondkey", "secondsecret"), 1)
        .call(&ListGroupsRequest::new("demo"))
        .await
        .unwrap();
    let stats = emu.stats().await.unwrap();
    assert_eq!(stats.rate_limited, throttled.len() as u64);

    // Raw: the header is there, in milliseconds.
    let raw = futures::future::join_all((0..80).map(|_| {
        v2_get(
            &emu,
            "ListLiveMessageGroupByPage",
            &[("AppId", "demo"), ("SortType", "1")],
        )
    }))
    .await;
    let r = raw
        .into_iter()
        .find(|r| r.status == 400)
        .expect("throttled");
    assert_eq!(r.code(), "Throttling.User");
    let ms: u64 = r.headers["x-acs-retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1000).contains(&ms), "{ms}");
}

#[tokio::test]
async fn the_paced_client_never_trips_the_limit() {
    // Default pacing (50/s, burst 1) under a distinct key so other tests do not share it.
    let emu2 = start(EmulatorOptions {
        access_key_id: "pacedkey".into(),
        access_key_secret: "pacedsecret".into(),
        ..Default::default()
    })
    .await;
    let c = Client::new(
        Credentials::new("pacedkey", "pacedsecret", "test"),
        ClientOptions {
            endpoint: emu2.url(),
            max_attempts: 1,
            ..Default::default()
        },
    )
    .unwrap();
    for _ in 0..60 {
        c.call(&ListGroupsRequest::new("demo")).await.unwrap();
    }
    assert_eq!(emu2.stats().await.unwrap().throttled, 0);
}

// ------------------------------------------------------------------ faults

#[tokio::test]
async fn injected_server_errors_change_nothing() {
    let emu = start_with_faults(FaultOptions {
        fault_rate: 1.0,
        ..Default::default()
    })
    .await;
    let c = single_try_client(&emu);
    let err = c.call(&create("g")).await.unwrap_err();
    assert_eq!(service_code(&err), (500, "ServerError".into()));
    // The emulator failed before processing, but a client cannot know that
    // from a 500: its outcome is unknown (#8).
    assert!(!err.provably_not_processed() && err.outcome_unknown());
    assert!(emu.group("demo", "g").await.unwrap().is_none());
    assert_eq!(emu.stats().await.unwrap().faults, 1);
}

#[tokio::test]
async fn injected_throttling_is_throttling() {
    let emu = start_with_faults(FaultOptions {
        throttle_rate: 1.0,
        ..Default::default()
    })
    .await;
    let c = single_try_client(&emu);
    let err = c.call(&create("g")).await.unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::Throttling));
    assert!(err.service().unwrap().retry_after.is_some());
    assert!(emu.group("demo", "g").await.unwrap().is_none());
}

#[tokio::test]
async fn resets_happen_after_the_change_is_committed() {
    let emu = start(EmulatorOptions {
        audience: 1,
        faults: FaultOptions {
            reset_rate: 1.0,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let c = single_try_client(&emu);
    let err = c.call(&create("g")).await.unwrap_err();
    match &err {
        ApiError::Transport { phase, .. } => {
            assert_eq!(*phase, TransportPhase::OutcomeUnknown, "{err}")
        }
        other => panic!("expected a transport error, got {other}"),
    }
    assert!(
        emu.group("demo", "g").await.unwrap().is_some(),
        "processed before the reset"
    );
    let err = c
        .call(&SendMessageRequest {
            msg_tid: Some("once".into()),
            ..send("g")
        })
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Transport { .. }), "{err}");
    assert_eq!(emu.delivered_messages("demo", "g").await.unwrap().len(), 1);
    assert_eq!(emu.stats().await.unwrap().resets, 2);

    // A raw connection sees a TCP reset, never a reply.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let params = V2::default().sign(
        "GET",
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "1")],
    );
    let mut stream = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /?{} HTTP/1.1\r\nHost: {}\r\n\r\n",
                encode(&params),
                emu.addr()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = stream.read_to_end(&mut buf).await;
    assert!(
        buf.is_empty(),
        "no reply bytes: {}",
        String::from_utf8_lossy(&buf)
    );
    let err = read.expect_err("the connection is reset, not closed cleanly");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
    assert_eq!(emu.stats().await.unwrap().resets, 3);
}

#[tokio::test]
async fn latency_delays_replies() {
    let emu = start_with_faults(FaultOptions {
        latency: Some(LatencyRange {
            min_ms: 80,
            max_ms: 100,
        }),
        seed: Some(1),
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    let t = Instant::now();
    c.call(&ListGroupsRequest::new("demo")).await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(80),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn bad_fault_options_are_refused() {
    let err = Emulator::start(EmulatorOptions {
        faults: FaultOptions {
            fault_rate: 1.5,
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("fault rate"), "{err}");
}

// ------------------------------------------------------------------ state

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("state.sqlite3");
    let options = EmulatorOptions {
        state: StateLocation::File(path.clone()),
        audience: 1,
        ..Default::default()
    };
    let emu = start(options.clone()).await;
    let c = client(&emu);
    c.call(&create("kept")).await.unwrap();
    c.call(&create("dropped")).await.unwrap();
    c.call(&DeleteGroupRequest {
        app_id: "demo".into(),
        group_id: "dropped".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    c.call(&SendMessageRequest {
        msg_tid: Some("m1".into()),
        ..send("kept")
    })
    .await
    .unwrap();
    emu.shutdown().await;

    let emu = start(options).await;
    let c = client(&emu);
    let page = c
        .call(&list(SortType::Asc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    assert_eq!(page.total_count, 2);
    assert!(c.call(&create("dropped")).await.unwrap().already_delete);
    let delivered = emu.delivered_messages("demo", "kept").await.unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].msg_tid, "m1");
    emu.shutdown().await;
}

#[tokio::test]
async fn demo_data_seeds_app_demo_once() {
    let dir = tempfile::tempdir().unwrap();
    let options = EmulatorOptions {
        state: StateLocation::File(dir.path().join("demo.sqlite3")),
        apps: vec![AppSpec::new("other", DataCenter::CnShanghai)],
        demo_data: true,
        ..Default::default()
    };
    let emu = start(options.clone()).await;
    let c = client(&emu);
    let all = c
        .call(&list(SortType::Desc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    assert!(
        (100..=150).contains(&all.total_count),
        "{}",
        all.total_count
    );
    let deleted = c
        .call(&list(SortType::Desc, 50, 1, GroupStatus::Deleted))
        .await
        .unwrap();
    assert!(deleted.total_count > 0);
    // The other app exists too, and is empty.
    let other = c.call(&ListGroupsRequest::new("other")).await.unwrap();
    assert_eq!(other.total_count, 0);
    // A group with its own audience takes messages at once.
    let state = emu.group("demo", "communityrules").await.unwrap().unwrap();
    assert!(state.online_users > 0);
    assert!(state.group.group_info.len() > 19 * 1024);
    c.call(&send("communityrules")).await.unwrap();
    emu.shutdown().await;
    // Seeding again does not duplicate.
    let emu = start(options).await;
    let again = client(&emu)
        .call(&list(SortType::Desc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    assert_eq!(again.total_count, all.total_count);
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let emu = start_default().await;
    let addr = emu.addr();
    emu.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

// ------------------------------------------------------------------ never panic

mod fuzz {
    use std::sync::LazyLock;

    use axum::body::Body;
    use axum::http::Request;
    use proptest::prelude::*;
    use tower::ServiceExt;

    use super::*;

    static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    });
    static EMULATOR: LazyLock<Emulator> = LazyLock::new(|| {
        RUNTIME
            .block_on(Emulator::start(EmulatorOptions {
                audience: 1,
                ..Default::default()
            }))
            .unwrap()
    });

    const ALLOWED: [u16; 6] = [200, 400, 403, 404, 413, 500];

    fn check(req: Request<Body>) -> Result<(), TestCaseError> {
        let router = EMULATOR.router();
        let (status, body) = RUNTIME.block_on(async move {
            let resp = router.oneshot(req).await.unwrap();
            let status = resp.status().as_u16();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, body)
        });
        prop_assert!(ALLOWED.contains(&status), "status {status}");
        let text = String::from_utf8_lossy(&body);
        if text.starts_with("<?xml") {
            prop_assert!(status == 200 || text.contains("<Code>"), "{text}");
        } else {
            let v: Value = serde_json::from_slice(&body)
                .map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
            prop_assert!(v["RequestId"].is_string(), "{text}");
            if status != 200 {
                prop_assert!(
                    v["Code"].is_string() && v["Message"].is_string() && v["HostId"].is_string(),
                    "{text}"
                );
            }
        }
        Ok(())
    }

    fn names() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("AppId".to_string()),
            Just("GroupId".to_string()),
            Just("SenderId".to_string()),
            Just("SortType".to_string()),
            Just("PageSize".to_string()),
            Just("PageNumber".to_string()),
            Just("GroupStatus".to_string()),
            Just("Administrators".to_string()),
            Just("Administrators.1".to_string()),
            Just("Administrators.x".to_string()),
            Just("MsgType".to_string()),
            Just("NoCache".to_string()),
            Just("DataCenter".to_string()),
            Just("Format".to_string()),
            Just("Body".to_string()),
            Just("UserId".to_string()),
            "[A-Za-z.]{0,12}",
        ]
    }

    fn values() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("demo".to_string()),
            Just("g1".to_string()),
            Just("1".to_string()),
            Just("-1".to_string()),
            Just("99999999999999999999999".to_string()),
            Just("XML".to_string()),
            Just("[\"a\",1,null]".to_string()),
            Just("true".to_string()),
            Just("ap-southeast-1".to_string()),
            ".{0,40}",
        ]
    }

    fn actions() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("CreateLiveMessageGroup".to_string()),
            Just("DeleteLiveMessageGroup".to_string()),
            Just("ListLiveMessageGroupByPage".to_string()),
            Just("SendLiveMessageGroup".to_string()),
            Just("EmulatorJoinGroup".to_string()),
            Just("EmulatorLeaveGroup".to_string()),
            ".{0,20}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Raw bytes as a query string and as a form body.
        #[test]
        fn arbitrary_query_and_body(query in "[ -~]{0,200}", body in proptest::collection::vec(any::<u8>(), 0..300), post in any::<bool>()) {
            let query: String = query.chars().filter(|c| !matches!(c, ' ' | '#' | '"' | '<' | '>' | '`' | '{' | '}' | '|' | '\\' | '^')).collect();
            let uri = format!("/?{query}");
            let builder = Request::builder().method(if post { "POST" } else { "GET" }).uri(uri.as_str());
            if let Ok(req) = builder.body(Body::from(body)) {
                check(req)?;
            }
        }

        /// Correctly signed V2 requests with arbitrary business parameters:
        /// these get past authentication into the rules.
        #[test]
        fn signed_requests_with_arbitrary_parameters(
            action in actions(),
            params in proptest::collection::vec((names(), values()), 0..8),
            in_body in any::<bool>(),
        ) {
            let business: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let method = if in_body { "POST" } else { "GET" };
            let signed = V2::default().sign(method, &action, &business);
            let encoded = encode(&signed);
            let req = if in_body {
                Request::builder()
                    .method("POST")
                    .uri("/")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(encoded))
            } else {
                Request::builder().method("GET").uri(format!("/?{encoded}")).body(Body::empty())
            };
            check(req.unwrap())?;
        }

        /// Arbitrary headers, including a broken Authorization.
        #[test]
        fn arbitrary_headers(values in proptest::collection::vec("[ -~]{0,80}", 0..6)) {
            let names = ["authorization", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"];
            let mut builder = Request::builder().method("POST").uri("/");
            for (name, value) in names.iter().zip(values.iter()) {
                builder = builder.header(*name, value.as_str());
            }
            if let Ok(req) = builder.body(Body::empty()) {
                check(req)?;
            }
        }
    }
}

// ------------------------------------------------------------------ benchmark knobs

#[tokio::test]
async fn generated_groups_and_messages_are_there_at_start() {
    let emu = start(EmulatorOptions {
        generate_groups: 10,
        generate_messages: 25,
        ..Default::default()
    })
    .await;
    let page = client(&emu)
        .call(&list(SortType::Asc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    assert_eq!(page.total_count, 10);
    let ids: Vec<_> = page
        .group_list
        .iter()
        .map(|g| g.group_id.as_str())
        .collect();
    assert_eq!(ids.first(), Some(&"gen00001"));
    assert_eq!(ids.last(), Some(&"gen00010"));
    // Round-robin: messages 0, 10 and 20 went to the first group.
    assert_eq!(
        emu.stored_messages("demo", "gen00001").await.unwrap().len(),
        3
    );
    assert_eq!(
        emu.stored_messages("demo", "gen00010").await.unwrap().len(),
        2
    );
    assert_eq!(emu.stats().await.unwrap().delivered, 25);
    assert_eq!(emu.counters().requests.values().sum::<u64>(), 1);
}

#[tokio::test]
async fn generation_limits_are_enforced() {
    for options in [
        EmulatorOptions {
            generate_groups: 5001,
            ..Default::default()
        },
        EmulatorOptions {
            generate_messages: 5,
            ..Default::default()
        },
    ] {
        assert!(Emulator::start(options).await.is_err());
    }
    // The full 5,000 fit, past the rate limit.
    let emu = start(EmulatorOptions {
        generate_groups: 5000,
        ..Default::default()
    })
    .await;
    let page = client(&emu)
        .call(&list(SortType::Desc, 50, 100, GroupStatus::Existing))
        .await
        .unwrap();
    assert_eq!(page.total_count, 5000);
    assert_eq!(page.group_list.len(), 50);
}

#[tokio::test]
async fn load_test_mode_takes_unsigned_requests_without_a_rate_limit() {
    let unsigned = "?Action=ListLiveMessageGroupByPage&Version=2016-11-01&AppId=demo&SortType=1&PageSize=10&PageNumber=1";
    // Without the switch an unsigned request is refused.
    let normal = start_default().await;
    let r = execute(reqwest::Client::new().get(format!("{}{unsigned}", normal.url()))).await;
    assert_eq!((r.status, r.code().as_str()), (400, "MissingParameter"));

    let emu = start(EmulatorOptions {
        load_test: true,
        generate_groups: 20,
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    // Well past the burst of 50 calls/s, all at once.
    let replies = futures::future::join_all(
        (0..120).map(|_| execute(http.get(format!("{}{unsigned}", emu.url())))),
    )
    .await;
    assert!(
        replies.iter().all(|r| r.status == 200),
        "{}",
        replies[0].text
    );
    assert_eq!(replies[0].json()["TotalCount"], 20);
    // Signed requests are still checked.
    let bad = V2 {
        secret: "wrong".into(),
        ..Default::default()
    }
    .sign("GET", "ListLiveMessageGroupByPage", &[("AppId", "demo")]);
    let r = v2_send_query(&emu, "GET", &bad).await;
    assert_eq!(r.code(), "SignatureDoesNotMatch");
    let stats = emu.counters();
    assert_eq!((stats.throttled, stats.rate_limited), (0, 0));
    assert_eq!(stats.requests.values().sum::<u64>(), 121);
}

#[tokio::test]
async fn load_test_mode_is_refused_off_loopback() {
    let err = Emulator::start(EmulatorOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        load_test: true,
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("loopback"), "{err}");
}

#[tokio::test]
async fn the_rate_limit_is_counted_for_the_shutdown_summary() {
    let emu = start(EmulatorOptions {
        generate_groups: 5,
        ..Default::default()
    })
    .await;
    let c = single_try_client(&emu);
    let req = list(SortType::Asc, 10, 1, GroupStatus::All);
    let results = futures::future::join_all((0..80).map(|_| c.call(&req))).await;
    let refused = results.iter().filter(|r| r.is_err()).count() as u64;
    let stats = emu.counters();
    assert!(stats.rate_limited > 0, "{stats:?}");
    assert_eq!(stats.throttled, refused);
    let line = livemod::emulator::cli::summary(&stats);
    assert!(
        line.starts_with("served 80 requests, throttled=")
            && line.contains(&format!("rate_limited={}", stats.rate_limited)),
        "{line}"
    );
}
