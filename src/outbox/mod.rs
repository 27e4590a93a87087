//! The durable outbox: every message a moderator wrote, kept in SQLite until it
//! is delivered, expires, or a person decides what to do with it.
//!
//! Why: SendLiveMessageGroup only reaches groups with online users, is rate
//! limited, and is not documented to de-duplicate, so a send can fail, be
//! throttled, or end with an unknown outcome. The docs advise storing messages
//! locally and sending them once users are online; this is that store.
//!
//! - [`store`]: the SQLite store and its state machine ([`Outbox`]).
//! - [`target`]: which backend and key an entry is for ([`Target`]).
//! - [`deliver`]: sending due entries (backoff, per-group order, classification).
//! - [`service`]: the console's handle (lazy open, background delivery) that
//!   reports on its own channel and knows nothing of the UI.
//!
//! Rules the state machine enforces:
//! - Every entry records its [`Target`] (endpoint without userinfo, AccessKeyId,
//!   profile; app and data center are in the request). Only a process talking
//!   to that same endpoint with that same key sends it; everywhere else it is
//!   left alone and reported as "for another backend".
//! - Every entry has an expiry set when it is queued (default 10 minutes):
//!   past it, it becomes `expired` and is never sent automatically.
//! - The MsgTid is assigned when a message is queued and never changes on a
//!   retry, so a service that de-duplicates on MsgTid can recognise a repeat.
//! - `sending` is committed (synchronous=FULL, immediate transaction) BEFORE
//!   the request leaves the machine. An entry found in `sending` whose owning
//!   process is gone was interrupted mid-send: it becomes `outcome_unknown` —
//!   never silently resent, never dropped. Only a person (requeue) sends it again.
//! - Nothing is ever deleted: `discarded` is a state, not a DELETE.

#[cfg(test)]
mod compat_tests;
pub(crate) mod deliver;
mod schema;
pub mod service;
pub(crate) mod store;
pub(crate) mod target;
#[cfg(test)]
mod tests;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::api::validate::ValidationError;
use crate::api::{ApiError, ErrorKind, SendMessageRequest};

pub use deliver::{
    DeliverOptions, DeliveryReport, Disposition, RetryPolicy, classify, deliver_due,
    deliver_due_with, deliver_entries, is_no_online_users,
};
pub use store::Outbox;
pub use target::Target;

