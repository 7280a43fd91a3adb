//! Reading with bounds. A damaged file (a copy off a broken server, a capture someone
//! edited, a device that returns junk) must not cost a storage server short of memory
//! more than a real one would: every file drnfs reads is cut at [`MAX_FILE`] and every
//! line at [`MAX_LINE`], each cut said once, in words.

use std::io::{BufRead, Read};
use std::path::Path;

/// Longer than any real proc file, kernel log or DRBD configuration drnfs reads.
pub const MAX_FILE: u64 = 16 << 20;
/// Longer than any real line of those (a mountinfo line with a long overlay option list
/// is a few KiB; `/proc/net/rpc/nfsd`'s longest under 2 KiB).
pub const MAX_LINE: usize = 64 << 10;
/// A recorded events2 stream grows with the hours it covers; a dump of a thousand
/// resources is tens of MiB.
pub const MAX_STREAM: u64 = 512 << 20;

/// What a bounded read returned: the text and what was cut from it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Bounded {
    pub text: String,
    /// One sentence per kind of cut, empty when nothing was.
    pub cuts: Vec<String>,
}

/// Reads at most `max_file` bytes of `path` and cuts every line at `max_line` bytes.
pub fn read(path: &Path, max_file: u64, max_line: usize) -> std::io::Result<Bounded> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(max_file + 1).read_to_end(&mut bytes)?;
    let mut cuts = Vec::new();
    if bytes.len() as u64 > max_file {
        bytes.truncate(max_file as usize);
        // Drop the partial last line: half a line parses as a different one.
        let end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(end);
        cuts.push(size_cut(max_file));
    }
    let cut_for_size = !cuts.is_empty();
    // One UTF-8 pass (a recorded stream can be hundreds of MiB): where the bytes stop
    // being text is also what `damage` reports.
    let (text, not_text_at) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    };
    cuts.extend(damage(text.as_bytes(), not_text_at, cut_for_size));
    let (text, long) = cut_long_lines(text, max_line);
    if long > 0 {
        cuts.push(long_lines_cut(long, max_line));
    }
    Ok(Bounded { text, cuts })
}

/// A byte no text file holds: a control character other than tab, newline and CR.
fn is_control(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f
}

fn size_cut(max_file: u64) -> String {
    format!("only its first {} were read: it is larger than any real one", crate::format::bytes(max_file))
}

fn long_lines_cut(long: usize, max_line: usize) -> String {
    format!("{long} line(s) longer than {} were cut there", crate::format::bytes(max_line as u64))
}

fn not_text_at(line: usize) -> String {
    format!("line {line} holds bytes that are not text (binary junk?): it and what follows may be damaged")
}

fn no_newline_at(line: usize) -> String {
    format!("its last line (line {line}) ends without a newline: the file looks cut off there")
}

/// [`read`] without holding the file: each line of the text `read` returns, in order and
/// split as `str::lines` splits it, goes to `line`, and the same cuts are returned. Only
/// the line at hand is kept (at most `max_line` bytes and a few), so a recorded stream of
/// hundreds of MiB costs no more memory than its longest line.
pub fn for_each_line(
    path: &Path,
    max_file: u64,
    max_line: usize,
    line: impl FnMut(&str),
) -> std::io::Result<Vec<String>> {
    let file = std::fs::File::open(path)?;
    for_each_line_of(std::io::BufReader::with_capacity(64 << 10, file), max_file, max_line, line)
}

fn for_each_line_of(
    reader: impl BufRead,
    max_file: u64,
    max_line: usize,
    mut line: impl FnMut(&str),
) -> std::io::Result<Vec<String>> {
    let mut reader = reader.take(max_file + 1);
    let mut current = StreamedLine::new(max_line);
    let (mut read, mut lines, mut long) = (0u64, 0usize, 0usize);
    let mut not_text = None;
    let mut cut_for_size = false;
    let mut finish = |current: &mut StreamedLine, newline: bool| {
        lines += 1;
        let (text, was_long, is_text) = current.finish(newline);
        long += usize::from(was_long);
        if !is_text && not_text.is_none() {
            not_text = Some(lines);
        }
        // A last line without its newline that the bound cut to nothing is no line to
        // `str::lines` either.
        if newline || !text.is_empty() {
            line(&text);
        }
    };
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        // Past the bound: the line under way has no newline within it and is dropped,
        // as `read` drops it.
        if read == max_file {
            cut_for_size = true;
            break;
        }
        let chunk = &chunk[..chunk.len().min((max_file - read) as usize)];
        let (used, newline) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        current.extend(&chunk[..used - usize::from(newline)]);
        if newline {
            finish(&mut current, true);
        }
        reader.consume(used);
        read += used as u64;
    }
    let cut_off = !cut_for_size && current.len > 0;
    if cut_off {
        finish(&mut current, false);
    }
    let mut cuts = Vec::new();
    if cut_for_size {
        cuts.push(size_cut(max_file));
    }
    cuts.extend(not_text.map(not_text_at));
    if cut_off {
        cuts.push(no_newline_at(lines));
    }
    if long > 0 {
        cuts.push(long_lines_cut(long, max_line));
    }
    Ok(cuts)
}

