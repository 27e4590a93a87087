//! `livemod groups …`: the four operations for scripts and runbooks.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Subcommand};

use super::GlobalArgs;
use super::output::{
    Failure, call_and_show, local_time, note, print_fields, print_json, print_table,
};
use crate::api::{
    ApiError, CreateGroupAnyId, CreateGroupRequest, DeleteGroupRequest, DescribeGroupRequest,
    ErrorKind, GroupStatus, ListGroupsRequest, ListGroupsResponse, ModifyGroupRequest,
    RecoverGroupRequest, SendMessageRequest, SortType,
};
use crate::session::Session;

#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// List groups a page at a time (or every page with --all).
    List(ListArgs),
    /// Create a group (an existing or deleted ID is reported, not changed).
    Create(CreateArgs),
    /// Delete a group (asks for confirmation on a terminal unless --yes).
    Delete(DeleteArgs),
    /// Send one message to a group.
    Send(SendArgs),
    /// Show one group: name, info, admins, online users, message counts.
    Describe(IdArgs),
    /// Change a group's info or administrators (name and creator cannot change).
    Modify(ModifyArgs),
    /// Restore a group deleted in the last 30 days.
    Recover(IdArgs),
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The group.
    pub group_id: String,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("change").required(true).multiple(true)
    .args(["info", "admins", "no_admins"]))]
