//! The command line tells the truth and cannot be turned against the terminal
//! (issues #8 and #9): hostile names, config mistakes, paging past the end,
//! one validation rule with the console, defaults from config, help,
//! completions and the man page. The real binary against an emulator process.

use std::process::{Command, Stdio};

use crate::cli::{LivemodAgainst, Run, json, run};
use crate::support::emulator::{DEMO_SECRET as SECRET, EmulatorProcess, KEY_ID};
use assert_cmd::cargo::CommandCargoExt;

/// livemod against an address where nothing listens: anything that reached
/// the network would fail with exit 1, so exit 2 proves nothing was sent.
fn offline(args: &[&str], config: Option<&str>) -> Run {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("livemod").unwrap();
    cmd.env_clear()
        .env("HOME", home.path())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
        .args(["--endpoint", "http://127.0.0.1:9"])
        .args(args)
        .stdin(Stdio::null());
    if let Some(text) = config {
        let path = home.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        cmd.env("LIVEMOD_CONFIG", &path);
    }
    run(cmd)
}

fn with_config(emu: &EmulatorProcess, text: &str, args: &[&str]) -> Command {
    let path = emu.home.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let mut cmd = emu.livemod(args);
    cmd.env("LIVEMOD_CONFIG", &path);
    cmd
}

const HOSTILE: &str = "pwn\x1b]52;c;aGFja2Vk\x07\x1b[2J\x1b[Hfake row\r\n\u{9b}31m\u{202e}gnp.exe";

#[test]
fn hostile_group_names_never_reach_the_terminal_raw() {
    let emu = EmulatorProcess::start(&[]);
    let created = run(emu.livemod(&[
        "groups", "create", "evil", "--name", HOSTILE, "--info", HOSTILE,
    ]));
    assert_eq!(created.code, 0, "{}", created.stderr);

    let table = run(emu.livemod(&["groups", "list"]));
    assert_eq!(table.code, 0, "{}", table.stderr);
    for (label, text) in [("stdout", &table.stdout), ("stderr", &table.stderr)] {
        assert!(!text.contains('\x1b'), "ESC on {label}: {text:?}");
        assert!(!text.contains('\u{9b}'), "CSI on {label}: {text:?}");
        assert!(!text.contains('\r'), "CR on {label}: {text:?}");
        assert!(
            !text.contains('\u{202e}'),
            "bidi override on {label}: {text:?}"
        );
    }
    // The name is shown escaped, on its own row: no forged line.
    let rows: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(rows.len(), 2, "{}", table.stdout);
    assert!(
        rows[1].contains("pwn\\x1b]52;c;aGFja2Vk\\x07"),
        "{}",
        rows[1]
    );

    // JSON stays exact: the same bytes come back once decoded, yet none is raw.
    let listed = run(emu.livemod(&["groups", "list", "--json"]));
    assert!(!listed.stdout.contains('\x1b') && !listed.stdout.contains('\u{9b}'));
    let value = json(&listed);
    assert_eq!(value["GroupList"][0]["GroupName"], HOSTILE);
    assert_eq!(value["GroupList"][0]["GroupInfo"], HOSTILE);
}

#[test]
fn key_and_theme_mistakes_are_usage_errors_for_every_command() {
    let bad_keys = "[keys]\nrefresh = [\"ctrl-c\"]\n";
    let bad_theme = "[theme]\nselection = \"blurple\"\n";
    for (config, needle) in [(bad_keys, "ctrl-c"), (bad_theme, "blurple")] {
        for args in [
            &["groups", "list"][..],
            &["groups", "send", "g1", "--body", "x"],
            &["outbox", "list"],
            &["audit"],
        ] {
            let r = offline(args, Some(config));
            assert_eq!(r.code, 2, "{args:?} with {config:?}: {}", r.stderr);
            assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
            assert!(r.stderr.contains("config.toml"), "{args:?}: {}", r.stderr);
        }
    }
}

