//! The `:` command line: `:page N`, `:status all|existing|deleted`,
//! `:sort asc|desc`, `:size N`, `:refresh`, `:filter TEXT`, `:group ID`, `:open ID`, `:app`, `:help`, `:q`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;
use tui_input::Input;

use crate::api::validate::limits;
use crate::api::{GroupStatus, SortType};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Page(u32),
    FirstPage,
    LastPage,
    Status(GroupStatus),
    Sort(SortType),
    Size(u32),
    Refresh,
    Filter(String),
    /// Go to a group by its ID (on the page it is on).
    Group(String),
    Help,
    Quit,
}

pub(crate) const USAGE: &str = ":page N · :status all|existing|deleted · :sort asc|desc · :size N · :refresh · :filter TEXT · :group ID · :open ID · :app · :help · :q";

/// Parses a command line (without the leading `:`).
pub(crate) fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim().trim_start_matches(':').trim();
    let (word, arg) = match line.split_once(char::is_whitespace) {
        Some((w, a)) => (w, a.trim()),
        None => (line, ""),
    };
    let need = |what: &str| -> Result<(), String> {
        if arg.is_empty() {
            Err(format!(":{word} needs {what}"))
        } else {
            Ok(())
        }
    };
    match word.to_ascii_lowercase().as_str() {
        "" => Err(format!("empty command; try {USAGE}")),
        "page" | "p" | "goto" => {
            need("a page number")?;
            match arg {
                "first" => Ok(Command::FirstPage),
                "last" => Ok(Command::LastPage),
                _ => {
                    let n: u32 = arg
                        .parse()
                        .map_err(|_| format!("{arg:?} is not a page number"))?;
                    if !(limits::PAGE_NUMBER_MIN..=limits::PAGE_NUMBER_MAX).contains(&n) {
                        return Err(format!(
                            "page must be between 1 and {}",
                            limits::PAGE_NUMBER_MAX
                        ));
                    }
                    Ok(Command::Page(n))
                }
            }
        }
        "group" | "g" => {
            need("a GroupId")?;
            Ok(Command::Group(arg.to_string()))
        }
        "first" => Ok(Command::FirstPage),
        "last" => Ok(Command::LastPage),
        "status" => {
            need("all, existing or deleted")?;
            arg.parse().map(Command::Status)
        }
        "sort" => {
            need("asc or desc")?;
            arg.parse().map(Command::Sort)
        }
        "size" | "pagesize" => {
            need("a page size")?;
            let n: u32 = arg
                .parse()
                .map_err(|_| format!("{arg:?} is not a page size"))?;
            if !(limits::PAGE_SIZE_MIN..=limits::PAGE_SIZE_MAX).contains(&n) {
                return Err(format!(
                    "page size must be between {} and {}",
                    limits::PAGE_SIZE_MIN,
                    limits::PAGE_SIZE_MAX
                ));
            }
            Ok(Command::Size(n))
        }
        "refresh" | "r" | "reload" => Ok(Command::Refresh),
        "filter" | "f" => Ok(Command::Filter(arg.to_string())),
        "help" | "h" => Ok(Command::Help),
        "q" | "quit" | "exit" | "q!" => Ok(Command::Quit),
        other => Err(format!("unknown command :{other}; try {USAGE}")),
    }
}

pub(crate) fn draw(frame: &mut Frame, area: Rect, input: &Input, theme: &Theme) {
    if area.width < 2 {
        return;
    }
    frame.render_widget(
        Paragraph::new(Span::styled(":", theme.accent())),
        Rect::new(area.x, area.y, 1, 1),
    );
    super::draw_input(
        frame,
        Rect::new(area.x + 1, area.y, area.width - 1, 1),
        input,
        theme.text(),
        true,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_commands() {
        // The usage a typo gets names the commands handled before parsing.
        let e = parse("bogus").unwrap_err();
        assert!(e.contains(":open ID") && e.contains(":app"), "{e}");
        assert_eq!(parse("page 3"), Ok(Command::Page(3)));
        assert_eq!(parse(":page last"), Ok(Command::LastPage));
        assert_eq!(
            parse("status deleted"),
            Ok(Command::Status(GroupStatus::Deleted))
        );
        assert_eq!(parse("sort asc"), Ok(Command::Sort(SortType::Asc)));
        assert_eq!(parse("size 50"), Ok(Command::Size(50)));
        assert_eq!(parse("refresh"), Ok(Command::Refresh));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert!(parse("size 51").unwrap_err().contains("between 1 and 50"));
        assert!(parse("page 0").is_err());
        assert!(parse("page x").unwrap_err().contains("not a page number"));
        assert!(
            parse("status maybe")
                .unwrap_err()
                .contains("unknown group status")
        );
        assert!(
            parse("frobnicate")
                .unwrap_err()
                .contains("unknown command :frobnicate")
        );
        assert!(parse("sort").unwrap_err().contains("needs asc or desc"));
    }
}
