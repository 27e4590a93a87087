//! The real client against the real (in-process) emulator: the two were written
//! from the published protocol, so each checks the other.

use livemod::api::sign::SignatureVersion;
use livemod::api::{
    Client, ClientOptions, CreateGroupRequest, ListGroupsRequest, SendMessageRequest, SortType,
};
use livemod::credentials::Credentials;
use livemod::emulator::{self, Emulator, EmulatorOptions};

async fn client_for(emu: &Emulator, signature: SignatureVersion) -> Client {
    Client::new(
        Credentials::new(
            emulator::DEMO_ACCESS_KEY_ID,
            emulator::DEMO_ACCESS_KEY_SECRET,
            "test",
        ),
        ClientOptions {
            endpoint: emu.url(),
            signature,
            ..Default::default()
        },
    )
    .unwrap()
}

#[tokio::test]
async fn full_size_fields_reach_the_service_with_both_signatures() {
    let emu = Emulator::start(EmulatorOptions {
        audience: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    // 32 KB of three-byte characters: ~96 KB once percent-encoded, too long for a URL.
    let info: String = "弹".repeat(32 * 1024 / 3);
    let body: String = "幕".repeat(15 * 1024 / 3);
    for (i, signature) in [SignatureVersion::V3, SignatureVersion::V2]
        .into_iter()
        .enumerate()
    {
        let client = client_for(&emu, signature).await;
        let group_id = format!("big{i}");
        let created = client
            .call(&CreateGroupRequest {
                app_id: "demo".into(),
                group_id: group_id.clone(),
                group_info: Some(info.clone()),
                group_name: Some("名".repeat(42)),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{signature:?}: {e}"));
        assert!(!created.already_exists);
        let sent = client
            .call(&SendMessageRequest {
                app_id: "demo".into(),
                group_id: group_id.clone(),
                sender_id: "mod1".into(),
                body: Some(body.clone()),
                sender_meta_info: Some("m".repeat(512)),
                msg_tid: Some(format!("tid{i}")),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{signature:?}: {e}"));
        assert_eq!(sent.msg_tid, format!("tid{i}"));
    }
    let client = client_for(&emu, SignatureVersion::V3).await;
    let mut list = ListGroupsRequest::new("demo");
    list.sort_type = SortType::Asc;
    let page = client.call(&list).await.unwrap();
    assert_eq!(page.total_count, 2);
    assert_eq!(
        page.group_list[0].group_info, info,
        "GroupInfo arrives intact"
    );
}
