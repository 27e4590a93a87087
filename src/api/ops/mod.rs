//! The 25 LiveMessage operations beyond the original four, one module per
//! family, each a typed request implementing [`Operation`](super::Operation)
//! with its typed reply. Wire names follow the official SDKs exactly, quirks
//! included (`BannnedUsers`, `IsbannedAll`, `Hasmore`/`HasMore`, `NextpageToken`,
//! `Createtime`, `Deletatime`, `Deletor`); see `api-family.md` §10.

pub(crate) mod apps;
pub(crate) mod groups;
pub(crate) mod members;
pub(crate) mod messages;
pub(crate) mod mutes;

#[cfg(test)]
mod every_op;

use serde::{Deserialize, Serialize};

use super::model::{DEFAULT_CALLS_PER_SECOND, DataCenter, MUTE_CALLS_PER_SECOND, Operation, Param};

/// The documented calls per second for an action by its wire name (for a
/// server that enforces the limits, such as the emulator): 10 for the five
/// mute writers, 50 for everything else.
pub(crate) fn documented_rate(action: &str) -> u32 {
    let mute_writers = [
        mutes::BanGroupRequest::ACTION,
        mutes::UnbanGroupRequest::ACTION,
        mutes::AddGroupBandRequest::ACTION,
        mutes::RemoveGroupBandRequest::ACTION,
        mutes::ModifyGroupBandRequest::ACTION,
    ];
    if mute_writers.contains(&action) {
        MUTE_CALLS_PER_SECOND
    } else {
        DEFAULT_CALLS_PER_SECOND
    }
}

/// The reply of the operations that answer with their RequestId only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ack {
    pub request_id: String,
}

/// Builds the business parameters of one request, in a fixed order.
/// Absent values are left out (`Name=` would count as absent anyway); arrays
/// are comma-joined, as the current SDKs send them.
#[derive(Default)]
pub(crate) struct Wire(Vec<Param>);

impl Wire {
    pub(crate) fn new() -> Self {
        Self::default()
    }
    pub(crate) fn put(mut self, name: &'static str, value: impl ToString) -> Self {
        self.0.push((name, value.to_string()));
        self
    }
    pub(crate) fn opt<T: ToString>(self, name: &'static str, value: Option<T>) -> Self {
        match value {
            Some(v) => self.put(name, v),
            None => self,
        }
    }
    /// An array parameter; an empty list cannot be sent, so it is left out.
    pub(crate) fn list(self, name: &'static str, values: &[String]) -> Self {
        if values.is_empty() {
            self
        } else {
            self.put(name, values.join(","))
        }
    }
    /// A flag sent only when set (absent means false on the service).
    pub(crate) fn flag(self, name: &'static str, on: bool) -> Self {
        if on { self.put(name, true) } else { self }
    }
    pub(crate) fn dc(self, dc: Option<DataCenter>) -> Self {
        self.opt("DataCenter", dc.map(DataCenter::as_str))
    }
    pub(crate) fn done(self) -> Vec<Param> {
        self.0
    }
}

/// Test helpers shared by the family modules.
#[cfg(test)]
pub(crate) mod testing {
    use crate::api::model::Param;

    /// The value sent for `name`, if any.
    pub(crate) fn param<'a>(params: &'a [Param], name: &str) -> Option<&'a str> {
        params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The parameter names, in order.
    pub(crate) fn names(params: &[Param]) -> Vec<&'static str> {
        params.iter().map(|(n, _)| *n).collect()
    }

    pub(crate) fn ids(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }
}
