use super::*;
use proptest::prelude::*;

fn msg(body: &str) -> Message {
    Message {
        room: "room1".into(),
        msg_tid: format!("tid{}", body.len()),
        sender_id: "viewer1".into(),
        body: body.into(),
        seq: 1,
        timestamp: 1_700_000_000,
        ..Message::default()
    }
}

fn rules(text: &str) -> RuleSet {
    RuleSet::from_config_str(text).unwrap_or_else(|e| panic!("{e}"))
}

fn reasons(set: &mut RuleSet, body: &str) -> Vec<Reason> {
    set.check(&msg(body))
        .into_iter()
        .flat_map(|f| f.reasons)
        .collect()
}

#[test]
fn words_match_english_and_chinese_whatever_the_case() {
    let mut set = rules(
        r#"
        [[rules]]
        name = "ads"
        words = ["Buy Followers", "加微信", "ÉCOLE"]
        "#,
    );
    assert_eq!(
        reasons(&mut set, "cheap! BUY followers now"),
        vec![Reason::Words(vec!["Buy Followers".into()])]
    );
    assert_eq!(
        reasons(&mut set, "想要的加微信123"),
        vec![Reason::Words(vec!["加微信".into()])]
    );
    assert_eq!(
        reasons(&mut set, "une école"),
        vec![Reason::Words(vec!["ÉCOLE".into()])]
    );
    assert!(reasons(&mut set, "buy some followers").is_empty());
}

#[test]
fn whole_words_skip_words_inside_longer_latin_words_but_not_in_chinese() {
    let mut set = rules(
        r#"
        [[rules]]
        words = ["ass", "傻"]
        whole_words = true
        "#,
    );
    assert!(reasons(&mut set, "first class passenger").is_empty());
    assert_eq!(reasons(&mut set, "you ass!").len(), 1);
    assert_eq!(reasons(&mut set, "你真傻啊").len(), 1);
    // Without whole_words the substring counts.
    let mut loose = rules("[[rules]]\nwords = [\"ass\"]\n");
    assert_eq!(reasons(&mut loose, "first class").len(), 1);
}

#[test]
fn a_flag_names_the_rule_its_action_and_every_reason() {
    let mut set = rules(
        r#"
        [[rules]]
        name = "quiet"
        words = ["spam"]
        [[rules]]
        name = "no links"
        links = true
        regex = "free\\s+gift"
        action = "recall"
        "#,
    );
    let flags = set.check(&msg("FREE  gift at www.example.com/x?y=1 spam"));
    assert_eq!(flags.len(), 2);
    assert_eq!((flags[0].rule, &*flags[0].rule_name), (0, "quiet"));
    assert_eq!(flags[0].action, Action::None);
    assert_eq!((flags[1].rule, &*flags[1].rule_name), (1, "no links"));
    assert_eq!(flags[1].action, Action::Recall);
    assert_eq!(
        flags[1].reasons,
        vec![
            Reason::Regex("FREE  gift".into()),
            Reason::Link("www.example.com/x?y=1".into())
        ]
    );
}

#[test]
fn links_are_found_with_or_without_a_scheme_and_not_inside_words() {
    let mut set = rules("[[rules]]\nlinks = true\n");
    for (body, link) in [
        ("see https://t.co/abc", "https://t.co/abc"),
        ("加我 scam-site.xyz 领奖", "scam-site.xyz"),
        ("加我scam.top领奖", "scam.top"),
        ("go to Example.COM now", "Example.COM"),
    ] {
        assert_eq!(
            reasons(&mut set, body),
            vec![Reason::Link(link.into())],
            "{body}"
        );
    }
    for body in [
        "no link here",
        "mail me at me@example.com",
        "a sentence.then another",
        "version 1.2.3",
    ] {
        assert!(reasons(&mut set, body).is_empty(), "{body}");
    }
}

