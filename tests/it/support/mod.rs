//! Shared by the integration tests: a pseudo-terminal harness and emulator processes.
pub(crate) mod console;
pub(crate) mod emulator;
pub(crate) mod pty;
