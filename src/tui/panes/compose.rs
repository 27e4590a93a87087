//! Compose a message for the selected group: sender, a type from the catalogue,
//! Body (multi-line, or in `$EDITOR`), SenderMetaInfo, MsgTid, Weight,
//! StaticsIncrease, NoStorage and NoCache, with live byte counters. A failed
//! send never loses what was composed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::validate::{self, limits};
use crate::api::{DataCenter, Group, SendMessageRequest, new_msg_tid};
use crate::catalogue::{Catalogue, MessageType};
use crate::drafts::Draft;
use crate::outbox::{Disposition, LastError};
use crate::tui::clock::Clock;
use crate::tui::theme::Theme;

use super::textarea::TextArea;
use super::{byte_counter, draw_input, ellipsize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Sender,
    Type,
    Tid,
    Weight,
    Statics,
    NoStorage,
    NoCache,
    Meta,
    Body,
}

impl Field {
    /// The name kept in a draft, so the pane reopens where the user was.
    pub fn name(self) -> &'static str {
        match self {
            Field::Sender => "sender",
            Field::Type => "type",
            Field::Tid => "msg_tid",
            Field::Weight => "weight",
            Field::Statics => "statics_increase",
            Field::NoStorage => "no_storage",
            Field::NoCache => "no_cache",
            Field::Meta => "sender_meta_info",
            Field::Body => "body",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        FIELDS.iter().copied().find(|f| f.name() == name)
    }
}

/// Tab order, top to bottom as drawn.
pub const FIELDS: [Field; 9] = [
    Field::Type,
    Field::Sender,
    Field::Meta,
    Field::Tid,
    Field::Weight,
    Field::Statics,
    Field::NoStorage,
    Field::NoCache,
    Field::Body,
];

/// One message sent in this session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEntry {
    pub at: i64,
    pub group_id: String,
    pub msg_type: Option<i64>,
    pub msg_tid: String,
    pub request_id: String,
    pub preview: String,
    /// Where it was sent (the sent log recalls it there, whatever app the
    /// console shows by then).
    pub app_id: String,
    pub data_center: Option<DataCenter>,
}

impl SentEntry {
    pub fn new(at: i64, request: &SendMessageRequest, msg_tid: &str, request_id: &str) -> Self {
        let preview: String = request
            .body
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            at,
            group_id: request.group_id.clone(),
            msg_type: request.msg_type,
            msg_tid: msg_tid.to_string(),
            request_id: request_id.to_string(),
            preview: ellipsize(&preview, 40),
            app_id: request.app_id.clone(),
            data_center: request.data_center,
        }
    }
}

/// Who the message in compose goes to: exactly one of these at a time.
#[derive(Debug, Clone, PartialEq)]
pub enum Recipients {
    /// No group chosen (nothing can be sent from here).
    Nobody,
    /// One group (follows the browser selection).
    Group(Group),
    /// Every marked group, one request each (a bulk run, confirmed first).
    Marked(Vec<Group>),
    /// An outbox entry being edited: sending or queueing requeues it.
    OutboxEntry { entry: i64, group_id: String },
}

#[derive(Debug, Clone)]
pub struct ComposeState {
    pub recipients: Recipients,
    pub sender: Input,
    pub type_index: usize,
    pub tid: Input,
    pub weight: Input,
    pub statics: Input,
    pub no_storage: bool,
    pub no_cache: bool,
    pub meta: Input,
    pub body: TextArea,
    pub field: Field,
    /// Outcome of the last send: (ok, text).
    pub last: Option<(bool, String)>,
    /// The last failed send: its MsgTid, what it failed with, and whether it
    /// may have reached the service (decides how the outbox keeps it).
    pub last_failure: Option<(String, LastError, Disposition)>,
    pub sent: Vec<SentEntry>,
    /// Why the last typed character was refused (shown until the next key).
    pub refused: Option<String>,
    /// A MsgType number that is not in the catalogue (from a draft or an outbox
    /// entry), kept as it is until the moderator picks a catalogue type.
    pub other_type: Option<i64>,
}

impl ComposeState {
    pub fn new(moderator_id: &str, catalogue: &Catalogue) -> Self {
        let mut s = Self {
            recipients: Recipients::Nobody,
            sender: Input::new(moderator_id.to_string()),
            type_index: 0,
            tid: Input::new(new_msg_tid()),
            weight: Input::new("1".into()),
            statics: Input::new("1".into()),
            no_storage: false,
            no_cache: false,
            meta: Input::default(),
            body: TextArea::default(),
            field: Field::Body,
            last: None,
            last_failure: None,
            sent: Vec::new(),
            other_type: None,
            refused: None,
        };
        if let Some(t) = catalogue.types.first() {
            s.body.set_text(&t.body);
        }
        s
    }

