//! Signature verification for both schemes the SDKs use (V3 `ACS3-HMAC-SHA256`
//! and V2 `HMAC-SHA1`), plus the timestamp window and replay protection.
//!
//! It reuses `api::sign`, the same code the client signs with; the signing
//! test vectors there come from the official SDKs, so agreeing with them is
//! not circular. Where SDKs differ the verifier is liberal: it checks exactly
//! the headers a V3 request lists in `SignedHeaders` (the Tea SDK signs
//! `user-agent` and `accept` too), and V2 signs query and form parameters together.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDateTime, Utc};

use super::wire::{ApiFault, Incoming};
use crate::api::sign;

/// How far a request's timestamp may be from the emulator's clock, either way.
pub(crate) const TIMESTAMP_WINDOW: chrono::Duration = chrono::Duration::minutes(15);
/// Headers a V3 request must sign.
pub(crate) const V3_REQUIRED_SIGNED: [&str; 5] = [
    "host",
    "x-acs-action",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
];
/// Longest nonce accepted (SDK nonces are 32–36 characters).
const MAX_NONCE_LEN: usize = 128;
/// Replay-cache cap. 50 calls/s per operation over a 30-minute horizon for a
/// handful of operations stays well below it.
const MAX_NONCES: usize = 1_000_000;

/// The key pairs the emulator accepts.
#[derive(Clone)]
pub(crate) struct KeyRing {
    keys: HashMap<String, String>,
}

impl KeyRing {
    pub(crate) fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            keys: pairs.into_iter().collect(),
        }
    }

    fn secret(&self, id: &str) -> Result<&str, ApiFault> {
        self.keys.get(id).map(String::as_str).ok_or_else(|| {
            ApiFault::new(
                StatusCode::NOT_FOUND,
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            )
        })
    }
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Nonces seen within the timestamp window, per access key.
///
/// An entry can be replayed only while its timestamp is in the window, so it
/// is kept until `timestamp + 15 min` and then pruned (amortised: a prune runs
/// whenever the set has doubled since the last one). Memory is bounded by
/// [`MAX_NONCES`]; past that new requests are refused rather than let a replay through.
#[derive(Debug, Default)]
pub(crate) struct NonceCache {
    seen: HashMap<(String, String), DateTime<Utc>>,
    prune_at: usize,
}

impl NonceCache {
    /// Records the nonce, or refuses a reuse.
    pub(crate) fn check_and_insert(
        &mut self,
        key_id: &str,
        nonce: &str,
        timestamp: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiFault> {
        if self.seen.len() >= self.prune_at {
            self.seen.retain(|_, expires| *expires > now);
            self.prune_at = (self.seen.len() * 2).max(4096);
        }
        let key = (key_id.to_string(), nonce.to_string());
        if self.seen.get(&key).is_some_and(|expires| *expires > now) {
            return Err(ApiFault::new(
                StatusCode::BAD_REQUEST,
                "SignatureNonceUsed",
                "Specified signature nonce was used already.",
            ));
        }
        if self.seen.len() >= MAX_NONCES {
            return Err(ApiFault::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "Too many requests in the replay window; try again later.",
            ));
        }
        self.seen.insert(key, timestamp + TIMESTAMP_WINDOW);
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.seen.len()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    V2,
    V3,
}

/// Who signed a request that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    pub access_key_id: String,
    pub scheme: Scheme,
}

/// Verifies the request's signature (V3 when it has an `Authorization`
/// header, V2 otherwise), its timestamp and its nonce.
pub(crate) fn verify(
    req: &Incoming,
    keys: &KeyRing,
    nonces: &Mutex<NonceCache>,
    now: DateTime<Utc>,
) -> Result<Verified, ApiFault> {
    match req.header("authorization") {
        Some(authorization) => verify_v3(req, authorization, keys, nonces, now),
        None => verify_v2(req, keys, nonces, now),
    }
}

fn incomplete(message: impl Into<String>) -> ApiFault {
    ApiFault::new(StatusCode::BAD_REQUEST, "IncompleteSignature", message)
}

