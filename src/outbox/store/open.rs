//! Opening an outbox: writable (registering this process as an owner and
//! recovering what dead owners left in flight), or read-only; and the
//! settings that go with an open outbox.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

use super::Outbox;
use crate::audit::AuditLog;
use crate::outbox::schema::{SCHEMA, migrate};
use crate::outbox::{DEFAULT_EXPIRY, OutboxError, Target};

impl Outbox {
    /// Opens (creating) the outbox and recovers entries a dead process left in
    /// `sending` as `outcome_unknown`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OutboxError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(&path)?;
        // Other processes hold the write lock only for one short transaction.
        conn.busy_timeout(Duration::from_secs(30))?;
        // WAL: readers (the console's list) never block the sender. FULL: a
        // state transition survives power loss once the call returns.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;

        let mut owners_dir = path.clone().into_os_string();
        owners_dir.push(".owners");
        let owners_dir = PathBuf::from(owners_dir);
        std::fs::create_dir_all(&owners_dir)?;
        let owner = uuid::Uuid::new_v4().simple().to_string();
        let lock = File::create(owners_dir.join(format!("{owner}.lock")))?;
        lock.lock()?;

        let mut outbox = Self {
            conn: Mutex::new(conn),
            path,
            owner,
            owners_dir,
            _owner_lock: Some(lock),
            audit: None,
            target: None,
            expiry: DEFAULT_EXPIRY,
            recovered: 0,
        };
        outbox.recovered = outbox.recover_interrupted()?;
        Ok(outbox)
    }

    /// Opens an existing outbox only to read it (`outbox list` in a data
    /// directory this user cannot write): nothing is created, recovered or
    /// claimed. A file an older livemod wrote must first be opened writable
    /// once; every change is refused by SQLite.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, OutboxError> {
        use rusqlite::OpenFlags;
        let path = path.as_ref().to_path_buf();
        if !path.exists() {
            return Err(OutboxError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} does not exist", path.display()),
            )));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let uri = |query: &str| {
            let mut u = url::Url::from_file_path(&path)
                .unwrap_or_else(|()| url::Url::parse("file:///nonexistent").expect("static URL"));
            u.set_query(Some(query));
            u.to_string()
        };
        let readable = |conn: &Connection| {
            conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0))
                .map(|_| ())
        };
        // A WAL file is read through its shared-memory file; where that cannot
        // be created (a directory nobody may write), nobody can be writing
        // either, and the file is read as it stands.
        let conn = match Connection::open_with_flags(uri("mode=ro"), flags) {
            Ok(conn) if readable(&conn).is_ok() => conn,
            _ => {
                let conn = Connection::open_with_flags(uri("mode=ro&immutable=1"), flags)?;
                readable(&conn)?;
                conn
            }
        };
        conn.busy_timeout(Duration::from_secs(30))?;
        crate::outbox::schema::check_current(&conn, &path.display().to_string())?;
        Ok(Self {
            conn: Mutex::new(conn),
            path,
            owner: String::new(),
            owners_dir: PathBuf::new(),
            _owner_lock: None,
            audit: None,
            target: None,
            expiry: DEFAULT_EXPIRY,
            recovered: 0,
        })
    }

    /// `<data_dir>/outbox.sqlite3`.
    pub fn in_dir(data_dir: &Path) -> Result<Self, OutboxError> {
        Self::open(data_dir.join(crate::outbox::FILE_NAME))
    }

    /// Records person-initiated actions (requeue, edit, drop) in the audit log.
    pub fn with_audit(mut self, audit: Arc<AuditLog>) -> Self {
        self.audit = Some(audit);
        self
    }

    /// The backend and key this process talks to: recorded on every entry it
    /// queues. Without one, queued entries record none and are sent only when
    /// a person retries them by ID.
    pub fn with_target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    /// How long a message queued from now on stays worth sending.
    pub fn with_expiry(mut self, expiry: Duration) -> Self {
        self.expiry = expiry;
        self
    }

    pub fn target(&self) -> Option<&Target> {
        self.target.as_ref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entries moved from `sending` to `outcome_unknown` when this was opened.
    pub fn recovered_on_open(&self) -> usize {
        self.recovered
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        // Our rows can no longer be in flight; the lock is released when the
        // file closes, and the file itself is no longer needed.
        if self._owner_lock.is_some() {
            let _ = std::fs::remove_file(self.owners_dir.join(format!("{}.lock", self.owner)));
        }
    }
}
