//! Bad input: reply decoding.

use super::*;

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
