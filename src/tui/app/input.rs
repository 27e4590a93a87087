//! Keys that are text (the `:` line, the filter), pastes and the mouse.

use super::*;

impl App {
    pub(super) fn command_key(&mut self, key: Key, ev: KeyEvent) {
        let Some(mut input) = self.command.take() else {
            return;
        };
        let from_g = std::mem::take(&mut self.command_from_g);
        if from_g && input.value() == super::GOTO_PROMPT && self.is_go_to_key(&key) {
            let outcome = self
                .browser
                .on_action(Action::Top, self.pending.page().is_some());
            return self.browser_outcome(outcome);
        }
        match key.code {
            crate::tui::keys::KeyCodeOrd::Esc => {}
            crate::tui::keys::KeyCodeOrd::Enter => self.run_command(input.value()),
            crate::tui::keys::KeyCodeOrd::Backspace if input.value().is_empty() => {}
            _ => {
                input.handle_event(&CtEvent::Key(ev));
                self.command = Some(input);
                self.command_from_g = from_g;
            }
        }
    }

    /// Whether `key` is bound to go-to (`g`, unless `[keys]` says otherwise).
    fn is_go_to_key(&self, key: &Key) -> bool {
        self.keymap.keys(Action::GoTo).contains(key)
    }

    /// Runs one `:` command line.
    pub fn run_command(&mut self, line: &str) {
        if let Some(id) = super::room::open_command(line) {
            return self.open_room(id);
        }
        if super::apps::apps_command(line) {
            return self.open_apps();
        }
        match command::parse(line) {
            Ok(cmd) => match cmd {
                command::Command::Group(id) => self.goto_group(&id),
                command::Command::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
                command::Command::Quit => self.quit = true,
                browser_cmd => {
                    let outcome = self.browser.on_command(browser_cmd);
                    self.browser_outcome(outcome);
                }
            },
            Err(e) => self.status.error = Some(ErrorLine::local("Command", e)),
        }
    }

    pub(super) fn on_paste(&mut self, text: &str) {
        match &mut self.overlay {
            Some(Overlay::Create(f)) => return f.paste(text),
            Some(Overlay::Confirm(d)) => return d.paste(text),
            Some(Overlay::Help { .. } | Overlay::SentLog { .. } | Overlay::BulkSummary(_)) => {
                return;
            }
            None => {}
        }
        if self.command.is_none()
            && let Some(room) = &mut self.rooms.open
            && room.paste(text)
        {
            return;
        }
        if let Some(input) = &mut self.command {
            let clean: String = text.chars().filter(|c| !c.is_control()).collect();
            *input = Input::new(format!("{}{clean}", input.value()));
        } else if self.browser.filter_editing {
            self.browser.paste_filter(text);
        } else if self.focus == Focus::Compose {
            self.compose.paste(text);
            self.touch_draft();
        }
    }

    pub(super) fn on_mouse(&mut self, ev: crossterm::event::MouseEvent) {
        if !self.ctx.mouse
            || self.overlay.is_some()
            || self.rooms.open.is_some()
            || self.apps.is_some()
        {
            return;
        }
        // Hit-testing uses what the last frame laid out.
        let areas = self.areas.get();
        let in_detail = areas.detail.contains(ev.column, ev.row);
        match ev.kind {
            MouseEventKind::Down(MouseButton::Left)
                if self.browser.click(&areas.browser, ev.column, ev.row) =>
            {
                self.focus = Focus::Browser;
                self.detail.top();
            }
            MouseEventKind::ScrollDown if in_detail => self.detail.scroll_by(3, &areas.detail),
            MouseEventKind::ScrollUp if in_detail => self.detail.scroll_by(-3, &areas.detail),
            MouseEventKind::ScrollDown => self.select_by(1),
            MouseEventKind::ScrollUp => self.select_by(-1),
            _ => {}
        }
    }
}
