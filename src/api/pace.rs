//! Pacing under the documented rate limits (50 calls/s per account and
//! operation; 10/s for the mute writers).
//!
//! Within one process a GCRA limiter per (AccessKeyId, action, rate) spaces
//! calls evenly. Across processes on one machine (two bulk runs, the console
//! and a script) a small SQLite ledger in the data directory does the same job:
//! each call reserves the next free time slot for its (key, action) in one
//! immediate transaction, then waits for it, so all processes together stay
//! under the limit. The ledger holds no secret: keys are stored as a hash of
//! the AccessKeyId. If it cannot be used (an unwritable data directory), the
//! client falls back to in-process pacing and says so once in the log.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

/// (AccessKeyId, action, calls per second).
type LimiterKey = (String, &'static str, u32);

/// One limiter per (AccessKeyId, action, rate), shared by every client in the
/// process, so the console, the CLI and bulk work together stay under the limit.
fn limiter_for(key_id: &str, action: &'static str, rate: u32) -> Arc<DefaultDirectRateLimiter> {
    static LIMITERS: LazyLock<Mutex<HashMap<LimiterKey, Arc<DefaultDirectRateLimiter>>>> =
        LazyLock::new(Default::default);
    let mut map = LIMITERS.lock().unwrap_or_else(|p| p.into_inner());
    map.entry((key_id.to_string(), action, rate))
        .or_insert_with(|| {
            let rate = NonZeroU32::new(rate.max(1)).expect("non-zero");
            // Burst 1: calls are spaced evenly, so no one-second window on the
            // server side can ever see more than `rate` of them.
            Arc::new(RateLimiter::direct(
                Quota::per_second(rate).allow_burst(NonZeroU32::MIN),
            ))
        })
        .clone()
}

/// Waits until this process may make one more `action` call with `key_id` at
/// `rate` calls per second.
pub(crate) async fn in_process(key_id: &str, action: &'static str, rate: u32) {
    limiter_for(key_id, action, rate).until_ready().await;
}

/// Why the ledger could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot use the pacing ledger {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("the pacing ledger task failed: {0}")]
    Task(String),
}

/// The ledger's file name in the data directory.
pub const LEDGER_FILE: &str = "pace.sqlite3";

/// A stored slot further ahead than this means the wall clock jumped back (or
/// the file is garbage): start afresh rather than wait that long.
const MAX_AHEAD: Duration = Duration::from_secs(120);

/// The cross-process pacing ledger: one SQLite file shared by every livemod
/// process that uses the same data directory.
#[derive(Debug)]
pub struct PaceLedger {
    path: PathBuf,
    /// Opened on first use, so a read-only command never needs the file.
    conn: Mutex<Option<rusqlite::Connection>>,
    /// Set on the first failure: from then on this process paces alone (and
    /// has said so once in the log) rather than retry a broken file per call.
    unusable: std::sync::atomic::AtomicBool,
}

impl PaceLedger {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            conn: Mutex::new(None),
            unusable: Default::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(path: &Path) -> Result<rusqlite::Connection, rusqlite::Error> {
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // Slots are worthless after a second: durability buys nothing here.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "OFF")?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS pace (key TEXT PRIMARY KEY, next_ns INTEGER NOT NULL)",
            [],
        )?;
        Ok(conn)
    }

    /// Opens the ledger, waiting while another process holds it. Switching a
    /// new file to WAL needs an exclusive lock, and SQLite answers BUSY to a
    /// second opener at once, without its busy handler: two bulk runs started
    /// together met exactly that, and the loser paced alone (and was throttled).
    fn open_when_free(path: &Path) -> Result<rusqlite::Connection, rusqlite::Error> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match Self::open(path) {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if matches!(
                        e.code,
                        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                    ) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                other => return other,
            }
        }
    }

    /// Reserves the next slot for `key` at one call per `interval`; returns the
    /// wall-clock time (ns since the epoch) the call may go at.
    fn reserve_blocking(&self, key: &str, interval: Duration) -> Result<i64, LedgerError> {
        let err = |source| LedgerError::Sqlite {
            path: self.path.clone(),
            source,
        };
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(Self::open_when_free(&self.path).map_err(err)?);
        }
        let conn = guard.as_mut().expect("opened above");
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let now = now_ns();
        let stored: Option<i64> = tx
            .query_row("SELECT next_ns FROM pace WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(err)?;
        let ahead_limit = now.saturating_add(nanos(MAX_AHEAD));
        let slot = match stored {
            Some(next) if next > now && next <= ahead_limit => next,
            _ => now,
        };
        tx.execute(
            "INSERT INTO pace (key, next_ns) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET next_ns = excluded.next_ns",
            rusqlite::params![key, slot.saturating_add(nanos(interval))],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(slot)
    }

    /// Reserves the next slot for one `action` call with `key_id` at `rate`
    /// calls per second, across every process sharing the ledger; returns when
    /// the call may go (ns since the UNIX epoch). Blocking: a short SQLite
    /// transaction.
    pub fn reserve(&self, key_id: &str, action: &str, rate: u32) -> Result<i64, LedgerError> {
        let interval = Duration::from_secs(1) / rate.max(1);
        self.reserve_blocking(&ledger_key(key_id, action), interval)
    }

    /// Waits for this process's turn among all processes sharing the ledger.
    pub(crate) async fn wait_turn(
        self: &Arc<Self>,
        key_id: &str,
        action: &'static str,
        rate: u32,
    ) -> Result<(), LedgerError> {
        let this = self.clone();
        let key_id = key_id.to_string();
        let slot = tokio::task::spawn_blocking(move || this.reserve(&key_id, action, rate))
            .await
            .map_err(|e| LedgerError::Task(e.to_string()))??;
        let wait = slot.saturating_sub(now_ns());
        if wait > 0 {
            tokio::time::sleep(Duration::from_nanos(wait.unsigned_abs())).await;
        }
        Ok(())
    }

    /// Paces one call: through the ledger, or in this process only once the
    /// ledger has failed (logged once).
    pub(crate) async fn pace(self: &Arc<Self>, key_id: &str, action: &'static str, rate: u32) {
        use std::sync::atomic::Ordering::Relaxed;
        if !self.unusable.load(Relaxed) {
            match self.wait_turn(key_id, action, rate).await {
                Ok(()) => return,
                Err(e) => {
                    if !self.unusable.swap(true, Relaxed) {
                        tracing::warn!(error = %e, "pacing falls back to this process only");
                    }
                }
            }
        }
        in_process(key_id, action, rate).await;
    }
}

