//! Entering and leaving the terminal's raw, alternate-screen mode, on every exit
//! path: normal quit, ctrl-c, SIGTERM, an error (the guard's Drop), and a panic
//! on the UI thread (the panic hook restores before the report is printed).
//! A panic inside a worker task is not the UI's: it is logged and reported in
//! the console, and the terminal is left alone.

use std::io::{self, Stdout, Write, stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub(crate) type Term = Terminal<CrosstermBackend<Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Raw mode, alternate screen, bracketed paste, and mouse capture when asked.
pub(crate) fn enter(mouse: bool) -> io::Result<Term> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = stdout();
    // A cleared alternate screen; not `Terminal::clear`, which asks the terminal
    // for the cursor position (a round trip that can time out).
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        Clear(ClearType::All)
    )?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
        MOUSE.store(true, Ordering::SeqCst);
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    terminal.hide_cursor()?;
    Ok(terminal)
}

/// Puts the terminal back as it was; safe to call more than once.
pub(crate) fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let mut out = stdout();
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = out.flush();
    disable_raw_mode()
}

/// Restores the terminal when dropped (early returns, `?`, unwinding).
pub(crate) struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Wraps the panic hook in force (color-eyre's when installed) so that a panic
/// on the UI side restores the terminal first and then reports as usual.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = color_eyre::install();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if crate::worker::in_worker() {
                // Reported in the console by the worker; never print over the UI.
                tracing::error!(panic = %info, "panic in an API worker task");
                return;
            }
            let _ = restore();
            previous(info);
        }));
    });
}

/// A terminal multiplexer between livemod and the terminal: it swallows an
/// OSC 52 sequence unless the sequence is wrapped for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Multiplexer {
    #[default]
    None,
    Tmux,
    Screen,
}

impl Multiplexer {
    /// From the environment (`TMUX` is set inside tmux, `STY` inside screen).
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
        if set("TMUX") {
            Multiplexer::Tmux
        } else if set("STY") {
            Multiplexer::Screen
        } else {
            Multiplexer::None
        }
    }
}

/// The OSC 52 "set clipboard" sequence for `text`, wrapped in a DCS
/// passthrough when a multiplexer sits in between (tmux also wants every ESC
/// inside doubled).
pub(crate) fn osc52_sequence(text: &str, via: Multiplexer) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let osc = format!("\x1b]52;c;{encoded}\x07");
    match via {
        Multiplexer::None => osc,
        Multiplexer::Tmux => format!("\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b")),
        Multiplexer::Screen => format!("\x1bP{osc}\x1b\\"),
    }
}

/// Writes the OSC 52 "set clipboard" sequence for `text` (see [`osc52_sequence`]).
pub(crate) fn copy_osc52(out: &mut impl Write, text: &str, via: Multiplexer) -> io::Result<()> {
    out.write_all(osc52_sequence(text, via).as_bytes())?;
    out.flush()
}

/// Edits `text` in `$VISUAL`/`$EDITOR` (fallback `vi`); the caller has
/// suspended the terminal. Returns the edited text without its final newline.
pub(crate) fn edit_externally(text: &str) -> Result<String, String> {
    let path = std::env::temp_dir().join(format!(
        "livemod-body-{}.txt",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string());
    // Through the shell, so EDITOR may carry arguments ("code -w").
    let status = if cfg!(unix) {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("sh")
            .arg(&path)
            .status()
    } else {
        std::process::Command::new(&editor).arg(&path).status()
    };
    let result = match status {
        Ok(s) if s.success() => std::fs::read_to_string(&path)
            .map(|t| t.strip_suffix('\n').map(str::to_string).unwrap_or(t))
            .map_err(|e| format!("cannot read back {}: {e}", path.display())),
        Ok(s) => Err(format!("{editor} exited with {s}; Body left unchanged")),
        Err(e) => Err(format!("cannot start {editor}: {e}; Body left unchanged")),
    };
    let _ = std::fs::remove_file(&path);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_encodes_base64() {
        let mut out = Vec::new();
        copy_osc52(&mut out, "room42", Multiplexer::None).unwrap();
        assert_eq!(out, b"\x1b]52;c;cm9vbTQy\x07");
    }

    #[test]
    fn osc52_is_wrapped_for_tmux_and_screen() {
        assert_eq!(
            osc52_sequence("room42", Multiplexer::Tmux),
            "\x1bPtmux;\x1b\x1b]52;c;cm9vbTQy\x07\x1b\\"
        );
        assert_eq!(
            osc52_sequence("room42", Multiplexer::Screen),
            "\x1bP\x1b]52;c;cm9vbTQy\x07\x1b\\"
        );
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Multiplexer::detect(env(&[("TMUX", "/tmp/tmux-0/default,1,0")])),
            Multiplexer::Tmux
        );
        assert_eq!(
            Multiplexer::detect(env(&[("STY", "1.pts")])),
            Multiplexer::Screen
        );
        assert_eq!(Multiplexer::detect(env(&[("TMUX", "")])), Multiplexer::None);
    }
}