pub struct ModifyArgs {
    /// The group.
    pub group_id: String,
    /// New GroupInfo (replaces the old; at most 32 KB).
    #[arg(long, value_name = "S")]
    pub info: Option<String>,
    /// New administrator list, one --admin per user (replaces the old; up to three).
    #[arg(long = "admin", value_name = "UID")]
    pub admins: Vec<String>,
    /// Remove every administrator.
    #[arg(long, conflicts_with = "admins")]
    pub no_admins: bool,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Which groups to list.
    #[arg(long, default_value = "all", value_parser = status_parser(true))]
    pub status: GroupStatus,
    /// Order by creation time.
    #[arg(long, default_value = "desc", value_parser = sort_parser())]
    pub sort: SortType,
    /// Page to show, from 1.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub page: u32,
    /// Groups per page, 1–50 (default 20; 50 with --all).
    #[arg(long, value_name = "N")]
    pub page_size: Option<u32>,
    /// Walk every page.
    #[arg(long, conflicts_with = "page")]
    pub all: bool,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The group to create (omit with --from-file).
    #[arg(required_unless_present = "from_file")]
    pub group_id: Option<String>,
    /// Create every group in a file: JSON lines or CSV (group_id, name, info,
    /// admins `;`-separated, creator). Checked completely before anything is sent.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["group_id", "name", "info", "admins", "creator"])]
    pub from_file: Option<PathBuf>,
    /// With --from-file: where to write what was not done (default FILE.failed).
    #[arg(long, value_name = "PATH", requires = "from_file")]
    pub failures: Option<PathBuf>,
    /// GroupName, at most 128 bytes.
    #[arg(long, value_name = "S")]
    pub name: Option<String>,
    /// GroupInfo (free text, often JSON), at most 32 KB.
    #[arg(long, value_name = "S")]
    pub info: Option<String>,
    /// Administrator user ID (up to three).
    #[arg(long = "admin", value_name = "UID")]
    pub admins: Vec<String>,
    /// Creator user ID (default: the configured moderator ID).
    #[arg(long, value_name = "UID")]
    pub creator: Option<String>,
    /// Allow IDs with characters other than letters and digits (such as
    /// c-1-1-0 or user_77): only their length is checked, the service decides.
    #[arg(long)]
    pub any_id: bool,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The group to delete.
    pub group_id: String,
    /// Operator user ID (default: the configured moderator ID).
    #[arg(long, value_name = "UID")]
    pub operator: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The group to message (omit with --to-file or --to-status).
    #[arg(required_unless_present_any = ["to_file", "to_status"])]
    pub group_id: Option<String>,
    /// Send the message to every group in a file (one GroupId per line, or JSON
    /// lines with group_id; blank lines and # comments ignored).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["group_id", "to_status"])]
    pub to_file: Option<PathBuf>,
    /// Send the message to every group with this status (only existing groups can receive).
    #[arg(long, value_name = "STATUS", value_parser = status_parser(false), conflicts_with = "group_id")]
    pub to_status: Option<GroupStatus>,
    /// Bulk send (--to-file, --to-status) only: keep messages that could not be
    /// delivered (no online users, throttled, unreachable) in the outbox, to be sent later.
    #[arg(long)]
    pub queue_failed: bool,
    /// Bulk send: where to write the groups not done (default FILE.failed).
    #[arg(long, value_name = "PATH")]
    pub failures: Option<PathBuf>,
    /// Sender user ID, at most 64 bytes (default: the configured moderator_id).
    #[arg(long, value_name = "UID")]
    pub sender: Option<String>,
    /// Message type number; a type the message-type catalogue marks as JSON
    /// needs a JSON body (`livemod` and the console apply the same rule).
    #[arg(long = "type", value_name = "N")]
    pub msg_type: Option<i64>,
    /// Message body, at most 15 KB.
    #[arg(long, value_name = "S", conflicts_with = "body_file")]
    pub body: Option<String>,
    /// Read the body from a file ("-" for standard input).
    #[arg(long, value_name = "PATH")]
    pub body_file: Option<PathBuf>,
    /// SenderMetaInfo.
    #[arg(long, value_name = "S")]
    pub meta: Option<String>,
    /// MsgTid (generated when absent).
    #[arg(long, value_name = "S")]
    pub tid: Option<String>,
    /// Message weight (service default 1).
    #[arg(long, value_name = "N")]
    pub weight: Option<i64>,
    /// How much this message adds to its type's count (service default 1).
    #[arg(long, value_name = "N")]
    pub statics_increase: Option<i64>,
    /// Do not store the message (the service keeps messages 30 days by default).
    #[arg(long)]
    pub no_storage: bool,
    /// Do not put the message in the group's latest-messages cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `all|existing|deleted` (or the API's 0/1/2), listed in the help and
/// completions; sends take only `existing` (deleted groups cannot receive).
fn status_parser(listing: bool) -> impl TypedValueParser<Value = GroupStatus> {
    let mut values = vec![
        PossibleValue::new("existing")
            .alias("1")
            .help("groups not deleted"),
    ];
    if listing {
        values.insert(0, PossibleValue::new("all").alias("0").help("every group"));
        values.push(
            PossibleValue::new("deleted")
                .alias("2")
                .help("deleted groups"),
        );
    }
    PossibleValuesParser::new(values).map(|s| s.parse().expect("listed values parse"))
}

/// `asc|desc` (or the API's 1/2), listed in the help and completions.
pub(crate) fn sort_parser() -> impl TypedValueParser<Value = SortType> {
    PossibleValuesParser::new([
        PossibleValue::new("asc").alias("1").help("oldest first"),
        PossibleValue::new("desc").alias("2").help("newest first"),
    ])
    .map(|s| s.parse().expect("listed values parse"))
}

pub(crate) async fn run(global: &GlobalArgs, cmd: GroupsCommand) -> Result<(), Failure> {
    // Refuse mutations in read-only mode before connecting or sending anything.
    if global.read_only && !matches!(cmd, GroupsCommand::List(_) | GroupsCommand::Describe(_)) {
        return Err(Failure::usage(
            "refused: --read-only forbids create, delete, send, modify and recover",
        ));
    }
    // Read the body before connecting, so a bad path fails fast.
    let body = match &cmd {
        GroupsCommand::Send(args) => read_body(args)?,
        _ => None,
    };
    // Shared arguments and bulk inputs are checked before connecting: a bad
    // value or line is a usage error and nothing is sent.
    if let GroupsCommand::Send(args) = &cmd {
        if args.queue_failed && args.group_id.is_some() {
            return Err(Failure::usage(
                "--queue-failed applies to bulk sends (--to-file, --to-status); a single send \
                 reports its failure instead: send again, or use --to-file with one line",
            ));
        }
        super::catalogue()?
            .check_message(args.msg_type, body.as_deref())
            .map_err(|e| Failure::usage(format!("{e}; nothing was sent")))?;
        if let Some(path) = &args.to_file {
            super::bulk::read_target_file(path)?;
        }
    }
    let session = super::connect(global).await?;
    match cmd {
        GroupsCommand::List(args) => list(&session, args).await,
        GroupsCommand::Create(CreateArgs {
            from_file: Some(path),
            failures,
            json,
            ..
        }) => {
            let plan = super::bulk::plan_creates(&path, &session)?;
            super::bulk::create_from_file(&session, plan, failures.as_deref(), json).await
        }
        GroupsCommand::Send(args) if args.group_id.is_none() => {
            send_bulk(&session, args, body).await
        }
        GroupsCommand::Create(args) => create(&session, args).await,
        GroupsCommand::Delete(args) => delete(&session, args).await,
        GroupsCommand::Send(args) => send(&session, args, body).await,
        GroupsCommand::Describe(args) => describe(&session, args).await,
        GroupsCommand::Modify(args) => modify(&session, args).await,
        GroupsCommand::Recover(args) => recover(&session, args).await,
    }
}

fn read_body(args: &SendArgs) -> Result<Option<String>, Failure> {
    match &args.body_file {
        None => Ok(args.body.clone()),
        // Capped at a Body's 15 KB ("-" is standard input): never /dev/zero into memory.
        Some(path) => super::bulk::read_body_file(path).map(Some),
    }
}

async fn list(session: &Session, args: ListArgs) -> Result<(), Failure> {
    let mut request = ListGroupsRequest::new(&session.app_id);
    request.sort_type = args.sort;
    request.group_status = args.status;
    request.data_center = session.data_center;
    request.page_number = args.page;
    request.page_size = args.page_size.unwrap_or(if args.all { 50 } else { 20 });

    let reply = if args.all {
        list_all(session, request).await?
    } else {
        session.client.call(&request).await?
    };
    let pages = reply.page_count();
    // Past the last page the service answers an empty list; say why it is empty.
    let past_end = !args.all && reply.group_list.is_empty() && args.page > pages.max(1);
    if past_end {
        note(&format!(
            "page {} is past the end: there {} {pages} {} ({} {}, {} per page)",
            args.page,
            plural(pages.into(), "is", "are"),
            plural(pages.into(), "page", "pages"),
            reply.total_count,
            plural(reply.total_count, "group", "groups"),
            reply.page_size.max(1),
        ));
    }
    if args.json {
        return print_json(&reply);
    }
    if past_end {
        return Ok(());
    }
    print_table(
        &["GROUP ID", "NAME", "CREATOR", "ADMINS", "CREATED", "STATUS"],
        reply.group_list.iter().map(|g| {
            vec![
                g.group_id.clone(),
                g.group_name.clone(),
                g.creator_id.clone(),
                g.admin_list.len().to_string(),
                local_time(g.createtime),
                if g.delete { "deleted" } else { "existing" }.to_string(),
            ]
        }),
    );
    if args.all {
        eprintln!("{} groups", reply.group_list.len());
    } else if !past_end {
        eprintln!(
            "page {}/{} · {} groups",
            reply.page_number, pages, reply.total_count
        );
    }
    Ok(())
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// Walks every page; the result holds every group and the last TotalCount.
async fn list_all(
    session: &Session,
    mut request: ListGroupsRequest,
) -> Result<ListGroupsResponse, Failure> {
    request.page_number = 1;
    let mut combined = session.client.call(&request).await?;
    let pages = combined.page_count();
    for page in 2..=pages {
        request.page_number = page;
        let reply = session.client.call(&request).await?;
        let done = reply.group_list.is_empty();
        combined.group_list.extend(reply.group_list);
        combined.total_count = reply.total_count;
        combined.request_id = reply.request_id;
        if done {
            break;
        }
    }
    combined.page_number = 1;
    combined.page_size = combined.group_list.len() as u32;
    Ok(combined)
}

async fn create(session: &Session, args: CreateArgs) -> Result<(), Failure> {
    let request = CreateGroupRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id.unwrap_or_default(),
        group_name: args.name,
        group_info: args.info,
        administrators: args.admins,
        creator_id: Some(args.creator.unwrap_or_else(|| session.moderator_id.clone())),
        data_center: session.data_center,
    };
    let reply = if args.any_id {
        session.client.call(&CreateGroupAnyId(request)).await?
    } else {
        match session.client.call(&request).await {
            Err(ApiError::Validation(e))
                if matches!(
                    e.problem,
                    crate::api::validate::Problem::NotAlphanumeric { .. }
                ) =>
            {
                return Err(Failure::usage(format!(
                    "{e}; livemod creates portable IDs by default: pass --any-id to let the service decide"
                )));
            }
            other => other?,
        }
    };
    // A create that did nothing is not a success: exit 3 says so (the reply is still printed).
    let nothing_done = match (reply.already_exists, reply.already_delete) {
        (_, true) => Some(format!(
            "group {} was deleted earlier: a deleted ID can never be created again (nothing was done)",
            reply.group_id
        )),
        (true, false) => Some(format!(
            "group {} already exists: nothing was changed",
            reply.group_id
        )),
        _ => None,
    };
    if args.json {
        print_json(&reply)?;
    } else {
        let outcome = match (reply.already_exists, reply.already_delete) {
            (_, true) => "already deleted (nothing done)",
            (true, false) => "already exists (unchanged)",
            _ => "created",
        };
        print_fields(&[
            ("GroupId", reply.group_id),
            ("Outcome", outcome.to_string()),
            ("RequestId", reply.request_id),
        ]);
    }
    match nothing_done {
        Some(message) => Err(Failure::nothing_done(message)),
        None => Ok(()),
    }
}

async fn delete(session: &Session, args: DeleteArgs) -> Result<(), Failure> {
    if !args.yes {
        confirm_delete(&args.group_id)?;
    }
    // The service answers a delete the same whether the group existed or not;
    // asking first is the only way to say which it was.
    let before = session
        .client
        .call(&DescribeGroupRequest {
            app_id: session.app_id.clone(),
            group_id: args.group_id.clone(),
            data_center: session.data_center,
        })
        .await;
    let request = DeleteGroupRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id,
        operator_id: Some(
            args.operator
                .unwrap_or_else(|| session.moderator_id.clone()),
        ),
        data_center: session.data_center,
    };
    let reply = session.client.call(&request).await?;
    let outcome = match &before {
        Ok(group) if group.delete => "was already deleted (nothing changed)",
        Ok(_) => "deleted",
        Err(e) if e.kind() == Some(ErrorKind::ResourceNotExist) => {
            "did not exist (nothing deleted)"
        }
        Err(_) => "deleted or did not exist (the service answers the same for both)",
    };
    if args.json {
        note(&format!("group {}: {outcome}", reply.group_id));
        return print_json(&reply);
    }
    print_fields(&[
        ("GroupId", reply.group_id),
        ("Outcome", outcome.to_string()),
        ("RequestId", reply.request_id),
    ]);
    Ok(())
}

