//! The all-groups index: every group of an app (5,000 and more), filtered by
//! ID or name as the moderator types.
//!
//! Fast per keystroke because of three things:
//! - input is batched: [`GroupIndex::set_query`] only records the text, and
//!   [`GroupIndex::apply`] filters once for however many keys arrived since;
//! - a query that extends an earlier one narrows that one's matches (whatever
//!   contains "room12" contains "room1"), and the matches of every shorter
//!   query on the way are kept, so backspace is a lookup, not a rescan;
//! - a full scan is one SIMD substring search (memchr) over one lower-cased
//!   buffer of all IDs and names.

use std::collections::HashMap;

use memchr::memmem::Finder;

use crate::api::Group;

/// Joins a group's ID and name in the search text; no query contains it.
const SEP: u8 = 0;
/// Shorter queries whose matches are kept for backspace.
const MAX_LEVELS: usize = 64;
/// Queries erased lately whose matches are kept for retyping ("room1", ⌫, "room2", ⌫, "room1").
const MAX_RECENT: usize = 32;

#[derive(Debug, Clone)]
struct Level {
    query: String,
    /// Indices into `groups`, ascending.
    matches: Vec<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct GroupIndex {
    groups: Vec<Group>,
    by_id: HashMap<String, usize>,
    /// Lower-cased `id SEP name SEP` of every group, in order.
    text: Vec<u8>,
    /// Where each group's text starts in `text`, plus the end.
    starts: Vec<usize>,
    /// Groups changed since `text` was built.
    stale: bool,
    /// The applied query's matches last, each level's query contained in the next's.
    levels: Vec<Level>,
    /// Levels popped by editing, most recent last.
    recent: Vec<Level>,
    /// Typed but not applied yet.
    pending: Option<String>,
}

impl GroupIndex {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    pub fn get(&self, group_id: &str) -> Option<&Group> {
        self.by_id.get(group_id).map(|&i| &self.groups[i])
    }

    /// Replaces every group (a completed sync).
    pub fn replace_all(&mut self, groups: impl IntoIterator<Item = Group>) {
        self.groups.clear();
        self.by_id.clear();
        self.upsert_many(groups);
    }

    /// Adds or updates groups (a synced page, a group created or changed).
    pub fn upsert_many(&mut self, groups: impl IntoIterator<Item = Group>) {
        for group in groups {
            match self.by_id.get(&group.group_id) {
                Some(&i) => self.groups[i] = group,
                None => {
                    self.by_id.insert(group.group_id.clone(), self.groups.len());
                    self.groups.push(group);
                }
            }
        }
        self.invalidate();
    }

    pub fn upsert(&mut self, group: Group) {
        self.upsert_many([group]);
    }

    /// Removes a group (purged); true when it was indexed.
    pub fn remove(&mut self, group_id: &str) -> bool {
        let Some(i) = self.by_id.remove(group_id) else {
            return false;
        };
        self.groups.remove(i);
        for slot in self.by_id.values_mut() {
            if *slot > i {
                *slot -= 1;
            }
        }
        self.invalidate();
        true
    }

    /// The groups changed: the next [`apply`](Self::apply) filters afresh.
    fn invalidate(&mut self) {
        self.stale = true;
        if self.pending.is_none() {
            self.pending = Some(self.query().to_string());
        }
    }

    /// Records the filter text; cheap, so it can run for every key event.
    pub fn set_query(&mut self, text: &str) {
        self.pending = Some(normalise(text));
    }

    /// Whether [`apply`](Self::apply) has work to do.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Filters for the latest query text; true when the matches may have changed.
    pub fn apply(&mut self) -> bool {
        let Some(query) = self.pending.take() else {
            return false;
        };
        if self.stale || self.levels.is_empty() {
            self.rebuild();
        }
        while self.levels.len() > 1 && !query.contains(self.top().query.as_str()) {
            let level = self.levels.pop().expect("more than one level");
            if self.recent.len() == MAX_RECENT {
                self.recent.remove(0);
            }
            self.recent.push(level);
        }
        if self.top().query == query {
            return true;
        }
        if let Some(at) = self.recent.iter().rposition(|l| l.query == query) {
            // The top's query is contained in `query`, so the chain stays valid.
            let level = self.recent.remove(at);
            self.push_level(level);
            return true;
        }
        let finder = Finder::new(query.as_bytes());
        let matches = if self.levels.len() == 1 {
            self.scan(&finder)
        } else {
            self.narrow(&finder, &self.top().matches)
        };
        self.push_level(Level { query, matches });
        true
    }

