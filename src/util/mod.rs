//! Small helpers shared by several modules (files and time formats), kept
//! here so no module depends on another only for a helper.

pub mod fs;
pub mod time;

pub use fs::write_atomic;
