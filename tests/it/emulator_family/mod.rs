//! The 25 new operations and the emulator-only actions against the real
//! client, with the emulator's choices of api-family.md §7–§8 as assertions.

mod apps;
mod groups;
mod members;
mod messages;
mod mutes;

use livemod::api::sign::SignatureVersion;
use livemod::api::*;
use livemod::emulator::ops::{AdvanceClockRequest, UserSendRequest};
use livemod::emulator::{
    AppSpec, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions,
};

use crate::emulator::{
    client, client_with, create, join, send, service_code, start, v2_get, v2_post_form,
};

const DAY: i64 = 86_400;

fn user_send(group: &str, user: &str, body: &str) -> UserSendRequest {
    UserSendRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        user_id: user.into(),
        body: Some(body.into()),
        ..Default::default()
    }
}

fn describe(group: &str) -> DescribeGroupRequest {
    DescribeGroupRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        data_center: None,
    }
}

fn band(group: &str) -> DescribeGroupBandRequest {
    DescribeGroupBandRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        data_center: None,
    }
}

fn messages(group: &str, size: u32, sort: SortType) -> ListGroupMessagesRequest {
    ListGroupMessagesRequest {
        app_id: "demo".into(),
        group_id: group.into(),
        page_size: size,
        sort_type: sort,
        msg_type: None,
        begin_time: None,
        end_time: None,
        next_page_token: None,
        data_center: None,
    }
}

async fn advance(c: &Client, seconds: i64) -> i64 {
    c.call(&AdvanceClockRequest { seconds }).await.unwrap().now
}

async fn emulator() -> Emulator {
    start(EmulatorOptions {
        audience: 2,
        ..Default::default()
    })
    .await
}
