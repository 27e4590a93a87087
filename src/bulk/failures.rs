//! Failures files: what a bulk run did not do, in its input's format, so it
//! can be fed straight back in.

use std::io::{self, Write};
use std::path::Path;

use super::input::{CSV_COLUMNS, CreateFormat, CreateRow};
use crate::api::CreateGroupRequest;

/// Create requests in the input's format, for a re-run.
pub(crate) fn create_failures_bytes(
    format: CreateFormat,
    requests: &[&CreateGroupRequest],
) -> io::Result<Vec<u8>> {
    let rows: Vec<CreateRow> = requests
        .iter()
        .map(|r| CreateRow::from_request(r))
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
    Ok(bytes)
}

/// Writes create requests back in the input's format, for a re-run.
pub fn write_create_failures(
    path: &Path,
    format: CreateFormat,
    requests: &[&CreateGroupRequest],
) -> io::Result<()> {
    crate::util::write_atomic(path, &create_failures_bytes(format, requests)?)
}

/// Writes target GroupIds back in the input's format, for a re-run.
pub fn write_target_failures(path: &Path, json_lines: bool, groups: &[&str]) -> io::Result<()> {
    let mut bytes = Vec::new();
    for g in groups {
        if json_lines {
            serde_json::to_writer(&mut bytes, &serde_json::json!({ "group_id": g }))?;
            bytes.push(b'\n');
        } else {
            writeln!(bytes, "{g}")?;
        }
    }
    crate::util::write_atomic(path, &bytes)
}
