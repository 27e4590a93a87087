//! Malformed requests get the gateway's error body, not a bare status line.
//!
//! hyper answers a request it cannot parse (bad request line, method, URI or
//! header; headers or URI too large) on its own, with an empty `400`, `414` or
//! `431` and no hook to change it. [`MalformedReplies`] sits between hyper and
//! the socket and replaces exactly that automatic reply with the documented
//! body `{RequestId, HostId, Code, Message, Recommend}`. The emulator's own
//! replies always carry `x-acs-request-id`, so they are never mistaken for it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::wire::{self, ApiFault};

/// The code a malformed request is answered with.
pub(crate) const MALFORMED_CODE: &str = "MalformedRequest";

/// The status of hyper's automatic reply to a parse error, if `head` is one.
fn automatic_reply_status(head: &[u8]) -> Option<StatusCode> {
    let status = [
        (&b"HTTP/1.1 400 "[..], StatusCode::BAD_REQUEST),
        (&b"HTTP/1.1 414 "[..], StatusCode::URI_TOO_LONG),
        (
            &b"HTTP/1.1 431 "[..],
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ),
    ]
    .into_iter()
    .find(|(prefix, _)| head.starts_with(prefix))?
    .1;
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    let empty = head.contains("\r\ncontent-length: 0");
    let ours = head.contains("\r\nx-acs-request-id:");
    (empty && !ours).then_some(status)
}

/// The whole reply (status line, headers, JSON body) for a malformed request.
pub(crate) fn reply_bytes(status: StatusCode) -> Vec<u8> {
    let request_id = wire::new_request_id();
    let message = match status {
        StatusCode::URI_TOO_LONG => "The request URI is too long.",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "The request headers are too large.",
        _ => {
            "The request is not valid HTTP/1.1 (request line, method, URI or a header could not be parsed)."
        }
    };
    let fault = ApiFault::new(status, MALFORMED_CODE, message);
    let body = serde_json::to_string(&wire::error_body(&request_id, &fault))
        .unwrap_or_else(|_| "{}".to_string());
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json;charset=utf-8\r\nx-acs-request-id: {request_id}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Bad Request"),
        body.len()
    )
    .into_bytes()
}

/// A replacement being written: the bytes, how many went out, and how many
/// bytes of hyper's own reply to report as written once it is done.
struct Pending {
    bytes: Vec<u8>,
    written: usize,
    report: usize,
}

/// An IO stream that rewrites hyper's automatic parse-error reply.
pub(crate) struct MalformedReplies<T, F> {
    inner: T,
    pending: Option<Pending>,
    on_rewrite: F,
}

impl<T, F: Fn()> MalformedReplies<T, F> {
    /// `on_rewrite` runs once per rewritten reply (for the counters).
    pub(crate) fn new(inner: T, on_rewrite: F) -> Self {
        Self {
            inner,
            pending: None,
            on_rewrite,
        }
    }
}

impl<T: AsyncRead + Unpin, F: Unpin> AsyncRead for MalformedReplies<T, F> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin, F: Fn() + Unpin> AsyncWrite for MalformedReplies<T, F> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.pending.is_none()
            && let Some(status) = automatic_reply_status(buf)
        {
            (this.on_rewrite)();
            this.pending = Some(Pending {
                bytes: reply_bytes(status),
                written: 0,
                report: buf.len(),
            });
        }
        let Some(pending) = this.pending.as_mut() else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        while pending.written < pending.bytes.len() {
            let n = ready!(
                Pin::new(&mut this.inner).poll_write(cx, &pending.bytes[pending.written..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            pending.written += n;
        }
        let report = pending.report;
        this.pending = None;
        Poll::Ready(Ok(report))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_empty_automatic_replies_are_recognised() {
        let automatic = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(
            automatic_reply_status(automatic),
            Some(StatusCode::BAD_REQUEST)
        );
        let too_large =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(
            automatic_reply_status(too_large),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        let ours = b"HTTP/1.1 400 Bad Request\r\nx-acs-request-id: A\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(automatic_reply_status(ours), None);
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n{\"Code\":\"\"}";
        assert_eq!(automatic_reply_status(with_body), None);
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(automatic_reply_status(ok), None);
    }

    #[test]
    fn the_replacement_has_the_documented_error_body() {
        let bytes = reply_bytes(StatusCode::BAD_REQUEST);
        let text = String::from_utf8(bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
            assert!(v[field].is_string(), "{field} in {v}");
        }
        assert_eq!(v["Code"], MALFORMED_CODE);
    }
}
