//! livemod: a terminal moderation console for Alibaba Cloud ApsaraVideo Live
//! interactive messaging (LiveMessage groups).

pub mod api;
pub mod audit;
pub mod bulk;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod drafts;
pub mod emulator;
pub mod outbox;
pub mod session;
