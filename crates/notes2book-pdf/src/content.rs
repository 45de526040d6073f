//! A page's content stream, written as bytes as the page is drawn (no operation objects
//! in between: building and serialising those was a quarter of a PDF's time, and holding
//! them for every page made its memory grow with the book).
//!
//! Text is shown with the faces' own glyph ids, four hex digits each; when every page is
//! written and the fonts are subset, [`renumber`] puts the subset's codes in their place.
//! So that it can find them, a content stream holds no other `<…>` string: `/ActualText`
//! is a literal string with `<` and `>` escaped.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;

use notes2book_typeset::frame::{Color, LinkDest};

use crate::tagging::{Artifact, Event, Open, PageTags, Want};

/// A link area of the page: its rectangle in PDF coordinates and where it goes.
#[derive(Debug, Clone)]
pub struct PageLink {
    pub rect: [f32; 4],
    pub dest: Arc<LinkDest>,
}

/// One page being written, and the state its operators leave: a text object stays open
/// across consecutive words, and the font, fill colour and scaling are set only when they
/// change.
#[derive(Debug, Default)]
pub struct Content {
    pub(crate) buf: Vec<u8>,
    in_text: bool,
    font: Option<(u16, f32)>,
    fill: Option<Color>,
    /// Horizontal scaling (Tz) in percent, when not 100.
    scaling: Option<f32>,
    /// The open marked-content sequence, the next MCID, and what the page's MCIDs and
    /// links belong to.
    open: Open,
    mcid: usize,
    pub(crate) tags: PageTags,
    pub(crate) links: Vec<PageLink>,
    /// Every (face, glyph) shown, for subsetting.
    pub(crate) glyphs: rustc_hash::FxHashSet<(u16, u16)>,
    /// Every (face, glyph) drawn as a picture (colour emoji).
    pub(crate) pictures: BTreeSet<(u16, u16)>,
}

/// A number as PDF writes it: at most two decimals, no trailing zeros.
pub fn num(out: &mut Vec<u8>, v: f32) {
    let c = (f64::from(v) * 100.0).round() as i64;
    if c < 0 {
        out.push(b'-');
    }
    let c = c.unsigned_abs();
    digits(out, c / 100);
    let frac = (c % 100) as u8;
    if frac != 0 {
        out.push(b'.');
        out.push(b'0' + frac / 10);
        if !frac.is_multiple_of(10) {
            out.push(b'0' + frac % 10);
        }
    }
}

/// A whole number in decimal (formatting machinery was a tenth of writing a page).
fn digits(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// A glyph id as a hex string: `<00A7>`.
fn hex4(out: &mut Vec<u8>, v: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.extend_from_slice(&[
        b'<',
        HEX[usize::from(v >> 12)],
        HEX[usize::from((v >> 8) & 15)],
        HEX[usize::from((v >> 4) & 15)],
        HEX[usize::from(v & 15)],
        b'>',
    ]);
}

impl Content {
    /// Numbers, each followed by a space.
    fn nums(&mut self, vs: &[f32]) {
        for v in vs {
            num(&mut self.buf, *v);
            self.buf.push(b' ');
        }
    }

    fn op(&mut self, op: &str) {
        self.buf.extend_from_slice(op.as_bytes());
        self.buf.push(b'\n');
    }

    pub fn text(&mut self) {
        if !self.in_text {
            self.op("BT");
            self.in_text = true;
        }
    }

    pub fn graphics(&mut self) {
        if self.in_text {
            self.op("ET");
            self.in_text = false;
        }
    }

    pub fn fill(&mut self, c: Color) {
        if self.fill != Some(c) {
            self.nums(&[c.0, c.1, c.2]);
            self.op("rg");
            self.fill = Some(c);
        }
    }

    /// Stroke colour and width for what follows, and butt line ends.
    pub fn stroke(&mut self, c: Color, width: f32) {
        self.nums(&[c.0, c.1, c.2]);
        self.op("RG");
        self.nums(&[width]);
        self.op("w");
    }

    /// Select face `face` at `size`, if it is not the current one.
    pub fn set_font(&mut self, face: u16, size: f32) {
        if self.font != Some((face, size)) {
            self.buf.extend_from_slice(b"/F");
            digits(&mut self.buf, u64::from(face));
            self.buf.push(b' ');
            self.nums(&[size]);
            self.op("Tf");
            self.font = Some((face, size));
        }
    }

    /// Set the horizontal scaling (percent) for the text that follows, if it changes.
    /// Tz is part of the text state, which outlives text objects.
    pub fn scaling(&mut self, percent: f32) {
        let now = self.scaling.unwrap_or(100.0);
        if (now - percent).abs() > 1e-3 {
            self.nums(&[percent]);
            self.op("Tz");
            self.scaling = (percent != 100.0).then_some(percent);
        }
    }

    /// Move the text origin to (x, y).
    pub fn text_at(&mut self, x: f32, y: f32) {
        self.buf.extend_from_slice(b"1 0 0 1 ");
        self.nums(&[x, y]);
        self.op("Tm");
    }

    /// Show glyphs of `face`: each id, then the offset (thousandths of an em, to the left)
    /// that moves the pen to the next one, when there is one.
    pub fn show(&mut self, face: u16, glyphs: &[(u16, f32)]) {
        self.buf.push(b'[');
        for (gid, offset) in glyphs {
            hex4(&mut self.buf, *gid);
            if *offset != 0.0 {
                num(&mut self.buf, *offset);
            }
            self.glyphs.insert((face, *gid));
        }
        self.op("]TJ");
    }

    /// Begin a span whose text reads as `text` (`/ActualText`).
    pub fn begin_actual_text(&mut self, text: &str) {
        self.buf.extend_from_slice(b"/Span <</ActualText (");
        let mut utf16 = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            utf16.extend(unit.to_be_bytes());
        }
        for b in utf16 {
            match b {
                b' '..=b'~' if !matches!(b, b'(' | b')' | b'\\' | b'<' | b'>') => self.buf.push(b),
                _ => {
                    let _ = write!(self.buf, "\\{b:03o}");
                }
            }
        }
        self.op(")>> BDC");
    }

    pub fn end_marked(&mut self) {
        self.op("EMC");
    }

    /// A filled or stroked rectangle (PDF coordinates, lower-left corner).
    pub fn rect(&mut self, [x, y, w, h]: [f32; 4], stroke: bool) {
        self.nums(&[x, y, w, h]);
        self.op(if stroke { "re S" } else { "re f" });
    }

    /// A straight line, butt ends.
    pub fn line(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32)) {
        self.op("0 J");
        self.nums(&[x1, y1]);
        self.op("m");
        self.nums(&[x2, y2]);
        self.op("l S");
    }

    /// Draw XObject `name` as a `w` × `h` point box with its lower-left corner at (x, y).
    pub fn xobject(&mut self, name: &str, [x, y, w, h]: [f32; 4]) {
        self.graphics();
        self.op("q");
        self.nums(&[w, 0.0, 0.0, h, x, y]);
        self.op("cm");
        let _ = writeln!(self.buf, "/{name} Do");
        self.op("Q");
    }

    /// Put what follows in a marked-content sequence for `want`: the open one if it is
    /// the same, else a new one. Sequences never cross a text object's bounds.
    pub fn mark(&mut self, want: Want) {
        if self.open.continues(&want) {
            return;
        }
        self.close_mark();
        match &want {
            Want::Content(owner) => {
                let _ = writeln!(self.buf, "/{} <</MCID {}>> BDC", owner.role(), self.mcid);
                self.mcid += 1;
                self.tags.events.push(Event::Content(owner.clone()));
            }
            Want::Artifact(Artifact::Layout) => self.op("/Artifact BMC"),
            Want::Artifact(Artifact::Pagination) => {
                self.op("/Artifact <</Type /Pagination>> BDC");
            }
        }
        self.open.set(Some(want));
    }

    pub fn close_mark(&mut self) {
        self.graphics();
        if self.open.is_open() {
            self.op("EMC");
            self.open.set(None);
        }
    }

    /// Close any open text object and marked content.
    pub fn finish(&mut self) {
        self.close_mark();
    }
}

