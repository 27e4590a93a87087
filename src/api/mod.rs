//! The LiveMessage API: typed operations, validation, signing, errors and the HTTP client.

pub mod caller;
pub mod client;
pub mod error;
pub mod model;
pub mod ops;
pub mod pace;
pub mod paging;
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
