//! Rewritten text that remembers where each byte came from, so spans still point at the
//! right file, line and column after includes are spliced in and list indents repaired.

use std::ops::Range;

use notes2book_model::{FileId, Span};

#[derive(Debug, Clone, Copy)]
struct Seg {
    out: usize,
    file: FileId,
    src: usize,
    len: usize,
}

/// Maps offsets in a rewritten text to (file, offset) in the sources.
#[derive(Debug, Clone, Default)]
pub struct SegMap {
    segs: Vec<Seg>,
}

impl SegMap {
    pub fn identity(file: FileId, len: usize) -> Self {
        SegMap {
            segs: vec![Seg {
                out: 0,
                file,
                src: 0,
                len,
            }],
        }
    }

    pub fn map(&self, off: usize) -> (FileId, usize) {
        let i = self
            .segs
            .partition_point(|s| s.out <= off)
            .saturating_sub(1);
        match self.segs.get(i) {
            Some(s) => (s.file, s.src + (off - s.out).min(s.len)),
            None => (FileId(0), off),
        }
    }

    pub fn span(&self, range: Range<usize>) -> Span {
        let (file, start) = self.map(range.start);
        let (end_file, end) = self.map(range.end.max(range.start));
        let end = if end_file == file && end >= start {
            end
        } else {
            start
        };
        Span::new(file, start, end)
    }
}

/// Builds a rewritten text piece by piece.
#[derive(Debug, Default)]
pub struct Builder {
    pub text: String,
    map: SegMap,
}

impl Builder {
    pub fn with_capacity(n: usize) -> Self {
        Builder {
            text: String::with_capacity(n),
            map: SegMap::default(),
        }
    }

    /// Copy `src[range]`, which came from `file` at the same offsets.
    pub fn copy_direct(&mut self, src: &str, range: Range<usize>, file: FileId) {
        if range.is_empty() {
            return;
        }
        self.map.segs.push(Seg {
            out: self.text.len(),
            file,
            src: range.start,
            len: range.len(),
        });
        self.text.push_str(&src[range]);
    }

    /// Copy `src[range]` where `src` is itself rewritten text described by `map`.
    pub fn copy_mapped(&mut self, src: &str, range: Range<usize>, map: &SegMap) {
        let mut pos = range.start;
        while pos < range.end {
            let i = map.segs.partition_point(|s| s.out <= pos).saturating_sub(1);
            let Some(s) = map.segs.get(i) else { break };
            let seg_end = map.segs.get(i + 1).map_or(usize::MAX, |n| n.out);
            let end = range.end.min(seg_end);
            self.map.segs.push(Seg {
                out: self.text.len(),
                file: s.file,
                src: s.src + (pos - s.out),
                len: end - pos,
            });
            self.text.push_str(&src[pos..end]);
            pos = end;
        }
    }

    /// Text with no source of its own (a fence put around an include); it maps to `at`.
    pub fn insert(&mut self, text: &str, at: (FileId, usize)) {
        if text.is_empty() {
            return;
        }
        self.map.segs.push(Seg {
            out: self.text.len(),
            file: at.0,
            src: at.1,
            len: 0,
        });
        self.text.push_str(text);
    }

    pub fn finish(self) -> (String, SegMap) {
        (self.text, self.map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_through_two_rewrites() {
        let src = "abcdef";
        let mut b = Builder::default();
        b.copy_direct(src, 0..2, FileId(0));
        b.copy_direct("XYZ", 0..3, FileId(1));
        b.copy_direct(src, 4..6, FileId(0));
        let (t1, m1) = b.finish();
        assert_eq!(t1, "abXYZef");
        assert_eq!(m1.map(3), (FileId(1), 1));
        assert_eq!(m1.map(6), (FileId(0), 5));
        let mut b = Builder::default();
        b.copy_mapped(&t1, 1..7, &m1);
        let (t2, m2) = b.finish();
        assert_eq!(t2, "bXYZef");
        assert_eq!(m2.map(0), (FileId(0), 1));
        assert_eq!(m2.map(2), (FileId(1), 1));
        assert_eq!(m2.map(5), (FileId(0), 5));
    }
}
