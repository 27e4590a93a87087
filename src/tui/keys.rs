//! The key map: named actions, their default keys, key specs as written in
//! `config.toml` ("ctrl-r", "j", "down", "pgdn"), and overrides from the config.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, Scope};

/// One key with its modifiers, normalised so `G` and `shift-g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// `KeyCode` with an order, so keys can live in sorted maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
}

impl Key {
    pub const fn plain(code: KeyCodeOrd) -> Self {
        Self {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCodeOrd::Char(c),
            ctrl: true,
            alt: false,
            shift: false,
        }
    }

    /// The key a terminal event stands for, or None for releases and keys we never bind.
    pub fn from_event(ev: &KeyEvent) -> Option<Self> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let m = ev.modifiers;
        let mut shift = m.contains(KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                // The character already says whether shift was held.
                shift = false;
                // Terminals report ctrl-letters in lower case.
                if m.contains(KeyModifiers::CONTROL) && c.is_ascii_uppercase() {
                    KeyCodeOrd::Char(c.to_ascii_lowercase())
                } else {
                    KeyCodeOrd::Char(c)
                }
            }
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab if shift => {
                shift = false;
                KeyCodeOrd::BackTab
            }
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => {
                shift = false;
                KeyCodeOrd::BackTab
            }
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Insert => KeyCodeOrd::Insert,
            _ => return None,
        };
        Some(Self {
            code,
            ctrl: m.contains(KeyModifiers::CONTROL),
            alt: m.contains(KeyModifiers::ALT),
            shift,
        })
    }

    /// The terminal event this key stands for (tests, key replay).
    pub fn to_event(&self) -> KeyEvent {
        let code = match self.code {
            KeyCodeOrd::Char(c) => KeyCode::Char(c),
            KeyCodeOrd::F(n) => KeyCode::F(n),
            KeyCodeOrd::Up => KeyCode::Up,
            KeyCodeOrd::Down => KeyCode::Down,
            KeyCodeOrd::Left => KeyCode::Left,
            KeyCodeOrd::Right => KeyCode::Right,
            KeyCodeOrd::PageUp => KeyCode::PageUp,
            KeyCodeOrd::PageDown => KeyCode::PageDown,
            KeyCodeOrd::Home => KeyCode::Home,
            KeyCodeOrd::End => KeyCode::End,
            KeyCodeOrd::Enter => KeyCode::Enter,
            KeyCodeOrd::Esc => KeyCode::Esc,
            KeyCodeOrd::Tab => KeyCode::Tab,
            KeyCodeOrd::BackTab => KeyCode::BackTab,
            KeyCodeOrd::Backspace => KeyCode::Backspace,
            KeyCodeOrd::Delete => KeyCode::Delete,
            KeyCodeOrd::Insert => KeyCode::Insert,
        };
        let mut m = KeyModifiers::NONE;
        if self.ctrl {
            m |= KeyModifiers::CONTROL;
        }
        if self.alt {
            m |= KeyModifiers::ALT;
        }
        if self.shift || matches!(self.code, KeyCodeOrd::Char(c) if c.is_ascii_uppercase()) {
            m |= KeyModifiers::SHIFT;
        }
        KeyEvent::new(code, m)
    }

    /// A plain character typed without ctrl or alt (text for an input field).
    pub fn text_char(&self) -> Option<char> {
        match self.code {
            KeyCodeOrd::Char(c) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }

    /// Parses a key spec: optional `ctrl-`, `alt-`, `shift-` prefixes, then a key name.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let mut rest = if spec == " " { spec } else { spec.trim() };
        if rest.is_empty() {
            return Err("empty key spec".into());
        }
        loop {
            let lower = rest.to_ascii_lowercase();
            let (flag, len) = if let Some(p) = ["ctrl-", "control-", "c-"]
                .iter()
                .find(|p| lower.starts_with(**p) && rest.len() > p.len())
            {
                (&mut ctrl, p.len())
            } else if let Some(p) = ["alt-", "meta-", "m-"]
                .iter()
                .find(|p| lower.starts_with(**p) && rest.len() > p.len())
            {
                (&mut alt, p.len())
            } else if let Some(p) = ["shift-", "s-"]
                .iter()
                .find(|p| lower.starts_with(**p) && rest.len() > p.len())
            {
                (&mut shift, p.len())
            } else {
                break;
            };
            *flag = true;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if shift && c.is_ascii_alphabetic() {
                    shift = false;
                    KeyCodeOrd::Char(c.to_ascii_uppercase())
                } else if ctrl {
                    KeyCodeOrd::Char(c.to_ascii_lowercase())
                } else {
                    KeyCodeOrd::Char(c)
                }
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "up" => KeyCodeOrd::Up,
                "down" => KeyCodeOrd::Down,
                "left" => KeyCodeOrd::Left,
                "right" => KeyCodeOrd::Right,
                "pgup" | "pageup" => KeyCodeOrd::PageUp,
                "pgdn" | "pgdown" | "pagedown" => KeyCodeOrd::PageDown,
                "home" => KeyCodeOrd::Home,
                "end" => KeyCodeOrd::End,
                "enter" | "return" | "cr" => KeyCodeOrd::Enter,
                "esc" | "escape" => KeyCodeOrd::Esc,
                "tab" if shift => {
                    shift = false;
                    KeyCodeOrd::BackTab
                }
                "tab" => KeyCodeOrd::Tab,
                "backtab" => KeyCodeOrd::BackTab,
                "backspace" | "bs" => KeyCodeOrd::Backspace,
                "delete" | "del" => KeyCodeOrd::Delete,
                "insert" | "ins" => KeyCodeOrd::Insert,
                "space" => KeyCodeOrd::Char(' '),
                "minus" => KeyCodeOrd::Char('-'),
                other => {
                    if let Some(n) = other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok())
                        && (1..=24).contains(&n)
                    {
                        KeyCodeOrd::F(n)
                    } else {
                        return Err(format!(
                            "unknown key {spec:?} (use e.g. \"j\", \"G\", \"ctrl-r\", \"down\", \"pgdn\", \"enter\", \"f5\")"
                        ));
                    }
                }
            },
        };
        if shift && matches!(code, KeyCodeOrd::Char(_)) {
            shift = false;
        }
        Ok(Self {
            code,
            ctrl,
            alt,
            shift,
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            KeyCodeOrd::Up => f.write_str("↑"),
            KeyCodeOrd::Down => f.write_str("↓"),
            KeyCodeOrd::Left => f.write_str("←"),
            KeyCodeOrd::Right => f.write_str("→"),
            KeyCodeOrd::PageUp => f.write_str("pgup"),
            KeyCodeOrd::PageDown => f.write_str("pgdn"),
            KeyCodeOrd::Home => f.write_str("home"),
            KeyCodeOrd::End => f.write_str("end"),
            KeyCodeOrd::Enter => f.write_str("enter"),
            KeyCodeOrd::Esc => f.write_str("esc"),
            KeyCodeOrd::Tab => f.write_str("tab"),
            KeyCodeOrd::BackTab => f.write_str("shift-tab"),
            KeyCodeOrd::Backspace => f.write_str("backspace"),
            KeyCodeOrd::Delete => f.write_str("del"),
            KeyCodeOrd::Insert => f.write_str("ins"),
        }
    }
}