pub const FILE_NAME: &str = "outbox.sqlite3";
/// The error code recorded on entries recovered from a dead process's `sending`.
pub const INTERRUPTED: &str = "Interrupted";
/// The error code recorded on entries that were not sent before their expiry.
pub const EXPIRED: &str = "Expired";
/// How long a queued message stays worth sending when config.toml says nothing.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Queued,
    Sending,
    Delivered,
    Failed,
    OutcomeUnknown,
    Discarded,
    /// Not sent before its expiry; never sent automatically.
    Expired,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Queued,
        State::Sending,
        State::Delivered,
        State::Failed,
        State::OutcomeUnknown,
        State::Discarded,
        State::Expired,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Delivered => "delivered",
            State::Failed => "failed",
            State::OutcomeUnknown => "outcome_unknown",
            State::Discarded => "discarded",
            State::Expired => "expired",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of [`State::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown outbox state {0:?}; use one of queued, sending, delivered, failed, outcome_unknown, discarded, expired"
)]
pub struct UnknownState(pub String);

impl FromStr for State {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == norm || (norm == "unknown" && *st == State::OutcomeUnknown))
            .ok_or_else(|| UnknownState(s.to_string()))
    }
}

/// What the last attempt failed with: the service's Code, Message and
/// RequestId, and the reason in a moderator's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastError {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// Why, in words ("no one is online in the group").
    pub reason: String,
}

impl LastError {
    pub fn from_api(err: &ApiError) -> Self {
        let code = err.code().unwrap_or("Error").to_string();
        let message = match err.service() {
            Some(s) => s.message.clone(),
            None => err.to_string(),
        };
        let reason = if is_no_online_users(err) {
            NO_ONE_ONLINE.to_string()
        } else if err.service().is_some_and(|s| s.status >= 500)
            && err.kind() != Some(ErrorKind::Throttling)
            && err.kind() != Some(ErrorKind::ServiceUnavailable)
        {
            "the service failed while handling it; it may or may not have been delivered"
                .to_string()
        } else {
            reason_for(&code, &message)
        };
        Self {
            code,
            message,
            request_id: err.request_id().map(str::to_string),
            reason,
        }
    }
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            reason: reason_for(code, &message),
            code: code.to_string(),
            message,
            request_id: None,
        }
    }
}

const NO_ONE_ONLINE: &str = "no one is online in the group";

/// The reason for an error code, in a moderator's words.
pub fn reason_for(code: &str, message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    let text = match ErrorKind::from_code(code) {
        ErrorKind::InputInvalid
            if lower.contains("online")
                && (lower.contains("no ")
                    || lower.contains("not ")
                    || lower.contains("nobody")) =>
        {
            NO_ONE_ONLINE
        }
        ErrorKind::InputInvalid | ErrorKind::InvalidParameter | ErrorKind::MissingParameter => {
            return format!("the service refused the message as invalid: {message}");
        }
        ErrorKind::ResourceNotExist => "the group (or app) does not exist or was deleted",
        ErrorKind::Throttling => "the service asked livemod to slow down (throttled)",
        ErrorKind::ServiceUnavailable => "the service was unavailable",
        ErrorKind::ServerError => {
            "the service failed while handling it; it may or may not have been delivered"
        }
        ErrorKind::NoAuth => "the key is not allowed to send to this app",
        ErrorKind::SignatureDoesNotMatch | ErrorKind::InvalidAccessKeyId => {
            "the service did not accept the key (check the credentials)"
        }
        ErrorKind::TimestampExpired | ErrorKind::SignatureNonceUsed => {
            "the service refused the request's signature time or nonce"
        }
        ErrorKind::TooManyGroups | ErrorKind::TooManyMsgTypes => "the app is over a service limit",
        ErrorKind::Other => match code {
            INTERRUPTED => {
                "livemod stopped while sending it; it may or may not have been delivered"
            }
            EXPIRED => "it was not sent before its expiry",
            "Network" if lower.contains("outcome unknown") => {
                "no reply from the service; it may or may not have been delivered"
            }
            "Network" => "the service could not be reached",
            "BadReply" => "the service's reply could not be read; it may have been delivered",
            "Validation" => return format!("the message is not valid: {message}"),
            "ReadOnly" => "livemod is in read-only mode",
            "Timeout" => "no reply in time; it may or may not have been delivered",
            _ if message.is_empty() => return code.to_string(),
            _ => return message.to_string(),
        },
    };
    text.to_string()
}

/// One stored message and everything known about its delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub state: State,
    /// Every SendMessageRequest field; `request.msg_tid` is always set.
    pub request: SendMessageRequest,
    /// The backend and key it is for; `None` for entries queued by a livemod
    /// that did not record it (sent only when a person retries it by ID).
    pub target: Option<Target>,
    /// Requests put on the wire for this entry, over its whole life.
    pub attempts: u32,
    /// Automatic retries since the last delivery attempt started by a person.
    pub auto_retries: u32,
    pub last_error: Option<LastError>,
    /// RequestId of the reply that confirmed delivery.
    pub delivered_request_id: Option<String>,
    /// The MsgTid before an edit changed the message (see [`Outbox::requeue`]).
    pub previous_msg_tid: Option<String>,
    #[serde(with = "crate::util::time::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::util::time::rfc3339")]
    pub updated_at: DateTime<Utc>,
    #[serde(with = "crate::util::time::rfc3339")]
    pub next_attempt_at: DateTime<Utc>,
    /// Not sent automatically after this; `None` only for old entries.
    #[serde(with = "crate::util::time::rfc3339_opt")]
    pub expires_at: Option<DateTime<Utc>>,
}

impl Entry {
    pub fn msg_tid(&self) -> &str {
        self.request.msg_tid.as_deref().unwrap_or_default()
    }
    /// True when this process (talking to `current`) may send it.
    pub fn is_for(&self, current: &Target) -> bool {
        self.target
            .as_ref()
            .is_some_and(|t| t.same_backend(current))
    }
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// Which entries `list` returns.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub state: Option<State>,
    pub app_id: Option<String>,
    pub group_id: Option<String>,
    /// Newest first when set; all entries, oldest first, when `None`.
    pub limit: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("outbox database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("outbox: {0}")]
    Io(#[from] std::io::Error),
    #[error("outbox entry {0} does not exist")]
    NotFound(i64),
    #[error("outbox entry {id} is {state}; cannot {action} it")]
    InvalidTransition {
        id: i64,
        state: State,
        action: &'static str,
    },
    #[error(
        "outbox entry {id} is for another backend ({target}); connect to that backend with that key to send it"
    )]
    OtherBackend { id: i64, target: String },
    #[error("invalid message: {0}")]
    Invalid(#[from] ValidationError),
    #[error("{0} refused: livemod is in read-only mode")]
    ReadOnly(&'static str),
    #[error(
        "{0} was written by an older livemod; open it once where its directory can be written to upgrade it"
    )]
    NeedsUpgrade(String),
}

impl OutboxError {
    /// True for mistakes in what was asked (exit 2), false for failures (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            OutboxError::NotFound(_)
                | OutboxError::InvalidTransition { .. }
                | OutboxError::OtherBackend { .. }
                | OutboxError::Invalid(_)
                | OutboxError::ReadOnly(_)
        )
    }
}
