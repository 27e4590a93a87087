//! Properties every one of the 29 operations must have, checked operation by
//! operation: read-only mode refuses each mutation before any request leaves
//! the machine, every mutation (and no read) is audited, and the flags match
//! what each operation does.

use std::sync::Arc;

use crate::api::testing::FakeService;
use crate::api::*;
use crate::audit::{AuditLog, AuditOutcome, read_file};

/// What happened to one call.
struct Probe {
    action: &'static str,
    mutating: bool,
    result: Result<(), ApiError>,
}

async fn probe<O: Operation + Send + Sync + 'static>(client: &Client, op: O) -> Probe {
    assert!(op.validate().is_ok(), "{} sample is invalid", O::ACTION);
    Probe {
        action: O::ACTION,
        mutating: O::MUTATING,
        result: Api::call(client, op).await.map(|_| ()),
    }
}

const APP: &str = "demo";
const GROUP: &str = "g-1";

fn s(v: &str) -> String {
    v.to_string()
}

/// One valid request of each of the 29 operations, sent through `client`.
async fn call_every_op(client: &Client) -> Vec<Probe> {
    let (app, group) = (s(APP), s(GROUP));
    vec![
        probe(
            client,
            CreateGroupRequest {
                app_id: app.clone(),
                group_id: s("g1"),
                ..Default::default()
            },
        )
        .await,
        probe(
            client,
            DeleteGroupRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                ..Default::default()
            },
        )
        .await,
        probe(client, ListGroupsRequest::new(APP)).await,
        probe(
            client,
            SendMessageRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                sender_id: s("mod1"),
                ..Default::default()
            },
        )
        .await,
        probe(
            client,
            DescribeGroupRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                data_center: None,
            },
        )
        .await,
        probe(client, ModifyGroupRequest::set_info(APP, GROUP, "new info")).await,
        probe(
            client,
            RecoverGroupRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                data_center: None,
            },
        )
        .await,
        probe(client, ListGroupsByTokenRequest::new(APP)).await,
        probe(client, ListGroupUsersRequest::new(APP, GROUP)).await,
        probe(
            client,
            KickGroupUserRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                kickoff_user: s("troll"),
                data_center: None,
            },
        )
        .await,
        probe(
            client,
            CheckUsersInGroupRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                user_ids: vec![s("u1")],
                data_center: None,
            },
        )
        .await,
        probe(
            client,
            CheckUsersOnlineRequest {
                app_id: app.clone(),
                user_ids: vec![s("u1")],
                data_center: None,
            },
        )
        .await,
        probe(
            client,
            ModifyUserInfoRequest {
                app_id: app.clone(),
                user_id: s("u1"),
                user_meta_info: Some(s("vip")),
                data_center: None,
            },
        )
        .await,
        probe(client, ListGroupMessagesRequest::new(APP, GROUP)).await,
        probe(
            client,
            DeleteGroupMessageRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                message_id: s("tid1"),
                ..Default::default()
            },
        )
        .await,
        probe(
            client,
            SendUserMessageRequest {
                app_id: app.clone(),
                receiver_id: s("u1"),
                sender_id: s("mod1"),
                ..Default::default()
            },
        )
        .await,
        probe(
            client,
            DeleteUserMessageRequest {
                app_id: app.clone(),
                message_id: s("tid1"),
                receiver_id: s("u1"),
                deleter_id: s("mod1"),
                ..Default::default()
            },
        )
        .await,
        probe(
            client,
            BanGroupRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                ..Default::default()
            },
        )
        .await,
        probe(
            client,
            UnbanGroupRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                data_center: None,
            },
        )
        .await,
        probe(
            client,
            AddGroupBandRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                banned_users: vec![s("troll")],
                data_center: None,
            },
        )
        .await,
        probe(
            client,
            RemoveGroupBandRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                unbanned_users: vec![s("troll")],
                data_center: None,
            },
        )
        .await,
        probe(
            client,
            ModifyGroupBandRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                banned_all: Some(true),
                ..Default::default()
            },
        )
        .await,
        probe(
            client,
            DescribeGroupBandRequest {
                app_id: app.clone(),
                group_id: group.clone(),
                data_center: None,
            },
        )
        .await,
        probe(client, CreateAppRequest::default()).await,
        probe(
            client,
            DescribeAppRequest {
                app_id: app.clone(),
                data_center: None,
            },
        )
        .await,
        probe(client, ListAppsRequest::default()).await,
        probe(
            client,
            ModifyAppAuditRequest {
                app_id: app.clone(),
                audit_type: Some(AuditType::BuiltIn),
                ..Default::default()
            },
        )
        .await,
        probe(
            client,
            ModifyAppCallbackRequest {
                app_id: app.clone(),
                ..Default::default()
            },
        )
        .await,
        probe(
            client,
            ModifyAppDisableRequest {
                app_id: app,
                disable: Some(true),
                data_center: None,
            },
        )
        .await,
    ]
}

