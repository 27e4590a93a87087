//! Client-side checks of every documented constraint, so a bad request is refused
//! before it leaves the machine (and the emulator applies the very same rules).

use std::fmt;

/// Documented limits, in bytes unless noted.
pub mod limits {
    pub const ID_MAX: usize = 64;
    pub const GROUP_NAME_MAX: usize = 128;
    pub const GROUP_INFO_MAX: usize = 32 * 1024;
    pub const ADMINISTRATORS_MAX: usize = 3;
    pub const SENDER_META_MAX: usize = 512;
    pub const BODY_MAX: usize = 15 * 1024;
    pub const PAGE_SIZE_MIN: u32 = 1;
    pub const PAGE_SIZE_MAX: u32 = 50;
    pub const PAGE_NUMBER_MIN: u32 = 1;
    pub const PAGE_NUMBER_MAX: u32 = 10_000;
    pub const GROUPS_PER_APP: usize = 5_000;
    pub const MSG_TYPES_PER_GROUP: usize = 30;
    /// `ListLiveMessageGroupUsers` and `ListLiveMessageGroupMessages` page sizes.
    pub const TOKEN_PAGE_SIZE_MIN: u32 = 10;
    pub const TOKEN_PAGE_SIZE_MAX: u32 = 50;
    /// IDs per `CheckLiveMessageUsersInGroup` / `CheckLiveMessageUsersOnline` call.
    pub const CHECK_USERS_MAX: usize = 10;
    /// IDs per list in the mute operations.
    pub const MUTE_LIST_MAX: usize = 30;
    pub const USER_META_MAX: usize = 512;
    pub const DELETER_INFO_MAX: usize = 512;
    /// `CreateLiveMessageApp.AppName`, in characters.
    pub const APP_NAME_MIN_CHARS: usize = 2;
    pub const APP_NAME_MAX_CHARS: usize = 16;
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Missing,
    TooLong {
        limit: usize,
        actual: usize,
    },
    NotAlphanumeric {
        offending: char,
    },
    TooMany {
        limit: usize,
        actual: usize,
    },
    OutOfRange {
        min: i64,
        max: i64,
        actual: i64,
    },
    NotOneOf {
        allowed: &'static str,
        actual: String,
    },
    /// A length counted in Unicode characters (`AppName`).
    CharCount {
        min: usize,
        max: usize,
        actual: usize,
    },
    /// A callback or audit URL the service refuses.
    BadUrl {
        reason: &'static str,
    },
    /// A documented rule that ties fields together or overrides the schema.
    Rule {
        rule: &'static str,
    },
}

/// A request field that breaks a documented constraint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    pub field: &'static str,
    pub problem: Problem,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.field;
        match &self.problem {
            Problem::Missing => write!(f, "{field} is required"),
            Problem::TooLong { limit, actual } => {
                write!(f, "{field} is {actual} bytes; the limit is {limit} bytes")
            }
            Problem::NotAlphanumeric { offending } => write!(
                f,
                "{field} may contain only letters and digits (found {offending:?})"
            ),
            Problem::TooMany { limit, actual } => {
                write!(
                    f,
                    "{field} has {actual} entries; at most {limit} are allowed"
                )
            }
            Problem::OutOfRange { min, max, actual } => {
                write!(f, "{field} is {actual}; it must be between {min} and {max}")
            }
            Problem::NotOneOf { allowed, actual } => {
                write!(f, "{field} is {actual:?}; allowed values: {allowed}")
            }
            Problem::CharCount { min, max, actual } => write!(
                f,
                "{field} is {actual} characters; it must be {min} to {max} characters"
            ),
            Problem::BadUrl { reason } => write!(f, "{field} is not an accepted URL: {reason}"),
            Problem::Rule { rule } => write!(f, "{field}: {rule}"),
        }
    }
}

impl ValidationError {
    pub fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }
}

/// A required ID under the strict rule: non-empty, ASCII letters and digits
/// only, at most 64 bytes. Used where the documentation says "only letters and
/// digits" (MsgTid, OperatorId and the IDs of recalls) and for IDs livemod
/// itself creates, where a portable ID is the safe choice (a caller may warn
/// and let the user override; see [`CreateGroupAnyId`](super::CreateGroupAnyId)).
pub fn id(field: &'static str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::new(field, Problem::Missing));
    }
    optional_id(field, value)
}

/// An optional ID: when present, the same rules as [`id`]; empty means absent.
pub fn optional_id(field: &'static str, value: &str) -> Result<(), ValidationError> {
    max_bytes(field, value, limits::ID_MAX)?;
    if let Some(c) = value.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(ValidationError::new(
            field,
            Problem::NotAlphanumeric { offending: c },
        ));
    }
    Ok(())
}

