//! Bad input never panics, and is refused with an error that says what was wrong.
//!
//! - request validators against an oracle written from the documented rules;
//! - `decode_reply` for every response type with truncated, HTML, wrongly typed,
//!   arbitrary and huge bodies at any status, with and without retry-after;
//! - `Config::parse` with TOML-ish text and arbitrary bytes;
//! - `credentials::resolve` with broken `config.json` / `credentials` files that
//!   hold a recognisable secret, which must never appear in an error;
//! - bulk input files: every error names a line that exists.
//!
//! The emulator's own fuzzing (arbitrary queries, forms, headers) lives in
//! `tests/emulator.rs` (`mod fuzz`) and is not repeated here.

use std::path::Path;
use std::time::Duration;

use livemod::api::client::decode_reply;
use livemod::api::{
    ApiError, CreateGroupRequest, CreateGroupResponse, DeleteGroupRequest, DeleteGroupResponse,
    GroupStatus, ListGroupsRequest, ListGroupsResponse, Operation, SendMessageRequest,
    SendMessageResponse, SortType,
};
use livemod::bulk::{CreateFormat, ParseErrors, parse_creates, parse_targets};
use livemod::config::Config;
use livemod::credentials::{self, Lookup};
use proptest::prelude::*;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ------------------------------------------------------------ validators

/// The documented rules, written independently of `src/api/validate.rs`.
mod oracle {
    pub fn id_ok(v: &str) -> bool {
        !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric())
    }
    /// IDs livemod did not make (#9): only emptiness and the 64-byte limit.
    pub fn any_id_ok(v: &str) -> bool {
        !v.is_empty() && v.len() <= 64
    }
    /// Optional IDs: absent (or empty, which is sent as absent) is fine.
    pub fn opt_id_ok(v: &Option<String>) -> bool {
        v.as_deref().is_none_or(|v| v.is_empty() || id_ok(v))
    }
    pub fn opt_bytes_ok(v: &Option<String>, limit: usize) -> bool {
        v.as_deref().is_none_or(|v| v.len() <= limit)
    }
}

/// Strings that straddle the ID rules: good IDs of every length around 64,
/// IDs with one bad character (ASCII punctuation, non-ASCII letters), anything.
fn id_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9]{0,70}",
        (
            "[A-Za-z0-9]{0,66}",
            "[-_ .é€😀ÄΩ\u{0}\t]",
            "[A-Za-z0-9]{0,3}"
        )
            .prop_map(|(a, b, c)| format!("{a}{b}{c}")),
        ".{0,20}",
    ]
}

/// Strings around a byte limit, with multi-byte tails so bytes ≠ characters.
fn sized(limit: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,20}",
        (
            limit.saturating_sub(4)..=limit + 2,
            prop_oneof![Just(""), Just("é"), Just("€"), Just("😀")]
        )
            .prop_map(|(n, tail)| format!("{}{tail}", "x".repeat(n))),
        (0..limit / 4, Just('€')).prop_map(|(n, c)| c.to_string().repeat(n)),
    ]
}

fn opt<S: Strategy<Value = String>>(s: S) -> impl Strategy<Value = Option<String>> {
    proptest::option::of(s)
}

fn page_value(edge: u32) -> impl Strategy<Value = u32> {
    prop_oneof![0..=edge + 2, any::<u32>(), Just(u32::MAX)]
}

