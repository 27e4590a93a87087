//! The one integration-test binary: every end-to-end suite is a module, so the
//! heavy dependencies (axum, reqwest, SQLite) are linked once, not per suite.

mod bad_input;
mod bulk;
mod bulk_cli;
mod cli;
mod cli_ops;
mod cli_truth;
mod client;
#[cfg(unix)]
mod console_crash;
mod crash;
mod emulator;
mod emulator_family;
mod emulator_hardening;
mod emulator_props;
mod official_sdk;
mod outbox_chaos;
mod outbox_cli;
mod pacing;
mod read_only;
mod secrets;
mod support;
mod tui_emulator;
#[cfg(unix)]
mod tui_pty;
mod tui_room;
mod tui_search;
#[cfg(unix)]
mod tui_watch;
