//! Bulk work: many creates from a file, or one message to many groups.
//!
//! Why a separate engine: a moderator preparing an event creates hundreds of
//! groups, or announces something to every group, and needs it done at the
//! service's limit but never over it, with progress, a clean stop on Ctrl-C
//! that says exactly what was and was not done, and a file of what failed that
//! can be fed straight back in.
//!
//! Throughput comes from a few calls in flight (the service's latency would
//! otherwise cap a sequential loop far below 50/s); the ceiling comes from the
//! client's process-wide pacer, which every call goes through.
//!
//! Input files are parsed and validated completely before anything is sent: a
//! bad line is reported with its number and nothing happens.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::api::validate;
use crate::api::{ApiError, Client, CreateGroupRequest, DataCenter, Operation};

/// Calls in flight by default: enough to reach 50/s at up to ~150 ms latency.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Errors listed before the parser stops collecting them.
const MAX_REPORTED_ERRORS: usize = 20;

// ------------------------------------------------------------------ parsing

/// A problem in an input file, with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Every problem found (up to a limit), for one message naming them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseErrors(pub Vec<LineError>);

impl std::fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.0.len() >= MAX_REPORTED_ERRORS {
            write!(f, "\n(stopped after {MAX_REPORTED_ERRORS} problems)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseErrors {}

/// A value with the input line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lined<T> {
    pub line: usize,
    pub item: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateFormat {
    JsonLines,
    Csv,
}

/// `.csv` is CSV, `.jsonl`/`.ndjson`/`.json` is JSON lines; otherwise the
/// first non-blank character decides (`{` means JSON lines).
pub fn detect_create_format(path: &Path, text: &str) -> CreateFormat {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => CreateFormat::Csv,
        Some("jsonl" | "ndjson" | "json") => CreateFormat::JsonLines,
        _ if text.trim_start().starts_with('{') => CreateFormat::JsonLines,
        _ => CreateFormat::Csv,
    }
}

/// One group to create, as the file describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRow {
    pub group_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admins: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
}

impl CreateRow {
    pub fn to_request(
        &self,
        app_id: &str,
        data_center: Option<DataCenter>,
        default_creator: Option<&str>,
    ) -> CreateGroupRequest {
        CreateGroupRequest {
            app_id: app_id.to_string(),
            group_id: self.group_id.clone(),
            group_name: self.name.clone(),
            group_info: self.info.clone(),
            administrators: self.admins.clone(),
            creator_id: self
                .creator
                .clone()
                .or_else(|| default_creator.map(str::to_string)),
            data_center,
        }
    }
}

const CSV_COLUMNS: [&str; 5] = ["group_id", "name", "info", "admins", "creator"];

fn push_error(errors: &mut Vec<LineError>, line: usize, message: impl Into<String>) -> bool {
    errors.push(LineError {
        line,
        message: message.into(),
    });
    errors.len() >= MAX_REPORTED_ERRORS
}

/// Parses a create-input file and checks every row against the documented
/// limits (with `app_id` for the request), and that no GroupId repeats.
pub fn parse_creates(
    text: &str,
    format: CreateFormat,
    app_id: &str,
    data_center: Option<DataCenter>,
    default_creator: Option<&str>,
) -> Result<Vec<Lined<CreateGroupRequest>>, ParseErrors> {
    let rows = match format {
        CreateFormat::JsonLines => parse_create_jsonl(text)?,
        CreateFormat::Csv => parse_create_csv(text)?,
    };
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for Lined { line, item } in rows {
        let req = item.to_request(app_id, data_center, default_creator);
        if let Err(e) = req.validate() {
            if push_error(&mut errors, line, e.to_string()) {
                break;
            }
            continue;
        }
        if let Some(first) = seen.insert(req.group_id.clone(), line) {
            let msg = format!("GroupId {} repeats line {first}", req.group_id);
            if push_error(&mut errors, line, msg) {
                break;
            }
            continue;
        }
        out.push(Lined { line, item: req });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ParseErrors(errors))
    }
}

