//! The emulator: never panic.

use super::*;

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
