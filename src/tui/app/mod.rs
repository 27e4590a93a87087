//! The console's state and its update: messages in (keys, worker replies,
//! timers), state changed, commands for the worker and effects for the event
//! loop out. Nothing in here awaits anything, so it is driven directly by tests.

mod pending;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event as CtEvent, KeyEvent, MouseButton, MouseEventKind};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::{
    ApiError, CreateGroupResponse, DataCenter, DeleteGroupRequest, DeleteGroupResponse, Group,
    ListGroupsRequest, ListGroupsResponse, SendMessageRequest, SendMessageResponse, page_count,
};
use crate::audit::AuditLog;
use crate::bulk::Progress;
use crate::catalogue::Catalogue;
use crate::delivery::OutboxOp;
use crate::drafts::{DraftKey, DraftStore};
use crate::outbox::{self, Disposition, LastError, State};
use crate::worker::{BulkJob, Command, Event, Lane, Reply, RequestId, downcast_reply};

pub use pending::{BulkRun, OutboxPurpose, Pending, PendingRequests};

use super::action::{Action, Msg};
use super::clock::Clock;
use super::keys::{Key, KeyMap};
use super::panes::browser::{BrowserState, PAGE_SIZES};
use super::panes::command;
use super::panes::compose::{ComposeState, Field, SentEntry};
use super::panes::confirm::{Answer, ConfirmDialog, Pending as OnConfirm};
use super::panes::create::CreateForm;
use super::panes::delete::{Choice, DeleteDialog};
use super::panes::detail::DetailState;
use super::panes::outbox::OutboxState;
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
    Outbox,
}

#[derive(Debug, Clone)]
pub enum Overlay {
    Help { scroll: usize },
    Create(Box<CreateForm>),
    Delete(Box<DeleteDialog>),
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
    /// Every request in flight and what it is for.
    pub pending: PendingRequests,
    /// Commands for the worker, taken by the event loop.
    commands: Vec<Command>,
    pub effects: Vec<Effect>,
    pub quit: bool,
    pub spinner: usize,
    /// Compose drafts, saved as you type (none without a data directory).
    pub drafts: Option<DraftStore>,
    /// The outbox pane (entries come from the worker).
    pub outbox_pane: OutboxState,
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
            pending: PendingRequests::default(),
            commands: Vec::new(),
            effects: Vec::new(),
            quit: false,
            spinner: 0,
            drafts,
            outbox_pane: OutboxState::default(),
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

    fn outbox_op(&mut self, op: OutboxOp, purpose: OutboxPurpose) {
        let id = self.pending.add("outbox", Pending::Outbox(purpose));
        self.commands.push(Command::Outbox { id, op });
    }