/// JSON lines: one object per line; blank lines and `#` comments are skipped.
pub fn parse_create_jsonl(text: &str) -> Result<Vec<Lined<CreateRow>>, ParseErrors> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        match serde_json::from_str::<CreateRow>(t) {
            Ok(row) => rows.push(Lined { line, item: row }),
            Err(e) => {
                if push_error(&mut errors, line, format!("not a group object ({e})")) {
                    break;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ParseErrors(errors))
    }
}

/// CSV with a header row naming some of group_id, name, info, admins
/// (`;`-separated), creator. group_id is required.
pub fn parse_create_csv(text: &str) -> Result<Vec<Lined<CreateRow>>, ParseErrors> {
    let one = |line: usize, message: String| ParseErrors(vec![LineError { line, message }]);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| one(1, format!("cannot read the header row ({e})")))?
        .clone();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim().trim_start_matches('\u{feff}');
        let Some(known) = CSV_COLUMNS.iter().find(|c| **c == name) else {
            return Err(one(
                1,
                format!(
                    "unknown column {name:?}; columns are {}",
                    CSV_COLUMNS.join(", ")
                ),
            ));
        };
        if index.insert(known, i).is_some() {
            return Err(one(1, format!("column {name:?} appears twice")));
        }
    }
    if !index.contains_key("group_id") {
        return Err(one(1, "the header row has no group_id column".into()));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                if push_error(&mut errors, line, format!("{e}")) {
                    break;
                }
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let get = |col: &str| {
            index
                .get(col)
                .and_then(|i| record.get(*i))
                .map(str::to_string)
                .filter(|s| !s.is_empty())
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let row = CreateRow {
            group_id: get("group_id").unwrap_or_default(),
            name: get("name"),
            info: get("info"),
            admins: get("admins")
                .map(|a| {
                    a.split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            creator: get("creator"),
        };
        rows.push(Lined { line, item: row });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ParseErrors(errors))
    }
}

/// Target groups: one GroupId per line, or JSON lines `{"group_id": …}`
/// (either per line); blank lines and `#` comments are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    pub groups: Vec<Lined<String>>,
    /// Whether the file used JSON lines (failures are written the same way).
    pub json_lines: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetLine {
    group_id: String,
}

pub fn parse_targets(text: &str) -> Result<Targets, ParseErrors> {
    let mut groups = Vec::new();
    let mut errors = Vec::new();
    let mut json_lines = false;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim().trim_start_matches('\u{feff}');
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let id = if t.starts_with('{') {
            json_lines = true;
            match serde_json::from_str::<TargetLine>(t) {
                Ok(g) => g.group_id,
                Err(e) => {
                    if push_error(&mut errors, line, format!("not {{\"group_id\": …}} ({e})")) {
                        break;
                    }
                    continue;
                }
            }
        } else {
            t.to_string()
        };
        if let Err(e) = validate::id("GroupId", &id) {
            if push_error(&mut errors, line, e.to_string()) {
                break;
            }
            continue;
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            if push_error(
                &mut errors,
                line,
                format!("GroupId {id} repeats line {first}"),
            ) {
                break;
            }
            continue;
        }
        groups.push(Lined { line, item: id });
    }
    if errors.is_empty() {
        Ok(Targets { groups, json_lines })
    } else {
        Err(ParseErrors(errors))
    }
}

// ----------------------------------------------------- failure files

