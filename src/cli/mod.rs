//! The command line: global options, subcommands, and dispatch.

pub(crate) mod apps;
pub(crate) mod audit;
pub(crate) mod bulk;
pub(crate) mod completions;
pub(crate) mod groups;
pub(crate) mod messages;
pub(crate) mod mutes;
pub(crate) mod outbox;
pub(crate) mod output;
pub(crate) mod users;
mod values;

use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::api::DataCenter;
use crate::api::sign::SignatureVersion;
use crate::catalogue::Catalogue;
use crate::config::{Config, Paths};
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
        then ~/.alibabacloud/credentials. There are deliberately no flags for the key or secret.\n\n\
        Exit codes: 0 success; 1 a service, network or other run-time error (Code and RequestId on stderr \
        for a service error); \
        2 a usage error, nothing sent; 3 the service answered but nothing was done \
        (a create of an ID that already exists or was deleted)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command that talks to the service accepts, before or after
/// the subcommand. Listed under their own heading in `--help`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Service endpoint URL (http or https); default https://live.aliyuncs.com.
    #[arg(long, global = true, env = "LIVEMOD_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,
    /// Interactive-messaging application ID (default: config, then "demo").
    #[arg(long, global = true, value_name = "ID")]
    pub app_id: Option<String>,
    /// Data center of the app (the service's default is cn-shanghai).
    #[arg(long, global = true, value_name = "DC", value_parser = data_center_parser())]
    pub data_center: Option<DataCenter>,
    /// Credential profile (aliyun CLI config or credentials file).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Request signature scheme.
    #[arg(long, global = true, value_enum, default_value_t = SignatureVersion::V3)]
    pub signature: SignatureVersion,
    /// Refuse every call that changes anything (create, delete, send, mute, …).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Use the embedded emulator with demo data, whatever credentials exist.
    #[arg(long, global = true)]
    pub demo: bool,
}

/// Global options' IDs: hidden from the help of commands they do nothing for.
const GLOBAL_IDS: [&str; 7] = [
    "endpoint",
    "app_id",
    "data_center",
    "profile",
    "signature",
    "read_only",
    "demo",
];

/// Commands that never reach the service: the global options do not apply.
const LOCAL_COMMANDS: [&str; 4] = ["audit", "emulator", "completions", "man"];

