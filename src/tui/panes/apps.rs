//! The apps pane (`:app`): the account's interactive-messaging apps in every
//! data center (ListLiveMessageApps, token-paged), the selected one described
//! (DescribeLiveMessageApp), and enter to switch the console to it. The pane
//! decides; the app carries its calls out and performs the switch.
//!
//! AppKey and AppSign are what an app's own clients sign with: never shown.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Row, Table};

use crate::api::{
    ApiError, AppSummary, AuditType, DataCenter, DescribeAppRequest, DescribeAppResponse,
    ListAppsRequest, ListAppsResponse, MsgLifeCycle, SortType,
};
use crate::text::terminal_safe;
use crate::tui::action::Action;
use crate::tui::clock::Clock;
use crate::tui::theme::Theme;
use crate::worker::{Call, Reply, downcast_reply};

use super::ellipsize;

/// The data centers an account's apps can live in, each listed separately.
pub(crate) const DATA_CENTERS: [DataCenter; 2] = [DataCenter::CnShanghai, DataCenter::ApSoutheast1];

/// What an apps call in flight is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppsRequest {
    /// A page of ListLiveMessageApps in one data center.
    List { data_center: DataCenter },
    /// DescribeLiveMessageApp of the selected app.
    Describe { app_id: String },
}

/// One call the pane wants made.
#[derive(Debug)]
pub(crate) struct AppsCall {
    pub call: Box<dyn Call>,
    pub label: String,
    pub request: AppsRequest,
}

/// What the pane did with a key.
#[derive(Debug)]
pub(crate) enum AppsReaction {
    /// Not an apps key: the app may handle it (quit, help, `:`).
    Ignored,
    Handled(Vec<AppsCall>),
    /// Esc: close the pane.
    Close,
    /// Enter: switch the console to this app.
    Switch {
        app_id: String,
        data_center: DataCenter,
        disabled: bool,
    },
}

/// The apps pane.
#[derive(Debug)]
pub(crate) struct AppsPane {
    /// The app the console shows now (marked in the list).
    current: (String, DataCenter),
    pub apps: Vec<AppSummary>,
    pub selected: usize,
    /// Data centers whose listing is still in flight.
    listing: usize,
    /// Descriptions by AppId (asked once per app).
    described: BTreeMap<String, DescribeAppResponse>,
    describing: Option<String>,
    /// Why a listing or a description failed, when one did.
    pub problem: Option<String>,
}

fn list_call(data_center: DataCenter, token: Option<i64>) -> AppsCall {
    let op = ListAppsRequest {
        sort_type: SortType::Asc,
        next_page_token: token,
        data_center: Some(data_center),
    };
    AppsCall {
        call: Box::new(op),
        label: format!("listing the apps in {data_center}"),
        request: AppsRequest::List { data_center },
    }
}

/// The data center an app summary names (cn-shanghai when it names none).
pub(crate) fn data_center_of(app: &AppSummary) -> Option<DataCenter> {
    if app.data_center.is_empty() {
        return Some(DataCenter::default());
    }
    app.data_center.parse().ok()
}

impl AppsPane {
    pub(crate) fn new(app_id: &str, data_center: Option<DataCenter>) -> Self {
        Self {
            current: (app_id.to_string(), data_center.unwrap_or_default()),
            apps: Vec::new(),
            selected: 0,
            listing: 0,
            described: BTreeMap::new(),
            describing: None,
            problem: None,
        }
    }

    /// The calls made when the pane opens (and on `r`): every data center's list.
    pub(crate) fn open_calls(&mut self) -> Vec<AppsCall> {
        self.apps.clear();
        self.selected = 0;
        self.problem = None;
        self.listing = DATA_CENTERS.len();
        DATA_CENTERS.iter().map(|dc| list_call(*dc, None)).collect()
    }

    pub(crate) fn is_loading(&self) -> bool {
        self.listing > 0
    }

    pub(crate) fn is_current(&self, app: &AppSummary) -> bool {
        app.app_id == self.current.0 && data_center_of(app) == Some(self.current.1)
    }

    pub(crate) fn selected_app(&self) -> Option<&AppSummary> {
        self.apps.get(self.selected)
    }

    pub(crate) fn description(&self, app_id: &str) -> Option<&DescribeAppResponse> {
        self.described.get(app_id)
    }

