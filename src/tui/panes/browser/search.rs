//! The browser's side of the all-groups index: where its sync stands, the
//! batched filtering of what was typed, and which server page a group is on.

use std::time::{Duration, Instant};

use crate::api::{GroupStatus, ListGroupsByTokenRequest, ListGroupsByTokenResponse, SortType};

use super::BrowserState;

/// A synced index older than this is synced again when `/` is pressed.
pub(super) const RESYNC_AFTER: Duration = Duration::from_secs(5 * 60);

/// Where the sync of the all-groups index stands.
#[derive(Debug, Clone, Default)]
pub enum IndexSync {
    /// Never synced (or the last sync failed).
    #[default]
    Never,
    /// Pages are arriving; `seen` holds the IDs of this sync so far (a group
    /// absent from a completed sync was purged).
    Running { seen: Vec<String> },
    /// The last sync completed at `at`.
    Done { at: Instant },
}

impl IndexSync {
    pub fn running(&self) -> bool {
        matches!(self, IndexSync::Running { .. })
    }

    /// Whether a sync should start now.
    pub fn due(&self, now: Instant) -> bool {
        match self {
            IndexSync::Never => true,
            IndexSync::Running { .. } => false,
            IndexSync::Done { at } => now.duration_since(*at) >= RESYNC_AFTER,
        }
    }
}

impl BrowserState {
    /// Filters the index for what was typed since the last call, once for
    /// however many keys arrived (the event loop calls this before drawing),
    /// keeping the selection on the same group when it still matches.
    pub fn settle(&mut self) {
        if !self.index.has_pending() {
            return;
        }
        let keep = self.selected_group().map(|g| g.group_id.clone());
        self.index.apply();
        if !self.searching_all() {
            return;
        }
        let groups = self.index.groups();
        let found = keep.and_then(|id| {
            self.index
                .matches()
                .iter()
                .position(|&i| groups[i as usize].group_id == id)
        });
        self.selected = found.unwrap_or(0);
    }

    /// Starts a sync: the first request; the replies go to [`Self::synced_page`].
    pub fn start_sync(&mut self, mut first: ListGroupsByTokenRequest) -> ListGroupsByTokenRequest {
        self.sync = IndexSync::Running { seen: Vec::new() };
        first.sort_type = SortType::Desc;
        first.group_status = GroupStatus::All;
        first.next_page_token = None;
        first
    }

    /// A page of the sync arrived: its groups are searchable at once. Returns
    /// the next page to ask for, or none when the sync is complete.
    pub fn synced_page(
        &mut self,
        request: &ListGroupsByTokenRequest,
        reply: ListGroupsByTokenResponse,
        now: Instant,
    ) -> Result<Option<ListGroupsByTokenRequest>, crate::api::ApiError> {
        use crate::api::Paged;
        let next = request.next_page(&reply)?;
        if let IndexSync::Running { seen } = &mut self.sync {
            seen.extend(reply.group_list.iter().map(|g| g.group_id.clone()));
        }
        let keep = self.selected_group().map(|g| g.group_id.clone());
        self.index.upsert_many(reply.group_list);
        if next.is_none() {
            if let IndexSync::Running { seen } = std::mem::take(&mut self.sync) {
                let seen: std::collections::HashSet<String> = seen.into_iter().collect();
                let gone: Vec<String> = self
                    .index
                    .groups()
                    .iter()
                    .filter(|g| !seen.contains(&g.group_id))
                    .map(|g| g.group_id.clone())
                    .collect();
                for id in gone {
                    self.index.remove(&id);
                }
            }
            self.sync = IndexSync::Done { at: now };
        }
        self.index.set_query(self.filter.value());
        self.settle();
        if let (Some(id), true) = (keep, self.searching_all()) {
            let groups = self.index.groups();
            if let Some(pos) = self
                .index
                .matches()
                .iter()
                .position(|&i| groups[i as usize].group_id == id)
            {
                self.selected = pos;
            }
        }
        Ok(next)
    }

