//! The calls the room pane makes and what each reply is for. The pane builds
//! typed operations; the app sends them through the generic worker path and
//! hands each reply back with the [`RoomRequest`] it was made for.

use crate::api::validate::limits;
use crate::api::{
    AddGroupBandRequest, BanGroupRequest, DataCenter, DeleteGroupMessageRequest,
    DescribeGroupBandRequest, DescribeGroupRequest, KickGroupUserRequest, ListGroupMessagesRequest,
    ListGroupUsersRequest, ModifyGroupRequest, RemoveGroupBandRequest, SortType, UnbanGroupRequest,
};
use crate::worker::Call;

/// What a room call in flight is for (kept in the app's one pending map).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomRequest {
    /// DescribeLiveMessageGroup: the header and the Info tab.
    Describe,
    /// A messages poll; `newest_first` is the first load (newest page, descending).
    Messages {
        newest_first: bool,
    },
    /// The page before the oldest message held (scrolled to the top).
    Older,
    /// A page of ListLiveMessageGroupUsers; `append` adds to the list shown.
    Users {
        append: bool,
    },
    /// DescribeLiveMessageGroupBand: the Mutes tab and the muted marks.
    Band,
    Recall {
        msg_tid: String,
        sender: String,
    },
    Mute {
        user: String,
    },
    Unmute {
        user: String,
    },
    Kick {
        user: String,
    },
    MuteRoom,
    UnmuteRoom,
    /// ModifyLiveMessageGroup from the Info editor; `what` names the change.
    Modify {
        what: &'static str,
    },
}

impl RoomRequest {
    /// Whether this request changes the service (an action, not a read).
    pub fn is_action(&self) -> bool {
        matches!(
            self,
            RoomRequest::Recall { .. }
                | RoomRequest::Mute { .. }
                | RoomRequest::Unmute { .. }
                | RoomRequest::Kick { .. }
                | RoomRequest::MuteRoom
                | RoomRequest::UnmuteRoom
                | RoomRequest::Modify { .. }
        )
    }
}

/// One call the pane wants made.
#[derive(Debug)]
pub struct Outgoing {
    pub call: Box<dyn Call>,
    /// What the header says while it is in flight.
    pub label: String,
    pub request: RoomRequest,
}

/// The room a pane shows: where its calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub app_id: String,
    pub group_id: String,
    pub data_center: Option<DataCenter>,
}

impl Target {
    fn out<O: Call>(&self, op: O, label: String, request: RoomRequest) -> Outgoing {
        Outgoing {
            call: Box::new(op),
            label,
            request,
        }
    }

    pub fn describe(&self) -> Outgoing {
        let op = DescribeGroupRequest {
            app_id: self.app_id.clone(),
            group_id: self.group_id.clone(),
            data_center: self.data_center,
        };
        self.out(
            op,
            format!("describing {}", self.group_id),
            RoomRequest::Describe,
        )
    }

    pub fn band(&self) -> Outgoing {
        let op = DescribeGroupBandRequest {
            app_id: self.app_id.clone(),
            group_id: self.group_id.clone(),
            data_center: self.data_center,
        };
        self.out(
            op,
            format!("reading mutes of {}", self.group_id),
            RoomRequest::Band,
        )
    }

    /// A messages poll. The first load asks for the newest page; later polls
    /// ask, oldest first, for what was sent since the newest message held
    /// (`since`, UNIX seconds, inclusive: overlaps are dropped by the ring),
    /// following the service's token while it says there is more.
    pub fn messages(&self, since: Option<i64>, token: Option<i64>) -> Outgoing {
        let mut op = ListGroupMessagesRequest::new(self.app_id.clone(), self.group_id.clone());
        op.data_center = self.data_center;
        op.page_size = limits::TOKEN_PAGE_SIZE_MAX;
        let newest_first = since.is_none();
        if newest_first {
            op.sort_type = SortType::Desc;
        } else {
            op.sort_type = SortType::Asc;
            op.begin_time = since;
            op.next_page_token = token;
        }
        self.out(
            op,
            format!("following {}", self.group_id),
            RoomRequest::Messages { newest_first },
        )
    }

    /// The newest page sent at or before `before` (UNIX seconds): what comes
    /// above the oldest message held.
    pub fn older(&self, before: i64) -> Outgoing {
        let mut op = ListGroupMessagesRequest::new(self.app_id.clone(), self.group_id.clone());
        op.data_center = self.data_center;
        op.page_size = limits::TOKEN_PAGE_SIZE_MAX;
        op.sort_type = SortType::Desc;
        op.end_time = Some(before);
        self.out(
            op,
            format!("older messages of {}", self.group_id),
            RoomRequest::Older,
        )
    }

    pub fn users(&self, token: Option<i64>) -> Outgoing {
        let mut op = ListGroupUsersRequest::new(self.app_id.clone(), self.group_id.clone());
        op.data_center = self.data_center;
        op.page_size = limits::TOKEN_PAGE_SIZE_MAX;
        op.sort_type = SortType::Asc;
        op.next_page_token = token;
        let append = token.is_some();
        self.out(
            op,
            format!("listing users of {}", self.group_id),
            RoomRequest::Users { append },
        )
    }

