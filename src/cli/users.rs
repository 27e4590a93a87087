//! `livemod users …`: who is in a room, who is online, and acting on one user
//! (kick, a one-to-one message, its recall, their extended info).

use clap::{Args, Subcommand};
use futures::TryStreamExt;

use super::GlobalArgs;
use super::groups::sort_parser;
use super::output::{Failure, call_and_show, note, print_fields, print_json, print_table};
use crate::api::{
    CheckUsersInGroupRequest, CheckUsersOnlineRequest, DeleteUserMessageRequest,
    KickGroupUserRequest, ListGroupUsersRequest, ListGroupUsersResponse, ModifyUserInfoRequest,
    SendUserMessageRequest, SortType, UserPresence, pages,
};
use crate::session::Session;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List the users in a group (a page, or every page with --all).
    List(ListArgs),
    /// Remove a user from a group (they may join again).
    Kick(KickArgs),
    /// Whether each user is in a group (1–10 users).
    Check(CheckArgs),
    /// Whether each user is online in any group of the app (1–10 users).
    Online(OnlineArgs),
    /// Send a one-to-one message to a user who is online.
    Send(SendArgs),
    /// Recall a one-to-one message.
    Recall(RecallArgs),
    /// Set a user's extended info in every group they are in.
    SetInfo(SetInfoArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The group whose users to list.
    pub group_id: String,
    /// Order by the time users joined.
    #[arg(long, default_value = "asc", value_parser = sort_parser())]
    pub sort: SortType,
    /// Users per page, 10–50.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub page_size: u32,
    /// Follow the next-page tokens to the end.
    #[arg(long)]
    pub all: bool,
    /// Print the service's reply as JSON (with --all: every user in one reply).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct KickArgs {
    /// The group.
    pub group_id: String,
    /// The user to remove.
    pub user_id: String,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The group.
    pub group_id: String,
    /// Users to check (1–10).
    #[arg(required = true, value_name = "UID")]
    pub user_ids: Vec<String>,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OnlineArgs {
    /// Users to check (1–10).
    #[arg(required = true, value_name = "UID")]
    pub user_ids: Vec<String>,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The receiver (must be online).
    pub user_id: String,
    /// Message body, at most 15 KB.
    #[arg(long, value_name = "S")]
    pub body: String,
    /// Message type number (the message-type catalogue's rules apply).
    #[arg(long = "type", value_name = "N")]
    pub msg_type: Option<i64>,
    /// Sender user ID (default: the configured moderator_id).
    #[arg(long, value_name = "UID")]
    pub sender: Option<String>,
    /// SenderInfo shown with the message (at most 512 bytes).
    #[arg(long, value_name = "S")]
    pub sender_info: Option<String>,
    /// MsgTid (generated when absent, so the message can be recalled).
    #[arg(long, value_name = "S")]
    pub tid: Option<String>,
    /// Store the message (one-to-one messages are not stored by default).
    #[arg(long)]
    pub store: bool,
    /// Succeed only once the receiver acknowledges (within 3 s).
    #[arg(long)]
    pub reliable: bool,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RecallArgs {
    /// Who received the message (they are told of the recall).
    pub user_id: String,
    /// The message's MsgTid.
    pub msg_tid: String,
    /// Who recalls it (default: the configured moderator_id).
    #[arg(long, value_name = "UID")]
    pub operator: Option<String>,
    /// Why, as DeleterInfo (at most 512 bytes).
    #[arg(long, value_name = "S")]
    pub reason: Option<String>,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SetInfoArgs {
    /// The user.
    pub user_id: String,
    /// The new UserMetaInfo (at most 512 bytes; empty clears it).
    #[arg(long, value_name = "S")]
    pub info: String,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

pub(crate) async fn run(global: &GlobalArgs, cmd: UsersCommand) -> Result<(), Failure> {
    if let UsersCommand::Send(args) = &cmd {
        super::catalogue()?
            .check_message(args.msg_type, Some(&args.body))
            .map_err(|e| Failure::usage(format!("{e}; nothing was sent")))?;
    }
    let session = super::connect(global).await?;
    match cmd {
        UsersCommand::List(args) => list(&session, args).await,
        UsersCommand::Kick(args) => kick(&session, args).await,
        UsersCommand::Check(args) => check(&session, args).await,
        UsersCommand::Online(args) => online(&session, args).await,
        UsersCommand::Send(args) => send(&session, args).await,
        UsersCommand::Recall(args) => recall(&session, args).await,
        UsersCommand::SetInfo(args) => set_info(&session, args).await,
    }
}

async fn list(session: &Session, args: ListArgs) -> Result<(), Failure> {
    let request = ListGroupUsersRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id,
        page_size: args.page_size,
        sort_type: args.sort,
        next_page_token: None,
        data_center: session.data_center,
    };
    let reply = if args.all {
        let replies: Vec<ListGroupUsersResponse> =
            pages(&session.client, request).try_collect().await?;
        let mut all = ListGroupUsersResponse::default();
        for reply in replies {
            all.request_id = reply.request_id;
            all.group_id = reply.group_id;
            all.user_list.extend(reply.user_list);
        }
        all
    } else {
        session.client.call(&request).await?
    };
    if args.json {
        return print_json(&reply);
    }
    print_table(
        &["USER ID", "USER INFO"],
        reply
            .user_list
            .iter()
            .map(|u| vec![u.user_id.clone(), u.user_info.clone()]),
    );
    let more = if reply.has_more {
        "; more: --all lists every page"
    } else {
        ""
    };
    note(&format!("{} users{more}", reply.user_list.len()));
    Ok(())
}

async fn kick(session: &Session, args: KickArgs) -> Result<(), Failure> {
    let request = KickGroupUserRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id.clone(),
        kickoff_user: args.user_id.clone(),
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_fields(&[
            ("GroupId", args.group_id),
            ("UserId", args.user_id),
            (
                "Outcome",
                "removed from the group (they may join again)".into(),
            ),
            ("RequestId", reply.request_id),
        ]);
    })
    .await
}

fn print_presence(users: &[UserPresence], yes: &str, no: &str) {
    print_table(
        &["USER ID", "STATUS"],
        users.iter().map(|u| {
            vec![
                u.user_id.clone(),
                if u.online { yes } else { no }.to_string(),
            ]
        }),
    );
}

async fn check(session: &Session, args: CheckArgs) -> Result<(), Failure> {
    let request = CheckUsersInGroupRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id,
        user_ids: args.user_ids,
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_presence(&reply.users, "in the group", "not in the group");
    })
    .await
}

