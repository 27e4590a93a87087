//! livemod: a terminal moderation console for Alibaba Cloud ApsaraVideo Live
//! interactive messaging (LiveMessage groups).

// ApiError carries the whole service error body; errors are the rare path, so
// the extra bytes on every Result are cheaper than boxing at every call site.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod audit;
pub mod bulk;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod drafts;
pub mod emulator;
pub mod logging;
pub mod moderation;
pub mod outbox;
pub mod session;
pub mod text;
pub mod tui;
pub mod util;
pub mod worker;
