//! Every request the console has in flight, in one map: request id → what it
//! is for. Replies are matched here and nowhere else, and a request that ends
//! in a crash is removed from here, so nothing is left waiting for it.

use std::collections::BTreeMap;

use crate::api::{ListGroupsByTokenRequest, ListGroupsRequest, SendMessageRequest};
use crate::bulk::Progress;
use crate::worker::RequestId;

/// What an outbox request in flight was for (to word its reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxPurpose {
    Refresh,
    /// A composed message; the MsgTid the compose pane showed.
    Enqueue {
        tid: String,
        unknown: bool,
    },
    Keep,
    Discard,
    Retry,
    Edit,
}

/// A bulk run in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRun {
    /// "sending" or "deleting".
    pub verb: &'static str,
    pub progress: Progress,
    pub cancelling: bool,
}

/// What one request in flight is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    /// The page load whose reply is wanted (at most one: latest wins).
    Page(ListGroupsRequest),
    Create {
        group_id: String,
    },
    Delete {
        group_id: String,
    },
    Recover {
        group_id: String,
    },
    /// A page of the all-groups index sync (latest wins).
    IndexPage(ListGroupsByTokenRequest),
    /// A single send from compose.
    Send(SendMessageRequest),
    Outbox(OutboxPurpose),
    /// A bulk run (at most one).
    Bulk(BulkRun),
    /// A call of the apps pane.
    Apps(crate::tui::panes::apps::AppsRequest),
    /// A recall from the sent log.
    SentRecall {
        msg_tid: String,
    },
    /// A call of the live room `group_id`.
    Room {
        group_id: String,
        request: crate::tui::panes::room::RoomRequest,
    },
    /// A call for the watched rooms (background poll, online count, action
    /// on a flagged message).
    Watch(super::watch::WatchRequest),
}

impl Pending {
    /// Whether the reply only means something for the app (and data center)
    /// the call was made in: a late one from before `:app` switched must not
    /// land in a room, index or poll of the same ID in the new app.
    pub(crate) fn belongs_to_app(&self) -> bool {
        matches!(
            self,
            Pending::Page(_) | Pending::IndexPage(_) | Pending::Room { .. } | Pending::Watch(_)
        )
    }

    /// A moderator's (or a rule's) action on a room, as opposed to a read.
    pub(crate) fn is_room_action(&self) -> bool {
        match self {
            Pending::Room { request, .. } => request.is_action(),
            Pending::Watch(super::watch::WatchRequest::Act { .. }) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Default)]
pub struct PendingRequests {
    /// Request id → (what the header says while it is in flight, what it is for).
    entries: BTreeMap<RequestId, (String, Pending)>,
    /// Request id → the app generation it was made in.
    made_in: BTreeMap<RequestId, u64>,
    /// Bumped by every switch of app (`:app`).
    generation: u64,
    last_id: RequestId,
}

impl PendingRequests {
    /// Records a new request; returns its id.
    pub fn add(&mut self, label: impl Into<String>, pending: Pending) -> RequestId {
        self.last_id += 1;
        self.entries.insert(self.last_id, (label.into(), pending));
        self.made_in.insert(self.last_id, self.generation);
        self.last_id
    }

    /// The request `id` is answered (or crashed): what it was for.
    pub fn take(&mut self, id: RequestId) -> Option<Pending> {
        self.made_in.remove(&id);
        self.entries.remove(&id).map(|(_, p)| p)
    }

    /// Like [`Self::take`], but `Err` for a request that belongs to an app
    /// the console has switched away from since it was made (its reply must
    /// not be applied to what the console shows now).
    pub(crate) fn take_current(&mut self, id: RequestId) -> Option<Result<Pending, Pending>> {
        let old = self.made_in.get(&id).is_some_and(|g| *g != self.generation);
        let pending = self.take(id)?;
        if old && pending.belongs_to_app() {
            tracing::debug!(id, "dropping a reply from the app switched away from");
            return Some(Err(pending));
        }
        Some(Ok(pending))
    }

    /// The console switched app: what is in flight now belongs to the old one.
    pub(crate) fn switched_app(&mut self) {
        self.generation += 1;
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What the header says is in flight.
    pub fn label(&self) -> Option<String> {
        let (first, _) = self.entries.values().next()?;
        Some(match self.entries.len() {
            1 => first.clone(),
            n => format!("{first} (+{})", n - 1),
        })
    }

    fn find(&self, want: impl Fn(&Pending) -> bool) -> Option<RequestId> {
        self.entries
            .iter()
            .find(|(_, (_, p))| want(p))
            .map(|(id, _)| *id)
    }

    /// The page load in flight, if any.
    pub fn page(&self) -> Option<RequestId> {
        self.find(|p| matches!(p, Pending::Page(_)))
    }

    /// Forgets the page load in flight (a newer one supersedes it).
    pub fn drop_page(&mut self) {
        if let Some(id) = self.page() {
            self.take(id);
        }
    }

    /// Whether a single send from compose is in flight.
    pub fn sending(&self) -> bool {
        self.find(|p| matches!(p, Pending::Send(_))).is_some()
    }

    /// Whether a create is in flight.
    pub fn creating(&self) -> bool {
        self.find(|p| matches!(p, Pending::Create { .. })).is_some()
    }

    /// The bulk run in flight, if any.
    pub fn bulk(&self) -> Option<(RequestId, &BulkRun)> {
        self.entries.iter().find_map(|(id, (_, p))| match p {
            Pending::Bulk(b) => Some((*id, b)),
            _ => None,
        })
    }

    pub fn bulk_mut(&mut self) -> Option<(RequestId, &mut BulkRun)> {
        self.entries.iter_mut().find_map(|(id, (_, p))| match p {
            Pending::Bulk(b) => Some((*id, b)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_map_answers_every_question_and_taking_cleans_up() {
        let mut p = PendingRequests::default();
        let page = p.add(
            "loading page 1",
            Pending::Page(ListGroupsRequest::new("demo")),
        );
        let send = p.add(
            "sending to g1",
            Pending::Send(SendMessageRequest::default()),
        );
        let bulk = p.add(
            "sending to 3 groups",
            Pending::Bulk(BulkRun {
                verb: "sending",
                progress: Progress::default(),
                cancelling: false,
            }),
        );
        assert_eq!(p.page(), Some(page));
        assert!(p.sending());
        assert_eq!(p.bulk().map(|(id, _)| id), Some(bulk));
        assert_eq!(p.label().as_deref(), Some("loading page 1 (+2)"));
        assert!(matches!(p.take(bulk), Some(Pending::Bulk(_))));
        assert!(p.bulk().is_none());
        assert!(p.take(bulk).is_none(), "answered once");
        p.drop_page();
        assert!(p.page().is_none());
        p.take(send);
        assert!(p.is_empty() && !p.sending());
    }

    #[test]
    fn after_an_app_switch_only_app_bound_replies_are_dropped() {
        let mut p = PendingRequests::default();
        let page = p.add("page", Pending::Page(ListGroupsRequest::new("demo")));
        let send = p.add("send", Pending::Send(SendMessageRequest::default()));
        p.switched_app();
        let fresh = p.add("page", Pending::Page(ListGroupsRequest::new("other")));
        assert!(
            matches!(p.take_current(page), Some(Err(_))),
            "the old app's page"
        );
        assert!(
            matches!(p.take_current(send), Some(Ok(_))),
            "a send still reports"
        );
        assert!(
            matches!(p.take_current(fresh), Some(Ok(_))),
            "the new app's page"
        );
        assert!(p.is_empty());
    }
}
