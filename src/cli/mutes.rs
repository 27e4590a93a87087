//! `livemod mutes …`: who may not speak in a room. Users muted one by one stay
//! muted through a whole-group mute and its lifting; admins and the creator are
//! never muted.

use clap::{Args, Subcommand};

use super::GlobalArgs;
use super::output::{Failure, call_and_show, print_fields, print_json};
use crate::api::{
    AddGroupBandRequest, BanGroupRequest, DescribeGroupBandRequest, RemoveGroupBandRequest,
    UnbanGroupRequest,
};
use crate::session::Session;

#[derive(Debug, Subcommand)]
pub enum MutesCommand {
    /// Show a group's mutes: whole-group, users muted, users exempt.
    Show(GroupArgs),
    /// Mute users in a group (up to 30).
    Add(UsersArgs),
    /// Unmute users muted with `mutes add` (up to 30).
    Remove(UsersArgs),
    /// Mute the whole group, except the given users.
    All(AllArgs),
    /// Lift the whole-group mute (users muted one by one stay muted).
    Lift(GroupArgs),
}

#[derive(Debug, Args)]
pub struct GroupArgs {
    /// The group.
    pub group_id: String,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    /// The group.
    pub group_id: String,
    /// The users (1–30).
    #[arg(required = true, value_name = "UID")]
    pub user_ids: Vec<String>,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AllArgs {
    /// The group.
    pub group_id: String,
    /// Users who may still speak (up to 30; replaces the previous list).
    #[arg(long = "except", value_name = "UID", num_args = 1..)]
    pub except: Vec<String>,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

pub(crate) async fn run(global: &GlobalArgs, cmd: MutesCommand) -> Result<(), Failure> {
    let session = super::connect(global).await?;
    let (app_id, dc) = (session.app_id.clone(), session.data_center);
    let (group_id, json, what, request_id) = match cmd {
        MutesCommand::Show(args) => return show(&session, args).await,
        MutesCommand::Add(args) => {
            let n = args.user_ids.len();
            let reply = call_ack(
                &session,
                AddGroupBandRequest {
                    app_id,
                    group_id: args.group_id.clone(),
                    banned_users: args.user_ids,
                    data_center: dc,
                },
                args.json,
            )
            .await?;
            (args.group_id, args.json, format!("{n} users muted"), reply)
        }
        MutesCommand::Remove(args) => {
            let n = args.user_ids.len();
            let reply = call_ack(
                &session,
                RemoveGroupBandRequest {
                    app_id,
                    group_id: args.group_id.clone(),
                    unbanned_users: args.user_ids,
                    data_center: dc,
                },
                args.json,
            )
            .await?;
            (
                args.group_id,
                args.json,
                format!("{n} users unmuted"),
                reply,
            )
        }
        MutesCommand::All(args) => {
            let what = match args.except.len() {
                0 => "whole group muted".to_string(),
                n => format!("whole group muted except {n} users"),
            };
            let reply = call_ack(
                &session,
                BanGroupRequest {
                    app_id,
                    group_id: args.group_id.clone(),
                    except_users: args.except,
                    data_center: dc,
                },
                args.json,
            )
            .await?;
            (args.group_id, args.json, what, reply)
        }
        MutesCommand::Lift(args) => {
            let reply = call_ack(
                &session,
                UnbanGroupRequest {
                    app_id,
                    group_id: args.group_id.clone(),
                    data_center: dc,
                },
                args.json,
            )
            .await?;
            let what = "whole-group mute lifted (users muted one by one stay muted)";
            (args.group_id, args.json, what.to_string(), reply)
        }
    };
    if !json {
        print_fields(&[
            ("GroupId", group_id),
            ("Outcome", what),
            ("RequestId", request_id),
        ]);
    }
    Ok(())
}

/// Calls an operation that answers with its RequestId only; prints the reply
/// as JSON when asked and returns the RequestId.
async fn call_ack<O>(session: &Session, op: O, json: bool) -> Result<String, Failure>
where
    O: crate::api::Operation<Response = crate::api::Ack>,
{
    let reply = session.client.call(&op).await?;
    if json {
        print_json(&reply)?;
    }
    Ok(reply.request_id)
}

async fn show(session: &Session, args: GroupArgs) -> Result<(), Failure> {
    let request = DescribeGroupBandRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id,
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        let list = |users: &[String]| {
            if users.is_empty() {
                "none".to_string()
            } else {
                users.join(", ")
            }
        };
        print_fields(&[
            ("GroupId", reply.group_id.clone()),
            (
                "Whole group",
                if reply.is_banned_all {
                    "muted"
                } else {
                    "not muted"
                }
                .to_string(),
            ),
            ("Muted users", list(&reply.banned_user_list)),
            ("Exempt users", list(&reply.unbanned_user_list)),
            ("RequestId", reply.request_id),
        ]);
    })
    .await
}
