//! `:app` through `App::handle`: every data center listed, the current app
//! selected and described, enter switching the console (and what resets).

use crate::api::{
    AppSummary, DataCenter, DescribeAppRequest, DescribeAppResponse, Group, GroupMessage,
    ListAppsRequest, ListAppsResponse, ListGroupMessagesRequest, ListGroupMessagesResponse,
    ListGroupsByTokenRequest, ListGroupsByTokenResponse, ListGroupsRequest, ListGroupsResponse,
    MessageSender, SendMessageRequest,
};
use crate::tui::action::Msg;
use crate::tui::app::{App, Context, Focus};
use crate::tui::clock::Clock;
use crate::tui::keys::Key;
use crate::tui::panes::compose::Recipients;
use crate::tui::render::frame_text;
use crate::worker::{Command, Event, RequestId};

const NOW: i64 = 1_700_000_000;

fn app() -> App {
    let mut a = App::new(Context::demo()).unwrap();
    a.clock = Clock::fixed(NOW);
    a
}

fn press(a: &mut App, spec: &str) {
    a.handle(Msg::Key(Key::parse(spec).unwrap().to_event()));
}

fn op<O: Clone + 'static>(c: &Command) -> Option<(RequestId, O)> {
    c.operation::<O>().map(|(id, o)| (id, o.clone()))
}

fn summary(id: &str, dc: &str, name: &str, disable: bool) -> AppSummary {
    AppSummary {
        app_id: id.into(),
        app_key: "key-never-shown".into(),
        app_name: name.into(),
        app_sign: "sign-never-shown".into(),
        create_time: NOW - 86_400,
        data_center: dc.into(),
        disable,
        modify_time: NOW - 3600,
        msg_life_cycle: 1,
    }
}

/// Answers the apps calls queued as an account with three apps would.
fn answer(a: &mut App) -> Vec<Command> {
    let mut rest = Vec::new();
    for c in a.take_commands() {
        if let Some((id, req)) = op::<ListAppsRequest>(&c) {
            let app_list = match req.data_center {
                Some(DataCenter::ApSoutheast1) => {
                    vec![summary("sg-app", "ap-southeast-1", "Singapore", false)]
                }
                _ => vec![
                    summary("demo", "cn-shanghai", "Demo", false),
                    summary("old-app", "cn-shanghai", "Old \u{1b}[31mshow", true),
                ],
            };
            let r = ListAppsResponse {
                app_list,
                ..Default::default()
            };
            a.handle(Msg::Worker(Event::reply(id, Ok(r))));
        } else if let Some((id, req)) = op::<DescribeAppRequest>(&c) {
            let r = DescribeAppResponse {
                app_id: req.app_id.clone(),
                app_key: "key-never-shown".into(),
                app_sign: "sign-never-shown".into(),
                app_name: req.app_id.clone(),
                data_center: req.data_center.unwrap_or_default().to_string(),
                audit_type: 1,
                msg_life_cycle: 2,
                create_time: NOW - 86_400,
                modify_time: NOW - 3600,
                ..Default::default()
            };
            a.handle(Msg::Worker(Event::reply(id, Ok(r))));
        } else {
            rest.push(c);
        }
    }
    rest
}

fn command(a: &mut App, line: &str) {
    press(a, ":");
    for c in line.chars() {
        press(a, &c.to_string());
    }
    press(a, "enter");
}

#[test]
fn app_lists_every_data_center_and_describes_the_current_app() {
    let mut a = app();
    command(&mut a, "app");
    let cmds = a.take_commands();
    let dcs: Vec<_> = cmds
        .iter()
        .filter_map(op::<ListAppsRequest>)
        .map(|(_, r)| r.data_center)
        .collect();
    assert_eq!(
        dcs,
        vec![Some(DataCenter::CnShanghai), Some(DataCenter::ApSoutheast1)]
    );
    // Answer them (put back so `answer` sees them).
    for c in cmds {
        a.commands.push(c);
    }
    answer(&mut a);
    // The describe of the selected (current) app follows the listing.
    let rest = answer(&mut a);
    assert!(rest.is_empty(), "{rest:?}");
    let pane = a.apps.as_ref().unwrap();
    assert_eq!(pane.apps.len(), 3);
    assert_eq!(pane.selected_app().unwrap().app_id, "demo");
    assert!(pane.description("demo").is_some());
    let text = frame_text(&a, 120, 40);
    assert!(
        text.contains("review built-in · messages kept 180 days · enabled"),
        "{text}"
    );
    assert!(
        !text.contains("never-shown"),
        "AppKey and AppSign stay hidden"
    );
    assert!(!text.contains('\u{1b}'));
    insta::assert_snapshot!("apps_120x40", text);
    insta::assert_snapshot!("apps_80x24", frame_text(&a, 80, 24));
    // Keys stay in the pane: d would ask to delete a group in the browser.
    press(&mut a, "d");
    assert!(a.overlay.is_none());
    press(&mut a, "esc");
    assert!(a.apps.is_none());
    assert_eq!(a.ctx.app_id, "demo");
}