/// The ledger row for one key and action: a hash, never the AccessKeyId itself.
fn ledger_key(key_id: &str, action: &str) -> String {
    let digest = Sha256::digest(key_id.as_bytes());
    format!("{}:{action}", hex::encode(&digest[..12]))
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_spaced_by_the_interval_across_ledger_handles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pace.sqlite3");
        // Two handles on one file stand for two processes.
        let a = PaceLedger::new(&path);
        let b = PaceLedger::new(&path);
        let interval = Duration::from_millis(100);
        let slots: Vec<i64> = (0..6)
            .map(|i| {
                let ledger = if i % 2 == 0 { &a } else { &b };
                ledger.reserve_blocking("k:Send", interval).unwrap()
            })
            .collect();
        for pair in slots.windows(2) {
            assert!(
                pair[1] - pair[0] >= nanos(interval),
                "slots {pair:?} closer than the interval"
            );
        }
        // Another action (or key) has its own slots.
        let other = a.reserve_blocking("k:List", interval).unwrap();
        assert!(other < slots[5], "{other} waited behind another action");
    }

    #[test]
    fn handles_opening_a_new_ledger_at_once_all_get_it() {
        // Many first opens of one fresh file at the same moment, as two bulk
        // runs started together do: none may fail (and fall back to pacing alone).
        for round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("pace.sqlite3");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
            let slots: Vec<i64> = (0..8)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        let ledger = PaceLedger::new(&path);
                        barrier.wait();
                        ledger.reserve_blocking("k:Create", Duration::from_millis(20))
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| {
                    t.join()
                        .unwrap()
                        .unwrap_or_else(|e| panic!("round {round}: {e}"))
                })
                .collect();
            let mut sorted = slots.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 8, "round {round}: two handles got one slot");
        }
    }

    #[test]
    fn a_slot_far_in_the_future_is_treated_as_a_clock_jump() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = PaceLedger::new(dir.path().join("pace.sqlite3"));
        ledger
            .reserve_blocking("k:Send", Duration::from_millis(1))
            .unwrap();
        {
            let guard = ledger.conn.lock().unwrap();
            guard
                .as_ref()
                .unwrap()
                .execute("UPDATE pace SET next_ns = ?1", [i64::MAX / 2])
                .unwrap();
        }
        let slot = ledger
            .reserve_blocking("k:Send", Duration::from_millis(1))
            .unwrap();
        assert!(
            slot <= now_ns(),
            "waited for a slot {slot} in the far future"
        );
    }

    #[test]
    fn the_ledger_never_holds_the_access_key_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pace.sqlite3");
        let ledger = PaceLedger::new(&path);
        let key = ledger_key("LTAI5tSecretLookingKeyId", "SendLiveMessageGroup");
        assert!(!key.contains("LTAI5t"), "{key}");
        ledger
            .reserve_blocking(&key, Duration::from_millis(20))
            .unwrap();
        drop(ledger);
        let bytes = std::fs::read(&path).unwrap();
        let needle = b"LTAI5tSecretLookingKeyId";
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }

    #[tokio::test]
    async fn an_unusable_ledger_falls_back_to_in_process_pacing() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: SQLite cannot open it.
        let ledger = Arc::new(PaceLedger::new(dir.path()));
        assert!(ledger.wait_turn("k", "A", 1000).await.is_err());
        ledger.pace("k", "A", 1000).await;
        assert!(ledger.unusable.load(std::sync::atomic::Ordering::Relaxed));
        // Later calls go straight to in-process pacing.
        ledger.pace("k", "A", 1000).await;
    }
}
