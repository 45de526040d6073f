//! The PDF file, written object by object as it is made: header, numbered objects, the
//! cross-reference table and trailer. What has been written is not held; only each
//! object's offset is kept, for the table.
//!
//! Objects are numbered in the order [`Out::reserve`] hands numbers out, with no gaps, so
//! every number in the table is an object of the file.

use std::io::{self, Write};

use lopdf::{Dictionary, Object, StringFormat};

/// Pending bytes are passed on to the output in pieces of about this size.
const FLUSH_AT: usize = 1 << 20;

/// An object number (generation 0).
pub type Id = u32;

/// The file being written.
pub struct Out<'w> {
    out: &'w mut dyn Write,
    buf: Vec<u8>,
    /// Bytes passed on to `out` so far.
    flushed: u64,
    /// Each object's offset, by number (index 0 is the free head).
    offsets: Vec<u64>,
    /// The first I/O error: writing stops there and [`Out::finish`] returns it.
    error: Option<io::Error>,
    /// Of every byte written, for the file's `/ID`.
    hash: blake3::Hasher,
}

impl std::fmt::Debug for Out<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Out")
            .field("at", &self.at())
            .field("objects", &(self.offsets.len() - 1))
            .finish()
    }
}

impl<'w> Out<'w> {
    /// Start a PDF 1.7 file (the second line's high bytes mark it as binary).
    pub fn new(out: &'w mut dyn Write) -> Out<'w> {
        let mut o = Out {
            out,
            buf: Vec::with_capacity(FLUSH_AT + (64 << 10)),
            flushed: 0,
            offsets: vec![0],
            error: None,
            hash: blake3::Hasher::new(),
        };
        o.buf.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
        o
    }

    fn at(&self) -> u64 {
        self.flushed + self.buf.len() as u64
    }

    /// A number for an object written later.
    pub fn reserve(&mut self) -> Id {
        self.offsets.push(0);
        (self.offsets.len() - 1) as Id
    }

    /// `n` consecutive numbers; the first is returned.
    pub fn reserve_many(&mut self, n: usize) -> Id {
        let first = self.offsets.len() as Id;
        self.offsets.resize(self.offsets.len() + n, 0);
        first
    }

    /// Write object `id`, its body made by `body`.
    pub fn object(&mut self, id: Id, body: impl FnOnce(&mut Vec<u8>)) {
        if let Some(slot) = self.offsets.get_mut(id as usize) {
            *slot = self.flushed + self.buf.len() as u64;
        }
        int(&mut self.buf, i64::from(id));
        self.buf.extend_from_slice(b" 0 obj\n");
        body(&mut self.buf);
        self.buf.extend_from_slice(b"\nendobj\n");
        self.flush_if_full();
    }

    /// Write a dictionary object.
    pub fn dict(&mut self, id: Id, d: &Dictionary) {
        self.object(id, |b| dictionary(b, d, &same));
    }

    /// Write a stream object: `dict` (without `/Length`, which is added) and `data`.
    pub fn stream(&mut self, id: Id, dict: &Dictionary, data: &[u8]) {
        self.object(id, |b| stream(b, dict, data, &same));
    }

    fn flush_if_full(&mut self) {
        if self.buf.len() >= FLUSH_AT {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.hash.update(&self.buf);
        if self.error.is_none()
            && let Err(e) = self.out.write_all(&self.buf)
        {
            self.error = Some(e);
        }
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
    }

    /// The cross-reference table and the trailer (`trailer` without `/Size` and `/ID`,
    /// which is made from the file's objects, so the same book has the same one); then
    /// the first error writing met, if any.
    pub fn finish(mut self, trailer: &Dictionary) -> io::Result<()> {
        self.flush();
        let digest = self.hash.finalize();
        let id = digest.as_bytes()[..16].to_vec();
        let xref = self.at();
        let count = self.offsets.len();
        self.buf.extend_from_slice(b"xref\n0 ");
        int(&mut self.buf, count as i64);
        self.buf.extend_from_slice(b"\n0000000000 65535 f\r\n");
        for i in 1..count {
            let offset = self.offsets[i];
            let mut entry = format!("{offset:010} 00000 n\r\n").into_bytes();
            if offset == 0 {
                // Reserved and never written: a bug of ours, but the table stays valid.
                entry = b"0000000000 00001 f\r\n".to_vec();
            }
            self.buf.extend_from_slice(&entry);
            self.flush_if_full();
        }
        let mut t = trailer.clone();
        t.set("Size", Object::Integer(count as i64));
        let id = Object::String(id, StringFormat::Hexadecimal);
        t.set("ID", Object::Array(vec![id.clone(), id]));
        self.buf.extend_from_slice(b"trailer\n");
        dictionary(&mut self.buf, &t, &same);
        self.buf.extend_from_slice(b"\nstartxref\n");
        int(&mut self.buf, xref as i64);
        self.buf.extend_from_slice(b"\n%%EOF\n");
        self.flush();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()
    }

    /// The objects reserved but not written (none when the file is whole).
    pub fn unwritten(&self) -> usize {
        self.offsets.iter().skip(1).filter(|&&o| o == 0).count()
    }
}

/// A reference to an object of ours: its number as is.
fn same(id: lopdf::ObjectId) -> Id {
    id.0
}

/// A reference to object `id`.
pub fn reference(id: Id) -> Object {
    Object::Reference((id, 0))
}

/// `o` in PDF syntax; references are renumbered by `map`.
pub fn object(b: &mut Vec<u8>, o: &Object, map: &dyn Fn(lopdf::ObjectId) -> Id) {
    match o {
        Object::Null => b.extend_from_slice(b"null"),
        Object::Boolean(v) => b.extend_from_slice(if *v { b"true" } else { b"false" }),
        Object::Integer(v) => int(b, *v),
        Object::Real(v) => real(b, *v),
        Object::Name(n) => name(b, n),
        Object::String(s, StringFormat::Literal) => literal(b, s),
        Object::String(s, StringFormat::Hexadecimal) => hex(b, s),
        Object::Array(items) => {
            b.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    b.push(b' ');
                }
                object(b, item, map);
            }
            b.push(b']');
        }
        Object::Dictionary(d) => dictionary(b, d, map),
        Object::Stream(s) => stream(b, &s.dict, &s.content, map),
        Object::Reference(id) => {
            int(b, i64::from(map(*id)));
            b.extend_from_slice(b" 0 R");
        }
    }
}