/// One line of [`for_each_line`] as its chunks come: its first bytes, its length, and
/// whether all of it is text.
struct StreamedLine {
    /// The first `keep` bytes: `max_line` and three more, so that a character the bound
    /// splits is decoded as `read` decodes it (replacement only ever lengthens the text).
    kept: Vec<u8>,
    keep: usize,
    max_line: usize,
    len: usize,
    /// The start of a UTF-8 character split between chunks (at most three bytes).
    split_char: Vec<u8>,
    is_text: bool,
}

impl StreamedLine {
    fn new(max_line: usize) -> Self {
        let keep = max_line.saturating_add(4);
        Self { kept: Vec::new(), keep, max_line, len: 0, split_char: Vec::new(), is_text: true }
    }

    fn extend(&mut self, bytes: &[u8]) {
        let room = self.keep.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
        self.len += bytes.len();
        if !self.is_text {
            return;
        }
        // What `damage` calls not text: a control byte (tab and CR are text) or bytes
        // that are not UTF-8.
        if bytes.iter().copied().any(is_control) {
            self.is_text = false;
            return;
        }
        let joined;
        let bytes = if self.split_char.is_empty() {
            bytes
        } else {
            joined = [self.split_char.as_slice(), bytes].concat();
            &joined[..]
        };
        self.split_char.clear();
        match std::str::from_utf8(bytes) {
            Ok(_) => {}
            Err(e) if e.error_len().is_none() => self.split_char.extend_from_slice(&bytes[e.valid_up_to()..]),
            Err(_) => self.is_text = false,
        }
    }

    /// The line as `read(..).text.lines()` gives it (cut at `max_line` bytes of text, a
    /// CR before the newline dropped), whether it was cut, whether it was all text; the
    /// state is reset for the next line.
    fn finish(&mut self, newline: bool) -> (String, bool, bool) {
        let is_text = self.is_text && self.split_char.is_empty();
        let mut text = String::from_utf8_lossy(&self.kept).into_owned();
        let long = self.len > self.keep || text.len() > self.max_line;
        if long {
            text.truncate(floor_char_boundary(&text, self.max_line));
        }
        if newline && text.ends_with('\r') {
            text.pop();
        }
        self.kept.clear();
        self.len = 0;
        self.split_char.clear();
        self.is_text = true;
        (text, long, is_text)
    }
}

/// What a file drnfs reads (the kernel's text files, and captures or dumps of them) cannot
/// hold unless it is damaged: bytes that are not text, and a last line without its newline
/// (the kernel ends every line; a copy cut short does not). Said with the line, since a
/// damaged line parses as a different, plausible one (`27079` cut to `270`).
/// `bytes` is the text as read (invalid UTF-8 replaced, which leaves every byte before
/// `not_text` and every newline where it was); `not_text` is where the file stopped being
/// UTF-8.
fn damage(bytes: &[u8], not_text: Option<usize>, cut_for_size: bool) -> Vec<String> {
    let mut found = Vec::new();
    let line_of = |at: usize| bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let control = bytes.iter().position(|&b| is_control(b));
    if let Some(at) = [not_text, control].into_iter().flatten().min() {
        found.push(not_text_at(line_of(at)));
    }
    if !cut_for_size && bytes.last().is_some_and(|&b| b != b'\n') {
        found.push(no_newline_at(line_of(bytes.len())));
    }
    found
}

