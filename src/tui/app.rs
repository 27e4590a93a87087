//! The console's state and its update: messages in (keys, worker replies,
//! timers), state changed, commands for the worker and effects for the event
//! loop out. Nothing in here awaits anything, so it is driven directly by tests.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event as CtEvent, KeyEvent, MouseButton, MouseEventKind};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::{DataCenter, DeleteGroupRequest, Group, ListGroupsRequest, page_count};
use crate::audit::AuditLog;
use crate::catalogue::Catalogue;
use crate::drafts::{DraftKey, DraftStore};
use crate::outbox::{self, Disposition, LastError, Outbox};
use crate::worker::{Command, Event, RequestId};

use super::action::{Action, Msg};
use super::clock::Clock;
use super::keys::{Key, KeyMap};
use super::panes::browser::{BrowserState, PAGE_SIZES};
use super::panes::command;
use super::panes::compose::{ComposeState, Field, SentEntry};
use super::panes::create::CreateForm;
use super::panes::delete::{Choice, DeleteDialog};
use super::panes::detail::DetailState;
use super::panes::status::{ErrorLine, StatusState, ToastKind};
use super::theme::Theme;

/// Everything the console needs to know about where it runs. Built from a
/// `Session` by [`super::run`]; tests build it directly.
#[derive(Debug, Clone)]
pub struct Context {
    pub app_id: String,
    pub data_center: Option<DataCenter>,
    /// "emulator" or the endpoint's host.
    pub backend: String,
    pub profile: Option<String>,
    pub read_only: bool,
    pub moderator_id: String,
    /// `[keys]` from config.toml: action name → key specs.
    pub keys: BTreeMap<String, Vec<String>>,
    /// `[theme]` from config.toml: role → colour.
    pub theme: BTreeMap<String, String>,
    pub no_color: bool,
    pub mouse: bool,
    pub auto_refresh: Option<Duration>,
    /// Initial page size (config `page_size`); 20 when absent.
    pub page_size: Option<u32>,
    pub catalogue: Catalogue,
    /// Where drafts and the outbox live; none: drafts are not kept.
    pub data_dir: Option<PathBuf>,
    /// The audit log the outbox records person-initiated actions in.
    pub audit: Option<Arc<AuditLog>>,
}

impl Context {
    /// A context for tests and demos: app `demo` on the emulator.
    pub fn demo() -> Self {
        Self {
            app_id: "demo".into(),
            data_center: None,
            backend: "emulator".into(),
            profile: None,
            read_only: false,
            moderator_id: "mod1".into(),
            keys: BTreeMap::new(),
            theme: BTreeMap::new(),
            no_color: false,
            mouse: false,
            auto_refresh: None,
            page_size: None,
            catalogue: Catalogue::builtin(),
            data_dir: None,
            audit: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Browser,
    Detail,
    Compose,
}

#[derive(Debug, Clone)]
pub enum Overlay {
    Help { scroll: usize },
    Create(Box<CreateForm>),
    Delete(Box<DeleteDialog>),
}

/// Side effects the event loop carries out for the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Copy text to the terminal's clipboard with OSC 52.
    Copy(String),
    /// Suspend the terminal and edit this Body in `$EDITOR`.
    EditBody(String),
}

pub struct App {
    pub ctx: Context,
    pub keymap: KeyMap,
    pub theme: Theme,
    pub clock: Clock,
    pub focus: Focus,
    pub overlay: Option<Overlay>,
    /// The `:` line while it is open.
    pub command: Option<Input>,
    pub browser: BrowserState,
    pub detail: DetailState,
    pub compose: ComposeState,
    pub status: StatusState,
    /// Requests in flight and what they do (for the spinner).
    pub in_flight: BTreeMap<RequestId, String>,
    /// The page load whose reply is wanted; replies to any other are dropped.
    pub page_request: Option<RequestId>,
    /// Create/delete in flight, by request id, with the group they concern.
    mutations: HashMap<RequestId, String>,
    next_id: RequestId,
    pub outbox: Vec<Command>,
    pub effects: Vec<Effect>,
    pub quit: bool,
    pub spinner: usize,
    pub last_page_load: Option<Instant>,
    /// Compose drafts, saved as you type (none without a data directory).
    pub drafts: Option<DraftStore>,
    /// The durable outbox, opened the first time a message is kept in it.
    message_outbox: Option<Outbox>,
}

impl App {
    pub fn new(ctx: Context) -> Result<Self, String> {
        let keymap = KeyMap::new(&ctx.keys, ctx.read_only).map_err(|e| e.to_string())?;
        let theme = Theme::from_config(&ctx.theme, ctx.no_color).map_err(|e| e.to_string())?;
        let mut query = ListGroupsRequest::new(ctx.app_id.clone());
        query.data_center = ctx.data_center;
        if let Some(size) = ctx.page_size {
            if !(1..=50).contains(&size) {
                return Err(format!(
                    "page_size in config.toml is {size}; it must be between 1 and 50"
                ));
            }
            query.page_size = size;
        }
        let compose = ComposeState::new(&ctx.moderator_id, &ctx.catalogue);
        let mut status = StatusState::default();
        let drafts = match &ctx.data_dir {
            Some(dir) => match DraftStore::in_dir(dir) {
                Ok(store) => {
                    if let Some(w) = store.load_warning() {
                        status.error = Some(ErrorLine::local("Drafts", w.to_string()));
                    }
                    Some(store)
                }
                Err(e) => {
                    status.error = Some(ErrorLine::local(
                        "Drafts",
                        format!("drafts are not kept this session: {e}"),
                    ));
                    None
                }
            },
            None => None,
        };
        Ok(Self {
            keymap,
            theme,
            clock: Clock::default(),
            focus: Focus::Browser,
            overlay: None,
            command: None,
            browser: BrowserState::new(query),
            detail: DetailState::default(),
            compose,
            status,
            in_flight: BTreeMap::new(),
            page_request: None,
            mutations: HashMap::new(),
            next_id: 1,
            outbox: Vec::new(),
            effects: Vec::new(),
            quit: false,
            spinner: 0,
            last_page_load: None,
            drafts,
            message_outbox: None,
            ctx,
        })
    }

