//! The one confirmation dialog for actions that cannot be taken back: deleting
//! a group (typing its GroupId), deleting marked groups (typing "DELETE N"),
//! sending to marked groups, discarding an outbox entry, resending one whose
//! outcome is unknown.
//!
//! One state machine for all of them. A dialog that asks for a typed answer
//! starts with no button chosen: Enter confirms once the answer matches, and
//! before that only says what is missing. A yes/no dialog starts on Cancel.
//! Tab (or ←/→) moves between the buttons; Esc always cancels.

use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::{Group, SendMessageRequest};
use crate::tui::action::Action;
use crate::tui::keys::KeyMap;
use crate::tui::theme::Theme;

use super::{centered, ellipsize, wrap_text};

/// What confirming does.
#[derive(Debug, Clone, PartialEq)]
pub enum OnConfirm {
    Discard(i64),
    ResendAnyway(i64),
    DeleteGroup(Group),
    DeleteGroups(Vec<Group>),
    /// One message to many groups (one request each).
    SendToGroups(Vec<SendMessageRequest>),
    /// Recover a deleted group (RecoverLiveMessageDeletedGroup).
    RecoverGroup(Group),
}

/// Which button Enter presses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Nothing chosen yet (typed dialogs): Enter confirms once the answer matches.
    Undecided,
    Confirm,
    Cancel,
}

/// What a key did to the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The dialog stays open.
    Open,
    Cancel,
    Confirm,
}

#[derive(Debug, Clone)]
pub struct ConfirmDialog {
    pub title: String,
    /// Facts shown as aligned "label value" rows (the group being deleted).
    pub facts: Vec<(String, String)>,
    /// What will happen first, then why it matters; wrapped to the dialog.
    pub lines: Vec<String>,
    pub confirm_label: String,
    pub on_confirm: OnConfirm,
    /// Answers that confirm when typed; None: a yes/no dialog.
    pub typed: Option<Vec<String>>,
    pub input: Input,
    pub choice: Choice,
    /// What is missing, after an Enter that could not confirm.
    pub message: Option<String>,
}

impl ConfirmDialog {
    /// A yes/no dialog, Cancel chosen.
    pub fn new(
        title: &str,
        lines: Vec<String>,
        confirm_label: &str,
        on_confirm: OnConfirm,
    ) -> Self {
        Self {
            title: title.into(),
            facts: Vec::new(),
            lines,
            confirm_label: confirm_label.into(),
            on_confirm,
            typed: None,
            input: Input::default(),
            choice: Choice::Cancel,
            message: None,
        }
    }

    /// Deleting one group: its facts, then the GroupId typed to confirm.
    /// `created` is its creation time and creator, as the console shows them.
    pub(crate) fn delete_group(group: Group, created: String) -> Self {
        let facts = vec![
            ("GroupId".to_string(), group.group_id.clone()),
            ("GroupName".to_string(), group.group_name.clone()),
            ("Created".to_string(), created),
        ];
        let lines = vec![
            format!("Delete group {}? This cannot be undone.", group.group_id),
            "Members are notified; messages are kept for 30 days. The ID can never be used again."
                .into(),
        ];
        let id = group.group_id.clone();
        Self::new(
            "Delete group",
            lines,
            "Delete",
            OnConfirm::DeleteGroup(group),
        )
        .with_facts(facts)
        .with_typed(vec![id])
    }

    /// Deleting the marked groups: "DELETE N" (or N) typed to confirm.
    pub(crate) fn delete_groups(groups: Vec<Group>) -> Self {
        let n = groups.len();
        let lines = vec![
            format!("Delete these {n} groups? This cannot be undone."),
            id_list(groups.iter().map(|g| g.group_id.as_str())),
            "Members are notified; the IDs can never be used again.".into(),
        ];
        Self::new(
            &format!("Delete {n} groups"),
            lines,
            &format!("Delete {n}"),
            OnConfirm::DeleteGroups(groups),
        )
        .with_typed(vec![format!("DELETE {n}"), n.to_string()])
    }

    /// One message to the marked groups, one request each: yes or no.
    pub(crate) fn send_to_groups(requests: Vec<SendMessageRequest>) -> Self {
        let n = requests.len();
        let lines = vec![
            format!("Send this message to {n} groups?"),
            id_list(requests.iter().map(|r| r.group_id.as_str())),
            "Each group gets its own copy with its own MsgTid; a sent message cannot be recalled from here.".into(),
        ];
        Self::new(
            &format!("Send to {n} groups"),
            lines,
            &format!("Send to {n}"),
            OnConfirm::SendToGroups(requests),
        )
    }

