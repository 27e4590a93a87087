//! The store's own rules: ordering, counts, the message cache.

use super::*;
use crate::api::model::{GroupStatus, SortType};

fn mem() -> Connection {
    open_connection(&StateLocation::InMemory).unwrap()
}

#[test]
fn list_breaks_creation_time_ties_by_insertion_order() {
    let conn = mem();
    for id in ["b", "a", "c"] {
        insert_group(
            &conn,
            "demo",
            &NewGroup {
                group_id: id,
                group_name: "",
                group_info: "",
                creator_id: "",
                administrators: &[],
                createtime: 100,
            },
        )
        .unwrap();
    }
    let asc = list_groups(&conn, "demo", SortType::Asc, GroupStatus::All, 50, 0).unwrap();
    let ids: Vec<_> = asc.iter().map(|g| g.group_id.as_str()).collect();
    assert_eq!(ids, ["b", "a", "c"]);
    let desc = list_groups(&conn, "demo", SortType::Desc, GroupStatus::All, 50, 0).unwrap();
    let ids: Vec<_> = desc.iter().map(|g| g.group_id.as_str()).collect();
    assert_eq!(ids, ["c", "a", "b"]);
}

#[test]
fn counts_follow_inserts_and_deletes() {
    let conn = mem();
    let g = |id| NewGroup {
        group_id: id,
        group_name: "",
        group_info: "",
        creator_id: "",
        administrators: &[],
        createtime: 1,
    };
    insert_group(&conn, "demo", &g("a")).unwrap();
    insert_group(&conn, "demo", &g("b")).unwrap();
    mark_deleted(&conn, "demo", "a", 2, None).unwrap();
    mark_deleted(&conn, "demo", "a", 3, None).unwrap();
    assert_eq!(counts(&conn, "demo").unwrap(), (1, 1));
    assert_eq!(counts(&conn, "other").unwrap(), (0, 0));
}

#[test]
fn the_cache_keeps_only_the_latest_messages() {
    let conn = mem();
    for i in 0..(CACHE_LEN + 10) {
        let tid = format!("t{i}");
        deliver(
            &conn,
            &NewMessage {
                app_id: "demo",
                group_id: "g",
                msg_tid: &tid,
                sender_id: "s",
                sender_meta_info: "",
                body: "b",
                msg_type: 0,
                statics_increase: 1,
                weight: 1,
                store: i % 2 == 0,
                cache: true,
                sent_at_ms: i,
            },
        )
        .unwrap();
    }
    let cached = messages(&conn, "demo", "g", true).unwrap();
    assert_eq!(cached.len() as i64, CACHE_LEN);
    assert_eq!(
        cached.last().unwrap().msg_tid,
        format!("t{}", CACHE_LEN + 9)
    );
    let stored = messages(&conn, "demo", "g", false).unwrap();
    assert_eq!(stored.len() as i64, (CACHE_LEN + 10) / 2);
    assert_eq!(
        deliveries(&conn, None).unwrap().len() as i64,
        CACHE_LEN + 10
    );
}
