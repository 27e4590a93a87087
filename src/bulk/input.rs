//! Bulk input: create files (CSV, JSON lines, or the JSON of `groups list
//! --json`), target files (one GroupId per line), message bodies, and the
//! failures files written back for a re-run.
//!
//! Every input is read with a cap and checked completely before anything is
//! sent: a bad line is reported with its number and nothing happens. The caps
//! follow the service: an app holds at most 5,000 groups and a body is at most
//! 15 KB, so a larger input is a mistake (`/dev/zero`, the wrong file), not
//! work to do.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::csv_check;
use crate::api::validate::limits;
use crate::api::{CreateGroupRequest, DataCenter, Operation};

/// Errors listed before the parser stops collecting them.
const MAX_REPORTED_ERRORS: usize = 20;
/// Groups one run may name: an app holds at most this many.
pub(crate) const MAX_GROUPS: usize = limits::GROUPS_PER_APP;
/// A create file: 5,000 rows with generous names and infos fit easily.
pub(crate) const MAX_CREATE_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// A target file: 5,000 IDs of at most 64 bytes, with room for JSON and comments.
pub(crate) const MAX_TARGET_FILE_BYTES: u64 = 16 * 1024 * 1024;

// ------------------------------------------------------------------ errors

pub use super::csv_check::LineError;

/// Every problem found (up to a limit), for one message naming them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseErrors(pub Vec<LineError>);

impl ParseErrors {
    pub(crate) fn one(line: usize, message: impl Into<String>) -> Self {
        ParseErrors(vec![LineError {
            line,
            message: message.into(),
        }])
    }
}

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

/// Why an input file cannot be used (a usage error: nothing was sent).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path} is larger than {limit} bytes{why}")]
    TooLarge {
        path: String,
        limit: u64,
        why: &'static str,
    },
    #[error("{path}:\n{errors}")]
    Parse { path: String, errors: ParseErrors },
}

pub(crate) fn push_error(
    errors: &mut Vec<LineError>,
    line: usize,
    message: impl Into<String>,
) -> bool {
    errors.push(LineError {
        line,
        message: message.into(),
    });
    errors.len() >= MAX_REPORTED_ERRORS
}

pub(crate) fn too_many(line: usize) -> LineError {
    LineError {
        line,
        message: format!(
            "more than {MAX_GROUPS} groups: an app holds at most {MAX_GROUPS}; split the file"
        ),
    }
}

// ------------------------------------------------------------------ reading

/// Reads at most `limit` bytes of text (`-` is standard input). A NUL byte
/// means it is not a text file; a leading UTF-8 BOM is dropped.
pub fn read_text_capped(path: &Path, limit: u64, why: &'static str) -> Result<String, InputError> {
    let shown = path.display().to_string();
    let io_err = |source| InputError::Io {
        path: shown.clone(),
        source,
    };
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(io_err)?)
    };
    let mut bytes = Vec::new();
    let mut limited = reader.take(limit + 1);
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let n = match limited.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(e)),
        };
        if let Some(at) = chunk[..n].iter().position(|b| *b == 0) {
            let line = 1 + bytes
                .iter()
                .chain(&chunk[..at])
                .filter(|b| **b == b'\n')
                .count();
            return Err(InputError::Parse {
                path: shown,
                errors: ParseErrors::one(line, "contains a NUL byte: not a text file"),
            });
        }
        bytes.extend_from_slice(&chunk[..n]);
        if bytes.len() as u64 > limit {
            return Err(InputError::TooLarge {
                path: shown,
                limit,
                why,
            });
        }
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count();
        InputError::Parse {
            path: shown.clone(),
            errors: ParseErrors::one(line, "is not UTF-8 text"),
        }
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// A message body from a file or `-` (standard input), at most 15 KB.
pub fn read_body(path: &Path) -> Result<String, InputError> {
    read_text_capped(
        path,
        limits::BODY_MAX as u64,
        " (a message Body is at most 15 KB)",
    )
}

// ------------------------------------------------------------------ creates

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

/// `.csv` is CSV, `.jsonl`/`.ndjson`/`.json` is JSON; otherwise the first
/// non-blank character decides (`{` or `[` means JSON).
pub fn detect_create_format(path: &Path, text: &str) -> CreateFormat {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => CreateFormat::Csv,
        Some("jsonl" | "ndjson" | "json") => CreateFormat::JsonLines,
        _ if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(['{', '[']) =>
        {
            CreateFormat::JsonLines
        }
        _ => CreateFormat::Csv,
    }
}

/// One group to create, as the file describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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

    pub(crate) fn from_request(r: &CreateGroupRequest) -> Self {
        CreateRow {
            group_id: r.group_id.clone(),
            name: r.group_name.clone(),
            info: r.group_info.clone(),
            admins: r.administrators.clone(),
            creator: r.creator_id.clone(),
        }
    }
}

/// The columns (and JSON keys) of a create file: livemod's own names first,
/// then the API's, so `groups list --json` output can be fed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    GroupId,
    Name,
    Info,
    Admins,
    Creator,
}

