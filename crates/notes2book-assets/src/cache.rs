//! A cache of prepared images between runs: one file per image, named by the hash of the
//! source bytes, the options and this version of notes2book, so a changed image, other
//! options or another version never find a stale entry. Entries are written through a
//! temporary file and renamed, so two builds sharing the folder never read half an entry;
//! an entry that cannot be read is a miss. The folder is safe to delete at any time.

use std::path::{Path, PathBuf};

use crate::process::{Encoded, ImageKind, ProcessOptions};

/// Bumped whenever the entry layout or the way images are prepared changes.
const FORMAT: &[u8] = b"notes2book image cache 1\n";

/// What a cached entry gives back (the asset's id and name come from the book).
pub(crate) struct Cached {
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
    pub epub: Option<Encoded>,
    pub pdf: Option<Encoded>,
}

/// Where the entry for the bytes of this hash and these options lives in `dir`.
pub(crate) fn entry(dir: &Path, bytes: &blake3::Hash, opts: &ProcessOptions) -> PathBuf {
    let mut h = blake3::Hasher::new();
    h.update(FORMAT);
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(
        format!(
            "{} {} {} {} {} {:?}",
            opts.epub, opts.pdf, opts.epub_max_px, opts.pdf_max_px, opts.jpeg_quality, opts.limits
        )
        .as_bytes(),
    );
    h.update(bytes.as_bytes());
    let hex = h.finalize().to_hex();
    dir.join("images").join(&hex[..2]).join(&hex[2..32])
}

pub(crate) fn read(path: &Path) -> Option<Cached> {
    let data = std::fs::read(path).ok()?;
    let mut r = Reader {
        data: data.strip_prefix(FORMAT)?,
    };
    let kind = match r.u8()? {
        0 => ImageKind::Photo,
        1 => ImageKind::LineArt,
        2 => ImageKind::Svg,
        _ => return None,
    };
    let (width, height) = (r.u32()?, r.u32()?);
    let epub = r.variant()?;
    let pdf = r.variant()?;
    r.data.is_empty().then_some(Cached {
        kind,
        width,
        height,
        epub,
        pdf,
    })
}

/// Store an entry; a failure only means the next run prepares the image again.
pub(crate) fn write(path: &Path, c: &Cached) {
    let mut out = FORMAT.to_vec();
    out.push(match c.kind {
        ImageKind::Photo => 0,
        ImageKind::LineArt => 1,
        ImageKind::Svg => 2,
    });
    out.extend(c.width.to_le_bytes());
    out.extend(c.height.to_le_bytes());
    for v in [&c.epub, &c.pdf] {
        put_variant(&mut out, v.as_ref());
    }
    store(path, &out);
}

/// Write `bytes` whole at `path` (through a temporary file renamed into place); a failure
/// only costs the next run the work again.
fn store(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    let stored = std::fs::create_dir_all(dir)
        .and_then(|()| tempfile::NamedTempFile::new_in(dir))
        .and_then(|mut tmp| {
            std::io::Write::write_all(&mut tmp, bytes)?;
            tmp.persist(path).map_err(|e| e.error)?;
            Ok(())
        });
    drop(stored);
}

/// Something made from `key` alone (a generated cover), kept in `dir` under `kind`: read
/// back when it is there, else made by `make` and stored.
pub fn cached_blob(
    dir: Option<&Path>,
    kind: &str,
    key: &[u8],
    make: impl FnOnce() -> Option<Vec<u8>>,
) -> Option<Vec<u8>> {
    let Some(dir) = dir else { return make() };
    let mut h = blake3::Hasher::new();
    h.update(FORMAT);
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(key);
    let path = dir.join(kind).join(&h.finalize().to_hex()[..32]);
    if let Some(bytes) = std::fs::read(&path).ok().and_then(|b| {
        let body = b.strip_prefix(FORMAT)?;
        let (len, rest) = body.split_at_checked(8)?;
        let len = u64::from_le_bytes(len.try_into().ok()?);
        (rest.len() as u64 == len).then(|| rest.to_vec())
    }) {
        return Some(bytes);
    }
    let bytes = make()?;
    let mut out = FORMAT.to_vec();
    out.extend((bytes.len() as u64).to_le_bytes());
    out.extend(&bytes);
    store(&path, &out);
    Some(bytes)
}

/// The media types and extensions images are prepared as.
const TYPES: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/svg+xml", "svg"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
];

fn put_variant(out: &mut Vec<u8>, v: Option<&Encoded>) {
    let Some(e) = v else {
        out.push(0);
        return;
    };
    let t = TYPES
        .iter()
        .position(|(m, x)| *m == e.media_type && *x == e.extension)
        .map_or(u8::MAX, |i| i as u8 + 1);
    out.push(t);
    out.push(u8::from(e.passthrough));
    out.extend(e.width.to_le_bytes());
    out.extend(e.height.to_le_bytes());
    out.extend((e.bytes.len() as u64).to_le_bytes());
    out.extend(&e.bytes);
}

struct Reader<'a> {
    data: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.data.len() < n {
            return None;
        }
        let (a, b) = self.data.split_at(n);
        self.data = b;
        Some(a)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)?.try_into().ok().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8)?.try_into().ok().map(u64::from_le_bytes)
    }

    /// `Some(None)` for no variant, `None` for a broken entry.
    fn variant(&mut self) -> Option<Option<Encoded>> {
        let t = self.u8()?;
        if t == 0 {
            return Some(None);
        }
        let (media_type, extension) = *TYPES.get(usize::from(t) - 1)?;
        let passthrough = self.u8()? == 1;
        let (width, height) = (self.u32()?, self.u32()?);
        let len = usize::try_from(self.u64()?).ok()?;
        let bytes = self.take(len)?.to_vec();
        Some(Some(Encoded {
            bytes,
            media_type,
            extension,
            width,
            height,
            passthrough,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_and_a_broken_one_is_a_miss() {
        let dir = tempfile::tempdir().expect("tmp");
        let opts = ProcessOptions::default();
        let px = blake3::hash(b"pixels");
        let path = entry(dir.path(), &px, &opts);
        assert_ne!(path, entry(dir.path(), &blake3::hash(b"pixels!"), &opts));
        let other = ProcessOptions {
            jpeg_quality: 70,
            ..ProcessOptions::default()
        };
        assert_ne!(path, entry(dir.path(), &px, &other));
        let enc = |b: &[u8]| Encoded {
            bytes: b.to_vec(),
            media_type: "image/png",
            extension: "png",
            width: 3,
            height: 2,
            passthrough: false,
        };
        write(
            &path,
            &Cached {
                kind: ImageKind::LineArt,
                width: 3,
                height: 2,
                epub: Some(enc(b"epub")),
                pdf: None,
            },
        );
        let back = read(&path).expect("entry");
        assert_eq!(back.kind, ImageKind::LineArt);
        assert_eq!(back.epub.expect("epub").bytes, b"epub");
        assert!(back.pdf.is_none());
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() - 1]).expect("cut");
        assert!(read(&path).is_none());
    }
}
