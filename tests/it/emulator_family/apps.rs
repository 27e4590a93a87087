//! The operation family against the emulator: apps.

use super::*;

#[tokio::test]
async fn apps_create_describe_list_modify_and_disable() {
    let emu = start(EmulatorOptions {
        apps: vec![AppSpec::new("demo", DataCenter::CnShanghai)],
        ..Default::default()
    })
    .await;
    let c = client(&emu);
    let created = c
        .call(&CreateAppRequest {
            app_name: Some("直播间".into()),
            data_center: Some(DataCenter::ApSoutheast1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.app_id.len(), 12);
    assert!(
        created
            .app_id
            .chars()
            .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
    );
    assert_eq!(created.app_key.len(), 32);
    assert_eq!(created.data_center, "ap-southeast-1");
    let app = created.app_id.clone();
    let d = c
        .call(&DescribeAppRequest {
            app_id: app.clone(),
            data_center: Some(DataCenter::ApSoutheast1),
        })
        .await
        .unwrap();
    assert_eq!(
        (d.app_name.as_str(), d.audit_type, d.disable),
        ("直播间", 0, false)
    );
    assert_eq!(d.audit_url, None);
    // Without DataCenter the default cn-shanghai is not the app's.
    let err = c
        .call(&DescribeAppRequest {
            app_id: app.clone(),
            data_center: None,
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (400, "InputInvalid".into()));

    let audit = c
        .call(&ModifyAppAuditRequest {
            app_id: app.clone(),
            audit_type: Some(AuditType::Custom),
            audit_url: Some("https://audit.example.com/hook".into()),
            data_center: Some(DataCenter::ApSoutheast1),
        })
        .await
        .unwrap();
    assert!(audit.audit_need_authentication);
    assert_eq!(
        audit.audit_url.as_deref(),
        Some("https://audit.example.com/hook")
    );
    let r = v2_get(
        &emu,
        "ModifyLiveMessageAppCallback",
        &[
            ("AppId", &app),
            ("DataCenter", "ap-southeast-1"),
            ("EventCallbackUrl", "http://10.0.0.1/cb"),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "ErrorInvalidEventCallbackUrl".into())
    );

    let disabled = c
        .call(&ModifyAppDisableRequest {
            app_id: app.clone(),
            disable: Some(true),
            data_center: Some(DataCenter::ApSoutheast1),
        })
        .await
        .unwrap();
    assert!(disabled.disable);
    let err = c
        .call(&CreateGroupRequest {
            app_id: app.clone(),
            data_center: Some(DataCenter::ApSoutheast1),
            ..create("g")
        })
        .await
        .unwrap_err();
    assert_eq!(service_code(&err), (403, "NoAuth".into()));
    let listed = c
        .call(&ListAppsRequest {
            sort_type: SortType::Asc,
            next_page_token: None,
            data_center: Some(DataCenter::ApSoutheast1),
        })
        .await
        .unwrap();
    assert_eq!(listed.app_list.len(), 1);
    assert!(listed.app_list[0].disable);
    assert!(!listed.has_more && listed.next_page_token.is_none());
    // The raw reply says "true" as a string, as the SDK has it.
    let r = v2_get(
        &emu,
        "ListLiveMessageApps",
        &[("SortType", "1"), ("DataCenter", "ap-southeast-1")],
    )
    .await;
    assert_eq!(r.json()["AppList"][0]["Disable"], "true", "{}", r.text);
    assert_eq!(r.json()["HasMore"], false);
    // Re-enabling restores everything.
    c.call(&ModifyAppDisableRequest {
        app_id: app.clone(),
        disable: None,
        data_center: Some(DataCenter::ApSoutheast1),
    })
    .await
    .unwrap();
    c.call(&CreateGroupRequest {
        app_id: app.clone(),
        data_center: Some(DataCenter::ApSoutheast1),
        ..create("g")
    })
    .await
    .unwrap();
    let r = v2_get(&emu, "CreateLiveMessageApp", &[("AppName", "x")]).await;
    assert_eq!((r.status, r.code()), (400, "ErrorInvalidAppName".into()));
}
