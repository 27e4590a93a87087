//! The LiveMessage API: typed operations, validation, signing, errors and the HTTP client.

pub mod client;
pub mod error;
pub mod model;
pub mod sign;
pub mod validate;

pub use client::{Client, ClientOptions};
pub use error::{ApiError, ErrorKind, ServiceError};
pub use model::*;
