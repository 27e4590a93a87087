//! `livemod outbox …`: see what is waiting, send it again, or drop it.
//!
//! Every entry names its target (endpoint, AccessKeyId, profile, app, data
//! center); `retry` sends only entries for the backend and key this run talks
//! to and reports each entry's result.

use std::sync::Arc;

use chrono::Utc;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::GlobalArgs;
use super::output::{Failure, print_json, print_table};
use crate::audit::AuditLog;
use crate::config::Paths;
use crate::outbox::{
    DeliverOptions, DeliveryReport, Entry, ListFilter, Outbox, OutboxError, State, Target,
    deliver_entries,
};
use crate::util::time::format_time;

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List stored messages, where each one is going and its delivery state.
    List(ListArgs),
    /// Send again: one entry by ID, or with --all every queued and failed one
    /// for this backend and key. Entries with an unknown outcome are only
    /// resent by ID (they may have been delivered already); entries for
    /// another backend or past their expiry are left alone.
    Retry(RetryArgs),
    /// Drop a message that is not delivered (it stays listed as discarded).
    Drop(DropArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only entries in this state.
    #[arg(long, value_name = "STATE", value_parser = parse_state)]
    pub state: Option<State>,
    /// Print JSON (every field, including the target) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The entry to send again (its ID in `livemod outbox list`).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub id: Option<i64>,
    /// Every queued and failed entry for this backend and key.
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DropArgs {
    /// The entry to drop (its ID in `livemod outbox list`).
    pub id: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_state(s: &str) -> Result<State, crate::outbox::UnknownState> {
    s.parse()
}

/// Opens the outbox in `paths` (creating the data directory) with an audit log.
fn open_outbox(paths: &Paths) -> Result<Outbox, Failure> {
    let dir = paths
        .ensure_data_dir()
        .map_err(|e| Failure::runtime(format!("{}: {e}", paths.data_dir.display())))?;
    let audit = AuditLog::in_dir(dir)
        .map_err(|e| Failure::runtime(format!("cannot open the audit log: {e}")))?;
    let outbox = Outbox::in_dir(dir)
        .map_err(outbox_failure)?
        .with_audit(Arc::new(audit));
    report_recovered(&outbox);
    Ok(outbox)
}

fn report_recovered(outbox: &Outbox) {
    if outbox.recovered_on_open() > 0 {
        eprintln!(
            "livemod: {} message(s) were being sent when livemod stopped; they are now outcome_unknown (check the group, then `livemod outbox retry ID` or `drop ID`)",
            outbox.recovered_on_open()
        );
    }
}

fn outbox_failure(e: OutboxError) -> Failure {
    if e.is_usage() {
        Failure::usage(e.to_string())
    } else {
        Failure::runtime(e.to_string())
    }
}

/// The data directory's namespace: `--demo` has its own.
fn paths_for(global: &GlobalArgs) -> Result<Paths, Failure> {
    let paths = Paths::discover().map_err(|e| Failure::usage(e.to_string()))?;
    Ok(if global.demo { paths.demo() } else { paths })
}

pub(crate) async fn run(global: &GlobalArgs, cmd: OutboxCommand) -> Result<(), Failure> {
    match cmd {
        OutboxCommand::List(args) => list(&paths_for(global)?, args),
        OutboxCommand::Drop(args) => drop_entry(global, &paths_for(global)?, args),
        OutboxCommand::Retry(args) => retry(global, args).await,
    }
}

/// One line, control characters made visible as spaces, cut to `max` characters.
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
            short(e.delivered_request_id.as_deref().unwrap_or("?"), 40)
        ),
        (Some(err), _) => {
            let mut s = short(&err.reason, 60);
            s.push_str(&format!(" ({})", short(&err.code, 30)));
            if let Some(r) = &err.request_id {
                s.push_str(&format!(" [RequestId {}]", short(r, 40)));
            }
            s
        }
        (None, _) => String::new(),
    }
}

