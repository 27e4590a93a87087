//! The audit trail: one JSON line per mutating call (and per outbox action) in
//! `<data_dir>/audit.jsonl`.
//!
//! Why a plain append-only JSON-lines file: after an incident an on-call
//! engineer must be able to read it with `tail`, `grep` and `jq`, and a
//! partially written last line (power loss) must not hide the lines before it.
//! Each line is written with one `write` call, flushed and fsync'd before the
//! caller learns the outcome, so nothing the user saw happen can be missing.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = "audit.jsonl";

/// Endpoint recorded for actions that never leave the machine (outbox edits).
pub const LOCAL_ENDPOINT: &str = "local";

/// Parameter names that carry credentials or signatures. Operations never put
/// them in their business parameters, but the audit log is the last place a
/// secret may leak to, so they are dropped here as well.
const NEVER_LOGGED: &[&str] = &[
    "AccessKeyId",
    "AccessKeySecret",
    "SecurityToken",
    "Signature",
    "SignatureNonce",
    "Authorization",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Ok,
    Error,
    /// Not sent at all: read-only mode, or the request failed validation.
    Refused,
    /// A create that did nothing: the ID is taken by a live group.
    AlreadyExists,
    /// A create that did nothing: the ID belonged to a deleted group.
    AlreadyDeleted,
}

impl AuditOutcome {
    pub const ALL: [AuditOutcome; 5] = [
        AuditOutcome::Ok,
        AuditOutcome::Error,
        AuditOutcome::Refused,
        AuditOutcome::AlreadyExists,
        AuditOutcome::AlreadyDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Error => "error",
            AuditOutcome::Refused => "refused",
            AuditOutcome::AlreadyExists => "already_exists",
            AuditOutcome::AlreadyDeleted => "already_deleted",
        }
    }
}

/// Who is acting, for the audit lines a client writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditContext {
    /// Credential profile name, when the key came from one.
    pub profile: Option<String>,
}

/// One line of the audit file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    #[serde(with = "crate::util::time::rfc3339")]
    pub time: DateTime<Utc>,
    pub endpoint: String,
    #[serde(default)]
    pub app: Option<String>,
    #[serde(default)]
    pub profile: Option<String>,
    pub action: String,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    pub outcome: AuditOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
}

