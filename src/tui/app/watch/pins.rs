//! The pinned rooms of each backend and app, kept in one JSON file of the
//! data directory so the next session watches them again.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The pins of one backend and app, in the data directory.
#[derive(Debug, Clone)]
pub(super) struct PinStore {
    pub(super) file: PathBuf,
    pub(super) key: String,
}

pub(super) const PINS_FILE: &str = "pins.json";

impl PinStore {
    pub(super) fn load(&self) -> Vec<String> {
        self.all().remove(&self.key).unwrap_or_default()
    }

    fn all(&self) -> BTreeMap<String, Vec<String>> {
        match std::fs::read(&self.file) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(file = %self.file.display(), error = %e, "unreadable pins file; starting without pins");
                BTreeMap::new()
            }),
            Err(_) => BTreeMap::new(),
        }
    }

    pub(super) fn save(&self, pins: Vec<String>) -> std::io::Result<()> {
        let mut all = self.all();
        if pins.is_empty() {
            all.remove(&self.key);
        } else {
            all.insert(self.key.clone(), pins);
        }
        let json = serde_json::to_vec_pretty(&all).map_err(std::io::Error::other)?;
        crate::util::fs::write_atomic(&self.file, &json)
    }
}
