//! The browser's own keys and what the app does with them: searching every
//! group, going to a group by ID, recovering, marking, zoom, and the frames
//! at the three sizes.

use super::*;
use crate::api::{
    ListGroupsByTokenRequest, ListGroupsByTokenResponse, RecoverGroupRequest, RecoverGroupResponse,
};

/// An app that searches every group, with the first page of `total` loaded.
fn searching(total: usize) -> App {
    let mut ctx = Context::demo();
    ctx.search_all_groups = true;
    let mut a = app_with(ctx);
    a.start();
    answer_pages(&mut a, total);
    a
}

/// Answers every queued index page (20 groups a page, newest first) until
/// the sync is complete; returns how many pages were asked for.
fn answer_sync(a: &mut App, total: usize) -> usize {
    let mut pages = 0;
    loop {
        let mut asked = false;
        for c in a.take_commands() {
            let Some((id, req)) = op::<ListGroupsByTokenRequest>(&c) else {
                continue;
            };
            asked = true;
            pages += 1;
            let start = req.next_page_token.unwrap_or(0) as usize;
            let end = (start + 20).min(total);
            let group_list: Vec<Group> = (start..end).map(|i| demo_group(total - 1 - i)).collect();
            let more = end < total;
            answer(
                a,
                id,
                Ok(ListGroupsByTokenResponse {
                    request_id: format!("sync-{pages}"),
                    group_list,
                    has_more: more,
                    next_page_token: more.then(|| end.to_string()),
                }),
            );
        }
        if !asked {
            return pages;
        }
    }
}

#[test]
fn slash_searches_every_group_of_the_app_not_only_the_page() {
    let mut a = searching(45);
    press(&mut a, "/");
    assert_eq!(answer_sync(&mut a, 45), 3, "45 groups: 3 token pages");
    assert_eq!(a.browser.index.len(), 45);
    type_text(&mut a, "room003");
    a.settle();
    // room003 is on page 3; the old filter saw only page 1's rows.
    assert!(a.browser.searching_all());
    assert_eq!(a.browser.row_count(), 1);
    assert_eq!(selected_id(&a), "room003");
    let text = frame_text(&a, 120, 40);
    assert!(text.contains("all 45 groups of the app"), "{text}");
    assert!(text.contains("1/45 groups"), "{text}");
    insta::assert_snapshot!("search_all_120x40", text);
    // Row keys act on the group found (the first Enter keeps the search).
    keys(&mut a, &["enter", "enter"]);
    assert_eq!(a.focus, Focus::Detail);
    // Esc in the browser clears the search: the page view is back.
    keys(&mut a, &["esc", "esc"]);
    assert!(!a.browser.searching_all());
    assert_eq!(a.browser.row_count(), 20);
    // A second / soon after does not sync again.
    press(&mut a, "/");
    assert_eq!(answer_sync(&mut a, 45), 0);
    // The page keys move through the results; the server page stays.
    type_text(&mut a, "room");
    press(&mut a, "enter");
    a.settle();
    assert_eq!(a.browser.row_count(), 45);
    assert!(a.hints().iter().any(|(_, w)| *w == "page view"));
    keys(&mut a, &["home", "pgdn"]);
    assert_eq!(a.browser.selected, 10);
    assert_eq!(a.browser.query.page_number, 1);
    assert!(a.take_commands().is_empty(), "no server page asked for");
}

#[test]
fn a_failed_sync_says_so_and_the_page_filter_still_works() {
    let mut a = searching(45);
    press(&mut a, "/");
    let (id, _) = only::<ListGroupsByTokenRequest>(&a.take_commands());
    answer::<ListGroupsByTokenResponse>(&mut a, id, Err(service_error("Throttling")));
    assert!(
        a.status
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("syncing all groups")
    );
    type_text(&mut a, "room04");
    a.settle();
    assert!(!a.browser.searching_all());
    assert_eq!(a.browser.visible.len(), 5, "room040..room044 on the page");
}

#[test]
fn g_then_an_id_jumps_to_the_group_and_g_g_goes_to_the_top() {
    let mut a = searching(45);
    press(&mut a, "/");
    answer_sync(&mut a, 45);
    press(&mut a, "esc");
    press(&mut a, "g");
    assert_eq!(a.command.as_ref().unwrap().value(), "group ");
    type_text(&mut a, "room003");
    press(&mut a, "enter");
    assert_eq!(a.browser.query.page_number, 3, "{:?}", a.status);
    answer_pages(&mut a, 45);
    assert_eq!(selected_id(&a), "room003");
    // A `g` inside the ID is text, not the top.
    press(&mut a, "g");
    type_text(&mut a, "rog");
    assert_eq!(a.command.as_ref().unwrap().value(), "group rog");
    press(&mut a, "esc");
    // `g g`: the first row of the page shown.
    press(&mut a, "g");
    press(&mut a, "g");
    assert!(a.command.is_none());
    assert_eq!(selected_id(&a), "room004", "page 3, newest first");
    // `@` opens the same line, where `g` is text (IDs may start with g).
    press(&mut a, "@");
    press(&mut a, "g");
    assert_eq!(a.command.as_ref().unwrap().value(), "group g");
}

