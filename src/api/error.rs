//! Everything a call can fail with, typed so a caller can tell cases apart.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::validate::ValidationError;

/// The error body the service (and its gateway) answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub host_id: Option<String>,
    pub code: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub recommend: Option<String>,
}

/// The documented and gateway error codes a caller may want to react to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ErrorKind {
    InputInvalid,
    TooManyGroups,
    TooManyMsgTypes,
    NoAuth,
    ResourceNotExist,
    ServerError,
    Throttling,
    SignatureDoesNotMatch,
    InvalidAccessKeyId,
    TimestampExpired,
    SignatureNonceUsed,
    MissingParameter,
    InvalidParameter,
    ServiceUnavailable,
    Other,
}

impl ErrorKind {
    pub fn from_code(code: &str) -> Self {
        match code {
            "InputInvalid" => ErrorKind::InputInvalid,
            "ErrorTooManyGroups" => ErrorKind::TooManyGroups,
            "ErrorTooManyMsgTypes" => ErrorKind::TooManyMsgTypes,
            "NoAuth" | "Forbidden.RAM" | "Forbidden" => ErrorKind::NoAuth,
            "ResourceNotExist" => ErrorKind::ResourceNotExist,
            "ServerError" | "InternalError" => ErrorKind::ServerError,
            "SignatureDoesNotMatch" | "IncompleteSignature" => ErrorKind::SignatureDoesNotMatch,
            "InvalidAccessKeyId.NotFound"
            | "InvalidAccessKeyId.Inactive"
            | "InvalidAccessKeyId" => ErrorKind::InvalidAccessKeyId,
            "InvalidTimeStamp.Expired" | "InvalidTimeStamp.Format" => ErrorKind::TimestampExpired,
            "SignatureNonceUsed" => ErrorKind::SignatureNonceUsed,
            "MissingParameter" => ErrorKind::MissingParameter,
            "InvalidParameter" => ErrorKind::InvalidParameter,
            "ServiceUnavailable" => ErrorKind::ServiceUnavailable,
            c if c.starts_with("Throttling") => ErrorKind::Throttling,
            c if c.starts_with("MissingParameter") || c.starts_with("Missing") => {
                ErrorKind::MissingParameter
            }
            _ => ErrorKind::Other,
        }
    }
}

/// An error answer from the service: HTTP status plus the parsed body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    pub recommend: Option<String>,
    pub host_id: Option<String>,
    /// From `x-acs-retry-after` (milliseconds) on a throttled reply.
    #[serde(skip)]
    pub retry_after: Option<Duration>,
}

impl ServiceError {
    pub fn kind(&self) -> ErrorKind {
        if self.retry_after.is_some() {
            return ErrorKind::Throttling;
        }
        ErrorKind::from_code(&self.code)
    }

    /// Throttled, or a 5xx: the call may be repeated for reads and idempotent writes.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Throttling | ErrorKind::ServiceUnavailable
        ) || self.status >= 500
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {}): {}", self.code, self.status, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " [RequestId {id}]")?;
        }
        if let Some(r) = self.recommend.as_deref().filter(|r| !r.is_empty()) {
            write!(f, " — see {r}")?;
        }
        Ok(())
    }
}

/// How far a request got before the transport failed. This decides whether a
/// non-idempotent send may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TransportPhase {
    /// Provably never reached the service (DNS, connection refused, TLS handshake).
    NotSent,
    /// Sent, but no complete reply arrived (timeout, reset mid-reply): outcome unknown.
    OutcomeUnknown,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid request: {0}")]
    Validation(#[from] ValidationError),
    #[error("{0}")]
    Service(ServiceError),
    #[error("network error ({}): {message}", match phase { TransportPhase::NotSent => "request not sent", TransportPhase::OutcomeUnknown => "outcome unknown" })]
    Transport {
        phase: TransportPhase,
        message: String,
    },
    /// The reply was not JSON, or not of the expected shape.
    #[error("unexpected reply (HTTP {status}) to {action}: {problem}; reply began: {snippet:?}")]
    Decode {
        action: &'static str,
        status: u16,
        problem: String,
        snippet: String,
    },
    #[error("{action} refused: livemod is in read-only mode")]
    ReadOnly { action: &'static str },
    #[error("interrupted before {action} was sent")]
    Cancelled { action: &'static str },
}

impl ApiError {
    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            ApiError::Service(e) => Some(e),
            _ => None,
        }
    }
    pub fn kind(&self) -> Option<ErrorKind> {
        self.service().map(ServiceError::kind)
    }
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Service(e) => Some(&e.code),
            ApiError::Validation(_) => Some("Validation"),
            ApiError::Transport { .. } => Some("Network"),
            ApiError::Decode { .. } => Some("BadReply"),
            ApiError::ReadOnly { .. } => Some("ReadOnly"),
            ApiError::Cancelled { .. } => Some("Cancelled"),
        }
    }
    pub fn request_id(&self) -> Option<&str> {
        self.service().and_then(|e| e.request_id.as_deref())
    }
    /// True when the request provably did not change anything on the service:
    /// it never left the machine, or it was throttled (the gateway drops a
    /// throttled call before the service sees it). A 5xx proves nothing: the
    /// service documents 500 `ServerError` as an unknown error, which may come
    /// after a message was accepted.
    pub fn provably_not_processed(&self) -> bool {
        match self {
            ApiError::Validation(_) | ApiError::ReadOnly { .. } | ApiError::Cancelled { .. } => {
                true
            }
            ApiError::Transport { phase, .. } => *phase == TransportPhase::NotSent,
            ApiError::Service(e) => e.kind() == ErrorKind::Throttling,
            ApiError::Decode { .. } => false,
        }
    }

    /// True when the call may or may not have taken effect and nothing in the
    /// answer tells which: a 5xx (throttling aside), a connection lost after
    /// sending, a reply that could not be read. A send that ends like this is
    /// "outcome unknown", never "failed" and never silently resent.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Transport { phase, .. } => *phase == TransportPhase::OutcomeUnknown,
            ApiError::Decode { .. } => true,
            ApiError::Service(e) => e.kind() != ErrorKind::Throttling && e.status >= 500,
            ApiError::Validation(_) | ApiError::ReadOnly { .. } | ApiError::Cancelled { .. } => {
                false
            }
        }
    }
    /// Exit code for the CLI: 2 for usage/validation, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            ApiError::Validation(_) | ApiError::ReadOnly { .. } => 2,
            _ => 1,
        }
    }
}

