use super::*;

#[test]
fn poll_intervals_follow_activity_kind_and_failures() {
    let p = PollPolicy::default();
    let s = Duration::from_secs;
    assert_eq!(p.interval(RoomKind::Open, s(0), 0), s(1));
    assert_eq!(p.interval(RoomKind::Open, s(3), 0), s(1));
    assert_eq!(p.interval(RoomKind::Open, s(20), 0), s(5));
    assert_eq!(p.interval(RoomKind::Open, s(3600), 0), s(8));
    assert_eq!(p.interval(RoomKind::Pinned, s(0), 0), s(5));
    assert_eq!(p.interval(RoomKind::Pinned, s(3600), 0), s(30));
    assert_eq!(p.interval(RoomKind::Open, s(0), 1), s(2));
    assert_eq!(p.interval(RoomKind::Open, s(0), 3), s(8));
    assert_eq!(p.interval(RoomKind::Open, s(0), 40), s(60));
    assert_eq!(PollPolicy::polling_budget(50), 25);
    assert_eq!(PollPolicy::polling_budget(10), 5);
    assert_eq!(PollPolicy::polling_budget(1), 1);
}

#[test]
fn poll_state_backs_off_in_quiet_and_speeds_up_on_news() {
    let p = PollPolicy::default();
    let t0 = Instant::now();
    let at = |secs: u64| t0 + Duration::from_secs(secs);
    let mut st = PollState::started(t0);
    assert!(st.is_due(&p, RoomKind::Open, t0), "never polled: due now");
    st.polled(at(0), 5);
    assert_eq!(st.next_due(&p, RoomKind::Open), Some(at(1)));
    assert!(!st.is_due(&p, RoomKind::Open, t0));
    // Quiet for 40 s: the open room waits 8 s, a pinned one 10 s.
    st.polled(at(40), 0);
    assert_eq!(st.next_due(&p, RoomKind::Open), Some(at(48)));
    assert_eq!(st.next_due(&p, RoomKind::Pinned), Some(at(50)));
    // A message arrives: back to once a second.
    st.polled(at(48), 1);
    assert_eq!(st.next_due(&p, RoomKind::Open), Some(at(49)));
    // Failures back off, a success resets them.
    st.failed(at(49));
    st.failed(at(51));
    assert_eq!(st.failures(), 2);
    assert_eq!(st.next_due(&p, RoomKind::Open), Some(at(55)));
    st.polled(at(55), 0);
    assert_eq!(st.failures(), 0);
    // Quiet since 48: a quarter of 7 s.
    assert_eq!(
        st.next_due(&p, RoomKind::Open),
        Some(at(55) + Duration::from_millis(1750))
    );
}

#[test]
fn a_poll_in_flight_is_never_doubled() {
    let p = PollPolicy::default();
    let t0 = Instant::now();
    let mut st = PollState::started(t0);
    st.begin();
    assert!(!st.is_due(&p, RoomKind::Open, t0 + Duration::from_secs(60)));
    st.polled(t0 + Duration::from_secs(1), 0);
    assert!(!st.in_flight());
    assert!(st.is_due(&p, RoomKind::Open, t0 + Duration::from_secs(2)));
}

#[test]
fn the_budget_polls_the_open_room_first_then_the_longest_overdue() {
    let p = PollPolicy::default();
    let t0 = Instant::now();
    let s = Duration::from_secs;
    let polled_at = |secs: u64| {
        let mut st = PollState::started(t0);
        st.polled(t0 + s(secs), 1);
        st
    };
    // Budget for a 4 calls/s operation: 2 polls a second.
    let mut budget = PollBudget::for_rate(4);
    assert_eq!(budget.per_second(), 2);
    let now = t0 + s(20);
    let rooms = vec![
        ("pinned-old", RoomKind::Pinned, polled_at(0)),
        ("pinned-new", RoomKind::Pinned, polled_at(10)),
        ("pinned-fresh", RoomKind::Pinned, polled_at(19)),
        ("open", RoomKind::Open, polled_at(18)),
    ];
    assert_eq!(
        budget.pick(now, &p, rooms.clone()),
        ["open", "pinned-old"],
        "pinned-fresh is not due; the budget allows two"
    );
    // The budget is spent for this second ...
    assert!(
        budget
            .pick(now + Duration::from_millis(500), &p, rooms.clone())
            .is_empty()
    );
    // ... and the loop is told to wake when it frees.
    let pending = vec![(RoomKind::Pinned, polled_at(10))];
    assert_eq!(budget.next_wake(now, &p, pending.clone()), Some(now + s(1)));
    // The two polled answer; a second later the open room and the next overdue go.
    let rooms = vec![
        ("pinned-old", RoomKind::Pinned, polled_at(20)),
        ("pinned-new", RoomKind::Pinned, polled_at(10)),
        ("pinned-fresh", RoomKind::Pinned, polled_at(19)),
        ("open", RoomKind::Open, polled_at(20)),
    ];
    assert_eq!(budget.pick(now + s(1), &p, rooms), ["open", "pinned-new"]);
    // Nothing open or pinned: nothing to wake for.
    let none: Vec<(RoomKind, PollState)> = Vec::new();
    assert_eq!(budget.next_wake(now, &p, none), None);
}

#[test]
fn a_room_never_polled_is_due_at_once_and_wakes_the_loop_now() {
    let p = PollPolicy::default();
    let t0 = Instant::now();
    let budget = PollBudget::for_rate(50);
    assert_eq!(
        budget.next_wake(t0, &p, [(RoomKind::Pinned, PollState::started(t0))]),
        Some(t0)
    );
    let mut in_flight = PollState::started(t0);
    in_flight.begin();
    assert_eq!(
        budget.next_wake(t0, &p, [(RoomKind::Open, in_flight)]),
        None
    );
}
