//! Per-request costs of the client: signing (V3, V2), decoding a full list page
//! (by page number, and a 50-message page of ListLiveMessageGroupMessages), and
//! reserving a slot in the cross-process pacing ledger.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use livemod::api::client::decode_reply;
use livemod::api::pace::PaceLedger;
use livemod::api::sign::SignatureVersion;
use livemod::api::{
    Client, ClientOptions, ListGroupMessagesResponse, ListGroupsRequest, ListGroupsResponse,
    Method, Operation,
};
use livemod::credentials::Credentials;

fn client(signature: SignatureVersion) -> Client {
    Client::new(
        Credentials::new("benchkey", "benchsecret", "bench"),
        ClientOptions {
            endpoint: url::Url::parse("http://127.0.0.1:8080").unwrap(),
            signature,
            ..Default::default()
        },
    )
    .unwrap()
}

/// A realistic 50-group reply, as ListLiveMessageGroupByPage sends it.
fn list_reply() -> Vec<u8> {
    let groups: Vec<_> = (0..50)
        .map(|i| {
            serde_json::json!({
                "GroupId": format!("room{i:05}"),
                "GroupName": format!("Evening show #{i}"),
                "GroupInfo": format!("{{\"topic\":\"music\",\"slot\":{i},\"tags\":[\"live\",\"chat\"]}}"),
                "CreatorId": "host7",
                "AdminList": ["mod1", "mod2"],
                "Createtime": 1_698_299_727 + i,
                "Delete": i % 7 == 0,
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "RequestId": "B5D95365-5A46-1A6A-BBF5-C7B6BDED0000",
        "TotalCount": 5000, "PageNumber": 1, "PageSize": 50, "GroupList": groups,
    }))
    .unwrap()
}

fn signing(c: &mut Criterion) {
    let request = ListGroupsRequest::new("demo");
    let params = request.params();
    for (name, version) in [
        ("sign_v3", SignatureVersion::V3),
        ("sign_v2", SignatureVersion::V2),
    ] {
        let client = client(version);
        c.bench_function(name, |b| {
            b.iter(|| {
                black_box(client.build(ListGroupsRequest::ACTION, Method::Get, black_box(&params)))
            })
        });
    }
}

fn parsing(c: &mut Criterion) {
    let body = list_reply();
    c.bench_function("parse_list_reply_50_groups", |b| {
        b.iter(|| {
            let reply: ListGroupsResponse =
                decode_reply("ListLiveMessageGroupByPage", 200, None, black_box(&body)).unwrap();
            black_box(reply)
        })
    });
}

/// A full 50-message page, as ListLiveMessageGroupMessages sends it.
fn messages_reply() -> Vec<u8> {
    let messages: Vec<_> = (0..50)
        .map(|i| {
            serde_json::json!({
                "MsgTid": format!("tid{i:08}"),
                "MsgType": i % 4,
                "Body": format!("{{\"text\":\"message number {i} from the audience, with some words\"}}"),
                "Sender": {"UserId": format!("viewer{i}"), "UserInfo": "{\"level\":3}"},
                "SeqNumber": 1000 + i,
                "Timestamp": 1_698_299_727 + i,
                "TotalMessages": 100_000,
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "RequestId": "B5D95365-5A46-1A6A-BBF5-C7B6BDED0000", "GroupId": "room1",
        "MessageList": messages, "Hasmore": true, "NextPageToken": 1050,
    }))
    .unwrap()
}

fn message_page(c: &mut Criterion) {
    let body = messages_reply();
    c.bench_function("decode_messages_page_50", |b| {
        b.iter(|| {
            black_box(
                decode_reply::<ListGroupMessagesResponse>(
                    "ListLiveMessageGroupMessages",
                    200,
                    None,
                    black_box(&body),
                )
                .unwrap(),
            )
        })
    });
}

/// The per-call overhead of cross-process pacing (one immediate SQLite
/// transaction); the rate is so high that no slot lies in the future.
fn ledger(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = PaceLedger::new(dir.path().join("pace.sqlite3"));
    c.bench_function("pace_ledger_reserve", |b| {
        b.iter(|| {
            black_box(
                ledger
                    .reserve("benchkey", "SendLiveMessageGroup", 1_000_000_000)
                    .unwrap(),
            )
        })
    });
}

criterion_group!(benches, signing, parsing, message_page, ledger);
criterion_main!(benches);