/// A required ID that livemod refers to but did not make (a group the service
/// listed, a user an app's own server named): only emptiness and the 64-byte
/// limit are checked, and the service decides the rest. The official examples
/// use IDs such as `c-1-1-0` and `user_77`; a moderator must never be locked
/// out of acting on them.
pub fn lenient_id(field: &'static str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::new(field, Problem::Missing));
    }
    max_bytes(field, value, limits::ID_MAX)
}

/// An optional [`lenient_id`]: empty means absent.
pub fn optional_lenient_id(field: &'static str, value: &str) -> Result<(), ValidationError> {
    max_bytes(field, value, limits::ID_MAX)
}

/// Why `value` would be refused as an ID livemod creates, if it would: for the
/// CLI and the console to warn before creating an ID that is not portable.
pub fn portable_id_problem(field: &'static str, value: &str) -> Option<ValidationError> {
    id(field, value).err()
}

/// A required list of lenient IDs with at most `max` entries.
pub fn id_list(field: &'static str, ids: &[String], max: usize) -> Result<(), ValidationError> {
    if ids.is_empty() {
        return Err(ValidationError::new(field, Problem::Missing));
    }
    optional_id_list(field, ids, max)
}

/// An optional list of lenient IDs (empty means absent) with at most `max` entries.
pub fn optional_id_list(
    field: &'static str,
    ids: &[String],
    max: usize,
) -> Result<(), ValidationError> {
    max_items(field, ids, max)?;
    ids.iter().try_for_each(|id| list_entry(field, id))
}

/// One ID of a list parameter: a [`lenient_id`] without a comma, because
/// lists are sent comma-joined (`a,b` would reach the service as two IDs).
pub fn list_entry(field: &'static str, id: &str) -> Result<(), ValidationError> {
    lenient_id(field, id)?;
    if id.contains(',') {
        return Err(ValidationError::new(
            field,
            Problem::Rule {
                rule: "an ID in a list cannot contain a comma (lists are sent comma-joined)",
            },
        ));
    }
    Ok(())
}

/// A length in Unicode characters between `min` and `max`.
pub fn char_count(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    let actual = value.chars().count();
    if actual < min || actual > max {
        return Err(ValidationError::new(
            field,
            Problem::CharCount { min, max, actual },
        ));
    }
    Ok(())
}

/// The documented rule for `AuditUrl` and `EventCallbackUrl`: `http://` or
/// `https://`, no port, no private address. Read strictly: a non-empty host,
/// no user info, no whitespace, not `localhost`, and not an IP literal that is
/// private, loopback, link-local or unspecified.
pub fn callback_url(field: &'static str, value: &str) -> Result<(), ValidationError> {
    let bad = |reason| Err(ValidationError::new(field, Problem::BadUrl { reason }));
    if value.chars().any(char::is_whitespace) {
        return bad("it contains whitespace");
    }
    let lower = value.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
    else {
        return bad("it must start with http:// or https://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return bad("it must not carry a user name or password");
    }
    if authority.is_empty() {
        return bad("it has no host");
    }
    let host = match authority.strip_prefix('[') {
        // An IPv6 literal: `[addr]`, anything after the bracket is a port.
        Some(v6) => match v6.split_once(']') {
            Some((addr, "")) => addr,
            Some(_) => return bad("it must not name a port"),
            None => return bad("it has an unterminated IPv6 address"),
        },
        None if authority.contains(':') => return bad("it must not name a port"),
        None => authority,
    };
    if host == "localhost" || host.ends_with(".localhost") {
        return bad("it must not point at this machine");
    }
    if let Ok(ip) = host.parse::<std::net::IpAddr>()
        && !is_public(ip)
    {
        return bad("it must not point at a private, loopback or link-local address");
    }
    Ok(())
}

fn is_public(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            !(v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified())
        }
        std::net::IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            let unique_local = first & 0xfe00 == 0xfc00;
            let link_local = first & 0xffc0 == 0xfe80;
            let mapped_private = v6
                .to_ipv4_mapped()
                .is_some_and(|v4| !is_public(std::net::IpAddr::V4(v4)));
            !(v6.is_loopback()
                || v6.is_unspecified()
                || unique_local
                || link_local
                || mapped_private)
        }
    }
}

pub fn max_bytes(field: &'static str, value: &str, limit: usize) -> Result<(), ValidationError> {
    if value.len() > limit {
        return Err(ValidationError::new(
            field,
            Problem::TooLong {
                limit,
                actual: value.len(),
            },
        ));
    }
    Ok(())
}

pub fn max_items<T>(field: &'static str, items: &[T], limit: usize) -> Result<(), ValidationError> {
    if items.len() > limit {
        return Err(ValidationError::new(
            field,
            Problem::TooMany {
                limit,
                actual: items.len(),
            },
        ));
    }
    Ok(())
}

