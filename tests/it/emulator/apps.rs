//! The emulator: apps and data centers.

use super::*;

#[tokio::test]
async fn unknown_apps_and_foreign_data_centers() {
    let emu = start(EmulatorOptions {
        apps: vec![
            AppSpec::new("demo", DataCenter::CnShanghai),
            AppSpec::new("sgapp", DataCenter::ApSoutheast1),
        ],
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    let err = c
        .call(&ListGroupsRequest::new("nosuchapp"))
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));
    let err = c
        .call(&CreateGroupRequest {
            app_id: "nosuchapp".into(),
            ..create("g")
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (404, "ResourceNotExist".into()));

    let err = c
        .call(&CreateGroupRequest {
            data_center: Some(DataCenter::ApSoutheast1),
            ..create("g")
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (400, "InputInvalid".into()));
    assert!(err.to_string().contains("DataCenter"), "{err}");
    let ok = c
        .call(&CreateGroupRequest {
            app_id: "sgapp".into(),
            data_center: Some(DataCenter::ApSoutheast1),
            ..create("g")
        })
        .await
        .unwrap();
    assert!(!ok.already_exists);
    // Apps are separate namespaces.
    assert!(!c.call(&create("g")).await.unwrap().already_exists);
    // DataCenter defaults to cn-shanghai before it is compared: an app in
    // ap-southeast-1 called without it is refused.
    let err = c.call(&ListGroupsRequest::new("sgapp")).await.unwrap_err();
    assert_eq!(service_code(&err), (400, "InputInvalid".into()));
    assert!(err.to_string().contains("cn-shanghai"), "{err}");
    let ok = c
        .call(&ListGroupsRequest {
            data_center: Some(DataCenter::ApSoutheast1),
            ..ListGroupsRequest::new("sgapp")
        })
        .await
        .unwrap();
    assert_eq!(ok.total_count, 1);

    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[
            ("AppId", "demo"),
            ("SortType", "1"),
            ("DataCenter", "mars-1"),
        ],
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "InputInvalid".into()));
    assert!(r.message().contains("DataCenter"), "{}", r.message());
}