#[test]
fn go_to_a_group_by_id_loads_its_page_and_selects_it() {
    let mut a = searching(45);
    press(&mut a, "/");
    answer_sync(&mut a, 45);
    press(&mut a, "esc");
    // `@` opens the line ready for an ID.
    press(&mut a, "@");
    assert_eq!(a.command.as_ref().unwrap().value(), "group ");
    type_text(&mut a, "room003");
    press(&mut a, "enter");
    assert_eq!(a.browser.query.page_number, 3, "{:?}", a.status);
    answer_pages(&mut a, 45);
    assert_eq!(selected_id(&a), "room003");
    // On the page already: selected without a load.
    a.run_command("group room001");
    assert!(a.take_commands().is_empty());
    assert_eq!(selected_id(&a), "room001");
    // Unknown: said, not silently ignored.
    a.run_command("group nope");
    assert!(
        a.status
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("No group nope")
    );
}

#[test]
fn r_recovers_a_deleted_group_after_asking() {
    let mut a = loaded(45);
    // room038 is deleted (38 % 7 == 3): the 7th row.
    keys(&mut a, &["j", "j", "j", "j", "j", "j"]);
    assert_eq!(selected_id(&a), "room038");
    let hints = a.hints();
    assert!(
        hints.iter().any(|(k, w)| k == "R" && *w == "recover"),
        "{hints:?}"
    );
    press(&mut a, "R");
    assert!(matches!(a.overlay, Some(Overlay::Confirm(_))));
    assert!(a.take_commands().is_empty(), "asks first");
    keys(&mut a, &["tab", "enter"]);
    let (id, req) = only::<RecoverGroupRequest>(&a.take_commands());
    assert_eq!(req.group_id, "room038");
    answer(
        &mut a,
        id,
        Ok(RecoverGroupResponse {
            request_id: "REQ-R".into(),
            group_id: "room038".into(),
        }),
    );
    let toast = a.status.toast.clone().unwrap().text;
    assert!(toast.contains("Recovered group room038"), "{toast}");
    assert_eq!(page_loads(&a.take_commands()), vec![1], "the page reloads");
    // On a group that is not deleted, R says there is nothing to recover.
    press(&mut a, "k");
    press(&mut a, "R");
    assert!(a.overlay.is_none());
    assert!(a.status.toast.clone().unwrap().text.contains("not deleted"));
}

#[test]
fn recover_is_refused_in_read_only() {
    let mut ctx = Context::demo();
    ctx.read_only = true;
    let mut a = app_with(ctx);
    a.start();
    answer_pages(&mut a, 45);
    keys(&mut a, &["j", "j", "j", "j", "j", "j", "R"]);
    assert!(a.overlay.is_none());
    assert!(a.take_commands().is_empty());
    let toast = a.status.toast.clone().unwrap().text;
    assert_eq!(toast, "read-only: recover is disabled");
}

#[test]
fn a_created_group_is_selected_on_the_page_it_is_on() {
    let mut a = loaded(45);
    // Oldest first: a new group is on the last page.
    press(&mut a, "s");
    answer_pages(&mut a, 45);
    press(&mut a, "c");
    let Some(Overlay::Create(_)) = &a.overlay else {
        panic!("create form");
    };
    type_text(&mut a, "zz9");
    press(&mut a, "enter");
    let (id, _) = only::<CreateGroupRequest>(&a.take_commands());
    answer(
        &mut a,
        id,
        Ok(CreateGroupResponse {
            request_id: "REQ-C".into(),
            group_id: "zz9".into(),
            already_exists: false,
            already_delete: false,
        }),
    );
    // 46 groups at 20 a page: the last page is 3.
    assert_eq!(page_loads(&a.take_commands()), vec![3]);
    assert_eq!(a.browser.select_after_load.as_deref(), Some("zz9"));
}