/// Checks one request against the oracle: accepted exactly when every field is
/// good; a rejection names one of the bad fields.
fn judge(
    result: Result<(), livemod::api::validate::ValidationError>,
    fields: &[(&str, bool)],
) -> Result<(), TestCaseError> {
    let bad: Vec<&str> = fields
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(f, _)| *f)
        .collect();
    match result {
        Ok(()) => prop_assert!(bad.is_empty(), "accepted, but {bad:?} break the rules"),
        Err(e) => {
            prop_assert!(!bad.is_empty(), "rejected a valid request: {e}");
            prop_assert!(
                bad.contains(&e.field),
                "error names {}, but the bad fields are {bad:?}",
                e.field
            );
            let text = e.to_string();
            prop_assert!(text.contains(e.field), "{text}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn create_validation_matches_the_documented_rules(
        app_id in id_string(),
        group_id in id_string(),
        group_name in opt(sized(128)),
        group_info in opt(sized(32 * 1024)),
        administrators in proptest::collection::vec(id_string(), 0..6),
        creator_id in opt(id_string()),
    ) {
        let req = CreateGroupRequest {
            app_id, group_id, group_name, group_info, administrators, creator_id,
            data_center: None,
        };
        judge(req.validate(), &[
            ("AppId", oracle::any_id_ok(&req.app_id)),
            ("GroupId", oracle::id_ok(&req.group_id)),
            ("GroupName", oracle::opt_bytes_ok(&req.group_name, 128)),
            ("GroupInfo", oracle::opt_bytes_ok(&req.group_info, 32768)),
            ("Administrators", req.administrators.len() <= 3
                && req.administrators.iter().all(|a| oracle::id_ok(a))),
            ("CreatorId", oracle::opt_id_ok(&req.creator_id)),
        ])?;
    }

    #[test]
    fn delete_validation_matches_the_documented_rules(
        app_id in id_string(),
        group_id in id_string(),
        operator_id in opt(id_string()),
    ) {
        let req = DeleteGroupRequest { app_id, group_id, operator_id, data_center: None };
        judge(req.validate(), &[
            ("AppId", oracle::any_id_ok(&req.app_id)),
            ("GroupId", oracle::any_id_ok(&req.group_id)),
            ("OperatorId", oracle::opt_id_ok(&req.operator_id)),
        ])?;
    }

    #[test]
    fn list_validation_matches_the_documented_rules(
        app_id in id_string(),
        page_size in page_value(50),
        page_number in page_value(10_000),
        asc in any::<bool>(),
        status in 0..3u8,
    ) {
        let req = ListGroupsRequest {
            app_id,
            sort_type: if asc { SortType::Asc } else { SortType::Desc },
            page_size,
            page_number,
            group_status: [GroupStatus::All, GroupStatus::Existing, GroupStatus::Deleted][status as usize],
            data_center: None,
        };
        judge(req.validate(), &[
            ("AppId", oracle::any_id_ok(&req.app_id)),
            ("PageSize", (1..=50).contains(&req.page_size)),
            ("PageNumber", (1..=10_000).contains(&req.page_number)),
        ])?;
    }

    #[test]
    fn send_validation_matches_the_documented_rules(
        app_id in id_string(),
        group_id in id_string(),
        sender_id in id_string(),
        sender_meta_info in opt(sized(512)),
        body in opt(sized(15 * 1024)),
        msg_tid in opt(id_string()),
        msg_type in proptest::option::of(any::<i64>()),
        weight in proptest::option::of(any::<i64>()),
    ) {
        let req = SendMessageRequest {
            app_id, group_id, sender_id, sender_meta_info, body, msg_tid, msg_type, weight,
            ..Default::default()
        };
        judge(req.validate(), &[
            ("AppId", oracle::any_id_ok(&req.app_id)),
            ("GroupId", oracle::any_id_ok(&req.group_id)),
            ("SenderId", oracle::any_id_ok(&req.sender_id)),
            ("SenderMetaInfo", oracle::opt_bytes_ok(&req.sender_meta_info, 512)),
            ("Body", oracle::opt_bytes_ok(&req.body, 15360)),
            ("MsgTid", oracle::opt_id_ok(&req.msg_tid)),
        ])?;
    }
}

// ------------------------------------------------------------ reply decoding

const LIST_REPLY: &str = r#"{"RequestId":"B5D95365-5A46-1A6A-BBF5-C7B6BDED0001","TotalCount":2,"PageNumber":1,"PageSize":20,"GroupList":[{"GroupId":"g1","GroupName":"Room ü","GroupInfo":"{\"k\":1}","CreatorId":"mod1","AdminList":["a1","a2"],"Createtime":1698299727,"Delete":false},{"GroupId":"g2","Createtime":1698299728,"Delete":true}]}"#;
const CREATE_REPLY: &str = r#"{"RequestId":"B5D95365-5A46-1A6A-BBF5-C7B6BDED0002","GroupId":"g1","AlreadyExists":false,"AlreadyDelete":false}"#;
const DELETE_REPLY: &str = r#"{"RequestId":"B5D95365-5A46-1A6A-BBF5-C7B6BDED0003","GroupId":"g1"}"#;
const SEND_REPLY: &str = r#"{"RequestId":"B5D95365-5A46-1A6A-BBF5-C7B6BDED0004","MsgTid":"0123456789abcdef0123456789abcdef"}"#;
const ERROR_REPLY: &str = r#"{"RequestId":"B5D95365-5A46-1A6A-BBF5-C7B6BDED0005","HostId":"live.aliyuncs.com","Code":"ResourceNotExist","Message":"The specified group does not exist.","Recommend":"https://api.aliyun.com/troubleshoot?q=ResourceNotExist"}"#;

/// What a body is, as far as the oracle is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A complete, well-formed reply of the expected type.
    Reply,
    /// A service error body with this code.
    Error(&'static str),
    /// Anything else: truncated, HTML, wrong types, noise.
    Garbage,
    /// Unknown (arbitrary bytes): only the never-panic and consistency checks apply.
    Unknown,
}

/// Longest error text accepted for a bad reply: it goes to a terminal and a log line.
const MAX_DECODE_TEXT: usize = 2048;

/// The documented classification, applied to one decode result.
fn classify<R: std::fmt::Debug>(
    result: Result<R, ApiError>,
    kind: Kind,
    status: u16,
    retry_after: Option<Duration>,
) -> Result<(), TestCaseError> {
    let success = (200..300).contains(&status) && retry_after.is_none();
    match &result {
        Ok(_) => {
            prop_assert!(success, "Ok for HTTP {status} / {retry_after:?}");
            prop_assert!(
                matches!(kind, Kind::Reply | Kind::Unknown),
                "Ok for {kind:?}"
            );
        }
        Err(ApiError::Service(s)) => {
            prop_assert!(!success, "service error for a 2xx reply: {s}");
            prop_assert_eq!(s.status, status);
            prop_assert_eq!(s.retry_after, retry_after);
            match kind {
                Kind::Error(code) => prop_assert_eq!(s.code.as_str(), code),
                Kind::Reply | Kind::Garbage => prop_assert!(
                    retry_after.is_some() && s.code == "Throttling",
                    "{kind:?} became a service error {s}"
                ),
                Kind::Unknown => {}
            }
        }
        Err(
            e @ ApiError::Decode {
                status: s, problem, ..
            },
        ) => {
            prop_assert_eq!(*s, status);
            prop_assert!(
                problem.contains("not JSON")
                    || problem.contains("unexpected shape")
                    || problem.contains("not a service error body")
                    || problem.contains("larger than"),
                "{problem}"
            );
            let text = e.to_string();
            prop_assert!(
                text.len() <= MAX_DECODE_TEXT,
                "{} bytes of error text",
                text.len()
            );
            match kind {
                Kind::Reply => prop_assert!(
                    !success && retry_after.is_none(),
                    "a valid reply was refused: {e}"
                ),
                Kind::Error(_) => prop_assert!(success, "an error body was not recognised: {e}"),
                Kind::Garbage => prop_assert!(success || retry_after.is_none(), "{e}"),
                Kind::Unknown => {}
            }
        }
        Err(other) => prop_assert!(false, "unexpected error variant {other:?}"),
    }
    Ok(())
}

fn decode_all(
    body: &[u8],
    kind_for: impl Fn(&str) -> Kind,
    status: u16,
    ra: Option<Duration>,
) -> Result<(), TestCaseError> {
    classify(
        decode_reply::<ListGroupsResponse>("ListLiveMessageGroupByPage", status, ra, body),
        kind_for("list"),
        status,
        ra,
    )?;
    classify(
        decode_reply::<CreateGroupResponse>("CreateLiveMessageGroup", status, ra, body),
        kind_for("create"),
        status,
        ra,
    )?;
    classify(
        decode_reply::<DeleteGroupResponse>("DeleteLiveMessageGroup", status, ra, body),
        kind_for("delete"),
        status,
        ra,
    )?;
    classify(
        decode_reply::<SendMessageResponse>("SendLiveMessageGroup", status, ra, body),
        kind_for("send"),
        status,
        ra,
    )?;
    Ok(())
}

const REPLIES: [(&str, &str); 4] = [
    ("list", LIST_REPLY),
    ("create", CREATE_REPLY),
    ("delete", DELETE_REPLY),
    ("send", SEND_REPLY),
];

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        100..600u16,
        Just(200u16),
        Just(400u16),
        Just(404u16),
        Just(503u16)
    ]
}

