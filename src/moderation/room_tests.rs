use super::*;
use proptest::prelude::*;

const T0: i64 = 1_700_000_000;

fn m(seq: i64) -> Message {
    Message {
        room: "room1".into(),
        msg_tid: format!("tid{seq}"),
        sender_id: format!("u{}", seq % 3),
        body: format!("message {seq}"),
        seq,
        timestamp: T0 + seq,
        ..Message::default()
    }
}

fn seqs(room: &Room) -> Vec<i64> {
    room.iter().map(|h| h.message.seq).collect()
}

#[test]
fn pages_in_any_order_and_overlapping_are_held_once_in_sequence_order() {
    let mut room = Room::new("room1", 100);
    // A descending first page, then an ascending poll overlapping it.
    let first = room.insert([5, 4, 3, 2, 1].map(m));
    assert_eq!(
        first.added.iter().map(|x| x.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    let next = room.insert([4, 5, 6, 7].map(m));
    assert_eq!(next.added.iter().map(|x| x.seq).collect::<Vec<_>>(), [6, 7]);
    assert_eq!(next.duplicates, 2);
    // A gap filled later (an older page) lands in place.
    room.insert([10, 9].map(m));
    room.insert([8].map(m));
    assert_eq!(seqs(&room), (1..=10).collect::<Vec<_>>());
    // Duplicates inside one batch count once.
    let again = room.insert([11, 11].map(m));
    assert_eq!((again.added.len(), again.duplicates), (1, 1));
}

#[test]
fn the_ring_keeps_the_newest_and_refuses_older_pages_when_full() {
    let mut room = Room::new("room1", 5);
    room.insert((1..=8).map(m));
    assert_eq!(seqs(&room), [4, 5, 6, 7, 8]);
    let old = room.insert([1, 2].map(m));
    assert_eq!((old.added.len(), old.dropped), (0, 2));
    room.insert([9].map(m));
    assert_eq!(seqs(&room), [5, 6, 7, 8, 9]);
}

#[test]
fn following_the_newest_at_the_bottom() {
    let mut room = Room::new("room1", 100);
    assert_eq!(room.selected_index(), None);
    room.insert((1..=3).map(m));
    assert!(room.is_following());
    assert_eq!(room.selected().unwrap().message.seq, 3);
    room.insert((4..=6).map(m));
    assert_eq!(room.selected().unwrap().message.seq, 6);
    assert_eq!(room.new_below(), 0);
}

#[test]
fn scrolled_up_the_view_holds_still_and_counts_new_messages_below() {
    let mut room = Room::new("room1", 100);
    room.insert((1..=10).map(m));
    room.scroll_by(-3);
    assert!(!room.is_following());
    assert_eq!(room.selected().unwrap().message.seq, 7);
    room.insert((11..=22).map(m));
    assert_eq!(room.selected().unwrap().message.seq, 7, "holds still");
    assert_eq!(room.new_below(), 12, "12 new ↓");
    // Scrolling down past some of them sees them.
    room.scroll_by(8);
    assert_eq!(room.selected().unwrap().message.seq, 15);
    assert_eq!(room.new_below(), 7);
    // Back at the bottom: following again.
    room.scroll_by(100);
    assert!(room.is_following());
    assert_eq!(room.new_below(), 0);
    room.insert([23].map(m));
    assert_eq!(room.selected().unwrap().message.seq, 23);
}

#[test]
fn holding_on_a_message_that_falls_off_the_ring_stays_at_the_oldest() {
    let mut room = Room::new("room1", 5);
    room.insert((1..=5).map(m));
    room.scroll_to_oldest();
    assert!(room.wants_older());
    room.insert((6..=7).map(m));
    assert_eq!(room.selected_index(), Some(0));
    assert_eq!(room.selected().unwrap().message.seq, 3);
    assert_eq!(room.new_below(), 2);
}

#[test]
fn a_gap_filled_above_the_view_does_not_count_as_new_below() {
    let mut room = Room::new("room1", 100);
    room.insert([1, 2, 5, 6, 7, 8].map(m));
    room.scroll_by(-1);
    room.insert([3, 4].map(m));
    assert_eq!(room.selected().unwrap().message.seq, 7);
    assert_eq!(room.new_below(), 0);
}

#[test]
fn recalled_messages_are_marked_once() {
    let mut room = Room::new("room1", 100);
    room.insert((1..=3).map(m));
    assert!(room.mark_recalled("tid2"));
    assert!(!room.mark_recalled("tid2"));
    assert!(!room.mark_recalled("nope"));
    assert_eq!(
        room.iter().map(|h| h.recalled).collect::<Vec<_>>(),
        [false, true, false]
    );
}

#[test]
fn messages_per_minute_counts_the_last_sixty_seconds() {
    let mut room = Room::new("room1", 1000);
    // 100 messages, one per second, timestamps T0+1 ..= T0+100.
    room.insert((1..=100).map(m));
    assert_eq!(room.messages_per_minute(T0 + 100), 60);
    assert_eq!(room.messages_per_minute(T0 + 130), 30);
    assert_eq!(room.messages_per_minute(T0 + 500), 0);
    // Millisecond timestamps count the same.
    let mut ms = Room::new("r", 10);
    ms.insert((1..=3).map(|s| Message {
        timestamp: (T0 + s) * 1000,
        ..m(s)
    }));
    assert_eq!(ms.messages_per_minute(T0 + 3), 3);
}

proptest! {
    #[test]
    fn any_pages_leave_a_sorted_deduplicated_bounded_ring(
        pages in proptest::collection::vec(proptest::collection::vec(0i64..200, 0..30), 0..20),
        capacity in 1usize..50,
        moves in proptest::collection::vec(-20isize..20, 0..10),
    ) {
        let mut room = Room::new("r", capacity);
        let mut all = std::collections::BTreeSet::new();
        for (i, page) in pages.iter().enumerate() {
            room.insert(page.iter().map(|&s| m(s)));
            all.extend(page.iter().copied());
            if let Some(&d) = moves.get(i) {
                room.scroll_by(d);
            }
            let held = seqs(&room);
            prop_assert!(held.len() <= capacity);
            prop_assert!(held.windows(2).all(|w| w[0] < w[1]));
            // The newest message ever seen is always held.
            prop_assert_eq!(held.last(), all.iter().next_back());
            prop_assert!(room.selected_index().is_none_or(|i| i < held.len()));
            prop_assert!(room.new_below() <= held.len());
        }
    }
}