#[test]
fn caps_flags_shouting_but_not_short_or_mixed_text() {
    let mut set = rules("[[rules]]\ncaps = true\ncaps_min_letters = 8\n");
    assert_eq!(
        reasons(&mut set, "THIS IS SO BAD!!!"),
        vec![Reason::Caps { upper_percent: 100 }]
    );
    assert!(reasons(&mut set, "OK LOL").is_empty(), "too few letters");
    assert!(reasons(&mut set, "This Is Just Title Case").is_empty());
    assert!(reasons(&mut set, "全部都是中文没有大小写的字母").is_empty());
}

#[test]
fn repeat_counts_the_same_sender_and_text_within_the_window() {
    let mut set = rules("[[rules]]\nrepeat = 3\nrepeat_window = \"60s\"\n");
    let post = |seq: i64, at: i64, sender: &str, body: &str| Message {
        room: "room1".into(),
        msg_tid: format!("m{seq}"),
        sender_id: sender.into(),
        body: body.into(),
        seq,
        timestamp: 1_700_000_000 + at,
        ..Message::default()
    };
    assert!(set.check(&post(1, 0, "u1", "hello")).is_empty());
    assert!(set.check(&post(2, 10, "u1", "HELLO ")).is_empty());
    // Another sender and other text do not count toward u1's "hello".
    assert!(set.check(&post(3, 11, "u2", "hello")).is_empty());
    assert!(set.check(&post(4, 12, "u1", "hello there")).is_empty());
    // The same message seen again (a polling overlap) counts once.
    assert!(set.check(&post(2, 10, "u1", "HELLO ")).is_empty());
    let third = set.check(&post(5, 20, "u1", "hello"));
    assert_eq!(
        third[0].reasons,
        vec![Reason::Repeat {
            count: 3,
            window: Duration::from_secs(60)
        }]
    );
    let count = |flags: Vec<Flag>| match flags.first().map(|f| &f.reasons[0]) {
        Some(Reason::Repeat { count, .. }) => *count,
        _ => 0,
    };
    assert_eq!(count(set.check(&post(6, 25, "u1", "hello"))), 4);
    // At 75 s the posts at 0 and 10 s have left the 60 s window: 20, 25, 75.
    assert_eq!(count(set.check(&post(7, 75, "u1", "hello"))), 3);
    // At 130 s only this one and the one at 75 s are left.
    assert_eq!(count(set.check(&post(8, 130, "u1", "hello"))), 0);
}

#[test]
fn profanity_sees_through_obfuscation_and_respects_the_threshold() {
    let mut set = rules("[[rules]]\nprofanity = \"moderate\"\n");
    assert_eq!(
        reasons(&mut set, "f u c k you"),
        vec![Reason::Profanity {
            at_least: Severity::Moderate
        }]
    );
    assert_eq!(reasons(&mut set, "you are a b1tch").len(), 1);
    assert!(reasons(&mut set, "what a lovely stream").is_empty());
    assert!(reasons(&mut set, "the assassin class").is_empty());
    let mut severe = rules("[[rules]]\nprofanity = \"severe\"\n");
    assert!(
        reasons(&mut severe, "crap").is_empty(),
        "mild is below severe"
    );
}

#[test]
fn no_rules_flag_nothing() {
    let mut set = rules("moderator_id = \"m1\"\n");
    assert!(set.is_empty());
    assert!(set.check(&msg("anything at all http://x.com")).is_empty());
}

fn error(text: &str) -> String {
    RuleSet::from_config_str(text).unwrap_err().to_string()
}

