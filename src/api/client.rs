//! The HTTP client: builds, signs and sends requests, paces them under the
//! documented rate limit, retries what is safe to retry, and turns every reply
//! into a typed response or a typed error.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use backon::BackoffBuilder;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::error::{ApiError, ErrorBody, ServiceError, TransportPhase, snippet};
use super::model::{API_VERSION, Method, Operation};
use super::pace::{self, PaceLedger};
use super::sign::{self, SignatureVersion};
use crate::audit::{AuditContext, AuditEntry, AuditLog};
use crate::credentials::{Credentials, ExposeSecret};

pub const DEFAULT_ENDPOINT: &str = "https://live.aliyuncs.com";
/// Documented limit of most operations: 50 calls per second per account and
/// operation (each [`Operation`] states its own in `CALLS_PER_SECOND`).
pub const CALLS_PER_SECOND: u32 = super::model::DEFAULT_CALLS_PER_SECOND;
/// Encoded parameters above this size travel in a form body (POST only).
const FORM_BODY_THRESHOLD: usize = 8 * 1024;
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// Replies larger than this are refused rather than buffered without bound.
const MAX_REPLY_BYTES: usize = 8 * 1024 * 1024;

/// How a client is set up; everything but the credentials has a sensible default.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub endpoint: Url,
    pub signature: SignatureVersion,
    pub read_only: bool,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Attempts per call, first included, for calls that are safe to repeat.
    pub max_attempts: usize,
    /// Calls per second for this key for the operations documented at 50/s
    /// (the default). Operations with a lower documented limit are scaled in
    /// proportion: at the default, the mute-writing operations get their 10/s.
    pub rate_per_second: u32,
    /// Where every mutating call is recorded before its outcome is returned.
    pub audit: Option<Arc<AuditLog>>,
    pub audit_context: AuditContext,
    /// A pacing ledger file shared by every process on this machine (in the
    /// data directory), so concurrent runs on one key stay under the limit
    /// together. `None` paces this process only.
    pub pace_ledger: Option<PathBuf>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            endpoint: Url::parse(DEFAULT_ENDPOINT).expect("default endpoint parses"),
            signature: SignatureVersion::V3,
            read_only: false,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_attempts: 4,
            rate_per_second: CALLS_PER_SECOND,
            audit: None,
            audit_context: AuditContext::default(),
            pace_ledger: None,
        }
    }
}

/// What happened on one call, for logs, the audit trail and benchmarks.
#[derive(Debug, Clone, Default)]
pub struct CallStats {
    pub attempts: u32,
    pub throttled: u32,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    options: ClientOptions,
    credentials: Arc<Credentials>,
    /// `host[:port]` as reqwest sends it in the Host header.
    authority: String,
    ledger: Option<Arc<PaceLedger>>,
}

/// What the audit log records of a call that failed. The audit log knows
/// nothing of the API; the API says what its error means there.
pub(crate) fn audit_failure(entry: AuditEntry, err: &ApiError) -> AuditEntry {
    let refused = matches!(err, ApiError::ReadOnly { .. } | ApiError::Validation(_));
    let message = match err.service() {
        Some(s) => s.message.clone(),
        None => err.to_string(),
    };
    entry.with_failure(refused, err.code(), message, err.request_id())
}