/// Every config mistake is reported as `PATH:LINE: KEY: problem`, whether toml
/// finds it (a wrong type), livemod's checks do (moderator_id), or the console's
/// key map and theme do (`[keys]`, `[theme]`), and nothing is sent (exit 2).
#[test]
fn config_errors_name_the_file_line_and_key() {
    let cases = [
        (
            "moderator_id = \"mod1\"\nmouse = \"yes\"\n",
            "config.toml:2: mouse: ",
        ),
        (
            "# mine\nmoderator_id = \"a b\"\n",
            "config.toml:2: moderator_id: ",
        ),
        ("\n\n\npage_size = 0\n", "config.toml:4: page_size: "),
        (
            "mouse = true\n\n[keys]\nquit = [\"q\"]\nrefresh = [\"ctrl-c\"]\n",
            "config.toml:5: keys.refresh: ",
        ),
        (
            "[keys]\nno_such_action = [\"z\"]\n",
            "config.toml:2: keys.no_such_action: ",
        ),
        (
            "[theme]\nheader = \"red\"\nselection = \"blurple\"\n",
            "config.toml:3: theme.selection: ",
        ),
    ];
    for (config, expected) in cases {
        let r = offline(&["groups", "list"], Some(config));
        assert_eq!(r.code, 2, "{config:?}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{config:?}: {}", r.stderr);
    }
    // The key is named once, in front; the problem follows (wording is the key map's).
    let r = offline(&["audit"], Some("[keys]\nrefresh = [\"ctrl-c\"]\n"));
    assert!(
        r.stderr.contains("config.toml:2: keys.refresh: ctrl-c"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("refresh: refresh"), "{}", r.stderr);
}

#[test]
fn a_page_past_the_end_says_so() {
    let emu = EmulatorProcess::start(&[]);
    for i in 1..=3 {
        assert_eq!(
            run(emu.livemod(&["groups", "create", &format!("p{i}")])).code,
            0
        );
    }
    let r = run(emu.livemod(&["groups", "list", "--page", "9999", "--page-size", "2"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("page 9999 is past the end: there are 2 pages (3 groups, 2 per page)"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "no empty table: {:?}", r.stdout);
    let r = run(emu.livemod(&["groups", "list", "--page", "9999", "--json"]));
    assert!(
        r.stderr.contains("past the end: there is 1 page"),
        "{}",
        r.stderr
    );
    assert_eq!(json(&r)["GroupList"], serde_json::json!([]));
    // The last real page is not "past the end".
    let r = run(emu.livemod(&["groups", "list", "--page", "2", "--page-size", "2"]));
    assert!(!r.stderr.contains("past the end"), "{}", r.stderr);
}

#[test]
fn a_create_that_did_nothing_exits_3() {
    let emu = EmulatorProcess::start(&[]);
    assert_eq!(run(emu.livemod(&["groups", "create", "twice"])).code, 0);
    let again = run(emu.livemod(&["groups", "create", "twice"]));
    assert_eq!(again.code, 3, "{}", again.stderr);
    assert!(again.stdout.contains("already exists"), "{}", again.stdout);
    assert!(
        again.stderr.contains("nothing was changed"),
        "{}",
        again.stderr
    );

    assert_eq!(
        run(emu.livemod(&["groups", "delete", "twice", "--yes"])).code,
        0
    );
    let gone = run(emu.livemod(&["groups", "create", "twice"]));
    assert_eq!(gone.code, 3, "{}", gone.stderr);
    assert!(gone.stderr.contains("deleted"), "{}", gone.stderr);
}

#[test]
fn sends_follow_the_consoles_message_type_rules() {
    // Type 2 (system notice) expects JSON in the built-in catalogue.
    let r = offline(
        &["groups", "send", "g1", "--type", "2", "--body", "hello"],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("JSON") && r.stderr.contains("type 2"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
    // The same for a bulk send: checked once, before any target.
    let r = offline(
        &[
            "groups",
            "send",
            "--to-status",
            "existing",
            "--type",
            "4",
            "--body",
            "rose",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);

    // A user catalogue applies too: type 9 made a JSON type.
    let emu = EmulatorProcess::start(&["--audience", "1"]);
    assert_eq!(run(emu.livemod(&["groups", "create", "room"])).code, 0);
    let dir = emu.home.path().join(".config/livemod");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("message-types.toml"),
        "[[type]]\nnumber = 9\nname = \"poll\"\njson = true\n",
    )
    .unwrap();
    let r = run(emu.livemod(&["groups", "send", "room", "--type", "9", "--body", "nope"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("poll"), "{}", r.stderr);
    // A valid body of that type goes out; a type outside the catalogue is the sender's business.
    let r = run(emu.livemod(&[
        "groups",
        "send",
        "room",
        "--type",
        "9",
        "--body",
        "{\"q\":1}",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(emu.livemod(&["groups", "send", "room", "--type", "77", "--body", "free"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn the_sender_defaults_to_the_configured_moderator() {
    let emu = EmulatorProcess::start(&["--audience", "1"]);
    assert_eq!(run(emu.livemod(&["groups", "create", "room"])).code, 0);
    let r = run(with_config(
        &emu,
        "moderator_id = \"mod7\"\n",
        &["groups", "send", "room", "--body", "hi", "--json"],
    ));
    let tid = json(&r)["MsgTid"].as_str().unwrap().to_string();
    // The emulator stored it as sent by the configured moderator.
    let stored = json(&run(emu.livemod(&["messages", "list", "room", "--json"])));
    assert_eq!(stored["MessageList"][0]["MsgTid"], tid.as_str());
    assert_eq!(stored["MessageList"][0]["Sender"]["UserId"], "mod7");

    let help = run(emu.livemod(&["groups", "send", "--help"]));
    let usage = help
        .stdout
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .unwrap();
    assert!(!usage.contains("--sender"), "{usage}");
    assert!(help.stdout.contains("moderator_id"), "{}", help.stdout);
}

#[test]
fn queue_failed_on_a_single_send_is_refused() {
    let r = offline(
        &["groups", "send", "g1", "--body", "x", "--queue-failed"],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--queue-failed applies to bulk sends"),
        "{}",
        r.stderr
    );
}

#[test]
fn help_puts_global_options_apart_and_lists_values() {
    let r = offline(&["groups", "list", "--help"], None);
    assert_eq!(r.code, 0);
    let (own, global) = r.stdout.split_once("Global options:").expect(&r.stdout);
    assert!(
        own.contains("--status") && !own.contains("--endpoint"),
        "{own}"
    );
    assert!(
        global.contains("--endpoint") && global.contains("--read-only"),
        "{global}"
    );
    for value in [
        "existing",
        "deleted",
        "asc",
        "desc",
        "cn-shanghai",
        "ap-southeast-1",
    ] {
        assert!(r.stdout.contains(value), "{value} missing:\n{}", r.stdout);
    }
    // audit reads a local file: the service options would do nothing there.
    let r = offline(&["audit", "--help"], None);
    assert_eq!(r.code, 0);
    for flag in ["--endpoint", "--app-id", "--data-center", "--signature"] {
        assert!(
            !r.stdout.contains(flag),
            "{flag} in audit help:\n{}",
            r.stdout
        );
    }
}

#[test]
fn completions_and_man_page_come_from_the_same_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let r = offline(&["completions", shell], None);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for word in ["groups", "outbox", "read-only", "page-size", "existing"] {
            assert!(r.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    // The bash script loads and registers a completion for livemod.
    let r = offline(&["completions", "bash"], None);
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), &r.stdout).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p livemod",
            script.path().display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("livemod"));

    let r = offline(&["man"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH livemod"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    assert!(
        r.stdout.contains("groups"),
        "man page lacks the subcommands"
    );
    let dir = tempfile::tempdir().unwrap();
    let r = offline(&["man", "--dir", dir.path().to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(dir.path().join("livemod-groups-send.1")).unwrap();
    assert!(page.contains("sender"), "{page}");
}

#[test]
fn ids_livemod_creates_are_portable_unless_the_user_says_otherwise() {
    let r = offline(&["groups", "create", "c-1-1-0"], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--any-id"), "{}", r.stderr);
    // With consent the client lets the service decide: the request goes out
    // (to a closed port here, so a network error, exit 1, not a usage error).
    let r = offline(&["groups", "create", "c-1-1-0", "--any-id"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("network error"), "{}", r.stderr);
}