async fn describe(session: &Session, args: IdArgs) -> Result<(), Failure> {
    let request = DescribeGroupRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id,
        data_center: session.data_center,
    };
    let g = session.client.call(&request).await?;
    if args.json {
        return print_json(&g);
    }
    let mut fields = vec![
        ("GroupId", g.group_id.clone()),
        ("Name", g.group_name.clone()),
        ("Info", g.group_info.clone()),
        ("Creator", g.creator_id.clone()),
        ("Admins", g.admin_list.join(", ")),
        ("Created", local_time(g.createtime)),
    ];
    if g.delete {
        let when = g.deletatime.map(local_time).unwrap_or_default();
        let by = g.deletor.clone().filter(|d| !d.is_empty());
        let by = by.map(|d| format!(" by {d}")).unwrap_or_default();
        fields.push(("Status", format!("deleted {when}{by}")));
    } else {
        fields.push(("Status", "existing".into()));
        if let Some(n) = g.online_user_counts {
            fields.push(("Online users", n.to_string()));
        }
        if let Some(n) = g.total_times {
            fields.push(("Messages", n.to_string()));
        }
        if let Some(amounts) = &g.msg_amount {
            let per_type: Vec<String> = amounts.iter().map(|(t, n)| format!("{t}: {n}")).collect();
            fields.push(("Per type", per_type.join(", ")));
        }
    }
    if g.super_large_group {
        fields.push(("Size", "super-large (over 2,000 users)".into()));
    }
    fields.push(("RequestId", g.request_id.clone()));
    print_fields(&fields);
    Ok(())
}