/// Put the subset's code of every glyph in its place: `codes(face, gid)` for each `<…>`
/// string after the `/F<face>` that selects its font. Unknown glyphs become 0.
pub fn renumber(stream: &mut [u8], codes: &dyn Fn(u16, u16) -> u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut face: u16 = 0;
    let mut i = 0;
    while let Some(skip) = stream
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| matches!(b, b'/' | b'(' | b'<')))
    {
        i += skip;
        match stream[i] {
            b'/' if stream.get(i + 1) == Some(&b'F') => {
                let mut n: u32 = 0;
                let mut j = i + 2;
                while let Some(d) = stream.get(j).filter(|b| b.is_ascii_digit()) {
                    n = n.saturating_mul(10).saturating_add(u32::from(d - b'0'));
                    j += 1;
                }
                if j > i + 2 {
                    face = u16::try_from(n).unwrap_or(0);
                }
                i = j;
            }
            b'(' => {
                // A literal string (ActualText): skip it, escapes and all.
                i += 1;
                while i < stream.len() && stream[i] != b')' {
                    i += if stream[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'<' if stream.get(i + 1) == Some(&b'<') => i += 2,
            b'<' => {
                let start = i + 1;
                let end = start + 4;
                if let Some(gid) = stream.get(start..end).and_then(hex_u16) {
                    let code = codes(face, gid);
                    for (k, slot) in stream[start..end].iter_mut().enumerate() {
                        *slot = HEX[usize::from((code >> (12 - 4 * k)) & 15)];
                    }
                }
                i = end;
            }
            _ => i += 1,
        }
    }
}

/// Four hex digits as a number.
fn hex_u16(digits: &[u8]) -> Option<u16> {
    digits.iter().try_fold(0u16, |n, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'A'..=b'F' => d - b'A' + 10,
            b'a'..=b'f' => d - b'a' + 10,
            _ => return None,
        };
        Some((n << 4) | u16::from(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        let mut out = Vec::new();
        for v in [0.0, 12.5, -3.25, 100.0, 0.004, -0.006, 7.1] {
            num(&mut out, v);
            out.push(b' ');
        }
        assert_eq!(
            String::from_utf8(out).expect("ASCII"),
            "0 12.5 -3.25 100 0 -0.01 7.1 "
        );
    }

    #[test]
    fn glyphs_are_renumbered_and_nothing_else() {
        let mut c = Content::default();
        c.text();
        c.set_font(3, 10.0);
        c.begin_actual_text("a<b>");
        c.show(3, &[(0x41, 0.0), (0x42, -12.5)]);
        c.end_marked();
        c.set_font(12, 9.0);
        c.show(12, &[(0x41, 0.0)]);
        c.finish();
        assert_eq!(c.glyphs.len(), 3);
        renumber(&mut c.buf, &|face, gid| face * 100 + gid - 0x40);
        let s = String::from_utf8(c.buf).expect("ASCII");
        assert!(s.contains("[<012D><012E>-12.5]TJ"), "{s}");
        assert!(s.contains("[<04B1>]TJ"), "{s}");
        assert!(
            s.contains("(\\376\\377\\000a\\000\\074\\000b\\000\\076)"),
            "{s}"
        );
    }
}