pub(crate) const CSV_COLUMNS: [&str; 5] = ["group_id", "name", "info", "admins", "creator"];

fn column(name: &str) -> Option<Column> {
    Some(match name {
        "group_id" | "GroupId" => Column::GroupId,
        "name" | "GroupName" => Column::Name,
        "info" | "GroupInfo" => Column::Info,
        "admins" | "Administrators" | "AdminList" => Column::Admins,
        "creator" | "CreatorId" => Column::Creator,
        _ => return None,
    })
}

/// Fields of a listed group that say nothing about how to create it.
const LISTING_ONLY: &[&str] = &[
    "Createtime",
    "Deletatime",
    "Deletor",
    "OnlineUserCounts",
    "MsgAmount",
    "TotalTimes",
    "SuperLargeGroup",
    "Status",
];

fn split_admins(text: &str) -> Vec<String> {
    text.split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A parsed create file: rows to create, and listed groups that were deleted
/// (skipped: a copy of an app's groups should not revive them).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateInput<T> {
    pub rows: Vec<Lined<T>>,
    pub skipped_deleted: Vec<Lined<String>>,
}

/// The rows of [`parse_create_input`] (listed deleted groups skipped).
pub fn parse_creates(
    text: &str,
    format: CreateFormat,
    app_id: &str,
    data_center: Option<DataCenter>,
    default_creator: Option<&str>,
) -> Result<Vec<Lined<CreateGroupRequest>>, ParseErrors> {
    parse_create_input(text, format, app_id, data_center, default_creator).map(|i| i.rows)
}

/// Parses a create-input file and checks every row against the documented
/// limits (with `app_id` for the request), and that no GroupId repeats.
pub fn parse_create_input(
    text: &str,
    format: CreateFormat,
    app_id: &str,
    data_center: Option<DataCenter>,
    default_creator: Option<&str>,
) -> Result<CreateInput<CreateGroupRequest>, ParseErrors> {
    let input = match format {
        CreateFormat::JsonLines => parse_create_json(text)?,
        CreateFormat::Csv => parse_create_csv(text)?,
    };
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(input.rows.len());
    for Lined { line, item } in input.rows {
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
        Ok(CreateInput {
            rows: out,
            skipped_deleted: input.skipped_deleted,
        })
    } else {
        Err(ParseErrors(errors))
    }
}

/// One JSON object as a row; `None` for a listed group that is deleted.
/// Why a JSON value is not a group to create.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum RowError {
    #[error("not a group object")]
    NotAnObject,
    #[error(
        "unknown field {0:?}; fields are {columns} (or the API's GroupId, GroupName, GroupInfo, Administrators/AdminList, CreatorId)",
        columns = CSV_COLUMNS.join(", ")
    )]
    UnknownField(String),
    #[error("{key} must be text, not {value}")]
    NotText { key: String, value: String },
    #[error("{key} must list text IDs, not {value}")]
    NotTextIds { key: String, value: String },
    #[error("no group_id (or GroupId)")]
    NoId,
}

fn row_from_json(value: serde_json::Value) -> Result<Option<CreateRow>, RowError> {
    let serde_json::Value::Object(map) = value else {
        return Err(RowError::NotAnObject);
    };
    let mut row = CreateRow::default();
    let mut has_id = false;
    for (key, value) in map {
        if key == "Delete" {
            if value.as_bool() == Some(true) {
                return Ok(None);
            }
            continue;
        }
        if LISTING_ONLY.contains(&key.as_str()) {
            continue;
        }
        let Some(col) = column(&key) else {
            return Err(RowError::UnknownField(key));
        };
        let text = |v: serde_json::Value| match v {
            serde_json::Value::String(s) => Ok(Some(s).filter(|s| !s.is_empty())),
            serde_json::Value::Null => Ok(None),
            other => Err(RowError::NotText {
                key: key.clone(),
                value: other.to_string(),
            }),
        };
        match col {
            Column::GroupId => {
                row.group_id = text(value)?.unwrap_or_default();
                has_id = true;
            }
            Column::Name => row.name = text(value)?,
            Column::Info => row.info = text(value)?,
            Column::Creator => row.creator = text(value)?,
            Column::Admins => {
                row.admins = match value {
                    serde_json::Value::Array(items) => items
                        .into_iter()
                        .map(|v| match v {
                            serde_json::Value::String(s) => Ok(s),
                            other => Err(RowError::NotTextIds {
                                key: key.clone(),
                                value: other.to_string(),
                            }),
                        })
                        .collect::<Result<_, _>>()?,
                    other => split_admins(&text(other)?.unwrap_or_default()),
                }
            }
        }
    }
    if !has_id {
        return Err(RowError::NoId);
    }
    Ok(Some(row))
}