impl AuditEntry {
    /// An entry for a call to the service; `params` are the operation's business
    /// parameters (credential-like names are dropped).
    pub fn for_call(
        endpoint: &str,
        context: &AuditContext,
        action: &str,
        params: &[(&'static str, String)],
    ) -> Self {
        let params: BTreeMap<String, String> = params
            .iter()
            .filter(|(k, _)| !NEVER_LOGGED.contains(k))
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        Self {
            time: Utc::now(),
            endpoint: without_credentials(endpoint),
            app: params.get("AppId").cloned(),
            profile: context.profile.clone(),
            action: action.to_string(),
            params,
            outcome: AuditOutcome::Ok,
            code: None,
            message: None,
            request_id: None,
            attempts: None,
        }
    }

    /// An entry for a local action (outbox retry, drop, requeue, edit).
    pub fn local(action: &str, app: Option<&str>, params: BTreeMap<String, String>) -> Self {
        Self {
            time: Utc::now(),
            endpoint: LOCAL_ENDPOINT.to_string(),
            app: app.map(str::to_string),
            profile: None,
            action: action.to_string(),
            params,
            outcome: AuditOutcome::Ok,
            code: None,
            message: None,
            request_id: None,
            attempts: None,
        }
    }

    /// The outcome a reply shows: `ok`, or for a create that did nothing
    /// `already_exists` / `already_deleted` (the service answers 200 either way).
    pub fn with_reply<R: Serialize>(mut self, reply: &R) -> Self {
        let value = serde_json::to_value(reply).unwrap_or_default();
        let flag = |name: &str| value.get(name).and_then(|v| v.as_bool()) == Some(true);
        self.outcome = if flag("AlreadyDelete") {
            AuditOutcome::AlreadyDeleted
        } else if flag("AlreadyExists") {
            AuditOutcome::AlreadyExists
        } else {
            AuditOutcome::Ok
        };
        self.request_id = value
            .get("RequestId")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        self
    }

    /// Who acted: the operator, sender or creator the call named.
    pub fn actor(&self) -> Option<&str> {
        ["OperatorId", "SenderId", "CreatorId", "UserId"]
            .iter()
            .find_map(|k| self.params.get(*k))
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// The start of a message body, on one line, for tables.
    pub fn body_preview(&self, max_chars: usize) -> Option<String> {
        let body = self.params.get("Body")?;
        let one_line: String = body
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        let mut preview: String = one_line.chars().take(max_chars).collect();
        if one_line.chars().count() > max_chars {
            preview.push('…');
        }
        Some(preview)
    }

    pub fn with_ok(mut self, request_id: Option<&str>) -> Self {
        self.outcome = AuditOutcome::Ok;
        self.request_id = request_id.map(str::to_string);
        self
    }

    /// A call that failed: `refused` when it was never sent (read-only mode,
    /// invalid input), otherwise an error with what the service said.
    pub fn with_failure(
        mut self,
        refused: bool,
        code: Option<&str>,
        message: String,
        request_id: Option<&str>,
    ) -> Self {
        self.outcome = if refused {
            AuditOutcome::Refused
        } else {
            AuditOutcome::Error
        };
        self.code = code.map(str::to_string);
        self.message = Some(message);
        self.request_id = request_id.map(str::to_string);
        self
    }
}

/// An endpoint as it may be written down: `http://user:pass@host` loses its
/// user and password (the audit file is read by many; a secret must not be in it).
fn without_credentials(endpoint: &str) -> String {
    match url::Url::parse(endpoint) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        _ => endpoint.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditReadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

/// An audit line that could not be written. The change it describes may
/// have happened: the caller must show this with the outcome, loudly.
#[derive(Debug, thiserror::Error)]
#[error("the audit log {path} could not record {action}: {source}")]
pub struct AuditWriteError {
    pub path: String,
    pub action: String,
    #[source]
    pub source: io::Error,
}

/// A line of the trail that is not an audit entry (torn by a crash or a
/// full disk, or edited by hand): skipped and reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub problem: String,
}

/// What the reader found: the entries, and the lines it had to skip.
#[derive(Debug, Clone, Default)]
pub struct Trail {
    pub entries: Vec<AuditEntry>,
    pub bad_lines: Vec<BadLine>,
}

#[derive(Default)]
struct Writer {
    file: Option<File>,
    /// Lines that could not be written, and the last reason.
    unrecorded: usize,
    last_error: Option<String>,
}

/// Audit lines this process could not write, whatever log they were for:
/// the command line reports them with the outcome before it exits.
static UNRECORDED: Mutex<Option<(usize, String)>> = Mutex::new(None);

/// Takes (and clears) what this process could not write to any audit log,
/// in words: how many lines, where, and the last error.
pub fn take_unrecorded() -> Option<String> {
    let taken = UNRECORDED.lock().unwrap_or_else(|p| p.into_inner()).take();
    taken.map(|(n, last)| format!("{n} audit line(s) could not be written ({last})"))
}

/// The append-only audit file; cheap to share behind an `Arc`.
pub struct AuditLog {
    path: PathBuf,
    writer: Mutex<Writer>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .finish()
    }
}

impl AuditLog {
    /// Opens (creating) the file for appending now: a data directory that
    /// cannot be written is reported before anything is sent.
    pub fn open(path: impl Into<PathBuf>) -> io::Result<Self> {
        let log = Self::lazy(path);
        {
            let mut w = log.writer.lock().unwrap_or_else(|p| p.into_inner());
            w.file = Some(open_append(&log.path)?);
        }
        Ok(log)
    }

    /// A log whose file (and directory) is created on the first append, so
    /// read-only commands work without a writable data directory.
    pub fn lazy(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            writer: Mutex::new(Writer::default()),
        }
    }

    /// `<data_dir>/audit.jsonl`, opened now.
    pub fn in_dir(data_dir: &Path) -> io::Result<Self> {
        Self::open(data_dir.join(FILE_NAME))
    }

    /// `<data_dir>/audit.jsonl`, opened on the first append.
    pub fn lazy_in_dir(data_dir: &Path) -> Self {
        Self::lazy(data_dir.join(FILE_NAME))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line and makes it durable before returning. A failure is
    /// counted (see [`AuditLog::unrecorded_summary`]) and returned.
    pub fn append(&self, entry: &AuditEntry) -> Result<(), AuditWriteError> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let result = self.append_locked(&mut w, entry);
        drop(w);
        result.map_err(|source| {
            let err = AuditWriteError {
                path: self.path.display().to_string(),
                action: entry.action.clone(),
                source,
            };
            let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            w.unrecorded += 1;
            w.last_error = Some(err.source.to_string());
            let mut global = UNRECORDED.lock().unwrap_or_else(|p| p.into_inner());
            let n = global.as_ref().map_or(0, |g| g.0) + 1;
            *global = Some((n, err.to_string()));
            err
        })
    }

    fn append_locked(&self, w: &mut Writer, entry: &AuditEntry) -> io::Result<()> {
        if w.file.is_none() {
            w.file = Some(open_append(&self.path)?);
        }
        let Some(file) = w.file.as_mut() else {
            return Err(io::Error::other("audit file not open"));
        };
        let mut line = Vec::with_capacity(256);
        // A crash, a full disk or another process may have torn the last
        // line: never glue this one onto it (checked every time; the fsync
        // below costs far more).
        if !ends_with_newline(file)? {
            line.push(b'\n');
        }
        serde_json::to_writer(&mut line, entry).map_err(io::Error::other)?;
        line.push(b'\n');
        // One write of the whole line: concurrent appenders (O_APPEND) never
        // interleave inside a line.
        file.write_all(&line)?;
        file.flush()?;
        file.sync_data()
    }

    /// Appends from async code without blocking the runtime's worker on fsync.
    pub async fn append_async(self: &Arc<Self>, entry: AuditEntry) -> Result<(), AuditWriteError> {
        let log = Arc::clone(self);
        let action = entry.action.clone();
        match tokio::task::spawn_blocking(move || log.append(&entry)).await {
            Ok(r) => r,
            Err(e) => Err(AuditWriteError {
                path: self.path.display().to_string(),
                action,
                source: io::Error::other(format!("audit writer task failed: {e}")),
            }),
        }
    }

    /// Lines this process could not write, in words, or None when all were.
    pub fn unrecorded_summary(&self) -> Option<String> {
        let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        (w.unrecorded > 0).then(|| {
            format!(
                "{} audit line(s) could not be written to {} (last error: {})",
                w.unrecorded,
                self.path.display(),
                w.last_error.as_deref().unwrap_or("unknown")
            )
        })
    }

    /// Entries newer than `since` ago (all when `None`), oldest first; bad
    /// lines skipped (see [`AuditLog::read_trail`] to learn of them).
    pub fn read(&self, since: Option<Duration>) -> Result<Vec<AuditEntry>, AuditReadError> {
        read_file(&self.path, since)
    }

    /// Entries and the lines that had to be skipped.
    pub fn read_trail(&self, since: Option<Duration>) -> Result<Trail, AuditReadError> {
        read_trail(&self.path, since)
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
}

/// Whether the file is empty or its last byte is a newline (another process,
/// or a crash, may have left a torn line).
fn ends_with_newline(file: &mut File) -> io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// Reads an audit file; a missing file is an empty trail. Lines that are not
/// entries are skipped and listed in [`Trail::bad_lines`] (a torn final line
/// without a newline, left by a crash mid-write, was never acknowledged to
/// anyone and is skipped silently).
pub fn read_trail(path: &Path, since: Option<Duration>) -> Result<Trail, AuditReadError> {
    let io_err = |source| AuditReadError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = match File::open(path) {
        Ok(f) => f,
        // No file (or no data directory at all): nothing was recorded yet.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(Trail::default());
        }
        Err(e) => return Err(io_err(e)),
    };
    let cutoff = since.and_then(|d| chrono::Duration::from_std(d).ok().map(|d| Utc::now() - d));
    let mut reader = BufReader::new(file);
    let mut trail = Trail::default();
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let complete = buf.last() == Some(&b'\n');
        let text = String::from_utf8_lossy(&buf);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<AuditEntry>(text) {
            Ok(entry) => {
                if cutoff.is_none_or(|c| entry.time >= c) {
                    trail.entries.push(entry);
                }
            }
            Err(_) if !complete => break,
            Err(e) => trail.bad_lines.push(BadLine {
                line: line_no,
                problem: e.to_string(),
            }),
        }
    }
    Ok(trail)
}

/// The entries of [`read_trail`], bad lines skipped.
pub fn read_file(path: &Path, since: Option<Duration>) -> Result<Vec<AuditEntry>, AuditReadError> {
    read_trail(path, since).map(|t| t.entries)
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
