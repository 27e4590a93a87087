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

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::api::ApiError;

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
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    Ok,
    Error,
    /// Not sent at all: read-only mode, or the request failed validation.
    Refused,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Error => "error",
            AuditOutcome::Refused => "refused",
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
    #[serde(with = "rfc3339")]
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
            endpoint: endpoint.to_string(),
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

    pub fn with_ok(mut self, request_id: Option<&str>) -> Self {
        self.outcome = AuditOutcome::Ok;
        self.request_id = request_id.map(str::to_string);
        self
    }

    pub fn with_error(mut self, err: &ApiError) -> Self {
        self.outcome = match err {
            ApiError::ReadOnly { .. } | ApiError::Validation(_) => AuditOutcome::Refused,
            _ => AuditOutcome::Error,
        };
        self.code = err.code().map(str::to_string);
        self.message = Some(match err.service() {
            Some(s) => s.message.clone(),
            None => err.to_string(),
        });
        self.request_id = err.request_id().map(str::to_string);
        self
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
    #[error("{path}: line {line}: not an audit entry ({problem})")]
    Malformed {
        path: String,
        line: usize,
        problem: String,
    },
}

/// The append-only audit file; cheap to share behind an `Arc`.
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .finish()
    }
}

impl AuditLog {
    /// Opens (creating) the file for appending. Opening up front means a data
    /// directory that cannot be written is reported before anything is sent.
    pub fn open(path: impl Into<PathBuf>) -> io::Result<Self> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Self {
            path,
            file: Mutex::new(file),
        })
    }

    /// `<data_dir>/audit.jsonl`.
    pub fn in_dir(data_dir: &Path) -> io::Result<Self> {
        Self::open(data_dir.join(FILE_NAME))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line and makes it durable before returning.
    pub fn append(&self, entry: &AuditEntry) -> io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // One write of the whole line: concurrent appenders (O_APPEND) never
        // interleave inside a line.
        file.write_all(&line)?;
        file.flush()?;
        file.sync_data()
    }

    /// Appends from async code without blocking the runtime's worker on fsync.
    pub async fn append_async(self: &Arc<Self>, entry: AuditEntry) -> io::Result<()> {
        let log = Arc::clone(self);
        match tokio::task::spawn_blocking(move || log.append(&entry)).await {
            Ok(r) => r,
            Err(e) => Err(io::Error::other(format!("audit writer task failed: {e}"))),
        }
    }

    /// Entries newer than `since` ago (all when `None`), oldest first.
    pub fn read(&self, since: Option<Duration>) -> Result<Vec<AuditEntry>, AuditReadError> {
        read_file(&self.path, since)
    }
}

/// Reads an audit file; a missing file is an empty trail. A malformed line is
/// an error naming its line number (a torn final line without a newline, left
/// by a crash mid-write, is skipped: it was never acknowledged to anyone).
pub fn read_file(path: &Path, since: Option<Duration>) -> Result<Vec<AuditEntry>, AuditReadError> {
    let io_err = |source| AuditReadError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(e)),
    };
    let cutoff = since.and_then(|d| chrono::Duration::from_std(d).ok().map(|d| Utc::now() - d));
    let mut reader = BufReader::new(file);
    let mut entries = Vec::new();
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
                    entries.push(entry);
                }
            }
            Err(_) if !complete => break,
            Err(e) => {
                return Err(AuditReadError::Malformed {
                    path: path.display().to_string(),
                    line: line_no,
                    problem: e.to_string(),
                });
            }
        }
    }
    Ok(entries)
}

/// `DateTime<Utc>` as RFC 3339 text ending in `Z` (chrono's serde feature is
/// not enabled in this crate, and this pins the format the file promises).
pub(crate) mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time ({e})"))
            })
    }
}

/// RFC 3339 UTC with seconds, for tables.
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(action: &str) -> AuditEntry {
        AuditEntry::for_call(
            "http://127.0.0.1:1",
            &AuditContext {
                profile: Some("prod".into()),
            },
            action,
            &[
                ("AppId", "demo".into()),
                ("GroupId", "g1".into()),
                ("Body", "hello, group".into()),
                ("Signature", "abc".into()),
            ],
        )
    }

    #[test]
    fn lines_parse_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_dir(dir.path()).unwrap();
        log.append(&sample("CreateLiveMessageGroup").with_ok(Some("R1")))
            .unwrap();
        log.append(
            &sample("SendLiveMessageGroup").with_error(&ApiError::ReadOnly {
                action: "SendLiveMessageGroup",
            }),
        )
        .unwrap();
        let entries = log.read(None).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].action, "CreateLiveMessageGroup");
        assert_eq!(entries[0].outcome, AuditOutcome::Ok);
        assert_eq!(entries[0].request_id.as_deref(), Some("R1"));
        assert_eq!(entries[0].app.as_deref(), Some("demo"));
        assert_eq!(entries[0].profile.as_deref(), Some("prod"));
        assert_eq!(entries[0].params["Body"], "hello, group");
        assert!(!entries[0].params.contains_key("Signature"));
        assert_eq!(entries[1].outcome, AuditOutcome::Refused);
        assert_eq!(entries[1].code.as_deref(), Some("ReadOnly"));
        // Each line is standalone JSON with an RFC 3339 UTC time.
        let text = std::fs::read_to_string(log.path()).unwrap();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let t = v["time"].as_str().unwrap();
            assert!(t.ends_with('Z'), "{t}");
            DateTime::parse_from_rfc3339(t).unwrap();
        }
    }

    #[test]
    fn since_filters_old_entries() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_dir(dir.path()).unwrap();
        let mut old = sample("DeleteLiveMessageGroup");
        old.time = Utc::now() - chrono::Duration::hours(3);
        log.append(&old).unwrap();
        log.append(&sample("CreateLiveMessageGroup")).unwrap();
        assert_eq!(log.read(None).unwrap().len(), 2);
        let recent = log.read(Some(Duration::from_secs(3600))).unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].action, "CreateLiveMessageGroup");
    }

    #[test]
    fn malformed_line_is_reported_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_dir(dir.path()).unwrap();
        log.append(&sample("CreateLiveMessageGroup")).unwrap();
        let mut f = OpenOptions::new().append(true).open(log.path()).unwrap();
        f.write_all(b"{not json}\n").unwrap();
        drop(f);
        log.append(&sample("CreateLiveMessageGroup")).unwrap();
        let err = log.read(None).unwrap_err();
        assert!(
            matches!(err, AuditReadError::Malformed { line: 2, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn torn_last_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_dir(dir.path()).unwrap();
        log.append(&sample("CreateLiveMessageGroup")).unwrap();
        let mut f = OpenOptions::new().append(true).open(log.path()).unwrap();
        f.write_all(br#"{"time":"2024-"#).unwrap();
        drop(f);
        assert_eq!(log.read(None).unwrap().len(), 1);
    }

    #[test]
    fn missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            read_file(&dir.path().join("none"), None)
                .unwrap()
                .is_empty()
        );
    }
}
