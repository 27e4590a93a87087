//! Compose-pane drafts, per (app, data center, group), in `<data_dir>/drafts.json`.
//!
//! Why: a moderator typing during a live broadcast must not lose the text to a
//! crash, a closed terminal or a dropped SSH session. Every field is kept as
//! the raw text typed (a half-typed MsgType like "1a" is still a draft), the
//! file is replaced atomically (temp file, fsync, rename, fsync of the
//! directory) so a crash mid-save leaves the previous version intact, and the
//! [`Debouncer`] bounds how long an edit can stay unsaved: whatever was typed
//! more than `interval` ago is on disk, even after `kill -9`.
//!
//! Several consoles may share one data directory: a save merges per group
//! under a file lock (`drafts.json.lock`). It re-reads the file, replaces only
//! the groups this console changed since its last save, and keeps every other
//! group as another console left it, so nobody's typed text is overwritten.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{DataCenter, SendMessageRequest};
use crate::util::write_atomic;

pub(crate) const FILE_NAME: &str = "drafts.json";
/// Default upper bound on how long a keystroke can stay unsaved.
pub(crate) const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(500);
const FORMAT_VERSION: u32 = 1;

/// Which compose pane a draft belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DraftKey {
    pub app_id: String,
    #[serde(default)]
    pub data_center: Option<DataCenter>,
    pub group_id: String,
}

impl Ord for DraftKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let k = |d: &Self| {
            (
                d.app_id.clone(),
                d.data_center.map(DataCenter::as_str),
                d.group_id.clone(),
            )
        };
        k(self).cmp(&k(other))
    }
}

impl PartialOrd for DraftKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl DraftKey {
    pub fn new(app_id: &str, data_center: Option<DataCenter>, group_id: &str) -> Self {
        Self {
            app_id: app_id.to_string(),
            data_center,
            group_id: group_id.to_string(),
        }
    }
}

/// Every compose field, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub sender_id: String,
    pub sender_meta_info: String,
    pub body: String,
    pub msg_type: String,
    pub msg_tid: String,
    pub statics_increase: String,
    pub weight: String,
    pub no_storage: bool,
    pub no_cache: bool,
    /// Which field had the cursor, so the pane reopens where the user was.
    pub focus: Option<String>,
}

impl Draft {
    /// True when there is nothing worth keeping.
    pub fn is_empty(&self) -> bool {
        let Draft {
            sender_id,
            sender_meta_info,
            body,
            msg_type,
            msg_tid,
            statics_increase,
            weight,
            no_storage,
            no_cache,
            focus: _,
        } = self;
        [
            sender_id,
            sender_meta_info,
            body,
            msg_type,
            msg_tid,
            statics_increase,
            weight,
        ]
        .iter()
        .all(|s| s.is_empty())
            && !no_storage
            && !no_cache
    }

    pub fn from_request(req: &SendMessageRequest) -> Self {
        let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        Self {
            sender_id: req.sender_id.clone(),
            sender_meta_info: req.sender_meta_info.clone().unwrap_or_default(),
            body: req.body.clone().unwrap_or_default(),
            msg_type: num(req.msg_type),
            msg_tid: req.msg_tid.clone().unwrap_or_default(),
            statics_increase: num(req.statics_increase),
            weight: num(req.weight),
            no_storage: req.no_storage.unwrap_or(false),
            no_cache: req.no_cache.unwrap_or(false),
            focus: None,
        }
    }

