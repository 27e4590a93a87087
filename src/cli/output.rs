//! How the command line prints: aligned tables for people, JSON for scripts,
//! and errors on stderr with the code and RequestId an on-call engineer needs.

use std::process::ExitCode;

use comfy_table::{Table, presets};
use serde::Serialize;

use crate::api::ApiError;

/// Why a command failed, and the exit code that says so (1 service/network, 2 usage).
#[derive(Debug)]
pub struct Failure {
    pub exit: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            exit: 2,
            message: message.into(),
        }
    }
    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            exit: 1,
            message: message.into(),
        }
    }
    pub fn report(&self) -> ExitCode {
        eprintln!("livemod: error: {}", self.message);
        ExitCode::from(self.exit)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure {
            exit: e.exit_code() as u8,
            message: describe_api_error(&e),
        }
    }
}

impl From<color_eyre::Report> for Failure {
    fn from(e: color_eyre::Report) -> Self {
        Failure::runtime(format!("{e:#}"))
    }
}

/// "Code: Message (HTTP 404, RequestId …)" for service errors; the error's own text otherwise.
pub fn describe_api_error(e: &ApiError) -> String {
    match e.service() {
        Some(s) => {
            let mut text = format!("{}: {} (HTTP {}", s.code, s.message, s.status);
            if let Some(id) = &s.request_id {
                text.push_str(&format!(", RequestId {id}"));
            }
            text.push(')');
            if let Some(r) = s.recommend.as_deref().filter(|r| !r.is_empty()) {
                text.push_str(&format!("; see {r}"));
            }
            text
        }
        None => e.to_string(),
    }
}

/// Writes one block and a newline to stdout. A closed pipe (`livemod … | head`)
/// ends the program quietly instead of panicking as `println!` would.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let result = writeln!(out, "{text}").and_then(|()| out.flush());
    match result {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("livemod: error: cannot write to stdout: {e}");
            std::process::exit(1);
        }
    }
}

pub fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::runtime(format!("cannot encode JSON: {e}")))?;
    emit(&text);
    Ok(())
}

/// A borderless table with aligned columns.
pub fn print_table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.set_header(header.iter().copied());
    for row in rows {
        table.add_row(row);
    }
    // No left padding so the first column starts at the margin; two spaces between columns.
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    let mut text = String::new();
    for line in table.to_string().lines() {
        text.push_str(line.trim_end());
        text.push('\n');
    }
    emit(text.trim_end_matches('\n'));
}

/// Key/value pairs, one per line, keys aligned.
pub fn print_fields(fields: &[(&str, String)]) {
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let lines: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k:<width$}  {v}"))
        .collect();
    emit(&lines.join("\n"));
}

pub fn local_time(unix_seconds: i64) -> String {
    use chrono::{Local, TimeZone};
    match Local.timestamp_opt(unix_seconds, 0) {
        chrono::LocalResult::Single(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => format!("@{unix_seconds}"),
    }
}
