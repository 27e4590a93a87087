//! Tests of bulk input parsing (kept apart so input.rs stays readable).

use super::*;
use crate::api::validate;
use crate::bulk::failures::{write_create_failures, write_target_failures};
use crate::bulk::targets::{parse_targets, read_targets};
use proptest::prelude::*;

#[test]
fn jsonl_creates_parse_and_validate() {
    let text = r#"
# event groups
{"group_id":"g1","name":"Main","info":"i","admins":["a1","a2"],"creator":"c1"}

{"group_id":"g2"}
"#;
    let rows = parse_creates(text, CreateFormat::JsonLines, "demo", None, Some("mod")).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line, 3);
    assert_eq!(rows[0].item.administrators, vec!["a1", "a2"]);
    assert_eq!(rows[0].item.creator_id.as_deref(), Some("c1"));
    assert_eq!(rows[1].line, 5);
    assert_eq!(rows[1].item.creator_id.as_deref(), Some("mod"));
    assert_eq!(rows[1].item.app_id, "demo");
}

#[test]
fn jsonl_errors_name_lines() {
    let text = "{\"group_id\":\"g1\"}\n{\"group_id\":\"g 2\"}\n{\"group\":\"g3\"}\nnot json\n{\"group_id\":\"g1\"}\n{\"group_id\":\"g5\",\"admins\":[\"a\",\"b\",\"c\",\"d\"]}\n";
    let err = parse_creates(text, CreateFormat::JsonLines, "demo", None, None).unwrap_err();
    let lines: Vec<usize> = err.0.iter().map(|e| e.line).collect();
    // Syntax errors are reported first (lines 3, 4), then validation.
    assert_eq!(lines, vec![3, 4], "{err}");
    let err = parse_creates(
        "{\"group_id\":\"g1\"}\n{\"group_id\":\"g 2\"}\n{\"group_id\":\"g1\"}\n{\"group_id\":\"g5\",\"admins\":[\"a\",\"b\",\"c\",\"d\"]}\n",
        CreateFormat::JsonLines,
        "demo",
        None,
        None,
    )
    .unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("line 2: GroupId"), "{shown}");
    assert!(
        shown.contains("line 3: GroupId g1 repeats line 1"),
        "{shown}"
    );
    assert!(shown.contains("line 4: Administrators"), "{shown}");
}

#[test]
fn csv_creates_parse_with_admin_lists_and_quotes() {
    let text = "group_id,name,admins,creator,info\n\
                g1,\"Main, hall\",a1;a2,c1,\n\
                \n\
                g2,,,,\"multi\nline\"\n\
                g3,Third,a3,,x\n";
    let rows = parse_create_csv(text).unwrap().rows;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].item.name.as_deref(), Some("Main, hall"));
    assert_eq!(rows[0].item.admins, vec!["a1", "a2"]);
    assert_eq!(rows[0].line, 2);
    assert_eq!(rows[1].item.info.as_deref(), Some("multi\nline"));
    assert_eq!(rows[1].item.admins, Vec::<String>::new());
    assert_eq!(rows[2].line, 6);
}

#[test]
fn csv_errors_name_lines() {
    let err = parse_create_csv("group,name\ng1,x\n").unwrap_err();
    assert_eq!(err.0[0].line, 1);
    assert!(
        err.to_string().contains("unknown column \"group\""),
        "{err}"
    );
    let err = parse_create_csv("name\nx\n").unwrap_err();
    assert!(err.to_string().contains("no group_id"), "{err}");
    let err = parse_create_csv("group_id,name\ng1,x\ng2,x,extra\n").unwrap_err();
    assert_eq!(err.0[0].line, 3, "{err}");
    let err =
        parse_creates("group_id\ng1\ng!\n", CreateFormat::Csv, "demo", None, None).unwrap_err();
    assert_eq!(err.0[0].line, 3, "{err}");
}

