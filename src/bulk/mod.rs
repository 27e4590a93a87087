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
pub mod input;
pub mod journal;
pub mod run;

pub use input::{
    CreateFormat, CreateInput, CreateRow, InputError, LineError, Lined, ParseErrors, Targets,
    detect_create_format, parse_create_csv, parse_create_input, parse_create_json, parse_creates,
    parse_targets, read_body, read_targets, read_text_capped, write_create_failures,
    write_target_failures,
};
pub use run::{
    BulkOptions, BulkReport, DEFAULT_CONCURRENCY, ItemResult, Outcome, OutcomeKind, Progress,
    Update, classify, repeat_is_harmless, run,
};