fn data_center_parser() -> impl clap::builder::TypedValueParser<Value = DataCenter> {
    PossibleValuesParser::new(["cn-shanghai", "ap-southeast-1"])
        .map(|s| s.parse::<DataCenter>().expect("listed values parse"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, create, describe, change, delete, recover and message groups.
    #[command(subcommand)]
    Groups(groups::GroupsCommand),
    /// A group's stored messages: list, follow live, recall.
    #[command(subcommand)]
    Messages(messages::MessagesCommand),
    /// Users: who is in a group or online; kick, message, recall, set info.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Mutes: show, mute and unmute users, mute or unmute a whole group.
    #[command(subcommand)]
    Mutes(mutes::MutesCommand),
    /// Interactive-messaging apps: list, describe, create, disable, settings.
    #[command(subcommand)]
    Apps(apps::AppsCommand),
    /// Messages kept until delivered: list, retry, drop.
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// The audit trail of every change made through livemod.
    Audit(audit::AuditArgs),
    /// Run the LiveMessage emulator on loopback (for demos, tests and other tools).
    Emulator(crate::emulator::cli::EmulatorArgs),
    /// Print one frame of the console as plain text (first page loaded), then exit.
    Render(crate::tui::render::RenderArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff) to standard output, or write one page per command.
    Man(completions::ManArgs),
}

/// The command-line definition as clap builds it, with the global options
/// hidden from commands that never reach the service. The parser, the help,
/// the completions and the man page all come from this one definition.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    // Global options are copied into every subcommand when the tree is built;
    // only then can they be hidden where they do nothing. `mut_args` keeps the
    // argument order, which the built command's lookup tables rely on.
    cmd.build();
    cmd = describe_json_flags(cmd);
    for name in LOCAL_COMMANDS {
        cmd = cmd.mut_subcommand(name, |sub| {
            sub.mut_args(|a| {
                if GLOBAL_IDS.contains(&a.get_id().as_str()) {
                    a.hide(true)
                } else {
                    a
                }
            })
        });
    }
    cmd
}

/// Every command's `--json` means the same thing; it is described once, here,
/// wherever a command does not describe it itself.
fn describe_json_flags(cmd: clap::Command) -> clap::Command {
    let cmd = cmd.mut_args(|a| {
        if a.get_id() == "json" && a.get_help().is_none() {
            a.help("Print the result as JSON (values exact, for scripts)")
        } else {
            a
        }
    });
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    names.iter().fold(cmd, |cmd, name| {
        cmd.mut_subcommand(name, describe_json_flags)
    })
}

/// Parses the process's arguments (exits with usage on error, as clap does).
pub fn parse() -> Cli {
    let mut matches = command().get_matches();
    Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.exit())
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

/// The parts of the config only the console uses (`[keys]`, `[theme]`) and the
/// message-type catalogue are checked for every command, so a mistake there is
/// the same usage error (exit 2) whatever command meets it first. Every config
/// error names the file, the line and the key (`config.toml:7: keys.delete: …`).
pub fn check_config(paths: &Paths) -> Result<Config, Failure> {
    let config = Config::load(&paths.config_file).map_err(|e| Failure::usage(e.to_string()))?;
    check_keys(&config, &paths.config_file)?;
    check_theme(&config, &paths.config_file)?;
    Catalogue::load(Some(&paths.config_dir)).map_err(|e| Failure::usage(e.to_string()))?;
    Ok(config)
}

/// `[keys]`: the bindings are added one action at a time, so the one that
/// makes the map fail (a bad spec, or a clash with one added before) is the
/// one named, at its line.
fn check_keys(config: &Config, file: &std::path::Path) -> Result<(), Failure> {
    use crate::tui::keys::KeyMap;
    let mut so_far = std::collections::BTreeMap::new();
    for (action, specs) in &config.keys {
        so_far.insert(action.clone(), specs.clone());
        if let Err(e) = KeyMap::new(&so_far, false) {
            use crate::tui::keys::KeyMapError;
            // The key is named in front; the problem need not repeat it.
            let problem = match e {
                KeyMapError::UnknownAction { name, known } => {
                    format!("unknown action {name:?}; known actions: {known}")
                }
                KeyMapError::BadKey { spec, reason, .. } if reason.contains(&spec) => reason,
                KeyMapError::BadKey { spec, reason, .. } => format!("{spec:?}: {reason}"),
                KeyMapError::Clash { key, first, second } => format!(
                    "key {key} is bound to both {first} and {second}, which apply in the same pane"
                ),
            };
            return Err(config_failure(file, &format!("keys.{action}"), &problem));
        }
    }
    // The last map built is the whole table, so it is known to be good.
    Ok(())
}

/// `[theme]`: each role is checked on its own, so the wrong one is named.
fn check_theme(config: &Config, file: &std::path::Path) -> Result<(), Failure> {
    use crate::tui::theme::Theme;
    for (role, colour) in &config.theme {
        let one = std::collections::BTreeMap::from([(role.clone(), colour.clone())]);
        if let Err(e) = Theme::from_config(&one, false) {
            let shown = e.to_string();
            let problem = strip_table_prefix(&shown, "[theme]");
            let problem = [role.as_str(), "selection_bg"]
                .iter()
                .find_map(|name| problem.strip_prefix(&format!("{name}: ")))
                .unwrap_or(problem);
            return Err(config_failure(file, &format!("theme.{role}"), problem));
        }
    }
    Ok(())
}

fn config_failure(file: &std::path::Path, key: &str, problem: &str) -> Failure {
    Failure::usage(crate::config::problem_at(file, key, problem).to_string())
}

/// The key map and theme say "[keys] in config.toml: …"; the location is
/// given in front instead, so that part goes.
fn strip_table_prefix<'a>(message: &'a str, table: &str) -> &'a str {
    message
        .strip_prefix(table)
        .map(|rest| {
            rest.trim_start_matches(" in config.toml")
                .trim_start_matches(": ")
        })
        .unwrap_or(message)
}

