//! The create form and the delete dialog, driven through `App::handle`, and
//! their frames at 80x24, 120x40 and 200x50 with nothing cut off.

use super::*;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

fn create_form(a: &App) -> &crate::tui::panes::create::CreateForm {
    match &a.overlay {
        Some(Overlay::Create(f)) => f,
        other => panic!("the create form expected: {other:?}"),
    }
}

#[test]
fn the_create_form_judges_a_field_once_it_is_left_not_before() {
    let mut a = loaded(10);
    press(&mut a, "c");
    // Nothing typed yet: no complaint, although GroupId is required.
    let text = dialog_text(&frame_text(&a, 80, 24), "Create group");
    assert!(!text.contains('✗'), "{text}");
    type_text(&mut a, "bad id");
    let text = dialog_text(&frame_text(&a, 80, 24), "Create group");
    assert!(!text.contains('✗'), "not while typing: {text}");
    // Leaving the field judges it; coming back shows why.
    press(&mut a, "tab");
    assert!(create_form(&a).shown_problem(0).is_some());
    press(&mut a, "backtab");
    let text = dialog_text(&frame_text(&a, 80, 24), "Create group");
    assert!(text.contains("✗ GroupId"), "{text}");
    assert!(text.contains("letters and digits"), "{text}");

    // Submitting judges every field, even those never visited.
    let mut a = loaded(10);
    press(&mut a, "c");
    press(&mut a, "enter");
    assert!(a.take_commands().is_empty());
    let f = create_form(&a);
    assert!(f.touched.iter().all(|t| *t));
    let text = dialog_text(&frame_text(&a, 80, 24), "Create group");
    assert!(text.contains("GroupId is required"), "{text}");
}

#[test]
fn the_deleted_id_message_is_wrapped_action_first_at_every_size() {
    for (w, h) in SIZES {
        let mut a = loaded(10);
        press(&mut a, "c");
        type_text(&mut a, "room42");
        press(&mut a, "enter");
        let (id, _) = only::<CreateGroupRequest>(&a.take_commands());
        answer(
            &mut a,
            id,
            Ok(CreateGroupResponse {
                request_id: "R1".into(),
                group_id: "room42".into(),
                already_exists: true,
                already_delete: true,
            }),
        );
        let frame = frame_text(&a, w, h);
        insta::assert_snapshot!(format!("create_deleted_id_{w}x{h}"), frame);
        let text = dialog_text(&frame, "Create group");
        assert!(
            text.contains(
                "Choose another GroupId: room42 belonged to a group that was deleted, and a deleted ID cannot be used again."
            ),
            "{w}x{h}: {text}"
        );
        assert!(
            text.contains("enter create · tab/↑↓ move · esc cancel"),
            "{text}"
        );
        assert!(!text.contains('…'), "nothing cut off at {w}x{h}: {text}");
        // The focused field is marked without colour too.
        assert!(frame.contains("▸GroupId"), "{frame}");
    }
}
