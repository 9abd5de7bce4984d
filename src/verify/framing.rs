//! Cutting a byte stream into lines: one framer for every driver (the
//! streaming verifier and the native pipeline), so a line is the same line
//! however the bytes arrive.

use crate::statement::MAX_LINE_BYTES;

/// Splits `buf` into lines at `\n` (the last piece may lack one).
pub fn lines(buf: &[u8]) -> impl Iterator<Item = &[u8]> {
    let trimmed = buf.strip_suffix(b"\n").unwrap_or(buf);
    let empty = buf.is_empty();
    trimmed.split(|&b| b == b'\n').filter(move |_| !empty)
}

/// A line without its ending: one `\n`, then one `\r` before it (FORMAT.md
/// section 1 tolerates `\r\n`).
pub fn line_content(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// What the framer hands on, in stream order.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A run of whole lines, each ending in `\n`.
    Lines(&'a [u8]),
    /// A line longer than any statement may be: its length without the
    /// newline, and whether a newline ended it. Its bytes were not kept.
    Overlong(u64, bool),
    /// The last line, which no newline ended (at [`Framer::finish`]).
    Last(&'a [u8]),
}

/// Holds at most one partial line (never more than a statement's limit):
/// an endless line is counted and skipped, not buffered.
#[derive(Debug, Default)]
pub struct Framer {
    partial: Vec<u8>,
    /// The current partial line is over the limit: its length so far.
    overlong: Option<u64>,
}

impl Framer {
    /// Feeds any chunk; whole lines and over-long lines come out through `out`.
    pub fn push(&mut self, mut chunk: &[u8], mut out: impl FnMut(Piece)) {
        if let Some(len) = self.overlong {
            match chunk.iter().position(|&b| b == b'\n') {
                None => {
                    self.overlong = Some(len + chunk.len() as u64);
                    return;
                }
                Some(p) => {
                    self.overlong = None;
                    out(Piece::Overlong(len + p as u64, true));
                    chunk = &chunk[p + 1..];
                }
            }
        }
        let Some(last_nl) = chunk.iter().rposition(|&b| b == b'\n') else {
            self.keep(chunk);
            return;
        };
        let (complete, rest) = chunk.split_at(last_nl + 1);
        if self.partial.is_empty() {
            out(Piece::Lines(complete));
        } else {
            let first_nl = complete.iter().position(|&b| b == b'\n').expect("has a newline");
            self.partial.extend_from_slice(&complete[..=first_nl]);
            let joined = std::mem::take(&mut self.partial);
            out(Piece::Lines(&joined));
            if first_nl + 1 < complete.len() {
                out(Piece::Lines(&complete[first_nl + 1..]));
            }
        }
        self.keep(rest);
    }

    fn keep(&mut self, bytes: &[u8]) {
        if self.partial.len() + bytes.len() > MAX_LINE_BYTES + 1 {
            // Do not hold an endless line in memory: it is malformed whatever follows.
            self.overlong = Some((self.partial.len() + bytes.len()) as u64);
            self.partial.clear();
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// Ends the stream: the unterminated last line, if any.
    pub fn finish(&mut self, mut out: impl FnMut(Piece)) {
        if let Some(len) = self.overlong.take() {
            out(Piece::Overlong(len, false));
        } else if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            out(Piece::Last(&last));
        }
    }

    /// Nothing is held: no partial line, no line being skipped.
    pub fn is_idle(&self) -> bool {
        self.partial.is_empty() && self.overlong.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(chunks: &[&[u8]]) -> Vec<String> {
        let mut f = Framer::default();
        let mut seen = Vec::new();
        let mut record = |p: Piece| {
            seen.push(match p {
                Piece::Lines(l) => format!("L{}", String::from_utf8_lossy(l)),
                Piece::Overlong(n, t) => format!("O{n}{t}"),
                Piece::Last(l) => format!("E{}", String::from_utf8_lossy(l)),
            })
        };
        for c in chunks {
            f.push(c, &mut record);
        }
        f.finish(&mut record);
        seen
    }

    #[test]
    fn lines_come_out_whole_however_the_bytes_arrive() {
        assert_eq!(frame(&[b"a\nb", b"c\nd\n", b"e"]), ["La\n", "Lbc\n", "Ld\n", "Ee"]);
        assert_eq!(frame(&[b"a\n", b"b\n"]), ["La\n", "Lb\n"]);
        assert_eq!(frame(&[b"", b"x"]), ["Ex"]);
    }

    #[test]
    fn an_endless_line_is_counted_not_held() {
        let big = vec![b'x'; MAX_LINE_BYTES + 10];
        assert_eq!(frame(&[b"a\n", &big, b"yy\nz\n"]), ["La\n", format!("O{}true", MAX_LINE_BYTES + 12).as_str(), "Lz\n"]);
        assert_eq!(frame(&[&big, &big]), [format!("O{}false", 2 * (MAX_LINE_BYTES + 10)).as_str()]);
    }
}
