//! The emulator accepts what the official Alibaba Cloud SDKs sign and send.
//!
//! Runs `tests/it/official_sdk/check.py` (Tea SDK V3 and V2, core SDK V2) against
//! an emulator started through the library: the Tea SDK calls all 29
//! operations, the core SDK every array parameter in its `.N` form. Also
//! compares the client's own signed requests with the SDKs' signers. Needs python3 with the SDKs:
//! `python3 -m pip install alibabacloud-tea-openapi==0.4.6 aliyun-python-sdk-core==2.16.1`.
//! Without them the test is skipped with a note, unless
//! `LIVEMOD_REQUIRE_OFFICIAL_SDK=1`, when it fails.

use std::path::Path;
use std::process::Stdio;

use livemod::api::sign::{self, SignatureVersion};
use livemod::api::*;
use livemod::credentials::Credentials;
use livemod::emulator::{Emulator, EmulatorOptions};

const REQUIRE: &str = "LIVEMOD_REQUIRE_OFFICIAL_SDK";

async fn sdks_available() -> Result<(), String> {
    let out = tokio::process::Command::new("python3")
        .args([
            "-c",
            "import alibabacloud_tea_openapi, alibabacloud_tea_util, aliyunsdkcore",
        ])
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "the official SDKs are not importable: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdks_are_accepted() {
    if let Err(why) = sdks_available().await {
        if std::env::var(REQUIRE).is_ok_and(|v| v == "1") {
            panic!("{REQUIRE}=1 but {why}");
        }
        eprintln!(
            "note: skipping the official-SDK check ({why}); install with \
             `python3 -m pip install alibabacloud-tea-openapi==0.4.6 aliyun-python-sdk-core==2.16.1`"
        );
        return;
    }
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/official_sdk/check.py");
    let out = tokio::process::Command::new("python3")
        .arg(&script)
        .arg(emulator.url().as_str())
        .stdin(Stdio::null())
        .output()
        .await
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "official SDK check failed:\n{stdout}\n{stderr}"
    );
    // Evidence from the emulator's side: each of the 29 operations was
    // called, by both Tea signature modes at least (so twice or more).
    let stats = emulator.stats().await.unwrap();
    let actions = family_actions();
    assert_eq!(actions.len(), 29);
    for action in actions {
        let n = stats.requests.get(action).copied().unwrap_or(0);
        assert!(n >= 2, "{action} was called {n} times:\n{stdout}");
    }
    for line in [
        "tea V3 family: mutes",
        "tea V2 family: apps",
        "aliyunsdkcore V2: every array parameter in the .N form",
    ] {
        assert!(
            stdout.contains(&format!("ok   {line}")),
            "{line} missing:\n{stdout}"
        );
    }
    emulator.shutdown().await;
}

/// The 29 LiveMessage operations (every action the emulator serves but its own four).
fn family_actions() -> Vec<&'static str> {
    livemod::emulator::rules::Action::ALL
        .iter()
        .filter(|a| a.calls_per_second().is_some())
        .map(|a| a.name())
        .collect()
}

