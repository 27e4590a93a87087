//! Small helpers shared by several modules (files and time formats), kept
//! here so no module depends on another only for a helper.

pub(crate) mod fs;
pub(crate) mod time;

pub(crate) use fs::write_atomic;