fn retry_after() -> impl Strategy<Value = Option<Duration>> {
    proptest::option::of((0..5000u64).prop_map(Duration::from_millis))
}

/// Every prefix of every real reply and of an error body, at 200 and at 400.
#[test]
fn every_prefix_of_a_real_reply() {
    let bodies = REPLIES.iter().copied().chain([("error", ERROR_REPLY)]);
    for (name, full) in bodies {
        for end in 0..=full.len() {
            let prefix = &full.as_bytes()[..end];
            let complete = end == full.len();
            for status in [200u16, 400, 404, 500] {
                let kind_for = |op: &str| match (complete, name) {
                    (false, _) => Kind::Garbage,
                    (true, "error") => Kind::Error("ResourceNotExist"),
                    (true, n) if n == op => Kind::Reply,
                    // A complete reply of another type: wrong shape.
                    (true, _) => Kind::Unknown,
                };
                decode_all(prefix, kind_for, status, None)
                    .unwrap_or_else(|e| panic!("{name} prefix {end} at {status}: {e}"));
            }
            if !complete && end > 0 {
                let err = decode_reply::<ListGroupsResponse>("L", 200, None, prefix).unwrap_err();
                assert!(err.to_string().contains("not JSON"), "{err}");
            }
        }
    }
}

/// Bodies a gateway, a proxy or a broken service really send.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    let html = prop_oneof![
        Just("<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>".to_string()),
        Just("<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>".to_string()),
        Just("<?xml version=\"1.0\"?><Error><Code>ServerError</Code></Error>".to_string()),
        Just(String::new()),
        Just("null".to_string()),
        Just("[]".to_string()),
        Just("\"ok\"".to_string()),
        Just("{}".to_string()),
    ];
    let wrong_types = prop_oneof![
        Just(r#"{"RequestId":"R","TotalCount":"x","PageNumber":1,"PageSize":20,"GroupList":[]}"#.to_string()),
        Just(r#"{"RequestId":"R","TotalCount":1,"PageNumber":1,"PageSize":20,"GroupList":{}}"#.to_string()),
        Just(r#"{"RequestId":"R","TotalCount":-1,"PageNumber":1,"PageSize":20}"#.to_string()),
        Just(r#"{"RequestId":"R","TotalCount":1,"PageNumber":1,"PageSize":20,"GroupList":[{"GroupId":7}]}"#.to_string()),
        Just(r#"{"RequestId":7,"GroupId":"g","MsgTid":"t"}"#.to_string()),
        Just(r#"{"RequestId":"R","GroupId":null,"MsgTid":[]}"#.to_string()),
        Just(r#"{"Code":5,"Message":"x"}"#.to_string()),
        Just(r#"{"Code":null}"#.to_string()),
        Just(r#"{"RequestId":"R","Code":["ResourceNotExist"]}"#.to_string()),
    ];
    prop_oneof![html, wrong_types].prop_map(String::into_bytes)
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn gateway_pages_and_wrong_types_are_decode_errors(body in garbage(), status in status(), ra in retry_after()) {
        decode_all(&body, |_| Kind::Garbage, status, ra)?;
    }

    #[test]
    fn real_replies_and_error_bodies_at_any_status(which in 0..5usize, status in status(), ra in retry_after()) {
        if which == 4 {
            decode_all(ERROR_REPLY.as_bytes(), |_| Kind::Error("ResourceNotExist"), status, ra)?;
        } else {
            let (name, body) = REPLIES[which];
            decode_all(body.as_bytes(), |op| if op == name { Kind::Reply } else { Kind::Unknown }, status, ra)?;
        }
    }

    #[test]
    fn arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..600), status in status(), ra in retry_after()) {
        decode_all(&body, |_| Kind::Unknown, status, ra)?;
    }

    /// A real reply with one byte changed, dropped or inserted.
    #[test]
    fn mutated_replies(which in 0..5usize, at in any::<prop::sample::Index>(), byte in any::<u8>(), op in 0..3u8, status in status(), ra in retry_after()) {
        let source = if which == 4 { ERROR_REPLY } else { REPLIES[which].1 };
        let mut body = source.as_bytes().to_vec();
        let i = at.index(body.len());
        match op {
            0 => body[i] = byte,
            1 => { body.remove(i); }
            _ => body.insert(i, byte),
        }
        decode_all(&body, |_| Kind::Unknown, status, ra)?;
    }
}

/// Bodies of a few MB: a huge valid page, a huge string where a number
/// belongs, a huge HTML page, a huge error message.
#[test]
fn huge_bodies() {
    let mut groups = Vec::new();
    for i in 0..20_000 {
        groups.push(format!(
            r#"{{"GroupId":"g{i}","GroupName":"{}","Createtime":{i},"Delete":false}}"#,
            "n".repeat(100)
        ));
    }
    let page = format!(
        r#"{{"RequestId":"R","TotalCount":20000,"PageNumber":1,"PageSize":50,"GroupList":[{}]}}"#,
        groups.join(",")
    );
    assert!(page.len() > 2_000_000);
    let big = "x".repeat(3 * 1024 * 1024);
    let wrong = format!(
        r#"{{"RequestId":"R","TotalCount":"{big}","PageNumber":1,"PageSize":20,"GroupList":[]}}"#
    );
    let unterminated = format!(r#"{{"RequestId":"{big}"#);
    let html = format!("<html><body>{big}</body></html>");
    let huge_error = format!(r#"{{"RequestId":"R","Code":"ServerError","Message":"{big}"}}"#);
    let huge_code = format!(r#"{{"Code":7,"Message":"{big}"}}"#);
    for status in [200u16, 302, 400, 500] {
        for ra in [None, Some(Duration::from_millis(20))] {
            decode_all(
                page.as_bytes(),
                |op| {
                    if op == "list" {
                        Kind::Reply
                    } else {
                        Kind::Unknown
                    }
                },
                status,
                ra,
            )
            .unwrap();
            decode_all(wrong.as_bytes(), |_| Kind::Garbage, status, ra).unwrap();
            decode_all(unterminated.as_bytes(), |_| Kind::Garbage, status, ra).unwrap();
            decode_all(html.as_bytes(), |_| Kind::Garbage, status, ra).unwrap();
            decode_all(
                huge_error.as_bytes(),
                |_| Kind::Error("ServerError"),
                status,
                ra,
            )
            .unwrap();
            decode_all(huge_code.as_bytes(), |_| Kind::Garbage, status, ra).unwrap();
        }
    }
    let err = decode_reply::<ListGroupsResponse>("L", 200, None, wrong.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("unexpected shape"), "{err:.300}");
}

// ------------------------------------------------------------ config file

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

// ------------------------------------------------------------ credentials files

/// Recognisable, and made of characters that every encoding leaves alone.
const SECRET: &str = "S3cr3tLivemodBadInput9f2c";
const TOKEN: &str = "StsTokenLivemodBadInput7a1e";

fn good_config_json() -> String {
    format!(
        r#"{{"current":"default","profiles":[{{"name":"default","mode":"StsToken","access_key_id":"AKID1","access_key_secret":"{SECRET}","sts_token":"{TOKEN}","region_id":"cn-shanghai","output_format":"json","sts_expiration":0}}],"meta_path":""}}"#
    )
}

fn good_credentials_ini() -> String {
    format!(
        "[default]\ntype = access_key\naccess_key_id = AKID1\naccess_key_secret = {SECRET}\n\n[other]\ntype = access_key\naccess_key_id = AKID2\naccess_key_secret = {SECRET}\n"
    )
}

/// Broken files a person could plausibly end up with, each still holding the secret.
fn broken_config_json() -> impl Strategy<Value = String> {
    let structural = prop_oneof![
        // The secret where a list, an object or a number belongs.
        Just(format!(r#"{{"current":"default","profiles":"{SECRET}"}}"#)),
        Just(format!(
            r#"{{"current":"default","profiles":["{SECRET}"]}}"#
        )),
        Just(format!(r#"{{"current":["{SECRET}"],"profiles":[]}}"#)),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":["{SECRET}"]}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","access_key_secret":["{SECRET}"]}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","access_key_id":1,"access_key_secret":"{SECRET}"}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","access_key_secret":"{SECRET}"}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","mode":"AK","access_key_id":"","access_key_secret":"{SECRET}"}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","mode":"EcsRamRole","access_key_secret":"{SECRET}"}}]}}"#
        )),
        Just(format!(r#"["{SECRET}"]"#)),
        Just(format!(r#""{SECRET}""#)),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","access_key_secret":{SECRET}}}]}}"#
        )),
        Just(format!(
            r#"{{"current":"default","profiles":[{{"name":"default","access_key_secret":"{SECRET}\x"}}]}}"#
        )),
        Just(format!(
            "{{\"current\":\"default\",\"profiles\":[{{\"name\":\"default\",\"access_key_secret\":\"{SECRET}\n\"}}]}}"
        )),
    ];
    prop_oneof![
        2 => structural,
        3 => mutated(good_config_json()),
    ]
}

fn broken_credentials_ini() -> impl Strategy<Value = String> {
    let structural = prop_oneof![
        Just(format!("[default\naccess_key_secret = {SECRET}\n")),
        Just(format!("[default]\naccess_key_secret {SECRET}\n")),
        Just(format!("[default]\naccess_key_secret = \"{SECRET}\n")),
        Just(format!("[default]\naccess_key_secret = '{SECRET}\n")),
        Just(format!(
            "[default]\ntype = ram_role_arn\naccess_key_id = AKID1\naccess_key_secret = {SECRET}\n"
        )),
        Just(format!("[default]\naccess_key_secret = {SECRET}\n")),
        Just(format!("access_key_secret = {SECRET}\n[default\n")),
        Just(format!("[{SECRET}]\naccess_key_id = x\n")),
        Just(format!("[default]\naccess_key_secret = {SECRET}\\\n")),
        Just(format!("[default]\n=\naccess_key_secret = {SECRET}\n[")),
    ];
    prop_oneof![
        2 => structural,
        3 => mutated(good_credentials_ini()),
    ]
}

/// The text with up to four bytes changed, dropped or inserted, or cut short.
fn mutated(text: String) -> impl Strategy<Value = String> {
    let edits = proptest::collection::vec(
        (
            any::<prop::sample::Index>(),
            0..4u8,
            prop_oneof![
                Just(b'"'),
                Just(b'{'),
                Just(b'}'),
                Just(b'['),
                Just(b']'),
                Just(b','),
                Just(b':'),
                Just(b'='),
                Just(b'\n'),
                Just(b'\\'),
                Just(b'#'),
                Just(b';'),
                any::<u8>()
            ],
        ),
        1..5,
    );
    edits.prop_map(move |edits| {
        let mut bytes = text.clone().into_bytes();
        for (at, op, byte) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => {
                    bytes.remove(i);
                }
                2 => bytes.insert(i, byte),
                _ => bytes.truncate(i),
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn check_credentials(
    config_json: Option<&[u8]>,
    credentials_ini: Option<&[u8]>,
    profile: Option<&str>,
) -> Result<(), TestCaseError> {
    let home = tempfile::tempdir().unwrap();
    if let Some(text) = config_json {
        std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
        std::fs::write(home.path().join(".aliyun/config.json"), text).unwrap();
    }
    if let Some(text) = credentials_ini {
        std::fs::create_dir_all(home.path().join(".alibabacloud")).unwrap();
        std::fs::write(home.path().join(".alibabacloud/credentials"), text).unwrap();
    }
    let env = |_: &str| None;
    let lookup = Lookup {
        profile,
        env: &env,
        home: Some(home.path().to_path_buf()),
    };
    match credentials::resolve(&lookup) {
        Ok(creds) => {
            let shown = format!("{creds:?}");
            prop_assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
        }
        Err(e) => {
            for shown in [e.to_string(), format!("{e:?}")] {
                prop_assert!(!shown.contains(SECRET), "secret in the error: {shown}");
                prop_assert!(!shown.contains(TOKEN), "token in the error: {shown}");
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn broken_cli_config_never_shows_the_secret(text in broken_config_json(), explicit in any::<bool>()) {
        check_credentials(Some(text.as_bytes()), None, explicit.then_some("default"))?;
    }

    #[test]
    fn broken_credentials_file_never_shows_the_secret(text in broken_credentials_ini(), explicit in any::<bool>()) {
        check_credentials(None, Some(text.as_bytes()), explicit.then_some("default"))?;
    }

    #[test]
    fn arbitrary_credential_files(
        config_json in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200)),
        ini in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200)),
    ) {
        check_credentials(config_json.as_deref(), ini.as_deref(), None)?;
    }
}

#[test]
fn a_valid_profile_still_resolves() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
    std::fs::write(home.path().join(".aliyun/config.json"), good_config_json()).unwrap();
    let env = |_: &str| None;
    let creds = credentials::resolve(&Lookup {
        profile: None,
        env: &env,
        home: Some(home.path().to_path_buf()),
    })
    .unwrap();
    assert_eq!(creds.access_key_id, "AKID1");
}

// ------------------------------------------------------------ bulk input files

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
