//! livemod: a terminal moderation console for Alibaba Cloud ApsaraVideo Live
//! interactive messaging (LiveMessage groups).

// ApiError carries the whole service error body; errors are the rare path, so
// the extra bytes on every Result are cheaper than boxing at every call site.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod audit;
pub mod bulk;
pub(crate) mod catalogue;
pub mod cli;
pub mod config;
pub mod credentials;
pub(crate) mod drafts;
pub mod emulator;
pub(crate) mod logging;
pub mod moderation;
pub mod outbox;
pub(crate) mod session;
pub(crate) mod text;
pub mod tui;
pub(crate) mod util;
pub mod worker;
