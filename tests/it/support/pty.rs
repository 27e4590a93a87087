//! A pseudo-terminal harness: the real binary at 80×24, its screen parsed by vt100.
#![allow(dead_code)] // each test file uses a different part of it

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

pub(crate) const ROWS: u16 = 24;
pub(crate) const COLS: u16 = 80;

pub(crate) struct Console {
    pub pid: Option<u32>,
    pub parser: Arc<Mutex<vt100::Parser>>,
    pub bytes: Arc<Mutex<Vec<u8>>>,
    pub writer: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    /// Set by the reader thread once the terminal is closed and read to the end.
    drained: Arc<AtomicBool>,
    _home: Option<tempfile::TempDir>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Console {
    pub(crate) fn start(args: &[&str]) -> Self {
        Self::start_in(tempfile::tempdir().unwrap(), args, &[])
    }

    /// Starts livemod with HOME in `home` and extra environment variables.
    pub(crate) fn start_in(home: tempfile::TempDir, args: &[&str], env: &[(&str, String)]) -> Self {
        let mut console = Self::start_at(home.path(), args, env);
        console._home = Some(home);
        console
    }

    /// Starts livemod with HOME at `home`, which outlives the console (restarts).
    pub(crate) fn start_at(home: &std::path::Path, args: &[&str], env: &[(&str, String)]) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_livemod"));
        cmd.args(args);
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        cmd.env("TZ", "UTC");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(home);
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(ROWS).unwrap(),
            std::num::NonZeroU16::new(COLS).unwrap(),
            0,
        )));
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let drained = Arc::new(AtomicBool::new(false));
        {
            let parser = parser.clone();
            let bytes = bytes.clone();
            let drained = drained.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            parser.lock().unwrap().process(&buf[..n]);
                            bytes.lock().unwrap().extend_from_slice(&buf[..n]);
                        }
                    }
                }
                drained.store(true, Ordering::SeqCst);
            });
        }
        Self {
            pid: child.process_id(),
            parser,
            bytes,
            writer,
            child,
            drained,
            _home: None,
            _master: pair.master,
        }
    }

    pub(crate) fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `needle`, or fails with the screen.
    pub(crate) fn wait_for(&self, needle: &str) {
        self.wait_until(&format!("{needle:?} on screen"), |s| s.contains(needle));
    }

    /// Waits until the screen no longer shows `needle`.
    pub(crate) fn wait_gone(&self, needle: &str) {
        self.wait_until(&format!("{needle:?} gone"), |s| !s.contains(needle));
    }

    /// Polls the screen (bounded) until `done` holds, or fails with the screen.
    pub(crate) fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Writes `bytes` to the console's terminal. Nothing waits here: a test
    /// that needs a key handled before the next one (Esc before a letter,
    /// which a terminal could otherwise read as Alt-letter) waits for what
    /// that key changes on screen.
    pub(crate) fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    pub(crate) fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The last bytes are read once the reader thread saw the end.
                while !self.drained.load(Ordering::SeqCst) {
                    assert!(Instant::now() < deadline, "the terminal was not closed");
                    std::thread::sleep(Duration::from_millis(10));
                }
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("livemod did not exit; the screen shows:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

pub(crate) const ENTER: &str = "\r";
pub(crate) const ESC: &str = "\x1b";
pub(crate) const TAB: &str = "\t";
pub(crate) const CTRL_S: &str = "\x13";