/// The operations that change the service's state, by what they do.
const MUTATIONS: [&str; 19] = [
    "CreateLiveMessageGroup",
    "DeleteLiveMessageGroup",
    "SendLiveMessageGroup",
    "ModifyLiveMessageGroup",
    "RecoverLiveMessageDeletedGroup",
    "KickLiveMessageGroupUser",
    "ModifyLiveMessageUserInfo",
    "DeleteLiveMessageGroupMessage",
    "SendLiveMessageUser",
    "DeleteLiveMessageUserMessage",
    "BanLiveMessageGroup",
    "UnbanLiveMessageGroup",
    "AddLiveMessageGroupBand",
    "RemoveLiveMessageGroupBand",
    "ModifyLiveMessageGroupBand",
    "CreateLiveMessageApp",
    "ModifyLiveMessageAppAudit",
    "ModifyLiveMessageAppCallback",
    "ModifyLiveMessageAppDisable",
];

/// The operations that only read.
const READS: [&str; 10] = [
    "ListLiveMessageGroupByPage",
    "DescribeLiveMessageGroup",
    "ListLiveMessageGroups",
    "ListLiveMessageGroupUsers",
    "CheckLiveMessageUsersInGroup",
    "CheckLiveMessageUsersOnline",
    "ListLiveMessageGroupMessages",
    "DescribeLiveMessageGroupBand",
    "DescribeLiveMessageApp",
    "ListLiveMessageApps",
];

fn audited_client(
    svc: &FakeService,
    dir: &std::path::Path,
    read_only: bool,
) -> (Client, Arc<AuditLog>) {
    let log = Arc::new(AuditLog::in_dir(dir).unwrap());
    let client = svc.client(ClientOptions {
        read_only,
        max_attempts: 1,
        audit: Some(log.clone()),
        ..Default::default()
    });
    (client, log)
}

#[tokio::test]
async fn read_only_refuses_every_mutation_before_sending_and_audits_it() {
    let svc = FakeService::start(200, r#"{"RequestId":"R1"}"#).await;
    let dir = tempfile::tempdir().unwrap();
    let (client, log) = audited_client(&svc, dir.path(), true);
    let probes = call_every_op(&client).await;
    assert_eq!(probes.len(), 29);
    let mut distinct: Vec<_> = probes.iter().map(|p| p.action).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut expected: Vec<_> = MUTATIONS.iter().chain(&READS).copied().collect();
    expected.sort_unstable();
    assert_eq!(distinct, expected, "every operation once, by its wire name");

    for p in &probes {
        assert_eq!(p.mutating, MUTATIONS.contains(&p.action), "{}", p.action);
        if p.mutating {
            assert!(
                matches!(p.result, Err(ApiError::ReadOnly { action }) if action == p.action),
                "{}: {:?}",
                p.action,
                p.result
            );
        } else {
            assert!(
                !matches!(p.result, Err(ApiError::ReadOnly { .. })),
                "{} is a read",
                p.action
            );
        }
    }
    // Only the 10 reads reached the service.
    let hits = svc.hits();
    assert_eq!(hits.len(), 10, "{hits:?}");
    assert!(
        hits.iter().all(|a| !MUTATIONS.contains(&a.as_str())),
        "{hits:?}"
    );
    // Each refusal is in the audit trail.
    let entries = read_file(log.path(), None).unwrap();
    let refused: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(refused, MUTATIONS);
    assert!(entries.iter().all(|e| e.outcome == AuditOutcome::Refused));
}

#[tokio::test]
async fn every_mutation_is_audited_and_no_read_is() {
    let svc = FakeService::start(200, r#"{"RequestId":"R1"}"#).await;
    let dir = tempfile::tempdir().unwrap();
    let (client, log) = audited_client(&svc, dir.path(), false);
    let probes = call_every_op(&client).await;
    // The Arc forward reaches the same client (the worker holds an Arc).
    let shared = Arc::new(client.clone());
    let reply = Api::call(&shared, DescribeAppRequest::default()).await;
    assert!(matches!(reply, Err(ApiError::Validation(_))), "{reply:?}");
    assert_eq!(
        Api::client(&shared).map(|c| c.endpoint().clone()),
        Some(svc.url.clone())
    );
    assert_eq!(svc.hits().len(), 29);
    let entries = read_file(log.path(), None).unwrap();
    let audited: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(audited, MUTATIONS);
    // The new operations' replies decode from a bare RequestId; their audit
    // lines carry it, and the parameters that were sent.
    for (p, e) in probes.iter().filter(|p| p.mutating).zip(&entries) {
        if p.result.is_ok() {
            assert_eq!(e.outcome, AuditOutcome::Ok, "{}", p.action);
            assert_eq!(e.request_id.as_deref(), Some("R1"), "{}", p.action);
        }
    }
    let kick = entries
        .iter()
        .find(|e| e.action == "KickLiveMessageGroupUser")
        .unwrap();
    assert_eq!(kick.params["KickoffUser"], "troll");
}
