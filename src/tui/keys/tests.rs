//! Key specs, the key map, per-pane clashes and config errors.

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
    assert!(err.contains("refresh = \"hyper-q\": unknown key"), "{err}");

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
fn clashes_are_checked_per_pane() {
    let key = |s: &str| Key::parse(s).unwrap();
    // `delete` in the browser and `discard` in the outbox pane never meet.
    let mut o = BTreeMap::new();
    o.insert("delete".to_string(), vec!["x".to_string()]);
    let map = KeyMap::new(&o, false).unwrap();
    assert_eq!(map.action(&key("x")), Some(Action::Delete));
    assert_eq!(
        map.action_in(Scope::Browser, &key("x")),
        Some(Action::Delete)
    );
    assert_eq!(
        map.action_in(Scope::Outbox, &key("x")),
        Some(Action::Discard)
    );
    // An outbox key may not take a key the outbox pane itself moves with.
    let mut o = BTreeMap::new();
    o.insert("discard".to_string(), vec!["j".to_string()]);
    let err = KeyMap::new(&o, false).unwrap_err();
    assert_eq!(
        err,
        KeyMapError::Clash {
            key: "j".into(),
            first: "down".into(),
            second: "discard".into()
        }
    );
    // Global keys clash with every pane's.
    let mut o = BTreeMap::new();
    o.insert("retry_now".to_string(), vec!["q".to_string()]);
    assert!(matches!(
        KeyMap::new(&o, false),
        Err(KeyMapError::Clash { .. })
    ));
    // Read-only: a shared key names the browser's action when pressed there.
    let mut o = BTreeMap::new();
    o.insert("delete".to_string(), vec!["x".to_string()]);
    let map = KeyMap::new(&o, true).unwrap();
    assert_eq!(map.disabled(&key("x")), Some(Action::Delete));
    // Two outbox keys on one key clash.
    let mut o = BTreeMap::new();
    o.insert("retry_now".to_string(), vec!["x".to_string()]);
    assert!(KeyMap::new(&o, false).is_err());
}

#[test]
fn errors_name_the_action_and_the_key_as_written() {
    let mut o = BTreeMap::new();
    o.insert("delete".to_string(), vec!["d".into(), "ctrl-d".into()]);
    let err = KeyMap::new(&o, false).unwrap_err().to_string();
    assert!(err.contains("delete = \"ctrl-d\": destructive"), "{err}");
    let mut o = BTreeMap::new();
    o.insert("sort".to_string(), vec!["ctrl-c".into()]);
    let err = KeyMap::new(&o, false).unwrap_err().to_string();
    assert!(
        err.contains("sort = \"ctrl-c\": ctrl-c is reserved"),
        "{err}"
    );
    let mut o = BTreeMap::new();
    o.insert("sort".to_string(), vec!["hyper-q".into()]);
    let err = KeyMap::new(&o, false).unwrap_err().to_string();
    assert!(err.contains("sort = \"hyper-q\": unknown key"), "{err}");
}

#[test]
fn chords_a_terminal_cannot_tell_apart_are_warned_about() {
    for (chord, same) in [
        ("ctrl-m", "enter"),
        ("ctrl-i", "tab"),
        ("ctrl-h", "backspace"),
    ] {
        let mut o = BTreeMap::new();
        o.insert("sort".to_string(), vec![chord.to_string()]);
        let map = KeyMap::new(&o, false).unwrap();
        assert_eq!(map.warnings.len(), 1, "{chord}");
        assert!(
            map.warnings[0].contains(&format!("sort = {chord}"))
                && map.warnings[0].contains(&format!("as {same}")),
            "{:?}",
            map.warnings
        );
    }
    let mut o = BTreeMap::new();
    o.insert("sort".to_string(), vec!["ctrl-j".to_string()]);
    assert!(KeyMap::new(&o, false).unwrap().warnings.is_empty());
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
