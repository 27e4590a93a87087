//! The command line: global options, subcommands, and dispatch.

pub mod audit;
pub mod bulk;
pub mod groups;
pub mod outbox;
pub mod output;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::api::DataCenter;
use crate::api::sign::SignatureVersion;
use crate::config::Paths;
use crate::session::{Session, SessionRequest};
use output::Failure;

#[derive(Debug, Parser)]
#[command(
    name = "livemod",
    version,
    about = "Terminal moderation console for ApsaraVideo Live interactive messaging (LiveMessage groups)",
    long_about = "Terminal moderation console for ApsaraVideo Live interactive messaging.\n\n\
        With no subcommand, opens the console. With no credentials and no --endpoint \
        (or with --demo), everything runs against an embedded emulator with demo data.\n\n\
        Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET \
        (/ ALIBABA_CLOUD_SECURITY_TOKEN), then the aliyun CLI profile (~/.aliyun/config.json), \
        then ~/.alibabacloud/credentials. There are deliberately no flags for the key or secret."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Service endpoint URL (http or https); default https://live.aliyuncs.com.
    #[arg(long, global = true, env = "LIVEMOD_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,
    /// Interactive-messaging application ID (default: config, then "demo").
    #[arg(long, global = true, value_name = "ID")]
    pub app_id: Option<String>,
    /// Data center of the app.
    #[arg(long, global = true, value_name = "DC", value_parser = parse_data_center)]
    pub data_center: Option<DataCenter>,
    /// Credential profile (aliyun CLI config or credentials file).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Request signature scheme.
    #[arg(long, global = true, value_enum, default_value_t = SignatureVersion::V3)]
    pub signature: SignatureVersion,
    /// Refuse every call that changes anything (create, delete, send).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Use the embedded emulator with demo data, whatever credentials exist.
    #[arg(long, global = true)]
    pub demo: bool,
}

fn parse_data_center(s: &str) -> Result<DataCenter, String> {
    s.parse::<DataCenter>().map_err(|e| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, create, delete and message groups.
    #[command(subcommand)]
    Groups(groups::GroupsCommand),
    /// Messages kept until delivered: list, retry, drop.
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// The audit trail of every change made through livemod.
    Audit(audit::AuditArgs),
    /// Run the LiveMessage emulator on loopback (for demos, tests and other tools).
    Emulator(crate::emulator::cli::EmulatorArgs),
    /// Print one frame of the console as plain text (first page loaded), then exit.
    Render(crate::tui::render::RenderArgs),
}

impl GlobalArgs {
    pub fn session_request(&self) -> SessionRequest {
        SessionRequest {
            endpoint: self.endpoint.clone(),
            app_id: self.app_id.clone(),
            data_center: self.data_center,
            profile: self.profile.clone(),
            signature: self.signature,
            read_only: self.read_only,
            demo: self.demo,
        }
    }
}

pub async fn connect(global: &GlobalArgs) -> Result<Session, Failure> {
    let paths = Paths::discover().map_err(|e| Failure::usage(e.to_string()))?;
    Session::connect(&global.session_request(), paths)
        .await
        .map_err(|e| Failure::usage(format!("{e:#}")))
}

/// Parses the command line and runs it.
pub async fn run(cli: Cli) -> ExitCode {
    // Logs go to a file in the data directory, never to the terminal.
    let _log_guard = Paths::discover()
        .ok()
        .and_then(|p| crate::logging::init(&p.data_dir));
    let result = match cli.command {
        None => match connect(&cli.global).await {
            Ok(session) => crate::tui::run(session)
                .await
                .map_err(|e| Failure::runtime(format!("{e:#}"))),
            Err(f) => Err(f),
        },
        Some(Command::Render(args)) => match connect(&cli.global).await {
            Ok(session) => match crate::tui::render::render(session, &args).await {
                Ok(text) => {
                    print!("{text}");
                    Ok(())
                }
                Err(e) => Err(Failure::runtime(format!("{e:#}"))),
            },
            Err(f) => Err(f),
        },
        Some(Command::Groups(cmd)) => groups::run(&cli.global, cmd).await,
        Some(Command::Outbox(cmd)) => outbox::run(&cli.global, cmd).await,
        Some(Command::Audit(args)) => audit::run(args),
        Some(Command::Emulator(args)) => return crate::emulator::cli::run(args).await,
    };
    let result = audit::with_unrecorded_audit(result);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}
