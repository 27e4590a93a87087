//! TEMPORARY stand-in for `src/emulator/` until it is merged into main, so that
//! `session.rs` builds on the `tui` branch. Delete this file (and the `#[path]`
//! line in lib.rs) when the real emulator arrives.

pub const DEMO_ACCESS_KEY_ID: &str = "livemod-demo-key";
pub const DEMO_ACCESS_KEY_SECRET: &str = "livemod-demo-secret";

#[derive(Debug, Clone, Default)]
pub struct EmulatorOptions {
    pub demo_data: bool,
    pub audience: u32,
    pub access_key_id: String,
}

impl EmulatorOptions {
    pub fn in_memory() -> Self {
        Self::default()
    }
}

#[derive(Debug)]
pub struct Emulator {
    url: url::Url,
}

impl Emulator {
    pub async fn start(_options: EmulatorOptions) -> std::io::Result<Emulator> {
        Err(std::io::Error::other(
            "the emulator is not merged into this branch yet",
        ))
    }

    pub fn url(&self) -> url::Url {
        self.url.clone()
    }
}