/// The message-type catalogue in force (built-in, overridden by the user's file).
pub fn catalogue() -> Result<Catalogue, Failure> {
    let paths = Paths::discover().map_err(|e| Failure::usage(e.to_string()))?;
    Catalogue::load(Some(&paths.config_dir)).map_err(|e| Failure::usage(e.to_string()))
}

pub async fn connect(global: &GlobalArgs) -> Result<Session, Failure> {
    let paths = Paths::discover().map_err(|e| Failure::usage(e.to_string()))?;
    Session::connect(&global.session_request(), paths)
        .await
        .map_err(session_failure)
}

/// A mistake in what was asked is usage (2); a failure at run time, such as
/// a port the embedded emulator cannot bind, is 1 (the README's codes).
fn session_failure(e: crate::session::SessionError) -> Failure {
    if e.is_usage() {
        Failure::usage(e.to_string())
    } else {
        Failure::runtime(e.to_string())
    }
}

/// Parses the command line and runs it.
pub async fn run(cli: Cli) -> ExitCode {
    // Logs go to a file in the data directory, never to the terminal.
    let _log_guard = Paths::discover()
        .ok()
        .and_then(|p| crate::logging::init(&p.data_dir));
    let reads_config = !matches!(
        cli.command,
        Some(Command::Emulator(_) | Command::Completions(_) | Command::Man(_))
    );
    if reads_config {
        let checked = Paths::discover()
            .map_err(|e| Failure::usage(e.to_string()))
            .and_then(|paths| check_config(&paths));
        if let Err(f) = checked {
            return f.report();
        }
    }
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
        Some(Command::Messages(cmd)) => messages::run(&cli.global, cmd).await,
        Some(Command::Users(cmd)) => users::run(&cli.global, cmd).await,
        Some(Command::Mutes(cmd)) => mutes::run(&cli.global, cmd).await,
        Some(Command::Apps(cmd)) => apps::run(&cli.global, cmd).await,
        Some(Command::Outbox(cmd)) => outbox::run(&cli.global, cmd).await,
        Some(Command::Audit(args)) => audit::run(args),
        Some(Command::Emulator(args)) => return crate::emulator::cli::run(args).await,
        Some(Command::Completions(args)) => completions::completions(&args),
        Some(Command::Man(args)) => completions::man(&args),
    };
    let result = audit::with_unrecorded_audit(result);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_errors_exit_with_the_readmes_codes() {
        use crate::emulator::EmulatorError;
        use crate::session::SessionError;
        let bind = SessionError::Emulator(EmulatorError::Bind {
            addr: "127.0.0.1:1".parse().unwrap(),
            source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
        });
        assert_eq!(session_failure(bind).exit, 1);
        let scheme = SessionError::EndpointScheme {
            text: "ftp://x".into(),
        };
        assert_eq!(session_failure(scheme).exit, 2);
    }

    #[test]
    fn the_definition_is_consistent() {
        command().debug_assert();
    }

    /// `--help`, the completions and the man page describe every argument.
    #[test]
    fn every_argument_is_described() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && !arg.is_hide_set() && arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&command(), "livemod", &mut missing);
        assert!(missing.is_empty(), "undescribed: {missing:?}");
    }

    #[test]
    fn global_options_are_hidden_only_where_they_do_nothing() {
        let cmd = command();
        let shown = |sub: &str, id: &str| {
            cmd.find_subcommand(sub)
                .and_then(|s| s.get_arguments().find(|a| a.get_id() == id))
                .is_some_and(|a| !a.is_hide_set())
        };
        assert!(!shown("audit", "endpoint"));
        assert!(!shown("emulator", "app_id"));
        assert!(shown("groups", "endpoint"));
        assert!(shown("outbox", "read_only"));
        // Hidden or not, they still parse where they are given.
        let cli = Cli::from_arg_matches(&command().get_matches_from([
            "livemod",
            "audit",
            "--endpoint",
            "http://x",
        ]))
        .unwrap();
        assert_eq!(cli.global.endpoint.as_deref(), Some("http://x"));
    }
}
