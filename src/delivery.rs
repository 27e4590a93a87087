//! Moved to [`crate::outbox::service`] (the outbox service lives with the
//! outbox). This re-export keeps old paths compiling until callers switch.

pub use crate::outbox::service::*;
