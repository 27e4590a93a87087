//! Where an outbox entry is going: the backend (endpoint) and the key that
//! queued it. An entry is delivered only by a process talking to the same
//! endpoint with the same AccessKeyId (the app and data center travel in the
//! request itself), so `livemod --endpoint Y outbox retry` never sends what was
//! meant for X, and the demo never sends the real outbox.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::api::Client;

/// The backend and key an entry is for. Never holds a secret: the endpoint is
/// stored without userinfo, the key by its ID only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The endpoint URL without userinfo, query or fragment.
    pub endpoint: String,
    pub access_key_id: String,
    /// The credential profile in use when it was queued (shown, not matched).
    pub profile: Option<String>,
}

impl Target {
    pub fn new(endpoint: &Url, access_key_id: &str, profile: Option<String>) -> Self {
        Self {
            endpoint: normalize_endpoint(endpoint),
            access_key_id: access_key_id.to_string(),
            profile,
        }
    }

    /// The backend and key `client` talks to.
    pub fn of_client(client: &Client) -> Self {
        Self::new(
            client.endpoint(),
            &client.credentials().access_key_id,
            client
                .options()
                .audit_context
                .profile
                .clone()
                .or_else(|| client.credentials().profile.clone()),
        )
    }

    /// Same endpoint and same key (the profile is only a label).
    pub fn same_backend(&self, other: &Target) -> bool {
        self.endpoint == other.endpoint && self.access_key_id == other.access_key_id
    }

    /// "host:port · key AKID · profile P", for tables.
    pub fn label(&self) -> String {
        let host = Url::parse(&self.endpoint)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
            })
            .unwrap_or_else(|| self.endpoint.clone());
        match &self.profile {
            Some(p) => format!("{host} · key {} · profile {p}", self.access_key_id),
            None => format!("{host} · key {}", self.access_key_id),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// The endpoint as recorded: no userinfo (a password in a URL must never be
/// stored), no query or fragment.
pub(crate) fn normalize_endpoint(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_never_recorded_and_matching_ignores_the_profile() {
        let url = Url::parse("http://user:s3cret@127.0.0.1:8080/?x=1#f").unwrap();
        let t = Target::new(&url, "AK1", Some("prod".into()));
        assert_eq!(t.endpoint, "http://127.0.0.1:8080/");
        assert!(!serde_json::to_string(&t).unwrap().contains("s3cret"));
        assert_eq!(t.label(), "127.0.0.1:8080 · key AK1 · profile prod");

        let plain = Target::new(&Url::parse("http://127.0.0.1:8080").unwrap(), "AK1", None);
        assert!(t.same_backend(&plain));
        let other_port = Target::new(&Url::parse("http://127.0.0.1:8081").unwrap(), "AK1", None);
        assert!(!t.same_backend(&other_port));
        let other_key = Target::new(&Url::parse("http://127.0.0.1:8080").unwrap(), "AK2", None);
        assert!(!t.same_backend(&other_key));
    }
}
