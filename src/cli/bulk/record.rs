//! What a bulk run records and says: the progress journal (and recovery from
//! an interrupted run's), the failures file, and the summary.

use std::path::Path;

use indicatif::ProgressBar;
use serde::Serialize;

use crate::bulk::journal::{self, Journal};
use crate::bulk::{BulkReport, OutcomeKind, Update};
use crate::cli::output::{Failure, describe_api_error, print_json};

#[derive(Debug, Serialize)]
pub(super) struct Summary {
    pub total: usize,
    pub done: usize,
    /// Ended without being done (refused + not sent + outcome unknown).
    pub failed: usize,
    pub refused: usize,
    pub not_sent: usize,
    pub outcome_unknown: usize,
    pub not_attempted: usize,
    /// Creates the service answered "already exists" or "was deleted".
    pub unchanged: usize,
    pub throttled_replies: u32,
    pub wall_time_ms: u128,
    pub calls_per_second: f64,
    pub cancelled: bool,
    pub failures_file: Option<String>,
    /// What could not be written (failures file, journal, outbox, audit log).
    pub not_recorded: Vec<String>,
    pub failures: Vec<ItemFailure>,
}

#[derive(Debug, Serialize)]
pub(super) struct ItemFailure {
    pub group_id: String,
    /// done (with nothing changed), refused, not_sent or unknown.
    pub outcome: OutcomeKind,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// For sends: whether the message may have been delivered anyway.
    pub outcome_unknown: bool,
    /// Put in the outbox (`--queue-failed`).
    pub queued_in_outbox: Option<i64>,
}

impl ItemFailure {
    pub(super) fn from_error(group_id: &str, kind: OutcomeKind, e: &crate::api::ApiError) -> Self {
        Self {
            group_id: group_id.to_string(),
            outcome: kind,
            code: e.code().unwrap_or("Error").to_string(),
            message: describe_api_error(e),
            request_id: e.request_id().map(str::to_string),
            outcome_unknown: kind == OutcomeKind::Unknown,
            queued_in_outbox: None,
        }
    }
}

pub(super) fn summary<R>(report: &BulkReport<R>, failures: Vec<ItemFailure>) -> Summary {
    let p = report.progress;
    Summary {
        total: p.total,
        done: p.done,
        failed: p.failed,
        refused: p.refused(),
        not_sent: p.not_sent,
        outcome_unknown: p.unknown,
        not_attempted: p.not_attempted,
        unchanged: 0,
        throttled_replies: p.throttled_replies,
        wall_time_ms: report.elapsed.as_millis(),
        calls_per_second: (report.calls_per_second() * 10.0).round() / 10.0,
        cancelled: report.cancelled,
        failures_file: None,
        not_recorded: Vec::new(),
        failures,
    }
}