    pub fn recall(&self, msg_tid: &str, sender: &str, moderator: &str) -> Outgoing {
        let op = DeleteGroupMessageRequest {
            app_id: self.app_id.clone(),
            group_id: self.group_id.clone(),
            message_id: msg_tid.to_string(),
            deleter_id: Some(moderator.to_string()),
            deleter_info: None,
            data_center: self.data_center,
        };
        self.out(
            op,
            format!("recalling {msg_tid}"),
            RoomRequest::Recall {
                msg_tid: msg_tid.to_string(),
                sender: sender.to_string(),
            },
        )
    }

    pub fn mute(&self, user: &str) -> Outgoing {
        let op = AddGroupBandRequest {
            app_id: self.app_id.clone(),
            group_id: self.group_id.clone(),
            banned_users: vec![user.to_string()],
            data_center: self.data_center,
        };
        self.out(
            op,
            format!("muting {user}"),
            RoomRequest::Mute {
                user: user.to_string(),
            },
        )
    }

    pub fn unmute(&self, user: &str) -> Outgoing {
        let op = RemoveGroupBandRequest {
            app_id: self.app_id.clone(),
            group_id: self.group_id.clone(),
            unbanned_users: vec![user.to_string()],
            data_center: self.data_center,
        };
        self.out(
            op,
            format!("unmuting {user}"),
            RoomRequest::Unmute {
                user: user.to_string(),
            },
        )
    }

    pub fn kick(&self, user: &str) -> Outgoing {
        let op = KickGroupUserRequest {
            app_id: self.app_id.clone(),
            group_id: self.group_id.clone(),
            kickoff_user: user.to_string(),
            data_center: self.data_center,
        };
        self.out(
            op,
            format!("kicking {user}"),
            RoomRequest::Kick {
                user: user.to_string(),
            },
        )
    }

    pub fn mute_room(&self, except_users: Vec<String>) -> Outgoing {
        let op = BanGroupRequest {
            app_id: self.app_id.clone(),
            group_id: self.group_id.clone(),
            except_users,
            data_center: self.data_center,
        };
        self.out(
            op,
            format!("muting room {}", self.group_id),
            RoomRequest::MuteRoom,
        )
    }

    /// A ModifyLiveMessageGroup addressed to this room, changing nothing yet
    /// (the Info editor sets what changes).
    pub fn modify_base(&self) -> ModifyGroupRequest {
        ModifyGroupRequest {
            app_id: self.app_id.clone(),
            group_id: self.group_id.clone(),
            data_center: self.data_center,
            ..Default::default()
        }
    }

    pub fn modify(&self, op: ModifyGroupRequest) -> Outgoing {
        let what = super::edit::InfoEdit::changes(&op);
        self.out(
            op,
            format!("saving {what} of {}", self.group_id),
            RoomRequest::Modify { what },
        )
    }

    pub fn unmute_room(&self) -> Outgoing {
        let op = UnbanGroupRequest {
            app_id: self.app_id.clone(),
            group_id: self.group_id.clone(),
            data_center: self.data_center,
        };
        self.out(
            op,
            format!("lifting the room mute of {}", self.group_id),
            RoomRequest::UnmuteRoom,
        )
    }
}

/// Who stays able to speak when the whole room is muted: the room's admins,
/// its creator and the moderator, without repeats, at most the service's limit.
pub fn room_mute_exceptions(admins: &[String], creator: &str, moderator: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let candidates = std::iter::once(moderator)
        .chain(admins.iter().map(String::as_str))
        .chain(std::iter::once(creator));
    for id in candidates {
        if !id.is_empty() && !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    out.truncate(limits::MUTE_LIST_MAX);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_mute_excepts_the_moderator_and_admins_once_each() {
        let admins = vec!["a1".to_string(), "mod1".to_string(), "a2".to_string()];
        assert_eq!(
            room_mute_exceptions(&admins, "host", "mod1"),
            vec!["mod1", "a1", "a2", "host"]
        );
        let many: Vec<String> = (0..40).map(|i| format!("u{i}")).collect();
        assert_eq!(
            room_mute_exceptions(&many, "", "mod1").len(),
            limits::MUTE_LIST_MAX
        );
    }

    #[test]
    fn the_first_poll_asks_for_the_newest_page_and_later_ones_follow_on() {
        let t = Target {
            app_id: "demo".into(),
            group_id: "g1".into(),
            data_center: None,
        };
        let first = t.messages(None, None);
        let op = first
            .call
            .as_any()
            .downcast_ref::<ListGroupMessagesRequest>()
            .unwrap();
        assert_eq!((op.sort_type, op.begin_time), (SortType::Desc, None));
        assert_eq!(first.request, RoomRequest::Messages { newest_first: true });
        let next = t.messages(Some(1_700_000_000), Some(51));
        let op = next
            .call
            .as_any()
            .downcast_ref::<ListGroupMessagesRequest>()
            .unwrap();
        assert_eq!(
            (op.sort_type, op.begin_time, op.next_page_token),
            (SortType::Asc, Some(1_700_000_000), Some(51))
        );
    }
}
