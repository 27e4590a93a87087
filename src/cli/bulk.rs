//! `livemod groups create --from-file` and `livemod groups send --to-file | --to-status`:
//! bulk work with a progress bar, a summary, a failures file, and a clean Ctrl-C.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::output::{Failure, describe_api_error, print_json};
use crate::api::{
    CreateGroupRequest, GroupStatus, ListGroupsRequest, SendMessageRequest, new_msg_tid,
};
use crate::bulk::{self, BulkOptions, BulkReport, CreateFormat, Outcome, Progress};
use crate::outbox::{self, Disposition, LastError};
use crate::session::Session;

/// A parsed create file, ready to run.
pub struct CreatePlan {
    pub path: PathBuf,
    pub format: CreateFormat,
    pub requests: Vec<CreateGroupRequest>,
}

/// Reads and checks the whole file before anything is sent (usage error, exit 2).
pub fn plan_creates(path: &Path, session: &Session) -> Result<CreatePlan, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let format = bulk::detect_create_format(path, &text);
    let rows = bulk::parse_creates(
        &text,
        format,
        &session.app_id,
        session.data_center,
        Some(&session.moderator_id),
    )
    .map_err(|e| Failure::usage(format!("{}:\n{e}\nnothing was sent", path.display())))?;
    Ok(CreatePlan {
        path: path.to_path_buf(),
        format,
        requests: rows.into_iter().map(|l| l.item).collect(),
    })
}

/// Where failures go: `--failures PATH`, else `<input>.failed`.
fn failures_path(input: &Path, explicit: Option<&Path>) -> PathBuf {
    explicit.map(Path::to_path_buf).unwrap_or_else(|| {
        let mut p = input.as_os_str().to_os_string();
        p.push(".failed");
        PathBuf::from(p)
    })
}

fn progress_bar(total: usize, what: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{{spinner}} {what} {{pos}}/{{len}} [{{bar:30}}] {{per_sec}} · {{msg}}"
    )) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// Ctrl-C cancels: nothing new starts, calls in flight finish.
fn cancel_on_ctrl_c() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\nlivemod: stopping: no new calls; waiting for the ones in flight to answer…"
            );
            t.cancel();
        }
    });
    token
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub not_attempted: usize,
    pub throttled_replies: u32,
    pub wall_time_ms: u128,
    pub calls_per_second: f64,
    pub cancelled: bool,
    pub failures_file: Option<String>,
    pub failures: Vec<ItemFailure>,
}

#[derive(Debug, Serialize)]
pub struct ItemFailure {
    pub group_id: String,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// For sends: whether the message may have been delivered anyway.
    pub outcome_unknown: bool,
    /// Put in the outbox (`--queue-failed`).
    pub queued_in_outbox: Option<i64>,
}

fn summary<R>(report: &BulkReport<R>, failures: Vec<ItemFailure>, file: Option<&Path>) -> Summary {
    let p = report.progress;
    Summary {
        total: p.total,
        done: p.done,
        failed: p.failed,
        not_attempted: p.not_attempted,
        throttled_replies: p.throttled_replies,
        wall_time_ms: report.elapsed.as_millis(),
        calls_per_second: (report.calls_per_second() * 10.0).round() / 10.0,
        cancelled: report.cancelled,
        failures_file: file.map(|f| f.display().to_string()),
        failures,
    }
}

fn print_summary(s: &Summary, verb: &str, json: bool) -> Result<(), Failure> {
    if json {
        print_json(s)?;
    } else {
        for f in &s.failures {
            // The message already names the code and RequestId.
            let mut line = format!("  {}: {}", f.group_id, f.message);
            if let Some(id) = f.queued_in_outbox {
                line.push_str(&format!(" → outbox entry {id}"));
            }
            eprintln!("{line}");
        }
        eprintln!(
            "{}{} {verb} · {} failed · {} not attempted · {} throttled replies · {:.1}s ({:.1} calls/s)",
            if s.cancelled {
                "stopped by Ctrl-C: "
            } else {
                ""
            },
            s.done,
            s.failed,
            s.not_attempted,
            s.throttled_replies,
            s.wall_time_ms as f64 / 1000.0,
            s.calls_per_second
        );
        if let Some(f) = &s.failures_file {
            eprintln!(
                "what was not done is in {f} (same format as the input; feed it back to retry)"
            );
        }
    }
    if s.failed > 0 || s.not_attempted > 0 {
        return Err(Failure::runtime(format!(
            "{} of {} not done",
            s.failed + s.not_attempted,
            s.total
        )));
    }
    Ok(())
}