pub(super) fn print_summary(s: &Summary, verb: &str, json: bool) -> Result<(), Failure> {
    if json {
        print_json(s)?;
    } else {
        for f in &s.failures {
            // The message already names the code and RequestId.
            // A create the service answered "already there" is done but changed nothing.
            let label = match f.outcome {
                OutcomeKind::Done => "unchanged",
                other => other.label(),
            };
            let mut line = format!("  {}: {label}: {}", safe(&f.group_id), safe(&f.message));
            if let Some(id) = f.queued_in_outbox {
                line.push_str(&format!(" → outbox entry {id}"));
            }
            eprintln!("{line}");
        }
        eprintln!(
            "{}{} {verb}{} · {} refused · {} not sent · {} outcome unknown · {} not attempted · {} throttled replies · {:.1}s ({:.1} calls/s)",
            if s.cancelled { "stopped: " } else { "" },
            s.done,
            if s.unchanged > 0 {
                format!(
                    " · {} unchanged (the ID exists or was deleted)",
                    s.unchanged
                )
            } else {
                String::new()
            },
            s.refused,
            s.not_sent,
            s.outcome_unknown,
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
        for what in &s.not_recorded {
            eprintln!("error: NOT RECORDED: {what}");
        }
    }
    let not_done = s.failed + s.not_attempted + s.unchanged;
    if not_done > 0 {
        return Err(Failure::runtime(format!(
            "{not_done} of {} not done",
            s.total
        )));
    }
    if !s.not_recorded.is_empty() {
        return Err(Failure::runtime(
            "some of this run could not be recorded (see above)",
        ));
    }
    Ok(())
}

/// Service text shown on a terminal: control characters made visible.
pub(super) fn safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// Journals each start and end, and moves the progress bar.
pub(super) fn recorder<'a, R>(
    journal: &'a mut Option<Journal>,
    ids: &'a [&'a str],
    bar: &'a Option<ProgressBar>,
) -> impl FnMut(Update<'_, R>) + Send + 'a {
    move |update| match update {
        Update::Started { index } => {
            if let Some(j) = journal.as_mut() {
                j.started(ids[index]);
            }
        }
        Update::Finished { progress, item } => {
            if let Some(j) = journal.as_mut() {
                j.ended(ids[item.index], item.outcome.kind());
            }
            if let Some(bar) = bar {
                bar.set_position(progress.finished() as u64);
                bar.set_message(format!(
                    "{} failed · {} throttled",
                    progress.failed, progress.throttled_replies
                ));
            }
        }
    }
}

/// Starts the progress journal, or — when one is left from an interrupted
/// run over the same input — turns it into a failures file and stops.
pub(super) fn start_journal(
    failures: &Path,
    header: journal::Header,
    ids: &[&str],
    harmless_repeat: bool,
    write_failures: impl FnOnce(&[usize]) -> std::io::Result<()>,
) -> Result<(Option<Journal>, Vec<String>), Failure> {
    let path = journal::path_for(failures);
    if path.exists() {
        // A journal of another input or operation (a shared --failures path)
        // says nothing about this one: never guess from it.
        if let Ok(record) = journal::read(&path)
            && let Some(old) = record
                .header
                .filter(|old| old.input != header.input || old.action != header.action)
        {
            return Err(Failure::usage(format!(
                "{} holds the journal of an interrupted {} over {}: run that again to recover it (or remove the file); nothing was sent",
                path.display(),
                old.action,
                old.input
            )));
        }
        return Err(recover(
            &path,
            failures,
            ids,
            harmless_repeat,
            write_failures,
        ));
    }
    match Journal::create(&path, header) {
        Ok(j) => Ok((Some(j), Vec::new())),
        Err(e) => Ok((
            None,
            vec![format!(
                "progress journal {}: {e} (a kill -9 would leave no record)",
                path.display()
            )],
        )),
    }
}

pub(super) fn recover(
    path: &Path,
    failures: &Path,
    ids: &[&str],
    harmless_repeat: bool,
    write_failures: impl FnOnce(&[usize]) -> std::io::Result<()>,
) -> Failure {
    let record = match journal::read(path) {
        Ok(r) => r,
        Err(e) => return Failure::runtime(format!("cannot read {}: {e}", path.display())),
    };
    let unknown: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| record.items.get(*id) == Some(&OutcomeKind::Unknown))
        .collect();
    let remaining: Vec<usize> = (0..ids.len())
        .filter(|i| match record.items.get(ids[*i]) {
            Some(OutcomeKind::Done) => false,
            Some(OutcomeKind::Unknown) => harmless_repeat,
            _ => true,
        })
        .collect();
    let written = write_failures(&remaining);
    let mut text = format!(
        "an earlier run over this input was interrupted; its journal {} records {} done and {} with an unknown outcome{}",
        path.display(),
        record.count(OutcomeKind::Done),
        unknown.len(),
        if unknown.is_empty() || harmless_repeat {
            String::new()
        } else {
            format!(
                " (may have been sent; not retried: {})",
                unknown
                    .iter()
                    .take(20)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    match written {
        Ok(()) => {
            text.push_str(&format!(
                ".\nThe {} not done are in {}: run again with that file. Nothing was sent now.",
                remaining.len(),
                failures.display()
            ));
            let _ = std::fs::remove_file(path);
        }
        Err(e) => text.push_str(&format!(
            ".\nCannot write {}: {e}. Nothing was sent now; the journal is kept.",
            failures.display()
        )),
    }
    Failure::usage(text)
}

/// Audit lines that could not be written during the run.
pub(super) fn audit_problems() -> Vec<String> {
    crate::audit::take_unrecorded().into_iter().collect()
}

/// Writes the failures file (when anything is not done), then ends the
/// journal. Whatever cannot be written is named in the summary, never lost
/// silently and never in place of it.
pub(super) fn finish_files(
    s: &mut Summary,
    file: &Path,
    journal: Option<Journal>,
    not_done: &[usize],
    write: impl FnOnce(&[usize]) -> std::io::Result<()>,
    not_recorded: &mut Vec<String>,
) {
    let written = if not_done.is_empty() {
        // A stale failures file from an earlier run would mislead.
        let _ = std::fs::remove_file(file);
        Ok(())
    } else {
        write(not_done).map(|()| s.failures_file = Some(file.display().to_string()))
    };
    if let Some(j) = &journal
        && let Some(e) = j.error()
    {
        not_recorded.push(format!("progress journal {}: {e}", j.path().display()));
    }
    match written {
        Ok(()) => {
            if let Some(j) = journal {
                let _ = j.finish();
            }
        }
        Err(e) => not_recorded.push(format!(
            "failures file {}: {e}; the {} not done are listed above{}",
            file.display(),
            not_done.len(),
            journal
                .as_ref()
                .map(|j| format!(" and in {}", j.path().display()))
                .unwrap_or_default()
        )),
    }
}
