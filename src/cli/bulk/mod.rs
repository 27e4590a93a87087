//! `livemod groups create --from-file` and `livemod groups send --to-file | --to-status`:
//! bulk work with a progress bar, a summary, a failures file, a progress
//! journal that survives `kill -9`, and a clean stop on Ctrl-C, SIGTERM or SIGHUP.

mod record;

use record::{
    ItemFailure, audit_problems, finish_files, print_summary, recorder, safe, start_journal,
    summary,
};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

use super::output::Failure;
use crate::api::{
    CreateGroupRequest, GroupStatus, ListGroupsRequest, Operation, SendMessageRequest, new_msg_tid,
};
use crate::bulk::journal;
use crate::bulk::{self, BulkOptions, CreateFormat, InputError, Outcome, OutcomeKind};
use crate::outbox::LastError;
use crate::session::Session;

fn usage(e: InputError) -> Failure {
    Failure::usage(format!("{e}\nnothing was sent"))
}

/// A parsed create file, ready to run.
pub(crate) struct CreatePlan {
    pub path: PathBuf,
    pub format: CreateFormat,
    pub requests: Vec<CreateGroupRequest>,
    /// GroupIds a listing marked deleted (not created).
    pub skipped_deleted: Vec<String>,
}

/// Reads and checks the whole file before anything is sent (usage error, exit 2).
pub(crate) fn plan_creates(path: &Path, session: &Session) -> Result<CreatePlan, Failure> {
    let text = bulk::read_text_capped(
        path,
        bulk::input::MAX_CREATE_FILE_BYTES,
        " (an app holds at most 5,000 groups)",
    )
    .map_err(usage)?;
    let format = bulk::detect_create_format(path, &text);
    let input = bulk::parse_create_input(
        &text,
        format,
        &session.app_id,
        session.data_center,
        Some(&session.moderator_id),
    )
    .map_err(|errors| {
        usage(InputError::Parse {
            path: path.display().to_string(),
            errors,
        })
    })?;
    Ok(CreatePlan {
        path: path.to_path_buf(),
        format,
        requests: input.rows.into_iter().map(|l| l.item).collect(),
        skipped_deleted: input.skipped_deleted.into_iter().map(|l| l.item).collect(),
    })
}

/// A message body from `--body-file` (`-` is standard input), at most 15 KB.
pub(crate) fn read_body_file(path: &Path) -> Result<String, Failure> {
    bulk::read_body(path).map_err(|e| Failure::usage(format!("--body-file: {e}")))
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

/// Ctrl-C, SIGTERM and SIGHUP stop the run the same way: nothing new starts,
/// calls in flight finish, the failures file and summary are written. A
/// second signal exits at once (the progress journal is still accurate).
fn cancel_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        for round in 0.. {
            let Some(name) = next_stop_signal().await else {
                return;
            };
            if round > 0 {
                eprintln!(
                    "\nlivemod: {name} again: stopping now (the .progress journal says what was sent)"
                );
                std::process::exit(130);
            }
            eprintln!(
                "\nlivemod: {name}: stopping: no new calls; waiting for the ones in flight to answer…"
            );
            t.cancel();
        }
    });
    token
}

#[cfg(unix)]
async fn next_stop_signal() -> Option<&'static str> {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return tokio::signal::ctrl_c().await.ok().map(|()| "Ctrl-C");
    };
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.ok().map(|()| "Ctrl-C"),
        _ = term.recv() => Some("SIGTERM"),
        _ = hup.recv() => Some("SIGHUP"),
    }
}

#[cfg(not(unix))]
async fn next_stop_signal() -> Option<&'static str> {
    tokio::signal::ctrl_c().await.ok().map(|()| "Ctrl-C")
}

