//! Text wrapped under itself: a row's continuation starts below where its text began (a
//! hanging indent), so a wrapped event, finding or key help does not restart at column 0,
//! where it would read as a new entry.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// `text` in rows of at most `width` characters, broken at spaces; a word longer than a row
/// is cut where the row ends. Never empty: an empty text is one empty row.
pub fn rows(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut row = String::new();
    let mut row_len = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        if row_len > 0 && row_len + 1 + word.len() <= width {
            row.push(' ');
            row.extend(&word);
            row_len += 1 + word.len();
            continue;
        }
        if row_len > 0 {
            out.push(std::mem::take(&mut row));
        }
        while word.len() > width {
            out.push(word.drain(..width).collect());
        }
        row_len = word.len();
        row = word.into_iter().collect();
    }
    if row_len > 0 || out.is_empty() {
        out.push(row);
    }
    out
}

/// `lead` (a time and source, a severity: its width is the indent) followed by `text`
/// wrapped to what is left of `width`, each continuation row indented to where the text
/// began. A lead wider than half the row (only on screens narrower than drnfs draws views
/// on) gets a row of its own, with the text under it indented by two.
pub fn hanging<'a>(lead: Vec<Span<'a>>, text: &str, style: Style, width: usize) -> Vec<Line<'a>> {
    let lead_width = lead.iter().map(|s| s.content.chars().count()).sum::<usize>();
    let mut lines = Vec::new();
    let (indent, mut first) = if lead_width > width / 2 {
        lines.push(Line::from(lead));
        (2, None)
    } else {
        (lead_width, Some(lead))
    };
    for row in rows(text, width.saturating_sub(indent)) {
        let mut spans = first.take().unwrap_or_else(|| vec![Span::raw(" ".repeat(indent))]);
        spans.push(Span::styled(row, style));
        lines.push(Line::from(spans));
    }
    lines
}

/// Fields (`calls 12/s`, `bad 0/s`) joined by `sep` into rows of at most `width`, broken
/// only between fields, so a figure never loses its name or its unit to the edge.
pub fn fields(items: &[String], sep: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut row = String::new();
    for item in items {
        if !row.is_empty() && row.chars().count() + sep.chars().count() + item.chars().count() > width {
            out.push(std::mem::take(&mut row));
        }
        if !row.is_empty() {
            row.push_str(sep);
        }
        row.push_str(item);
    }
    if !row.is_empty() {
        out.push(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect()
    }

    #[test]
    fn words_stay_whole_and_rows_stay_inside_the_width() {
        assert_eq!(rows("split brain between nodea and nodeb", 12), ["split brain", "between", "nodea and", "nodeb"]);
        assert_eq!(rows("", 10), [""]);
        assert_eq!(rows("a  b", 10), ["a b"]);
        // A word longer than the row is cut, not lost.
        assert_eq!(rows("xx 0123456789abc yy", 5), ["xx", "01234", "56789", "abc", "yy"]);
        for width in 1..30 {
            let text = "drbdadm connect --discard-my-data r0 on the victim, then drbdadm connect r0";
            let r = rows(text, width);
            assert!(r.iter().all(|row| row.chars().count() <= width), "{width}: {r:?}");
            assert_eq!(r.concat().replace(' ', ""), text.replace(' ', ""), "{width}: nothing lost");
        }
    }

    #[test]
    fn fields_break_between_fields() {
        let items = ["calls 12.0/s", "bad 0.0/s", "read 1.2 MiB/s", "write 60.22 KiB/s"].map(String::from);
        assert_eq!(fields(&items, "   ", 41), ["calls 12.0/s   bad 0.0/s   read 1.2 MiB/s", "write 60.22 KiB/s"]);
        assert_eq!(fields(&items, "   ", 40), ["calls 12.0/s   bad 0.0/s", "read 1.2 MiB/s   write 60.22 KiB/s"]);
        assert_eq!(fields(&items, "   ", 200).len(), 1);
        // A field wider than the row still comes whole, on its own row.
        assert_eq!(fields(&items, "   ", 5).len(), 4);
        assert!(fields(&[], " ", 10).is_empty());
    }

    #[test]
    fn continuation_rows_start_under_the_text() {
        let lines = hanging(
            vec![Span::raw("21:36:01 drnfs   ")],
            "finding: r0: split brain between nodea and nodeb",
            Style::new(),
            41,
        );
        assert_eq!(
            text(&lines),
            ["21:36:01 drnfs   finding: r0: split brain", "                 between nodea and nodeb"]
        );
        // A lead too wide for the row gets a row of its own; nothing passes the width.
        let narrow = text(&hanging(vec![Span::raw("0123456789")], "aa bb cc", Style::new(), 12));
        assert_eq!(narrow, ["0123456789", "  aa bb cc"]);
        for width in 2..60 {
            let lines =
                text(&hanging(vec![Span::raw("12:00:00 kernel  ")], "a long line of kernel text", Style::new(), width));
            assert!(lines.iter().all(|l| l.chars().count() <= width.max(17)), "{width}: {lines:?}");
        }
    }
}