    /// Asks for one of `answers` to be typed; no button chosen.
    pub fn with_typed(mut self, answers: Vec<String>) -> Self {
        self.typed = Some(answers);
        self.choice = Choice::Undecided;
        self
    }

    pub fn with_facts(mut self, facts: Vec<(String, String)>) -> Self {
        self.facts = facts;
        self
    }

    /// Whether the typed answer (if one is asked for) matches.
    pub fn confirmed(&self) -> bool {
        match &self.typed {
            None => true,
            Some(answers) => answers.iter().any(|a| a == self.input.value().trim()),
        }
    }

    /// One key: `action` is what the key map says it is (text keys are text).
    pub fn key(&mut self, action: Option<Action>, ev: &KeyEvent) -> Answer {
        match action {
            Some(Action::Back) => return Answer::Cancel,
            Some(Action::NextPane | Action::PrevPane) => self.toggle(),
            Some(Action::Open) => return self.enter(),
            _ => match ev.code {
                KeyCode::Left | KeyCode::Right => self.toggle(),
                _ => self.edit(ev),
            },
        }
        Answer::Open
    }

    fn enter(&mut self) -> Answer {
        match self.choice {
            Choice::Cancel => Answer::Cancel,
            Choice::Confirm | Choice::Undecided if self.confirmed() => Answer::Confirm,
            Choice::Confirm | Choice::Undecided => {
                let want = self.typed.as_ref().and_then(|a| a.first()).cloned();
                self.message = Some(format!(
                    "Type {} exactly to {}; esc cancels.",
                    want.unwrap_or_default(),
                    self.confirm_label.to_lowercase()
                ));
                Answer::Open
            }
        }
    }

    fn toggle(&mut self) {
        self.choice = match self.choice {
            Choice::Undecided | Choice::Cancel => Choice::Confirm,
            Choice::Confirm => Choice::Cancel,
        };
    }

    fn edit(&mut self, ev: &KeyEvent) {
        if self.typed.is_some() {
            self.message = None;
            self.input.handle_event(&Event::Key(*ev));
        }
    }

    pub fn paste(&mut self, text: &str) {
        if self.typed.is_some() {
            let clean: String = text.chars().filter(|c| !c.is_control()).collect();
            self.input = Input::new(format!("{}{}", self.input.value(), clean.trim()));
        }
    }

    /// The status bar's key hints for the dialog.
    pub(crate) fn hints(&self, keymap: &KeyMap) -> Vec<(String, &'static str)> {
        let enter = if self.typed.is_some() {
            "confirm once typed"
        } else {
            "press button"
        };
        [(Action::Open, enter), (Action::NextPane, "switch button")]
            .into_iter()
            .filter_map(|(a, what)| Some((keymap.first(a)?, what)))
            .collect()
    }

    /// The key hints under the buttons.
    fn hint(&self) -> String {
        let verb = self.confirm_label.to_lowercase();
        match &self.typed {
            Some(_) => format!(
                "enter: {verb} once the answer matches · tab: choose a button · esc: cancel"
            ),
            None => "tab: switch buttons · enter: press the highlighted one · esc: cancel".into(),
        }
    }
}

/// "a, b, c" for a dialog, at most 32 IDs ("… and N more").
fn id_list<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> String {
    let n = ids.len();
    let shown: Vec<&str> = ids.take(32).collect();
    let mut s = shown.join(", ");
    if n > 32 {
        s.push_str(&format!(" … and {} more", n - 32));
    }
    s
}

/// " Cancel " and the dangerous button.
fn buttons<'a>(d: &ConfirmDialog, theme: &Theme) -> Line<'a> {
    let cancel = if d.choice == Choice::Cancel {
        theme.selected()
    } else {
        theme.text()
    };
    let armed = d.choice == Choice::Confirm || (d.choice == Choice::Undecided && d.confirmed());
    let confirm = match (armed, d.confirmed()) {
        (true, _) => theme.error().add_modifier(Modifier::REVERSED),
        (false, true) => theme.error(),
        (false, false) => theme.dim(),
    };
    Line::from(vec![
        Span::styled(" Cancel ", cancel),
        Span::raw("   "),
        Span::styled(format!(" {} ", d.confirm_label), confirm),
    ])
}

