//! The one generic way to call the service. The console worker, the bulk engine
//! and the outbox are generic over [`Api`], so adding an operation means adding
//! its [`Operation`] type and nothing in them; tests substitute fakes.

use std::future::Future;
use std::sync::Arc;

use super::client::Client;
use super::error::ApiError;
use super::model::Operation;

/// Anything that can carry an operation to the service and bring its reply back.
pub trait Api: Send + Sync + 'static {
    /// Validates, sends and decodes one operation (the real client also paces,
    /// retries what is safe to retry, refuses mutations in read-only mode and
    /// audits every mutation).
    fn call<O>(&self, op: O) -> impl Future<Output = Result<O::Response, ApiError>> + Send
    where
        O: Operation + Send + Sync + 'static;

    /// The real client behind this API, when there is one: background outbox
    /// delivery and bulk runs need its pacer and its audit.
    fn client(&self) -> Option<Client> {
        None
    }
}

impl Api for Client {
    async fn call<O>(&self, op: O) -> Result<O::Response, ApiError>
    where
        O: Operation + Send + Sync + 'static,
    {
        Client::call(self, &op).await
    }

    fn client(&self) -> Option<Client> {
        Some(self.clone())
    }
}

impl<A: Api> Api for Arc<A> {
    fn call<O>(&self, op: O) -> impl Future<Output = Result<O::Response, ApiError>> + Send
    where
        O: Operation + Send + Sync + 'static,
    {
        (**self).call(op)
    }

    fn client(&self) -> Option<Client> {
        (**self).client()
    }
}