/// A dictionary, its keys in the order they were set.
pub fn dictionary(b: &mut Vec<u8>, d: &Dictionary, map: &dyn Fn(lopdf::ObjectId) -> Id) {
    b.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        name(b, k);
        b.push(b' ');
        object(b, v, map);
    }
    b.extend_from_slice(b">>");
}

/// A stream: its dictionary with the data's `/Length`, then the data.
pub fn stream(
    b: &mut Vec<u8>,
    dict: &Dictionary,
    data: &[u8],
    map: &dyn Fn(lopdf::ObjectId) -> Id,
) {
    let mut d = dict.clone();
    d.set("Length", Object::Integer(data.len() as i64));
    dictionary(b, &d, map);
    b.extend_from_slice(b"\nstream\n");
    b.extend_from_slice(data);
    b.extend_from_slice(b"\nendstream");
}

/// A whole number.
pub fn int(b: &mut Vec<u8>, v: i64) {
    let _ = write!(b, "{v}");
}

/// A real number with at most five decimals, no trailing zeros, never an exponent.
pub fn real(b: &mut Vec<u8>, v: f32) {
    if !v.is_finite() {
        b.push(b'0');
        return;
    }
    let s = format!("{:.5}", f64::from(v));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    b.extend_from_slice(if s == "-0" { b"0" } else { s.as_bytes() });
}