async fn modify(session: &Session, args: ModifyArgs) -> Result<(), Failure> {
    let modify_admin = args.no_admins || !args.admins.is_empty();
    let request = ModifyGroupRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id.clone(),
        modify_admin,
        admin_list: args.admins.clone(),
        modify_info: args.info.is_some(),
        group_info: args.info.clone(),
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        let mut fields = vec![("GroupId", args.group_id)];
        if let Some(info) = args.info {
            fields.push(("Info", info));
        }
        if modify_admin {
            let admins = if args.admins.is_empty() {
                "none".to_string()
            } else {
                args.admins.join(", ")
            };
            fields.push(("Admins", admins));
        }
        fields.push(("RequestId", reply.request_id));
        print_fields(&fields);
    })
    .await
}

async fn recover(session: &Session, args: IdArgs) -> Result<(), Failure> {
    let request = RecoverGroupRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id,
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_fields(&[
            ("GroupId", reply.group_id),
            ("Outcome", "recovered (or was not deleted)".into()),
            ("RequestId", reply.request_id),
        ]);
    })
    .await
}

/// On a terminal, the user types the group ID; without one, --yes is required.
fn confirm_delete(group_id: &str) -> Result<(), Failure> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::usage(format!(
            "refusing to delete {group_id} without confirmation: pass --yes when not on a terminal"
        )));
    }
    eprint!(
        "Delete group {group_id}? Members are notified and the ID can never be reused.\nType the group ID to confirm: "
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the confirmation: {e}")))?;
    if line.trim() != group_id {
        return Err(Failure::usage("not confirmed; nothing was deleted"));
    }
    Ok(())
}

