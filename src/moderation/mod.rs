//! Moderation logic for live rooms, with no UI and no network: the rules that
//! flag messages, the flagged review queue, the per-room message model, the
//! poll policy and budget, and the all-groups search index. The console wraps these in
//! panes; every function that depends on time takes the time as an argument.

pub(crate) mod flags;
pub(crate) mod index;
pub(crate) mod poll;
mod repeat;
pub(crate) mod room;
pub(crate) mod rules;
pub(crate) mod watch;

pub use flags::{FlagEntry, FlagId, FlagQueue};
pub use index::GroupIndex;
pub use poll::{PollBudget, PollPolicy, PollState, RoomKind};
pub use room::{Room, RoomMessage};
pub use rules::{Action, Flag, Reason, RuleSet, RulesError};
pub use watch::{Polled, WatchRow, Watched, Watcher};

/// One group message as ListLiveMessageGroupMessages lists it (its `MessageList[]`
/// item, [`crate::api::GroupMessage`]), plus the room it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The GroupId the message was read from.
    pub room: String,
    /// The service's message ID, used to recall it (`MsgTid`).
    pub msg_tid: String,
    pub msg_type: i64,
    pub body: String,
    pub sender_id: String,
    pub sender_info: String,
    /// Per-group sequence number: the room's order.
    pub seq: i64,
    /// Send time as the service gives it (UNIX seconds; milliseconds are accepted
    /// too, see [`Message::sent_at_secs`]).
    pub timestamp: i64,
}

impl Message {
    /// A `MessageList[]` item of ListLiveMessageGroupMessages, read from `room`.
    pub fn from_api(room: &str, item: crate::api::GroupMessage) -> Self {
        Self {
            room: room.to_string(),
            msg_tid: item.msg_tid,
            msg_type: item.msg_type,
            body: item.body,
            sender_id: item.sender.user_id,
            sender_info: item.sender.user_info,
            seq: item.seq_number,
            timestamp: item.timestamp,
        }
    }

    /// Send time in UNIX seconds, whether the service gave seconds or milliseconds.
    pub fn sent_at_secs(&self) -> i64 {
        // No seconds value reaches 10^12 before the year 33658.
        if self.timestamp >= 1_000_000_000_000 {
            self.timestamp / 1000
        } else {
            self.timestamp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{GroupMessage, MessageSender};

    #[test]
    fn an_api_message_item_keeps_every_field_the_room_needs() {
        let item = GroupMessage {
            msg_tid: "t1".into(),
            msg_type: 3,
            body: "hi".into(),
            sender: MessageSender {
                user_id: "viewer1".into(),
                user_info: "vip".into(),
            },
            seq_number: 50,
            timestamp: 1_700_000_000_123,
            total_messages: 120,
        };
        let m = Message::from_api("room1", item);
        assert_eq!(
            (
                m.room.as_str(),
                m.msg_tid.as_str(),
                m.msg_type,
                m.body.as_str()
            ),
            ("room1", "t1", 3, "hi")
        );
        assert_eq!(
            (m.sender_id.as_str(), m.sender_info.as_str()),
            ("viewer1", "vip")
        );
        assert_eq!((m.seq, m.sent_at_secs()), (50, 1_700_000_000));
    }
}
