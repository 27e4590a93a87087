//! Per-request costs of the client: signing (V3, V2) and decoding a full list page.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use livemod::api::client::decode_reply;
use livemod::api::sign::SignatureVersion;
use livemod::api::{
    Client, ClientOptions, ListGroupsRequest, ListGroupsResponse, Method, Operation,
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

criterion_group!(benches, signing, parsing);
criterion_main!(benches);
