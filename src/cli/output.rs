//! How the command line prints: aligned tables for people, JSON for scripts,
//! and errors on stderr with the code and RequestId an on-call engineer needs.
//!
//! Everything printed for people goes through [`crate::text::terminal_safe`]:
//! table cells, fields, notes and error messages hold text from the service or
//! from files, and none of it may act on the terminal. JSON keeps every value
//! exact (only written with escapes a terminal cannot act on).

use std::process::ExitCode;

use comfy_table::{Table, presets};
use serde::Serialize;

use crate::api::ApiError;
use crate::text::{json_terminal_safe, terminal_safe, terminal_safe_multiline};

/// Exit code: a service or network error.
pub(crate) const EXIT_RUNTIME: u8 = 1;
/// Exit code: a usage error; nothing was sent.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code: the service answered, but the command changed nothing because
/// the object was already there or already gone (a create of an ID that
/// exists or was deleted). Scripts that want "make sure it exists" may treat 3 as success.
pub(crate) const EXIT_NOTHING_DONE: u8 = 3;

/// Why a command failed, and the exit code that says so (1 service/network,
/// 2 usage, 3 nothing done).
#[derive(Debug)]
pub struct Failure {
    pub exit: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            exit: EXIT_USAGE,
            message: message.into(),
        }
    }
    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            exit: EXIT_RUNTIME,
            message: message.into(),
        }
    }
    /// The service answered, and nothing changed (exit 3).
    pub fn nothing_done(message: impl Into<String>) -> Self {
        Self {
            exit: EXIT_NOTHING_DONE,
            message: message.into(),
        }
    }
    /// Prints the message on stderr (made terminal-safe: it may quote the
    /// service or a file) and returns the exit code.
    pub fn report(&self) -> ExitCode {
        eprintln!("livemod: error: {}", terminal_safe_multiline(&self.message));
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
/// Every part that came from the service is made terminal-safe on one line.
pub(crate) fn describe_api_error(e: &ApiError) -> String {
    match e.service() {
        Some(s) => {
            let mut text = format!(
                "{}: {} (HTTP {}",
                terminal_safe(&s.code),
                terminal_safe(&s.message),
                s.status
            );
            if let Some(id) = &s.request_id {
                text.push_str(&format!(", RequestId {}", terminal_safe(id)));
            }
            text.push(')');
            if let Some(r) = s.recommend.as_deref().filter(|r| !r.is_empty()) {
                text.push_str(&format!("; see {}", terminal_safe(r)));
            }
            text
        }
        None => terminal_safe(&e.to_string()).into_owned(),
    }
}

/// A line for people on stderr (progress, counts, hints), made terminal-safe.
pub(crate) fn note(text: &str) {
    eprintln!("{}", terminal_safe_multiline(text));
}

/// Writes one block and a newline to stdout. A closed pipe (`livemod … | head`)
/// ends the program quietly instead of panicking as `println!` would.
pub(crate) fn emit(text: &str) {
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

/// Pretty JSON. Values stay exact; the characters a terminal could act on that
/// JSON leaves raw (C1 and bidi controls) are written as `\uXXXX` escapes.
pub(crate) fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::runtime(format!("cannot encode JSON: {e}")))?;
    emit(&json_terminal_safe(&text));
    Ok(())
}

/// One JSON value on one line (for streams such as `messages tail --json`).
pub(crate) fn print_json_line<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string(value)
        .map_err(|e| Failure::runtime(format!("cannot encode JSON: {e}")))?;
    emit(&json_terminal_safe(&text));
    Ok(())
}

/// A borderless table with aligned columns. Every cell is made terminal-safe
/// on one line, so a name cannot hold an escape sequence or a forged row.
pub(crate) fn print_table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.set_header(header.iter().copied());
    for row in rows {
        table.add_row(
            row.iter()
                .map(|cell| terminal_safe(cell).into_owned())
                .collect::<Vec<_>>(),
        );
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

/// Key/value pairs, one per line, keys aligned; values made terminal-safe.
pub(crate) fn print_fields(fields: &[(&str, String)]) {
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let lines: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k:<width$}  {}", terminal_safe(v)))
        .collect();
    emit(&lines.join("\n"));
}

pub(crate) fn local_time(unix_seconds: i64) -> String {
    use chrono::{Local, TimeZone};
    match Local.timestamp_opt(unix_seconds, 0) {
        chrono::LocalResult::Single(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => format!("@{unix_seconds}"),
    }
}

/// Calls `op` and shows the reply: as JSON with `--json`, else as `show`
/// prints it. Every simple command is this shape.
pub(crate) async fn call_and_show<O>(
    session: &crate::session::Session,
    op: &O,
    json: bool,
    show: impl FnOnce(O::Response),
) -> Result<(), Failure>
where
    O: crate::api::Operation,
    O::Response: Serialize,
{
    let reply = session.client.call(op).await?;
    if json {
        return print_json(&reply);
    }
    show(reply);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ServiceError;

    /// A hostile or broken service cannot write to the terminal through an error.
    #[test]
    fn service_errors_are_terminal_safe() {
        let e = ApiError::Service(ServiceError {
            status: 400,
            code: "Bad\x1b[2J".into(),
            message: "line one\nforged: ok\x1b]52;c;aGk=\x07".into(),
            request_id: Some("rid\r\u{202e}".into()),
            recommend: Some("https://x/\u{9b}1m".into()),
            host_id: None,
            retry_after: None,
        });
        let text = describe_api_error(&e);
        assert!(!text.chars().any(crate::text::is_unsafe), "{text:?}");
        assert!(text.contains("line one\\nforged: ok\\x1b]52"), "{text}");
        assert!(text.contains("RequestId rid\\r\\u{202e}"), "{text}");
    }
}