fn push_json_row(
    input: &mut CreateInput<CreateRow>,
    errors: &mut Vec<LineError>,
    line: usize,
    value: serde_json::Value,
) -> bool {
    let id = value
        .get("GroupId")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    match row_from_json(value) {
        Ok(Some(_)) if input.rows.len() >= MAX_GROUPS => {
            errors.push(too_many(line));
            true
        }
        Ok(Some(row)) => {
            input.rows.push(Lined { line, item: row });
            false
        }
        Ok(None) => {
            input.skipped_deleted.push(Lined { line, item: id });
            false
        }
        Err(e) => push_error(errors, line, e.to_string()),
    }
}

/// JSON: one object per line (blank lines and `#` comments skipped), or one
/// document holding a `GroupList` (the output of `groups list --json`), or an
/// array of groups.
pub fn parse_create_json(text: &str) -> Result<CreateInput<CreateRow>, ParseErrors> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut input = CreateInput::default();
    let mut errors = Vec::new();
    let trimmed = text.trim_start();
    let first_line = text.len() - trimmed.len();
    let first_line = 1 + text[..first_line].matches('\n').count();
    // A whole document (pretty-printed listing or array)?
    if trimmed.starts_with('[') || (trimmed.starts_with('{') && !one_object_per_line(text)) {
        let doc: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| ParseErrors::one(e.line(), format!("not JSON ({e})")))?;
        let items = match doc {
            serde_json::Value::Array(items) => items,
            serde_json::Value::Object(mut map) => match map.remove("GroupList") {
                Some(serde_json::Value::Array(items)) => items,
                _ => {
                    return Err(ParseErrors::one(
                        first_line,
                        "a JSON document here must be an array of groups or hold a GroupList (as `groups list --json` prints)",
                    ));
                }
            },
            _ => return Err(ParseErrors::one(first_line, "not a list of groups")),
        };
        for value in items {
            if push_json_row(&mut input, &mut errors, first_line, value) {
                break;
            }
        }
    } else {
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let t = raw.trim().trim_start_matches('\u{feff}');
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let stop = match serde_json::from_str::<serde_json::Value>(t) {
                Ok(value) => push_json_row(&mut input, &mut errors, line, value),
                Err(e) => push_error(&mut errors, line, format!("not a group object ({e})")),
            };
            if stop {
                break;
            }
        }
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(ParseErrors(errors))
    }
}

/// True when the first non-blank line is a complete JSON value by itself.
fn one_object_per_line(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
}

/// CSV with a header row naming some of group_id, name, info, admins
/// (`;`-separated), creator (or the API's names). group_id is required.
pub fn parse_create_csv(text: &str) -> Result<CreateInput<CreateRow>, ParseErrors> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The csv crate reads an unterminated quote to the end of the file without
    // a word, swallowing every later row into one field: refuse it first.
    csv_check::quotes_balanced(text).map_err(|e| ParseErrors(vec![e]))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        // Values are trimmed below, after the line-break check: trimming first
        // would hide a break at a field's edge (`" \nname"`), the mark of two
        // unclosed quotes that pair up and swallow the rows between them.
        .trim(csv::Trim::Headers)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ParseErrors::one(1, format!("cannot read the header row ({e})")))?
        .clone();
    let mut index: HashMap<usize, Column> = HashMap::new();
    let mut has_id = false;
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim();
        let Some(col) = column(name) else {
            return Err(ParseErrors::one(
                1,
                format!(
                    "unknown column {name:?}; columns are {} (or the API's GroupId, GroupName, GroupInfo, Administrators/AdminList, CreatorId)",
                    CSV_COLUMNS.join(", ")
                ),
            ));
        };
        if index.values().any(|c| *c == col) {
            return Err(ParseErrors::one(
                1,
                format!("column {name:?} appears twice (or under two names)"),
            ));
        }
        has_id |= col == Column::GroupId;
        index.insert(i, col);
    }
    if !has_id {
        return Err(ParseErrors::one(1, "the header row has no group_id column"));
    }
    let mut input = CreateInput::default();
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
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        if input.rows.len() >= MAX_GROUPS {
            errors.push(too_many(line));
            break;
        }
        // Only GroupInfo may hold a line break: one in an ID, name or admin
        // list is an unclosed quote that swallowed the rows after it.
        if let Some((i, _)) = record
            .iter()
            .enumerate()
            .find(|(i, v)| index.get(i) != Some(&Column::Info) && v.contains(['\n', '\r']))
        {
            let name = headers.get(i).unwrap_or("?").trim();
            let msg = format!(
                "the {name} field runs over several lines: a quote is probably not closed (only info may hold a line break)"
            );
            if push_error(&mut errors, line, msg) {
                break;
            }
            continue;
        }
        let mut row = CreateRow::default();
        for (i, value) in record.iter().enumerate() {
            let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
            match index.get(&i) {
                Some(Column::GroupId) => row.group_id = value.unwrap_or_default(),
                Some(Column::Name) => row.name = value,
                Some(Column::Info) => row.info = value,
                Some(Column::Creator) => row.creator = value,
                Some(Column::Admins) => row.admins = split_admins(&value.unwrap_or_default()),
                None => {}
            }
        }
        input.rows.push(Lined { line, item: row });
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(ParseErrors(errors))
    }
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
