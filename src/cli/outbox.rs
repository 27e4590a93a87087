//! `livemod outbox …`: see what is waiting, send it again, or drop it.

use std::sync::Arc;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::GlobalArgs;
use super::output::{Failure, print_json, print_table};
use crate::audit::{AuditLog, format_time};
use crate::config::Paths;
use crate::outbox::{
    DeliverOptions, DeliveryReport, Entry, ListFilter, Outbox, OutboxError, State, deliver_entries,
};

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List stored messages and their delivery state.
    List(ListArgs),
    /// Send again: one entry by ID, or with --all every queued and failed one.
    /// Entries with an unknown outcome are only resent by ID (they may have
    /// been delivered already).
    Retry(RetryArgs),
    /// Drop a message that is not delivered (it stays listed as discarded).
    Drop(DropArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// queued, sending, delivered, failed, outcome_unknown, discarded.
    #[arg(long, value_name = "S", value_parser = parse_state)]
    pub state: Option<State>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The entry to send again (its ID in `livemod outbox list`).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub id: Option<i64>,
    /// Every queued and failed entry.
    #[arg(long)]
    pub all: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DropArgs {
    /// The entry to drop (its ID in `livemod outbox list`).
    pub id: i64,
    #[arg(long)]
    pub json: bool,
}

fn parse_state(s: &str) -> Result<State, String> {
    s.parse()
}

fn open_outbox(paths: &Paths) -> Result<Outbox, Failure> {
    let dir = paths
        .ensure_data_dir()
        .map_err(|e| Failure::runtime(format!("{}: {e}", paths.data_dir.display())))?;
    let audit = AuditLog::in_dir(dir)
        .map_err(|e| Failure::runtime(format!("cannot open the audit log: {e}")))?;
    let outbox = Outbox::in_dir(dir)
        .map_err(|e| Failure::runtime(e.to_string()))?
        .with_audit(Arc::new(audit));
    if outbox.recovered_on_open() > 0 {
        eprintln!(
            "livemod: {} message(s) were being sent when livemod stopped; they are now outcome_unknown (check the group, then `livemod outbox retry ID` or `drop ID`)",
            outbox.recovered_on_open()
        );
    }
    Ok(outbox)
}

fn outbox_failure(e: OutboxError) -> Failure {
    match e {
        OutboxError::NotFound(_) | OutboxError::InvalidTransition { .. } => {
            Failure::usage(e.to_string())
        }
        OutboxError::ReadOnly(_) => Failure::usage(e.to_string()),
        _ => Failure::runtime(e.to_string()),
    }
}

pub async fn run(global: &GlobalArgs, cmd: OutboxCommand) -> Result<(), Failure> {
    let paths = Paths::discover().map_err(|e| Failure::usage(e.to_string()))?;
    match cmd {
        OutboxCommand::List(args) => list(&paths, args),
        OutboxCommand::Drop(args) => drop_entry(global, &paths, args),
        OutboxCommand::Retry(args) => retry(global, &paths, args).await,
    }
}

fn short(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut s: String = one_line.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn why(e: &Entry) -> String {
    match (&e.last_error, e.state) {
        (_, State::Delivered) => format!(
            "RequestId {}",
            e.delivered_request_id.as_deref().unwrap_or("?")
        ),
        (Some(err), _) => {
            let mut s = format!("{}: {}", err.code, short(&err.message, 60));
            if let Some(r) = &err.request_id {
                s.push_str(&format!(" [RequestId {r}]"));
            }
            s
        }
        (None, _) => String::new(),
    }
}

fn list(paths: &Paths, args: ListArgs) -> Result<(), Failure> {
    let outbox = open_outbox(paths)?;
    let entries = outbox
        .list(&ListFilter {
            state: args.state,
            ..Default::default()
        })
        .map_err(outbox_failure)?;
    if args.json {
        return print_json(&entries);
    }
    print_table(
        &[
            "ID", "STATE", "GROUP", "MSGTID", "TRIES", "NEXT TRY", "BODY", "WHY",
        ],
        entries.iter().map(|e| {
            vec![
                e.id.to_string(),
                e.state.to_string(),
                e.request.group_id.clone(),
                e.msg_tid().to_string(),
                e.attempts.to_string(),
                if e.state == State::Queued {
                    format_time(&e.next_attempt_at)
                } else {
                    String::new()
                },
                short(e.request.body.as_deref().unwrap_or(""), 40),
                why(e),
            ]
        }),
    );
    let counts = outbox.counts().map_err(outbox_failure)?;
    let summary: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    eprintln!(
        "{}",
        if summary.is_empty() {
            "the outbox is empty".to_string()
        } else {
            summary.join(" · ")
        }
    );
    Ok(())
}

fn drop_entry(global: &GlobalArgs, paths: &Paths, args: DropArgs) -> Result<(), Failure> {
    if global.read_only {
        return Err(Failure::usage(
            "refused: --read-only forbids dropping messages",
        ));
    }
    let outbox = open_outbox(paths)?;
    let entry = outbox.discard(args.id).map_err(outbox_failure)?;
    if args.json {
        return print_json(&entry);
    }
    eprintln!(
        "dropped outbox entry {} (group {}, MsgTid {}); it stays listed as discarded",
        entry.id,
        entry.request.group_id,
        entry.msg_tid()
    );
    Ok(())
}

#[derive(Serialize)]
struct RetryOutput {
    #[serde(flatten)]
    report: DeliveryReport,
    /// Entries with an unknown outcome that --all leaves alone.
    left_outcome_unknown: Vec<i64>,
}

async fn retry(global: &GlobalArgs, paths: &Paths, args: RetryArgs) -> Result<(), Failure> {
    if global.read_only {
        return Err(Failure::usage("refused: --read-only forbids sending"));
    }
    let outbox = open_outbox(paths)?;
    // Pick and requeue before connecting, so a wrong ID fails fast.
    let mut ids = Vec::new();
    let mut left_unknown = Vec::new();
    if let Some(id) = args.id {
        let entry = outbox.get(id).map_err(outbox_failure)?;
        if entry.state == State::OutcomeUnknown {
            eprintln!(
                "note: entry {id} may already have been delivered; it is resent with the same MsgTid {}",
                entry.msg_tid()
            );
        }
        outbox.requeue(id, None).map_err(outbox_failure)?;
        ids.push(id);
    } else {
        for e in outbox
            .list(&ListFilter::default())
            .map_err(outbox_failure)?
        {
            match e.state {
                State::Queued | State::Failed => {
                    outbox.requeue(e.id, None).map_err(outbox_failure)?;
                    ids.push(e.id);
                }
                State::OutcomeUnknown => left_unknown.push(e.id),
                _ => {}
            }
        }
    }
    let report = if ids.is_empty() {
        DeliveryReport::default()
    } else {
        let session = super::connect(global).await?;
        deliver_entries(&outbox, &session.client, ids, &DeliverOptions::default())
            .await
            .map_err(outbox_failure)?
    };
    let problems = report.failed.len() + report.outcome_unknown.len() + report.requeued.len();
    if args.json {
        print_json(&RetryOutput {
            report,
            left_outcome_unknown: left_unknown,
        })?;
    } else {
        eprintln!(
            "{} delivered · {} back in the queue (will retry) · {} failed · {} outcome unknown · {} not attempted",
            report.delivered.len(),
            report.requeued.len(),
            report.failed.len(),
            report.outcome_unknown.len(),
            report.skipped.len()
        );
        if !left_unknown.is_empty() {
            eprintln!(
                "{} entries with an unknown outcome were left alone (retry them one by one by ID): {:?}",
                left_unknown.len(),
                left_unknown
            );
        }
        if problems > 0 {
            eprintln!("see `livemod outbox list` for the reasons");
        }
    }
    if problems > 0 {
        return Err(Failure::runtime("some messages were not delivered"));
    }
    Ok(())
}