/// First characters of a body, for an error message (never the whole of a huge page).
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(160)]);
    text.chars()
        .filter(|c| !c.is_control() || *c == ' ')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_and_gateway_codes_are_distinguishable() {
        for (code, kind) in [
            ("InputInvalid", ErrorKind::InputInvalid),
            ("ErrorTooManyGroups", ErrorKind::TooManyGroups),
            ("ErrorTooManyMsgTypes", ErrorKind::TooManyMsgTypes),
            ("NoAuth", ErrorKind::NoAuth),
            ("ResourceNotExist", ErrorKind::ResourceNotExist),
            ("ServerError", ErrorKind::ServerError),
            ("Throttling.User", ErrorKind::Throttling),
            ("Throttling.Api", ErrorKind::Throttling),
            ("SignatureDoesNotMatch", ErrorKind::SignatureDoesNotMatch),
            ("InvalidAccessKeyId.NotFound", ErrorKind::InvalidAccessKeyId),
            ("InvalidTimeStamp.Expired", ErrorKind::TimestampExpired),
            ("SignatureNonceUsed", ErrorKind::SignatureNonceUsed),
            ("MissingParameter", ErrorKind::MissingParameter),
        ] {
            assert_eq!(ErrorKind::from_code(code), kind, "{code}");
        }
    }

    fn service(status: u16, code: &str, retry_after: Option<Duration>) -> ApiError {
        ApiError::Service(ServiceError {
            status,
            code: code.into(),
            message: String::new(),
            request_id: None,
            recommend: None,
            host_id: None,
            retry_after,
        })
    }

    /// Regression (#8): every 5xx used to count as "never processed", so a send
    /// answered 500 was retried and could be delivered twice.
    #[test]
    fn a_server_error_does_not_prove_a_call_was_not_processed() {
        for (status, code) in [
            (500, "ServerError"),
            (500, "InternalError"),
            (503, "ServiceUnavailable"),
            (502, "Whatever"),
        ] {
            let err = service(status, code, None);
            assert!(!err.provably_not_processed(), "{status} {code}");
            assert!(err.outcome_unknown(), "{status} {code}");
        }
        // Throttling is dropped before processing, whatever the status says.
        for err in [
            service(400, "Throttling.User", None),
            service(503, "Throttling.Api", None),
            service(500, "Other", Some(Duration::from_millis(20))),
        ] {
            assert!(err.provably_not_processed(), "{err}");
            assert!(!err.outcome_unknown(), "{err}");
        }
        // A refusal is neither "not processed, try again" nor "unknown".
        let refused = service(404, "ResourceNotExist", None);
        assert!(!refused.provably_not_processed());
        assert!(!refused.outcome_unknown());
        let cut = ApiError::Transport {
            phase: TransportPhase::OutcomeUnknown,
            message: "reset".into(),
        };
        assert!(cut.outcome_unknown() && !cut.provably_not_processed());
    }

    #[test]
    fn retry_after_marks_throttling() {
        let e = ServiceError {
            status: 400,
            code: "Whatever".into(),
            message: String::new(),
            request_id: None,
            recommend: None,
            host_id: None,
            retry_after: Some(Duration::from_millis(20)),
        };
        assert_eq!(e.kind(), ErrorKind::Throttling);
        assert!(e.is_retryable());
    }
}