/// `--sender`, else the configured moderator ID.
fn sender(session: &Session, args: &SendArgs) -> String {
    args.sender
        .clone()
        .unwrap_or_else(|| session.moderator_id.clone())
}

fn message(session: &Session, args: &SendArgs, body: Option<String>) -> SendMessageRequest {
    SendMessageRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id.clone().unwrap_or_default(),
        sender_id: sender(session, args),
        sender_meta_info: args.meta.clone(),
        body,
        msg_type: args.msg_type,
        msg_tid: args.tid.clone(),
        statics_increase: args.statics_increase,
        weight: args.weight,
        no_storage: args.no_storage.then_some(true),
        no_cache: args.no_cache.then_some(true),
        data_center: session.data_center,
    }
}

/// One message to many groups (--to-file / --to-status).
async fn send_bulk(session: &Session, args: SendArgs, body: Option<String>) -> Result<(), Failure> {
    let template = message(session, &args, body);
    let targets = match (args.to_file, args.to_status) {
        (Some(path), _) => super::bulk::Targets::File(path),
        (None, Some(status)) => super::bulk::Targets::Status(status),
        (None, None) => return Err(Failure::usage("give a GROUP_ID, --to-file or --to-status")),
    };
    super::bulk::send_to_many(
        session,
        super::bulk::SendPlan {
            template,
            targets,
            queue_failed: args.queue_failed,
            failures: args.failures,
            json: args.json,
        },
    )
    .await
}

async fn send(session: &Session, args: SendArgs, body: Option<String>) -> Result<(), Failure> {
    let request = SendMessageRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id.clone().unwrap_or_default(),
        sender_id: sender(session, &args),
        sender_meta_info: args.meta,
        body,
        msg_type: args.msg_type,
        // Generated here, not by the service, so a retry can reuse it.
        msg_tid: Some(args.tid.unwrap_or_else(crate::api::new_msg_tid)),
        statics_increase: args.statics_increase,
        weight: args.weight,
        no_storage: args.no_storage.then_some(true),
        no_cache: args.no_cache.then_some(true),
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_fields(&[("MsgTid", reply.msg_tid), ("RequestId", reply.request_id)]);
    })
    .await
}