/// Cuts every line longer than `max_line` bytes (at a character boundary); returns the
/// text (the same allocation when nothing was cut) and how many lines were.
pub fn cut_long_lines(text: String, max_line: usize) -> (String, usize) {
    if text.len() <= max_line || !text.split('\n').any(|l| l.len() > max_line) {
        return (text, 0);
    }
    let mut out = String::with_capacity(text.len().min(max_line * 64));
    let mut cut = 0;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.len() > max_line {
            cut += 1;
            out.push_str(&line[..floor_char_boundary(line, max_line)]);
        } else {
            out.push_str(line);
        }
    }
    (out, cut)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Reads one line of at most `max_line` bytes from `reader` (a child's output, an ssh
/// session): the rest of a longer line is read and dropped, never kept. `None` at the
/// end; `Some((line, true))` when the line was cut.
pub fn read_line(reader: &mut impl BufRead, max_line: usize) -> std::io::Result<Option<(String, bool)>> {
    let mut line = LineBuf::default();
    loop {
        let chunk = reader.fill_buf()?;
        let (used, done) = line.take(chunk, max_line);
        reader.consume(used);
        if done {
            return Ok(line.finish());
        }
    }
}

/// One line being read in chunks, whichever way the chunks come (blocking or async).
#[derive(Default)]
struct LineBuf {
    kept: Vec<u8>,
    cut: bool,
    any: bool,
}

impl LineBuf {
    /// Takes what belongs to this line from `chunk` (an empty chunk is the end of the
    /// input): how many bytes to consume, and whether the line is complete.
    fn take(&mut self, chunk: &[u8], max_line: usize) -> (usize, bool) {
        if chunk.is_empty() {
            return (0, true);
        }
        self.any = true;
        let (take, newline) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        let room = max_line.saturating_sub(self.kept.len());
        self.cut |= take > room;
        self.kept.extend_from_slice(&chunk[..take.min(room)]);
        (if newline { take + 1 } else { take }, newline)
    }

    /// `None` when the input had ended before this line began.
    fn finish(self) -> Option<(String, bool)> {
        self.any.then(|| (finish_line(self.kept), self.cut))
    }
}

/// The longest answer line a peer's drnfs sends (its whole report, as JSON): far above any
/// real one, small enough that a broken or hostile peer cannot fill memory.
pub const MAX_ANSWER: usize = 16 << 20;

/// [`read_line`] for a child read asynchronously (the events2 child).
pub async fn read_line_async<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    max_line: usize,
) -> std::io::Result<Option<(String, bool)>> {
    use tokio::io::AsyncBufReadExt;
    let mut line = LineBuf::default();
    loop {
        let chunk = reader.fill_buf().await?;
        let (used, done) = line.take(chunk, max_line);
        reader.consume(used);
        if done {
            return Ok(line.finish());
        }
    }
}

