//! Colours and text styles by role. `[theme]` in config.toml maps a role to a
//! colour; `NO_COLOR` selects a monochrome theme that uses bold, dim, underline
//! and reverse only, so the selection and errors stay visible.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// The roles `[theme]` can set, with their default colours.
pub(crate) const ROLES: &[(&str, Color, &str)] = &[
    (
        "accent",
        Color::Cyan,
        "titles, focused borders, the spinner",
    ),
    ("border", Color::DarkGray, "unfocused borders"),
    ("dim", Color::DarkGray, "secondary text, key hints"),
    (
        "selection_bg",
        Color::Blue,
        "background of the selected row",
    ),
    ("selection_fg", Color::White, "text of the selected row"),
    ("deleted", Color::DarkGray, "deleted groups"),
    ("error", Color::Red, "errors"),
    ("success", Color::Green, "success flashes"),
    ("warning", Color::Yellow, "warnings and pending states"),
    ("badge", Color::Red, "the read-only badge"),
    ("header", Color::Reset, "header background"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeError(pub String);

impl fmt::Display for ThemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[theme] in config.toml: {}", self.0)
    }
}

impl std::error::Error for ThemeError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
    colors: BTreeMap<&'static str, Color>,
}

impl Default for Theme {
    fn default() -> Self {
        Self::color()
    }
}

/// True when the `NO_COLOR` convention asks for no colour (set and non-empty).
pub(crate) fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

impl Theme {
    pub fn color() -> Self {
        Self {
            mono: false,
            colors: ROLES.iter().map(|(r, c, _)| (*r, *c)).collect(),
        }
    }

    pub fn mono() -> Self {
        Self {
            mono: true,
            colors: ROLES.iter().map(|(r, _, _)| (*r, Color::Reset)).collect(),
        }
    }

    /// The colour theme with `overrides` applied, or the monochrome theme when
    /// `no_color` (overrides are still checked, so a typo is reported either way).
    pub fn from_config(
        overrides: &BTreeMap<String, String>,
        no_color: bool,
    ) -> Result<Self, ThemeError> {
        let mut theme = Self::color();
        for (role, value) in overrides {
            // "selection" is the short name of the selected row's background.
            let role = if role == "selection" {
                "selection_bg"
            } else {
                role.as_str()
            };
            let Some((key, _, _)) = ROLES.iter().find(|(r, _, _)| *r == role) else {
                return Err(ThemeError(format!(
                    "unknown role {role:?}; known roles: {}",
                    ROLES
                        .iter()
                        .map(|(r, _, _)| *r)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            let color = Color::from_str(value.trim()).map_err(|_| {
                ThemeError(format!(
                    "{role}: {value:?} is not a colour (use a name such as \"red\" or \"lightblue\", \"#rrggbb\", or 0-255)"
                ))
            })?;
            theme.colors.insert(key, color);
        }
        Ok(if no_color { Self::mono() } else { theme })
    }

    fn c(&self, role: &str) -> Color {
        self.colors.get(role).copied().unwrap_or(Color::Reset)
    }

    pub fn text(&self) -> Style {
        Style::new()
    }
    pub fn dim(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::DIM)
        } else {
            Style::new().fg(self.c("dim"))
        }
    }
    pub fn accent(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(self.c("accent"))
        }
    }
    pub fn title(&self) -> Style {
        self.accent().add_modifier(Modifier::BOLD)
    }
    pub fn border(&self, focused: bool) -> Style {
        match (self.mono, focused) {
            (true, true) => Style::new().add_modifier(Modifier::BOLD),
            (true, false) => Style::new().add_modifier(Modifier::DIM),
            (false, true) => Style::new().fg(self.c("accent")),
            (false, false) => Style::new().fg(self.c("border")),
        }
    }

    /// The frame of a pane or dialog that has the focus, titled.
    pub(crate) fn focused_block(&self, title: String) -> ratatui::widgets::Block<'static> {
        ratatui::widgets::Block::default()
            .borders(ratatui::widgets::Borders::ALL)
            .border_style(self.border(true))
            .title(ratatui::text::Span::styled(title, self.title()))
    }
    /// The selected row: reversed in monochrome so it never depends on colour.
    pub fn selected(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
                .bg(self.c("selection_bg"))
                .fg(self.c("selection_fg"))
                .add_modifier(Modifier::BOLD)
        }
    }
    /// A marked row (bulk actions): bold and underlined in monochrome.
    pub fn marked(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            Style::new()
                .fg(self.c("warning"))
                .add_modifier(Modifier::BOLD)
        }
    }
    pub fn deleted(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::DIM | Modifier::ITALIC)
        } else {
            Style::new()
                .fg(self.c("deleted"))
                .add_modifier(Modifier::DIM)
        }
    }
    pub fn error(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            Style::new()
                .fg(self.c("error"))
                .add_modifier(Modifier::BOLD)
        }
    }
    pub fn success(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(self.c("success"))
        }
    }
    pub fn warning(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(self.c("warning"))
        }
    }
    pub fn badge(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
                .bg(self.c("badge"))
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        }
    }
    pub fn header(&self) -> Style {
        Style::new().bg(self.c("header"))
    }
    /// A focused form field label.
    pub fn focused_label(&self) -> Style {
        if self.mono {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
                .fg(self.c("accent"))
                .add_modifier(Modifier::BOLD)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_errors_name_the_role() {
        let mut o = BTreeMap::new();
        o.insert("error".to_string(), "#ff8800".to_string());
        let t = Theme::from_config(&o, false).unwrap();
        assert_eq!(t.error().fg, Some(Color::Rgb(0xff, 0x88, 0x00)));

        o.insert("errror".to_string(), "red".to_string());
        let err = Theme::from_config(&o, false).unwrap_err().to_string();
        assert!(err.contains("unknown role \"errror\""), "{err}");

        let mut o = BTreeMap::new();
        o.insert("accent".to_string(), "blurple".to_string());
        let err = Theme::from_config(&o, false).unwrap_err().to_string();
        assert!(err.contains("accent: \"blurple\""), "{err}");
    }

    #[test]
    fn mono_uses_modifiers_only() {
        let t = Theme::from_config(&BTreeMap::new(), true).unwrap();
        assert!(t.mono);
        let sel = t.selected();
        assert!(sel.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(sel.bg, None);
        assert_eq!(t.error().fg, None);
        assert!(t.badge().add_modifier.contains(Modifier::REVERSED));
    }
}
