//! Logs go to a file in the data directory, never to the terminal the console
//! draws on. `LIVEMOD_LOG` sets the filter (default `info`).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

pub const ENV_LOG: &str = "LIVEMOD_LOG";
pub const LOG_FILE: &str = "livemod.log";

/// Starts file logging; keep the guard alive until exit so buffered lines are written.
/// Returns `None` (and logs nowhere) when the directory cannot be created.
pub fn init(data_dir: &Path) -> Option<WorkerGuard> {
    std::fs::create_dir_all(data_dir).ok()?;
    let appender = tracing_appender::rolling::never(data_dir, LOG_FILE);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env(ENV_LOG).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