fn target_label(e: &Entry) -> String {
    let place = match &e.target {
        Some(t) => t.label(),
        None => "not recorded (older livemod)".to_string(),
    };
    let app = match e.request.data_center {
        Some(dc) => format!("{}/{}", e.request.app_id, dc.as_str()),
        None => e.request.app_id.clone(),
    };
    short(&format!("{place} · app {app}"), 80)
}

/// The outbox as it can be opened: writable (recovering what a dead process
/// left in flight), or, in a directory this user cannot write, read-only.
fn open_for_listing(paths: &Paths) -> Result<Outbox, Failure> {
    let file = paths.data_dir.join(crate::outbox::FILE_NAME);
    match Outbox::open(&file) {
        Ok(outbox) => Ok(outbox),
        Err(writable) => Outbox::open_read_only(&file).map_err(|read_only| {
            tracing::debug!(%writable, "the outbox cannot be opened writable");
            outbox_failure(read_only)
        }),
    }
}

fn list(paths: &Paths, args: ListArgs) -> Result<(), Failure> {
    // Listing needs no writable data directory: no outbox file, nothing queued.
    if !paths.data_dir.join(crate::outbox::FILE_NAME).exists() {
        if args.json {
            return print_json(&Vec::<Entry>::new());
        }
        eprintln!("the outbox is empty");
        return Ok(());
    }
    let outbox = open_for_listing(paths)?;
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
            "ID", "STATE", "GROUP", "TARGET", "MSGTID", "TRIES", "NEXT TRY", "EXPIRES", "BODY",
            "WHY",
        ],
        entries.iter().map(|e| {
            let open = matches!(e.state, State::Queued | State::Failed);
            vec![
                e.id.to_string(),
                e.state.to_string(),
                short(&e.request.group_id, 64),
                target_label(e),
                short(e.msg_tid(), 64),
                e.attempts.to_string(),
                if e.state == State::Queued {
                    format_time(&e.next_attempt_at)
                } else {
                    String::new()
                },
                match (open, e.expires_at) {
                    (true, Some(at)) => format_time(&at),
                    _ => String::new(),
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
        short(&entry.request.group_id, 64),
        short(entry.msg_tid(), 64)
    );
    Ok(())
}

/// What happened to one entry in a retry.
#[derive(Debug, Serialize)]
struct EntryResult {
    id: i64,
    group_id: String,
    /// delivered, requeued, failed, outcome_unknown, expired, other_backend,
    /// skipped (claimed by another process or held behind an earlier message).
    result: &'static str,
    /// Why, in words.
    reason: String,
    target: Option<Target>,
}

#[derive(Serialize)]
struct RetryOutput {
    #[serde(flatten)]
    report: DeliveryReport,
    /// Entries with an unknown outcome that --all leaves alone.
    left_outcome_unknown: Vec<i64>,
    results: Vec<EntryResult>,
}

fn result_of(report: &DeliveryReport, id: i64) -> &'static str {
    let lists: [(&Vec<i64>, &'static str); 7] = [
        (&report.delivered, "delivered"),
        (&report.requeued, "requeued"),
        (&report.failed, "failed"),
        (&report.outcome_unknown, "outcome_unknown"),
        (&report.expired, "expired"),
        (&report.other_backend, "other_backend"),
        (&report.skipped, "skipped"),
    ];
    lists
        .iter()
        .find(|(ids, _)| ids.contains(&id))
        .map_or("skipped", |(_, name)| name)
}

fn describe(outbox: &Outbox, report: &DeliveryReport, id: i64) -> EntryResult {
    let result = result_of(report, id);
    let entry = outbox.get(id).ok();
    let reason = match (result, &entry) {
        ("delivered", Some(e)) => format!(
            "delivered (RequestId {})",
            e.delivered_request_id.as_deref().unwrap_or("?")
        ),
        ("other_backend", Some(e)) => match &e.target {
            Some(t) => format!("for another backend: {}", t.label()),
            None => "no backend recorded (queued by an older livemod): retry it by ID to send it to this backend".to_string(),
        },
        ("skipped", _) => {
            "not attempted: being sent by another process, or waiting behind an earlier message to its group".to_string()
        }
        (_, Some(e)) => e
            .last_error
            .as_ref()
            .map(|err| err.reason.clone())
            .unwrap_or_default(),
        (_, None) => String::new(),
    };
    EntryResult {
        id,
        group_id: entry
            .as_ref()
            .map(|e| e.request.group_id.clone())
            .unwrap_or_default(),
        result,
        reason,
        target: entry.and_then(|e| e.target),
    }
}

async fn retry(global: &GlobalArgs, args: RetryArgs) -> Result<(), Failure> {
    if global.read_only {
        return Err(Failure::usage("refused: --read-only forbids sending"));
    }
    // Connect first: which backend and key this run talks to decides what it
    // may send (and --demo has its own outbox).
    let session = super::connect(global).await?;
    let current = Target::of_client(&session.client);
    let outbox = session.open_outbox().map_err(outbox_failure)?;
    report_recovered(&outbox);
    let mut report = DeliveryReport::default();
    let mut ids = Vec::new();
    let mut left_unknown = Vec::new();
    if let Some(id) = args.id {
        let entry = outbox.get(id).map_err(outbox_failure)?;
        if entry.state == State::OutcomeUnknown {
            eprintln!(
                "note: entry {id} may already have been delivered; it is resent with the same MsgTid {}",
                short(entry.msg_tid(), 64)
            );
        }
        // Refuses an entry for another backend; adopts one that recorded none.
        outbox.requeue(id, None).map_err(outbox_failure)?;
        ids.push(id);
    } else {
        report.expired = outbox.expire_stale(Utc::now()).map_err(outbox_failure)?;
        for e in outbox
            .list(&ListFilter::default())
            .map_err(outbox_failure)?
        {
            match e.state {
                State::Queued | State::Failed if !e.is_for(&current) => {
                    report.other_backend.push(e.id)
                }
                State::Queued | State::Failed => match outbox.requeue(e.id, None) {
                    Ok(_) => ids.push(e.id),
                    // Another process claimed or changed it since the listing.
                    Err(OutboxError::InvalidTransition { .. }) => report.skipped.push(e.id),
                    Err(err) => return Err(outbox_failure(err)),
                },
                State::OutcomeUnknown => left_unknown.push(e.id),
                _ => {}
            }
        }
    }
    if !ids.is_empty() {
        let sent = deliver_entries(&outbox, &session.client, ids, &DeliverOptions::default())
            .await
            .map_err(outbox_failure)?;
        report.merge(sent);
    }
    let mut all_ids: Vec<i64> = [
        &report.delivered,
        &report.requeued,
        &report.failed,
        &report.outcome_unknown,
        &report.expired,
        &report.other_backend,
        &report.skipped,
    ]
    .into_iter()
    .flatten()
    .copied()
    .collect();
    all_ids.sort_unstable();
    all_ids.dedup();
    let results: Vec<EntryResult> = all_ids
        .into_iter()
        .map(|id| describe(&outbox, &report, id))
        .collect();
    let problems = report.failed.len()
        + report.outcome_unknown.len()
        + report.requeued.len()
        + report.expired.len();
    if args.json {
        print_json(&RetryOutput {
            report,
            left_outcome_unknown: left_unknown,
            results,
        })?;
    } else {
        for r in &results {
            eprintln!(
                "  entry {} (group {}): {}: {}",
                r.id,
                short(&r.group_id, 64),
                r.result,
                short(&r.reason, 160)
            );
        }
        eprintln!(
            "{} delivered · {} back in the queue (will retry) · {} failed · {} outcome unknown · {} expired · {} for another backend · {} not attempted",
            report.delivered.len(),
            report.requeued.len(),
            report.failed.len(),
            report.outcome_unknown.len(),
            report.expired.len(),
            report.other_backend.len(),
            report.skipped.len()
        );
        if !left_unknown.is_empty() {
            eprintln!(
                "{} entries with an unknown outcome were left alone (retry them one by one by ID): {:?}",
                left_unknown.len(),
                left_unknown
            );
        }
    }
    if problems > 0 {
        return Err(Failure::runtime("some messages were not delivered"));
    }
    Ok(())
}
