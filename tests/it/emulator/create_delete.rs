//! The emulator: create / delete.

use super::*;

#[tokio::test]
async fn creating_an_existing_id_reports_it_without_changing_it() {
    let emu = start_default().await;
    let c = client(&emu);
    c.call(&CreateGroupRequest {
        group_name: Some("first".into()),
        ..create("g1")
    })
    .await
    .unwrap();
    let again = c
        .call(&CreateGroupRequest {
            group_name: Some("second".into()),
            ..create("g1")
        })
        .await
        .unwrap();
    assert!(again.already_exists);
    assert!(!again.already_delete);
    let page = c.call(&ListGroupsRequest::new("demo")).await.unwrap();
    assert_eq!(page.total_count, 1);
    assert_eq!(page.group_list[0].group_name, "first");
}

#[tokio::test]
async fn concurrent_creates_of_one_id_create_it_once() {
    let emu = start_default().await;
    let c = client(&emu);
    let req = create("contested");
    let results = futures::future::join_all((0..20).map(|_| c.call(&req))).await;
    let fresh = results
        .iter()
        .filter(|r| !r.as_ref().unwrap().already_exists)
        .count();
    assert_eq!(fresh, 1);
    let page = c.call(&ListGroupsRequest::new("demo")).await.unwrap();
    assert_eq!(page.total_count, 1);
}

#[tokio::test]
async fn a_full_size_group_info_fits_in_a_form_body() {
    let emu = start_default().await;
    // 32 KB of three-byte characters: ~96 KB once percent-encoded. (Too long
    // for a URL: the http crate refuses URIs of 64 KB and more.)
    let info = "群".repeat(32 * 1024 / 3);
    let r = v2_post_form(
        &emu,
        "CreateLiveMessageGroup",
        &[("AppId", "demo"), ("GroupId", "big"), ("GroupInfo", &info)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(300)]);
    let r = V3::default()
        .send(
            &emu,
            "POST",
            "CreateLiveMessageGroup",
            &[],
            Some(&[("AppId", "demo"), ("GroupId", "big3"), ("GroupInfo", &info)]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(300)]);
    for gid in ["big", "big3"] {
        let state = emu.group("demo", gid).await.unwrap().unwrap();
        assert_eq!(state.group.group_info, info);
    }
}

#[tokio::test]
async fn a_deleted_id_stays_unusable() {
    let emu = start(EmulatorOptions {
        audience: 5,
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    c.call(&create("gone")).await.unwrap();
    c.call(&send("gone")).await.unwrap();
    c.call(&DeleteGroupRequest {
        app_id: "demo".into(),
        group_id: "gone".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let again = c.call(&create("gone")).await.unwrap();
    assert!(again.already_exists && again.already_delete);
    let err = c.call(&send("gone")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    assert!(err.to_string().contains("deleted"), "{err}");
    let err = c.call(&join("gone", "u1")).await.unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    let page = c
        .call(&list(SortType::Asc, 20, 1, GroupStatus::Deleted))
        .await
        .unwrap();
    assert_eq!(page.total_count, 1);
    assert!(page.group_list[0].delete);
}

#[tokio::test]
async fn delete_is_idempotent_and_accepts_unknown_groups() {
    let emu = start_default().await;
    let c = client(&emu);
    let del = |gid: &str| DeleteGroupRequest {
        app_id: "demo".into(),
        group_id: gid.into(),
        ..Default::default()
    };
    let r = c.call(&del("neverexisted")).await.unwrap();
    assert_eq!(r.group_id, "neverexisted");
    c.call(&create("g")).await.unwrap();
    c.call(&del("g")).await.unwrap();
    let r = c.call(&del("g")).await.unwrap();
    assert_eq!(r.group_id, "g");
    let page = c.call(&ListGroupsRequest::new("demo")).await.unwrap();
    assert_eq!(
        page.total_count, 1,
        "a delete of an unknown ID creates nothing"
    );
}

#[tokio::test]
async fn five_thousand_live_groups_per_app() {
    let emu = start_default().await;
    let now = chrono::Utc::now().timestamp();
    let seeds: Vec<SeedGroup> = (0..4999)
        .map(|i| seed(&format!("s{i}"), now - 100))
        .collect();
    assert_eq!(emu.import_groups("demo", seeds).await.unwrap(), 4999);
    let c = client(&emu);
    c.call(&create("last")).await.unwrap();
    let err = c.call(&create("onetoomany")).await.unwrap_err();
    assert_eq!(service_code(&err), (400, "ErrorTooManyGroups".into()));
    assert_eq!(err.kind(), Some(ErrorKind::TooManyGroups));
    // An existing ID still answers truthfully at the limit.
    assert!(c.call(&create("s1")).await.unwrap().already_exists);
    // Deleted groups do not count.
    c.call(&DeleteGroupRequest {
        app_id: "demo".into(),
        group_id: "s1".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    c.call(&create("onetoomany")).await.unwrap();
    let page = c
        .call(&list(SortType::Desc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    assert_eq!(page.total_count, 5001);
    assert_eq!(page.page_count(), 101);
}
