//! A scripted stand-in for the service, for the client's own unit tests: it
//! answers every call with one status and body and counts what reached it.
//! (The end-to-end tests use the real emulator; this is for the cases the
//! emulator cannot produce, such as a 500 after an unknown outcome.)

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use url::Url;

use super::client::{Client, ClientOptions};
use crate::credentials::Credentials;

pub(crate) struct FakeService {
    pub(crate) url: Url,
    /// The `x-acs-action` of every request that arrived, in order.
    hits: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeService {
    pub(crate) async fn start(status: u16, body: &'static str) -> Self {
        let hits: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = hits.clone();
        let app = axum::Router::new().route(
            "/",
            axum::routing::any(move |headers: HeaderMap| {
                let seen = seen.clone();
                async move {
                    let action = headers
                        .get("x-acs-action")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    seen.lock().unwrap().push(action);
                    (
                        StatusCode::from_u16(status).unwrap(),
                        [("content-type", "application/json")],
                        body,
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, hits, task }
    }

    pub(crate) fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }

    /// A client of this service with fast retries and a high pace.
    pub(crate) fn client(&self, options: ClientOptions) -> Client {
        Client::new(
            Credentials::new("AKIDtest", "testsecretvalue", "test"),
            ClientOptions {
                endpoint: self.url.clone(),
                rate_per_second: 1000,
                ..options
            },
        )
        .unwrap()
    }
}

impl Drop for FakeService {
    fn drop(&mut self) {
        self.task.abort();
    }
}
