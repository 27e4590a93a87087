//! Stand-in for the generic `api::Api` trait that branch h-api adds (same
//! signature), so the engine can be written and used before that lands.
//! Removed when h-api is merged.

use std::future::Future;
use std::sync::Arc;

use crate::api::{ApiError, Client, Operation};

/// Anything that can make a LiveMessage call: the real [`Client`], or a fake.
pub trait Api: Send + Sync + 'static {
    fn call<O>(&self, op: O) -> impl Future<Output = Result<O::Response, ApiError>> + Send
    where
        O: Operation + Send + Sync + 'static,
        O::Response: Send;
    /// The real client behind this API, when there is one (for its pacer,
    /// audit and attempt counts).
    fn client(&self) -> Option<Client> {
        None
    }
}

impl Api for Client {
    fn call<O>(&self, op: O) -> impl Future<Output = Result<O::Response, ApiError>> + Send
    where
        O: Operation + Send + Sync + 'static,
        O::Response: Send,
    {
        let client = self.clone();
        async move { Client::call(&client, &op).await }
    }
    fn client(&self) -> Option<Client> {
        Some(self.clone())
    }
}

impl<A: Api> Api for Arc<A> {
    fn call<O>(&self, op: O) -> impl Future<Output = Result<O::Response, ApiError>> + Send
    where
        O: Operation + Send + Sync + 'static,
        O::Response: Send,
    {
        (**self).call(op)
    }
    fn client(&self) -> Option<Client> {
        (**self).client()
    }
}