#[test]
fn errors_name_the_rule_and_the_field() {
    let text = "[[rules]]\nwords = [\"a\"]\n[[rules]]\nname = \"bad\"\nregex = \"(unclosed\"\n";
    let e = error(text);
    assert!(e.starts_with("rule #2 (\"bad\"), field `regex`: "), "{e}");
    assert!(e.contains("unclosed"), "{e}");

    let e = error("[[rules]]\nrepeat = \"three\"\n");
    assert!(e.starts_with("rule #1, field `repeat`: "), "{e}");
    let e = error("[[rules]]\nrepeat = 1\n");
    assert!(e.contains("field `repeat`: is 1"), "{e}");
    let e = error("[[rules]]\nword = [\"x\"]\n");
    assert!(e.contains("field `word`: unknown field"), "{e}");
    let e = error("[[rules]]\nwords = [\"x\", \" \"]\n");
    assert!(e.contains("field `words`: word 2 is empty"), "{e}");
    let e = error("[[rules]]\nprofanity = \"awful\"\n");
    assert!(e.contains("field `profanity`"), "{e}");
    let e = error("[[rules]]\nlinks = true\naction = \"ban\"\n");
    assert!(e.contains("field `action`"), "{e}");
    let e = error("[[rules]]\nname = \"empty\"\naction = \"mute\"\n");
    assert!(e.starts_with("rule #1 (\"empty\"): tests nothing"), "{e}");
    let e = error("[[rules]]\ncaps_ratio = 0.5\nlinks = true\n");
    assert!(e.contains("field `caps_ratio`: needs `caps = true`"), "{e}");
    let e = error("[[rules]]\ncaps = true\ncaps_ratio = 1.5\n");
    assert!(e.contains("field `caps_ratio`: is 1.5"), "{e}");
    let e = error("[[rules]]\nrepeat = 3\nrepeat_window = \"soon\"\n");
    assert!(e.contains("field `repeat_window`"), "{e}");
    let e = error("rules = 3\n");
    assert!(e.contains("must be a list of tables"), "{e}");
}

#[test]
fn actions_are_off_unless_a_rule_opts_in() {
    let mut set =
        rules("[[rules]]\nwords = [\"x\"]\n[[rules]]\nwords = [\"x\"]\naction = \"mute\"\n");
    let flags = set.check(&msg("x"));
    assert_eq!(
        flags.iter().map(|f| f.action).collect::<Vec<_>>(),
        [Action::None, Action::Mute]
    );
}

#[test]
fn hundreds_of_words_build_one_automaton_and_report_a_few() {
    let words: Vec<String> = (0..800).map(|i| format!("\"bad{i:03}\"")).collect();
    let mut set = rules(&format!("[[rules]]\nwords = [{}]\n", words.join(",")));
    let found = reasons(&mut set, "BAD001 bad002 bad003 bad004 bad005 bad006 bad799");
    let Reason::Words(found) = &found[0] else {
        panic!("{found:?}")
    };
    assert_eq!(found.len(), WORDS_REPORTED);
    assert_eq!(found[0], "bad001");
}

fn flip_case(text: &str, mask: &[bool]) -> String {
    text.chars()
        .zip(mask.iter().cycle())
        .map(|(c, &up)| {
            if up {
                c.to_uppercase().collect::<String>()
            } else {
                c.to_lowercase().collect()
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn checking_never_panics_on_any_text(body in any::<String>(), ts in any::<i64>(), seq in any::<i64>()) {
        let mut set = rules(
            r#"
            [[rules]]
            words = ["spam", "加微信", "x"]
            whole_words = true
            regex = "(a|b)+c"
            links = true
            repeat = 2
            caps = true
            caps_min_letters = 1
            profanity = "mild"
            "#,
        );
        let m = Message { body, timestamp: ts, seq, ..Message::default() };
        set.check(&m);
        set.check(&m);
    }

    #[test]
    fn a_listed_word_is_found_whatever_its_case_and_surroundings(
        word in "[a-zA-Z0-9\u{4e00}-\u{4e80}éèàçüöÉÀÇÜÖ]{1,12}",
        mask in proptest::collection::vec(any::<bool>(), 1..12),
        before in "[ a-z\u{4e00}-\u{4e80}]{0,10}",
        after in "[ a-z\u{4e00}-\u{4e80}]{0,10}",
    ) {
        let quoted = toml::Value::String(word.clone()).to_string();
        let mut set = rules(&format!("[[rules]]\nwords = [{quoted}]\n"));
        let body = format!("{before}{}{after}", flip_case(&word, &mask));
        let found = reasons(&mut set, &body);
        prop_assert_eq!(found, vec![Reason::Words(vec![word])]);
    }
}
