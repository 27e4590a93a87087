//! The real binary in a pseudo-terminal at 80×24 against its in-process demo
//! emulator (`livemod --demo`): page, filter, create a group, send a message,
//! delete the group, quit, and check the terminal was restored.

use std::time::Duration;

use crate::support::pty::*;

#[test]
fn page_filter_create_send_delete_and_quit_restore_the_terminal() {
    let mut c = Console::start(&["--demo"]);
    c.wait_for("page 1/");
    c.wait_for("groups");
    assert!(c.parser.lock().unwrap().screen().alternate_screen());

    // Paging: next, last, first.
    c.send("l");
    c.wait_for("page 2/");
    c.send(">");
    c.wait_for("page 6/6");
    c.send("<");
    c.wait_for("page 1/6");

    // Create a group.
    c.send("c");
    c.wait_for("Create group");
    c.send("ptyroom1");
    c.send(TAB);
    c.send("PTY test room");
    c.send(ENTER);
    c.wait_for("Created group ptyroom1");
    c.wait_for("PTY test room");

    // Search down to it: `/` searches every group of the app once the index
    // has synced ("1/N groups"), the loaded rows until then ("1/20 rows").
    c.send("/");
    c.send("ptyroom");
    c.wait_until("one match", |s| {
        s.contains("  1/") && (s.contains(" rows") || s.contains(" groups"))
    });
    c.send(ENTER);

    // Send a message to it.
    c.send("m");
    c.wait_for("Compose");
    c.wait_for("To       ptyroom1");
    c.send(CTRL_S);
    c.wait_for("Sent to ptyroom1");
    c.wait_for("RequestId");
    // Esc is handled (compose gives way to the browser at 80 columns) before
    // the next key, so the two are never read as one Alt chord.
    c.send(ESC);
    c.wait_for("┌ Groups ");

    // Delete it: type its ID; once it matches, Enter deletes.
    c.send("d");
    c.wait_for("Delete group");
    c.send("ptyroom1");
    c.send(ENTER);
    c.wait_for("Deleted group ptyroom1");

    // Clear the filter (observable: its row count goes), then quit, and check
    // the terminal is back to normal.
    c.send(ESC);
    c.wait_gone("/ ptyroom");
    c.send("q");
    let status = c.wait_exit();
    assert!(status.success(), "{status:?}");
    let bytes = c.bytes.lock().unwrap().clone();
    let tail = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(200)..]).into_owned();
    assert!(
        tail.contains("\x1b[?1049l"),
        "alternate screen left: {tail:?}"
    );
    assert!(tail.contains("\x1b[?25h"), "cursor shown: {tail:?}");
    let parser = c.parser.lock().unwrap();
    assert!(!parser.screen().alternate_screen());
    assert!(!parser.screen().hide_cursor());
    assert!(!parser.screen().bracketed_paste());
}

#[test]
fn ctrl_c_quits_cleanly() {
    let mut c = Console::start(&["--demo"]);
    c.wait_for("page 1/");
    c.send("?");
    c.wait_for("Help");
    c.send("\x03");
    let status = c.wait_exit();
    assert!(status.success(), "{status:?}");
    let parser = c.parser.lock().unwrap();
    assert!(!parser.screen().alternate_screen());
    assert!(!parser.screen().hide_cursor());
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut c = Console::start(&["--demo"]);
    c.wait_for("page 1/");
    let pid = c.child.process_id().expect("pid") as i32;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    c.wait_exit();
    let parser = c.parser.lock().unwrap();
    assert!(!parser.screen().alternate_screen());
    assert!(!parser.screen().hide_cursor());
}

#[test]
fn a_bad_key_binding_is_a_clear_startup_error() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/livemod");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), "[keys]\nexplode = [\"x\"]\n").unwrap();
    let mut c = Console::start_in(home, &["--demo"], &[]);
    let status = c.wait_exit();
    assert!(!status.success());
    let screen = c.screen();
    assert!(screen.contains("unknown action \"explode\""), "{screen}");
    let parser = c.parser.lock().unwrap();
    assert!(!parser.screen().alternate_screen());
}

#[test]
fn body_opens_in_editor_and_the_console_comes_back() {
    let home = tempfile::tempdir().unwrap();
    let editor = home.path().join("fake-editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'edited in the editor' > \"$1\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut c = Console::start_in(
        home,
        &["--demo"],
        &[("EDITOR", editor.display().to_string())],
    );
    c.wait_for("page 1/");
    c.send("m");
    c.wait_for("Compose");
    c.send("\x05"); // ctrl-e
    c.wait_for("edited in the editor");
    c.wait_for("Body updated from the editor");
    assert!(c.parser.lock().unwrap().screen().alternate_screen());
    // Keys work again after the editor: back to the browser, quit.
    c.send(ESC);
    c.wait_for("Groups page");
    c.send("q");
    assert!(c.wait_exit().success());
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may contain spaces) start after ") ".
    let rest = &stat[stat.rfind(") ").unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
#[cfg(target_os = "linux")]
fn an_idle_console_uses_no_cpu() {
    let mut c = Console::start(&["--demo"]);
    c.wait_for("page 1/");
    // Let start-up work (and the toast-free first frame) settle.
    std::thread::sleep(Duration::from_millis(500));
    let pid = c.child.process_id().unwrap();
    let before = cpu_ticks(pid);
    let bytes_before = c.bytes.lock().unwrap().len();
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_ticks(pid) - before;
    let drawn = c.bytes.lock().unwrap().len() - bytes_before;
    assert!(used <= 2, "{used} ticks of CPU in 2 s of idling");
    assert_eq!(drawn, 0, "nothing is redrawn while idle");
    c.send("q");
    assert!(c.wait_exit().success());
}

/// The panic key exists in debug builds only.
#[test]
#[cfg(debug_assertions)]
fn a_panic_on_the_ui_thread_restores_the_terminal_first() {
    let home = tempfile::tempdir().unwrap();
    let mut c = Console::start_in(
        home,
        &["--demo"],
        &[("LIVEMOD_TEST_PANIC_KEY", "1".to_string())],
    );
    c.wait_for("page 1/");
    c.send("\x1b[24~"); // F12
    let status = c.wait_exit();
    assert!(!status.success());
    let parser = c.parser.lock().unwrap();
    assert!(!parser.screen().alternate_screen());
    assert!(!parser.screen().hide_cursor());
    let screen = parser.screen().contents();
    assert!(screen.contains("test panic on the UI thread"), "{screen}");
}
