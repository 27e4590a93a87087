//! The emulator: list.

use super::*;

#[tokio::test]
async fn list_sorts_pages_and_filters() {
    let emu = start_default().await;
    let base = 1_700_000_000;
    // Three groups share a creation time: insertion order breaks the tie.
    let mut seeds = vec![
        seed("old", base),
        seed("tieA", base + 10),
        seed("tieB", base + 10),
        seed("tieC", base + 10),
    ];
    seeds.push(SeedGroup {
        deleted: true,
        ..seed("del", base + 5)
    });
    for i in 0..20 {
        seeds.push(seed(&format!("n{i:02}"), base + 100 + i));
    }
    emu.import_groups("demo", seeds).await.unwrap();
    let c = client(&emu);

    let asc = c
        .call(&list(SortType::Asc, 5, 1, GroupStatus::All))
        .await
        .unwrap();
    let ids: Vec<_> = asc.group_list.iter().map(|g| g.group_id.as_str()).collect();
    assert_eq!(ids, ["old", "del", "tieA", "tieB", "tieC"]);
    assert_eq!(
        (asc.total_count, asc.page_number, asc.page_size),
        (25, 1, 5)
    );
    assert_eq!(asc.group_list[0].createtime, base);

    let desc = c
        .call(&list(SortType::Desc, 50, 1, GroupStatus::All))
        .await
        .unwrap();
    let ids: Vec<_> = desc
        .group_list
        .iter()
        .map(|g| g.group_id.as_str())
        .collect();
    assert_eq!(&ids[20..], ["tieC", "tieB", "tieA", "del", "old"]);
    assert_eq!(ids[0], "n19");

    let existing = c
        .call(&list(SortType::Asc, 50, 1, GroupStatus::Existing))
        .await
        .unwrap();
    assert_eq!(existing.total_count, 24);
    assert!(existing.group_list.iter().all(|g| !g.delete));
    let deleted = c
        .call(&list(SortType::Asc, 50, 1, GroupStatus::Deleted))
        .await
        .unwrap();
    assert_eq!(deleted.total_count, 1);
    assert_eq!(deleted.group_list[0].group_id, "del");
    assert!(deleted.group_list[0].delete);

    // Pages walk the whole set exactly once.
    let mut seen = Vec::new();
    for page in 1..=5 {
        let p = c
            .call(&list(SortType::Asc, 6, page, GroupStatus::All))
            .await
            .unwrap();
        seen.extend(p.group_list.into_iter().map(|g| g.group_id));
    }
    assert_eq!(seen.len(), 25);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25);
    let beyond = c
        .call(&list(SortType::Asc, 50, 3, GroupStatus::All))
        .await
        .unwrap();
    assert!(beyond.group_list.is_empty());
    assert_eq!(beyond.total_count, 25);

    // Defaults: PageSize 20, PageNumber 1, GroupStatus 0.
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[("AppId", "demo"), ("SortType", "2")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(
        (
            v["PageSize"].as_u64(),
            v["PageNumber"].as_u64(),
            v["TotalCount"].as_u64()
        ),
        (Some(20), Some(1), Some(25))
    );
    assert_eq!(v["GroupList"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn list_parameter_checks() {
    let emu = start_default().await;
    let base = [("AppId", "demo"), ("SortType", "1")];
    let cases: &[(&str, &str, &str)] = &[
        ("SortType", "3", "SortType"),
        ("SortType", "x", "SortType"),
        ("PageSize", "0", "PageSize"),
        ("PageSize", "51", "PageSize"),
        ("PageNumber", "0", "PageNumber"),
        ("PageNumber", "10001", "PageNumber"),
        ("GroupStatus", "3", "GroupStatus"),
    ];
    for (name, value, field) in cases {
        let mut params: Vec<(&str, &str)> =
            base.iter().copied().filter(|(k, _)| k != name).collect();
        params.push((name, value));
        let r = v2_get(&emu, "ListLiveMessageGroupByPage", &params).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "InputInvalid".into()),
            "{name}={value}: {}",
            r.text
        );
        assert!(r.message().contains(field), "{}", r.message());
    }
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[
            ("AppId", "demo"),
            ("PageSize", "50"),
            ("PageNumber", "10000"),
        ],
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "MissingParameter".into()));
    assert!(r.message().contains("SortType"));
    let r = v2_get(
        &emu,
        "ListLiveMessageGroupByPage",
        &[
            ("AppId", "demo"),
            ("SortType", "1"),
            ("PageSize", "50"),
            ("PageNumber", "10000"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "the bounds are inclusive: {}", r.text);
}