fn on_progress<R>(bar: &Option<ProgressBar>) -> impl FnMut(&Progress, &bulk::ItemResult<R>) + '_ {
    move |p, _| {
        if let Some(bar) = bar {
            bar.set_position(p.finished() as u64);
            bar.set_message(format!(
                "{} failed · {} throttled",
                p.failed, p.throttled_replies
            ));
        }
    }
}

pub async fn create_from_file(
    session: &Session,
    plan: CreatePlan,
    failures: Option<&Path>,
    json: bool,
) -> Result<(), Failure> {
    let cancel = cancel_on_ctrl_c();
    let bar = progress_bar(plan.requests.len(), "creating");
    let report = bulk::run(
        &session.client,
        &plan.requests,
        &BulkOptions::default(),
        &cancel,
        on_progress(&bar),
    )
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut not_done: Vec<&CreateGroupRequest> = Vec::new();
    let mut failed = Vec::new();
    let mut deleted_ids = 0;
    for item in &report.items {
        let req = &plan.requests[item.index];
        match &item.outcome {
            Outcome::Done(r) if r.already_delete => deleted_ids += 1,
            Outcome::Done(_) => {}
            Outcome::Failed(e) => {
                not_done.push(req);
                failed.push(ItemFailure {
                    group_id: req.group_id.clone(),
                    code: e.code().unwrap_or("Error").to_string(),
                    message: describe_api_error(e),
                    request_id: e.request_id().map(str::to_string),
                    outcome_unknown: false,
                    queued_in_outbox: None,
                });
            }
            Outcome::NotAttempted => not_done.push(req),
        }
    }
    let file = failures_path(&plan.path, failures);
    let written = if not_done.is_empty() {
        None
    } else {
        bulk::write_create_failures(&file, plan.format, &not_done)
            .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", file.display())))?;
        Some(file.as_path())
    };
    if deleted_ids > 0 && !json {
        eprintln!(
            "note: {deleted_ids} ID(s) belonged to deleted groups and cannot be used again (run `livemod groups list --status deleted`)"
        );
    }
    print_summary(
        &summary(&report, failed, written),
        "created or already there",
        json,
    )
}

/// Which groups get the message.
pub enum Targets {
    File(PathBuf),
    Status(GroupStatus),
}

pub struct SendPlan {
    pub template: SendMessageRequest,
    pub targets: Targets,
    pub queue_failed: bool,
    pub failures: Option<PathBuf>,
    pub json: bool,
}

/// Parses the target file before anything is sent.
pub fn read_target_file(path: &Path) -> Result<bulk::Targets, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    bulk::parse_targets(&text)
        .map_err(|e| Failure::usage(format!("{}:\n{e}\nnothing was sent", path.display())))
}

async fn groups_with_status(
    session: &Session,
    status: GroupStatus,
) -> Result<Vec<String>, Failure> {
    let mut request = ListGroupsRequest::new(&session.app_id);
    request.group_status = status;
    request.page_size = 50;
    request.data_center = session.data_center;
    let mut ids = Vec::new();
    loop {
        let reply = session.client.call(&request).await?;
        let empty = reply.group_list.is_empty();
        let pages = reply.page_count();
        ids.extend(
            reply
                .group_list
                .into_iter()
                .filter(|g| !g.delete || status == GroupStatus::Deleted)
                .map(|g| g.group_id),
        );
        if empty || request.page_number >= pages {
            break;
        }
        request.page_number += 1;
    }
    ids.dedup();
    Ok(ids)
}