pub(crate) fn draw(frame: &mut Frame, area: Rect, d: &ConfirmDialog, theme: &Theme) {
    let width = area.width.min(72);
    // Wrap to the inner width (borders take two columns).
    let w = usize::from(width.saturating_sub(2)).max(1);
    let label_w = d
        .facts
        .iter()
        .map(|(l, _)| unicode_width::UnicodeWidthStr::width(l.as_str()))
        .max()
        .unwrap_or(0);
    let mut rows: Vec<Line> = Vec::new();
    for (label, value) in &d.facts {
        let value_w = w.saturating_sub(label_w + 1);
        rows.push(Line::from(vec![
            Span::styled(format!("{label:label_w$} "), theme.dim()),
            Span::styled(ellipsize(value, value_w), theme.title()),
        ]));
    }
    for (i, l) in d.lines.iter().enumerate() {
        // The first line says what happens; the rest explain.
        let style = if i == 0 {
            theme.text()
        } else {
            theme.warning()
        };
        rows.extend(wrap_text(l, w).into_iter().map(|s| Line::styled(s, style)));
    }
    let mut answer_row = None;
    if let Some(answers) = &d.typed {
        rows.push(Line::raw(""));
        let prompt = format!("Type {} to confirm:", answers.join(" or "));
        rows.extend(
            wrap_text(&prompt, w)
                .into_iter()
                .map(|s| Line::styled(s, theme.text())),
        );
        answer_row = Some(rows.len());
        rows.push(Line::raw(""));
    }
    rows.push(Line::raw(""));
    rows.push(buttons(d, theme));
    if let Some(m) = &d.message {
        rows.extend(
            wrap_text(m, w)
                .into_iter()
                .map(|s| Line::styled(s, theme.error())),
        );
    }
    rows.extend(
        wrap_text(&d.hint(), w)
            .into_iter()
            .map(|s| Line::styled(s, theme.dim())),
    );
    let height = (rows.len() as u16 + 2).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error())
        .title(Span::styled(format!(" {} ", d.title), theme.error()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    frame.render_widget(Paragraph::new(rows), inner);
    if let Some(row) = answer_row
        && (row as u16) < inner.height
    {
        super::draw_typed_answer(
            frame,
            inner,
            inner.y + row as u16,
            &d.input,
            d.confirmed(),
            theme,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keys::Key;

    fn group() -> Group {
        Group {
            group_id: "room7".into(),
            group_name: String::new(),
            group_info: String::new(),
            creator_id: String::new(),
            admin_list: vec![],
            createtime: 0,
            delete: false,
        }
    }

    fn press(d: &mut ConfirmDialog, action: Option<Action>, spec: &str) -> Answer {
        d.key(action, &Key::parse(spec).unwrap().to_event())
    }

    fn type_text(d: &mut ConfirmDialog, text: &str) {
        for c in text.chars() {
            assert_eq!(press(d, None, &c.to_string()), Answer::Open);
        }
    }

    #[test]
    fn a_typed_dialog_confirms_on_enter_once_the_answer_matches() {
        let mut d = ConfirmDialog::new(
            "Delete group",
            vec![],
            "Delete",
            OnConfirm::DeleteGroup(group()),
        )
        .with_typed(vec!["room7".into()]);
        // Enter before the ID matches: stays open and says what is missing.
        assert_eq!(press(&mut d, Some(Action::Open), "enter"), Answer::Open);
        assert!(
            d.message.as_deref().unwrap().contains("Type room7"),
            "{:?}",
            d.message
        );
        type_text(&mut d, "room");
        assert_eq!(press(&mut d, Some(Action::Open), "enter"), Answer::Open);
        type_text(&mut d, "7");
        assert!(d.message.is_none(), "typing clears the message");
        assert_eq!(press(&mut d, Some(Action::Open), "enter"), Answer::Confirm);
        // Choosing Cancel explicitly still cancels.
        press(&mut d, Some(Action::NextPane), "tab");
        press(&mut d, Some(Action::NextPane), "tab");
        assert_eq!(d.choice, Choice::Cancel);
        assert_eq!(press(&mut d, Some(Action::Open), "enter"), Answer::Cancel);
    }

    #[test]
    fn a_yes_no_dialog_starts_on_cancel_and_esc_always_cancels() {
        let mut d = ConfirmDialog::new("Discard", vec![], "Discard", OnConfirm::Discard(3));
        assert_eq!(press(&mut d, Some(Action::Open), "enter"), Answer::Cancel);
        press(&mut d, None, "right");
        assert_eq!(press(&mut d, Some(Action::Open), "enter"), Answer::Confirm);
        assert_eq!(press(&mut d, Some(Action::Back), "esc"), Answer::Cancel);
    }
}