/// Why a [`Client`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientSetupError {
    #[error("endpoint {0} must be an http:// or https:// URL")]
    Scheme(String),
    #[error("endpoint {0} has no host")]
    NoHost(String),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.options.endpoint.as_str())
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(credentials: Credentials, options: ClientOptions) -> Result<Self, ClientSetupError> {
        let endpoint = &options.endpoint;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(ClientSetupError::Scheme(endpoint.to_string()));
        }
        let host = endpoint
            .host_str()
            .ok_or_else(|| ClientSetupError::NoHost(endpoint.to_string()))?;
        let authority = match endpoint.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .user_agent(concat!("livemod/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientSetupError::Http)?;
        let ledger = options
            .pace_ledger
            .as_ref()
            .map(|path| Arc::new(PaceLedger::new(path)));
        Ok(Self {
            http,
            options,
            credentials: Arc::new(credentials),
            authority,
            ledger,
        })
    }

    pub fn endpoint(&self) -> &Url {
        &self.options.endpoint
    }
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }
    pub fn is_read_only(&self) -> bool {
        self.options.read_only
    }
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Validates, paces, signs and sends one operation, retrying where that is safe.
    pub async fn call<O: Operation>(&self, op: &O) -> Result<O::Response, ApiError> {
        self.call_with_stats(op).await.0
    }

    /// Like [`Client::call`], with attempt counts. Every mutating call (refusals
    /// included) is appended to the audit log, durably, before this returns.
    pub async fn call_with_stats<O: Operation>(
        &self,
        op: &O,
    ) -> (Result<O::Response, ApiError>, CallStats) {
        let (result, stats) = self.call_unaudited(op).await;
        if O::MUTATING
            && let Some(log) = &self.options.audit
        {
            let mut entry = AuditEntry::for_call(
                self.options.endpoint.as_str(),
                &self.options.audit_context,
                O::ACTION,
                &op.params(),
            );
            entry = match &result {
                Ok(reply) => entry.with_reply(reply),
                Err(e) => audit_failure(entry, e),
            };
            entry.attempts = Some(stats.attempts);
            if let Err(e) = log.append_async(entry).await {
                tracing::error!(action = O::ACTION, path = %log.path().display(), error = %e, "cannot write the audit log");
            }
        }
        (result, stats)
    }

    async fn call_unaudited<O: Operation>(
        &self,
        op: &O,
    ) -> (Result<O::Response, ApiError>, CallStats) {
        let mut stats = CallStats::default();
        // Read-only is enforced here, below every caller, before anything is sent.
        if O::MUTATING && self.options.read_only {
            return (Err(ApiError::ReadOnly { action: O::ACTION }), stats);
        }
        if let Err(e) = op.validate() {
            return (Err(e.into()), stats);
        }
        let params = op.params();
        let rate = self.rate_for(O::CALLS_PER_SECOND);
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_secs(5))
            .with_jitter()
            .with_max_times(self.options.max_attempts.saturating_sub(1))
            .build();
        loop {
            stats.attempts += 1;
            let result = self
                .send_once::<O::Response>(O::ACTION, O::METHOD, rate, &params)
                .await;
            let err = match result {
                Ok(reply) => return (Ok(reply), stats),
                Err(e) => e,
            };
            let throttled = err.kind() == Some(super::ErrorKind::Throttling);
            if throttled {
                stats.throttled += 1;
            }
            let retryable = match &err {
                ApiError::Service(s) => s.is_retryable(),
                ApiError::Transport { .. } => true,
                _ => false,
            } && (O::RETRY_SAFE || err.provably_not_processed());
            let Some(backoff) = delays.next().filter(|_| retryable) else {
                return (Err(err), stats);
            };
            let wait = err
                .service()
                .and_then(|s| s.retry_after)
                .map_or(backoff, |ra| ra.max(backoff / 4));
            tracing::debug!(action = O::ACTION, attempt = stats.attempts, ?wait, error = %err, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// The pace for an operation documented at `documented` calls per second:
    /// `rate_per_second` for the 50/s operations, in proportion for the others.
    fn rate_for(&self, documented: u32) -> u32 {
        let scaled = u64::from(documented) * u64::from(self.options.rate_per_second)
            / u64::from(CALLS_PER_SECOND);
        u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
    }

    /// One signed request and its decoded reply; no retries.
    async fn send_once<R: serde::de::DeserializeOwned>(
        &self,
        action: &'static str,
        method: Method,
        rate: u32,
        params: &[(&'static str, String)],
    ) -> Result<R, ApiError> {
        let key_id = &self.credentials.access_key_id;
        match &self.ledger {
            Some(ledger) => ledger.pace(key_id, action, rate).await,
            None => pace::in_process(key_id, action, rate).await,
        }
        let request = self.build(action, method, params);
        // A V2 request carries the STS token in its query, and a reply may quote
        // the request (SignatureDoesNotMatch quotes the string to sign): every
        // error and every reply body is scrubbed of the secret and the token.
        let forms = secret_forms(&self.credentials);
        let response = match self.http.execute(request).await {
            Ok(r) => r,
            Err(e) => return Err(redact_error(transport_error(e), &forms)),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("x-acs-retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis);
        let mut body = read_limited(response)
            .await
            .map_err(|e| redact_error(e, &forms))?;
        redact_bytes(&mut body, &forms);
        decode_reply(action, status, retry_after, &body)
    }

    /// Builds the signed request for one attempt (fresh nonce and timestamp).
    pub fn build(
        &self,
        action: &'static str,
        method: Method,
        params: &[(&'static str, String)],
    ) -> reqwest::Request {
        let now = chrono::Utc::now();
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let timestamp = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let creds = &*self.credentials;
        let mut query: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let mut headers = HeaderMap::new();
        // Business parameters go in the query, as the SDKs send them; a POST whose
        // parameters would make an over-long URL (a 32 KB GroupInfo of CJK text
        // encodes to ~96 KB) carries them in a form body instead, signed as such.
        let use_form =
            method == Method::Post && sign::canonical_query(&query).len() > FORM_BODY_THRESHOLD;
        let mut body: Option<String> = None;
        match self.options.signature {
            SignatureVersion::V2 => {
                query.extend(
                    [
                        ("Action", action),
                        ("Version", API_VERSION),
                        ("Format", "JSON"),
                        ("SignatureMethod", sign::V2_METHOD),
                        ("SignatureVersion", sign::V2_VERSION),
                    ]
                    .map(|(k, v)| (k.to_string(), v.to_string())),
                );
                query.push(("AccessKeyId".into(), creds.access_key_id.clone()));
                query.push(("SignatureNonce".into(), nonce));
                query.push(("Timestamp".into(), timestamp));
                if let Some(token) = &creds.security_token {
                    query.push(("SecurityToken".into(), token.expose_secret().to_string()));
                }
                let to_sign = sign::v2_string_to_sign(method.as_str(), &query);
                let signature =
                    sign::v2_signature(creds.access_key_secret.expose_secret(), &to_sign);
                query.push(("Signature".into(), signature));
                if use_form {
                    body = Some(sign::canonical_query(&query));
                    query.clear();
                }
            }
            SignatureVersion::V3 => {
                let payload_hash = if use_form {
                    let form = sign::canonical_query(&query);
                    query.clear();
                    let hash = sign::sha256_hex(form.as_bytes());
                    body = Some(form);
                    hash
                } else {
                    sign::EMPTY_SHA256.to_string()
                };
                let mut signed: Vec<(String, String)> = vec![
                    ("host".into(), self.authority.clone()),
                    ("x-acs-action".into(), action.into()),
                    ("x-acs-version".into(), API_VERSION.into()),
                    ("x-acs-date".into(), timestamp),
                    ("x-acs-signature-nonce".into(), nonce),
                    ("x-acs-content-sha256".into(), payload_hash.clone()),
                ];
                if use_form {
                    signed.push(("content-type".into(), FORM_CONTENT_TYPE.into()));
                }
                if let Some(token) = &creds.security_token {
                    signed.push((
                        "x-acs-security-token".into(),
                        token.expose_secret().to_string(),
                    ));
                }
                let canonical = sign::v3_canonical_request(
                    method.as_str(),
                    "/",
                    &query,
                    &signed,
                    sign::HeaderSelection::Default,
                    &payload_hash,
                );
                let signature = sign::v3_signature(
                    creds.access_key_secret.expose_secret(),
                    &sign::v3_string_to_sign(&canonical.text),
                );
                let authorization = sign::v3_authorization(
                    &creds.access_key_id,
                    &canonical.signed_headers,
                    &signature,
                );
                // Host is set by reqwest from the URL, to the same authority.
                for (name, value) in signed.into_iter().filter(|(n, _)| n != "host") {
                    insert_header(&mut headers, &name, &value);
                }
                insert_header(&mut headers, "authorization", &authorization);
            }
        }
        let mut url = self.options.endpoint.clone();
        url.set_path("/");
        if query.is_empty() {
            url.set_query(None);
        } else {
            url.set_query(Some(&sign::canonical_query(&query)));
        }
        let http_method = match method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut request = reqwest::Request::new(http_method, url);
        if let Some(form) = body {
            insert_header(&mut headers, "content-type", FORM_CONTENT_TYPE);
            *request.body_mut() = Some(form.into());
        }
        *request.headers_mut() = headers;
        request
    }
}

/// The RequestId of a successful reply (every response type carries one).
fn insert_header(headers: &mut HeaderMap, name: &str, value: &str) {
    // Values are hex, dates, IDs or tokens: always valid header text. A token
    // with control characters would be a broken credential; skip it rather than panic.
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        headers.insert(n, v);
    }
}

/// Shown instead of a secret or a token.
const REDACTED: &str = "[REDACTED]";
/// Shorter values are not searched for (they would match ordinary text).
const MIN_REDACTED_LEN: usize = 6;

/// Every form the secret and the token take on the wire: as they are,
/// percent-encoded once (a V2 query) and twice (a V2 string to sign). Longest first.
fn secret_forms(creds: &Credentials) -> Vec<String> {
    let mut forms = Vec::new();
    let values = std::iter::once(creds.access_key_secret.expose_secret())
        .chain(creds.security_token.as_ref().map(|t| t.expose_secret()));
    for value in values {
        let once = sign::percent_encode(value);
        let twice = sign::percent_encode(&once);
        forms.extend([value.to_string(), once, twice]);
    }
    forms.retain(|f| f.len() >= MIN_REDACTED_LEN);
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms
}

fn redact_text(text: &mut String, forms: &[String]) {
    for form in forms {
        if text.contains(form.as_str()) {
            *text = text.replace(form.as_str(), REDACTED);
        }
    }
}

fn redact_bytes(body: &mut Vec<u8>, forms: &[String]) {
    for form in forms {
        let needle = form.as_bytes();
        if !body.windows(needle.len()).any(|w| w == needle) {
            continue;
        }
        let mut out = Vec::with_capacity(body.len());
        let mut i = 0;
        while i < body.len() {
            if body[i..].starts_with(needle) {
                out.extend_from_slice(REDACTED.as_bytes());
                i += needle.len();
            } else {
                out.push(body[i]);
                i += 1;
            }
        }
        *body = out;
    }
}

/// The error with every form of the secret and the token replaced.
fn redact_error(mut err: ApiError, forms: &[String]) -> ApiError {
    match &mut err {
        ApiError::Transport { message, .. } => redact_text(message, forms),
        ApiError::Decode {
            problem, snippet, ..
        } => {
            redact_text(problem, forms);
            redact_text(snippet, forms);
        }
        ApiError::Service(s) => {
            redact_text(&mut s.message, forms);
            redact_text(&mut s.code, forms);
        }
        _ => {}
    }
    err
}

fn transport_error(e: reqwest::Error) -> ApiError {
    // A connect failure means no byte of the request reached the service.
    let phase = if e.is_connect() || e.is_builder() {
        TransportPhase::NotSent
    } else {
        TransportPhase::OutcomeUnknown
    };
    // The URL is dropped: it adds nothing the user does not know, and a V2 query
    // carries the signature and any STS token.
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    ApiError::Transport { phase, message }
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_REPLY_BYTES {
                    return Err(ApiError::Decode {
                        action: "reply",
                        status: response.status().as_u16(),
                        problem: format!("reply is larger than {MAX_REPLY_BYTES} bytes"),
                        snippet: snippet(&body),
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(transport_error(e)),
        }
    }
}

/// serde_json's message, cut short: for a value of the wrong type it quotes the
/// whole value, which in a multi-megabyte reply is megabytes of error text.
fn bounded(e: &serde_json::Error) -> String {
    const MAX_CHARS: usize = 200;
    let text = e.to_string();
    if text.chars().count() <= MAX_CHARS {
        return text;
    }
    let head: String = text.chars().take(MAX_CHARS).collect();
    format!("{head}… at line {} column {}", e.line(), e.column())
}

/// Turns a status and body into the typed reply or a typed error. Never panics.
// ApiError is large, but it is built once per failed call: boxing buys nothing here.
#[allow(clippy::result_large_err)]
pub fn decode_reply<R: serde::de::DeserializeOwned>(
    action: &'static str,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<R, ApiError> {
    if (200..300).contains(&status) && retry_after.is_none() {
        return serde_json::from_slice::<R>(body).map_err(|e| ApiError::Decode {
            action,
            status,
            problem: if e.is_syntax() || e.is_eof() {
                format!("not JSON ({})", bounded(&e))
            } else {
                format!("JSON of an unexpected shape ({})", bounded(&e))
            },
            snippet: snippet(body),
        });
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(err) => Err(ApiError::Service(ServiceError {
            status,
            message: err.message.unwrap_or_default(),
            code: err.code,
            request_id: err.request_id,
            recommend: err.recommend,
            host_id: err.host_id,
            retry_after,
        })),
        Err(_) if retry_after.is_some() => Err(ApiError::Service(ServiceError {
            status,
            code: "Throttling".into(),
            message: "throttled (x-acs-retry-after)".into(),
            request_id: None,
            recommend: None,
            host_id: None,
            retry_after,
        })),
        Err(e) => Err(ApiError::Decode {
            action,
            status,
            problem: format!(
                "an error reply that is not a service error body ({})",
                bounded(&e)
            ),
            snippet: snippet(body),
        }),
    }
}

#[cfg(test)]
mod tests;
