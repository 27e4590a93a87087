//! Replies to the room's calls, each as its operation's own response type.

use std::time::Instant;

use crate::api::{
    Ack, ApiError, DeleteGroupMessageResponse, DescribeGroupBandResponse, DescribeGroupResponse,
    ListGroupMessagesResponse, ListGroupUsersResponse,
};
use crate::moderation::Message;
use crate::worker::{Reply, downcast_reply};

use super::{Outgoing, RoomPane, RoomRequest, lines::safe};

impl RoomPane {
    /// A reply for this room; returns the calls it leads to (the next page of
    /// a poll with more to read, a fresh mute list after a mute).
    pub fn on_reply(
        &mut self,
        request: RoomRequest,
        result: Result<Reply, ApiError>,
        now: Instant,
    ) -> Vec<Outgoing> {
        match request {
            RoomRequest::Messages { newest_first } => {
                self.on_messages(newest_first, result.map(downcast_reply), now)
            }
            RoomRequest::Older => {
                self.older_in_flight = false;
                match result.map(downcast_reply::<ListGroupMessagesResponse>) {
                    Ok(page) => {
                        let group = self.target.group_id.clone();
                        let inserted = self.room.insert(
                            page.message_list
                                .into_iter()
                                .map(|m| Message::from_api(&group, m)),
                        );
                        self.no_older = inserted.added.is_empty();
                    }
                    Err(e) => self.failed("reading older messages", &e),
                }
                Vec::new()
            }
            RoomRequest::Describe => {
                match result.map(downcast_reply::<DescribeGroupResponse>) {
                    Ok(d) => self.describe = Some(d),
                    Err(e) => self.failed("describing the room", &e),
                }
                Vec::new()
            }
            RoomRequest::Band => {
                match result.map(downcast_reply::<DescribeGroupBandResponse>) {
                    Ok(b) => {
                        let n = b.banned_user_list.len();
                        self.mute_sel = self.mute_sel.min(n.saturating_sub(1));
                        self.band = Some(b);
                    }
                    Err(e) => self.failed("reading the mutes", &e),
                }
                Vec::new()
            }
            RoomRequest::Users { append } => {
                match result.map(downcast_reply::<ListGroupUsersResponse>) {
                    Ok(page) => {
                        if !append {
                            self.users.clear();
                            self.user_sel = 0;
                        }
                        self.users.extend(page.user_list);
                        self.users_loaded = true;
                        self.users_next = (page.has_more && page.next_page_token > 0)
                            .then_some(page.next_page_token);
                    }
                    Err(e) => self.failed("listing the users", &e),
                }
                Vec::new()
            }
            RoomRequest::Recall { msg_tid, sender } => {
                match result.map(downcast_reply::<DeleteGroupMessageResponse>) {
                    Ok(r) => {
                        self.room.mark_recalled(&msg_tid);
                        self.done(format!(
                            "Recalled {}'s message {} · RequestId {}",
                            safe(&sender),
                            safe(&msg_tid),
                            safe(&r.request_id)
                        ));
                    }
                    Err(e) => self.failed(&format!("recalling {msg_tid}"), &e),
                }
                Vec::new()
            }
            RoomRequest::Mute { user } => {
                self.acted(result, &format!("Muted {} in this room", safe(&user)));
                vec![self.target.band()]
            }
            RoomRequest::Unmute { user } => {
                self.acted(result, &format!("Unmuted {}", safe(&user)));
                vec![self.target.band()]
            }
            RoomRequest::Kick { user } => {
                let ok = self.acted(result, &format!("Kicked {} from the room", safe(&user)));
                if ok {
                    self.users.retain(|u| u.user_id != user);
                    self.user_sel = self.user_sel.min(self.users.len().saturating_sub(1));
                }
                Vec::new()
            }
            RoomRequest::MuteRoom => {
                self.acted(result, "Muted the whole room");
                vec![self.target.band()]
            }
            RoomRequest::UnmuteRoom => {
                self.acted(result, "Lifted the room mute");
                vec![self.target.band()]
            }
            RoomRequest::Modify { what } => {
                // Read the room again either way: the header and the Info
                // tab show what the service now holds.
                match result.map(downcast_reply::<Ack>) {
                    Ok(ack) => self.done(format!(
                        "Saved {what} · RequestId {}",
                        safe(&ack.request_id)
                    )),
                    Err(e) => self.failed(&format!("saving {what}"), &e),
                }
                vec![self.target.describe()]
            }
        }
    }

    /// An action answered with an Ack; true when it worked.
    fn acted(&mut self, result: Result<Reply, ApiError>, what: &str) -> bool {
        match result.map(downcast_reply::<Ack>) {
            Ok(ack) => {
                self.done(format!("{what} · RequestId {}", safe(&ack.request_id)));
                true
            }
            Err(e) => {
                self.failed(&what.to_lowercase(), &e);
                false
            }
        }
    }

    fn done(&mut self, text: String) {
        self.outcome = Some((true, format!("✓ {text}")));
    }

    fn failed(&mut self, context: &str, e: &ApiError) {
        self.outcome = Some((false, format!("✗ {context}: {}", safe(&e.to_string()))));
    }

    fn on_messages(
        &mut self,
        newest_first: bool,
        result: Result<ListGroupMessagesResponse, ApiError>,
        now: Instant,
    ) -> Vec<Outgoing> {
        match result {
            Ok(page) => {
                let group = self.target.group_id.clone();
                let inserted = self.room.insert(
                    page.message_list
                        .into_iter()
                        .map(|m| Message::from_api(&group, m)),
                );
                self.poll.polled(now, inserted.added.len());
                self.loaded = true;
                // A first load reads the newest page only; a follow-on poll
                // reads on while the service says there is more.
                self.more = (!newest_first && page.has_more && page.next_page_token > 0)
                    .then_some(page.next_page_token);
                if self.more.is_some() {
                    return vec![self.poll_call()];
                }
            }
            Err(e) => {
                self.poll.failed(now);
                self.more = None;
                self.failed("following the room", &e);
            }
        }
        Vec::new()
    }

    /// A call of this room crashed in the worker: nothing waits for it now.
    pub fn on_crash(&mut self, request: &RoomRequest, now: Instant) {
        match request {
            RoomRequest::Messages { .. } => self.poll.failed(now),
            RoomRequest::Older => self.older_in_flight = false,
            _ => {}
        }
        self.outcome = Some((false, "✗ internal error; see the status line".into()));
    }
}
