//! The emulator answering ListLiveMessageGroupMessages on a group with
//! 100,000 stored messages: one 50-message page, first page and a page in the
//! middle, both orders. Measured in process through the emulator's own router
//! (the whole request pipeline, without a socket) in load-test mode.

use std::hint::black_box;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt as _;

use livemod::emulator::{Emulator, EmulatorOptions, generated_group_id};

const MESSAGES: u32 = 100_000;

fn page_uri(sort: u8, token: Option<i64>) -> String {
    let mut uri = format!(
        "/?Action=ListLiveMessageGroupMessages&Version=2016-11-01&AppId=demo&GroupId={}&PageSize=50&SortType={sort}",
        generated_group_id(1)
    );
    if let Some(t) = token {
        uri.push_str(&format!("&NextPageToken={t}"));
    }
    uri
}

fn list_messages(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emulator: Emulator = rt
        .block_on(Emulator::start(EmulatorOptions {
            generate_groups: 1,
            generate_messages: MESSAGES,
            load_test: true,
            ..Default::default()
        }))
        .unwrap();
    let router = emulator.router();
    let call = |uri: String| {
        let router = router.clone();
        rt.block_on(async move {
            let resp = router
                .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap()
        })
    };
    // The reply is what it should be before anything is timed.
    let first: serde_json::Value = serde_json::from_slice(&call(page_uri(2, None))).unwrap();
    assert_eq!(first["MessageList"].as_array().unwrap().len(), 50);
    assert_eq!(first["MessageList"][0]["SeqNumber"], i64::from(MESSAGES));
    assert_eq!(
        first["MessageList"][0]["TotalMessages"],
        i64::from(MESSAGES)
    );

    let mut group = c.benchmark_group("emulator_list_messages_100k");
    for (name, sort, token) in [
        ("first_page_desc", 2, None),
        ("first_page_asc", 1, None),
        ("middle_page_asc", 1, Some(50_001)),
    ] {
        group.bench_function(name, |b| b.iter(|| black_box(call(page_uri(sort, token)))));
    }
    group.finish();
    drop(emulator);
}

criterion_group!(benches, list_messages);
criterion_main!(benches);