#[test]
fn targets_plain_and_jsonl() {
    let t = parse_targets("# announce\ng1\n\n  g2  \n{\"group_id\":\"g3\"}\n").unwrap();
    let ids: Vec<(usize, &str)> = t.groups.iter().map(|g| (g.line, g.item.as_str())).collect();
    assert_eq!(ids, vec![(2, "g1"), (4, "g2"), (5, "g3")]);
    assert!(t.json_lines);
    let err = parse_targets("g1\ng-2\n{\"gid\":1}\ng1\n").unwrap_err();
    let lines: Vec<usize> = err.0.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3, 4], "{err}");
    assert!(!parse_targets("a\nb\n").unwrap().json_lines);
}

#[test]
fn failure_files_parse_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let reqs = parse_creates(
        "group_id,name,info,admins,creator\ng1,\"A, b\",\"x\ny\",a1;a2,c\ng2,,,,\n",
        CreateFormat::Csv,
        "demo",
        None,
        None,
    )
    .unwrap();
    let refs: Vec<&CreateGroupRequest> = reqs.iter().map(|r| &r.item).collect();
    for format in [CreateFormat::Csv, CreateFormat::JsonLines] {
        let path = dir.path().join("f");
        write_create_failures(&path, format, &refs).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let back = parse_creates(&text, format, "demo", None, None).unwrap();
        let back: Vec<_> = back.into_iter().map(|l| l.item).collect();
        let orig: Vec<_> = reqs.iter().map(|l| l.item.clone()).collect();
        assert_eq!(back, orig, "{format:?}: {text}");
    }
    for json in [true, false] {
        let path = dir.path().join("t");
        write_target_failures(&path, json, &["g1", "g2"]).unwrap();
        let t = parse_targets(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(t.json_lines, json);
        assert_eq!(t.groups.len(), 2);
    }
}

#[test]
fn format_detection() {
    assert_eq!(
        detect_create_format(Path::new("x.csv"), "{"),
        CreateFormat::Csv
    );
    assert_eq!(
        detect_create_format(Path::new("x.jsonl"), "group_id"),
        CreateFormat::JsonLines
    );
    assert_eq!(
        detect_create_format(Path::new("x.txt"), "  {\"group_id\":1}"),
        CreateFormat::JsonLines
    );
    assert_eq!(
        detect_create_format(Path::new("x"), "group_id\n"),
        CreateFormat::Csv
    );
}

proptest! {
    #[test]
    fn parsers_never_panic(text in "(?s).{0,400}") {
        let _ = parse_creates(&text, CreateFormat::JsonLines, "demo", None, None);
        let _ = parse_creates(&text, CreateFormat::Csv, "demo", None, None);
        let _ = parse_targets(&text);
    }

    #[test]
    fn parsers_never_panic_on_structured_noise(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("group_id,name,admins".to_string()),
                Just("{\"group_id\":\"g\"}".to_string()),
                "[a-z0-9,;\"{}:# \\[\\]]{0,30}",
            ],
            0..12,
        )
    ) {
        let text = lines.join("\n");
        let _ = parse_creates(&text, CreateFormat::JsonLines, "demo", None, None);
        let _ = parse_creates(&text, CreateFormat::Csv, "demo", None, None);
        if let Ok(t) = parse_targets(&text) {
            for g in &t.groups {
                prop_assert!(validate::id("GroupId", &g.item).is_ok());
            }
        }
    }
}

#[test]
fn csv_unterminated_quote_is_an_error_naming_the_line() {
    // Today's csv crate reads this as ONE row named "unterminated\nq2,x".
    let err = parse_create_csv("group_id,name\nq1,\"unterminated\nq2,x\n").unwrap_err();
    assert_eq!(err.0[0].line, 2, "{err}");
    assert!(err.to_string().contains("never closed"), "{err}");
}

#[test]
fn jsonl_with_a_bom_is_accepted() {
    let text = "\u{feff}{\"group_id\":\"g1\"}\n{\"group_id\":\"g2\"}\n";
    assert_eq!(
        detect_create_format(Path::new("x"), text),
        CreateFormat::JsonLines
    );
    let rows = parse_creates(text, CreateFormat::JsonLines, "demo", None, None).unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r.item.group_id.as_str()).collect();
    assert_eq!(ids, ["g1", "g2"]);
}