/// A problem with the `[keys]` table of the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMapError(pub String);

impl fmt::Display for KeyMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[keys] in config.toml: {}", self.0)
    }
}

impl std::error::Error for KeyMapError {}

/// The keys in force: which action each key triggers, and the keys of each action.
#[derive(Debug, Clone)]
pub struct KeyMap {
    by_key: BTreeMap<Key, Action>,
    by_action: BTreeMap<Action, Vec<Key>>,
    /// Bindings a terminal may not deliver as written (shown at start-up).
    pub warnings: Vec<String>,
    /// Read-only mode: the keys of the mutating actions left unbound, so a
    /// press can be answered with why nothing happened.
    disabled: BTreeMap<Key, Action>,
    /// The live room's own keys: they may reuse keys of other panes (`x`
    /// recalls in the room and discards in the outbox), never global ones.
    room: BTreeMap<Key, Action>,
}

impl KeyMap {
    /// Defaults, overridden per action by `overrides` (action name → key specs).
    /// In read-only mode the mutating actions are not bound at all.
    pub fn new(
        overrides: &BTreeMap<String, Vec<String>>,
        read_only: bool,
    ) -> Result<Self, KeyMapError> {
        let mut by_action: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
        let mut warnings = Vec::new();
        for action in Action::ALL {
            let keys = action
                .default_keys()
                .iter()
                .map(|s| Key::parse(s).expect("default key specs parse"))
                .collect();
            by_action.insert(*action, keys);
        }
        for (name, specs) in overrides {
            let action = Action::from_name(name).ok_or_else(|| {
                KeyMapError(format!(
                    "unknown action {name:?}; known actions: {}",
                    Action::ALL
                        .iter()
                        .map(|a| a.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            let keys = specs
                .iter()
                .map(|s| Key::parse(s).map_err(|e| KeyMapError(format!("{name}: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            // Terminals send these chords as the same bytes as another key.
            for (chord, same) in [('m', "enter"), ('i', "tab"), ('h', "backspace")] {
                if keys.iter().any(|k| *k == Key::ctrl(chord)) {
                    warnings.push(format!(
                        "[keys] {name} = ctrl-{chord}: most terminals send ctrl-{chord} as {same}, so it may act as {same}"
                    ));
                }
            }
            if keys.iter().any(|k| *k == Key::ctrl('c')) {
                return Err(KeyMapError(format!(
                    "{name}: ctrl-c is reserved: it always quits"
                )));
            }
            if action.is_destructive() && keys.iter().any(|k| k.ctrl) {
                return Err(KeyMapError(format!(
                    "{name}: destructive actions cannot be bound to a ctrl chord"
                )));
            }
            by_action.insert(action, keys);
        }
        let mut disabled = BTreeMap::new();
        if read_only {
            for (action, keys) in by_action.iter().filter(|(a, _)| a.is_mutating()) {
                for key in keys {
                    disabled.insert(*key, *action);
                }
            }
            by_action.retain(|a, _| !a.is_mutating());
        }
        let mut by_key = BTreeMap::new();
        for (action, keys) in &by_action {
            if action.scope() == Scope::Room {
                continue;
            }
            for key in keys {
                if let Some(other) = by_key.insert(*key, *action)
                    && other != *action
                {
                    return Err(KeyMapError(format!(
                        "key {key} is bound to both {} and {}",
                        other.name(),
                        action.name()
                    )));
                }
            }
        }
        let mut room = BTreeMap::new();
        for (action, keys) in by_action.iter().filter(|(a, _)| a.scope() == Scope::Room) {
            for key in keys {
                let other = room
                    .insert(*key, *action)
                    .filter(|o| o != action)
                    .or_else(|| {
                        by_key
                            .get(key)
                            .copied()
                            .filter(|o| o.scope() == Scope::Global)
                    });
                if let Some(other) = other {
                    return Err(KeyMapError(format!(
                        "key {key} is bound to both {} and {}",
                        other.name(),
                        action.name()
                    )));
                }
            }
        }
        disabled.retain(|key, _| !by_key.contains_key(key) && !room.contains_key(key));
        Ok(Self {
            by_key,
            by_action,
            warnings,
            disabled,
            room,
        })
    }

    /// The mutating action `key` would trigger if this were not read-only.
    pub fn disabled(&self, key: &Key) -> Option<Action> {
        self.disabled.get(key).copied()
    }

    pub fn action(&self, key: &Key) -> Option<Action> {
        self.by_key.get(key).copied()
    }

    /// The action `key` triggers in the pane whose actions are `scope` (the
    /// room's own keys first there).
    pub fn action_in(&self, scope: Scope, key: &Key) -> Option<Action> {
        if scope == Scope::Room
            && let Some(a) = self.room.get(key)
        {
            return Some(*a);
        }
        self.action(key)
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.by_action.get(&action).map_or(&[], Vec::as_slice)
    }

    pub fn is_bound(&self, action: Action) -> bool {
        !self.keys(action).is_empty()
    }

    /// The keys of `action` as shown in help and hints: "j/↓".
    pub fn label(&self, action: Action) -> String {
        self.keys(action)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The first key of `action`, for compact hints.
    pub fn first(&self, action: Action) -> Option<String> {
        self.keys(action).first().map(ToString::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print() {
        for (spec, shown) in [
            ("j", "j"),
            ("G", "G"),
            ("shift-g", "G"),
            ("ctrl-r", "ctrl-r"),
            ("Ctrl-R", "ctrl-r"),
            ("down", "↓"),
            ("pgdn", "pgdn"),
            ("PageDown", "pgdn"),
            ("enter", "enter"),
            ("f5", "f5"),
            ("space", "space"),
            ("shift-tab", "shift-tab"),
            ("alt-x", "alt-x"),
            ("-", "-"),
        ] {
            assert_eq!(Key::parse(spec).unwrap().to_string(), shown, "{spec}");
        }
        assert!(Key::parse("hyper-x").is_err());
        assert!(Key::parse("f99").is_err());
        assert!(Key::parse("").is_err());
    }

    #[test]
    fn events_match_specs() {
        let ev = |code, m| KeyEvent::new(code, m);
        assert_eq!(
            Key::from_event(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Key::parse("G").unwrap())
        );
        assert_eq!(
            Key::from_event(&ev(KeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(Key::parse("ctrl-r").unwrap())
        );
        assert_eq!(
            Key::from_event(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Key::parse("backtab").unwrap())
        );
    }

    #[test]
    fn overrides_replace_defaults_and_errors_are_clear() {
        let mut o = BTreeMap::new();
        o.insert("refresh".to_string(), vec!["f5".to_string()]);
        let map = KeyMap::new(&o, false).unwrap();
        assert_eq!(
            map.action(&Key::parse("f5").unwrap()),
            Some(Action::Refresh)
        );
        assert_eq!(map.action(&Key::parse("r").unwrap()), None);

        o.insert("frobnicate".to_string(), vec!["x".to_string()]);
        let err = KeyMap::new(&o, false).unwrap_err().to_string();
        assert!(err.contains("unknown action \"frobnicate\""), "{err}");

        let mut o = BTreeMap::new();
        o.insert("refresh".to_string(), vec!["hyper-q".to_string()]);
        let err = KeyMap::new(&o, false).unwrap_err().to_string();
        assert!(err.contains("refresh: unknown key"), "{err}");

        let mut o = BTreeMap::new();
        o.insert("refresh".to_string(), vec!["j".to_string()]);
        let err = KeyMap::new(&o, false).unwrap_err().to_string();
        assert!(err.contains("bound to both"), "{err}");

        let mut o = BTreeMap::new();
        o.insert("delete".to_string(), vec!["ctrl-d".to_string()]);
        let err = KeyMap::new(&o, false).unwrap_err().to_string();
        assert!(err.contains("ctrl chord"), "{err}");
    }

    #[test]
    fn read_only_unbinds_mutations() {
        let map = KeyMap::new(&BTreeMap::new(), true).unwrap();
        for a in [
            Action::Create,
            Action::Delete,
            Action::Compose,
            Action::Send,
        ] {
            assert!(!map.is_bound(a), "{a:?}");
        }
        assert_eq!(map.action(&Key::parse("d").unwrap()), None);
        assert!(map.is_bound(Action::Refresh));
    }
}