pub fn range(field: &'static str, value: i64, min: i64, max: i64) -> Result<(), ValidationError> {
    if value < min || value > max {
        return Err(ValidationError::new(
            field,
            Problem::OutOfRange {
                min,
                max,
                actual: value,
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_letters_and_digits_up_to_64_bytes() {
        assert!(id("GroupId", "abc123XYZ").is_ok());
        assert!(id("GroupId", &"a".repeat(64)).is_ok());
        let err = id("GroupId", &"a".repeat(65)).unwrap_err();
        assert_eq!(
            err.problem,
            Problem::TooLong {
                limit: 64,
                actual: 65
            }
        );
        assert_eq!(
            id("GroupId", "a-b").unwrap_err().problem,
            Problem::NotAlphanumeric { offending: '-' }
        );
        assert_eq!(id("GroupId", "").unwrap_err().problem, Problem::Missing);
        // Non-ASCII letters are not "letters" for the service.
        assert!(id("GroupId", "grüppe").is_err());
        assert!(optional_id("CreatorId", "").is_ok());
    }

    #[test]
    fn messages_name_field_limit_and_size() {
        let err = max_bytes("Body", &"x".repeat(15 * 1024 + 1), limits::BODY_MAX).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("Body"), "{text}");
        assert!(text.contains("15360"), "{text}");
        assert!(text.contains("15361"), "{text}");
    }

    #[test]
    fn lenient_ids_check_only_emptiness_and_length() {
        assert!(lenient_id("GroupId", "c-1-1-0").is_ok());
        assert!(lenient_id("CreatorId", "user_77").is_ok());
        assert_eq!(
            lenient_id("GroupId", "").unwrap_err().problem,
            Problem::Missing
        );
        assert_eq!(
            lenient_id("GroupId", &"-".repeat(65)).unwrap_err().problem,
            Problem::TooLong {
                limit: 64,
                actual: 65
            }
        );
        assert!(optional_lenient_id("CreatorId", "").is_ok());
        // The strict rule is still there for what livemod creates.
        assert!(portable_id_problem("GroupId", "c-1-1-0").is_some());
        assert!(portable_id_problem("GroupId", "c110").is_none());
    }

    #[test]
    fn id_lists_check_count_and_each_entry() {
        let ids = |n: usize| (0..n).map(|i| format!("u_{i}")).collect::<Vec<_>>();
        assert!(id_list("UserIds", &ids(10), 10).is_ok());
        assert_eq!(
            id_list("UserIds", &ids(11), 10).unwrap_err().problem,
            Problem::TooMany {
                limit: 10,
                actual: 11
            }
        );
        assert_eq!(
            id_list("UserIds", &[], 10).unwrap_err().problem,
            Problem::Missing
        );
        assert!(optional_id_list("ExceptUsers", &[], 30).is_ok());
        let comma = vec!["a,b".to_string()];
        let err = optional_id_list("ExceptUsers", &comma, 30).unwrap_err();
        assert!(matches!(err.problem, Problem::Rule { .. }), "{err:?}");
        let with_empty = vec!["a".to_string(), String::new()];
        assert_eq!(
            optional_id_list("ExceptUsers", &with_empty, 30)
                .unwrap_err()
                .problem,
            Problem::Missing
        );
    }

    #[test]
    fn app_names_are_counted_in_characters() {
        assert!(char_count("AppName", "ab", 2, 16).is_ok());
        assert!(char_count("AppName", &"直播".repeat(8), 2, 16).is_ok());
        assert_eq!(
            char_count("AppName", &"直".repeat(17), 2, 16)
                .unwrap_err()
                .problem,
            Problem::CharCount {
                min: 2,
                max: 16,
                actual: 17
            }
        );
        assert!(char_count("AppName", "a", 2, 16).is_err());
    }

    #[test]
    fn callback_urls_follow_the_documented_rule() {
        for good in [
            "http://example.com/cb",
            "HTTPS://Example.com",
            "https://8.8.8.8/x?y=1",
            "https://[2001:db8::1]/",
        ] {
            assert!(callback_url("EventCallbackUrl", good).is_ok(), "{good}");
        }
        for bad in [
            "ftp://example.com",
            "example.com",
            "http://",
            "http://example.com:8080/",
            "http://user:pw@example.com/",
            "http://localhost/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://127.0.0.1/",
            "http://169.254.1.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::1]:80/",
            "http://exa mple.com/",
        ] {
            let err = callback_url("AuditUrl", bad).unwrap_err();
            assert!(matches!(err.problem, Problem::BadUrl { .. }), "{bad}");
            assert!(err.to_string().contains("AuditUrl"), "{bad}");
        }
    }

    #[test]
    fn ranges_are_inclusive() {
        assert!(range("PageSize", 1, 1, 50).is_ok());
        assert!(range("PageSize", 50, 1, 50).is_ok());
        assert!(range("PageSize", 0, 1, 50).is_err());
        assert!(range("PageSize", 51, 1, 50).is_err());
    }
}