    /// The one group a message goes to, when it goes to one group of the browser.
    pub fn group(&self) -> Option<&Group> {
        match &self.recipients {
            Recipients::Group(g) => Some(g),
            _ => None,
        }
    }

    /// The outbox entry being edited, if any.
    pub fn requeue_of(&self) -> Option<i64> {
        match &self.recipients {
            Recipients::OutboxEntry { entry, .. } => Some(*entry),
            _ => None,
        }
    }

    /// The marked groups the message goes to (empty unless a bulk send).
    pub fn marked(&self) -> &[Group] {
        match &self.recipients {
            Recipients::Marked(groups) => groups,
            _ => &[],
        }
    }

    /// The catalogue type in force (None while an off-catalogue number is kept).
    pub fn msg_type<'c>(&self, catalogue: &'c Catalogue) -> Option<&'c MessageType> {
        if self.other_type.is_some() {
            return None;
        }
        catalogue.types.get(self.type_index)
    }

    /// The MsgType number that will be sent.
    pub fn type_number(&self, catalogue: &Catalogue) -> Option<i64> {
        self.other_type
            .or_else(|| self.msg_type(catalogue).map(|t| t.number))
    }

    pub fn next_field(&mut self, forward: bool) {
        let i = FIELDS.iter().position(|f| *f == self.field).unwrap_or(0);
        let n = FIELDS.len();
        self.field = FIELDS[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// Changes the type; the Body follows the template unless it was edited.
    pub fn set_type(&mut self, index: usize, catalogue: &Catalogue) {
        if catalogue.types.is_empty() {
            return;
        }
        let index = index % catalogue.types.len();
        self.other_type = None;
        let old_template = self.msg_type(catalogue).map(|t| t.body.trim().to_string());
        let body = self.body.text();
        if body.trim().is_empty() || old_template.as_deref() == Some(body.trim()) {
            self.body.set_text(&catalogue.types[index].body);
        }
        self.type_index = index;
    }

    pub fn cycle_type(&mut self, forward: bool, catalogue: &Catalogue) {
        let n = catalogue.types.len().max(1);
        let next = if forward {
            self.type_index + 1
        } else {
            self.type_index + n - 1
        };
        self.set_type(next % n, catalogue);
    }

    fn input_mut(&mut self) -> Option<&mut Input> {
        match self.field {
            Field::Sender => Some(&mut self.sender),
            Field::Tid => Some(&mut self.tid),
            Field::Weight => Some(&mut self.weight),
            Field::Statics => Some(&mut self.statics),
            Field::Meta => Some(&mut self.meta),
            _ => None,
        }
    }

    /// Edits the focused field; false when the key means nothing to it.
    pub fn handle_edit(&mut self, ev: &KeyEvent, catalogue: &Catalogue) -> bool {
        // Said until the next key; set again below when this one is refused.
        self.refused = None;
        match self.field {
            Field::Body => self.body.handle_key(ev),
            Field::Type => match ev.code {
                KeyCode::Left | KeyCode::Char('h') => {
                    self.cycle_type(false, catalogue);
                    true
                }
                KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(' ') => {
                    self.cycle_type(true, catalogue);
                    true
                }
                KeyCode::Char(c) if c.is_ascii_digit() && ev.modifiers == KeyModifiers::NONE => {
                    // Jump to the type with that number, if there is one.
                    let n = i64::from(c.to_digit(10).unwrap_or(0));
                    match catalogue.types.iter().position(|t| t.number == n) {
                        Some(i) => self.set_type(i, catalogue),
                        None => {
                            self.refused = Some(format!(
                                "Type: no type {n} in the catalogue; ←/→ choose one"
                            ));
                        }
                    }
                    true
                }
                KeyCode::Char(c) => {
                    self.refused = Some(format!(
                        "Type: {c:?} was not typed; ←/→ or a type's number choose the type"
                    ));
                    true
                }
                _ => false,
            },
            Field::NoStorage | Field::NoCache => match ev.code {
                KeyCode::Char(' ') | KeyCode::Char('x') | KeyCode::Left | KeyCode::Right => {
                    if self.field == Field::NoStorage {
                        self.no_storage = !self.no_storage;
                    } else {
                        self.no_cache = !self.no_cache;
                    }
                    true
                }
                KeyCode::Char(c) => {
                    let name = if self.field == Field::NoStorage {
                        "NoStorage"
                    } else {
                        "NoCache"
                    };
                    self.refused = Some(format!(
                        "{name} is a switch: {c:?} was not typed; space toggles it"
                    ));
                    true
                }
                _ => false,
            },
            _ => {
                let numeric = matches!(self.field, Field::Weight | Field::Statics);
                if numeric
                    && let KeyCode::Char(c) = ev.code
                    && !(c.is_ascii_digit() || c == '-')
                {
                    // Refused, and said so: a key that does nothing looks broken.
                    let name = if self.field == Field::Weight {
                        "Weight (priority)"
                    } else {
                        "StaticsIncrease (counts toward stats)"
                    };
                    self.refused = Some(format!("{name} takes a number: {c:?} was not typed"));
                    return true;
                }
                self.refused = None;
                let Some(input) = self.input_mut() else {
                    return false;
                };
                input
                    .handle_event(&crossterm::event::Event::Key(*ev))
                    .is_some()
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        match self.field {
            Field::Body => self.body.insert_str(text),
            _ => {
                let single: String = text.chars().filter(|c| !c.is_control()).collect();
                if let Some(input) = self.input_mut() {
                    let mut v = input.value().to_string();
                    let at = v
                        .char_indices()
                        .nth(input.cursor())
                        .map_or(v.len(), |(i, _)| i);
                    v.insert_str(at, &single);
                    let cursor = input.cursor() + single.chars().count();
                    *input = Input::new(v).with_cursor(cursor);
                }
            }
        }
    }

    /// Problems that stop a send, field by field, as you type.
    pub fn problems(&self, catalogue: &Catalogue) -> Vec<(Field, String)> {
        let mut out = Vec::new();
        if let Err(e) = validate::id("SenderId", self.sender.value()) {
            out.push((Field::Sender, e.to_string()));
        }
        if let Err(e) = validate::optional_id("MsgTid", self.tid.value()) {
            out.push((Field::Tid, e.to_string()));
        }
        if let Err(e) =
            validate::max_bytes("SenderMetaInfo", self.meta.value(), limits::SENDER_META_MAX)
        {
            out.push((Field::Meta, e.to_string()));
        }
        let body = self.body.text();
        if let Err(e) = validate::max_bytes("Body", &body, limits::BODY_MAX) {
            out.push((Field::Body, e.to_string()));
        } else if let Some(t) = self.msg_type(catalogue)
            && let Err(e) = t.check_body(&body)
        {
            out.push((Field::Body, e.to_string()));
        }
        for (field, name, input) in [
            (Field::Weight, "Weight", &self.weight),
            (Field::Statics, "StaticsIncrease", &self.statics),
        ] {
            if !input.value().is_empty() && input.value().parse::<i64>().is_err() {
                out.push((field, format!("{name} must be a whole number")));
            }
        }
        out
    }

    /// The request to send, or why it cannot be sent.
    pub fn build_request(
        &self,
        app_id: &str,
        data_center: Option<DataCenter>,
        catalogue: &Catalogue,
    ) -> Result<SendMessageRequest, String> {
        let group_id = match &self.recipients {
            Recipients::Nobody => {
                return Err("no group selected: pick one in the browser first".into());
            }
            Recipients::Marked(_) => {
                return Err("a message to marked groups is one request per group".into());
            }
            Recipients::Group(g) if g.delete => {
                return Err(format!(
                    "group {} is deleted; messages cannot be sent to it",
                    g.group_id
                ));
            }
            Recipients::Group(g) => &g.group_id,
            Recipients::OutboxEntry { group_id, .. } => group_id,
        };
        self.build_request_to(group_id, app_id, data_center, catalogue)
    }

    /// The request that sends the message in the pane to `group_id`.
    pub fn build_request_to(
        &self,
        group_id: &str,
        app_id: &str,
        data_center: Option<DataCenter>,
        catalogue: &Catalogue,
    ) -> Result<SendMessageRequest, String> {
        if let Some((_, problem)) = self.problems(catalogue).into_iter().next() {
            return Err(problem);
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let num = |s: &str| s.parse::<i64>().ok();
        let body = self.body.text();
        let request = SendMessageRequest {
            app_id: app_id.to_string(),
            group_id: group_id.to_string(),
            sender_id: self.sender.value().to_string(),
            sender_meta_info: opt(self.meta.value()),
            body: opt(&body),
            msg_type: self.type_number(catalogue),
            msg_tid: opt(self.tid.value()),
            statics_increase: num(self.statics.value()),
            weight: num(self.weight.value()),
            no_storage: Some(self.no_storage),
            no_cache: Some(self.no_cache),
            data_center,
        };
        use crate::api::Operation;
        request.validate().map_err(|e| e.to_string())?;
        Ok(request)
    }

    /// Every field as typed, for the drafts file.
    pub fn to_draft(&self, catalogue: &Catalogue) -> Draft {
        Draft {
            sender_id: self.sender.value().to_string(),
            sender_meta_info: self.meta.value().to_string(),
            body: self.body.text(),
            msg_type: self
                .type_number(catalogue)
                .map(|n| n.to_string())
                .unwrap_or_default(),
            msg_tid: self.tid.value().to_string(),
            statics_increase: self.statics.value().to_string(),
            weight: self.weight.value().to_string(),
            no_storage: self.no_storage,
            no_cache: self.no_cache,
            focus: Some(self.field.name().to_string()),
        }
    }

    /// Restores the fields from a draft. A type number the catalogue does not
    /// know is kept as it is (never silently turned into another type).
    pub fn apply_draft(&mut self, d: &Draft, catalogue: &Catalogue) {
        self.sender = Input::new(d.sender_id.clone());
        self.meta = Input::new(d.sender_meta_info.clone());
        let number = d.msg_type.trim().parse::<i64>().ok();
        let known = number.and_then(|n| catalogue.types.iter().position(|t| t.number == n));
        self.type_index = known.unwrap_or(0);
        self.other_type = number.filter(|_| known.is_none());
        self.body.set_text(&d.body);
        self.tid = Input::new(if d.msg_tid.is_empty() {
            new_msg_tid()
        } else {
            d.msg_tid.clone()
        });
        self.statics = Input::new(d.statics_increase.clone());
        self.weight = Input::new(d.weight.clone());
        self.no_storage = d.no_storage;
        self.no_cache = d.no_cache;
        self.field = d
            .focus
            .as_deref()
            .and_then(Field::from_name)
            .unwrap_or(Field::Body);
        self.last = None;
        self.last_failure = None;
    }

    /// Opens an outbox entry for editing: its fields, its MsgTid, and the
    /// entry as the recipient (sending or queueing requeues it).
    pub(crate) fn edit_outbox_entry(
        &mut self,
        e: &crate::outbox::Entry,
        moderator_id: &str,
        catalogue: &Catalogue,
    ) {
        let r = &e.request;
        self.reset(moderator_id, catalogue);
        let text = |v: Option<i64>| v.map(|t| t.to_string()).unwrap_or_default();
        let draft = Draft {
            sender_id: r.sender_id.clone(),
            sender_meta_info: r.sender_meta_info.clone().unwrap_or_default(),
            body: r.body.clone().unwrap_or_default(),
            msg_type: text(r.msg_type),
            msg_tid: e.msg_tid().to_string(),
            statics_increase: text(r.statics_increase),
            weight: text(r.weight),
            no_storage: r.no_storage.unwrap_or(false),
            no_cache: r.no_cache.unwrap_or(false),
            focus: None,
        };
        self.apply_draft(&draft, catalogue);
        self.recipients = Recipients::OutboxEntry {
            entry: e.id,
            group_id: r.group_id.clone(),
        };
    }

    /// A fresh message: defaults, the first type and its template, a new MsgTid.
    pub fn reset(&mut self, moderator_id: &str, catalogue: &Catalogue) {
        let fresh = Self::new(moderator_id, catalogue);
        let sent = std::mem::take(&mut self.sent);
        let recipients = std::mem::replace(&mut self.recipients, Recipients::Nobody);
        *self = Self {
            sent,
            recipients,
            ..fresh
        };
    }

    /// After a successful send: a fresh MsgTid and the type's template again.
    pub fn reset_after_send(&mut self, catalogue: &Catalogue) {
        self.last_failure = None;
        self.tid = Input::new(new_msg_tid());
        let template = self
            .msg_type(catalogue)
            .map(|t| t.body.clone())
            .unwrap_or_default();
        self.body.set_text(&template);
    }
}

mod draw;
mod keys;
pub use draw::draw;
pub(crate) use keys::ComposeKey;
