//! The LiveMessage API: typed operations, validation, signing, errors and the HTTP client.
//!
//! - Each of the 29 operations is one request type implementing [`Operation`]
//!   (the original four in [`model`], the other 25 in [`ops`]): wire name, method,
//!   whether it mutates, its documented rate, whether a repeat is harmless, its
//!   reply type, its validation and its parameters. Adding an operation means
//!   adding such a type; nothing else in the client changes.
//! - [`Api`] is the one generic way to call: [`Client`] (and `Arc<A>`) implement
//!   it, the worker, the bulk engine and the outbox are generic over it.
//! - [`Client::call`] refuses mutations in read-only mode before anything is
//!   sent, validates, paces (per key and operation, across processes when
//!   [`ClientOptions::pace_ledger`] is set; see [`pace`]), signs, sends, retries
//!   only what is safe ([`Operation::RETRY_SAFE`] or
//!   [`ApiError::provably_not_processed`]), and audits every mutation.
//! - [`pages`] turns a token-paged request ([`Paged`]) into a stream of pages.

pub(crate) mod caller;
pub mod client;
pub mod error;
pub mod model;
pub(crate) mod ops;
pub mod pace;
pub(crate) mod paging;
pub mod sign;
pub mod validate;

#[cfg(test)]
mod testing;

pub use caller::Api;
pub use client::{Client, ClientOptions};
pub use error::{ApiError, ErrorKind, ServiceError};
pub use model::*;
pub use ops::Ack;
pub use ops::apps::*;
pub use ops::groups::*;
pub use ops::members::*;
pub use ops::messages::*;
pub use ops::mutes::*;
pub use paging::{Paged, pages};