#[test]
fn enter_switches_app_and_data_center_and_resets_what_belonged_to_the_old_one() {
    let mut a = app();
    a.start();
    let page = a.take_commands();
    let (id, req) = page.iter().find_map(op::<ListGroupsRequest>).unwrap();
    let group = Group {
        group_id: "g1".into(),
        group_name: String::new(),
        group_info: String::new(),
        creator_id: String::new(),
        admin_list: Vec::new(),
        createtime: NOW,
        delete: false,
    };
    let groups = ListGroupsResponse {
        request_id: "rq".into(),
        total_count: 1,
        page_number: req.page_number,
        page_size: req.page_size,
        group_list: vec![group],
    };
    a.handle(Msg::Worker(Event::reply(id, Ok(groups))));
    // A message half-written to g1 of app demo, and g1's room open.
    press(&mut a, "m");
    assert_eq!(a.focus, Focus::Compose);
    press(&mut a, "esc");
    a.run_command("open g1");
    a.take_commands();
    command(&mut a, "app");
    answer(&mut a);
    answer(&mut a);
    // The Singapore app is the last row.
    press(&mut a, "G");
    answer(&mut a);
    press(&mut a, "enter");
    assert!(a.apps.is_none());
    assert_eq!(a.ctx.app_id, "sg-app");
    assert_eq!(a.ctx.data_center, Some(DataCenter::ApSoutheast1));
    assert!(a.rooms.open.is_none(), "the room of the old app is closed");
    assert_eq!(a.compose.recipients, Recipients::Nobody);
    assert!(a.browser.loaded.is_none());
    let (_, load) = a
        .take_commands()
        .iter()
        .find_map(op::<ListGroupsRequest>)
        .expect("the browser reloads");
    assert_eq!(load.app_id, "sg-app");
    assert_eq!(load.data_center, Some(DataCenter::ApSoutheast1));
    assert_eq!(load.page_number, 1);
    // Nothing composed for the old app can be sent now.
    press(&mut a, "ctrl-s");
    assert!(
        !a.take_commands()
            .iter()
            .any(|c| op::<SendMessageRequest>(c).is_some())
    );
}

#[test]
fn a_failed_listing_is_shown_and_the_other_data_center_kept() {
    let mut a = app();
    command(&mut a, "apps");
    for c in a.take_commands() {
        if let Some((id, req)) = op::<ListAppsRequest>(&c) {
            if req.data_center == Some(DataCenter::ApSoutheast1) {
                let e = crate::api::ApiError::Service(crate::api::ServiceError {
                    status: 403,
                    code: "Forbidden.RAM".into(),
                    message: "not allowed".into(),
                    request_id: None,
                    recommend: None,
                    host_id: None,
                    retry_after: None,
                });
                a.handle(Msg::Worker(Event::reply::<ListAppsResponse>(id, Err(e))));
            } else {
                let r = ListAppsResponse {
                    app_list: vec![summary("demo", "cn-shanghai", "Demo", false)],
                    ..Default::default()
                };
                a.handle(Msg::Worker(Event::reply(id, Ok(r))));
            }
        }
    }
    let pane = a.apps.as_ref().unwrap();
    assert_eq!(pane.apps.len(), 1);
    assert!(!pane.is_loading());
    assert!(pane.problem.as_deref().unwrap().contains("Forbidden.RAM"));
}

/// Switches the console to the Singapore app through `:app`.
fn switch_to_sg(a: &mut App) {
    command(a, "app");
    answer(a);
    answer(a);
    press(a, "G");
    answer(a);
    press(a, "enter");
    assert_eq!(a.ctx.app_id, "sg-app");
}

fn group(id: &str) -> Group {
    Group {
        group_id: id.into(),
        group_name: String::new(),
        group_info: String::new(),
        creator_id: String::new(),
        admin_list: Vec::new(),
        createtime: NOW,
        delete: false,
    }
}

#[test]
fn late_replies_from_the_old_app_never_land_in_the_new_one() {
    let mut a = app();
    a.ctx.search_all_groups = true;
    a.start();
    a.take_commands();
    // In app demo: room g1 open (its poll in flight), g1 pinned (its
    // background poll in flight), the all-groups sync in flight.
    a.run_command("open g1");
    press(&mut a, "p");
    a.sync_index_if_due();
    a.handle(Msg::RoomPoll);
    let old = a.take_commands();
    let polls: Vec<_> = old
        .iter()
        .filter_map(op::<ListGroupMessagesRequest>)
        .collect();
    assert!(!polls.is_empty(), "{old:?}");
    let (sync_id, _) = old
        .iter()
        .find_map(op::<ListGroupsByTokenRequest>)
        .expect("the index sync started");
    switch_to_sg(&mut a);
    assert!(a.browser.index.is_empty());
    assert_eq!(a.watching.watcher.pinned().count(), 0, "pins are per app");
    // Room g1 of the new app opens; then the old app's replies arrive.
    a.run_command("open g1");
    a.take_commands();
    for (id, req) in polls {
        let message = GroupMessage {
            msg_tid: "old-tid".into(),
            msg_type: 1,
            body: "said in the old app".into(),
            sender: MessageSender {
                user_id: "u1".into(),
                user_info: String::new(),
            },
            seq_number: 1,
            timestamp: NOW,
            total_messages: 0,
        };
        let r = ListGroupMessagesResponse {
            group_id: req.group_id,
            message_list: vec![message],
            ..Default::default()
        };
        a.handle(Msg::Worker(Event::reply(id, Ok(r))));
    }
    let page = ListGroupsByTokenResponse {
        group_list: vec![group("old-only")],
        has_more: true,
        next_page_token: Some("t2".into()),
        ..Default::default()
    };
    a.handle(Msg::Worker(Event::reply(sync_id, Ok(page))));
    let room = a.rooms.open.as_ref().expect("the new app's room");
    assert!(room.room.is_empty(), "the old room's messages stayed out");
    assert!(
        a.browser.index.is_empty(),
        "the old app's groups stayed out"
    );
    assert!(
        !a.take_commands()
            .iter()
            .any(|c| op::<ListGroupsByTokenRequest>(c).is_some_and(|(_, r)| r.app_id == "demo")),
        "the old app's sync does not go on"
    );
}
