//! Who is sending what: each open [`Outbox`] holds an OS lock on its own file
//! in `<db>.owners/`; a `sending` row whose owner's lock can be taken was left
//! by a process that is gone, so it is recovered as `outcome_unknown`.

use std::fs::File;

use chrono::Utc;
use rusqlite::params;

use super::super::schema::millis;
use super::super::{INTERRUPTED, OutboxError};
use super::Outbox;

impl Outbox {
    pub(super) fn recover_interrupted(&self) -> Result<usize, OutboxError> {
        let conn = self.conn();
        let owners: Vec<Option<String>> = conn
            .prepare("SELECT DISTINCT claimed_by FROM outbox WHERE state = 'sending'")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut recovered = 0;
        for owner in owners {
            let dead = match &owner {
                None => true,
                Some(o) if *o == self.owner => false,
                Some(o) => self.owner_is_dead(o)?,
            };
            if !dead {
                continue;
            }
            let message = "livemod stopped while this message was being sent; it may or may not have been delivered";
            recovered += conn.execute(
                "UPDATE outbox SET state = 'outcome_unknown', last_code = ?1, last_message = ?2,
                     last_reason = ?3, last_request_id = NULL, claimed_by = NULL, updated_at = ?4
                 WHERE state = 'sending' AND claimed_by IS ?5",
                params![
                    INTERRUPTED,
                    message,
                    crate::outbox::reason_for(INTERRUPTED, message),
                    millis(Utc::now()),
                    owner
                ],
            )?;
        }
        drop(conn);
        self.sweep_owner_files();
        Ok(recovered)
    }

    /// True when no live process holds `owner`'s lock file.
    fn owner_is_dead(&self, owner: &str) -> Result<bool, OutboxError> {
        let file = File::options()
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.owners_dir.join(format!("{owner}.lock")))?;
        match file.try_lock() {
            Ok(()) => Ok(true),
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
        }
    }

    /// Removes lock files of owners that are gone (best effort).
    fn sweep_owner_files(&self) {
        let Ok(dir) = std::fs::read_dir(&self.owners_dir) else {
            return;
        };
        for item in dir.flatten() {
            let path = item.path();
            if path.file_stem().and_then(|s| s.to_str()) == Some(self.owner.as_str()) {
                continue;
            }
            if let Ok(f) = File::options().write(true).open(&path)
                && f.try_lock().is_ok()
            {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}
