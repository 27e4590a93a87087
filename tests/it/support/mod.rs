//! Shared by the integration tests: a pseudo-terminal harness and emulator processes.
pub mod emulator;
pub mod pty;
