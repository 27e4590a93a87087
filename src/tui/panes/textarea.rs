//! A small multi-line editor for the message Body (no crate for this supports
//! ratatui 0.30 yet): insert, delete, arrows, home/end, paste, scrolling.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthChar;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextArea {
    lines: Vec<String>,
    /// Cursor line.
    row: usize,
    /// Cursor position in chars within the line.
    col: usize,
    /// First line shown.
    /// The first line shown (scroll), kept by drawing so the cursor stays in view.
    top: std::cell::Cell<usize>,
}

impl Default for TextArea {
    fn default() -> Self {
        Self::new("")
    }
}

fn byte_at(s: &str, col: usize) -> usize {
    s.char_indices().nth(col).map_or(s.len(), |(i, _)| i)
}

impl TextArea {
    pub fn new(text: &str) -> Self {
        let mut t = Self {
            lines: vec![String::new()],
            row: 0,
            col: 0,
            top: std::cell::Cell::new(0),
        };
        t.set_text(text);
        t
    }

    /// Replaces the text; the cursor goes to the end.
    pub fn set_text(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n");
        self.lines = text.split('\n').map(str::to_string).collect();
        self.row = self.lines.len() - 1;
        self.col = self.lines[self.row].chars().count();
        self.top.set(0);
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn len_bytes(&self) -> usize {
        self.lines.iter().map(String::len).sum::<usize>() + self.lines.len() - 1
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    pub fn is_empty(&self) -> bool {
        self.lines.len() == 1 && self.lines[0].is_empty()
    }

    fn line_chars(&self) -> usize {
        self.lines[self.row].chars().count()
    }

    pub fn insert_char(&mut self, c: char) {
        if c == '\n' {
            self.newline();
            return;
        }
        if c == '\r' {
            return;
        }
        let at = byte_at(&self.lines[self.row], self.col);
        self.lines[self.row].insert(at, c);
        self.col += 1;
    }

    pub fn insert_str(&mut self, s: &str) {
        for c in s.chars() {
            self.insert_char(c);
        }
    }

    fn newline(&mut self) {
        let at = byte_at(&self.lines[self.row], self.col);
        let rest = self.lines[self.row].split_off(at);
        self.lines.insert(self.row + 1, rest);
        self.row += 1;
        self.col = 0;
    }

    fn backspace(&mut self) {
        if self.col > 0 {
            let line = &mut self.lines[self.row];
            let start = byte_at(line, self.col - 1);
            let end = byte_at(line, self.col);
            line.replace_range(start..end, "");
            self.col -= 1;
        } else if self.row > 0 {
            let line = self.lines.remove(self.row);
            self.row -= 1;
            self.col = self.line_chars();
            self.lines[self.row].push_str(&line);
        }
    }

    fn delete(&mut self) {
        if self.col < self.line_chars() {
            let line = &mut self.lines[self.row];
            let start = byte_at(line, self.col);
            let end = byte_at(line, self.col + 1);
            line.replace_range(start..end, "");
        } else if self.row + 1 < self.lines.len() {
            let next = self.lines.remove(self.row + 1);
            self.lines[self.row].push_str(&next);
        }
    }

    /// Moves up a line; false when already on the first line.
    pub fn up(&mut self) -> bool {
        if self.row == 0 {
            return false;
        }
        self.row -= 1;
        self.col = self.col.min(self.line_chars());
        true
    }

    /// Moves down a line; false when already on the last line.
    pub fn down(&mut self) -> bool {
        if self.row + 1 >= self.lines.len() {
            return false;
        }
        self.row += 1;
        self.col = self.col.min(self.line_chars());
        true
    }

    /// Handles an editing key; false when the key is not an editing key.
    pub fn handle_key(&mut self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        match ev.code {
            KeyCode::Char(c) if !ctrl && !alt => self.insert_char(c),
            KeyCode::Enter => self.newline(),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Char('h') if ctrl => self.backspace(),
            KeyCode::Delete => self.delete(),
            KeyCode::Left => {
                if self.col > 0 {
                    self.col -= 1;
                } else if self.row > 0 {
                    self.row -= 1;
                    self.col = self.line_chars();
                }
            }
            KeyCode::Right => {
                if self.col < self.line_chars() {
                    self.col += 1;
                } else if self.row + 1 < self.lines.len() {
                    self.row += 1;
                    self.col = 0;
                }
            }
            KeyCode::Up => {
                self.up();
            }
            KeyCode::Down => {
                self.down();
            }
            KeyCode::Home => self.col = 0,
            KeyCode::Char('a') if ctrl => self.col = 0,
            KeyCode::End => self.col = self.line_chars(),
            KeyCode::PageUp => {
                self.row = self.row.saturating_sub(10);
                self.col = self.col.min(self.line_chars());
            }
            KeyCode::PageDown => {
                self.row = (self.row + 10).min(self.lines.len() - 1);
                self.col = self.col.min(self.line_chars());
            }
            KeyCode::Char('u') if ctrl => {
                let at = byte_at(&self.lines[self.row], self.col);
                self.lines[self.row].replace_range(..at, "");
                self.col = 0;
            }
            KeyCode::Char('k') if ctrl => {
                let at = byte_at(&self.lines[self.row], self.col);
                self.lines[self.row].truncate(at);
            }
            _ => return false,
        }
        true
    }

    /// Draws the visible part; places the cursor when `focused`.
    pub fn draw(&self, frame: &mut Frame, area: Rect, style: Style, focused: bool) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let h = usize::from(area.height);
        if self.row < self.top.get() {
            self.top.set(self.row);
        } else if self.row >= self.top.get() + h {
            self.top.set(self.row + 1 - h);
        }
        // Horizontal scroll so the cursor column stays in view.
        let cursor_x: usize = self.lines[self.row]
            .chars()
            .take(self.col)
            .map(|c| c.width().unwrap_or(0))
            .sum();
        let w = usize::from(area.width);
        let left = cursor_x.saturating_sub(w.saturating_sub(1));
        let shown: Vec<Line> = self
            .lines
            .iter()
            .skip(self.top.get())
            .take(h)
            .map(|l| {
                let mut skipped = 0;
                let mut out = String::new();
                for c in l.chars() {
                    let cw = c.width().unwrap_or(0);
                    if skipped < left {
                        skipped += cw;
                        continue;
                    }
                    out.push(if c.is_control() { '·' } else { c });
                }
                Line::styled(out, style)
            })
            .collect();
        frame.render_widget(Paragraph::new(shown), area);
        if focused {
            let x = area.x + (cursor_x - left).min(w - 1) as u16;
            let y = area.y + (self.row - self.top.get()) as u16;
            frame.set_cursor_position(Position::new(x, y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_lines() {
        let mut t = TextArea::new("");
        t.insert_str("héllo\nworld");
        assert_eq!(t.text(), "héllo\nworld");
        assert_eq!(t.len_bytes(), "héllo\nworld".len());
        t.handle_key(&key(KeyCode::Home));
        t.handle_key(&key(KeyCode::Backspace));
        assert_eq!(t.text(), "hélloworld");
        assert_eq!(t.cursor(), (0, 5));
        t.handle_key(&key(KeyCode::Enter));
        t.handle_key(&key(KeyCode::Up));
        t.handle_key(&key(KeyCode::End));
        t.handle_key(&key(KeyCode::Delete));
        assert_eq!(t.text(), "hélloworld");
        t.handle_key(&key(KeyCode::Left));
        t.handle_key(&key(KeyCode::Char('X')));
        assert_eq!(t.text(), "héllXoworld");
        assert!(!t.up());
    }
}