    fn push_level(&mut self, level: Level) {
        if self.levels.len() == MAX_LEVELS {
            // Keep the base (every group) and drop the oldest refinement.
            self.levels.remove(1);
        }
        self.levels.push(level);
    }

    /// `set_query` and `apply` together.
    pub fn filter(&mut self, text: &str) -> &[u32] {
        self.set_query(text);
        self.apply();
        self.matches()
    }

    /// The applied query (lower-cased, trimmed).
    pub fn query(&self) -> &str {
        self.levels.last().map_or("", |l| l.query.as_str())
    }

    /// Indices (into [`groups`](Self::groups)) of the matching groups, in index order.
    pub fn matches(&self) -> &[u32] {
        self.levels.last().map_or(&[], |l| l.matches.as_slice())
    }

    pub fn match_count(&self) -> usize {
        self.matches().len()
    }

    pub fn matched_groups(&self) -> impl ExactSizeIterator<Item = &Group> {
        self.matches().iter().map(|&i| &self.groups[i as usize])
    }

    fn top(&self) -> &Level {
        self.levels
            .last()
            .expect("the base level exists after rebuild")
    }

    fn rebuild(&mut self) {
        self.text.clear();
        self.starts.clear();
        for g in &self.groups {
            self.starts.push(self.text.len());
            push_lower(&mut self.text, &g.group_id);
            self.text.push(SEP);
            push_lower(&mut self.text, &g.group_name);
            self.text.push(SEP);
        }
        self.starts.push(self.text.len());
        self.levels.clear();
        self.recent.clear();
        self.levels.push(Level {
            query: String::new(),
            matches: (0..self.groups.len() as u32).collect(),
        });
        self.stale = false;
    }

    /// Every group whose text contains the query: one pass over the buffer,
    /// skipping to the next group after each hit.
    fn scan(&self, finder: &Finder<'_>) -> Vec<u32> {
        if finder.needle().is_empty() {
            return (0..self.groups.len() as u32).collect();
        }
        let mut out = Vec::new();
        let mut group = 0;
        let mut from = 0;
        while let Some(hit) = finder.find(&self.text[from..]) {
            let at = from + hit;
            // Hits come in order, so the group holding byte `at` is found by walking.
            while self.starts[group + 1] <= at {
                group += 1;
            }
            out.push(group as u32);
            group += 1;
            from = self.starts[group];
        }
        out
    }

    fn narrow(&self, finder: &Finder<'_>, from: &[u32]) -> Vec<u32> {
        from.iter()
            .copied()
            .filter(|&i| {
                let i = i as usize;
                finder
                    .find(&self.text[self.starts[i]..self.starts[i + 1]])
                    .is_some()
            })
            .collect()
    }
}

/// How a query is compared: trimmed, lower-case, without the separator byte.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_lower_str(&mut out, text.trim());
    out.retain(|c| c != SEP as char);
    out
}