#[test]
fn api_names_are_accepted_in_csv_and_jsonl() {
    let csv = "GroupId,GroupName,GroupInfo,AdminList,CreatorId\ng1,Main,i,a1;a2,c1\n";
    let jsonl = concat!(
        r#"{"GroupId":"g1","GroupName":"Main","GroupInfo":"i","Administrators":"a1,a2","CreatorId":"c1"}"#,
        "\n"
    );
    for (text, format) in [(csv, CreateFormat::Csv), (jsonl, CreateFormat::JsonLines)] {
        let rows = parse_creates(text, format, "demo", None, None).unwrap();
        assert_eq!(rows.len(), 1, "{format:?}");
        let r = &rows[0].item;
        assert_eq!(r.group_id, "g1");
        assert_eq!(r.group_name.as_deref(), Some("Main"));
        assert_eq!(r.group_info.as_deref(), Some("i"));
        assert_eq!(r.administrators, ["a1", "a2"]);
        assert_eq!(r.creator_id.as_deref(), Some("c1"));
    }
    // The same column under two names is ambiguous.
    assert!(parse_create_csv("group_id,GroupId\ng1,g2\n").is_err());
}

#[test]
fn groups_list_json_output_is_accepted_whole_or_per_line() {
    let listing = crate::api::ListGroupsResponse {
        request_id: "R".into(),
        total_count: 3,
        page_number: 1,
        page_size: 3,
        group_list: vec![
            group("g1", false, &["a1"]),
            group("g2", true, &[]),
            group("g3", false, &[]),
        ],
    };
    // `groups list --all --json` prints the reply pretty.
    let whole = serde_json::to_string_pretty(&listing).unwrap();
    let per_line: String = listing
        .group_list
        .iter()
        .map(|g| serde_json::to_string(g).unwrap() + "\n")
        .collect();
    for text in [whole, per_line] {
        assert_eq!(
            detect_create_format(Path::new("groups.out"), &text),
            CreateFormat::JsonLines
        );
        let input =
            parse_create_input(&text, CreateFormat::JsonLines, "other", None, None).unwrap();
        let ids: Vec<&str> = input
            .rows
            .iter()
            .map(|r| r.item.group_id.as_str())
            .collect();
        assert_eq!(ids, ["g1", "g3"], "{text}");
        assert_eq!(input.rows[0].item.administrators, ["a1"]);
        assert_eq!(input.rows[0].item.group_name.as_deref(), Some("name g1"));
        assert_eq!(input.rows[0].item.app_id, "other");
        let skipped: Vec<&str> = input
            .skipped_deleted
            .iter()
            .map(|s| s.item.as_str())
            .collect();
        assert_eq!(skipped, ["g2"]);
    }
}

fn group(id: &str, deleted: bool, admins: &[&str]) -> crate::api::Group {
    crate::api::Group {
        group_id: id.into(),
        group_name: format!("name {id}"),
        group_info: String::new(),
        creator_id: "c1".into(),
        admin_list: admins.iter().map(|a| a.to_string()).collect(),
        createtime: 1_700_000_000,
        delete: deleted,
    }
}

#[test]
fn more_groups_than_an_app_holds_stop_at_the_line() {
    let mut text = String::new();
    for i in 0..=MAX_GROUPS {
        text.push_str(&format!("g{i}\n"));
    }
    let err = parse_targets(&text).unwrap_err();
    assert_eq!(err.0[0].line, MAX_GROUPS + 1, "{err}");
    assert!(err.to_string().contains("at most 5000"), "{err}");
    let csv = format!("group_id\n{text}");
    let err = parse_create_csv(&csv).unwrap_err();
    assert_eq!(err.0[0].line, MAX_GROUPS + 2, "{err}");
}

