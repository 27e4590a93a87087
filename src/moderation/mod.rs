//! Moderation logic for live rooms, with no UI and no network: the rules that
//! flag messages, the flagged review queue, the per-room message model with its
//! poll policy, and the all-groups search index. The console wraps these in
//! panes; every function that depends on time takes the time as an argument.

pub mod flags;
pub mod index;
pub mod room;
pub mod rules;

pub use flags::{FlagEntry, FlagId, FlagQueue};
pub use index::GroupIndex;
pub use room::{PollPolicy, PollState, Room, RoomKind};
pub use rules::{Action, Flag, Reason, RuleSet, RulesError};

/// One group message as ListLiveMessageGroupMessages lists it (its `MessageList[]`
/// item), plus the room it was read from.
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
