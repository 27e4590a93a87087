//! `livemod apps …`: the interactive-messaging applications of the account.
//! An app cannot be deleted, only disabled. `--data-center` (a global option)
//! picks the data center listed, or the one a new app lives in.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Subcommand};
use futures::TryStreamExt;

use super::GlobalArgs;
use super::groups::sort_parser;
use super::output::{
    Failure, call_and_show, local_time, note, print_fields, print_json, print_table,
};
use crate::api::{
    AuditType, CreateAppRequest, DescribeAppRequest, ListAppsRequest, ListAppsResponse,
    ModifyAppAuditRequest, ModifyAppCallbackRequest, ModifyAppDisableRequest, MsgLifeCycle,
    SortType, pages,
};
use crate::session::Session;

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List the apps of a data center (every page).
    List(ListArgs),
    /// Show one app's settings.
    Describe(AppArgs),
    /// Create an app (in --data-center, default cn-shanghai).
    Create(CreateArgs),
    /// Disable an app: every call on it is refused until it is enabled.
    Disable(AppArgs),
    /// Enable a disabled app.
    Enable(AppArgs),
    /// Set how an app's messages are audited.
    SetAudit(SetAuditArgs),
    /// Set or turn off an app's event callback URL.
    SetCallback(SetCallbackArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Order by creation time.
    #[arg(long, default_value = "asc", value_parser = sort_parser())]
    pub sort: SortType,
    /// Print every app as JSON (one reply with every page's apps).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AppArgs {
    /// The app ID.
    pub app: String,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// AppName, 2–16 characters.
    #[arg(long, value_name = "S")]
    pub name: Option<String>,
    /// How messages are audited.
    #[arg(long, value_name = "TYPE", value_parser = audit_parser())]
    pub audit: Option<AuditType>,
    /// The custom audit URL (needed with --audit custom).
    #[arg(long, value_name = "URL")]
    pub audit_url: Option<String>,
    /// Event callback URL (http or https, no port, no private address).
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,
    /// How long messages are stored.
    #[arg(long, value_name = "DAYS", value_parser = retention_parser())]
    pub retention: Option<MsgLifeCycle>,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SetAuditArgs {
    /// The app ID.
    pub app: String,
    /// How messages are audited (unchanged when absent).
    #[arg(long = "type", value_name = "TYPE", value_parser = audit_parser())]
    pub audit: Option<AuditType>,
    /// The custom audit URL (needed for custom audit).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["url", "off"]))]
pub struct SetCallbackArgs {
    /// The app ID.
    pub app: String,
    /// The event callback URL (http or https, no port, no private address).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Turn event callbacks off.
    #[arg(long)]
    pub off: bool,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

fn audit_parser() -> impl TypedValueParser<Value = AuditType> {
    PossibleValuesParser::new([
        PossibleValue::new("off").alias("0").help("no audit"),
        PossibleValue::new("builtin")
            .alias("1")
            .help("the service's own audit"),
        PossibleValue::new("custom")
            .alias("2")
            .help("your audit service at --url"),
    ])
    .map(|s| match s.as_str() {
        "off" | "0" => AuditType::Off,
        "builtin" | "1" => AuditType::BuiltIn,
        _ => AuditType::Custom,
    })
}

fn retention_parser() -> impl TypedValueParser<Value = MsgLifeCycle> {
    PossibleValuesParser::new(["30", "90", "180"]).map(|s| match s.as_str() {
        "30" => MsgLifeCycle::Days30,
        "90" => MsgLifeCycle::Days90,
        _ => MsgLifeCycle::Days180,
    })
}

pub(crate) async fn run(global: &GlobalArgs, cmd: AppsCommand) -> Result<(), Failure> {
    let session = super::connect(global).await?;
    match cmd {
        AppsCommand::List(args) => list(&session, args).await,
        AppsCommand::Describe(args) => describe(&session, args).await,
        AppsCommand::Create(args) => create(&session, args).await,
        AppsCommand::Disable(args) => set_disabled(&session, args, true).await,
        AppsCommand::Enable(args) => set_disabled(&session, args, false).await,
        AppsCommand::SetAudit(args) => set_audit(&session, args).await,
        AppsCommand::SetCallback(args) => set_callback(&session, args).await,
    }
}

async fn list(session: &Session, args: ListArgs) -> Result<(), Failure> {
    let request = ListAppsRequest {
        sort_type: args.sort,
        next_page_token: None,
        data_center: session.data_center,
    };
    let replies: Vec<ListAppsResponse> = pages(&session.client, request).try_collect().await?;
    let mut all = ListAppsResponse::default();
    for reply in replies {
        all.request_id = reply.request_id;
        all.app_list.extend(reply.app_list);
    }
    if args.json {
        return print_json(&all);
    }
    print_table(
        &["APP ID", "NAME", "DATA CENTER", "STATE", "CREATED"],
        all.app_list.iter().map(|a| {
            vec![
                a.app_id.clone(),
                a.app_name.clone(),
                a.data_center.clone(),
                if a.disable { "disabled" } else { "enabled" }.to_string(),
                local_time(a.create_time),
            ]
        }),
    );
    note(&format!("{} apps", all.app_list.len()));
    Ok(())
}

fn audit_name(code: i32) -> String {
    match code {
        0 => "off".into(),
        1 => "built-in".into(),
        2 => "custom".into(),
        n => format!("type {n}"),
    }
}

fn retention_name(code: i32) -> String {
    match code {
        0 => "30 days".into(),
        1 => "90 days".into(),
        2 => "180 days".into(),
        n => format!("MsgLifeCycle {n}"),
    }
}

async fn describe(session: &Session, args: AppArgs) -> Result<(), Failure> {
    let request = DescribeAppRequest {
        app_id: args.app,
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        let callback = if reply.event_callback_url.is_empty() {
            "off".to_string()
        } else {
            reply.event_callback_url.clone()
        };
        print_fields(&[
            ("AppId", reply.app_id.clone()),
            ("Name", reply.app_name.clone()),
            ("Data center", reply.data_center.clone()),
            (
                "State",
                if reply.disable { "disabled" } else { "enabled" }.into(),
            ),
            ("Audit", audit_name(reply.audit_type)),
            ("Audit URL", reply.audit_url.clone().unwrap_or_default()),
            ("Callback", callback),
            ("Retention", retention_name(reply.msg_life_cycle)),
            ("Created", local_time(reply.create_time)),
            ("Modified", local_time(reply.modify_time)),
            ("RequestId", reply.request_id),
        ]);
    })
    .await
}

async fn create(session: &Session, args: CreateArgs) -> Result<(), Failure> {
    let request = CreateAppRequest {
        app_name: args.name,
        audit_type: args.audit,
        audit_url: args.audit_url,
        event_callback_url: args.callback_url,
        msg_life_cycle: args.retention,
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        // AppKey and AppSign are what the app's clients need; they are printed as
        // the service gave them (a moderator creating an app is its owner).
        print_fields(&[
            ("AppId", reply.app_id),
            ("AppKey", reply.app_key),
            ("AppSign", reply.app_sign),
            ("Data center", reply.data_center),
            ("RequestId", reply.request_id),
        ]);
    })
    .await
}

async fn set_disabled(session: &Session, args: AppArgs, disable: bool) -> Result<(), Failure> {
    let request = ModifyAppDisableRequest {
        app_id: args.app,
        disable: Some(disable),
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_fields(&[
            ("AppId", reply.app_id),
            (
                "State",
                if reply.disable { "disabled" } else { "enabled" }.into(),
            ),
            ("RequestId", reply.request_id),
        ]);
    })
    .await
}

async fn set_audit(session: &Session, args: SetAuditArgs) -> Result<(), Failure> {
    if args.audit.is_none() && args.url.is_none() {
        return Err(Failure::usage(
            "give --type, --url or both; nothing would change",
        ));
    }
    let request = ModifyAppAuditRequest {
        app_id: args.app,
        audit_type: args.audit,
        audit_url: args.url,
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_fields(&[
            ("AppId", reply.app_id),
            ("Audit", audit_name(reply.audit_type)),
            ("Audit URL", reply.audit_url.unwrap_or_default()),
            ("RequestId", reply.request_id),
        ]);
    })
    .await
}

async fn set_callback(session: &Session, args: SetCallbackArgs) -> Result<(), Failure> {
    let request = ModifyAppCallbackRequest {
        app_id: args.app,
        // Absent turns callbacks off.
        event_callback_url: if args.off { None } else { args.url },
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_fields(&[
            ("AppId", reply.app_id),
            (
                "Callback",
                reply
                    .event_callback_url
                    .unwrap_or_else(|| "off".to_string()),
            ),
            ("RequestId", reply.request_id),
        ]);
    })
    .await
}
