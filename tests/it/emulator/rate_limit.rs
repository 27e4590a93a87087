//! The emulator: rate limit.

use super::*;

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
