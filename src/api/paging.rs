//! Token paging as a stream: the four token-paged lists (ListLiveMessageGroups,
//! ListLiveMessageGroupUsers, ListLiveMessageGroupMessages, ListLiveMessageApps)
//! implement [`Paged`], and [`pages`] turns a first request into a stream of
//! replies, so `--all` is one line:
//!
//! ```ignore
//! let all: Vec<_> = api::pages(&client, request).try_collect().await?;
//! ```

use futures::Stream;

use super::caller::Api;
use super::error::ApiError;
use super::model::Operation;

/// A request whose reply names the next page.
pub trait Paged: Operation + Clone + Send + Sync + 'static {
    /// The token this request asks for (`None` = first page).
    fn token(&self) -> Option<i64>;
    /// The request for the page after `reply`, or `None` after the last page.
    /// A reply that contradicts itself (more pages but no token) is an error
    /// rather than a silently shortened list.
    #[allow(clippy::result_large_err)] // built once per broken reply
    fn next_page(&self, reply: &Self::Response) -> Result<Option<Self>, ApiError>;
}

/// The error for a reply whose paging fields make no sense.
pub(crate) fn paging_error(action: &'static str, problem: String) -> ApiError {
    ApiError::Decode {
        action,
        status: 200,
        problem,
        snippet: String::new(),
    }
}

/// Every page from `first` on, in order; ends after the last page or the first
/// error. A token that does not advance ends the stream with an error instead
/// of looping for ever.
pub fn pages<A: Api, O: Paged>(
    api: &A,
    first: O,
) -> impl Stream<Item = Result<O::Response, ApiError>> + Send + '_ {
    futures::stream::unfold(Some(first), move |state| async move {
        let request = state?;
        let reply = match api.call(request.clone()).await {
            Ok(reply) => reply,
            Err(e) => return Some((Err(e), None)),
        };
        let next = match request.next_page(&reply) {
            Ok(Some(next)) if next.token() == request.token() => {
                let token = next.token().unwrap_or_default();
                return Some((
                    Err(paging_error(
                        O::ACTION,
                        format!("the next-page token {token} repeats the current one"),
                    )),
                    None,
                ));
            }
            Ok(next) => next,
            Err(e) => return Some((Err(e), None)),
        };
        Some((Ok(reply), next))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::future::Future;
    use std::sync::Mutex;

    use futures::{StreamExt, TryStreamExt};
    use serde_json::{Value, json};

    use super::*;
    use crate::api::{ListGroupMessagesRequest, ListGroupsByTokenRequest, Param};

    /// Answers each call with the next scripted JSON reply and records what was asked.
    #[derive(Default)]
    struct Scripted {
        replies: Mutex<VecDeque<Result<Value, ApiError>>>,
        asked: Mutex<Vec<Vec<Param>>>,
    }

    impl Scripted {
        fn new(replies: Vec<Result<Value, ApiError>>) -> Self {
            Self {
                replies: Mutex::new(replies.into()),
                asked: Mutex::default(),
            }
        }
        fn tokens(&self) -> Vec<Option<String>> {
            self.asked
                .lock()
                .unwrap()
                .iter()
                .map(|p| {
                    p.iter()
                        .find(|(n, _)| *n == "NextPageToken")
                        .map(|(_, v)| v.clone())
                })
                .collect()
        }
    }

    impl Api for Scripted {
        fn call<O>(&self, op: O) -> impl Future<Output = Result<O::Response, ApiError>> + Send
        where
            O: Operation + Send + Sync + 'static,
        {
            self.asked.lock().unwrap().push(op.params());
            let next = self
                .replies
                .lock()
                .unwrap()
                .pop_front()
                .expect("no more scripted replies");
            async move { next.map(|v| serde_json::from_value(v).expect("scripted reply shape")) }
        }
    }

    #[tokio::test]
    async fn pages_follow_the_tokens_to_the_last_page() {
        let api = Scripted::new(vec![
            Ok(
                json!({"RequestId":"1","GroupList":[{"GroupId":"a"}],"Hasmore":true,"NextpageToken":"21"}),
            ),
            Ok(
                json!({"RequestId":"2","GroupList":[{"GroupId":"b"}],"Hasmore":true,"NextpageToken":"41"}),
            ),
            Ok(json!({"RequestId":"3","GroupList":[{"GroupId":"c"}],"Hasmore":false})),
        ]);
        let replies: Vec<_> = pages(&api, ListGroupsByTokenRequest::new("demo"))
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<_> = replies
            .iter()
            .flat_map(|r| r.group_list.iter().map(|g| g.group_id.as_str()))
            .collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(
            api.tokens(),
            [None, Some("21".to_string()), Some("41".to_string())]
        );
    }

    #[tokio::test]
    async fn an_error_ends_the_stream_after_the_pages_before_it() {
        let api = Scripted::new(vec![
            Ok(json!({"RequestId":"1","Hasmore":true,"NextPageToken":51,"MessageList":[]})),
            Err(ApiError::Transport {
                phase: crate::api::error::TransportPhase::NotSent,
                message: "refused".into(),
            }),
        ]);
        let items: Vec<_> = pages(&api, ListGroupMessagesRequest::new("demo", "g"))
            .collect()
            .await;
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok() && items[1].is_err());
    }

    #[tokio::test]
    async fn a_token_that_does_not_advance_is_an_error_not_a_loop() {
        let api = Scripted::new(vec![
            Ok(json!({"RequestId":"1","Hasmore":true,"NextPageToken":51,"MessageList":[]})),
            Ok(json!({"RequestId":"2","Hasmore":true,"NextPageToken":51,"MessageList":[]})),
        ]);
        let items: Vec<_> = pages(&api, ListGroupMessagesRequest::new("demo", "g"))
            .collect()
            .await;
        assert_eq!(items.len(), 2, "stops after the repeat");
        let err = items[1].as_ref().unwrap_err();
        assert!(err.to_string().contains("repeats"), "{err}");
    }
}