#[test]
fn mark_all_and_invert_act_on_the_rows_shown_and_skip_deleted_groups() {
    let mut a = loaded(45);
    press(&mut a, "+");
    // Page 1 is room044..room025; room038 and room031 are deleted.
    assert_eq!(a.browser.marked.len(), 18);
    let toast = a.status.toast.clone().unwrap().text;
    assert_eq!(toast, "18 marked · 2 deleted groups skipped");
    press(&mut a, "*");
    assert!(a.browser.marked.is_empty());
    // A deleted group can be marked by hand; bulk delete says it skips it.
    keys(&mut a, &["space", "j", "j", "j", "j", "j", "j", "space"]);
    assert_eq!(a.browser.marked.len(), 2);
    assert!(
        a.status
            .toast
            .clone()
            .unwrap()
            .text
            .contains("room038 is deleted")
    );
    press(&mut a, "d");
    let toast = a.status.toast.clone().unwrap().text;
    assert!(toast.starts_with("1 deleted group skipped"), "{toast}");
    let Some(Overlay::Confirm(d)) = &a.overlay else {
        panic!("bulk delete asks");
    };
    assert_eq!(d.title, "Delete 1 groups");
}

#[test]
fn zoom_gives_the_focused_pane_the_full_width() {
    // The browser's column header row, if the browser is drawn.
    let header = |text: &str| -> String {
        text.lines()
            .find(|l| l.contains("GroupName") && l.contains("Status"))
            .unwrap_or_default()
            .to_string()
    };
    let mut a = loaded(45);
    let text = frame_text(&a, 120, 40);
    assert!(text.contains("Detail"), "{text}");
    assert!(
        !header(&text).contains("CreatorId"),
        "beside the detail pane: no room"
    );
    press(&mut a, "Z");
    let text = frame_text(&a, 120, 40);
    assert!(!text.contains("Detail"), "{text}");
    assert!(header(&text).contains("CreatorId"), "{text}");
    press(&mut a, "enter");
    let text = frame_text(&a, 120, 40);
    assert!(
        text.contains("Detail") && header(&text).is_empty(),
        "{text}"
    );
    press(&mut a, "Z");
    let text = frame_text(&a, 120, 40);
    assert!(
        text.contains("Detail") && !header(&text).is_empty(),
        "{text}"
    );
}

#[test]
fn browser_detail_and_help_frames_at_three_sizes_cut_no_sentence() {
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let mut a = loaded(45);
        a.browser.groups[1].group_name =
            "Friday night launch party with the whole team and guests from abroad".into();
        a.browser.groups[1].group_info = r#"{"topic":"a launch party with a rather long description that has to wrap somewhere","level":2}"#.into();
        let text = frame_text(&a, w, h);
        insta::assert_snapshot!(format!("browser_{w}x{h}"), text);
        let last = text.lines().last().unwrap();
        assert!(last.trim_end().ends_with("? help  q quit"), "{w}: {last:?}");
        keys(&mut a, &["j", "enter"]);
        let text = frame_text(&a, w, h);
        insta::assert_snapshot!(format!("detail_{w}x{h}"), text);
        assert!(
            text.contains("days ago)"),
            "relative date whole at {w}x{h}: {text}"
        );
        assert!(
            text.contains("description that") || text.contains("description\n"),
            "JSON wrapped at a space: {text}"
        );
        assert!(!text.contains("descripti\n"), "{text}");
        assert!(text.contains("abroad"), "the name whole at {w}x{h}: {text}");
        press(&mut a, "?");
        let text = frame_text(&a, w, h);
        insta::assert_snapshot!(format!("help_{w}x{h}"), text);
        assert!(
            !text.contains('…'),
            "no help line cut off at {w}x{h}: {text}"
        );
    }
}

#[test]
fn mouse_hit_testing_uses_the_last_frame_only() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut ctx = Context::demo();
    ctx.mouse = true;
    let mut a = app_with(ctx);
    a.start();
    answer_pages(&mut a, 10);
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 5,
        modifiers: KeyModifiers::NONE,
    };
    // Nothing drawn yet: nothing to hit.
    a.handle(Msg::Mouse(click));
    assert_eq!(selected_id(&a), "room009");
    let _ = frame_text(&a, 80, 24);
    a.handle(Msg::Mouse(click));
    assert_eq!(selected_id(&a), "room007");
    // A frame where the browser is not drawn (detail alone at 80 columns)
    // leaves no browser rows to click.
    press(&mut a, "enter");
    let _ = frame_text(&a, 80, 24);
    a.handle(Msg::Mouse(MouseEvent { row: 7, ..click }));
    assert_eq!(selected_id(&a), "room007");
}

#[test]
fn enter_in_detail_waits_while_another_page_loads() {
    let mut a = loaded(45);
    press(&mut a, "enter");
    assert_eq!(a.focus, Focus::Detail);
    a.run_command("page 2");
    press(&mut a, "enter");
    assert!(a.rooms.open.is_none(), "no room of a row about to leave");
    let toast = a.status.toast.clone().unwrap().text;
    assert!(toast.contains("Page 2 is loading"), "{toast}");
    answer_pages(&mut a, 45);
    press(&mut a, "enter");
    assert!(a.rooms.open.is_some());
}