/// Writes create requests back in the input's format, for a re-run.
pub fn write_create_failures(
    path: &Path,
    format: CreateFormat,
    requests: &[&CreateGroupRequest],
) -> std::io::Result<()> {
    let rows: Vec<CreateRow> = requests
        .iter()
        .map(|r| CreateRow {
            group_id: r.group_id.clone(),
            name: r.group_name.clone(),
            info: r.group_info.clone(),
            admins: r.administrators.clone(),
            creator: r.creator_id.clone(),
        })
        .collect();
    let mut bytes = Vec::new();
    match format {
        CreateFormat::JsonLines => {
            for row in &rows {
                serde_json::to_writer(&mut bytes, row)?;
                bytes.push(b'\n');
            }
        }
        CreateFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut bytes);
            w.write_record(CSV_COLUMNS)?;
            for row in &rows {
                w.write_record([
                    row.group_id.as_str(),
                    row.name.as_deref().unwrap_or(""),
                    row.info.as_deref().unwrap_or(""),
                    &row.admins.join(";"),
                    row.creator.as_deref().unwrap_or(""),
                ])?;
            }
            w.flush()?;
            drop(w);
        }
    }
    crate::drafts::write_atomic(path, &bytes)
}

/// Writes target GroupIds back in the input's format, for a re-run.
pub fn write_target_failures(
    path: &Path,
    json_lines: bool,
    groups: &[&str],
) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    for g in groups {
        if json_lines {
            serde_json::to_writer(&mut bytes, &serde_json::json!({ "group_id": g }))?;
            bytes.push(b'\n');
        } else {
            writeln!(bytes, "{g}")?;
        }
    }
    crate::drafts::write_atomic(path, &bytes)
}

// ------------------------------------------------------------------ engine

#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// Calls in flight at once (the client's pacer still caps the rate).
    pub concurrency: usize,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// How one operation ended.
#[derive(Debug)]
pub enum Outcome<R> {
    Done(R),
    Failed(ApiError),
    /// Never sent: the run was cancelled first.
    NotAttempted,
}

impl<R> Outcome<R> {
    pub fn is_done(&self) -> bool {
        matches!(self, Outcome::Done(_))
    }
    pub fn is_failed(&self) -> bool {
        matches!(self, Outcome::Failed(_))
    }
}

#[derive(Debug)]
pub struct ItemResult<R> {
    /// Position in the input list.
    pub index: usize,
    pub outcome: Outcome<R>,
    pub attempts: u32,
    pub throttled: u32,
}

/// Running totals, handed to the progress callback after each item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub not_attempted: usize,
    pub throttled_replies: u32,
}

impl Progress {
    pub fn finished(&self) -> usize {
        self.done + self.failed + self.not_attempted
    }
}

#[derive(Debug)]
pub struct BulkReport<R> {
    /// One per input operation, in input order.
    pub items: Vec<ItemResult<R>>,
    pub progress: Progress,
    pub elapsed: Duration,
    pub cancelled: bool,
}

