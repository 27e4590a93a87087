//! Bad input: validators.

use super::*;

/// The documented rules, written independently of `src/api/validate.rs`.
mod oracle {
    pub(super) fn id_ok(v: &str) -> bool {
        !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric())
    }
    /// IDs livemod did not make (#9): only emptiness and the 64-byte limit.
    pub(super) fn any_id_ok(v: &str) -> bool {
        !v.is_empty() && v.len() <= 64
    }
    /// Optional IDs: absent (or empty, which is sent as absent) is fine.
    pub(super) fn opt_id_ok(v: &Option<String>) -> bool {
        v.as_deref().is_none_or(|v| v.is_empty() || id_ok(v))
    }
    pub(super) fn opt_bytes_ok(v: &Option<String>, limit: usize) -> bool {
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
