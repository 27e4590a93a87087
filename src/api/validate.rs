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
        }
    }
}

impl ValidationError {
    pub fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }
}

/// A required ID: non-empty, ASCII letters and digits only, at most 64 bytes.
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
    fn ranges_are_inclusive() {
        assert!(range("PageSize", 1, 1, 50).is_ok());
        assert!(range("PageSize", 50, 1, 50).is_ok());
        assert!(range("PageSize", 0, 1, 50).is_err());
        assert!(range("PageSize", 51, 1, 50).is_err());
    }
}
