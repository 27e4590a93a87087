//! livemod: a terminal moderation console for Alibaba Cloud ApsaraVideo Live
//! interactive messaging (LiveMessage groups).

pub mod api;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod emulator;
pub mod logging;
pub mod session;