pub async fn send_to_many(session: &Session, plan: SendPlan) -> Result<(), Failure> {
    let (groups, json_lines, input) = match &plan.targets {
        Targets::File(path) => {
            let t = read_target_file(path)?;
            (
                t.groups.into_iter().map(|g| g.item).collect::<Vec<_>>(),
                t.json_lines,
                Some(path.clone()),
            )
        }
        Targets::Status(status) => (groups_with_status(session, *status).await?, false, None),
    };
    if groups.is_empty() {
        return Err(Failure::usage("no target groups: nothing was sent"));
    }
    let requests: Vec<SendMessageRequest> = groups
        .iter()
        .map(|g| SendMessageRequest {
            group_id: g.clone(),
            // One MsgTid per group unless the user chose one; fixed before sending.
            msg_tid: Some(plan.template.msg_tid.clone().unwrap_or_else(new_msg_tid)),
            ..plan.template.clone()
        })
        .collect();
    let outbox = if plan.queue_failed {
        // Bound to this backend and key, with the configured expiry.
        Some(
            session
                .open_outbox()
                .map_err(|e| Failure::runtime(e.to_string()))?,
        )
    } else {
        None
    };
    let cancel = cancel_on_ctrl_c();
    let bar = progress_bar(requests.len(), "sending");
    let report = bulk::run(
        &session.client,
        &requests,
        &BulkOptions::default(),
        &cancel,
        on_progress(&bar),
    )
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut retry_later: Vec<&str> = Vec::new();
    let mut failed = Vec::new();
    for item in &report.items {
        let req = &requests[item.index];
        match &item.outcome {
            Outcome::Done(_) => {}
            Outcome::NotAttempted => retry_later.push(&req.group_id),
            Outcome::Failed(e) => {
                let disposition = outbox::classify(e);
                let unknown = disposition == Disposition::Unknown;
                let mut queued = None;
                if let Some(ob) = &outbox {
                    let stored = match disposition {
                        // Never processed: queue it with its MsgTid.
                        Disposition::Retry => ob.enqueue(req.clone()).map(Some),
                        // May be out: keep it, flagged, for a person to decide.
                        Disposition::Unknown => ob
                            .record_unknown(req.clone(), &LastError::from_api(e))
                            .map(Some),
                        _ => Ok(None),
                    };
                    queued = stored.map_err(|e| Failure::runtime(e.to_string()))?;
                }
                // An unknown outcome is not written to the failures file: re-running
                // it would send a second copy with a new MsgTid.
                if queued.is_none() && !unknown {
                    retry_later.push(&req.group_id);
                }
                failed.push(ItemFailure {
                    group_id: req.group_id.clone(),
                    code: e.code().unwrap_or("Error").to_string(),
                    message: describe_api_error(e),
                    request_id: e.request_id().map(str::to_string),
                    outcome_unknown: unknown,
                    queued_in_outbox: queued,
                });
            }
        }
    }
    let written = if retry_later.is_empty() {
        None
    } else {
        let file = match (&plan.failures, &input) {
            (Some(f), _) => f.clone(),
            (None, Some(i)) => failures_path(i, None),
            (None, None) => PathBuf::from("livemod-send.failed"),
        };
        bulk::write_target_failures(&file, json_lines, &retry_later)
            .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", file.display())))?;
        Some(file)
    };
    let unknown = failed.iter().filter(|f| f.outcome_unknown).count();
    if unknown > 0 && !plan.json {
        eprintln!(
            "warning: {unknown} send(s) lost the connection after sending and may have been delivered; they are not in the failures file{}",
            if outbox.is_some() {
                " (they are in the outbox as outcome_unknown)"
            } else {
                ""
            }
        );
    }
    let no_online = failed
        .iter()
        .filter(|f| f.message.contains("online") && f.queued_in_outbox.is_none())
        .count();
    if no_online > 0 && !plan.json {
        eprintln!(
            "hint: {no_online} group(s) had no online users; --queue-failed keeps such messages in the outbox and sends them later"
        );
    }
    print_summary(
        &summary(&report, failed, written.as_deref()),
        "sent",
        plan.json,
    )
}
