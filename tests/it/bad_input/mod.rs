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

mod bulk_files;
mod config_file;
mod credentials_files;
mod replies;
mod validators;

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