    /// The server page `group_id` is on for the current sort, status and page
    /// size, as far as the index knows (ties in creation time are ordered by
    /// ID, which the service may not do: the page is then checked on arrival).
    pub fn page_of(&self, group_id: &str) -> Option<u32> {
        let target = self.index.get(group_id)?;
        let q = &self.query;
        let wanted = |g: &crate::api::Group| match q.group_status {
            GroupStatus::All => true,
            GroupStatus::Existing => !g.delete,
            GroupStatus::Deleted => g.delete,
        };
        if !wanted(target) {
            return None;
        }
        let key = |g: &crate::api::Group| (g.createtime, g.group_id.clone());
        let before = self
            .index
            .groups()
            .iter()
            .filter(|g| wanted(g))
            .filter(|g| match q.sort_type {
                SortType::Asc => key(g) < key(target),
                SortType::Desc => key(g) > key(target),
            })
            .count();
        u32::try_from(before / q.page_size.max(1) as usize + 1).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Group, ListGroupsRequest};

    fn group(i: usize) -> Group {
        Group {
            group_id: format!("g{i:03}"),
            group_name: format!("Room {i}"),
            createtime: 1_700_000_000 + i as i64,
            delete: i % 5 == 4,
            group_info: String::new(),
            creator_id: "mod1".into(),
            admin_list: Vec::new(),
        }
    }

    fn page(groups: &[Group], more: Option<&str>) -> ListGroupsByTokenResponse {
        ListGroupsByTokenResponse {
            request_id: "r".into(),
            group_list: groups.to_vec(),
            has_more: more.is_some(),
            next_page_token: more.map(str::to_string),
        }
    }

    #[test]
    fn a_sync_makes_every_group_searchable_and_drops_purged_ones() {
        let mut b = BrowserState::new(ListGroupsRequest::new("demo"));
        b.index.upsert(group(999)); // purged since the last sync
        let all: Vec<Group> = (0..45).map(group).collect();
        let first = b.start_sync(ListGroupsByTokenRequest::new("demo"));
        assert!(b.sync.running());
        let now = Instant::now();
        let second = b
            .synced_page(&first, page(&all[..20], Some("20")), now)
            .unwrap()
            .expect("a next page");
        assert_eq!(second.next_page_token, Some(20));
        // Searchable while the sync goes on.
        b.filter = tui_input::Input::new("room 1".into());
        b.refilter();
        b.settle();
        assert!(b.searching_all());
        assert_eq!(b.row_count(), 11, "Room 1 and Room 10..19");
        let last = b.synced_page(&second, page(&all[20..], None), now).unwrap();
        assert!(last.is_none());
        assert!(matches!(b.sync, IndexSync::Done { .. }));
        assert_eq!(b.index.len(), 45, "g999 was purged");
        assert!(!b.sync.due(now));
        assert!(b.sync.due(now + RESYNC_AFTER));
    }

    #[test]
    fn the_page_of_a_group_follows_sort_status_and_size() {
        let mut b = BrowserState::new(ListGroupsRequest::new("demo"));
        b.index.replace_all((0..45).map(group));
        b.query.page_size = 10;
        b.query.sort_type = SortType::Desc;
        assert_eq!(b.page_of("g044"), Some(1));
        assert_eq!(b.page_of("g000"), Some(5));
        b.query.sort_type = SortType::Asc;
        assert_eq!(b.page_of("g000"), Some(1));
        assert_eq!(b.page_of("g010"), Some(2));
        b.query.group_status = GroupStatus::Existing;
        assert_eq!(b.page_of("g004"), None, "deleted: not on an existing page");
        // g000..g011 minus g004, g009: g012 is the 11th existing group.
        assert_eq!(b.page_of("g012"), Some(2));
        assert_eq!(b.page_of("nope"), None);
    }
}