pub(crate) async fn create_from_file(
    session: &Session,
    plan: CreatePlan,
    failures: Option<&Path>,
    json: bool,
) -> Result<(), Failure> {
    let file = failures_path(&plan.path, failures);
    let ids: Vec<&str> = plan.requests.iter().map(|r| r.group_id.as_str()).collect();
    let rows = |indices: &[usize]| -> Vec<&CreateGroupRequest> {
        indices.iter().map(|i| &plan.requests[*i]).collect()
    };
    let header = journal::Header {
        action: CreateGroupRequest::ACTION.into(),
        input: plan.path.display().to_string(),
        total: ids.len(),
        started: chrono::Utc::now(),
        pid: std::process::id(),
    };
    let (mut journal, mut not_recorded) = start_journal(
        &file,
        header,
        &ids,
        bulk::repeat_is_harmless::<CreateGroupRequest>(),
        |idx| bulk::write_create_failures(&file, plan.format, &rows(idx)),
    )?;
    if !plan.skipped_deleted.is_empty() && !json {
        eprintln!(
            "note: {} listed group(s) are deleted and were skipped: {}",
            plan.skipped_deleted.len(),
            safe(&plan.skipped_deleted.join(", "))
        );
    }
    let cancel = cancel_on_signals();
    let bar = progress_bar(plan.requests.len(), "creating");
    let report = bulk::run(
        &session.client,
        &plan.requests,
        &BulkOptions::default(),
        &cancel,
        recorder(&mut journal, &ids, &bar),
    )
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut not_done: Vec<usize> = Vec::new();
    let mut failed = Vec::new();
    let mut unchanged = 0;
    for item in &report.items {
        let req = &plan.requests[item.index];
        match &item.outcome {
            Outcome::Done(r) if r.already_exists || r.already_delete => {
                unchanged += 1;
                not_done.push(item.index);
                let (code, message) = if r.already_delete {
                    (
                        "AlreadyDeleted",
                        "this ID belonged to a group that was deleted; it cannot be used again",
                    )
                } else {
                    (
                        "AlreadyExists",
                        "a group with this ID already exists (unchanged)",
                    )
                };
                failed.push(ItemFailure {
                    group_id: req.group_id.clone(),
                    outcome: OutcomeKind::Done,
                    code: code.into(),
                    message: message.into(),
                    request_id: Some(r.request_id.clone()),
                    outcome_unknown: false,
                    queued_in_outbox: None,
                });
            }
            Outcome::Done(_) => {}
            Outcome::NotAttempted => not_done.push(item.index),
            outcome => {
                not_done.push(item.index);
                if let Some(e) = outcome.error() {
                    failed.push(ItemFailure::from_error(&req.group_id, outcome.kind(), e));
                }
            }
        }
    }
    let mut s = summary(&report, failed);
    // Done by the engine, but the service changed nothing: not "created".
    s.done -= unchanged;
    s.unchanged = unchanged;
    finish_files(
        &mut s,
        &file,
        journal,
        &not_done,
        |idx| bulk::write_create_failures(&file, plan.format, &rows(idx)),
        &mut not_recorded,
    );
    not_recorded.extend(audit_problems());
    s.not_recorded = not_recorded;
    print_summary(&s, "created", json)
}

/// Which groups get the message.
pub(crate) enum Targets {
    File(PathBuf),
    Status(GroupStatus),
}

pub(crate) struct SendPlan {
    pub template: SendMessageRequest,
    pub targets: Targets,
    pub queue_failed: bool,
    pub failures: Option<PathBuf>,
    pub json: bool,
}

/// Parses the target file before anything is sent (bounded: see `bulk::read_targets`).
pub(crate) fn read_target_file(path: &Path) -> Result<bulk::Targets, Failure> {
    bulk::read_targets(path).map_err(usage)
}

/// The arguments every target shares are checked once, before anything is
/// sent: a bad sender or body is one usage error, not one refusal per group.
pub(crate) fn check_shared(
    session: &Session,
    template: &SendMessageRequest,
) -> Result<(), Failure> {
    let probe = SendMessageRequest {
        group_id: "probe".into(),
        ..template.clone()
    };
    probe
        .validate()
        .map_err(|e| Failure::usage(format!("{e}\nnothing was sent")))?;
    if let Some(number) = template.msg_type {
        let catalogue = crate::catalogue::Catalogue::load(Some(&session.paths.config_dir))
            .map_err(|e| Failure::usage(e.to_string()))?;
        if let Some(t) = catalogue.get(number) {
            t.check_body(template.body.as_deref().unwrap_or(""))
                .map_err(|e| Failure::usage(format!("{e}\nnothing was sent")))?;
        }
    }
    Ok(())
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
        if empty || request.page_number >= pages || ids.len() > bulk::input::MAX_GROUPS {
            break;
        }
        request.page_number += 1;
    }
    ids.dedup();
    Ok(ids)
}

