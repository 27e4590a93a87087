//! Keys that are text (the `:` line, the filter), pastes and the mouse.

use super::*;

impl App {
    pub(super) fn command_key(&mut self, key: Key, ev: KeyEvent) {
        let Some(mut input) = self.command.take() else {
            return;
        };
        match key.code {
            crate::tui::keys::KeyCodeOrd::Esc => {}
            crate::tui::keys::KeyCodeOrd::Enter => self.run_command(input.value()),
            crate::tui::keys::KeyCodeOrd::Backspace if input.value().is_empty() => {}
            _ => {
                input.handle_event(&CtEvent::Key(ev));
                self.command = Some(input);
            }
        }
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

    pub(super) fn filter_key(&mut self, key: Key, ev: KeyEvent) {
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
            let clean: String = text.chars().filter(|c| !c.is_control()).collect();
            self.browser.filter = Input::new(format!("{}{clean}", self.browser.filter.value()));
            self.browser.refilter();
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
        let in_detail = {
            let a = self.detail.area.get();
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
}
