//! Colours and symbols: severity colours unless `NO_COLOR` is set, Unicode unless the
//! terminal's locale is not UTF-8 (or `--ascii`).

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols;

use crate::model::health::Health;
use crate::model::timeline::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
}

/// Borders drawn with plain ASCII.
pub const ASCII_BORDER: symbols::border::Set = symbols::border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// Sparkline levels in ASCII.
pub const ASCII_BARS: symbols::bar::Set = symbols::bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "#",
    five_eighths: "=",
    half: "=",
    three_eighths: "-",
    one_quarter: "-",
    one_eighth: ".",
    empty: " ",
};

impl Theme {
    /// From the environment: `NO_COLOR` (any value) turns colours off; a locale that is not
    /// UTF-8 (`LC_ALL`, `LC_CTYPE`, `LANG`, first one set) turns Unicode off.
    pub fn from_env(force_ascii: bool) -> Self {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map_or(true, |t| t != "dumb");
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let utf8 = locale.contains("utf-8") || locale.contains("utf8");
        Self { color, ascii: force_ascii || !utf8 }
    }

    pub fn plain() -> Self {
        Self { color: false, ascii: true }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color { Style::new().fg(c) } else { Style::new() }
    }

    pub fn health(&self, h: Health) -> Style {
        match h {
            Health::Ok => self.fg(Color::Green),
            Health::Degraded => self.fg(Color::Yellow),
            Health::Critical => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Health::Unknown => self.fg(Color::Magenta),
        }
    }

    pub fn level(&self, l: Level) -> Style {
        match l {
            Level::Info => Style::new(),
            Level::Warning => self.fg(Color::Yellow),
            Level::Critical => self.fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.color { Style::new().fg(Color::DarkGray) } else { Style::new() }
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan)
    }

    pub fn border(&self) -> symbols::border::Set<'static> {
        if self.ascii { ASCII_BORDER } else { symbols::border::ROUNDED }
    }

    pub fn bars(&self) -> symbols::bar::Set<'static> {
        if self.ascii { ASCII_BARS } else { symbols::bar::NINE_LEVELS }
    }

    /// "…" for text that goes on (waiting, running); three dots in ASCII.
    pub fn ellipsis(&self) -> &'static str {
        if self.ascii { "..." } else { "…" }
    }

    pub fn arrow(&self) -> &'static str {
        if self.ascii { "->" } else { "→" }
    }

    /// Marks a row that divides a list (the date above a day's events).
    pub fn rule(&self) -> &'static str {
        if self.ascii { "--" } else { "──" }
    }

    /// Separates fields on the header and footer lines.
    pub fn sep(&self) -> &'static str {
        if self.ascii { "|" } else { "│" }
    }

    pub fn times(&self) -> &'static str {
        if self.ascii { "x" } else { "×" }
    }

    pub fn dot(&self) -> &'static str {
        if self.ascii { "*" } else { "●" }
    }

    /// A text progress bar of `width` cells, e.g. `[=====>    ]` or `█████▌    `.
    pub fn bar(&self, ratio: f64, width: usize) -> String {
        let ratio = if ratio.is_finite() { ratio.clamp(0.0, 1.0) } else { 0.0 };
        if width == 0 {
            return String::new();
        }
        if self.ascii {
            let inner = width.saturating_sub(2);
            let full = (ratio * inner as f64).floor() as usize;
            let mut s = String::from("[");
            s.push_str(&"=".repeat(full));
            if full < inner {
                s.push('>');
                s.push_str(&" ".repeat(inner - full - 1));
            }
            s.push(']');
            return s;
        }
        const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
        let eighths = (ratio * width as f64 * 8.0).round() as usize;
        let full = eighths / 8;
        let mut s = "█".repeat(full.min(width));
        if full < width {
            s.push_str(PARTS[eighths % 8]);
            let used = full + usize::from(!eighths.is_multiple_of(8));
            s.push_str(&" ".repeat(width - used));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_their_width() {
        let t = Theme { color: false, ascii: true };
        assert_eq!(t.bar(0.5, 12), "[=====>    ]");
        assert_eq!(t.bar(1.0, 6), "[====]");
        assert_eq!(t.bar(f64::NAN, 6), "[>   ]");
        let u = Theme { color: false, ascii: false };
        assert_eq!(u.bar(0.5, 4).chars().count(), 4);
        assert_eq!(u.bar(0.0, 4), "    ");
        assert_eq!(u.bar(1.0, 4), "████");
    }
}
