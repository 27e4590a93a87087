//! The emulator: wire protocol.

use super::*;

#[tokio::test]
async fn v2_get_query_and_post_form_and_post_query() {
    let emu = start_default().await;
    let r = v2_post_form(
        &emu,
        "CreateLiveMessageGroup",
        &[("AppId", "demo"), ("GroupId", "viaform")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["GroupId"], "viaform");
    assert_eq!(r.json()["AlreadyExists"], false);
    let params = V2::default().sign(
        "POST",
        "CreateLiveMessageGroup",
        &[("AppId", "demo"), ("GroupId", "viaquery")],
    );
    let r = v2_send_query(&emu, "POST", &params).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Query and form merged: common parameters in the query, business ones in the body.
    let all = V2::default().sign(
        "POST",
        "CreateLiveMessageGroup",
        &[("AppId", "demo"), ("GroupId", "split")],
    );
    let (body, query): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(k, _)| k == "AppId" || k == "GroupId");
    let r = execute(
        reqwest::Client::new()
            .post(format!("{}?{}", emu.url(), encode(&query)))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(encode(&body)),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "1")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["TotalCount"], 3);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    // The signature covers the HTTP method.
    let params = V2::default().sign(
        "GET",
        "CreateLiveMessageGroup",
        &[("AppId", "demo"), ("GroupId", "x")],
    );
    let r = v2_send_query(&emu, "POST", &params).await;
    assert_eq!((r.status, r.code()), (400, "SignatureDoesNotMatch".into()));
}

#[tokio::test]
async fn administrators_in_all_three_array_forms() {
    let emu = start_default().await;
    let forms: [(&str, Vec<(&str, &str)>); 3] = [
        ("comma", vec![("Administrators", "a1,a2")]),
        (
            "flat",
            vec![("Administrators.2", "a2"), ("Administrators.1", "a1")],
        ),
        ("json", vec![("Administrators", r#"["a1","a2"]"#)]),
    ];
    for (gid, admins) in forms {
        let mut params = vec![("AppId", "demo"), ("GroupId", gid)];
        params.extend(admins);
        let r = v2_post_form(&emu, "CreateLiveMessageGroup", &params).await;
        assert_eq!(r.status, 200, "{gid}: {}", r.text);
        let state = emu.group("demo", gid).await.unwrap().unwrap();
        assert_eq!(state.group.admin_list, vec!["a1", "a2"], "{gid}");
    }
    let r = v2_post_form(
        &emu,
        "CreateLiveMessageGroup",
        &[
            ("AppId", "demo"),
            ("GroupId", "four"),
            ("Administrators.1", "a"),
            ("Administrators.2", "b"),
            ("Administrators.3", "c"),
            ("Administrators.4", "d"),
        ],
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "InputInvalid".into()));
}

#[tokio::test]
async fn xml_replies_when_asked() {
    let emu = start_default().await;
    client(&emu)
        .call(&CreateGroupRequest {
            administrators: vec!["m1".into()],
            group_info: Some("a<b & c".into()),
            ..create("g1")
        })
        .await
        .unwrap();
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "1"), ("Format", "XML")],
    )
    .await;
    assert_eq!(r.status, 200);
    // Exactly the documented media type (the example says application/xml).
    let media_type = r.headers["content-type"].to_str().unwrap();
    assert_eq!(
        media_type.split(';').next().unwrap().trim(),
        "application/xml",
        "{media_type}"
    );
    assert!(r.text.starts_with("<?xml"), "{}", r.text);
    assert!(
        r.text.contains("<ListLiveMessageGroupByPageResponse>"),
        "{}",
        r.text
    );
    assert!(r.text.contains("<TotalCount>1</TotalCount>"), "{}", r.text);
    assert!(r.text.contains("<GroupId>g1</GroupId>"), "{}", r.text);
    assert!(
        r.text
            .contains("<AdminList><Admins>m1</Admins></AdminList>"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("<GroupInfo>a&lt;b &amp; c</GroupInfo>"),
        "{}",
        r.text
    );
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[("AppId", "nope"), ("SortType", "1"), ("Format", "xml")],
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(
        r.text.contains("<Error>")
            && r.text.contains("<Code>ResourceNotExist</Code>")
            && r.text.contains("<HostId>live.aliyuncs.com</HostId>"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn error_bodies_have_the_documented_shape() {
    let emu = start_default().await;
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[("AppId", "nope"), ("SortType", "1")],
    )
    .await;
    assert_eq!(r.status, 404);
    let v = r.json();
    for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(v[field].is_string(), "{field} in {v}");
    }
    assert_eq!(v["HostId"], "live.aliyuncs.com");
    assert_eq!(
        r.headers["x-acs-request-id"].to_str().unwrap(),
        v["RequestId"].as_str().unwrap()
    );
}

#[tokio::test]
async fn unknown_actions_versions_and_methods() {
    let emu = start_default().await;
    let r = v2_get(&emu, "DescribeRegions", &[]).await;
    assert_eq!((r.status, r.code()), (404, "InvalidAction.NotFound".into()));
    let mut params = V2::default().sign(
        "GET",
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "1")],
    );
    for (k, v) in params.iter_mut() {
        if k == "Version" {
            *v = "2014-05-26".into();
        }
    }
    let r = v2_send_query(&emu, "GET", &params).await;
    assert_eq!((r.status, r.code()), (400, "InvalidVersion".into()));
    let r = execute(reqwest::Client::new().get(emu.url())).await;
    assert_eq!((r.status, r.code()), (400, "MissingParameter".into()));
    assert!(r.message().contains("Action"));
    let r = execute(reqwest::Client::new().put(format!(
        "{}?Action=ListLiveMessageGroupByPage&Version=2016-11-01",
        emu.url()
    )))
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn large_bodies_are_refused_with_an_error_body() {
    let emu = start_default().await;
    let r = execute(
        reqwest::Client::new()
            .post(emu.url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "Action=CreateLiveMessageGroup&GroupInfo={}",
                "x".repeat(300 * 1024)
            )),
    )
    .await;
    assert_eq!((r.status, r.code()), (413, "InputInvalid".into()));
}