fn push_lower_str(out: &mut String, text: &str) {
    if text.is_ascii() {
        out.extend(text.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        out.extend(text.chars().flat_map(char::to_lowercase));
    }
}

/// Appends the lower-cased text without the separator byte (a name may hold a NUL).
fn push_lower(out: &mut Vec<u8>, text: &str) {
    if text.is_ascii() {
        out.extend(
            text.bytes()
                .filter(|&b| b != SEP)
                .map(|b| b.to_ascii_lowercase()),
        );
    } else {
        let mut lower = String::with_capacity(text.len());
        push_lower_str(&mut lower, text);
        // NUL is never part of another character in UTF-8.
        out.extend(lower.bytes().filter(|&b| b != SEP));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn group(id: &str, name: &str) -> Group {
        Group {
            group_id: id.into(),
            group_name: name.into(),
            group_info: String::new(),
            creator_id: String::new(),
            admin_list: Vec::new(),
            createtime: 0,
            delete: false,
        }
    }

    fn sample(n: usize) -> Vec<Group> {
        (0..n)
            .map(|i| group(&format!("room{i:05}"), &format!("Evening Show #{i} 直播间")))
            .collect()
    }

    fn ids(index: &GroupIndex) -> Vec<String> {
        index.matched_groups().map(|g| g.group_id.clone()).collect()
    }

    /// What a filter must give: a plain scan with `str::contains`.
    fn expected(groups: &[Group], query: &str) -> Vec<String> {
        let q = normalise(query);
        groups
            .iter()
            .filter(|g| {
                g.group_id.to_lowercase().contains(&q) || g.group_name.to_lowercase().contains(&q)
            })
            .map(|g| g.group_id.clone())
            .collect()
    }

    #[test]
    fn filters_ids_and_names_case_insensitively_in_any_script() {
        let mut index = GroupIndex::new();
        index.replace_all(sample(30));
        index.filter("ROOM0001");
        assert_eq!(ids(&index).len(), 10, "room00010..room00019");
        index.filter("show #7 ");
        assert_eq!(ids(&index), ["room00007"]);
        index.filter("直播");
        assert_eq!(index.match_count(), 30);
        index.filter("");
        assert_eq!(index.match_count(), 30);
        index.filter("nothing");
        assert_eq!(index.match_count(), 0);
    }

    #[test]
    fn a_query_never_matches_across_the_id_and_the_name() {
        let mut index = GroupIndex::new();
        index.replace_all([group("abc", "def")]);
        assert_eq!(index.filter("cd").len(), 0);
        assert_eq!(index.filter("c\0d").len(), 0);
        assert_eq!(index.filter("de").len(), 1);
    }

    #[test]
    fn keys_are_batched_until_apply() {
        let mut index = GroupIndex::new();
        index.replace_all(sample(100));
        index.apply();
        for prefix in ["r", "ro", "roo", "room0009"] {
            index.set_query(prefix);
        }
        assert_eq!(index.query(), "", "nothing applied yet");
        assert!(index.apply());
        assert_eq!(index.query(), "room0009");
        assert_eq!(index.match_count(), 10);
        assert!(!index.apply(), "no pending input");
    }

    #[test]
    fn backspace_returns_to_the_kept_matches_of_the_shorter_query() {
        let mut index = GroupIndex::new();
        index.replace_all(sample(200));
        for q in ["r", "ro", "room001", "room0012", "room001"] {
            index.filter(q);
        }
        assert_eq!(ids(&index), expected(&sample(200), "room001"));
        let chain: Vec<_> = index.levels.iter().map(|l| l.query.as_str()).collect();
        assert_eq!(chain, ["", "r", "ro", "room001"]);
        // Retyping an erased query takes its kept matches.
        index.filter("room0012");
        assert!(index.recent.is_empty());
        assert_eq!(ids(&index), expected(&sample(200), "room0012"));
    }

    #[test]
    fn changed_groups_refilter_the_current_query() {
        let mut index = GroupIndex::new();
        index.replace_all(sample(10));
        index.filter("show #1");
        assert_eq!(ids(&index), ["room00001"]);
        index.upsert(group("late", "Show #1 encore"));
        index.upsert(group("room00001", "renamed"));
        index.apply();
        assert_eq!(ids(&index), ["late"]);
        assert!(index.remove("late"));
        assert!(!index.remove("late"));
        index.apply();
        assert!(ids(&index).is_empty());
        assert_eq!(
            index.get("room00009").unwrap().group_name,
            "Evening Show #9 直播间"
        );
        assert_eq!(index.len(), 10);
    }

    proptest! {
        #[test]
        fn any_typing_gives_what_a_fresh_scan_gives(
            names in proptest::collection::vec("[a-cA-C1 é直]{0,6}", 0..40),
            edits in proptest::collection::vec(("[a-cA-C1 é直\0]{0,3}", any::<bool>(), any::<bool>()), 1..30),
        ) {
            let groups: Vec<Group> = names.iter().enumerate()
                .map(|(i, n)| group(&format!("g{i}"), n)).collect();
            let mut index = GroupIndex::new();
            index.replace_all(groups.clone());
            let mut query = String::new();
            for (text, backspace, apply_now) in edits {
                if backspace { query.pop(); } else { query.push_str(&text); }
                index.set_query(&query);
                if apply_now {
                    index.apply();
                    prop_assert_eq!(ids(&index), expected(&groups, &query));
                }
            }
            index.apply();
            prop_assert_eq!(ids(&index), expected(&groups, &query));
        }
    }
}
