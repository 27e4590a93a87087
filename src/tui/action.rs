//! Named actions (what keys are bound to) and the messages the event loop feeds
//! into the app's update.

use crossterm::event::{KeyEvent, MouseEvent};

use crate::worker;

/// Where an action applies; help lists actions under these headings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Browser,
    Detail,
    Compose,
    Outbox,
    Room,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Anywhere",
            Scope::Browser => "Group browser",
            Scope::Detail => "Detail",
            Scope::Compose => "Compose & forms",
            Scope::Outbox => "Outbox",
            Scope::Room => "Live room",
        }
    }
}

macro_rules! actions {
    ($( $variant:ident = $name:literal, $scope:ident, [$($key:literal),*], $desc:literal; )*) => {
        /// Everything a key can be bound to. The names are the ones `[keys]` in
        /// config.toml uses.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }
            pub fn scope(self) -> Scope {
                match self { $(Action::$variant => Scope::$scope),* }
            }
            pub fn default_keys(self) -> &'static [&'static str] {
                match self { $(Action::$variant => &[$($key),*]),* }
            }
            pub fn description(self) -> &'static str {
                match self { $(Action::$variant => $desc),* }
            }
            pub fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    Quit = "quit", Global, ["q"], "Quit (closes a dialog first); ctrl-c always quits";
    Help = "help", Global, ["?"], "Show or hide this help";
    CommandLine = "command", Global, [":"], "Command line (:page N, :status, :sort, :size, :refresh, :q)";
    NextPane = "next_pane", Global, ["tab"], "Next pane / next field";
    PrevPane = "prev_pane", Global, ["backtab"], "Previous pane / previous field";
    Back = "back", Global, ["esc"], "Back / close / cancel";
    Refresh = "refresh", Global, ["r", "ctrl-r"], "Reload the current page";
    Up = "up", Browser, ["up", "k"], "Move up / scroll up";
    Down = "down", Browser, ["down", "j"], "Move down / scroll down";
    Top = "top", Browser, ["home"], "First row / top";
    Bottom = "bottom", Browser, ["end", "G"], "Last row / bottom";
    PageUp = "page_up", Browser, ["pgup", "left", "h"], "Previous page (detail: scroll a screen up)";
    PageDown = "page_down", Browser, ["pgdn", "right", "l"], "Next page (detail: scroll a screen down)";
    FirstPage = "first_page", Browser, ["<"], "First page";
    LastPage = "last_page", Browser, [">"], "Last page";
    GotoPage = "goto_page", Browser, ["#"], "Go to page N";
    PageSize = "page_size", Browser, ["z"], "Page size 10 → 20 → 50";
    Sort = "sort", Browser, ["s"], "Sort by creation time ascending/descending";
    Status = "status", Browser, ["f"], "Status filter all → existing → deleted";
    Filter = "filter", Browser, ["/"], "Filter loaded rows by ID or name";
    Open = "open", Browser, ["enter"], "Open detail / submit a form";
    CopyId = "copy_id", Browser, ["y"], "Copy the selected GroupId (OSC 52)";
    Create = "create", Browser, ["c"], "Create a group";
    Delete = "delete", Browser, ["d", "delete"], "Delete the selected group (asks for its GroupId)";
    Compose = "compose", Browser, ["m"], "Compose to the selected group (to all marked ones)";
    Mark = "mark", Browser, ["space"], "Mark/unmark a group for bulk m/d (esc clears)";
    OpenRoom = "open_room", Browser, ["w"], "Open the group's live room (:open ID opens any)";
    Outbox = "outbox", Browser, ["o"], "Show the outbox (messages kept for delivery)";
    SentLog = "sent_log", Browser, ["L"], "Every message sent this session";
    GotoGroup = "goto_group", Browser, ["@"], "Go to a group by its ID (:group ID; on its page)";
    Recover = "recover", Browser, ["R"], "Recover the selected deleted group (within 30 days; asks first)";
    MarkAll = "mark_all", Browser, ["+"], "Mark every row shown (deleted groups are skipped)";
    InvertMarks = "invert_marks", Browser, ["*"], "Invert the marks of the rows shown";
    Zoom = "zoom", Global, ["Z"], "Zoom: the focused pane takes the full width (again: back)";
    Send = "send", Compose, ["ctrl-s"], "Send the message";
    EditExternal = "edit_body", Compose, ["ctrl-e"], "Edit Body in $EDITOR";
    NewTid = "new_tid", Compose, ["ctrl-n"], "Generate a new MsgTid";
    Queue = "queue", Compose, ["ctrl-o"], "Keep the message in the outbox (delivered in the background)";
    Recall = "recall", Room, ["x"], "Recall the selected message (asks first)";
    MuteSender = "mute_sender", Room, ["M"], "Mute the selected sender or user in this room";
    UnmuteSender = "unmute_sender", Room, ["U"], "Lift the selected sender's or user's mute";
    KickSender = "kick_sender", Room, ["K"], "Kick the selected sender or user out (asks first)";
    MuteRoom = "mute_room", Room, ["B"], "Mute the whole room; admins and you excepted (asks first)";
    UnmuteRoom = "unmute_room", Room, ["b"], "Lift the whole-room mute";
    AddMute = "add_mute", Room, ["a"], "Mutes tab: mute a user by ID";
    EditInfo = "edit_info", Room, ["e"], "Info tab: edit GroupInfo and the administrators";
    RetryNow = "retry_now", Outbox, ["t"], "Send the selected entry now (queued or failed)";
    Discard = "discard", Outbox, ["x"], "Discard the selected entry (asks first; it stays listed)";
    EditEntry = "edit_entry", Outbox, ["e"], "Edit the entry in compose; send/queue requeues it";
    ResendAnyway = "resend_anyway", Outbox, ["A"], "Outcome unknown: resend anyway, same MsgTid (asks first)";
    Pin = "pin", Browser, ["p"], "Pin the group (or the open room) to watch it in the background";
    Watch = "watch", Global, ["W"], "Watched rooms: online, messages per minute, flagged";
    Flagged = "flagged", Global, ["F"], "Flagged messages of watched rooms (x, M, K, d dismiss)";
    GoTo = "go_to", Browser, ["g"], "Go to: g then a GroupId jumps to it; g g goes to the top (elsewhere: top)";
}

impl Action {
    /// Actions that change the service; not bound at all in read-only mode.
    pub fn is_mutating(self) -> bool {
        matches!(
            self,
            Action::Create
                | Action::Delete
                | Action::Recover
                | Action::Compose
                | Action::Send
                | Action::EditExternal
                | Action::NewTid
                | Action::Queue
                | Action::RetryNow
                | Action::Discard
                | Action::EditEntry
                | Action::ResendAnyway
                | Action::Recall
                | Action::MuteSender
                | Action::UnmuteSender
                | Action::KickSender
                | Action::MuteRoom
                | Action::UnmuteRoom
                | Action::AddMute
                | Action::EditInfo
        )
    }

    /// Actions that destroy something; never allowed on a ctrl chord.
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Delete | Action::Discard)
            || matches!(self, Action::Recall | Action::KickSender)
    }
}

/// Everything the app's update reacts to. Short-lived, so the size difference
/// between variants does not matter.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Worker(worker::Event),
    /// The spinner advances (only sent while something is in flight).
    Tick,
    /// Time to drop expired toasts.
    ExpireToasts,
    /// The auto-refresh interval elapsed.
    AutoRefresh,
    /// The external editor finished with this Body (or failed).
    EditorDone(Result<String, String>),
    /// SIGTERM or SIGINT from outside.
    Terminate,
    /// An open room may be due for a poll.
    RoomPoll,
}
