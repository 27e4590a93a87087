//! The emulator: benchmark knobs.

use super::*;

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