fn finish_line(mut kept: Vec<u8>) -> String {
    if kept.last() == Some(&b'\r') {
        kept.pop();
    }
    match String::from_utf8(kept) {
        Ok(t) => t,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Every line of `reader` to `send` until it ends, fails, or `send` says stop; a line over
/// `max_line` is not delivered but answered with an [`std::io::ErrorKind::InvalidData`]
/// error naming `what` (a request or answer that long is broken, and half of one must not
/// be acted on); the lines after it still arrive.
pub fn forward_lines(
    reader: impl std::io::Read,
    max_line: usize,
    what: &str,
    mut send: impl FnMut(std::io::Result<String>) -> bool,
) {
    let mut reader = std::io::BufReader::new(reader);
    loop {
        let item = match read_line(&mut reader, max_line) {
            Ok(None) => return,
            Ok(Some((_, true))) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{what} longer than {max_line} bytes: dropped"),
            )),
            Ok(Some((line, false))) => Ok(line),
            Err(e) => {
                send(Err(e));
                return;
            }
        };
        if !send(item) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_larger_than_the_bound_is_cut_at_a_line_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, "aaaa\nbbbb\ncccc\n").unwrap();
        let b = read(&p, 12, 100).unwrap();
        assert_eq!(b.text, "aaaa\nbbbb\n", "the partial third line is dropped");
        assert_eq!(b.cuts.len(), 1);
        assert!(b.cuts[0].contains("only its first 12 B"), "{:?}", b.cuts);
        let whole = read(&p, 15, 100).unwrap();
        assert_eq!(whole.text, "aaaa\nbbbb\ncccc\n");
        assert!(whole.cuts.is_empty());
    }

    /// The damage a copy of a kernel file can carry is said with its line; a whole file
    /// says nothing.
    #[test]
    fn junk_and_a_cut_last_line_are_said_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let said = |bytes: &[u8]| {
            std::fs::write(&p, bytes).unwrap();
            read(&p, 1 << 20, 1 << 10).unwrap().cuts
        };
        assert!(said(b"0 19981 33307 27079 0\n").is_empty());
        assert!(said(b"").is_empty());
        assert_eq!(
            said(b"# pool\n0 19981 33307 270"),
            ["its last line (line 2) ends without a newline: the file looks cut off there"]
        );
        let junk = said(b"rc 0 1 2\nth 8 0\n\xff\xfe\x00junk\n");
        assert_eq!(junk.len(), 1, "{junk:?}");
        assert!(junk[0].starts_with("line 3 holds bytes that are not text"), "{junk:?}");
        assert!(said(b"ok\nnul\x00 here\n")[0].starts_with("line 2 "));
        assert!(said(b"tab\tand\r\n").is_empty(), "tabs and CR are text");
    }

    proptest::proptest! {
        /// Reading line by line gives the lines and the cuts of reading the whole file,
        /// whatever the file holds (CRs, tabs, junk, characters cut by a bound or a
        /// chunk), its bounds and how its bytes arrive.
        #[test]
        fn line_by_line_reads_what_the_whole_read_does(
            parts in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just(&b"ab"[..]),
                proptest::strategy::Just(&b"\n"[..]),
                proptest::strategy::Just(&b"\r\n"[..]),
                proptest::strategy::Just(&b"\r"[..]),
                proptest::strategy::Just(&b"\t"[..]),
                proptest::strategy::Just("é".as_bytes()),
                proptest::strategy::Just("中".as_bytes()),
                proptest::strategy::Just(&b"\xe4\xb8"[..]),
                proptest::strategy::Just(&b"\xff"[..]),
                proptest::strategy::Just(&b"\x01"[..]),
                proptest::strategy::Just(&b"xxxxxxxxxxxx"[..]),
            ], 0..40),
            max_file in 1u64..120,
            max_line in 1usize..20,
            chunk in 1usize..9,
        ) {
            let bytes = parts.concat();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("f");
            std::fs::write(&path, &bytes).unwrap();
            let whole = read(&path, max_file, max_line).unwrap();
            let mut lines = Vec::new();
            let reader = std::io::BufReader::with_capacity(chunk, bytes.as_slice());
            let cuts = for_each_line_of(reader, max_file, max_line, |l| lines.push(l.to_owned())).unwrap();
            proptest::prop_assert_eq!(lines, whole.text.lines().map(str::to_owned).collect::<Vec<_>>());
            proptest::prop_assert_eq!(cuts, whole.cuts);
        }
    }

    #[test]
    fn long_lines_are_cut_and_counted_short_ones_kept() {
        let (t, n) = cut_long_lines("short\n".to_owned() + &"x".repeat(50) + "\nok\n" + &"é".repeat(30), 21);
        assert_eq!(n, 2);
        let lines: Vec<&str> = t.split('\n').collect();
        assert_eq!(lines[0], "short");
        assert_eq!(lines[1].len(), 21);
        assert_eq!(lines[2], "ok");
        assert_eq!(lines[3], "é".repeat(10), "cut at a character boundary (20 bytes)");
        let (t, n) = cut_long_lines("a\nb\n".to_owned(), 21);
        assert_eq!((t.as_str(), n), ("a\nb\n", 0));
    }

    #[test]
    fn line_reader_keeps_at_most_the_bound_and_resynchronises() {
        let input = format!("{}\nnext\nlast", "y".repeat(10_000));
        let mut r = std::io::BufReader::with_capacity(64, input.as_bytes());
        assert_eq!(read_line(&mut r, 100).unwrap(), Some(("y".repeat(100), true)));
        assert_eq!(read_line(&mut r, 100).unwrap(), Some(("next".to_owned(), false)));
        assert_eq!(read_line(&mut r, 100).unwrap(), Some(("last".to_owned(), false)));
        assert_eq!(read_line(&mut r, 100).unwrap(), None);
    }

    #[test]
    fn the_async_reader_cuts_as_the_blocking_one_does() {
        let input = format!("{}\nnext\r\nlast", "y".repeat(300));
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let got = rt.block_on(async {
            let mut r = tokio::io::BufReader::with_capacity(64, input.as_bytes());
            let mut out = Vec::new();
            while let Some(l) = read_line_async(&mut r, 100).await.unwrap() {
                out.push(l);
            }
            out
        });
        assert_eq!(got, vec![("y".repeat(100), true), ("next".to_owned(), false), ("last".to_owned(), false)]);
    }

    #[test]
    fn forwarded_lines_over_the_bound_arrive_as_errors_and_the_rest_still_arrives() {
        let input = format!("ok\n{}\nafter\n", "z".repeat(1000));
        let mut got = Vec::new();
        forward_lines(input.as_bytes(), 100, "an answer", |l| {
            got.push(l.map_err(|e| e.to_string()));
            true
        });
        assert_eq!(
            got,
            vec![
                Ok("ok".to_owned()),
                Err("an answer longer than 100 bytes: dropped".to_owned()),
                Ok("after".to_owned())
            ]
        );
        // A receiver that stops stops the reading.
        let mut n = 0;
        forward_lines("a\nb\nc\n".as_bytes(), 100, "x", |_| {
            n += 1;
            false
        });
        assert_eq!(n, 1);
    }
}