    /// Loads the first page.
    pub fn start(&mut self) {
        self.request_page();
    }

    pub fn busy(&self) -> bool {
        !self.in_flight.is_empty()
    }

    /// What the header says is in flight.
    pub fn busy_label(&self) -> Option<String> {
        let first = self.in_flight.values().next()?;
        Some(match self.in_flight.len() {
            1 => first.clone(),
            n => format!("{first} (+{})", n - 1),
        })
    }

    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.outbox)
    }

    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    fn next_id(&mut self) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Asks for the page `browser.query` describes; an older page load still
    /// queued or in flight is superseded (latest wins).
    pub fn request_page(&mut self) {
        if let Some(old) = self.page_request.take() {
            self.in_flight.remove(&old);
        }
        self.outbox.retain(|c| !c.is_page_load());
        let id = self.next_id();
        self.in_flight.insert(
            id,
            format!("loading page {}", self.browser.query.page_number),
        );
        self.page_request = Some(id);
        self.last_page_load = Some(Instant::now());
        self.outbox.push(Command::LoadPage {
            id,
            request: self.browser.query.clone(),
        });
    }

    /// The one update function: every message from the event loop lands here.
    pub fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Key(ev) => self.on_key(ev),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Mouse(ev) => self.on_mouse(ev),
            Msg::Resize(..) => {}
            Msg::Worker(ev) => self.on_worker(ev),
            Msg::Tick => self.spinner = self.spinner.wrapping_add(1),
            Msg::ExpireToasts => {
                self.status.expire(Instant::now());
            }
            Msg::AutoRefresh => {
                if self.page_request.is_none() && self.overlay.is_none() {
                    self.request_page();
                }
            }
            Msg::EditorDone(result) => match result {
                Ok(text) => {
                    self.compose.body.set_text(&text);
                    self.status
                        .flash(ToastKind::Info, "Body updated from the editor");
                }
                Err(e) => {
                    self.status.error = Some(ErrorLine::local("Editor", e));
                }
            },
            Msg::Terminate => self.quit = true,
        }
    }

    // ------------------------------------------------------------------ keys

    fn on_key(&mut self, ev: KeyEvent) {
        let Some(key) = Key::from_event(&ev) else {
            return;
        };
        if key == Key::ctrl('c') {
            self.quit = true;
            return;
        }
        // The last error stays until the next action.
        self.status.error = None;
        if let Some(overlay) = self.overlay.take() {
            self.overlay_key(overlay, key, ev);
            return;
        }
        if self.command.is_some() {
            self.command_key(key, ev);
            return;
        }
        if self.browser.filter_editing {
            self.filter_key(key, ev);
            return;
        }
        match self.focus {
            Focus::Compose => self.compose_key(key, ev),
            Focus::Browser | Focus::Detail => {
                if let Some(action) = self.keymap.action(&key) {
                    self.do_action(action);
                }
            }
        }
    }

    /// In text fields, plain characters are text; only these actions apply.
    fn text_action(&self, key: &Key) -> Option<Action> {
        if key.text_char().is_some() {
            return None;
        }
        self.keymap.action(key).filter(|a| {
            matches!(
                a,
                Action::NextPane
                    | Action::PrevPane
                    | Action::Back
                    | Action::Send
                    | Action::EditExternal
                    | Action::NewTid
                    | Action::Queue
                    | Action::Open
                    | Action::Up
                    | Action::Down
                    | Action::Help
            )
        })
    }

    fn do_action(&mut self, action: Action) {
        let in_detail = self.focus == Focus::Detail;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::CommandLine => self.command = Some(Input::default()),
            Action::NextPane => self.cycle_focus(true),
            Action::PrevPane => self.cycle_focus(false),
            Action::Back => {
                if self.focus != Focus::Browser {
                    self.focus = Focus::Browser;
                } else if !self.browser.filter.value().is_empty() {
                    self.browser.filter.reset();
                    self.browser.refilter();
                }
            }
            Action::Refresh => self.request_page(),
            Action::Up if in_detail => self.detail.scroll_by(-1),
            Action::Down if in_detail => self.detail.scroll_by(1),
            Action::Top if in_detail => self.detail.top(),
            Action::Bottom if in_detail => self.detail.bottom(),
            Action::PageUp if in_detail => self.detail.page(false),
            Action::PageDown if in_detail => self.detail.page(true),
            Action::Up => self.select_by(-1),
            Action::Down => self.select_by(1),
            Action::Top => {
                self.browser.select_first();
                self.detail.top();
            }
            Action::Bottom => {
                self.browser.select_last();
                self.detail.top();
            }
            Action::PageUp => self.go_page(self.browser.query.page_number.saturating_sub(1)),
            Action::PageDown => self.go_page(self.browser.query.page_number.saturating_add(1)),
            Action::FirstPage => self.go_page(1),
            Action::LastPage => match self.browser.page_count() {
                Some(last) => self.go_page(last),
                None => self
                    .status
                    .flash(ToastKind::Info, "The page count is not known yet"),
            },
            Action::GotoPage => self.command = Some(Input::new("page ".into())),
            Action::PageSize => {
                let size = self.browser.query.page_size;
                let next = PAGE_SIZES
                    .iter()
                    .copied()
                    .find(|s| *s > size)
                    .unwrap_or(PAGE_SIZES[0]);
                self.set_page_size(next);
            }
            Action::Sort => {
                self.browser.query.sort_type = self.browser.query.sort_type.toggled();
                self.browser.query.page_number = 1;
                self.request_page();
            }
            Action::Status => {
                self.browser.query.group_status = self.browser.query.group_status.next();
                self.browser.query.page_number = 1;
                self.request_page();
            }
            Action::Filter => {
                self.focus = Focus::Browser;
                self.browser.filter_editing = true;
            }
            Action::Open => {
                if self.focus == Focus::Browser && self.browser.selected_group().is_some() {
                    self.focus = Focus::Detail;
                    self.detail.top();
                }
            }
            Action::CopyId => match self.browser.selected_group() {
                Some(g) => {
                    let id = g.group_id.clone();
                    self.status
                        .flash(ToastKind::Success, format!("Copied GroupId {id} (OSC 52)"));
                    self.effects.push(Effect::Copy(id));
                }
                None => self.no_selection(),
            },
            Action::Create => {
                self.overlay = Some(Overlay::Create(Box::new(CreateForm::new(
                    &self.ctx.moderator_id,
                ))));
            }
            Action::Delete => match self.browser.selected_group() {
                Some(g) if g.delete => {
                    let text = format!("Group {} is already deleted", g.group_id);
                    self.status.flash(ToastKind::Warning, text);
                }
                Some(g) => {
                    self.overlay = Some(Overlay::Delete(Box::new(DeleteDialog::new(g.clone()))));
                }
                None => self.no_selection(),
            },
            Action::Compose => self.open_compose(),
            Action::Send | Action::EditExternal | Action::NewTid | Action::Queue => {}
        }
    }

    fn no_selection(&mut self) {
        self.status.flash(ToastKind::Warning, "No group selected");
    }

    fn select_by(&mut self, delta: isize) {
        self.browser.move_by(delta);
        self.detail.top();
    }

    fn cycle_focus(&mut self, forward: bool) {
        let mut order = vec![Focus::Browser, Focus::Detail];
        if self.keymap.is_bound(Action::Send) {
            order.push(Focus::Compose);
        }
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = order.len();
        let next = order[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
        if next == Focus::Compose {
            self.open_compose();
        } else {
            self.focus = next;
        }
    }

    fn open_compose(&mut self) {
        if self.ctx.read_only {
            return;
        }
        if let Some(g) = self.browser.selected_group().cloned() {
            let same = self
                .compose
                .target
                .as_ref()
                .is_some_and(|t| t.group_id == g.group_id);
            if !same && self.compose.sending.is_none() && self.drafts.is_some() {
                // Each group has its own draft: keep this one, open that one.
                self.touch_draft();
                self.compose.target = Some(g);
                let draft = self
                    .draft_key()
                    .and_then(|k| self.drafts.as_ref()?.get(&k).cloned());
                match draft {
                    Some(d) => {
                        self.compose.apply_draft(&d, &self.ctx.catalogue);
                        self.status
                            .flash(ToastKind::Info, "Draft restored for this group");
                    }
                    None => self
                        .compose
                        .reset(&self.ctx.moderator_id, &self.ctx.catalogue),
                }
            } else if self.compose.sending.is_none() {
                // Without a drafts file the text follows the selection rather
                // than being dropped.
                self.compose.target = Some(g);
            }
        }
        self.focus = Focus::Compose;
    }

    fn draft_key(&self) -> Option<DraftKey> {
        let g = self.compose.target.as_ref()?;
        Some(DraftKey::new(
            &self.ctx.app_id,
            self.ctx.data_center,
            &g.group_id,
        ))
    }

    /// Records the compose fields in the drafts (written to disk debounced).
    fn touch_draft(&mut self) {
        let Some(key) = self.draft_key() else {
            return;
        };
        let draft = self.compose.to_draft(&self.ctx.catalogue);
        if let Some(store) = &mut self.drafts {
            store.update(key, draft, Instant::now());
        }
    }

    /// When the event loop should save drafts next.
    pub fn next_draft_save(&self) -> Option<Instant> {
        self.drafts.as_ref()?.next_save_at()
    }

    /// Saves drafts whose debounce is due (`force`: everything, now).
    pub fn save_drafts(&mut self, force: bool) {
        let Some(store) = &mut self.drafts else {
            return;
        };
        let result = if force {
            store.save_now().map(|_| true)
        } else {
            store.save_debounced(Instant::now())
        };
        if let Err(e) = result {
            self.status.error = Some(ErrorLine::local(
                "Drafts",
                format!("cannot save drafts: {e}"),
            ));
        }
    }

    fn forget_draft(&mut self, key: Option<DraftKey>) {
        let (Some(key), Some(store)) = (key, &mut self.drafts) else {
            return;
        };
        if let Err(e) = store.remove(&key) {
            self.status.error = Some(ErrorLine::local(
                "Drafts",
                format!("cannot save drafts: {e}"),
            ));
        }
    }

    /// Keeps the composed message in the durable outbox instead of sending it now.
    fn queue_in_outbox(&mut self) {
        if self.compose.sending.is_some() {
            self.status.flash(
                ToastKind::Warning,
                "A send is in flight; wait for its outcome",
            );
            return;
        }
        let request = match self.compose.build_request(
            &self.ctx.app_id,
            self.ctx.data_center,
            &self.ctx.catalogue,
        ) {
            Ok(r) => r,
            Err(e) => {
                self.compose.last = Some((false, format!("✗ {e}")));
                return;
            }
        };
        if self.message_outbox.is_none() {
            let Some(dir) = &self.ctx.data_dir else {
                self.status.error = Some(ErrorLine::local(
                    "Outbox",
                    "no data directory: the outbox is not available",
                ));
                return;
            };
            match Outbox::in_dir(dir) {
                Ok(o) => {
                    self.message_outbox = Some(match &self.ctx.audit {
                        Some(a) => o.with_audit(a.clone()),
                        None => o,
                    })
                }
                Err(e) => {
                    self.status.error = Some(ErrorLine::local(
                        "Outbox",
                        format!("cannot open the outbox: {e}"),
                    ));
                    return;
                }
            }
        }
        let Some(outbox) = &self.message_outbox else {
            return;
        };
        // A message that may already have reached the service is kept as
        // "outcome unknown", for a person to resend, never blindly.
        let tid = request.msg_tid.clone().unwrap_or_default();
        let unknown = match &self.compose.last_failure {
            Some((t, err, Disposition::Unknown)) if *t == tid => Some(err.clone()),
            _ => None,
        };
        let result = match &unknown {
            Some(err) => outbox.record_unknown(request.clone(), err),
            None => outbox.enqueue(request.clone()),
        };
        match result {
            Ok(id) => {
                let key = self.draft_key();
                self.forget_draft(key);
                let text = if unknown.is_some() {
                    format!(
                        "Kept in the outbox as #{id} (outcome unknown: check, then `livemod outbox retry`)"
                    )
                } else {
                    format!(
                        "Queued in the outbox as #{id} (MsgTid {tid}); `livemod outbox retry` sends it"
                    )
                };
                self.compose.last = Some((true, text.clone()));
                self.compose.reset_after_send(&self.ctx.catalogue);
                self.status.flash(ToastKind::Success, text);
            }
            Err(e) => {
                self.status.error = Some(ErrorLine::local("Outbox", format!("not queued: {e}")));
            }
        }
    }

    pub fn go_page(&mut self, page: u32) {
        let last = self.browser.page_count().unwrap_or(u32::MAX);
        let page = page.clamp(1, last.max(1));
        if page == self.browser.query.page_number {
            return;
        }
        self.browser.query.page_number = page;
        self.request_page();
    }

    pub fn set_page_size(&mut self, size: u32) {
        // Keep the first row of the current page on the new page.
        let q = &mut self.browser.query;
        let first_row = u64::from(q.page_number - 1) * u64::from(q.page_size);
        q.page_size = size;
        q.page_number = u32::try_from(first_row / u64::from(size)).unwrap_or(0) + 1;
        self.request_page();
    }

    fn overlay_key(&mut self, overlay: Overlay, key: Key, ev: KeyEvent) {
        match overlay {
            Overlay::Help { mut scroll } => match self.keymap.action(&key) {
                Some(Action::Quit | Action::Back | Action::Help) => {}
                Some(Action::Down) => {
                    scroll += 1;
                    self.overlay = Some(Overlay::Help { scroll });
                }
                Some(Action::Up) => {
                    scroll = scroll.saturating_sub(1);
                    self.overlay = Some(Overlay::Help { scroll });
                }
                Some(Action::PageDown) => {
                    self.overlay = Some(Overlay::Help {
                        scroll: scroll + 10,
                    });
                }
                Some(Action::PageUp) => {
                    self.overlay = Some(Overlay::Help {
                        scroll: scroll.saturating_sub(10),
                    });
                }
                _ => self.overlay = Some(Overlay::Help { scroll }),
            },
            Overlay::Create(mut form) => {
                match self.text_action(&key) {
                    Some(Action::Back) => return, // closed; the form is dropped
                    Some(Action::NextPane | Action::Down) => form.next(true),
                    Some(Action::PrevPane | Action::Up) => form.next(false),
                    Some(Action::Open | Action::Send) => self.submit_create(&mut form),
                    _ => {
                        form.edit(&ev);
                    }
                }
                self.overlay = Some(Overlay::Create(form));
            }
            Overlay::Delete(mut dialog) => {
                match self.text_action(&key) {
                    Some(Action::Back) => {
                        self.status.flash(ToastKind::Info, "Delete cancelled");
                        return;
                    }
                    Some(Action::NextPane | Action::PrevPane) => dialog.toggle(),
                    Some(Action::Open) => match dialog.choose() {
                        Choice::Cancel => {
                            self.status.flash(ToastKind::Info, "Delete cancelled");
                            return;
                        }
                        Choice::Delete => {
                            self.submit_delete(&dialog.group);
                            return;
                        }
                        Choice::NotConfirmed => {}
                    },
                    _ => match ev.code {
                        crossterm::event::KeyCode::Left | crossterm::event::KeyCode::Right => {
                            dialog.toggle()
                        }
                        _ => dialog.edit(&ev),
                    },
                }
                self.overlay = Some(Overlay::Delete(dialog));
            }
        }
    }

    fn command_key(&mut self, key: Key, ev: KeyEvent) {
        let Some(mut input) = self.command.take() else {
            return;
        };
        match key.code {
            super::keys::KeyCodeOrd::Esc => {}
            super::keys::KeyCodeOrd::Enter => self.run_command(input.value()),
            super::keys::KeyCodeOrd::Backspace if input.value().is_empty() => {}
            _ => {
                input.handle_event(&CtEvent::Key(ev));
                self.command = Some(input);
            }
        }
    }

    /// Runs one `:` command line.
    pub fn run_command(&mut self, line: &str) {
        match command::parse(line) {
            Ok(cmd) => match cmd {
                command::Command::Page(n) => {
                    if let Some(last) = self.browser.page_count()
                        && n > last
                    {
                        self.status.error = Some(ErrorLine::local(
                            "Command",
                            format!("there are only {last} pages"),
                        ));
                        return;
                    }
                    self.go_page(n);
                }
                command::Command::FirstPage => self.go_page(1),
                command::Command::LastPage => self.do_action(Action::LastPage),
                command::Command::Status(s) => {
                    self.browser.query.group_status = s;
                    self.browser.query.page_number = 1;
                    self.request_page();
                }
                command::Command::Sort(s) => {
                    self.browser.query.sort_type = s;
                    self.browser.query.page_number = 1;
                    self.request_page();
                }
                command::Command::Size(n) => self.set_page_size(n),
                command::Command::Refresh => self.request_page(),
                command::Command::Filter(text) => {
                    self.browser.filter = Input::new(text);
                    self.browser.refilter();
                }
                command::Command::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
                command::Command::Quit => self.quit = true,
            },
            Err(e) => self.status.error = Some(ErrorLine::local("Command", e)),
        }
    }

    fn filter_key(&mut self, key: Key, ev: KeyEvent) {
        match self.text_action(&key) {
            Some(Action::Back) => {
                self.browser.filter_editing = false;
                self.browser.filter.reset();
                self.browser.refilter();
            }
            Some(Action::Open) => self.browser.filter_editing = false,
            Some(Action::Up) => self.browser.move_by(-1),
            Some(Action::Down) => self.browser.move_by(1),
            _ => {
                if self
                    .browser
                    .filter
                    .handle_event(&CtEvent::Key(ev))
                    .is_some()
                {
                    self.browser.refilter();
                }
            }
        }
    }

    fn compose_key(&mut self, key: Key, ev: KeyEvent) {
        match self.text_action(&key) {
            Some(Action::Back) => self.focus = Focus::Browser,
            Some(Action::NextPane) => self.compose.next_field(true),
            Some(Action::PrevPane) => self.compose.next_field(false),
            Some(Action::Up) => {
                if self.compose.field != Field::Body || !self.compose.body.up() {
                    self.compose.next_field(false);
                }
            }
            Some(Action::Down) => {
                if self.compose.field != Field::Body {
                    self.compose.next_field(true);
                } else {
                    self.compose.body.down();
                }
            }
            Some(Action::Open) => {
                if self.compose.field == Field::Body {
                    self.compose.handle_edit(&ev, &self.ctx.catalogue);
                    self.touch_draft();
                } else {
                    self.compose.next_field(true);
                }
            }
            Some(Action::Send) => self.submit_send(),
            Some(Action::EditExternal) => {
                self.effects
                    .push(Effect::EditBody(self.compose.body.text()));
            }
            Some(Action::NewTid) => {
                self.compose.tid = Input::new(crate::api::new_msg_tid());
                self.touch_draft();
            }
            Some(Action::Queue) => self.queue_in_outbox(),
            Some(Action::Help) => self.overlay = Some(Overlay::Help { scroll: 0 }),
            _ => {
                if self.compose.handle_edit(&ev, &self.ctx.catalogue) {
                    self.touch_draft();
                }
            }
        }
    }

    fn on_paste(&mut self, text: &str) {
        match &mut self.overlay {
            Some(Overlay::Create(f)) => return f.paste(text),
            Some(Overlay::Delete(d)) => return d.paste(text),
            Some(Overlay::Help { .. }) => return,
            None => {}
        }
        if let Some(input) = &mut self.command {
            let clean: String = text.chars().filter(|c| !c.is_control()).collect();
            *input = Input::new(format!("{}{clean}", input.value()));
        } else if self.browser.filter_editing {
            let clean: String = text.chars().filter(|c| !c.is_control()).collect();
            self.browser.filter = Input::new(format!("{}{clean}", self.browser.filter.value()));
            self.browser.refilter();
        } else if self.focus == Focus::Compose {
            self.compose.paste(text);
            self.touch_draft();
        }
    }

    fn on_mouse(&mut self, ev: crossterm::event::MouseEvent) {
        if !self.ctx.mouse || self.overlay.is_some() {
            return;
        }
        let in_detail = {
            let a = self.detail.area;
            ev.column >= a.x
                && ev.column < a.x + a.width
                && ev.row >= a.y
                && ev.row < a.y + a.height
                && a.width > 0
        };
        match ev.kind {
            MouseEventKind::Down(MouseButton::Left) if self.browser.click(ev.column, ev.row) => {
                self.focus = Focus::Browser;
                self.detail.top();
            }
            MouseEventKind::ScrollDown if in_detail => self.detail.scroll_by(3),
            MouseEventKind::ScrollUp if in_detail => self.detail.scroll_by(-3),
            MouseEventKind::ScrollDown => self.select_by(1),
            MouseEventKind::ScrollUp => self.select_by(-1),
            _ => {}
        }
    }

    // ------------------------------------------------------------- mutations

    fn submit_create(&mut self, form: &mut CreateForm) {
        if form.pending.is_some() {
            return;
        }
        match form.request(&self.ctx.app_id, self.ctx.data_center) {
            Ok(request) => {
                let id = self.next_id();
                self.in_flight
                    .insert(id, format!("creating {}", request.group_id));
                self.mutations.insert(id, request.group_id.clone());
                form.pending = Some(id);
                form.message = None;
                self.outbox.push(Command::Create { id, request });
            }
            Err(e) => form.message = Some((false, format!("✗ {e}"))),
        }
    }

    fn submit_delete(&mut self, group: &Group) {
        let id = self.next_id();
        let request = DeleteGroupRequest {
            app_id: self.ctx.app_id.clone(),
            group_id: group.group_id.clone(),
            operator_id: (!self.ctx.moderator_id.is_empty()).then(|| self.ctx.moderator_id.clone()),
            data_center: self.ctx.data_center,
        };
        self.in_flight
            .insert(id, format!("deleting {}", group.group_id));
        self.mutations.insert(id, group.group_id.clone());
        self.outbox.push(Command::Delete { id, request });
    }

    fn submit_send(&mut self) {
        if self.compose.sending.is_some() {
            self.status
                .flash(ToastKind::Warning, "A send is already in flight");
            return;
        }
        match self.compose.build_request(
            &self.ctx.app_id,
            self.ctx.data_center,
            &self.ctx.catalogue,
        ) {
            Ok(request) => {
                let id = self.next_id();
                self.in_flight
                    .insert(id, format!("sending to {}", request.group_id));
                self.compose.sending = Some(id);
                self.compose.last = None;
                self.outbox.push(Command::Send { id, request });
            }
            Err(e) => {
                self.compose.last = Some((false, format!("✗ {e}")));
                self.status.error = Some(ErrorLine::local("NotSent", e));
            }
        }
    }

    // ---------------------------------------------------------------- worker

    fn create_form(&mut self, id: RequestId) -> Option<&mut CreateForm> {
        match &mut self.overlay {
            Some(Overlay::Create(f)) if f.pending == Some(id) => Some(f),
            _ => None,
        }
    }

    fn on_worker(&mut self, ev: Event) {
        if let Some(id) = ev.id() {
            self.in_flight.remove(&id);
        }
        match ev {
            Event::Page {
                id,
                request,
                result,
            } => {
                if self.page_request != Some(id) {
                    tracing::debug!(id, "dropping a reply to a superseded page load");
                    return;
                }
                self.page_request = None;
                match result {
                    Ok(reply) => {
                        let pages = page_count(reply.total_count, request.page_size);
                        if reply.group_list.is_empty()
                            && reply.total_count > 0
                            && request.page_number > pages
                        {
                            // The page went away (groups were deleted): show the last one.
                            self.browser.query.page_number = pages;
                            self.request_page();
                            return;
                        }
                        self.browser.query = request.clone();
                        self.browser.apply_page(request, reply);
                    }
                    Err(e) => {
                        if let Some(loaded) = &self.browser.loaded {
                            self.browser.query = loaded.clone();
                        }
                        self.status.error = Some(ErrorLine::from_api(
                            &format!("loading page {}", request.page_number),
                            &e,
                        ));
                    }
                }
            }
            Event::Created {
                id,
                request,
                result,
            } => {
                self.mutations.remove(&id);
                let gid = request.group_id.clone();
                match result {
                    Ok(r) if r.already_exists => {
                        let text = if r.already_delete {
                            format!(
                                "GroupId {gid} belonged to a group that was deleted; a deleted ID cannot be used again. Choose another ID."
                            )
                        } else {
                            format!("Group {gid} already exists; nothing was created.")
                        };
                        match self.create_form(id) {
                            Some(form) => {
                                form.pending = None;
                                form.message = Some((false, text));
                            }
                            None => self.status.flash(ToastKind::Warning, text),
                        }
                    }
                    Ok(r) => {
                        if self.create_form(id).is_some() {
                            self.overlay = None;
                        }
                        self.status.flash(
                            ToastKind::Success,
                            format!("Created group {gid} · RequestId {}", r.request_id),
                        );
                        self.browser.select_after_load = Some(gid);
                        self.request_page();
                    }
                    Err(e) => {
                        if let Some(form) = self.create_form(id) {
                            form.pending = None;
                            form.message = Some((false, format!("✗ {e}")));
                        }
                        self.status.error =
                            Some(ErrorLine::from_api(&format!("creating {gid}"), &e));
                    }
                }
            }
            Event::Deleted {
                id,
                request,
                result,
            } => {
                self.mutations.remove(&id);
                let gid = request.group_id;
                match result {
                    Ok(r) => {
                        self.status.flash(
                            ToastKind::Success,
                            format!("Deleted group {gid} · RequestId {}", r.request_id),
                        );
                        self.request_page();
                    }
                    Err(e) => {
                        self.status.error =
                            Some(ErrorLine::from_api(&format!("deleting {gid}"), &e));
                    }
                }
            }
            Event::Sent {
                id,
                request,
                result,
            } => {
                if self.compose.sending == Some(id) {
                    self.compose.sending = None;
                }
                match result {
                    Ok(r) => {
                        let text = format!(
                            "✓ Sent to {} · MsgTid {} · RequestId {}",
                            request.group_id, r.msg_tid, r.request_id
                        );
                        let preview: String = request
                            .body
                            .as_deref()
                            .unwrap_or("")
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ");
                        self.compose.sent.push(SentEntry {
                            at: self.clock.now(),
                            group_id: request.group_id.clone(),
                            msg_type: request.msg_type,
                            msg_tid: r.msg_tid.clone(),
                            request_id: r.request_id.clone(),
                            preview: super::panes::ellipsize(&preview, 40),
                        });
                        self.compose.last = Some((true, text.clone()));
                        let key =
                            DraftKey::new(&request.app_id, request.data_center, &request.group_id);
                        self.forget_draft(Some(key));
                        // Only when the pane still shows that message.
                        if self.compose.tid.value() == r.msg_tid
                            || request.msg_tid.as_deref() == Some(self.compose.tid.value())
                        {
                            self.compose.reset_after_send(&self.ctx.catalogue);
                        }
                        self.status.flash(
                            ToastKind::Success,
                            text.trim_start_matches("✓ ").to_string(),
                        );
                    }
                    Err(e) => {
                        // Everything composed stays, MsgTid included, so a retry
                        // carries the same MsgTid.
                        let mut text = format!("✗ Not sent: {e}");
                        let disposition = outbox::classify(&e);
                        if disposition == Disposition::Unknown {
                            text.push_str(" — the outcome is unknown; check before resending");
                        }
                        if let Some(k) = self.keymap.first(Action::Queue)
                            && matches!(disposition, Disposition::Retry | Disposition::Unknown)
                        {
                            text.push_str(&format!(" · {k} keeps it in the outbox"));
                        }
                        self.compose.last = Some((false, text));
                        self.compose.last_failure = Some((
                            request.msg_tid.clone().unwrap_or_default(),
                            LastError::from_api(&e),
                            disposition,
                        ));
                        self.status.error = Some(ErrorLine::from_api(
                            &format!("sending to {}", request.group_id),
                            &e,
                        ));
                    }
                }
            }
            Event::Failed { id, message } => {
                if self.page_request == Some(id) {
                    self.page_request = None;
                    if let Some(loaded) = &self.browser.loaded {
                        self.browser.query = loaded.clone();
                    }
                }
                if self.compose.sending == Some(id) {
                    self.compose.sending = None;
                    self.compose.last =
                        Some((false, "✗ internal error; the message is kept".into()));
                }
                if let Some(form) = self.create_form(id) {
                    form.pending = None;
                }
                self.mutations.remove(&id);
                self.status.error = Some(ErrorLine::local(
                    "InternalError",
                    format!(
                        "a request crashed in the API worker ({message}); the console keeps running"
                    ),
                ));
            }
            Event::Restarted { message } => {
                self.status.error = Some(ErrorLine::local(
                    "InternalError",
                    format!("the API worker crashed and was restarted ({message})"),
                ));
            }
        }
    }

    // ----------------------------------------------------------------- hints

    /// Key hints for the status bar, from the key map in force.
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        let k = |a: Action| self.keymap.first(a);
        let mut out = Vec::new();
        let mut add = |a: Action, what: &'static str| {
            if let Some(key) = k(a) {
                out.push((key, what));
            }
        };
        if self.browser.filter_editing {
            add(Action::Open, "keep filter");
            add(Action::Back, "clear filter");
            return out;
        }
        match self.focus {
            Focus::Browser => {
                add(Action::Open, "detail");
                add(Action::Filter, "filter");
                add(Action::PageDown, "next page");
                add(Action::PageUp, "prev");
                add(Action::Sort, "sort");
                add(Action::Status, "status");
                add(Action::Create, "create");
                add(Action::Delete, "delete");
                add(Action::Compose, "compose");
                add(Action::CommandLine, "cmd");
                add(Action::Help, "help");
                add(Action::Quit, "quit");
            }
            Focus::Detail => {
                add(Action::Down, "scroll");
                add(Action::Back, "back");
                add(Action::CopyId, "copy id");
                add(Action::Compose, "compose");
                add(Action::Delete, "delete");
                add(Action::Help, "help");
                add(Action::Quit, "quit");
            }
            Focus::Compose => {
                add(Action::Send, "send");
                add(Action::NextPane, "next field");
                add(Action::Back, "back");
                add(Action::EditExternal, "$EDITOR");
                add(Action::Queue, "outbox");
                add(Action::NewTid, "new MsgTid");
            }
        }
        out
    }
}