    /// The request this draft describes; a field that is not a number is named.
    pub fn to_request(&self, key: &DraftKey) -> Result<SendMessageRequest, NotANumber> {
        fn num(field: &'static str, text: &str) -> Result<Option<i64>, NotANumber> {
            let t = text.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse().map(Some).map_err(|_| NotANumber {
                field,
                text: t.to_string(),
            })
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Ok(SendMessageRequest {
            app_id: key.app_id.clone(),
            group_id: key.group_id.clone(),
            sender_id: self.sender_id.trim().to_string(),
            sender_meta_info: opt(&self.sender_meta_info),
            body: opt(&self.body),
            msg_type: num("MsgType", &self.msg_type)?,
            msg_tid: opt(self.msg_tid.trim()),
            statics_increase: num("StaticsIncrease", &self.statics_increase)?,
            weight: num("Weight", &self.weight)?,
            no_storage: self.no_storage.then_some(true),
            no_cache: self.no_cache.then_some(true),
            data_center: key.data_center,
        })
    }
}

/// A numeric compose field holds something that is not a whole number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be a whole number, not {text:?}")]
pub struct NotANumber {
    pub field: &'static str,
    pub text: String,
}

/// Tracks the oldest unsaved change. It is a bound, not a "quiet period":
/// continuous typing still gets saved every `interval`.
#[derive(Debug, Clone)]
pub(crate) struct Debouncer {
    interval: Duration,
    pending_since: Option<Instant>,
}

impl Debouncer {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            pending_since: None,
        }
    }
    /// Records a change at `now` (the first unsaved one starts the clock).
    pub(crate) fn touch(&mut self, now: Instant) {
        self.pending_since.get_or_insert(now);
    }
    /// When the pending change must be saved; `None` when nothing is pending.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.pending_since.map(|t| t + self.interval)
    }
    pub(crate) fn is_due(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|d| now >= d)
    }
    pub(crate) fn clear(&mut self) {
        self.pending_since = None;
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum DraftError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct FileFormat {
    version: u32,
    drafts: Vec<StoredDraft>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredDraft {
    #[serde(flatten)]
    key: DraftKey,
    draft: Draft,
    #[serde(with = "crate::util::time::rfc3339")]
    updated_at: DateTime<Utc>,
}

/// All drafts, in memory, mirrored to the file.
#[derive(Debug)]
pub(crate) struct DraftStore {
    path: PathBuf,
    drafts: BTreeMap<DraftKey, (Draft, DateTime<Utc>)>,
    /// Groups changed (or removed) here since the last save: only these
    /// replace what is on disk, so other consoles' drafts survive a save.
    dirty: BTreeSet<DraftKey>,
    debouncer: Debouncer,
    load_warning: Option<String>,
}

impl DraftStore {
    /// Loads the file (missing means no drafts). An unreadable file is moved
    /// aside (`drafts.json.corrupt-<time>`) rather than overwritten, and
    /// [`DraftStore::load_warning`] says so: text is never thrown away.
    pub(crate) fn open(path: impl Into<PathBuf>, debounce: Duration) -> Result<Self, DraftError> {
        let path = path.into();
        let io_err = |source| DraftError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut store = Self {
            path: path.clone(),
            drafts: BTreeMap::new(),
            dirty: BTreeSet::new(),
            debouncer: Debouncer::new(debounce),
            load_warning: None,
        };
        let (drafts, warning) = read_file(&path).map_err(io_err)?;
        store.drafts = drafts;
        store.load_warning = warning;
        Ok(store)
    }

    /// `<data_dir>/drafts.json` with the default debounce.
    pub(crate) fn in_dir(data_dir: &Path) -> Result<Self, DraftError> {
        Self::open(data_dir.join(FILE_NAME), DEFAULT_DEBOUNCE)
    }

    pub(crate) fn load_warning(&self) -> Option<&str> {
        self.load_warning.as_deref()
    }
    pub(crate) fn get(&self, key: &DraftKey) -> Option<&Draft> {
        self.drafts.get(key).map(|(d, _)| d)
    }
    #[cfg(test)]
    fn len(&self) -> usize {
        self.drafts.len()
    }
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.drafts.is_empty()
    }

    /// Records the pane's current fields (call it on every keystroke); an
    /// empty draft removes the entry. Nothing is written until
    /// [`DraftStore::save_debounced`] or [`DraftStore::save_now`].
    pub(crate) fn update(&mut self, key: DraftKey, draft: Draft, now: Instant) {
        let changed = if draft.is_empty() {
            self.drafts.remove(&key).is_some()
        } else if self.get(&key) != Some(&draft) {
            self.drafts.insert(key.clone(), (draft, Utc::now()));
            true
        } else {
            false
        };
        if changed {
            self.dirty.insert(key);
            self.debouncer.touch(now);
        }
    }

    /// When the event loop should call `save_debounced` next (`None`: nothing pending).
    pub(crate) fn next_save_at(&self) -> Option<Instant> {
        self.debouncer.deadline()
    }

    /// Saves when the oldest unsaved change is `interval` old. Returns whether it wrote.
    pub(crate) fn save_debounced(&mut self, now: Instant) -> Result<bool, DraftError> {
        if !self.debouncer.is_due(now) {
            return Ok(false);
        }
        self.save_now()?;
        Ok(true)
    }

    /// Writes now (on quit, or before anything risky), merged per group with
    /// what other consoles saved meanwhile; afterwards this store also holds
    /// their drafts for groups it did not change.
    pub(crate) fn save_now(&mut self) -> Result<(), DraftError> {
        let io_err = |source| DraftError::Io {
            path: self.path.display().to_string(),
            source,
        };
        let _lock = self.lock().map_err(io_err)?;
        let (mut merged, warning) = read_file(&self.path).map_err(io_err)?;
        if warning.is_some() {
            self.load_warning = warning;
        }
        for key in &self.dirty {
            match self.drafts.get(key) {
                Some(mine) => merged.insert(key.clone(), mine.clone()),
                None => merged.remove(key),
            };
        }
        let file = FileFormat {
            version: FORMAT_VERSION,
            drafts: merged
                .iter()
                .map(|(k, (d, t))| StoredDraft {
                    key: k.clone(),
                    draft: d.clone(),
                    updated_at: *t,
                })
                .collect(),
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| io_err(io::Error::other(e)))?;
        write_atomic(&self.path, &bytes).map_err(io_err)?;
        self.drafts = merged;
        self.dirty.clear();
        self.debouncer.clear();
        Ok(())
    }

    /// Serialises read-merge-write between processes sharing the directory.
    fn lock(&self) -> io::Result<File> {
        let mut name = self.path.clone().into_os_string();
        name.push(".lock");
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = File::options()
            .write(true)
            .create(true)
            .truncate(false)
            .open(PathBuf::from(name))?;
        file.lock()?;
        Ok(file)
    }

    /// The message was delivered or queued in the outbox: its draft goes,
    /// durably and at once (a restored draft of a sent message would invite a
    /// duplicate send).
    pub(crate) fn remove(&mut self, key: &DraftKey) -> Result<Option<Draft>, DraftError> {
        let removed = self.drafts.remove(key).map(|(d, _)| d);
        if removed.is_some() {
            self.dirty.insert(key.clone());
            self.save_now()?;
        }
        Ok(removed)
    }
}

type DraftMap = BTreeMap<DraftKey, (Draft, DateTime<Utc>)>;

/// The drafts in `path` (none when it does not exist). An unreadable file is
/// moved aside (`drafts.json.corrupt-<time>`), never overwritten, and the
/// warning says so.
fn read_file(path: &Path) -> io::Result<(DraftMap, Option<String>)> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((BTreeMap::new(), None)),
        Err(e) => return Err(e),
    };
    match serde_json::from_slice::<FileFormat>(&text) {
        Ok(file) => Ok((
            file.drafts
                .into_iter()
                .map(|d| (d.key, (d.draft, d.updated_at)))
                .collect(),
            None,
        )),
        Err(e) => {
            let mut aside = path.to_path_buf().into_os_string();
            aside.push(format!(".corrupt-{}", Utc::now().format("%Y%m%dT%H%M%S")));
            std::fs::rename(path, &aside)?;
            let warning = format!(
                "{} could not be read ({e}); it was kept as {}",
                path.display(),
                PathBuf::from(aside).display()
            );
            Ok((BTreeMap::new(), Some(warning)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(body: &str) -> Draft {
        Draft {
            sender_id: "mod1".into(),
            sender_meta_info: "meta".into(),
            body: body.into(),
            msg_type: "1a".into(),
            msg_tid: String::new(),
            statics_increase: "2".into(),
            weight: "3".into(),
            no_storage: true,
            no_cache: false,
            focus: Some("msg_type".into()),
        }
    }

    #[test]
    fn round_trip_every_field_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let k1 = DraftKey::new("demo", None, "g1");
        let k2 = DraftKey::new("demo", Some(DataCenter::ApSoutheast1), "g1");
        let t0 = Instant::now();
        {
            let mut s = DraftStore::open(&path, Duration::from_millis(100)).unwrap();
            s.update(k1.clone(), draft("hello 你好\nline two"), t0);
            s.update(k2.clone(), draft("other dc"), t0);
            s.save_now().unwrap();
        }
        let s = DraftStore::open(&path, Duration::from_millis(100)).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.get(&k1), Some(&draft("hello 你好\nline two")));
        assert_eq!(s.get(&k2).unwrap().body, "other dc");
        assert!(s.load_warning().is_none());
    }

    #[test]
    fn debounce_bounds_unsaved_time_even_while_typing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let key = DraftKey::new("demo", None, "g1");
        let mut s = DraftStore::open(&path, Duration::from_millis(500)).unwrap();
        let t0 = Instant::now();
        assert_eq!(s.next_save_at(), None);
        s.update(key.clone(), draft("h"), t0);
        assert_eq!(s.next_save_at(), Some(t0 + Duration::from_millis(500)));
        // Keep typing: the deadline does not move.
        s.update(key.clone(), draft("he"), t0 + Duration::from_millis(300));
        assert!(!s.save_debounced(t0 + Duration::from_millis(400)).unwrap());
        assert!(!path.exists());
        assert!(s.save_debounced(t0 + Duration::from_millis(500)).unwrap());
        // What a fresh process (after kill -9) would see.
        let fresh = DraftStore::open(&path, DEFAULT_DEBOUNCE).unwrap();
        assert_eq!(fresh.get(&key).unwrap().body, "he");
        assert_eq!(s.next_save_at(), None);
        // An identical update is not a change.
        s.update(key.clone(), draft("he"), t0 + Duration::from_secs(1));
        assert_eq!(s.next_save_at(), None);
    }

    #[test]
    fn remove_is_durable_and_empty_drafts_vanish() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let key = DraftKey::new("demo", None, "g1");
        let mut s = DraftStore::open(&path, DEFAULT_DEBOUNCE).unwrap();
        s.update(key.clone(), draft("x"), Instant::now());
        s.save_now().unwrap();
        assert!(s.remove(&key).unwrap().is_some());
        assert!(
            DraftStore::open(&path, DEFAULT_DEBOUNCE)
                .unwrap()
                .is_empty()
        );
        s.update(key.clone(), draft("y"), Instant::now());
        s.update(key.clone(), Draft::default(), Instant::now());
        assert!(s.is_empty());
    }

    #[test]
    fn corrupt_file_is_kept_aside_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"{\"version\":1,\"drafts\":[{").unwrap();
        let s = DraftStore::open(&path, DEFAULT_DEBOUNCE).unwrap();
        assert!(s.is_empty());
        assert!(s.load_warning().unwrap().contains("corrupt"));
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1);
    }

    #[test]
    fn draft_to_request_names_bad_numbers() {
        let key = DraftKey::new("demo", Some(DataCenter::CnShanghai), "g1");
        let err = draft("x").to_request(&key).unwrap_err();
        assert_eq!(err.field, "MsgType");
        assert!(err.to_string().contains("\"1a\""), "{err}");
        let mut d = draft("x");
        d.msg_type = "7".into();
        let req = d.to_request(&key).unwrap();
        assert_eq!(req.msg_type, Some(7));
        assert_eq!(req.weight, Some(3));
        assert_eq!(req.no_storage, Some(true));
        assert_eq!(req.no_cache, None);
        assert_eq!(req.msg_tid, None);
        assert_eq!(Draft::from_request(&req).body, "x");
    }

    #[test]
    fn two_consoles_on_one_directory_keep_each_others_drafts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let g1 = DraftKey::new("demo", None, "g1");
        let g2 = DraftKey::new("demo", None, "g2");
        let g3 = DraftKey::new("demo", None, "g3");
        let now = Instant::now();
        let mut a = DraftStore::open(&path, DEFAULT_DEBOUNCE).unwrap();
        let mut b = DraftStore::open(&path, DEFAULT_DEBOUNCE).unwrap();
        a.update(g1.clone(), draft("typed in A"), now);
        a.update(g3.clone(), draft("A's g3"), now);
        b.update(g2.clone(), draft("typed in B"), now);
        a.save_now().unwrap();
        // B saves last: before per-group merging this dropped A's drafts.
        b.save_now().unwrap();
        let fresh = DraftStore::open(&path, DEFAULT_DEBOUNCE).unwrap();
        assert_eq!(fresh.get(&g1).unwrap().body, "typed in A");
        assert_eq!(fresh.get(&g2).unwrap().body, "typed in B");
        assert_eq!(fresh.get(&g3).unwrap().body, "A's g3");
        // B now sees A's drafts too.
        assert_eq!(b.get(&g1).unwrap().body, "typed in A");
        // A sends g3 (its draft goes); B, which never touched g3, saves again
        // with its stale copy in memory: g3 stays gone.
        assert!(a.remove(&g3).unwrap().is_some());
        b.update(g2.clone(), draft("B again"), now);
        b.save_now().unwrap();
        let fresh = DraftStore::open(&path, DEFAULT_DEBOUNCE).unwrap();
        assert!(fresh.get(&g3).is_none());
        assert_eq!(fresh.get(&g2).unwrap().body, "B again");
        assert_eq!(fresh.get(&g1).unwrap().body, "typed in A");
    }
}
