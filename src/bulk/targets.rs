//! Target files for a bulk send: one GroupId per line, or JSON lines
//! `{"group_id": …}`, read line by line in bounded memory.

use std::collections::HashMap;
use std::io::{self, BufRead, Read};
use std::path::Path;

use serde::Deserialize;

use super::input::{
    InputError, LineError, Lined, MAX_GROUPS, MAX_TARGET_FILE_BYTES, ParseErrors, push_error,
    too_many,
};
use crate::api::validate;

/// One line of a target file.
const MAX_TARGET_LINE_BYTES: usize = 4 * 1024;

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
    #[serde(alias = "GroupId")]
    group_id: String,
}

pub fn parse_targets(text: &str) -> Result<Targets, ParseErrors> {
    parse_targets_from(text.as_bytes())
}

/// Reads a target file line by line, in bounded memory: a line longer than
/// 4 KiB or more than 5,000 groups stops it with an error naming the line.
pub fn read_targets(path: &Path) -> Result<Targets, InputError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| InputError::Io {
        path: shown.clone(),
        source,
    })?;
    let reader = io::BufReader::new(file.take(MAX_TARGET_FILE_BYTES + 1));
    let counted = CountingReader {
        inner: reader,
        read: 0,
    };
    parse_targets_counted(counted, &shown)
}

struct CountingReader<R> {
    inner: R,
    read: u64,
}

impl<R: BufRead> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CountingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.read += amt as u64;
        self.inner.consume(amt);
    }
}

fn parse_targets_counted<R: BufRead>(
    mut reader: CountingReader<R>,
    shown: &str,
) -> Result<Targets, InputError> {
    let result = parse_targets_from(&mut reader);
    if reader.read > MAX_TARGET_FILE_BYTES {
        return Err(InputError::TooLarge {
            path: shown.to_string(),
            limit: MAX_TARGET_FILE_BYTES,
            why: " (an app holds at most 5,000 groups)",
        });
    }
    result.map_err(|errors| InputError::Parse {
        path: shown.to_string(),
        errors,
    })
}

pub fn parse_targets_from(mut reader: impl BufRead) -> Result<Targets, ParseErrors> {
    let mut groups = Vec::new();
    let mut errors = Vec::new();
    let mut json_lines = false;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut buf = Vec::new();
    let mut line = 0;
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_TARGET_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| ParseErrors::one(line + 1, format!("cannot read ({e})")))?;
        if n == 0 {
            break;
        }
        line += 1;
        if buf.len() > MAX_TARGET_LINE_BYTES && buf.last() != Some(&b'\n') {
            errors.push(LineError {
                line,
                message: format!(
                    "longer than {MAX_TARGET_LINE_BYTES} bytes: not a GroupId (is this the right file?)"
                ),
            });
            break;
        }
        let Ok(raw) = std::str::from_utf8(&buf) else {
            if push_error(&mut errors, line, "is not UTF-8 text") {
                break;
            }
            continue;
        };
        let t = raw.trim().trim_start_matches('\u{feff}').trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.contains('\0') {
            errors.push(LineError {
                line,
                message: "contains a NUL byte: not a text file".into(),
            });
            break;
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
        if groups.len() >= MAX_GROUPS {
            errors.push(too_many(line));
            break;
        }
        groups.push(Lined { line, item: id });
    }
    if errors.is_empty() {
        Ok(Targets { groups, json_lines })
    } else {
        Err(ParseErrors(errors))
    }
}
