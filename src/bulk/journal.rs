//! The progress journal of a bulk run: `<failures file>.progress`, one JSON
//! line per event, written as the run goes.
//!
//! Why: the failures file is written when a run ends (normally, or on Ctrl-C,
//! SIGTERM, SIGHUP). A `kill -9` or a power cut ends nothing, and re-running
//! the whole input would send every message again. The journal records each
//! item *before* its call leaves ("started") and when it ends, each line with
//! one unbuffered `write` (no fsync: a killed process's writes are already in
//! the kernel), so what it says was sent is exactly what was sent, and an item
//! started but never ended is "outcome unknown". A clean end removes it; the
//! next run over the same input finds a leftover journal and turns it into a
//! failures file instead of sending anything.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::run::OutcomeKind;

/// The journal of a run whose failures go to `failures`.
pub fn path_for(failures: &Path) -> PathBuf {
    let mut p = failures.as_os_str().to_os_string();
    p.push(".progress");
    PathBuf::from(p)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The operation's action name (`SendLiveMessageGroup`, …).
    pub action: String,
    pub input: String,
    pub total: usize,
    #[serde(with = "crate::util::time::rfc3339")]
    pub started: DateTime<Utc>,
    pub pid: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Started,
    Ended(OutcomeKind),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Header { header: Header },
    Item { id: String, event: Event },
}

/// An open journal. Write errors are kept, not thrown: the run goes on and
/// its summary says the journal could not be kept.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
    error: Option<io::Error>,
}

impl Journal {
    /// Starts a journal; fails when one exists already (an earlier run was
    /// interrupted: see [`read`]).
    pub fn create(path: &Path, header: Header) -> io::Result<Self> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        let mut journal = Self {
            path: path.to_path_buf(),
            file: Some(file),
            error: None,
        };
        journal.write(&Line::Header { header });
        match journal.error.take() {
            Some(e) => Err(e),
            None => Ok(journal),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Before the call for `id` leaves.
    pub fn started(&mut self, id: &str) {
        self.write(&Line::Item {
            id: id.to_string(),
            event: Event::Started,
        });
    }

    /// When the call for `id` ended.
    pub fn ended(&mut self, id: &str, kind: OutcomeKind) {
        self.write(&Line::Item {
            id: id.to_string(),
            event: Event::Ended(kind),
        });
    }

    /// The first write that failed, if any.
    pub fn error(&self) -> Option<&io::Error> {
        self.error.as_ref()
    }

    /// The run ended and its failures file is written: the journal is done.
    pub fn finish(mut self) -> io::Result<()> {
        self.file = None;
        std::fs::remove_file(&self.path)
    }

    fn write(&mut self, line: &Line) {
        let Some(file) = &mut self.file else { return };
        let mut bytes = match serde_json::to_vec(line) {
            Ok(b) => b,
            Err(e) => {
                self.error = Some(io::Error::other(e));
                self.file = None;
                return;
            }
        };
        bytes.push(b'\n');
        if let Err(e) = file.write_all(&bytes) {
            self.error = Some(e);
            // A torn line is worse than a short journal: stop writing.
            self.file = None;
        }
    }
}

/// What a leftover journal says about an interrupted run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub header: Option<Header>,
    /// How each item that started ended; `Unknown` when it never ended.
    pub items: HashMap<String, OutcomeKind>,
}

impl Record {
    pub fn count(&self, kind: OutcomeKind) -> usize {
        self.items.values().filter(|k| **k == kind).count()
    }
    /// Whether `id` may have taken effect (done, or outcome unknown).
    pub fn maybe_done(&self, id: &str) -> bool {
        matches!(
            self.items.get(id),
            Some(OutcomeKind::Done | OutcomeKind::Unknown)
        )
    }
}

/// Reads a journal; a torn or unreadable line (the process died mid-write)
/// is skipped.
pub fn read(path: &Path) -> io::Result<Record> {
    let mut record = Record::default();
    for line in BufReader::new(File::open(path)?).split(b'\n') {
        let line = line?;
        match serde_json::from_slice::<Line>(&line) {
            Ok(Line::Header { header }) => record.header = Some(header),
            Ok(Line::Item {
                id,
                event: Event::Started,
            }) => {
                record.items.insert(id, OutcomeKind::Unknown);
            }
            Ok(Line::Item {
                id,
                event: Event::Ended(kind),
            }) => {
                record.items.insert(id, kind);
            }
            Err(_) => continue,
        }
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            action: "SendLiveMessageGroup".into(),
            input: "targets.txt".into(),
            total: 3,
            started: Utc::now(),
            pid: 1,
        }
    }

    #[test]
    fn a_started_item_without_an_end_is_outcome_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("t.failed"));
        let mut j = Journal::create(&path, header()).unwrap();
        j.started("g1");
        j.ended("g1", OutcomeKind::Done);
        j.started("g2");
        j.started("g3");
        j.ended("g3", OutcomeKind::Refused);
        // Dropped without finish: as after kill -9.
        drop(j);
        // A torn last line, as if killed mid-write.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"id":"g4","ev"#).unwrap();
        let r = read(&path).unwrap();
        assert_eq!(r.header.as_ref().unwrap().total, 3);
        assert_eq!(r.items["g1"], OutcomeKind::Done);
        assert_eq!(r.items["g2"], OutcomeKind::Unknown);
        assert_eq!(r.items["g3"], OutcomeKind::Refused);
        assert!(!r.items.contains_key("g4"));
        assert!(r.maybe_done("g1") && r.maybe_done("g2") && !r.maybe_done("g3"));
        // A second run cannot start over it.
        assert!(Journal::create(&path, header()).is_err());
    }

    #[test]
    fn finish_removes_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("t.failed"));
        let mut j = Journal::create(&path, header()).unwrap();
        j.started("g1");
        j.finish().unwrap();
        assert!(!path.exists());
    }
}
