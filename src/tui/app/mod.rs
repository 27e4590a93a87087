//! The console's state and its update: messages in (keys, worker replies,
//! timers), state changed, commands for the worker and effects for the event
//! loop out. Nothing in here awaits anything, so it is driven directly by tests.

mod apps;
mod browse;
mod compose;
mod dialogs;
mod hints;
mod input;
mod outbox_keys;
mod pending;
mod replies;
mod room;
mod sentlog;
mod watch;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event as CtEvent, KeyEvent, MouseButton, MouseEventKind};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::{
    ApiError, CreateGroupResponse, DataCenter, DeleteGroupRequest, DeleteGroupResponse, Group,
    ListGroupsRequest, ListGroupsResponse, SendMessageRequest, SendMessageResponse,
};
use crate::audit::AuditLog;
use crate::bulk::Progress;
use crate::catalogue::Catalogue;
use crate::drafts::{DraftKey, DraftStore};
use crate::outbox::service::OutboxOp;
use crate::outbox::{self, Disposition, LastError};
use crate::worker::{BulkJob, Command, Event, Lane, Reply, RequestId, downcast_reply};

pub use pending::{BulkRun, OutboxPurpose, Pending, PendingRequests};
pub use watch::{View as WatchView, WatchRequest, Watching};

use super::action::{Action, Msg};
use super::clock::Clock;
use super::keys::{Key, KeyMap};
use super::panes::FrameAreas;
use super::panes::browser::{BrowserOutcome, BrowserState, IndexSync};
use super::panes::command;
use super::panes::compose::{ComposeState, Recipients, SentEntry};
use super::panes::confirm::{Answer, ConfirmDialog, OnConfirm};
use super::panes::create::CreateForm;
use super::panes::detail::{DetailOutcome, DetailState};
use super::panes::outbox::{OutboxIntent, OutboxState};
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
    /// The multiplexer OSC 52 must be wrapped for (tmux, screen), if any.
    pub multiplexer: super::terminal::Multiplexer,
    /// `/` searches every group of the app (an index synced in the
    /// background through the worker); off: only the loaded page.
    pub search_all_groups: bool,
    /// `[[rules]]` from config.toml (checked when it was read).
    pub rules: Vec<toml::Value>,
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
            multiplexer: super::terminal::Multiplexer::None,
            search_all_groups: false,
            rules: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Browser,
    Detail,
    Compose,
    Outbox,
}

#[derive(Debug, Clone)]
pub enum Overlay {
    Help { scroll: usize },
    Create(Box<CreateForm>),
    Confirm(Box<ConfirmDialog>),
    SentLog { scroll: usize },
    BulkSummary(Box<BulkSummary>),
}

/// The end of a bulk run, shown until dismissed.
#[derive(Debug, Clone)]
pub struct BulkSummary {
    pub title: String,
    pub lines: Vec<String>,
    /// Sends that provably did not go through; the queue key keeps them in
    /// the outbox, queued.
    pub failed_sends: Vec<SendMessageRequest>,
    /// Sends that may have reached the service; the queue key keeps them in
    /// the outbox as "outcome unknown", for a person to resend.
    pub unknown_sends: Vec<(SendMessageRequest, LastError)>,
}

/// What `g` (go to) opens the `:` line with.
const GOTO_PROMPT: &str = "group ";

/// The latest-wins lane of page loads.
const PAGE_LANE: &str = "page";

/// Side effects the event loop carries out for the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Copy text to the terminal's clipboard with OSC 52.
    Copy(String),
    /// Suspend the terminal and edit this Body in `$EDITOR`.
    EditBody(String),
}