fn mismatch(string_to_sign: &str) -> ApiFault {
    ApiFault::new(
        StatusCode::BAD_REQUEST,
        "SignatureDoesNotMatch",
        format!(
            "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
        ),
    )
}

fn verify_v3(
    req: &Incoming,
    authorization: &str,
    keys: &KeyRing,
    nonces: &Mutex<NonceCache>,
    now: DateTime<Utc>,
) -> Result<Verified, ApiFault> {
    let auth = sign::parse_v3_authorization(authorization).ok_or_else(|| {
        incomplete(format!(
            "The Authorization header must be \"{} Credential=…,SignedHeaders=…,Signature=…\".",
            sign::V3_ALGORITHM
        ))
    })?;
    for required in V3_REQUIRED_SIGNED {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(incomplete(format!(
                "SignedHeaders must include {required}."
            )));
        }
    }
    for name in &auth.signed_headers {
        if req.header(name).is_none() {
            return Err(incomplete(format!(
                "The signed header {name} is not in the request."
            )));
        }
    }
    // An empty nonce is no nonce (as V2's empty SignatureNonce): accepting it
    // would let every empty-nonce request share one replay slot, or worse.
    if req
        .header("x-acs-signature-nonce")
        .is_none_or(|n| n.trim().is_empty())
    {
        return Err(ApiFault::missing("x-acs-signature-nonce"));
    }
    let secret = keys.secret(&auth.access_key_id)?;
    let date = req.header("x-acs-date").unwrap_or_default();
    let timestamp = check_timestamp("x-acs-date", date, now)?;
    let claimed_hash = req
        .header("x-acs-content-sha256")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let actual_hash = sign::sha256_hex(&req.body);
    if !sign::signatures_equal(&claimed_hash, &actual_hash) {
        return Err(ApiFault::new(
            StatusCode::BAD_REQUEST,
            "SignatureDoesNotMatch",
            "x-acs-content-sha256 does not match the SHA-256 of the request body.",
        ));
    }
    let canonical = sign::v3_canonical_request(
        &req.method,
        &req.path,
        &req.query,
        &req.headers,
        sign::HeaderSelection::Named(&auth.signed_headers),
        &claimed_hash,
    );
    let string_to_sign = sign::v3_string_to_sign(&canonical.text);
    let expected = sign::v3_signature(secret, &string_to_sign);
    if !sign::signatures_equal(&expected, &auth.signature.to_ascii_lowercase()) {
        return Err(mismatch(&string_to_sign));
    }
    let nonce = req.header("x-acs-signature-nonce").unwrap_or_default();
    check_nonce(
        nonces,
        &auth.access_key_id,
        nonce,
        "x-acs-signature-nonce",
        timestamp,
        now,
    )?;
    Ok(Verified {
        access_key_id: auth.access_key_id,
        scheme: Scheme::V3,
    })
}

fn verify_v2(
    req: &Incoming,
    keys: &KeyRing,
    nonces: &Mutex<NonceCache>,
    now: DateTime<Utc>,
) -> Result<Verified, ApiFault> {
    let p = &req.params;
    let key_id = p.require("AccessKeyId")?;
    let signature = p.require("Signature")?;
    let method = p.require("SignatureMethod")?;
    let nonce = p.require("SignatureNonce")?;
    let timestamp = p.require("Timestamp")?;
    if method != sign::V2_METHOD {
        return Err(ApiFault::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            format!(
                "SignatureMethod {method:?} is not supported; use {}.",
                sign::V2_METHOD
            ),
        ));
    }
    let secret = keys.secret(key_id)?;
    let timestamp = check_timestamp("Timestamp", timestamp, now)?;
    // Every parameter but the signature, from the query and the form body alike.
    let signed: Vec<&(String, String)> = req
        .query
        .iter()
        .chain(req.form.iter())
        .filter(|(k, _)| k != "Signature")
        .collect();
    let pairs: Vec<(&str, &str)> = signed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let string_to_sign = sign::v2_string_to_sign(&req.method, &pairs);
    let expected = sign::v2_signature(secret, &string_to_sign);
    if !sign::signatures_equal(&expected, signature.trim()) {
        return Err(mismatch(&string_to_sign));
    }
    check_nonce(nonces, key_id, nonce, "SignatureNonce", timestamp, now)?;
    Ok(Verified {
        access_key_id: key_id.to_string(),
        scheme: Scheme::V2,
    })
}

