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
