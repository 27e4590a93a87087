//! Unit tests of the client: reply decoding, signing, redaction, retries and audit.

use super::*;
use crate::api::model::{ListGroupsResponse, SendMessageResponse};

#[test]
fn decodes_error_bodies() {
    let body = br#"{"RequestId":"R1","HostId":"live.aliyuncs.com","Code":"ResourceNotExist","Message":"no such app","Recommend":"https://x"}"#;
    let err =
        decode_reply::<SendMessageResponse>("SendLiveMessageGroup", 404, None, body).unwrap_err();
    let svc = err.service().unwrap();
    assert_eq!(svc.status, 404);
    assert_eq!(svc.code, "ResourceNotExist");
    assert_eq!(svc.request_id.as_deref(), Some("R1"));
    assert_eq!(err.kind(), Some(super::super::ErrorKind::ResourceNotExist));
}

#[test]
fn html_and_wrong_shapes_are_decode_errors() {
    let err = decode_reply::<ListGroupsResponse>("L", 502, None, b"<html>bad gateway</html>")
        .unwrap_err();
    assert!(matches!(err, ApiError::Decode { status: 502, .. }), "{err}");
    let err =
        decode_reply::<ListGroupsResponse>("L", 200, None, br#"{"RequestId":1}"#).unwrap_err();
    assert!(err.to_string().contains("unexpected shape"), "{err}");
    let err = decode_reply::<ListGroupsResponse>("L", 200, None, b"{\"Req").unwrap_err();
    assert!(err.to_string().contains("not JSON"), "{err}");
}

#[test]
fn retry_after_header_means_throttled_even_on_200() {
    let err = decode_reply::<SendMessageResponse>("S", 200, Some(Duration::from_millis(30)), b"{}")
        .unwrap_err();
    assert_eq!(err.kind(), Some(super::super::ErrorKind::Throttling));
}

#[test]
fn v3_request_carries_signed_headers_and_no_secret() {
    let creds = Credentials::new("AKID", "supersecret", "test");
    let client = Client::new(
        creds,
        ClientOptions {
            endpoint: Url::parse("http://127.0.0.1:9999").unwrap(),
            ..Default::default()
        },
    )
    .unwrap();
    let req = client.build(
        "ListLiveMessageGroupByPage",
        Method::Get,
        &[("AppId", "demo".into())],
    );
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(auth.starts_with("ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders=host;"));
    assert_eq!(req.url().query(), Some("AppId=demo"));
    let all = format!("{:?} {:?}", req.headers(), req.url());
    assert!(!all.contains("supersecret"));
}

#[test]
fn secrets_are_redacted_in_every_wire_form() {
    let mut creds = Credentials::new("AKID", "Secret+Value/42", "test");
    creds.security_token = Some("CAIS+token/value==".to_string().into());
    let forms = secret_forms(&creds);
    let mut body = br#"{"Code":"SignatureDoesNotMatch","Message":"GET&%2F&SecurityToken%3DCAIS%252Btoken%252Fvalue%253D%253D and Secret%2BValue%2F42 and CAIS+token/value=="}"#.to_vec();
    redact_bytes(&mut body, &forms);
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains("token") && !text.contains("Value"), "{text}");
    assert_eq!(text.matches(REDACTED).count(), 3, "{text}");
    let err = redact_error(
        ApiError::Transport {
            phase: TransportPhase::NotSent,
            message: "url (http://h/?SecurityToken=CAIS%2Btoken%2Fvalue%3D%3D)".into(),
        },
        &forms,
    );
    assert!(!err.to_string().contains("token"), "{err}");
    // An empty or tiny secret redacts nothing rather than everything.
    assert!(secret_forms(&Credentials::new("AKID", "x", "test")).is_empty());
}

const SERVER_ERROR: &str =
    r#"{"RequestId":"R500","HostId":"h","Code":"ServerError","Message":"unknown error."}"#;

fn send() -> crate::api::SendMessageRequest {
    crate::api::SendMessageRequest {
        app_id: "demo".into(),
        group_id: "g1".into(),
        sender_id: "mod1".into(),
        body: Some("hello".into()),
        msg_tid: Some("tid1".into()),
        ..Default::default()
    }
}

/// Regression (#8): a 500 to a send used to be retried as "never
/// processed", which can deliver the message twice.
#[tokio::test]
async fn a_server_error_ends_a_send_at_once_as_outcome_unknown() {
    let svc = crate::api::testing::FakeService::start(500, SERVER_ERROR).await;
    let client = svc.client(ClientOptions {
        max_attempts: 3,
        ..Default::default()
    });
    let (result, stats) = client.call_with_stats(&send()).await;
    let err = result.unwrap_err();
    assert!(err.outcome_unknown(), "{err}");
    assert_eq!(stats.attempts, 1);
    assert_eq!(svc.hits(), ["SendLiveMessageGroup"]);

    let user_send = crate::api::SendUserMessageRequest {
        app_id: "demo".into(),
        receiver_id: "u1".into(),
        sender_id: "mod1".into(),
        ..Default::default()
    };
    let (_, stats) = client.call_with_stats(&user_send).await;
    assert_eq!(stats.attempts, 1);
    let (_, stats) = client
        .call_with_stats(&crate::api::CreateAppRequest::default())
        .await;
    assert_eq!(
        stats.attempts, 1,
        "a repeated create-app may leave two apps"
    );
}

