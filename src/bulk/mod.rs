//! Bulk work: many creates from a file, or one message to many groups.
//!
//! Why a separate module: a moderator preparing an event creates hundreds of
//! groups, or announces something to every group, and needs it done at the
//! service's limit but never over it, with progress, a clean stop that says
//! exactly what was and was not done, and a file of what failed that can be
//! fed straight back in.
//!
//! - [`input`]: reading and checking input files (capped, every line checked
//!   before anything is sent) and writing failures files.
//! - [`run`]: the one engine, used by the CLI and the console alike.
//! - [`journal`]: the progress journal a run keeps current, so even `kill -9`
//!   leaves an accurate record of what was sent.

mod csv_check;
pub(crate) mod failures;
pub(crate) mod input;
pub mod journal;
pub mod run;
pub(crate) mod targets;

pub use failures::{write_create_failures, write_target_failures};
pub use input::{
    CreateFormat, CreateInput, CreateRow, InputError, LineError, Lined, ParseErrors,
    detect_create_format, parse_create_csv, parse_create_input, parse_create_json, parse_creates,
    read_body, read_text_capped,
};
pub use run::{
    BulkOptions, BulkReport, DEFAULT_CONCURRENCY, ItemResult, Outcome, OutcomeKind, Progress,
    Update, classify, repeat_is_harmless, run,
};
pub use targets::{Targets, parse_targets, parse_targets_from, read_targets};
