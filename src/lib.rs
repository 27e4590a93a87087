//! livemod: a terminal moderation console for Alibaba Cloud ApsaraVideo Live
//! interactive messaging (LiveMessage groups).

pub mod api;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod credentials;
#[path = "emulator_stub.rs"]
pub mod emulator;
pub mod logging;
pub mod session;
pub mod tui;
pub mod worker;
