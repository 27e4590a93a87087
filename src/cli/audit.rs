//! `livemod audit`: what was changed, by whom, when, and what the service said.
//!
//! Reads only: it works without a writable data directory, and a line that is
//! not an audit entry (torn by a crash or a full disk) is skipped and named,
//! never a reason to hide the rest of the trail.

use std::time::Duration;

use clap::Args;

use super::output::{Failure, print_json, print_table};
use super::values::ValueError;
use crate::audit::{self, AuditEntry, AuditOutcome};
use crate::config::Paths;

/// Characters of a message body shown in the table.
const BODY_PREVIEW_CHARS: usize = 40;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only entries newer than this, e.g. 30m, 2h, 1day.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub since: Option<Duration>,
    /// Only entries about this GroupId.
    #[arg(long, value_name = "ID")]
    pub group: Option<String>,
    /// Only these actions: a name or part of one, any case
    /// (e.g. send, DeleteLiveMessageGroup, outbox).
    #[arg(long, value_name = "NAME")]
    pub action: Option<String>,
    /// Only entries with this outcome.
    #[arg(long, value_name = "OUTCOME", value_parser = parse_outcome)]
    pub outcome: Option<AuditOutcome>,
    /// Print the matching entries as JSON (exactly as recorded).
    #[arg(long)]
    pub json: bool,
}

fn parse_duration(s: &str) -> Result<Duration, ValueError> {
    humantime::parse_duration(s).map_err(|e| ValueError::not_a_duration(s, e, "30m or 2h"))
}

fn parse_outcome(s: &str) -> Result<AuditOutcome, ValueError> {
    AuditOutcome::ALL
        .into_iter()
        .find(|o| o.as_str().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| ValueError::NotOneOf {
            text: s.to_string(),
            what: "an outcome",
            choices: AuditOutcome::ALL
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

impl AuditArgs {
    fn matches(&self, e: &AuditEntry) -> bool {
        self.group
            .as_deref()
            .is_none_or(|g| e.params.get("GroupId").is_some_and(|v| v == g))
            && self.action.as_deref().is_none_or(|a| {
                e.action
                    .to_ascii_lowercase()
                    .contains(&a.trim().to_ascii_lowercase())
            })
            && self.outcome.is_none_or(|o| e.outcome == o)
    }
}

pub(crate) fn run(args: AuditArgs) -> Result<(), Failure> {
    let paths = Paths::discover().map_err(|e| Failure::usage(e.to_string()))?;
    let path = paths.data_dir.join(audit::FILE_NAME);
    let trail =
        audit::read_trail(&path, args.since).map_err(|e| Failure::runtime(e.to_string()))?;
    for bad in trail.bad_lines.iter().take(10) {
        eprintln!(
            "warning: {}: line {} is not an audit entry and was skipped ({})",
            path.display(),
            bad.line,
            safe(&bad.problem)
        );
    }
    if trail.bad_lines.len() > 10 {
        eprintln!("warning: {} more lines skipped", trail.bad_lines.len() - 10);
    }
    let entries: Vec<&AuditEntry> = trail.entries.iter().filter(|e| args.matches(e)).collect();
    if args.json {
        return print_json(&entries);
    }
    print_table(
        &[
            "TIME",
            "ACTION",
            "OUTCOME",
            "WHO",
            "APP",
            "GROUP",
            "BODY",
            "CODE",
            "REQUEST ID",
            "PROFILE",
            "ENDPOINT",
        ],
        entries.iter().map(|e| row(e)),
    );
    eprintln!(
        "{} of {} entries in {}",
        entries.len(),
        trail.entries.len(),
        path.display()
    );
    Ok(())
}

fn row(e: &AuditEntry) -> Vec<String> {
    [
        crate::util::time::format_time(&e.time),
        e.action.clone(),
        e.outcome.as_str().to_string(),
        e.actor().unwrap_or_default().to_string(),
        e.app.clone().unwrap_or_default(),
        e.params.get("GroupId").cloned().unwrap_or_default(),
        e.body_preview(BODY_PREVIEW_CHARS).unwrap_or_default(),
        e.code.clone().unwrap_or_default(),
        e.request_id.clone().unwrap_or_default(),
        e.profile.clone().unwrap_or_default(),
        e.endpoint.clone(),
    ]
    .iter()
    .map(|s| safe(s))
    .collect()
}

/// A command's result, made loud when an audit line could not be written: the
/// change may have happened, but the trail does not say so.
pub(crate) fn with_unrecorded_audit(result: Result<(), Failure>) -> Result<(), Failure> {
    let Some(problem) = audit::take_unrecorded() else {
        return result;
    };
    match result {
        Ok(()) => Err(Failure::runtime(format!(
            "{problem}: what was done above is NOT in the audit trail"
        ))),
        Err(f) => {
            eprintln!("livemod: error: {problem}: the outcome above is NOT in the audit trail");
            Err(f)
        }
    }
}

/// Recorded text comes from the service and from users: control characters
/// (escape sequences) never reach the terminal raw.
fn safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditContext;

    fn entry(action: &str, params: &[(&'static str, &str)], outcome: AuditOutcome) -> AuditEntry {
        let params: Vec<(&'static str, String)> =
            params.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let mut e = AuditEntry::for_call("http://x", &AuditContext::default(), action, &params);
        e.outcome = outcome;
        e
    }

    fn args(group: Option<&str>, action: Option<&str>, outcome: Option<&str>) -> AuditArgs {
        AuditArgs {
            since: None,
            group: group.map(str::to_string),
            action: action.map(str::to_string),
            outcome: outcome.map(|o| parse_outcome(o).unwrap()),
            json: false,
        }
    }

    #[test]
    fn filters_by_group_action_and_outcome() {
        let send = entry(
            "SendLiveMessageGroup",
            &[("GroupId", "g1"), ("SenderId", "mod1"), ("Body", "hi")],
            AuditOutcome::Ok,
        );
        let create = entry(
            "CreateLiveMessageGroup",
            &[("GroupId", "g2"), ("CreatorId", "mod2")],
            AuditOutcome::AlreadyExists,
        );
        let all = [&send, &create];
        let kept = |a: AuditArgs| -> Vec<&str> {
            all.iter()
                .filter(|e| a.matches(e))
                .map(|e| e.action.as_str())
                .collect()
        };
        assert_eq!(kept(args(Some("g1"), None, None)), ["SendLiveMessageGroup"]);
        assert_eq!(
            kept(args(None, Some("send"), None)),
            ["SendLiveMessageGroup"]
        );
        assert_eq!(
            kept(args(None, None, Some("already_exists"))),
            ["CreateLiveMessageGroup"]
        );
        assert!(kept(args(Some("g1"), Some("create"), None)).is_empty());
        assert!(parse_outcome("fine").is_err());
    }

    #[test]
    fn rows_show_who_acted_and_a_safe_body_preview() {
        let e = entry(
            "SendLiveMessageGroup",
            &[
                ("GroupId", "g1"),
                ("SenderId", "mod1"),
                (
                    "Body",
                    "\u{1b}]52;c;AAAA\u{7}stream resumes soon, stay tuned everyone!!",
                ),
            ],
            AuditOutcome::Ok,
        );
        let row = row(&e);
        assert_eq!(row[3], "mod1");
        assert!(row[6].ends_with('…'), "{}", row[6]);
        assert!(row.iter().all(|c| !c.contains('\u{1b}')), "{row:?}");
    }
}