    /// Describes the selected app unless it is described or being described.
    fn describe_selected(&mut self) -> Vec<AppsCall> {
        let Some(app) = self.selected_app() else {
            return Vec::new();
        };
        if self.described.contains_key(&app.app_id)
            || self.describing.as_deref() == Some(app.app_id.as_str())
        {
            return Vec::new();
        }
        let app_id = app.app_id.clone();
        let op = DescribeAppRequest {
            app_id: app_id.clone(),
            data_center: data_center_of(app),
        };
        self.describing = Some(app_id.clone());
        vec![AppsCall {
            call: Box::new(op),
            label: format!("describing app {app_id}"),
            request: AppsRequest::Describe { app_id },
        }]
    }

    /// A key, as the key map names it.
    pub(crate) fn key(&mut self, action: Option<Action>) -> AppsReaction {
        let Some(action) = action else {
            return AppsReaction::Ignored;
        };
        let delta: isize = match action {
            Action::Back => return AppsReaction::Close,
            Action::Refresh => return AppsReaction::Handled(self.open_calls()),
            Action::Open => {
                return match self.selected_app() {
                    Some(app) => match data_center_of(app) {
                        Some(data_center) => AppsReaction::Switch {
                            app_id: app.app_id.clone(),
                            data_center,
                            disabled: app.disable,
                        },
                        None => {
                            self.problem = Some(format!(
                                "app {} names an unknown data center {:?}",
                                terminal_safe(&app.app_id),
                                terminal_safe(&app.data_center)
                            ));
                            AppsReaction::Handled(Vec::new())
                        }
                    },
                    None => AppsReaction::Handled(Vec::new()),
                };
            }
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -10,
            Action::PageDown => 10,
            Action::Top | Action::GoTo => isize::MIN / 2,
            Action::Bottom => isize::MAX / 2,
            _ => return AppsReaction::Ignored,
        };
        self.selected = self
            .selected
            .saturating_add_signed(delta)
            .min(self.apps.len().saturating_sub(1));
        AppsReaction::Handled(self.describe_selected())
    }

    /// A reply to one of the pane's calls; returns the calls it leads to.
    pub(crate) fn on_reply(
        &mut self,
        request: AppsRequest,
        result: Result<Reply, ApiError>,
    ) -> Vec<AppsCall> {
        match request {
            AppsRequest::List { data_center } => {
                match result.map(downcast_reply::<ListAppsResponse>) {
                    Ok(page) => {
                        self.apps.extend(page.app_list);
                        if page.has_more
                            && let Some(token) = page.next_page_token
                        {
                            return vec![list_call(data_center, Some(token))];
                        }
                    }
                    Err(e) => {
                        self.problem = Some(format!(
                            "listing the apps in {data_center}: {}",
                            terminal_safe(&e.to_string())
                        ));
                    }
                }
                self.listing = self.listing.saturating_sub(1);
                if self.listing == 0 {
                    self.listed()
                } else {
                    Vec::new()
                }
            }
            AppsRequest::Describe { app_id } => {
                self.describing = None;
                match result.map(downcast_reply::<DescribeAppResponse>) {
                    Ok(d) => {
                        self.described.insert(app_id, d);
                    }
                    Err(e) => {
                        self.problem = Some(format!(
                            "describing app {}: {}",
                            terminal_safe(&app_id),
                            terminal_safe(&e.to_string())
                        ));
                    }
                }
                // The selection may have moved on while this was in flight.
                self.describe_selected()
            }
        }
    }

    /// Every data center answered: the current app selected and described.
    fn listed(&mut self) -> Vec<AppsCall> {
        if let Some(i) = self.apps.iter().position(|a| self.is_current(a)) {
            self.selected = i;
        }
        self.describe_selected()
    }

    /// A call of the pane crashed in the worker: nothing waits for it now.
    pub(crate) fn on_crash(&mut self, request: &AppsRequest) {
        match request {
            AppsRequest::List { .. } => self.listing = self.listing.saturating_sub(1),
            AppsRequest::Describe { .. } => self.describing = None,
        }
        self.problem = Some("internal error; see the status line".into());
    }

    /// Key hints for the status bar.
    pub(crate) fn hints(&self) -> Vec<(String, &'static str)> {
        vec![
            ("enter".to_string(), "switch to app"),
            ("r".to_string(), "reload"),
            ("esc".to_string(), "back"),
        ]
    }
}

