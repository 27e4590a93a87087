//! Why a command-line value could not be read (clap shows the message).

/// A value given to an option that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ValueError {
    #[error("{0:?} is before 1970")]
    Before1970(String),
    #[error(
        "{0:?} is not a time: use UNIX seconds, 2026-11-23T10:00:00Z, or a duration ago such as 30m"
    )]
    NotATime(String),
    #[error("{text:?} is not a duration ({problem}); use e.g. {example}")]
    NotADuration {
        text: String,
        problem: String,
        example: &'static str,
    },
    #[error("the interval must be at least {0:?}")]
    TooShort(std::time::Duration),
    #[error("{text:?} is not {what}; one of {choices}")]
    NotOneOf {
        text: String,
        what: &'static str,
        choices: String,
    },
}

impl ValueError {
    pub(crate) fn not_a_duration(
        text: &str,
        problem: humantime::DurationError,
        example: &'static str,
    ) -> Self {
        ValueError::NotADuration {
            text: text.to_string(),
            problem: problem.to_string(),
            example,
        }
    }
}
