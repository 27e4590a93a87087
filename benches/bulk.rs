//! Bulk work: parsing a full-size create file, and the engine's throughput
//! against the embedded emulator at the client's real pacing (the documented
//! 50 calls/s). This is where bulk speed is measured; the tests only check
//! what was done.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use livemod::api::{Client, ClientOptions, SendMessageRequest, new_msg_tid};
use livemod::bulk::{self, BulkOptions, CreateFormat};
use livemod::credentials::Credentials;
use livemod::emulator::{
    DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions, generated_group_id,
};
use tokio_util::sync::CancellationToken;

/// 5,000 rows (an app's whole capacity), with quoting and admin lists.
fn create_csv() -> String {
    let mut text = String::from("group_id,name,info,admins,creator\n");
    for i in 0..5_000 {
        text.push_str(&format!(
            "room{i},\"Evening show, part {i}\",\"{{\"\"slot\"\":{i}}}\",mod1;mod2,host{}\n",
            i % 17
        ));
    }
    text
}

fn parsing(c: &mut Criterion) {
    let text = create_csv();
    let mut group = c.benchmark_group("bulk input");
    group.throughput(Throughput::Elements(5_000));
    group.bench_function("parse and validate 5,000 CSV creates", |b| {
        b.iter(|| {
            bulk::parse_creates(black_box(&text), CreateFormat::Csv, "demo", None, None)
                .unwrap()
                .len()
        })
    });
    group.finish();
}

fn throughput(c: &mut Criterion) {
    const N: u32 = 100;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (emulator, client) = rt.block_on(async {
        let emulator = Emulator::start(EmulatorOptions {
            audience: 1,
            generate_groups: N,
            ..Default::default()
        })
        .await
        .unwrap();
        let client = Client::new(
            Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "bench"),
            ClientOptions {
                endpoint: emulator.url(),
                ..Default::default()
            },
        )
        .unwrap();
        (emulator, client)
    });
    let mut group = c.benchmark_group("bulk engine");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(25));
    group.throughput(Throughput::Elements(u64::from(N)));
    group.bench_function("send to 100 groups at the paced 50/s", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let sends: Vec<SendMessageRequest> = (1..=N)
                        .map(|i| SendMessageRequest {
                            app_id: "demo".into(),
                            group_id: generated_group_id(i),
                            sender_id: "bench".into(),
                            body: Some("announcement".into()),
                            msg_tid: Some(new_msg_tid()),
                            ..Default::default()
                        })
                        .collect();
                    let started = Instant::now();
                    let report = bulk::run(
                        &client,
                        &sends,
                        &BulkOptions::default(),
                        &CancellationToken::new(),
                        |_| {},
                    )
                    .await;
                    total += started.elapsed();
                    assert_eq!(report.progress.done, N as usize, "{:?}", report.progress);
                }
                total
            })
        })
    });
    group.finish();
    rt.block_on(emulator.shutdown());
}

criterion_group!(benches, parsing, throughput);
criterion_main!(benches);
