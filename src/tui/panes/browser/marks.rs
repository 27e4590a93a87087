//! Marks for bulk send and delete: one row, every row shown, or the inverse.
//! Nothing can be sent to a deleted group and it cannot be deleted again:
//! marking one says that bulk runs skip it, and mark-all leaves them out.

use super::BrowserState;

/// What marking did, for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MarkOutcome {
    Marked,
    Unmarked,
    /// The selected group is marked, but it is deleted: bulk runs skip it.
    MarkedDeleted(String),
    NoRow,
    /// Mark-all or invert: now `marked` in all; `skipped` deleted rows left out.
    Many {
        marked: usize,
        skipped: usize,
    },
}

impl MarkOutcome {
    /// What the status line says, if anything.
    pub(crate) fn say(&self) -> Option<String> {
        match self {
            MarkOutcome::Marked | MarkOutcome::Unmarked | MarkOutcome::NoRow => None,
            MarkOutcome::MarkedDeleted(id) => {
                Some(format!("{id} is deleted: bulk send and delete skip it"))
            }
            MarkOutcome::Many { marked, skipped } => {
                let mut s = format!("{marked} marked");
                match skipped {
                    0 => {}
                    1 => s.push_str(" · 1 deleted group skipped"),
                    n => s.push_str(&format!(" · {n} deleted groups skipped")),
                }
                Some(s)
            }
        }
    }
}

impl BrowserState {
    /// Marks or unmarks the selected group.
    pub(crate) fn toggle_mark(&mut self) -> MarkOutcome {
        let Some(g) = self.selected_group().cloned() else {
            return MarkOutcome::NoRow;
        };
        if self.marked.remove(&g.group_id).is_some() {
            return MarkOutcome::Unmarked;
        }
        let id = g.group_id.clone();
        let deleted = g.delete;
        self.marked.insert(id.clone(), g);
        if deleted {
            MarkOutcome::MarkedDeleted(id)
        } else {
            MarkOutcome::Marked
        }
    }

    /// Marks every row shown (`invert`: flips each row's mark instead).
    pub(crate) fn mark_shown(&mut self, invert: bool) -> MarkOutcome {
        let mut skipped = 0;
        let rows: Vec<_> = (0..self.row_count())
            .filter_map(|i| self.row(i).cloned())
            .collect();
        for g in rows {
            if invert && self.marked.remove(&g.group_id).is_some() {
                continue;
            }
            if g.delete {
                skipped += 1;
            } else {
                self.marked.insert(g.group_id.clone(), g);
            }
        }
        MarkOutcome::Many {
            marked: self.marked.len(),
            skipped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Group, ListGroupsRequest};

    fn group(i: usize) -> Group {
        Group {
            group_id: format!("g{i}"),
            group_name: format!("Room {i}"),
            delete: i % 5 == 4,
            group_info: String::new(),
            creator_id: "mod1".into(),
            createtime: 1_700_000_000,
            admin_list: Vec::new(),
        }
    }

    #[test]
    fn mark_all_skips_deleted_groups_and_invert_flips_the_rest() {
        let mut b = BrowserState::new(ListGroupsRequest::new("demo"));
        b.set_groups((0..10).map(group).collect(), 10);
        b.selected = 4;
        let m = b.toggle_mark();
        assert_eq!(m, MarkOutcome::MarkedDeleted("g4".into()));
        assert_eq!(
            m.say().as_deref(),
            Some("g4 is deleted: bulk send and delete skip it")
        );
        assert_eq!(b.toggle_mark(), MarkOutcome::Unmarked);
        b.selected = 0;
        assert_eq!(b.toggle_mark(), MarkOutcome::Marked);
        let all = b.mark_shown(false);
        assert_eq!(
            all,
            MarkOutcome::Many {
                marked: 8,
                skipped: 2
            }
        );
        assert_eq!(
            all.say().as_deref(),
            Some("8 marked · 2 deleted groups skipped")
        );
        b.selected = 1;
        assert_eq!(b.toggle_mark(), MarkOutcome::Unmarked);
        // Invert: g1 marked again, the 7 others unmarked.
        b.mark_shown(true);
        assert_eq!(b.marked.keys().collect::<Vec<_>>(), ["g1"]);
    }
}