#[tokio::test]
async fn a_server_error_is_retried_where_a_repeat_is_harmless() {
    let svc = crate::api::testing::FakeService::start(500, SERVER_ERROR).await;
    let client = svc.client(ClientOptions {
        max_attempts: 3,
        ..Default::default()
    });
    let create = crate::api::CreateGroupRequest {
        app_id: "demo".into(),
        group_id: "g1".into(),
        ..Default::default()
    };
    let (_, stats) = client.call_with_stats(&create).await;
    assert_eq!(stats.attempts, 3);
    let ban = crate::api::AddGroupBandRequest {
        app_id: "demo".into(),
        group_id: "g1".into(),
        banned_users: vec!["troll".into()],
        data_center: None,
    };
    let (_, stats) = client.call_with_stats(&ban).await;
    assert_eq!(stats.attempts, 3);
    let (_, stats) = client
        .call_with_stats(&crate::api::DescribeGroupRequest {
            app_id: "demo".into(),
            group_id: "g1".into(),
            data_center: None,
        })
        .await;
    assert_eq!(stats.attempts, 3);
    assert_eq!(svc.hits().len(), 9);
}

#[tokio::test]
async fn a_throttled_send_is_retried() {
    let svc = crate::api::testing::FakeService::start(
        400,
        r#"{"RequestId":"R","Code":"Throttling.User","Message":"Request was denied due to user flow control."}"#,
    )
    .await;
    let client = svc.client(ClientOptions {
        max_attempts: 2,
        ..Default::default()
    });
    let (result, stats) = client.call_with_stats(&send()).await;
    assert!(result.unwrap_err().provably_not_processed());
    assert_eq!((stats.attempts, stats.throttled), (2, 2));
}

#[test]
fn each_operation_is_paced_at_its_documented_share() {
    let client = |rate| {
        Client::new(
            Credentials::new("AKID", "secretvalue", "test"),
            ClientOptions {
                rate_per_second: rate,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let documented = client(CALLS_PER_SECOND);
    assert_eq!(documented.rate_for(50), 50);
    assert_eq!(documented.rate_for(10), 10);
    let fast = client(1000);
    assert_eq!((fast.rate_for(50), fast.rate_for(10)), (1000, 200));
    let slow = client(1);
    assert_eq!(slow.rate_for(10), 1, "never zero");
}

#[tokio::test]
async fn mutating_calls_are_audited_without_secrets() {
    use crate::api::model::{ListGroupsRequest, SendMessageRequest};
    use crate::audit::{AuditOutcome, read_file};
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(AuditLog::in_dir(dir.path()).unwrap());
    let mut creds = Credentials::new("AKIDaudit", "TopSecretValue42", "test");
    creds.security_token = Some("StsTokenValue99".to_string().into());
    let options = ClientOptions {
        // Nothing listens on port 1: connection refused, provably not sent.
        endpoint: Url::parse("http://127.0.0.1:1").unwrap(),
        max_attempts: 1,
        audit: Some(log.clone()),
        audit_context: AuditContext {
            profile: Some("prod".into()),
        },
        ..Default::default()
    };
    let client = Client::new(creds.clone(), options.clone()).unwrap();
    let send = SendMessageRequest {
        app_id: "demo".into(),
        group_id: "g1".into(),
        sender_id: "mod1".into(),
        body: Some("hello".into()),
        msg_tid: Some("tid1".into()),
        ..Default::default()
    };
    let err = client.call(&send).await.unwrap_err();
    assert!(err.provably_not_processed(), "{err}");
    // Reads are not audited.
    let _ = client.call(&ListGroupsRequest::new("demo")).await;
    let ro = Client::new(
        creds,
        ClientOptions {
            read_only: true,
            ..options
        },
    )
    .unwrap();
    assert!(matches!(
        ro.call(&send).await,
        Err(ApiError::ReadOnly { .. })
    ));

    let entries = read_file(log.path(), None).unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0].action, "SendLiveMessageGroup");
    assert_eq!(entries[0].outcome, AuditOutcome::Error);
    assert_eq!(entries[0].code.as_deref(), Some("Network"));
    assert_eq!(entries[0].params["Body"], "hello");
    assert_eq!(entries[0].params["MsgTid"], "tid1");
    assert_eq!(entries[0].profile.as_deref(), Some("prod"));
    assert_eq!(entries[0].endpoint, "http://127.0.0.1:1/");
    assert_eq!(entries[1].outcome, AuditOutcome::Refused);
    let text = std::fs::read_to_string(log.path()).unwrap();
    assert!(!text.contains("TopSecretValue42"));
    assert!(!text.contains("StsTokenValue99"));
    assert!(!text.contains("AKIDaudit"));
}
