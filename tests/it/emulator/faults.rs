//! The emulator: faults.

use super::*;

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
