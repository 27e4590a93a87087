//! Unit tests of the four original operations and the ID rules they follow.

use super::*;

#[test]
fn administrators_are_sent_comma_joined() {
    let req = CreateGroupRequest {
        app_id: "demo".into(),
        group_id: "g1".into(),
        administrators: vec!["uid1".into(), "uid2".into()],
        ..Default::default()
    };
    let params = req.params();
    assert!(params.contains(&("Administrators", "uid1,uid2".to_string())));
}

#[test]
fn create_rejects_four_administrators() {
    let req = CreateGroupRequest {
        app_id: "demo".into(),
        group_id: "g1".into(),
        administrators: vec!["a".into(), "b".into(), "c".into(), "d".into()],
        ..Default::default()
    };
    let err = req.validate().unwrap_err();
    assert_eq!(err.field, "Administrators");
    assert_eq!(
        err.problem,
        Problem::TooMany {
            limit: 3,
            actual: 4
        }
    );
}

/// #9: IDs the service may have listed (`c-1-1-0`, `user_77`) are not
/// refused by the client; only the documented "only letters and digits"
/// fields and the IDs of a new group keep the strict rule.
#[test]
fn only_strict_fields_refuse_dashes_and_underscores() {
    let delete = DeleteGroupRequest {
        app_id: "app_1".into(),
        group_id: "c-1-1-0".into(),
        operator_id: Some("mod1".into()),
        data_center: None,
    };
    assert!(delete.validate().is_ok());
    let bad_operator = DeleteGroupRequest {
        operator_id: Some("mod_1".into()),
        ..delete
    };
    assert_eq!(bad_operator.validate().unwrap_err().field, "OperatorId");

    let send = SendMessageRequest {
        app_id: "demo".into(),
        group_id: "c-1-1-0".into(),
        sender_id: "user_77".into(),
        ..Default::default()
    };
    assert!(send.validate().is_ok());
    let too_long = SendMessageRequest {
        group_id: "-".repeat(65),
        ..send.clone()
    };
    assert_eq!(too_long.validate().unwrap_err().field, "GroupId");
    let empty = SendMessageRequest {
        sender_id: String::new(),
        ..send
    };
    assert_eq!(empty.validate().unwrap_err().problem, Problem::Missing);

    let mut list = ListGroupsRequest::new("app-1");
    assert!(list.validate().is_ok());
    list.app_id = String::new();
    assert_eq!(list.validate().unwrap_err().field, "AppId");
}

#[test]
fn a_new_group_needs_portable_ids_unless_the_user_overrides() {
    let create = CreateGroupRequest {
        app_id: "demo".into(),
        group_id: "c-1-1-0".into(),
        administrators: vec!["user_77".into()],
        creator_id: Some("user_77".into()),
        ..Default::default()
    };
    assert_eq!(create.validate().unwrap_err().field, "GroupId");
    let portable = CreateGroupRequest {
        group_id: "c110".into(),
        ..create.clone()
    };
    assert_eq!(portable.validate().unwrap_err().field, "Administrators");
    let any = CreateGroupAnyId(create.clone());
    assert!(any.validate().is_ok());
    // Even by consent, an admin ID cannot hold the list separator.
    let mut comma = any.clone();
    comma.0.administrators = vec!["a,b".into()];
    assert_eq!(comma.validate().unwrap_err().field, "Administrators");
    assert_eq!(any.params(), create.params());
    let too_long = CreateGroupAnyId(CreateGroupRequest {
        group_id: "x".repeat(65),
        ..create
    });
    assert_eq!(too_long.validate().unwrap_err().field, "GroupId");
}

#[test]
fn list_bounds() {
    let mut req = ListGroupsRequest::new("demo");
    assert!(req.validate().is_ok());
    req.page_size = 51;
    assert_eq!(req.validate().unwrap_err().field, "PageSize");
    req.page_size = 50;
    req.page_number = 10_001;
    assert_eq!(req.validate().unwrap_err().field, "PageNumber");
}

#[test]
fn send_limits() {
    let mut req = SendMessageRequest {
        app_id: "demo".into(),
        group_id: "g".into(),
        sender_id: "mod1".into(),
        body: Some("x".repeat(15 * 1024)),
        sender_meta_info: Some("m".repeat(512)),
        ..Default::default()
    };
    assert!(req.validate().is_ok());
    req.body = Some("x".repeat(15 * 1024 + 1));
    assert_eq!(req.validate().unwrap_err().field, "Body");
    req.body = None;
    req.sender_meta_info = Some("m".repeat(513));
    assert_eq!(req.validate().unwrap_err().field, "SenderMetaInfo");
    req.sender_meta_info = None;
    req.msg_tid = Some("not valid!".into());
    assert_eq!(req.validate().unwrap_err().field, "MsgTid");
}

#[test]
fn list_reply_parses_the_documented_example() {
    let body = r#"{"RequestId":"B5D95365-5A46-1A6A-BBF5-C7B6BDED****","TotalCount":50,"PageNumber":1,"PageSize":20,
      "GroupList":[{"GroupId":"cU9MeBqf****","CreatorId":"user_77","AdminList":["uid1"],"Createtime":1698299727,
      "GroupName":"mytestgroup","GroupInfo":"testgroupinfo","Delete":true}]}"#;
    let reply: ListGroupsResponse = serde_json::from_str(body).unwrap();
    assert_eq!(reply.total_count, 50);
    assert_eq!(reply.page_count(), 3);
    assert_eq!(reply.group_list[0].admin_list, vec!["uid1"]);
    assert!(reply.group_list[0].delete);
}

#[test]
fn page_count_is_at_least_one() {
    assert_eq!(page_count(0, 20), 1);
    assert_eq!(page_count(5000, 50), 100);
    assert_eq!(page_count(5001, 50), 101);
}

#[test]
fn msg_tids_are_valid_ids() {
    let tid = new_msg_tid();
    assert!(validate::id("MsgTid", &tid).is_ok());
    assert_ne!(tid, new_msg_tid());
}