pub struct App {
    pub(crate) ctx: Context,
    pub(crate) keymap: KeyMap,
    pub(crate) theme: Theme,
    pub clock: Clock,
    pub focus: Focus,
    pub overlay: Option<Overlay>,
    /// The `:` line while it is open.
    pub(crate) command: Option<Input>,
    /// The `:` line was opened by `g` (go to): `g` on its empty argument goes
    /// to the top, as vim's `gg`.
    pub(crate) command_from_g: bool,
    pub browser: BrowserState,
    pub(crate) detail: DetailState,
    pub compose: ComposeState,
    pub status: StatusState,
    /// Every request in flight and what it is for.
    pub(crate) pending: PendingRequests,
    /// Commands for the worker, taken by the event loop.
    commands: Vec<Command>,
    pub(crate) effects: Vec<Effect>,
    pub quit: bool,
    pub(crate) spinner: usize,
    /// Compose drafts, saved as you type (none without a data directory).
    pub(crate) drafts: Option<DraftStore>,
    /// The outbox pane (entries come from the worker).
    pub(crate) outbox_pane: OutboxState,
    /// The live room when one is open, and the polling they share.
    pub rooms: super::panes::room::Rooms,
    /// Pinned rooms, the rules and the flagged queue, and their panes.
    pub watching: Watching,
    /// The apps pane (`:app`) while it is open.
    pub(crate) apps: Option<super::panes::apps::AppsPane>,
    /// The sent log's recall state (its selection is the overlay's row).
    pub sent_log: super::panes::sentlog::SentLogState,
    /// Read-only: the disabled actions the user was already told about.
    said_read_only: std::collections::BTreeSet<Action>,
    /// The focused pane takes the full width.
    pub(crate) zoom: bool,
    /// What the last frame laid out (hit-testing, scroll ranges); written
    /// once per frame by `ui::draw`, never by a pane.
    pub(crate) areas: Cell<FrameAreas>,
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
        if let Some(w) = keymap.warnings.first() {
            status.error = Some(ErrorLine::local("Keys", w.clone()));
        }
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
            command_from_g: false,
            browser: BrowserState::new(query),
            detail: DetailState::default(),
            compose,
            status,
            pending: PendingRequests::default(),
            commands: Vec::new(),
            effects: Vec::new(),
            quit: false,
            spinner: 0,
            drafts,
            outbox_pane: OutboxState::default(),
            rooms: Default::default(),
            watching: Watching::new(&ctx).map_err(|e| e.to_string())?,
            sent_log: Default::default(),
            apps: None,
            said_read_only: Default::default(),
            zoom: false,
            areas: Cell::default(),
            ctx,
        })
    }

    /// Loads the first page.
    pub fn start(&mut self) {
        self.request_page();
        if self.ctx.data_dir.is_some() {
            self.outbox_op(OutboxOp::Refresh, OutboxPurpose::Refresh);
        }
    }

    pub(super) fn outbox_op(&mut self, op: OutboxOp, purpose: OutboxPurpose) {
        let id = self.pending.add("outbox", Pending::Outbox(purpose));
        self.commands.push(Command::Outbox { id, op });
    }

    /// Calls `op` through the worker; the reply comes back to `on_reply` as
    /// what `pending` says.
    pub(super) fn call<O: crate::worker::Call>(
        &mut self,
        op: O,
        lane: Lane,
        label: String,
        pending: Pending,
    ) -> RequestId {
        let id = self.pending.add(label, pending);
        self.commands.push(Command::call(id, op, lane));
        id
    }

    pub fn busy(&self) -> bool {
        !self.pending.is_empty()
    }

    /// What the header says is in flight.
    pub fn busy_label(&self) -> Option<String> {
        self.pending.label()
    }

    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Asks for the page `browser.query` describes; an older page load still
    /// queued or in flight is superseded (latest wins).
    pub fn request_page(&mut self) {
        self.pending.drop_page();
        self.commands.retain(|c| c.latest_lane() != Some(PAGE_LANE));
        let request = self.browser.query.clone();
        self.call(
            request.clone(),
            Lane::Latest(PAGE_LANE),
            format!("loading page {}", request.page_number),
            Pending::Page(request),
        );
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
                if self.pending.page().is_none() && self.overlay.is_none() {
                    self.request_page();
                }
                // An index that was synced is kept fresh; one never asked
                // for is not synced behind the moderator's back.
                if !matches!(self.browser.sync, IndexSync::Never) {
                    self.sync_index_if_due();
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
            Msg::RoomPoll => self.poll_all(),
        }
    }

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
        if self.apps.is_some() && self.apps_key(&key) {
            return;
        }
        if self.watch_key(&key) {
            return;
        }
        if self.rooms.open.is_some() && self.room_key(&key, ev) {
            return;
        }
        // The status line says "esc cancels" while a bulk run is in flight:
        // the first Esc does that, wherever the focus is.
        if self.keymap.action(&key) == Some(Action::Back) && self.cancel_bulk() {
            return;
        }
        if self.browser.filter_editing {
            let outcome = self.browser.filter_key(self.text_action(&key), &ev);
            self.browser_outcome(outcome);
            return;
        }
        if self.keymap.action(&key).is_none()
            && let Some(action) = self.keymap.disabled(&key)
            && !matches!(self.focus, Focus::Compose)
        {
            // Said once per action: a second press needs no second reminder.
            if self.said_read_only.insert(action) {
                self.status.flash(
                    ToastKind::Warning,
                    format!("read-only: {} is disabled", action.name().replace('_', " ")),
                );
            }
            return;
        }
        match self.focus {
            Focus::Compose => self.compose_key(key, ev),
            Focus::Outbox => self.outbox_key(&key),
            Focus::Browser | Focus::Detail => {
                if let Some(action) = self.keymap.action(&key) {
                    self.do_action(action);
                }
            }
        }
    }

    /// In text fields, plain characters are text; only these actions apply.
    pub(super) fn text_action(&self, key: &Key) -> Option<Action> {
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

    /// Asks the bulk run in flight to stop; false when there is none to stop.
    fn cancel_bulk(&mut self) -> bool {
        let Some((id, b)) = self.pending.bulk_mut() else {
            return false;
        };
        if b.cancelling {
            return false;
        }
        b.cancelling = true;
        self.commands.push(Command::CancelBulk { id });
        self.status
            .flash(ToastKind::Warning, "Cancelling: calls in flight finish");
        true
    }

    /// Whether the rows on screen are an older page than the one loading
    /// (another page, size, order or status): row keys must not act on them.
    pub fn rows_are_stale(&self) -> bool {
        self.browser.rows_are_stale(self.pending.page().is_some())
    }

    /// What is global is done here; everything else goes to the focused pane.
    pub(super) fn do_action(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::CommandLine => self.command = Some(Input::default()),
            Action::NextPane => self.cycle_focus(true),
            Action::PrevPane => self.cycle_focus(false),
            Action::Zoom => {
                self.zoom = !self.zoom;
                let what = if self.zoom {
                    "Zoomed: the focused pane has the full width"
                } else {
                    "Zoom off"
                };
                self.status.flash(ToastKind::Info, what);
            }
            Action::Outbox => self.show_outbox(),
            Action::SentLog => self.overlay = Some(Overlay::SentLog { scroll: 0 }),
            // Already cancelling: calls in flight finish.
            Action::Back if self.pending.bulk().is_some() => {}
            _ => self.pane_action(action),
        }
    }

    /// An action for the focused pane; the detail pane shows the browser's
    /// selection, so what it does not take the browser does.
    fn pane_action(&mut self, action: Action) {
        self.browser.settle();
        match self.focus {
            Focus::Detail => {
                let layout = self.areas.get().detail;
                match self.detail.on_action(action, &layout) {
                    DetailOutcome::Done => return,
                    DetailOutcome::Back => return self.focus = Focus::Browser,
                    // The browser refuses row keys on the rows of a page being replaced.
                    DetailOutcome::OpenRoom => {
                        let loading = self.pending.page().is_some();
                        return match self.browser.on_action(Action::OpenRoom, loading) {
                            BrowserOutcome::OpenRoom(_) => self.open_selected_room(),
                            other => self.browser_outcome(other),
                        };
                    }
                    DetailOutcome::Ignored => {}
                }
            }
            Focus::Compose | Focus::Outbox if action == Action::Back => {
                return self.focus = Focus::Browser;
            }
            _ => {}
        }
        let outcome = self
            .browser
            .on_action(action, self.pending.page().is_some());
        self.browser_outcome(outcome);
    }

    fn show_outbox(&mut self) {
        if self.ctx.data_dir.is_none() {
            self.status.error = Some(ErrorLine::local(
                "Outbox",
                "no data directory: the outbox is not available",
            ));
        } else {
            self.focus = Focus::Outbox;
            self.outbox_op(OutboxOp::Refresh, OutboxPurpose::Refresh);
        }
    }

    pub(super) fn no_selection(&mut self) {
        self.status.flash(ToastKind::Warning, "No group selected");
    }

    pub(super) fn select_by(&mut self, delta: isize) {
        self.browser.move_by(delta);
        self.detail.top();
    }

    fn cycle_focus(&mut self, forward: bool) {
        let mut order = vec![Focus::Browser, Focus::Detail];
        if self.keymap.is_bound(Action::Send) {
            order.push(Focus::Compose);
        }
        if self.ctx.data_dir.is_some() {
            order.push(Focus::Outbox);
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
        } else if next == Focus::Outbox {
            self.show_outbox();
        } else {
            self.focus = next;
        }
    }

    pub fn go_page(&mut self, page: u32) {
        if self.browser.go_page(page) {
            self.request_page();
        }
    }

    pub fn set_page_size(&mut self, size: u32) {
        self.browser.set_page_size(size);
        self.request_page();
    }
}
