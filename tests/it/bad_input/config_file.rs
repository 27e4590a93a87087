//! Bad input: config file.

use super::*;

fn tomlish() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("moderator_id"),
        Just("app_id"),
        Just("data_center"),
        Just("read_only"),
        Just("mouse"),
        Just("auto_refresh"),
        Just("page_size"),
        Just("refresh"),
        Just("selection"),
        Just("endpoint"),
        Just("colour"),
        Just("\"quoted key\""),
        Just("a.b"),
        Just("é"),
    ];
    let value = prop_oneof![
        Just("\"mod1\"".to_string()),
        Just("\"a b\"".to_string()),
        Just("\"cn-shanghai\"".to_string()),
        Just("\"mars\"".to_string()),
        Just("\"30s\"".to_string()),
        Just("\"soon\"".to_string()),
        Just("true".to_string()),
        Just("\"yes\"".to_string()),
        Just("0".to_string()),
        Just("51".to_string()),
        Just("-1".to_string()),
        Just("99999999999999999999".to_string()),
        Just("[\"r\", \"f5\"]".to_string()),
        Just("[".to_string()),
        Just("{ x = 1 }".to_string()),
        Just("\"unterminated".to_string()),
        Just("'''\nmulti".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        Just("\"é😀\"".to_string()),
        ".{0,12}",
    ];
    let line = prop_oneof![
        4 => (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => prop_oneof![
            Just("[keys]"),
            Just("[theme]"),
            Just("[profiles.prod]"),
            Just("[profiles]"),
            Just("[[profiles]]"),
            Just("[unknown]"),
            Just("[keys"),
            Just("# comment é"),
            Just(""),
            Just("\r"),
        ]
        .prop_map(str::to_string),
        1 => ".{0,30}",
    ];
    proptest::collection::vec(line, 0..12).prop_map(|lines| lines.join("\n"))
}

fn check_config(text: &str) -> Result<(), TestCaseError> {
    let path = Path::new("/etc/livemod/config.toml");
    let Err(err) = Config::parse(text, path) else {
        return Ok(());
    };
    let shown = err.to_string();
    prop_assert!(shown.starts_with("/etc/livemod/config.toml"), "{shown}");
    // When toml can point at the problem, the message gives its line.
    if let Err(e) = toml::from_str::<Config>(text)
        && let Some(span) = e.span()
    {
        let start = span.start.min(text.len());
        let line = text.as_bytes()[..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        prop_assert!(
            shown.starts_with(&format!("/etc/livemod/config.toml:{line}: ")),
            "expected line {line} in {shown}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(600))]

    #[test]
    fn config_tomlish_text(text in tomlish()) {
        check_config(&text)?;
    }

    #[test]
    fn config_arbitrary_text(text in "(?s).{0,300}") {
        check_config(&text)?;
    }

    #[test]
    fn config_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check_config(&String::from_utf8_lossy(&bytes))?;
    }
}

#[test]
fn config_errors_inside_multibyte_text_do_not_panic() {
    for text in [
        "é = 1",
        "moderator_id = \"é",
        "x = \"\u{1F600}\"\u{1F600}",
        "[é\n",
        "mouse = \"😀😀😀\"",
        "a = 1\n\u{feff}b",
        "\u{0}",
    ] {
        check_config(text).unwrap();
    }
}