fn check_nonce(
    nonces: &Mutex<NonceCache>,
    key_id: &str,
    nonce: &str,
    name: &str,
    timestamp: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), ApiFault> {
    if nonce.len() > MAX_NONCE_LEN {
        return Err(ApiFault::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            format!(
                "{name} is {} bytes; the limit is {MAX_NONCE_LEN} bytes.",
                nonce.len()
            ),
        ));
    }
    nonces
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .check_and_insert(key_id, nonce, timestamp, now)
}

/// Parses an SDK timestamp and checks it is within 15 minutes of `now`.
pub(crate) fn check_timestamp(
    name: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiFault> {
    if value.is_empty() {
        return Err(ApiFault::missing(name));
    }
    let ts = parse_timestamp(value).ok_or_else(|| {
        ApiFault::new(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Format",
            format!("Specified time stamp or date value {value:?} is not well formatted; use YYYY-MM-DDThh:mm:ssZ."),
        )
    })?;
    if (ts - now).abs() > TIMESTAMP_WINDOW {
        return Err(ApiFault::new(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Expired",
            format!(
                "Specified time stamp or date value is expired: {value} is more than 15 minutes from the server time {}.",
                now.format("%Y-%m-%dT%H:%M:%SZ")
            ),
        ));
    }
    Ok(ts)
}

/// `YYYY-MM-DDThh:mm:ssZ` as the SDKs send it, and liberally any RFC 3339 time
/// (fractions, offsets) or the same without a zone (taken as UTC).
pub(crate) fn parse_timestamp(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(value, format) {
            return Some(t.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_parsed_liberally() {
        let t = parse_timestamp("2024-05-01T10:00:00Z").unwrap();
        assert_eq!(t.timestamp(), 1_714_557_600);
        assert_eq!(
            parse_timestamp("2024-05-01T10:00:00.123Z")
                .unwrap()
                .timestamp(),
            t.timestamp()
        );
        assert_eq!(parse_timestamp("2024-05-01T18:00:00+08:00").unwrap(), t);
        assert!(parse_timestamp("yesterday").is_none());
    }

    #[test]
    fn window_is_fifteen_minutes_either_way() {
        let now = parse_timestamp("2024-05-01T10:00:00Z").unwrap();
        assert!(check_timestamp("Timestamp", "2024-05-01T10:15:00Z", now).is_ok());
        assert!(check_timestamp("Timestamp", "2024-05-01T09:45:00Z", now).is_ok());
        let late = check_timestamp("Timestamp", "2024-05-01T10:15:01Z", now).unwrap_err();
        assert_eq!(late.code, "InvalidTimeStamp.Expired");
        let early = check_timestamp("Timestamp", "2024-05-01T09:44:59Z", now).unwrap_err();
        assert_eq!(early.code, "InvalidTimeStamp.Expired");
        let bad = check_timestamp("Timestamp", "nope", now).unwrap_err();
        assert_eq!(bad.code, "InvalidTimeStamp.Format");
    }

    #[test]
    fn nonces_are_single_use_within_the_window_and_then_forgotten() {
        let now = parse_timestamp("2024-05-01T10:00:00Z").unwrap();
        let mut cache = NonceCache::default();
        assert!(cache.check_and_insert("k", "n1", now, now).is_ok());
        assert_eq!(
            cache
                .check_and_insert("k", "n1", now, now)
                .unwrap_err()
                .code,
            "SignatureNonceUsed"
        );
        // Another key may use the same nonce.
        assert!(cache.check_and_insert("k2", "n1", now, now).is_ok());
        // After the window the entry is pruned once the set has grown enough.
        let later = now + chrono::Duration::minutes(16);
        for i in 0..5000 {
            cache
                .check_and_insert("k", &format!("x{i}"), later, later)
                .unwrap();
        }
        assert!(
            cache.len() < 5003,
            "expired entries were pruned: {}",
            cache.len()
        );
        assert!(cache.check_and_insert("k", "n1", later, later).is_ok());
    }
}