async fn online(session: &Session, args: OnlineArgs) -> Result<(), Failure> {
    let request = CheckUsersOnlineRequest {
        app_id: session.app_id.clone(),
        user_ids: args.user_ids,
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_presence(&reply.user_list, "online", "offline");
    })
    .await
}

async fn send(session: &Session, args: SendArgs) -> Result<(), Failure> {
    let request = SendUserMessageRequest {
        app_id: session.app_id.clone(),
        receiver_id: args.user_id,
        sender_id: args.sender.unwrap_or_else(|| session.moderator_id.clone()),
        sender_info: args.sender_info,
        body: Some(args.body),
        msg_type: args.msg_type,
        // Generated here, so the message can be recalled by its MsgTid.
        msg_tid: Some(args.tid.unwrap_or_else(crate::api::new_msg_tid)),
        high_reliability: args.reliable.then_some(true),
        storage: args.store.then_some(true),
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_fields(&[("MsgTid", reply.msg_tid), ("RequestId", reply.request_id)]);
    })
    .await
}

async fn recall(session: &Session, args: RecallArgs) -> Result<(), Failure> {
    let request = DeleteUserMessageRequest {
        app_id: session.app_id.clone(),
        message_id: args.msg_tid.clone(),
        receiver_id: args.user_id.clone(),
        deleter_id: args
            .operator
            .unwrap_or_else(|| session.moderator_id.clone()),
        deleter_info: args.reason,
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_fields(&[
            ("UserId", args.user_id),
            ("MsgTid", args.msg_tid),
            (
                "Outcome",
                "recalled (the service answers the same for a MsgTid it never delivered)".into(),
            ),
            ("RequestId", reply.request_id),
        ]);
    })
    .await
}

async fn set_info(session: &Session, args: SetInfoArgs) -> Result<(), Failure> {
    let request = ModifyUserInfoRequest {
        app_id: session.app_id.clone(),
        user_id: args.user_id,
        user_meta_info: Some(args.info),
        data_center: session.data_center,
    };
    let reply = session.client.call(&request).await?;
    if args.json {
        return print_json(&reply);
    }
    let rows = reply
        .success_list
        .iter()
        .map(|s| vec![s.group_id.clone(), "updated".to_string()])
        .chain(reply.fail_list.iter().map(|f| {
            vec![
                f.group_id.clone(),
                format!("not updated: {} ({})", f.reason, f.code),
            ]
        }));
    print_table(&["GROUP ID", "RESULT"], rows);
    note(&format!(
        "updated in {} groups, failed in {}",
        reply.success_list.len(),
        reply.fail_list.len()
    ));
    if reply.fail_list.is_empty() {
        Ok(())
    } else {
        Err(Failure::runtime(format!(
            "the info could not be set in {} groups",
            reply.fail_list.len()
        )))
    }
}