    /// Calls `op` through the worker; the reply comes back to `on_reply` as
    /// what `pending` says.
    fn call<O: crate::worker::Call>(
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

    /// "outbox 3 queued · 1 unknown" for the header, when anything waits.
    pub fn outbox_label(&self) -> Option<String> {
        self.outbox_pane.summary().map(|s| format!("outbox {s}"))
    }

    /// "sending 12/40 · 1 failed" while a bulk run is in flight.
    pub fn bulk_label(&self) -> Option<String> {
        let (_, b) = self.pending.bulk()?;
        let p = &b.progress;
        let mut s = format!("{} {}/{}", b.verb, p.done + p.failed, p.total);
        if p.failed > 0 {
            s.push_str(&format!(" · {} failed", p.failed));
        }
        if b.cancelling {
            s.push_str(" · cancelling");
        } else if let Some(k) = self.keymap.first(Action::Back) {
            s.push_str(&format!(" · {k} cancels"));
        }
        Some(s)
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
            Focus::Outbox => {
                if let Some(action) = self.keymap.action(&key) {
                    self.outbox_action(action);
                }
            }
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
                if let Some((id, b)) = self.pending.bulk_mut() {
                    if !b.cancelling {
                        b.cancelling = true;
                        self.commands.push(Command::CancelBulk { id });
                        self.status
                            .flash(ToastKind::Warning, "Cancelling: calls in flight finish");
                    }
                } else if self.focus != Focus::Browser {
                    self.focus = Focus::Browser;
                } else if !self.browser.marked.is_empty() {
                    self.browser.marked.clear();
                    self.status.flash(ToastKind::Info, "Marks cleared");
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
            Action::Delete if !self.browser.marked.is_empty() => self.confirm_bulk_delete(),
            Action::Compose if !self.browser.marked.is_empty() => self.open_bulk_compose(),
            Action::Mark => match self.browser.toggle_mark() {
                Some(_) => {}
                None => self.no_selection(),
            },
            Action::Outbox => {
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
            Action::SentLog => self.overlay = Some(Overlay::SentLog { scroll: 0 }),
            Action::RetryNow | Action::Discard | Action::EditEntry | Action::ResendAnyway => {}
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
            self.do_action(Action::Outbox);
        } else {
            self.focus = next;
        }
    }

    fn open_compose(&mut self) {
        if self.ctx.read_only {
            return;
        }
        // Leaving a bulk or outbox edit: back to the selected group's message.
        if !self.compose.bulk_targets.is_empty() || self.compose.requeue_of.is_some() {
            self.compose.bulk_targets.clear();
            self.compose.requeue_of = None;
            self.compose.target = None;
            self.compose
                .reset(&self.ctx.moderator_id, &self.ctx.catalogue);
        }
        if let Some(g) = self.browser.selected_group().cloned() {
            let same = self
                .compose
                .target
                .as_ref()
                .is_some_and(|t| t.group_id == g.group_id);
            let sending = self.pending.sending();
            if !same && !sending && self.drafts.is_some() {
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
            } else if !sending {
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

    /// Keeps the composed message in the durable outbox instead of sending it
    /// now (the worker writes it; background delivery sends it).
    fn queue_in_outbox(&mut self) {
        if self.pending.sending() {
            self.status.flash(
                ToastKind::Warning,
                "A send is in flight; wait for its outcome",
            );
            return;
        }
        if self.ctx.data_dir.is_none() {
            self.status.error = Some(ErrorLine::local(
                "Outbox",
                "no data directory: the outbox is not available",
            ));
            return;
        }
        if !self.compose.bulk_targets.is_empty() {
            match self.bulk_requests() {
                Ok(requests) => {
                    let n = requests.len();
                    for request in requests {
                        self.outbox_op(
                            OutboxOp::Enqueue {
                                request,
                                unknown: None,
                            },
                            OutboxPurpose::Keep,
                        );
                    }
                    self.compose.last = Some((true, format!("Queued for {n} groups")));
                    self.compose.reset_after_send(&self.ctx.catalogue);
                }
                Err(e) => self.compose.last = Some((false, format!("✗ {e}"))),
            }
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
        if let Some(entry) = self.compose.requeue_of {
            self.outbox_op(
                OutboxOp::Requeue {
                    entry,
                    edited: Some(request),
                },
                OutboxPurpose::Edit,
            );
            return;
        }
        // A message that may already have reached the service is kept as
        // "outcome unknown", for a person to resend, never blindly.
        let tid = request.msg_tid.clone().unwrap_or_default();
        let unknown = match &self.compose.last_failure {
            Some((t, err, Disposition::Unknown)) if *t == tid => Some(err.clone()),
            _ => None,
        };
        let is_unknown = unknown.is_some();
        self.outbox_op(
            OutboxOp::Enqueue { request, unknown },
            OutboxPurpose::Enqueue {
                tid,
                unknown: is_unknown,
            },
        );
    }

    /// One request per marked group, each with its own MsgTid.
    fn bulk_requests(&self) -> Result<Vec<SendMessageRequest>, String> {
        let mut probe = self.compose.clone();
        let mut out = Vec::new();
        for g in &self.compose.bulk_targets {
            probe.target = Some(g.clone());
            let mut r =
                probe.build_request(&self.ctx.app_id, self.ctx.data_center, &self.ctx.catalogue)?;
            r.msg_tid = Some(crate::api::new_msg_tid());
            out.push(r);
        }
        Ok(out)
    }

    fn open_bulk_compose(&mut self) {
        if self.ctx.read_only {
            return;
        }
        if self.compose.bulk_targets.is_empty() {
            self.touch_draft();
            self.compose.target = None;
            self.compose.requeue_of = None;
            self.compose
                .reset(&self.ctx.moderator_id, &self.ctx.catalogue);
        }
        self.compose.bulk_targets = self
            .browser
            .marked
            .values()
            .filter(|g| !g.delete)
            .cloned()
            .collect();
        if self.compose.bulk_targets.is_empty() {
            self.status
                .flash(ToastKind::Warning, "Every marked group is deleted");
            return;
        }
        self.focus = Focus::Compose;
    }

    fn confirm_bulk_delete(&mut self) {
        let groups: Vec<Group> = self
            .browser
            .marked
            .values()
            .filter(|g| !g.delete)
            .cloned()
            .collect();
        if groups.is_empty() {
            self.status
                .flash(ToastKind::Warning, "Every marked group is already deleted");
            return;
        }
        let n = groups.len();
        let mut lines = vec![format!("Delete these {n} groups? This cannot be undone.")];
        let ids: Vec<&str> = groups.iter().map(|g| g.group_id.as_str()).collect();
        for chunk in ids.chunks(4).take(8) {
            lines.push(format!("  {}", chunk.join(", ")));
        }
        if n > 32 {
            lines.push(format!("  … and {} more", n - 32));
        }
        lines.push("Members are notified; the IDs can never be used again.".into());
        let dialog = ConfirmDialog::new(
            &format!("Delete {n} groups"),
            lines,
            &format!("Delete {n}"),
            OnConfirm::DeleteGroups(groups),
        )
        .with_typed(vec![format!("DELETE {n}"), n.to_string()]);
        self.overlay = Some(Overlay::Confirm(Box::new(dialog)));
    }

    fn start_bulk(&mut self, verb: &'static str, job: BulkJob) {
        if self.pending.bulk().is_some() {
            self.status
                .flash(ToastKind::Warning, "A bulk run is already in flight");
            return;
        }
        let total = job.len();
        let id = self.pending.add(
            format!("{verb} to {total} groups"),
            Pending::Bulk(BulkRun {
                verb,
                progress: Progress {
                    total,
                    ..Default::default()
                },
                cancelling: false,
            }),
        );
        self.commands.push(Command::Bulk { id, job });
    }

    fn outbox_action(&mut self, action: Action) {
        let entry = self.outbox_pane.selected_entry().cloned();
        match action {
            Action::Up => self.outbox_pane.move_by(-1),
            Action::Down => self.outbox_pane.move_by(1),
            Action::PageUp => self.outbox_pane.move_by(-10),
            Action::PageDown => self.outbox_pane.move_by(10),
            Action::Top => self.outbox_pane.top(),
            Action::Bottom => self.outbox_pane.bottom(),
            Action::Refresh => self.outbox_op(OutboxOp::Refresh, OutboxPurpose::Refresh),
            Action::RetryNow => match entry {
                None => self.status.flash(ToastKind::Warning, "No entry selected"),
                Some(e) if e.state == State::OutcomeUnknown => {
                    let k = self
                        .keymap
                        .first(Action::ResendAnyway)
                        .map(|k| format!("; {k} resends it anyway"))
                        .unwrap_or_default();
                    self.status.flash(
                        ToastKind::Warning,
                        format!("#{} may already have been delivered{k}", e.id),
                    );
                }
                Some(e) if matches!(e.state, State::Queued | State::Failed) => self.outbox_op(
                    OutboxOp::Requeue {
                        entry: e.id,
                        edited: None,
                    },
                    OutboxPurpose::Retry,
                ),
                Some(e) => self.status.flash(
                    ToastKind::Warning,
                    format!("#{} is {}: nothing to retry", e.id, e.state),
                ),
            },
            Action::ResendAnyway => match entry {
                Some(e) if e.state == State::OutcomeUnknown => {
                    let mut lines = vec![
                        format!(
                            "#{} to {} may already have been delivered.",
                            e.id, e.request.group_id
                        ),
                        format!("It is resent with the same MsgTid {}.", e.msg_tid()),
                    ];
                    if let Some(err) = &e.last_error {
                        lines.push(format!(
                            "Last error: {}{}",
                            err.code,
                            err.request_id
                                .as_deref()
                                .map(|r| format!(" · RequestId {r}"))
                                .unwrap_or_default()
                        ));
                    }
                    self.overlay = Some(Overlay::Confirm(Box::new(ConfirmDialog::new(
                        "Resend anyway",
                        lines,
                        "Resend",
                        OnConfirm::ResendAnyway(e.id),
                    ))));
                }
                Some(e) => self.status.flash(
                    ToastKind::Warning,
                    format!("#{} is {}, not outcome unknown", e.id, e.state),
                ),
                None => self.status.flash(ToastKind::Warning, "No entry selected"),
            },
            Action::Discard => match entry {
                Some(e)
                    if matches!(
                        e.state,
                        State::Queued | State::Failed | State::OutcomeUnknown
                    ) =>
                {
                    let lines = vec![
                        format!(
                            "Discard #{} to {} (MsgTid {})?",
                            e.id,
                            e.request.group_id,
                            e.msg_tid()
                        ),
                        "It will not be sent; it stays listed as discarded.".into(),
                    ];
                    self.overlay = Some(Overlay::Confirm(Box::new(ConfirmDialog::new(
                        "Discard message",
                        lines,
                        "Discard",
                        OnConfirm::Discard(e.id),
                    ))));
                }
                Some(e) => self.status.flash(
                    ToastKind::Warning,
                    format!("#{} is {}: it cannot be discarded", e.id, e.state),
                ),
                None => self.status.flash(ToastKind::Warning, "No entry selected"),
            },
            Action::EditEntry => match entry {
                Some(e) if !matches!(e.state, State::Sending | State::Delivered) => {
                    self.touch_draft();
                    let r = &e.request;
                    self.compose
                        .reset(&self.ctx.moderator_id, &self.ctx.catalogue);
                    let draft = crate::drafts::Draft {
                        sender_id: r.sender_id.clone(),
                        sender_meta_info: r.sender_meta_info.clone().unwrap_or_default(),
                        body: r.body.clone().unwrap_or_default(),
                        msg_type: r.msg_type.map(|t| t.to_string()).unwrap_or_default(),
                        msg_tid: e.msg_tid().to_string(),
                        statics_increase: r
                            .statics_increase
                            .map(|t| t.to_string())
                            .unwrap_or_default(),
                        weight: r.weight.map(|t| t.to_string()).unwrap_or_default(),
                        no_storage: r.no_storage.unwrap_or(false),
                        no_cache: r.no_cache.unwrap_or(false),
                        focus: None,
                    };
                    self.compose.apply_draft(&draft, &self.ctx.catalogue);
                    self.compose.bulk_targets.clear();
                    self.compose.requeue_of = Some(e.id);
                    self.compose.target = Some(Group {
                        group_id: r.group_id.clone(),
                        group_name: String::new(),
                        group_info: String::new(),
                        creator_id: String::new(),
                        admin_list: vec![],
                        createtime: 0,
                        delete: false,
                    });
                    self.focus = Focus::Compose;
                }
                Some(e) => self.status.flash(
                    ToastKind::Warning,
                    format!("#{} is {}: it cannot be edited", e.id, e.state),
                ),
                None => self.status.flash(ToastKind::Warning, "No entry selected"),
            },
            Action::Back => {
                if self.pending.bulk().is_some() {
                    self.do_action(Action::Back);
                } else {
                    self.focus = Focus::Browser;
                }
            }
            Action::Open => {}
            other => self.do_action(other),
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
            Overlay::SentLog { mut scroll } => match self.keymap.action(&key) {
                Some(Action::Quit | Action::Back | Action::SentLog) => {}
                Some(a @ (Action::Down | Action::Up | Action::PageDown | Action::PageUp)) => {
                    let d: isize = match a {
                        Action::Down => 1,
                        Action::Up => -1,
                        Action::PageDown => 10,
                        _ => -10,
                    };
                    scroll = scroll.saturating_add_signed(d);
                    self.overlay = Some(Overlay::SentLog { scroll });
                }
                _ => self.overlay = Some(Overlay::SentLog { scroll }),
            },
            Overlay::BulkSummary(summary) => match self.text_action(&key) {
                Some(Action::Queue)
                    if !summary.failed_sends.is_empty() || !summary.unknown_sends.is_empty() =>
                {
                    let n = summary.failed_sends.len() + summary.unknown_sends.len();
                    let unknown = summary
                        .unknown_sends
                        .into_iter()
                        .map(|(request, e)| (request, Some(e)));
                    let failed = summary.failed_sends.into_iter().map(|r| (r, None));
                    for (request, unknown) in failed.chain(unknown) {
                        self.outbox_op(OutboxOp::Enqueue { request, unknown }, OutboxPurpose::Keep);
                    }
                    self.status.flash(
                        ToastKind::Success,
                        format!("{n} unsent messages kept in the outbox"),
                    );
                }
                Some(Action::Back | Action::Open) => {}
                _ if key.text_char() == Some('q') => {}
                _ => self.overlay = Some(Overlay::BulkSummary(summary)),
            },
            Overlay::Confirm(mut dialog) => {
                match self.text_action(&key) {
                    Some(Action::Back) => {
                        self.status.flash(ToastKind::Info, "Cancelled");
                        return;
                    }
                    Some(Action::NextPane | Action::PrevPane) => dialog.toggle(),
                    Some(Action::Open) => match dialog.choose() {
                        Answer::Cancel => {
                            self.status.flash(ToastKind::Info, "Cancelled");
                            return;
                        }
                        Answer::Confirm => {
                            self.confirmed(dialog.pending);
                            return;
                        }
                        Answer::NotConfirmed => {}
                    },
                    _ => match ev.code {
                        crossterm::event::KeyCode::Left | crossterm::event::KeyCode::Right => {
                            dialog.toggle()
                        }
                        _ => dialog.edit(&ev),
                    },
                }
                self.overlay = Some(Overlay::Confirm(dialog));
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

    fn confirmed(&mut self, pending: OnConfirm) {
        match pending {
            OnConfirm::Discard(id) => self.outbox_op(OutboxOp::Discard(id), OutboxPurpose::Discard),
            OnConfirm::ResendAnyway(id) => self.outbox_op(
                OutboxOp::Requeue {
                    entry: id,
                    edited: None,
                },
                OutboxPurpose::Retry,
            ),
            OnConfirm::DeleteGroups(groups) => {
                let requests = groups
                    .iter()
                    .map(|g| DeleteGroupRequest {
                        app_id: self.ctx.app_id.clone(),
                        group_id: g.group_id.clone(),
                        operator_id: (!self.ctx.moderator_id.is_empty())
                            .then(|| self.ctx.moderator_id.clone()),
                        data_center: self.ctx.data_center,
                    })
                    .collect();
                self.start_bulk("deleting", BulkJob::Delete(requests));
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
            Some(Overlay::Confirm(d)) => return d.paste(text),
            Some(Overlay::Help { .. } | Overlay::SentLog { .. } | Overlay::BulkSummary(_)) => {
                return;
            }
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
        if self.pending.creating() {
            return;
        }
        match form.request(&self.ctx.app_id, self.ctx.data_center) {
            Ok(request) => {
                let group_id = request.group_id.clone();
                self.call(
                    request,
                    Lane::Every,
                    format!("creating {group_id}"),
                    Pending::Create { group_id },
                );
                form.message = None;
            }
            Err(e) => form.message = Some((false, format!("✗ {e}"))),
        }
    }

    fn submit_delete(&mut self, group: &Group) {
        let request = DeleteGroupRequest {
            app_id: self.ctx.app_id.clone(),
            group_id: group.group_id.clone(),
            operator_id: (!self.ctx.moderator_id.is_empty()).then(|| self.ctx.moderator_id.clone()),
            data_center: self.ctx.data_center,
        };
        let group_id = group.group_id.clone();
        self.call(
            request,
            Lane::Every,
            format!("deleting {group_id}"),
            Pending::Delete { group_id },
        );
    }

    fn submit_send(&mut self) {
        if self.pending.sending() {
            self.status
                .flash(ToastKind::Warning, "A send is already in flight");
            return;
        }
        if !self.compose.bulk_targets.is_empty() {
            match self.bulk_requests() {
                Ok(requests) => {
                    self.start_bulk("sending", BulkJob::Send(requests));
                    if self.pending.bulk().is_some() {
                        self.compose.last = Some((true, "Bulk send started".into()));
                    }
                }
                Err(e) => {
                    self.compose.last = Some((false, format!("✗ {e}")));
                    self.status.error = Some(ErrorLine::local("NotSent", e));
                }
            }
            return;
        }
        if self.compose.requeue_of.is_some() {
            // An outbox entry is sent through the outbox (same rules, one place).
            self.queue_in_outbox();
            return;
        }
        match self.compose.build_request(
            &self.ctx.app_id,
            self.ctx.data_center,
            &self.ctx.catalogue,
        ) {
            Ok(request) => {
                let label = format!("sending to {}", request.group_id);
                self.call(request.clone(), Lane::Every, label, Pending::Send(request));
                self.compose.last = None;
            }
            Err(e) => {
                self.compose.last = Some((false, format!("✗ {e}")));
                self.status.error = Some(ErrorLine::local("NotSent", e));
            }
        }
    }

    // ---------------------------------------------------------------- worker

    fn create_form(&mut self) -> Option<&mut CreateForm> {
        match &mut self.overlay {
            Some(Overlay::Create(f)) => Some(f),
            _ => None,
        }
    }

    /// Every worker reply lands here and is matched against the one map of
    /// requests in flight.
    fn on_worker(&mut self, ev: Event) {
        match ev {
            Event::Reply { id, result } => match self.pending.take(id) {
                Some(pending) => self.on_reply(pending, result),
                None => tracing::debug!(id, "dropping a reply nobody waits for (superseded)"),
            },
            Event::Outbox { id, result } => {
                let purpose = match self.pending.take(id) {
                    Some(Pending::Outbox(p)) => p,
                    _ => OutboxPurpose::Refresh,
                };
                match result {
                    Ok(reply) => {
                        self.outbox_pane.apply(reply.snapshot);
                        self.outbox_done(purpose, reply.entry);
                    }
                    Err(e) => {
                        self.status.error = Some(ErrorLine::local("Outbox", e));
                    }
                }
            }
            Event::OutboxDelivered { report, snapshot } => match snapshot {
                Ok(snap) => {
                    self.outbox_pane.apply(snap);
                    if !report.delivered.is_empty() {
                        self.status.flash(
                            ToastKind::Success,
                            format!(
                                "Outbox: delivered {} message(s) in the background",
                                report.delivered.len()
                            ),
                        );
                    }
                    if !report.outcome_unknown.is_empty() {
                        self.status.flash(
                            ToastKind::Warning,
                            format!(
                                "Outbox: {} message(s) ended with an unknown outcome; check them in the outbox",
                                report.outcome_unknown.len()
                            ),
                        );
                    }
                }
                Err(e) => self.status.error = Some(ErrorLine::local("Outbox", e)),
            },
            Event::BulkProgress { id, progress } => {
                if let Some((bulk_id, b)) = self.pending.bulk_mut()
                    && bulk_id == id
                {
                    b.progress = progress;
                }
            }
            Event::BulkDone {
                id,
                job,
                results,
                cancelled,
            } => {
                self.pending.take(id);
                self.bulk_done(job, results, cancelled);
            }
            Event::Failed { id, message } => {
                if let Some(pending) = self.pending.take(id) {
                    self.on_crash(pending);
                }
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

    /// The reply to a call, given to whoever asked for it, as the response
    /// type of the operation it asked for.
    fn on_reply(&mut self, pending: Pending, result: Result<Reply, ApiError>) {
        match pending {
            Pending::Page(request) => self.on_page(request, result.map(downcast_reply)),
            Pending::Create { group_id } => self.on_created(&group_id, result.map(downcast_reply)),
            Pending::Delete { group_id } => self.on_deleted(&group_id, result.map(downcast_reply)),
            Pending::Send(request) => self.on_sent(request, result.map(downcast_reply)),
            Pending::Outbox(_) | Pending::Bulk(_) => {
                tracing::warn!("an API reply for a request that made no call");
            }
        }
    }

    /// A request crashed in the worker: undo what waiting for it had changed.
    /// (Whatever was derived from it being in flight, such as the bulk run or
    /// "sending…", ended when it left the map.)
    fn on_crash(&mut self, pending: Pending) {
        match pending {
            Pending::Page(_) => {
                if let Some(loaded) = &self.browser.loaded {
                    self.browser.query = loaded.clone();
                }
            }
            Pending::Send(_) => {
                self.compose.last = Some((false, "✗ internal error; the message is kept".into()));
            }
            Pending::Create { .. } => {
                if let Some(form) = self.create_form() {
                    form.message = Some((false, "✗ internal error; nothing was created".into()));
                }
            }
            Pending::Bulk(b) => {
                self.overlay = Some(Overlay::BulkSummary(Box::new(BulkSummary {
                    title: "Bulk run stopped".into(),
                    lines: vec![format!(
                        "✗ The bulk run crashed after {} of {} calls; see the sent log and the groups for what was done.",
                        b.progress.done + b.progress.failed,
                        b.progress.total
                    )],
                    failed_sends: Vec::new(),
                    unknown_sends: Vec::new(),
                })));
            }
            Pending::Delete { .. } | Pending::Outbox(_) => {}
        }
    }

    fn on_page(
        &mut self,
        request: ListGroupsRequest,
        result: Result<ListGroupsResponse, ApiError>,
    ) {
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

    fn on_created(&mut self, gid: &str, result: Result<CreateGroupResponse, ApiError>) {
        match result {
            Ok(r) if r.already_exists => {
                let text = if r.already_delete {
                    format!(
                        "GroupId {gid} belonged to a group that was deleted; a deleted ID cannot be used again. Choose another ID."
                    )
                } else {
                    format!("Group {gid} already exists; nothing was created.")
                };
                match self.create_form() {
                    Some(form) => form.message = Some((false, text)),
                    None => self.status.flash(ToastKind::Warning, text),
                }
            }
            Ok(r) => {
                if self.create_form().is_some() {
                    self.overlay = None;
                }
                self.status.flash(
                    ToastKind::Success,
                    format!("Created group {gid} · RequestId {}", r.request_id),
                );
                self.browser.select_after_load = Some(gid.to_string());
                self.request_page();
            }
            Err(e) => {
                if let Some(form) = self.create_form() {
                    form.message = Some((false, format!("✗ {e}")));
                }
                self.status.error = Some(ErrorLine::from_api(&format!("creating {gid}"), &e));
            }
        }
    }

    fn on_deleted(&mut self, gid: &str, result: Result<DeleteGroupResponse, ApiError>) {
        match result {
            Ok(r) => {
                self.status.flash(
                    ToastKind::Success,
                    format!("Deleted group {gid} · RequestId {}", r.request_id),
                );
                self.request_page();
            }
            Err(e) => {
                self.status.error = Some(ErrorLine::from_api(&format!("deleting {gid}"), &e));
            }
        }
    }

    fn on_sent(
        &mut self,
        request: SendMessageRequest,
        result: Result<SendMessageResponse, ApiError>,
    ) {
        match result {
            Ok(r) => {
                let text = format!(
                    "✓ Sent to {} · MsgTid {} · RequestId {}",
                    request.group_id, r.msg_tid, r.request_id
                );
                self.compose.sent.push(SentEntry::new(
                    self.clock.now(),
                    &request,
                    &r.msg_tid,
                    &r.request_id,
                ));
                self.compose.last = Some((true, text.clone()));
                let key = DraftKey::new(&request.app_id, request.data_center, &request.group_id);
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

    fn outbox_done(&mut self, purpose: OutboxPurpose, entry: Option<outbox::Entry>) {
        let Some(e) = entry else {
            return;
        };
        match purpose {
            OutboxPurpose::Refresh => {}
            OutboxPurpose::Enqueue { tid, unknown } => {
                let key = DraftKey::new(
                    &e.request.app_id,
                    e.request.data_center,
                    &e.request.group_id,
                );
                self.forget_draft(Some(key));
                let text = if unknown {
                    format!(
                        "Kept in the outbox as #{} (outcome unknown: check, then resend it from the outbox)",
                        e.id
                    )
                } else {
                    format!(
                        "Queued in the outbox as #{} (MsgTid {}); it is delivered in the background",
                        e.id,
                        e.msg_tid()
                    )
                };
                // Only when the pane still shows that message.
                if self.compose.tid.value() == tid && self.compose.requeue_of.is_none() {
                    self.compose.last = Some((true, text.clone()));
                    self.compose.reset_after_send(&self.ctx.catalogue);
                }
                self.status.flash(ToastKind::Success, text);
            }
            OutboxPurpose::Keep => {}
            OutboxPurpose::Discard => self.status.flash(
                ToastKind::Success,
                format!("Discarded #{} (it stays listed as discarded)", e.id),
            ),
            OutboxPurpose::Retry => self.status.flash(
                ToastKind::Success,
                format!(
                    "#{} is queued to be sent now (MsgTid {})",
                    e.id,
                    e.msg_tid()
                ),
            ),
            OutboxPurpose::Edit => {
                if self.compose.requeue_of == Some(e.id) {
                    self.compose.requeue_of = None;
                    self.compose.target = None;
                    self.compose
                        .reset(&self.ctx.moderator_id, &self.ctx.catalogue);
                    self.focus = Focus::Outbox;
                }
                let tid = match &e.previous_msg_tid {
                    Some(p) => format!("new MsgTid {} (was {p})", e.msg_tid()),
                    None => format!("MsgTid {}", e.msg_tid()),
                };
                self.status.flash(
                    ToastKind::Success,
                    format!("#{} edited and queued · {tid}", e.id),
                );
            }
        }
    }

    fn bulk_done(
        &mut self,
        job: BulkJob,
        results: Vec<crate::worker::BulkResult>,
        cancelled: bool,
    ) {
        let total = job.len();
        let mut ok = 0;
        let mut failed_lines = Vec::new();
        let mut not_attempted = 0;
        let mut failed_sends = Vec::new();
        let mut unknown_sends = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let gid = job.group_id(i).to_string();
            match r {
                Some(Ok(request_id)) => {
                    ok += 1;
                    self.browser.marked.remove(&gid);
                    if let BulkJob::Send(reqs) = &job {
                        let req = &reqs[i];
                        let tid = req.msg_tid.clone().unwrap_or_default();
                        self.compose.sent.push(SentEntry::new(
                            self.clock.now(),
                            req,
                            &tid,
                            request_id,
                        ));
                    }
                }
                Some(Err(e)) => {
                    let mut line = format!("✗ {gid}: {}", e.code().unwrap_or("Error"));
                    if let Some(r) = e.request_id() {
                        line.push_str(&format!(" · RequestId {r}"));
                    }
                    if let BulkJob::Send(reqs) = &job {
                        // A send that may have reached the service is kept as
                        // "outcome unknown", never queued to be sent again blindly.
                        match outbox::classify(e) {
                            Disposition::Retry => failed_sends.push(reqs[i].clone()),
                            Disposition::Unknown => {
                                line.push_str(" · outcome unknown");
                                unknown_sends.push((reqs[i].clone(), LastError::from_api(e)));
                            }
                            _ => {}
                        }
                    }
                    failed_lines.push(line);
                }
                None => {
                    not_attempted += 1;
                    if let BulkJob::Send(reqs) = &job {
                        failed_sends.push(reqs[i].clone());
                    }
                }
            }
        }
        let verb = if matches!(job, BulkJob::Send(_)) {
            "sent"
        } else {
            "deleted"
        };
        let mut lines = vec![format!(
            "{ok}/{total} {verb} · {} failed · {not_attempted} not attempted{}",
            failed_lines.len(),
            if cancelled { " (cancelled)" } else { "" }
        )];
        lines.extend(failed_lines);
        if let Some(k) = self.keymap.first(Action::Queue)
            && self.ctx.data_dir.is_some()
        {
            match (failed_sends.len(), unknown_sends.len()) {
                (0, 0) => {}
                (f, 0) => lines.push(format!("{k} keeps the {f} unsent message(s) in the outbox")),
                (0, u) => lines.push(format!(
                    "{k} keeps the {u} message(s) whose outcome is unknown in the outbox, as outcome unknown"
                )),
                (f, u) => lines.push(format!(
                    "{k} keeps the {f} unsent message(s) in the outbox, and the {u} whose outcome is unknown as outcome unknown"
                )),
            }
        }
        if matches!(job, BulkJob::Send(_)) && ok > 0 {
            self.compose.reset_after_send(&self.ctx.catalogue);
        }
        if matches!(job, BulkJob::Delete(_)) {
            self.request_page();
        }
        self.status.flash(
            if ok == total {
                ToastKind::Success
            } else {
                ToastKind::Warning
            },
            lines[0].clone(),
        );
        self.overlay = Some(Overlay::BulkSummary(Box::new(BulkSummary {
            title: format!("Bulk {verb}"),
            lines,
            failed_sends,
            unknown_sends,
        })));
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
                add(Action::Mark, "mark");
                add(Action::Outbox, "outbox");
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
            Focus::Outbox => {
                add(Action::RetryNow, "retry now");
                add(Action::EditEntry, "edit");
                add(Action::Discard, "discard");
                add(Action::ResendAnyway, "resend unknown");
                add(Action::Back, "back");
                add(Action::Help, "help");
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