/// One request to build: action, method, business parameters.
type ToSign = (&'static str, Method, Vec<Param>);

/// Inputs for check.py's `--sign` mode, taken from one request the client built.
fn sign_case(request: &reqwest::Request, key_id: &str, secret: &str) -> serde_json::Value {
    let method = request.method().as_str().to_string();
    let query: Vec<(String, String)> = request
        .url()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let body: Vec<(String, String)> = request
        .body()
        .and_then(|b| b.as_bytes())
        .map(|b| {
            form_urlencoded::parse(b)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    match request.headers().get("authorization") {
        Some(auth) => {
            let auth = sign::parse_v3_authorization(auth.to_str().unwrap()).unwrap();
            let url = request.url();
            let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
            let headers: serde_json::Map<String, serde_json::Value> = auth
                .signed_headers
                .iter()
                .map(|name| {
                    let value = if name == "host" {
                        host.clone()
                    } else {
                        request.headers()[name.as_str()]
                            .to_str()
                            .unwrap()
                            .to_string()
                    };
                    (name.clone(), value.into())
                })
                .collect();
            serde_json::json!({
                "scheme": "v3", "method": method, "pathname": "/",
                "query": query
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect::<serde_json::Map<_, _>>(),
                "headers": headers,
                "payload_hash": request.headers()["x-acs-content-sha256"].to_str().unwrap(),
                "key_id": key_id, "secret": secret,
            })
        }
        None => {
            let params: serde_json::Map<String, serde_json::Value> = query
                .into_iter()
                .chain(body)
                .filter(|(k, _)| k != "Signature")
                .map(|(k, v)| (k, v.into()))
                .collect();
            serde_json::json!({ "scheme": "v2", "method": method, "params": params, "secret": secret })
        }
    }
}

/// The Signature a V2 request carries (query or form body).
fn v2_signature_of(request: &reqwest::Request) -> String {
    let from_body = request
        .body()
        .and_then(|b| b.as_bytes())
        .and_then(|b| form_urlencoded::parse(b).find(|(k, _)| k == "Signature"))
        .map(|(_, v)| v.into_owned());
    from_body
        .or_else(|| {
            request
                .url()
                .query_pairs()
                .find(|(k, _)| k == "Signature")
                .map(|(_, v)| v.into_owned())
        })
        .expect("a V2 request is signed")
}

#[tokio::test]
async fn the_clients_signatures_equal_the_official_sdks() {
    if let Err(why) = sdks_available().await {
        if std::env::var(REQUIRE).is_ok_and(|v| v == "1") {
            panic!("{REQUIRE}=1 but {why}");
        }
        eprintln!("note: skipping the signer comparison ({why})");
        return;
    }
    let (key_id, secret) = ("LTAIfixedkeyid", "fixed/secret+with=symbols");
    let tricky = "Evening show: 直播 & more *~+/ 100% \"quoted\"";
    let requests: Vec<ToSign> = vec![
        (
            ListGroupsRequest::ACTION,
            ListGroupsRequest::METHOD,
            ListGroupsRequest::new("demo").params(),
        ),
        (
            CreateGroupRequest::ACTION,
            CreateGroupRequest::METHOD,
            CreateGroupRequest {
                app_id: "demo".into(),
                group_id: "room1".into(),
                group_name: Some(tricky.into()),
                group_info: Some("a=b&c=d;e,f\nnext line".into()),
                administrators: vec!["mod1".into(), "mod2".into()],
                ..Default::default()
            }
            .params(),
        ),
        (
            // Large enough that the client carries it in a signed form body.
            CreateGroupRequest::ACTION,
            CreateGroupRequest::METHOD,
            CreateGroupRequest {
                app_id: "demo".into(),
                group_id: "room2".into(),
                group_info: Some("直播".repeat(5_000)),
                ..Default::default()
            }
            .params(),
        ),
        (
            ModifyGroupBandRequest::ACTION,
            ModifyGroupBandRequest::METHOD,
            ModifyGroupBandRequest {
                app_id: "demo".into(),
                group_id: "room1".into(),
                banned_all: Some(true),
                banned_users: vec!["u1".into(), "u2".into()],
                ..Default::default()
            }
            .params(),
        ),
    ];
    let mut cases = Vec::new();
    let mut built = Vec::new();
    for signature in [SignatureVersion::V3, SignatureVersion::V2] {
        let client = Client::new(
            Credentials::new(key_id, secret, "test"),
            ClientOptions {
                endpoint: url::Url::parse("http://127.0.0.1:8080/").unwrap(),
                signature,
                ..Default::default()
            },
        )
        .unwrap();
        for (action, method, params) in &requests {
            let request = client.build(action, *method, params);
            cases.push(sign_case(&request, key_id, secret));
            built.push(request);
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/official_sdk/check.py");
    let mut child = tokio::process::Command::new("python3")
        .arg(&script)
        .arg("--sign")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(&serde_json::json!({ "cases": cases })).unwrap();
    use tokio::io::AsyncWriteExt as _;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&input).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = results["results"].as_array().unwrap();
    assert_eq!(results.len(), built.len());
    let mut form_bodies = 0;
    for ((request, case), sdk) in built.iter().zip(&cases).zip(results) {
        form_bodies += usize::from(request.body().is_some());
        if case["scheme"] == "v3" {
            let ours = request.headers()["authorization"].to_str().unwrap();
            assert_eq!(sdk["authorization"].as_str().unwrap(), ours, "V3 {case}");
            // And crate::api::sign's canonical request and string to sign, for
            // the same inputs, are the SDK's.
            let query: Vec<(String, String)> = case["query"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            let headers: Vec<(String, String)> = case["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            let names: Vec<String> = headers.iter().map(|(n, _)| n.clone()).collect();
            let canonical = sign::v3_canonical_request(
                case["method"].as_str().unwrap(),
                "/",
                &query,
                &headers,
                sign::HeaderSelection::Named(&names),
                case["payload_hash"].as_str().unwrap(),
            );
            assert_eq!(canonical.text, sdk["canonical_request"].as_str().unwrap());
            assert_eq!(
                sign::v3_string_to_sign(&canonical.text),
                sdk["string_to_sign"].as_str().unwrap()
            );
        } else {
            let ours = v2_signature_of(request);
            assert_eq!(
                sdk["signature"].as_str().unwrap(),
                ours,
                "V2 Tea signer {case}"
            );
            assert_eq!(
                sdk["core_signature"].as_str().unwrap(),
                ours,
                "V2 core signer {case}"
            );
            let params: Vec<(String, String)> = case["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            assert_eq!(
                sign::v2_string_to_sign(case["method"].as_str().unwrap(), &params),
                sdk["string_to_sign"].as_str().unwrap()
            );
        }
    }
    assert_eq!(
        form_bodies, 2,
        "the large create went as a form body in both schemes"
    );
}