/// A name: `/` and its bytes, those PDF gives a meaning escaped as `#xx`.
pub fn name(b: &mut Vec<u8>, n: &[u8]) {
    b.push(b'/');
    for &c in n {
        let plain = (0x21..=0x7E).contains(&c) && !b"()<>[]{}/%#".contains(&c);
        if plain {
            b.push(c);
        } else {
            let _ = write!(b, "#{c:02X}");
        }
    }
}

/// A literal string, `\`, parentheses and line ends escaped.
pub fn literal(b: &mut Vec<u8>, s: &[u8]) {
    b.push(b'(');
    for &c in s {
        match c {
            b'\\' | b'(' | b')' => b.extend_from_slice(&[b'\\', c]),
            b'\r' => b.extend_from_slice(b"\\r"),
            b'\n' => b.extend_from_slice(b"\\n"),
            _ => b.push(c),
        }
    }
    b.push(b')');
}

/// A hexadecimal string.
pub fn hex(b: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    b.push(b'<');
    for &c in s {
        b.push(HEX[usize::from(c >> 4)]);
        b.push(HEX[usize::from(c & 15)]);
    }
    b.push(b'>');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(o: &Object) -> String {
        let mut b = Vec::new();
        object(&mut b, o, &same);
        String::from_utf8_lossy(&b).into_owned()
    }

    #[test]
    fn objects_are_written_in_pdf_syntax() {
        assert_eq!(text(&Object::Real(1.5)), "1.5");
        assert_eq!(text(&Object::Real(-0.000001)), "0");
        assert_eq!(text(&Object::Real(612.0)), "612");
        assert_eq!(text(&Object::Name(b"A B#(".to_vec())), "/A#20B#23#28");
        assert_eq!(
            text(&Object::String(b"a(b)\\\n".to_vec(), StringFormat::Literal)),
            "(a\\(b\\)\\\\\\n)"
        );
        assert_eq!(
            text(&Object::String(
                vec![0xFE, 0xFF, 0, 0x41],
                StringFormat::Hexadecimal
            )),
            "<FEFF0041>"
        );
        let d = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Page".to_vec())),
            ("Kids", Object::Array(vec![reference(3), Object::Null])),
        ]);
        assert_eq!(
            text(&Object::Dictionary(d)),
            "<</Type /Page/Kids [3 0 R null]>>"
        );
    }

    #[test]
    fn the_table_points_at_each_object() {
        let mut file = Vec::new();
        let mut out = Out::new(&mut file);
        let a = out.reserve();
        let b = out.reserve();
        out.dict(
            b,
            &Dictionary::from_iter(vec![("Type", Object::Name(b"Pages".to_vec()))]),
        );
        out.stream(a, &Dictionary::new(), b"BT ET");
        assert_eq!(out.unwritten(), 0);
        out.finish(&Dictionary::from_iter(vec![("Root", reference(b))]))
            .expect("written");
        // The header's binary marker aside, the file is ASCII: one char per byte.
        let s: String = file
            .iter()
            .map(|&b| if b < 128 { b as char } else { '?' })
            .collect();
        let xref = s.rfind("startxref\n").expect("startxref") + 10;
        let at: usize = s[xref..]
            .lines()
            .next()
            .expect("offset")
            .parse()
            .expect("number");
        assert!(s[at..].starts_with("xref\n0 3\n"), "{s}");
        let entry = |n: usize| -> usize {
            let line = &s[at + 9 + 20 * n..at + 9 + 20 * n + 10];
            line.parse().expect("offset")
        };
        assert!(s[entry(1)..].starts_with("1 0 obj\n<</Length 5>>\nstream\nBT ET\nendstream"));
        assert!(s[entry(2)..].starts_with("2 0 obj\n<</Type /Pages>>"));
        assert!(s.contains("trailer\n<</Root 2 0 R/Size 3/ID [<"), "{s}");
    }
}
