//! livemod: a terminal moderation console for Alibaba Cloud ApsaraVideo Live
//! interactive messaging (LiveMessage groups).

pub mod api;
pub mod catalogue;
pub mod credentials;
pub mod tui;
pub mod worker;