pub(crate) async fn send_to_many(session: &Session, plan: SendPlan) -> Result<(), Failure> {
    check_shared(session, &plan.template)?;
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
                .map_err(|e| Failure::runtime(format!("{e}\nnothing was sent")))?,
        )
    } else {
        None
    };
    let file = match (&plan.failures, &input) {
        (Some(f), _) => f.clone(),
        (None, Some(i)) => failures_path(i, None),
        (None, None) => PathBuf::from("livemod-send.failed"),
    };
    let ids: Vec<&str> = groups.iter().map(String::as_str).collect();
    let header = journal::Header {
        action: SendMessageRequest::ACTION.into(),
        input: input
            .as_ref()
            .map_or_else(|| "--to-status".into(), |p| p.display().to_string()),
        total: ids.len(),
        started: chrono::Utc::now(),
        pid: std::process::id(),
    };
    let write_ids = |idx: &[usize]| {
        let list: Vec<&str> = idx.iter().map(|i| ids[*i]).collect();
        bulk::write_target_failures(&file, json_lines, &list)
    };
    let (mut journal, mut not_recorded) = start_journal(
        &file,
        header,
        &ids,
        bulk::repeat_is_harmless::<SendMessageRequest>(),
        write_ids,
    )?;
    let cancel = cancel_on_signals();
    let bar = progress_bar(requests.len(), "sending");
    let report = bulk::run(
        &session.client,
        &requests,
        &BulkOptions::default(),
        &cancel,
        recorder(&mut journal, &ids, &bar),
    )
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut retry_later: Vec<usize> = Vec::new();
    let mut failed = Vec::new();
    for item in &report.items {
        let req = &requests[item.index];
        let kind = item.outcome.kind();
        let Some(e) = item.outcome.error() else {
            if kind == OutcomeKind::NotAttempted {
                retry_later.push(item.index);
            }
            continue;
        };
        let mut f = ItemFailure::from_error(&req.group_id, kind, e);
        if let Some(ob) = &outbox {
            let stored = match kind {
                // Never processed: queue it with its MsgTid.
                OutcomeKind::NotSent => ob.enqueue(req.clone()).map(Some),
                // May be out: keep it, flagged, for a person to decide.
                OutcomeKind::Unknown => ob
                    .record_unknown(req.clone(), &LastError::from_api(e))
                    .map(Some),
                _ => Ok(None),
            };
            match stored {
                Ok(id) => f.queued_in_outbox = id,
                Err(err) => not_recorded.push(format!(
                    "outbox entry for {} ({}): {err}",
                    safe(&req.group_id),
                    kind.label()
                )),
            }
        }
        // An unknown outcome never goes in the failures file: re-running it
        // would send a second copy with a new MsgTid.
        if f.queued_in_outbox.is_none() && kind != OutcomeKind::Unknown {
            retry_later.push(item.index);
        }
        failed.push(f);
    }
    let mut s = summary(&report, failed);
    finish_files(
        &mut s,
        &file,
        journal,
        &retry_later,
        write_ids,
        &mut not_recorded,
    );
    not_recorded.extend(audit_problems());
    s.not_recorded = not_recorded;
    if s.outcome_unknown > 0 && !plan.json {
        eprintln!(
            "warning: {} send(s) may have been delivered (outcome unknown); they are not in the failures file{}",
            s.outcome_unknown,
            if outbox.is_some() {
                " (they are in the outbox as outcome_unknown)"
            } else {
                ""
            }
        );
    }
    let no_online = s
        .failures
        .iter()
        .filter(|f| f.message.contains("online") && f.queued_in_outbox.is_none())
        .count();
    if no_online > 0 && !plan.json {
        eprintln!(
            "hint: {no_online} group(s) had no online users; --queue-failed keeps such messages in the outbox and sends them later"
        );
    }
    print_summary(&s, "sent", plan.json)
}