fn review(code: i32) -> String {
    match AuditType::from_code(i64::from(code)) {
        Ok(AuditType::Off) => "off".into(),
        Ok(AuditType::BuiltIn) => "built-in".into(),
        Ok(AuditType::Custom) => "custom".into(),
        Err(_) => format!("type {code}"),
    }
}

fn kept(code: i32) -> String {
    match MsgLifeCycle::from_code(i64::from(code)) {
        Ok(m) => format!("{} days", m.days()),
        Err(_) => format!("code {code}"),
    }
}

/// The pane over `area`: the list on top, the selected app's detail below.
pub(crate) fn draw(frame: &mut Frame, area: Rect, pane: &AppsPane, theme: &Theme, clock: &Clock) {
    frame.render_widget(Clear, area);
    let title = if pane.is_loading() {
        " Apps · listing… ".to_string()
    } else {
        format!(
            " Apps: {} · enter switches the console · esc closes ",
            pane.apps.len()
        )
    };
    let block = theme.focused_block(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 4 || inner.width < 20 {
        return;
    }
    let w = usize::from(inner.width);
    let detail_h: u16 = 6.min(inner.height / 2);
    let list_area = Rect {
        height: inner.height - detail_h,
        ..inner
    };
    if pane.apps.is_empty() {
        let text = if pane.is_loading() {
            "Listing the apps…"
        } else {
            "No apps in this account (r lists again)"
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), list_area);
    } else {
        let rows_h = usize::from(list_area.height.saturating_sub(1)).max(1);
        let first = pane.selected.saturating_sub(rows_h - 1);
        let rows: Vec<Row> = pane
            .apps
            .iter()
            .enumerate()
            .skip(first)
            .take(rows_h)
            .map(|(i, a)| {
                let style = if i == pane.selected {
                    theme.selected()
                } else if a.disable {
                    theme.deleted()
                } else {
                    theme.text()
                };
                Row::new(vec![
                    if pane.is_current(a) { "●" } else { " " }.to_string(),
                    terminal_safe(&a.app_id).into_owned(),
                    terminal_safe(&a.data_center).into_owned(),
                    if a.disable { "disabled" } else { "" }.to_string(),
                    clock.short(a.create_time),
                    terminal_safe(&a.app_name).into_owned(),
                ])
                .style(style)
            })
            .collect();
        let widths = [
            Constraint::Length(1),
            Constraint::Length(20),
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Length(16),
            Constraint::Min(8),
        ];
        let header = Row::new(vec!["", "AppId", "DataCenter", "", "Created", "Name"])
            .style(theme.accent().add_modifier(Modifier::BOLD));
        frame.render_widget(
            Table::new(rows, widths).header(header).column_spacing(1),
            list_area,
        );
    }
    let detail_area = Rect::new(
        inner.x,
        list_area.y + list_area.height,
        inner.width,
        detail_h,
    );
    let mut lines = Vec::new();
    if let Some(app) = pane.selected_app() {
        match pane.description(&app.app_id) {
            Some(d) => {
                let callback = if d.event_callback_url.is_empty() {
                    "off".to_string()
                } else {
                    terminal_safe(&d.event_callback_url).into_owned()
                };
                lines.push(Line::styled(
                    ellipsize(
                        &format!(
                            "{} · {} · review {} · messages kept {} · {}",
                            terminal_safe(&d.app_id),
                            terminal_safe(&d.data_center),
                            review(d.audit_type),
                            kept(d.msg_life_cycle),
                            if d.disable { "disabled" } else { "enabled" }
                        ),
                        w,
                    ),
                    theme.text(),
                ));
                lines.push(Line::styled(
                    ellipsize(&format!("callback {callback}"), w),
                    theme.dim(),
                ));
                lines.push(Line::styled(
                    ellipsize(
                        &format!(
                            "created {} · modified {}",
                            clock.long(d.create_time),
                            clock.long(d.modify_time)
                        ),
                        w,
                    ),
                    theme.dim(),
                ));
            }
            None => lines.push(Line::styled("Describing…", theme.dim())),
        }
    }
    if let Some(problem) = &pane.problem {
        lines.push(Line::styled(
            ellipsize(&format!("✗ {problem}"), w),
            theme.error(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), detail_area);
}