#[test]
fn endless_inputs_are_refused_in_bounded_reads() {
    let dir = tempfile::tempdir().unwrap();
    // A line with no end (as /dev/zero would give, without the NULs).
    let long = dir.path().join("long");
    std::fs::write(&long, "g".repeat(100_000)).unwrap();
    let err = read_targets(&long).unwrap_err().to_string();
    assert!(err.contains("line 1: longer than"), "{err}");
    let zeros = dir.path().join("zeros");
    std::fs::write(&zeros, vec![0u8; 100_000]).unwrap();
    let err = read_text_capped(&zeros, 1 << 20, "")
        .unwrap_err()
        .to_string();
    assert!(err.contains("NUL"), "{err}");
    let body = dir.path().join("body");
    std::fs::write(&body, "x".repeat(limits::BODY_MAX + 1)).unwrap();
    let err = read_body(&body).unwrap_err();
    assert!(matches!(err, InputError::TooLarge { .. }), "{err}");
    std::fs::write(&body, "x".repeat(limits::BODY_MAX)).unwrap();
    assert_eq!(read_body(&body).unwrap().len(), limits::BODY_MAX);
}

#[cfg(unix)]
#[test]
fn dev_zero_is_refused() {
    let err = read_body(Path::new("/dev/zero")).unwrap_err().to_string();
    assert!(err.contains("NUL"), "{err}");
    let err = read_targets(Path::new("/dev/zero"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 1"), "{err}");
}

/// A name as a CSV writer would quote it, or (when `corrupt`) with an opening
/// quote that never closes.
fn csv_field(name: &str, corrupt: bool) -> String {
    if corrupt {
        format!("\"{}", name.replace('"', ""))
    } else if name.contains([',', '"', '\n']) || name.trim() != name {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}

proptest! {
    /// Whatever parses must be exactly what was written: a row swallowed by
    /// an unterminated quote fails this (the old test ignored successes).
    #[test]
    fn csv_parses_are_exact_or_refused(
        rows in proptest::collection::vec(
            ("[a-z0-9]{1,8}", "[a-zA-Z ,\"]{1,12}", proptest::bool::weighted(0.15)),
            1..8,
        )
    ) {
        let mut text = String::from("group_id,name\n");
        for (i, (id, name, corrupt)) in rows.iter().enumerate() {
            text.push_str(&format!("{id}{i},{}\n", csv_field(name, *corrupt)));
        }
        let any_corrupt = rows.iter().any(|r| r.2);
        match parse_create_csv(&text) {
            Ok(parsed) => {
                prop_assert!(!any_corrupt, "a corrupt file parsed: {text:?} → {parsed:?}");
                prop_assert_eq!(parsed.rows.len(), rows.len(), "{:?}", text);
                for (got, (i, (id, name, _))) in parsed.rows.iter().zip(rows.iter().enumerate()) {
                    prop_assert_eq!(&got.item.group_id, &format!("{id}{i}"));
                    let trimmed = name.trim();
                    let want = (!trimmed.is_empty()).then(|| trimmed.to_string());
                    prop_assert_eq!(&got.item.name, &want);
                }
            }
            Err(e) => prop_assert!(any_corrupt, "a clean file was refused: {text:?}: {e}"),
        }
    }

    #[test]
    fn jsonl_parses_are_exact(
        ids in proptest::collection::btree_set("[a-z0-9]{1,12}", 1..10),
        bom in proptest::bool::ANY,
    ) {
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        for id in &ids {
            text.push_str(&serde_json::json!({ "group_id": id }).to_string());
            text.push('\n');
        }
        let parsed = parse_creates(&text, CreateFormat::JsonLines, "demo", None, None).unwrap();
        let got: Vec<&str> = parsed.iter().map(|r| r.item.group_id.as_str()).collect();
        let want: Vec<&str> = ids.iter().map(String::as_str).collect();
        prop_assert_eq!(got, want);
    }
}

/// Two unclosed quotes pair up into one quoted field that starts with a line
/// break; trimming that break away once let the swallowed row through.
#[test]
fn two_unclosed_quotes_that_pair_up_are_refused() {
    let text = "group_id,name\n00,\" \na1,\"\n";
    let err = parse_create_csv(text).unwrap_err().to_string();
    assert!(err.contains("runs over several lines"), "{err}");
}
