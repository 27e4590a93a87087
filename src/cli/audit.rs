//! `livemod audit`: what was changed, by whom, when, and what the service said.

use std::time::Duration;

use clap::Args;

use super::output::{Failure, print_json, print_table};
use crate::audit::{self, AuditEntry};
use crate::config::Paths;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only entries newer than this, e.g. 30m, 2h, 1day.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub since: Option<Duration>,
    #[arg(long)]
    pub json: bool,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("{s:?} is not a duration ({e}); use e.g. 30m or 2h"))
}

pub fn run(args: AuditArgs) -> Result<(), Failure> {
    let paths = Paths::discover().map_err(|e| Failure::usage(e.to_string()))?;
    let path = paths.data_dir.join(audit::FILE_NAME);
    let entries =
        audit::read_file(&path, args.since).map_err(|e| Failure::runtime(e.to_string()))?;
    if args.json {
        return print_json(&entries);
    }
    print_table(
        &[
            "TIME",
            "ACTION",
            "OUTCOME",
            "APP",
            "GROUP",
            "CODE",
            "REQUEST ID",
            "PROFILE",
            "ENDPOINT",
        ],
        entries.iter().map(row),
    );
    eprintln!("{} entries in {}", entries.len(), path.display());
    Ok(())
}

fn row(e: &AuditEntry) -> Vec<String> {
    vec![
        audit::format_time(&e.time),
        e.action.clone(),
        e.outcome.as_str().to_string(),
        e.app.clone().unwrap_or_default(),
        e.params.get("GroupId").cloned().unwrap_or_default(),
        e.code.clone().unwrap_or_default(),
        e.request_id.clone().unwrap_or_default(),
        e.profile.clone().unwrap_or_default(),
        e.endpoint.clone(),
    ]
}
