//! Logs go to a file in the data directory, never to the terminal the console
//! draws on. `LIVEMOD_LOG` sets the filter (default `info`).
//!
//! A data directory that cannot be created, or a `livemod.log` that cannot be
//! opened (for example root-owned after one `sudo livemod`), is not fatal:
//! livemod says so once on stderr and runs without a log file.

use std::fs::OpenOptions;
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

pub(crate) const ENV_LOG: &str = "LIVEMOD_LOG";
pub(crate) const LOG_FILE: &str = "livemod.log";

/// Why there is no log file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LogError {
    #[error("cannot create the data directory {dir}: {source}")]
    Dir {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the log file {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Starts file logging; keep the guard alive until exit so buffered lines are
/// written. When the file cannot be opened, warns on stderr and returns `None`.
pub(crate) fn init(data_dir: &Path) -> Option<WorkerGuard> {
    match try_init(data_dir) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("livemod: warning: {e}; continuing without a log file");
            None
        }
    }
}

/// Like [`init`], reporting why no log file could be opened. `Ok(None)`: a
/// subscriber was already installed.
pub(crate) fn try_init(data_dir: &Path) -> Result<Option<WorkerGuard>, LogError> {
    std::fs::create_dir_all(data_dir).map_err(|source| LogError::Dir {
        dir: data_dir.display().to_string(),
        source,
    })?;
    let path = data_dir.join(LOG_FILE);
    // Opened here (not by the appender, which panics on failure).
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|source| LogError::File {
            path: path.display().to_string(),
            source,
        })?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env(ENV_LOG).unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .is_ok();
    Ok(installed.then_some(guard))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unopenable_log_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: cannot be opened, even by root.
        std::fs::create_dir(dir.path().join(LOG_FILE)).unwrap();
        assert!(matches!(try_init(dir.path()), Err(LogError::File { .. })));
        // A data directory under a regular file cannot be created.
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").unwrap();
        assert!(matches!(
            try_init(&file.join("data")),
            Err(LogError::Dir { .. })
        ));
    }
}
