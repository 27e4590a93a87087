//! `livemod emulator` in its own process, as a user or another tool runs it.
#![allow(dead_code)] // each test file uses a different part of it

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub(crate) const KEY_ID: &str = "livemod-demo-key";
pub(crate) const DEMO_SECRET: &str = "livemod-demo-secret";

/// A running emulator process, killed on drop.
pub(crate) struct EmulatorProcess {
    pub child: Child,
    pub url: String,
    /// Its HOME and data directory.
    pub home: tempfile::TempDir,
}

impl EmulatorProcess {
    /// In memory, with the demo key pair, plus `extra` arguments.
    pub(crate) fn start(extra: &[&str]) -> Self {
        Self::start_with_secret(DEMO_SECRET, extra)
    }

    /// In memory, with `secret` for the demo key ID, plus `extra` arguments.
    pub(crate) fn start_with_secret(secret: &str, extra: &[&str]) -> Self {
        Self::start_with_key(KEY_ID, secret, extra)
    }

    /// In memory, with the key pair `key_id`/`secret`, plus `extra` arguments.
    pub(crate) fn start_with_key(key_id: &str, secret: &str, extra: &[&str]) -> Self {
        let home = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_livemod"))
            .args(["emulator", "--in-memory"])
            .args(extra)
            .env_clear()
            .env("HOME", home.path())
            .env("LIVEMOD_DATA_DIR", home.path())
            .env("LIVEMOD_EMULATOR_ACCESS_KEY_ID", key_id)
            .env("LIVEMOD_EMULATOR_ACCESS_KEY_SECRET", secret)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        Self { child, url, home }
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
