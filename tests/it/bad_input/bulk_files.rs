//! Bad input: bulk input files.

use super::*;

fn check_lines(text: &str, result: Result<usize, ParseErrors>) -> Result<(), TestCaseError> {
    let lines = text.split('\n').count();
    if let Err(errors) = result {
        prop_assert!(!errors.0.is_empty());
        for e in &errors.0 {
            prop_assert!(
                (1..=lines).contains(&e.line),
                "line {} in a file of {lines} lines: {e}",
                e.line
            );
        }
        let shown = errors.to_string();
        prop_assert!(shown.starts_with("line "), "{shown}");
    }
    Ok(())
}

fn bulk_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("group_id,name,info,admins,creator".to_string()),
        Just("group_id".to_string()),
        Just("g1,Name,info,a1;a2,mod1".to_string()),
        Just("g1".to_string()),
        Just("bad-id,x".to_string()),
        Just("\"multi\nline\",x".to_string()),
        Just("\"unterminated,x".to_string()),
        Just("{\"group_id\":\"g2\"}".to_string()),
        Just("{\"group_id\":1}".to_string()),
        Just("{\"group_id\":\"g3\",\"extra\":1}".to_string()),
        Just("# comment".to_string()),
        Just(String::new()),
        Just("\r".to_string()),
        Just("a,b,c,d,e,f,g".to_string()),
        "[a-z0-9,;\"{}:#\r ]{0,20}",
        ".{0,20}",
    ];
    proptest::collection::vec(line, 0..15).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(config(500))]

    /// `src/bulk.rs` already proves the parsers never panic; this adds that
    /// every reported line number exists in the file.
    #[test]
    fn bulk_errors_name_lines_that_exist(text in bulk_text()) {
        for format in [CreateFormat::Csv, CreateFormat::JsonLines] {
            let r = parse_creates(&text, format, "demo", None, Some("mod1")).map(|v| v.len());
            check_lines(&text, r)?;
        }
        check_lines(&text, parse_targets(&text).map(|t| t.groups.len()))?;
    }
}
