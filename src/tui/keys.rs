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

/// A problem with the `[keys]` table of the config; each names the action and
/// the key as written (the config loader adds the file and line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyMapError {
    #[error("[keys] in config.toml: unknown action {name:?}; known actions: {known}")]
    UnknownAction { name: String, known: String },
    #[error("[keys] in config.toml: {action} = {spec:?}: {reason}")]
    BadKey {
        action: String,
        spec: String,
        reason: String,
    },
    #[error(
        "[keys] in config.toml: key {key} is bound to both {first} and {second}, which apply in the same pane"
    )]
    Clash {
        key: String,
        first: String,
        second: String,
    },
}

/// Browser actions the outbox pane answers itself (moving its selection,
/// opening an entry): an outbox key must not take one of their keys.
const OUTBOX_NAVIGATION: [Action; 8] = [
    Action::GoTo,
    Action::Up,
    Action::Down,
    Action::PageUp,
    Action::PageDown,
    Action::Top,
    Action::Bottom,
    Action::Open,
];

/// Whether `a` and `b` are looked up in the same pane with the same standing,
/// so one key cannot serve both. Global actions apply everywhere; the browser
/// and detail share one set of keys, and compose falls back to them; the
/// outbox pane's own keys come first there, so they may reuse browser keys
/// (`delete = ["x"]` beside the outbox's `discard`), except those it answers.
fn same_pane(a: Action, b: Action) -> bool {
    use Scope::*;
    let (sa, sb) = (a.scope(), b.scope());
    if sa == sb || sa == Global || sb == Global {
        return true;
    }
    match (sa, sb) {
        (Browser | Detail | Compose, Browser | Detail | Compose) => true,
        (Outbox, Browser | Detail) => OUTBOX_NAVIGATION.contains(&b),
        (Browser | Detail, Outbox) => OUTBOX_NAVIGATION.contains(&a),
        _ => false,
    }
}

/// Which action wins in pane `scope` when several share a key: the pane's
/// own, then the global ones, then the browser's (the fallback everywhere).
fn rank(scope: Scope, action: Action) -> u8 {
    match action.scope() {
        s if s == scope => 0,
        Scope::Global => 1,
        Scope::Browser | Scope::Detail => 2,
        // The room's keys act only in the room, which names its own refusals.
        Scope::Room => 4,
        _ => 3,
    }
}

/// The keys in force: which action each key triggers (per pane), and the keys
/// of each action.
#[derive(Debug, Clone)]
pub struct KeyMap {
    /// Every action a key is bound to; more than one only when they apply in
    /// different panes.
    by_key: BTreeMap<Key, Vec<Action>>,
    by_action: BTreeMap<Action, Vec<Key>>,
    /// Bindings a terminal may not deliver as written (shown at start-up).
    pub warnings: Vec<String>,
    /// Read-only mode: the keys of the mutating actions left unbound, so a
    /// press can be answered with why nothing happened.
    disabled: BTreeMap<Key, Action>,
}

/// Chords most terminals send as the same bytes as another key.
const AMBIGUOUS_CHORDS: [(char, &str); 3] = [('m', "enter"), ('i', "tab"), ('h', "backspace")];

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
            let action = Action::from_name(name).ok_or_else(|| KeyMapError::UnknownAction {
                name: name.clone(),
                known: Action::ALL
                    .iter()
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
            let bad = |spec: &str, reason: String| KeyMapError::BadKey {
                action: name.clone(),
                spec: spec.to_string(),
                reason,
            };
            let mut keys = Vec::new();
            for spec in specs {
                let key = Key::parse(spec).map_err(|e| bad(spec, e))?;
                if key == Key::ctrl('c') {
                    return Err(bad(spec, "ctrl-c is reserved: it always quits".into()));
                }
                if action.is_destructive() && key.ctrl {
                    return Err(bad(
                        spec,
                        "destructive actions cannot be bound to a ctrl chord".into(),
                    ));
                }
                // Allowed, but said: the key may arrive as the other one.
                if let Some((chord, same)) = AMBIGUOUS_CHORDS
                    .iter()
                    .find(|(c, _)| key == Key::ctrl(*c) && !key.alt)
                {
                    warnings.push(format!(
                        "[keys] {name} = ctrl-{chord}: most terminals send ctrl-{chord} as {same}, so it may act as {same}"
                    ));
                }
                keys.push(key);
            }
            by_action.insert(action, keys);
        }
        let mut disabled = BTreeMap::new();
        if read_only {
            for (action, keys) in by_action.iter().filter(|(a, _)| a.is_mutating()) {
                for key in keys {
                    // A key two panes share names the browser's action.
                    let shown: &mut Action = disabled.entry(*key).or_insert(*action);
                    if rank(Scope::Browser, *action) < rank(Scope::Browser, *shown) {
                        *shown = *action;
                    }
                }
            }
            by_action.retain(|a, _| !a.is_mutating());
        }
        let mut by_key: BTreeMap<Key, Vec<Action>> = BTreeMap::new();
        for (action, keys) in &by_action {
            for key in keys {
                let bound = by_key.entry(*key).or_default();
                if let Some(other) = bound.iter().find(|o| same_pane(**o, *action)) {
                    return Err(KeyMapError::Clash {
                        key: key.to_string(),
                        first: other.name().to_string(),
                        second: action.name().to_string(),
                    });
                }
                bound.push(*action);
            }
        }
        disabled.retain(|key, _| !by_key.contains_key(key));
        Ok(Self {
            by_key,
            by_action,
            warnings,
            disabled,
        })
    }

    /// The mutating action `key` would trigger if this were not read-only.
    pub fn disabled(&self, key: &Key) -> Option<Action> {
        self.disabled.get(key).copied()
    }

    /// The action `key` triggers in the browser (and wherever no pane
    /// claims the key for itself).
    pub fn action(&self, key: &Key) -> Option<Action> {
        self.action_in(Scope::Browser, key)
    }

    /// The action `key` triggers in the pane whose actions are `scope`.
    pub(crate) fn action_in(&self, scope: Scope, key: &Key) -> Option<Action> {
        self.by_key
            .get(key)?
            .iter()
            .copied()
            .min_by_key(|a| rank(scope, *a))
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
mod tests;
