//! The demo data set: ~120 realistic groups for app `demo`, from
//! `assets/demo-groups.json` (made by `assets/gen-demo-groups.py`, committed).
//!
//! Creation times are stored as ages (seconds before seeding), so a fresh
//! demo always looks like the last few weeks.

use serde::Deserialize;

use super::store::SeedGroup;

const DEMO_GROUPS_JSON: &str = include_str!("../../assets/demo-groups.json");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DemoGroup {
    group_id: String,
    #[serde(default)]
    group_name: String,
    #[serde(default)]
    group_info: String,
    #[serde(default)]
    creator_id: String,
    #[serde(default)]
    administrators: Vec<String>,
    age_seconds: i64,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    audience: Option<u32>,
}

/// The demo groups, with creation times relative to `now` (UNIX seconds).
pub(crate) fn demo_groups(now: i64) -> Vec<SeedGroup> {
    let groups: Vec<DemoGroup> =
        serde_json::from_str(DEMO_GROUPS_JSON).expect("assets/demo-groups.json is valid (tested)");
    groups
        .into_iter()
        .map(|g| SeedGroup {
            group_id: g.group_id,
            group_name: g.group_name,
            group_info: g.group_info,
            creator_id: g.creator_id,
            administrators: g.administrators,
            createtime: now - g.age_seconds.max(0),
            deleted: g.deleted,
            audience: g.audience,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::validate::{self, limits};

    #[test]
    fn demo_data_is_valid_and_varied() {
        let groups = demo_groups(1_700_000_000);
        assert!((100..=150).contains(&groups.len()), "{}", groups.len());
        let mut ids = std::collections::HashSet::new();
        for g in &groups {
            assert!(ids.insert(&g.group_id), "duplicate {}", g.group_id);
            validate::id("GroupId", &g.group_id).unwrap();
            validate::max_bytes("GroupName", &g.group_name, limits::GROUP_NAME_MAX).unwrap();
            validate::max_bytes("GroupInfo", &g.group_info, limits::GROUP_INFO_MAX).unwrap();
            assert!(g.administrators.len() <= limits::ADMINISTRATORS_MAX);
        }
        assert!(groups.iter().any(|g| g.deleted));
        assert!(groups.iter().any(|g| g.audience.is_some()));
        assert!(groups.iter().any(|g| g.group_info.len() >= 19 * 1024));
        assert!(groups.iter().any(|g| g.group_info.starts_with('{')));
        assert!(
            groups
                .iter()
                .any(|g| !g.group_info.is_empty() && !g.group_info.starts_with('{'))
        );
        let oldest = groups.iter().map(|g| g.createtime).min().unwrap();
        assert!(1_700_000_000 - oldest > 14 * 86_400, "spread over weeks");
    }
}