impl<R> BulkReport<R> {
    /// Calls that reached a conclusion per second of wall time.
    pub fn calls_per_second(&self) -> f64 {
        let n = (self.progress.done + self.progress.failed) as f64;
        n / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `ops` with at most `options.concurrency` in flight. After `cancel`
/// fires, nothing new starts; calls already in flight finish (their outcome
/// must be known, not guessed) and the rest are reported `NotAttempted`.
pub async fn run<O>(
    client: &Client,
    ops: &[O],
    options: &BulkOptions,
    cancel: &CancellationToken,
    mut on_progress: impl FnMut(&Progress, &ItemResult<O::Response>),
) -> BulkReport<O::Response>
where
    O: Operation + Sync,
{
    let started = Instant::now();
    let mut progress = Progress {
        total: ops.len(),
        ..Default::default()
    };
    let mut slots: Vec<Option<ItemResult<O::Response>>> = (0..ops.len()).map(|_| None).collect();
    let mut stream = futures::stream::iter(ops.iter().enumerate())
        .map(|(index, op)| async move {
            if cancel.is_cancelled() {
                return ItemResult {
                    index,
                    outcome: Outcome::NotAttempted,
                    attempts: 0,
                    throttled: 0,
                };
            }
            let (result, stats) = client.call_with_stats(op).await;
            ItemResult {
                index,
                outcome: match result {
                    Ok(r) => Outcome::Done(r),
                    Err(e) => Outcome::Failed(e),
                },
                attempts: stats.attempts,
                throttled: stats.throttled,
            }
        })
        .buffer_unordered(options.concurrency.max(1));
    while let Some(item) = stream.next().await {
        match item.outcome {
            Outcome::Done(_) => progress.done += 1,
            Outcome::Failed(_) => progress.failed += 1,
            Outcome::NotAttempted => progress.not_attempted += 1,
        }
        progress.throttled_replies += item.throttled;
        on_progress(&progress, &item);
        let index = item.index;
        slots[index] = Some(item);
    }
    let items = slots
        .into_iter()
        .enumerate()
        .map(|(index, s)| {
            s.unwrap_or(ItemResult {
                index,
                outcome: Outcome::NotAttempted,
                attempts: 0,
                throttled: 0,
            })
        })
        .collect();
    BulkReport {
        items,
        progress,
        elapsed: started.elapsed(),
        cancelled: cancel.is_cancelled(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn jsonl_creates_parse_and_validate() {
        let text = r#"
# event groups
{"group_id":"g1","name":"Main","info":"i","admins":["a1","a2"],"creator":"c1"}

{"group_id":"g2"}
"#;
        let rows = parse_creates(text, CreateFormat::JsonLines, "demo", None, Some("mod")).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 3);
        assert_eq!(rows[0].item.administrators, vec!["a1", "a2"]);
        assert_eq!(rows[0].item.creator_id.as_deref(), Some("c1"));
        assert_eq!(rows[1].line, 5);
        assert_eq!(rows[1].item.creator_id.as_deref(), Some("mod"));
        assert_eq!(rows[1].item.app_id, "demo");
    }

    #[test]
    fn jsonl_errors_name_lines() {
        let text = "{\"group_id\":\"g1\"}\n{\"group_id\":\"g 2\"}\n{\"group\":\"g3\"}\nnot json\n{\"group_id\":\"g1\"}\n{\"group_id\":\"g5\",\"admins\":[\"a\",\"b\",\"c\",\"d\"]}\n";
        let err = parse_creates(text, CreateFormat::JsonLines, "demo", None, None).unwrap_err();
        let lines: Vec<usize> = err.0.iter().map(|e| e.line).collect();
        // Syntax errors are reported first (lines 3, 4), then validation.
        assert_eq!(lines, vec![3, 4], "{err}");
        let err = parse_creates(
            "{\"group_id\":\"g1\"}\n{\"group_id\":\"g 2\"}\n{\"group_id\":\"g1\"}\n{\"group_id\":\"g5\",\"admins\":[\"a\",\"b\",\"c\",\"d\"]}\n",
            CreateFormat::JsonLines,
            "demo",
            None,
            None,
        )
        .unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("line 2: GroupId"), "{shown}");
        assert!(
            shown.contains("line 3: GroupId g1 repeats line 1"),
            "{shown}"
        );
        assert!(shown.contains("line 4: Administrators"), "{shown}");
    }

    #[test]
    fn csv_creates_parse_with_admin_lists_and_quotes() {
        let text = "group_id,name,admins,creator,info\n\
                    g1,\"Main, hall\",a1;a2,c1,\n\
                    \n\
                    g2,,,,\"multi\nline\"\n\
                    g3,Third,a3,,x\n";
        let rows = parse_create_csv(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].item.name.as_deref(), Some("Main, hall"));
        assert_eq!(rows[0].item.admins, vec!["a1", "a2"]);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].item.info.as_deref(), Some("multi\nline"));
        assert_eq!(rows[1].item.admins, Vec::<String>::new());
        assert_eq!(rows[2].line, 6);
    }

    #[test]
    fn csv_errors_name_lines() {
        let err = parse_create_csv("group,name\ng1,x\n").unwrap_err();
        assert_eq!(err.0[0].line, 1);
        assert!(
            err.to_string().contains("unknown column \"group\""),
            "{err}"
        );
        let err = parse_create_csv("name\nx\n").unwrap_err();
        assert!(err.to_string().contains("no group_id"), "{err}");
        let err = parse_create_csv("group_id,name\ng1,x\ng2,x,extra\n").unwrap_err();
        assert_eq!(err.0[0].line, 3, "{err}");
        let err =
            parse_creates("group_id\ng1\ng!\n", CreateFormat::Csv, "demo", None, None).unwrap_err();
        assert_eq!(err.0[0].line, 3, "{err}");
    }

    #[test]
    fn targets_plain_and_jsonl() {
        let t = parse_targets("# announce\ng1\n\n  g2  \n{\"group_id\":\"g3\"}\n").unwrap();
        let ids: Vec<(usize, &str)> = t.groups.iter().map(|g| (g.line, g.item.as_str())).collect();
        assert_eq!(ids, vec![(2, "g1"), (4, "g2"), (5, "g3")]);
        assert!(t.json_lines);
        let err = parse_targets("g1\ng-2\n{\"gid\":1}\ng1\n").unwrap_err();
        let lines: Vec<usize> = err.0.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4], "{err}");
        assert!(!parse_targets("a\nb\n").unwrap().json_lines);
    }

    #[test]
    fn failure_files_parse_back_identically() {
        let dir = tempfile::tempdir().unwrap();
        let reqs = parse_creates(
            "group_id,name,info,admins,creator\ng1,\"A, b\",\"x\ny\",a1;a2,c\ng2,,,,\n",
            CreateFormat::Csv,
            "demo",
            None,
            None,
        )
        .unwrap();
        let refs: Vec<&CreateGroupRequest> = reqs.iter().map(|r| &r.item).collect();
        for format in [CreateFormat::Csv, CreateFormat::JsonLines] {
            let path = dir.path().join("f");
            write_create_failures(&path, format, &refs).unwrap();
            let text = std::fs::read_to_string(&path).unwrap();
            let back = parse_creates(&text, format, "demo", None, None).unwrap();
            let back: Vec<_> = back.into_iter().map(|l| l.item).collect();
            let orig: Vec<_> = reqs.iter().map(|l| l.item.clone()).collect();
            assert_eq!(back, orig, "{format:?}: {text}");
        }
        for json in [true, false] {
            let path = dir.path().join("t");
            write_target_failures(&path, json, &["g1", "g2"]).unwrap();
            let t = parse_targets(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert_eq!(t.json_lines, json);
            assert_eq!(t.groups.len(), 2);
        }
    }

    #[test]
    fn format_detection() {
        assert_eq!(
            detect_create_format(Path::new("x.csv"), "{"),
            CreateFormat::Csv
        );
        assert_eq!(
            detect_create_format(Path::new("x.jsonl"), "group_id"),
            CreateFormat::JsonLines
        );
        assert_eq!(
            detect_create_format(Path::new("x.txt"), "  {\"group_id\":1}"),
            CreateFormat::JsonLines
        );
        assert_eq!(
            detect_create_format(Path::new("x"), "group_id\n"),
            CreateFormat::Csv
        );
    }

    proptest! {
        #[test]
        fn parsers_never_panic(text in "(?s).{0,400}") {
            let _ = parse_creates(&text, CreateFormat::JsonLines, "demo", None, None);
            let _ = parse_creates(&text, CreateFormat::Csv, "demo", None, None);
            let _ = parse_targets(&text);
        }

        #[test]
        fn parsers_never_panic_on_structured_noise(
            lines in proptest::collection::vec(
                prop_oneof![
                    Just("group_id,name,admins".to_string()),
                    Just("{\"group_id\":\"g\"}".to_string()),
                    "[a-z0-9,;\"{}:# \\[\\]]{0,30}",
                ],
                0..12,
            )
        ) {
            let text = lines.join("\n");
            let _ = parse_creates(&text, CreateFormat::JsonLines, "demo", None, None);
            let _ = parse_creates(&text, CreateFormat::Csv, "demo", None, None);
            if let Ok(t) = parse_targets(&text) {
                for g in &t.groups {
                    prop_assert!(validate::id("GroupId", &g.item).is_ok());
                }
            }
        }
    }
}
