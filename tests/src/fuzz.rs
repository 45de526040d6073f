//! The properties the cargo-fuzz targets in `fuzz/` check, one function per target.
//!
//! They live here, not in the fuzz crate, so that `tests/tests/fuzz_corpus.rs` can replay
//! the committed seed corpus and every input the fuzzers ever found on stable Rust, under
//! `cargo test`. Each function panics when the property fails; that panic is the finding.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use notes2book_model::vfs::MemFs;
use notes2book_model::{Diagnostic, FileId, Sources};
use notes2book_parser::fuzzing::{Kind, code_ranges, parse_values, restore, scan, split, typed};
use notes2book_parser::{ParseOptions, parse_book};

/// Front matter: the splitter's ranges are ordered, inside the text and on character
/// boundaries; parsing and typing what it split off never panics, and every diagnostic
/// points inside the text.
pub fn front_matter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = FileId(0);
    match split(text, file) {
        Ok(s) => {
            let (a, b) = s.raw;
            assert!(
                a <= b && b <= s.body_start && s.body_start <= text.len(),
                "split ranges out of order: raw {a}..{b}, body at {}, length {}",
                s.body_start,
                text.len()
            );
            for at in [a, b, s.body_start] {
                assert!(
                    text.is_char_boundary(at),
                    "split at {at}, inside a character"
                );
            }
            match parse_values(text, &s, file) {
                Ok(values) => {
                    let mut diags = Vec::new();
                    let _ = typed(values, text, &s, file, &mut diags);
                    spans_inside(&diags, text.len());
                }
                Err(d) => spans_inside(&[d], text.len()),
            }
        }
        Err(d) => spans_inside(&[d], text.len()),
    }
}

fn spans_inside(diags: &[Diagnostic], len: usize) {
    for d in diags {
        if let Some(s) = d.span {
            assert!(
                s.start <= s.end && s.end as usize <= len,
                "diagnostic {} has span {}..{} in a text of {len} bytes",
                d.code,
                s.start,
                s.end
            );
        }
    }
}

/// Shortcodes: the placeholder text has exactly the input's byte length, shortcodes are in
/// order and do not overlap, every byte outside them is unchanged, and putting the
/// placeholders back (as code does) never panics.
pub fn shortcodes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let code = code_ranges(text);
    for r in &code {
        assert!(
            r.start <= r.end && r.end <= text.len(),
            "code range {r:?} outside a text of {} bytes",
            text.len()
        );
    }
    let (found, out, problems) = scan(text, &code);
    assert_eq!(out.len(), text.len(), "placeholders changed the length");
    let mut last = 0;
    for sc in &found {
        let r = &sc.range;
        assert!(
            last <= r.start && r.start < r.end && r.end <= text.len(),
            "shortcode {:?} at {r:?} overlaps the one before (ending at {last}) or leaves the text",
            sc.name
        );
        assert!(
            text.is_char_boundary(r.start) && text.is_char_boundary(r.end),
            "shortcode range {r:?} splits a character"
        );
        assert_eq!(
            text[last..r.start],
            out[last..r.start],
            "text between shortcodes changed"
        );
        if let Kind::Raw { inner } = &sc.kind {
            assert!(
                text[r.clone()].contains(inner.as_str()),
                "raw inner text is not from the shortcode"
            );
        }
        last = r.end;
    }
    for p in &problems {
        assert!(
            p.range.start <= p.range.end && p.range.end <= text.len(),
            "problem {} at {:?} outside the text",
            p.code,
            p.range
        );
    }
    let _ = restore(&out, &found, text);
}

const SIBLING: &str = "---\ntitle: Sibling\nweight: 2\n---\n# Sibling\n\nSee [[a]], [a](a.md#intro) and ![[a#Intro]].\n\n![[a]]\n";

fn tiny_png() -> &'static [u8] {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    PNG.get_or_init(|| {
        let img =
            image::RgbImage::from_fn(8, 6, |x, y| image::Rgb([x as u8 * 30, y as u8 * 40, 90]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .expect("encode a PNG in memory");
        out.into_inner()
    })
}

/// A book of two notes in memory: `a.md` holds the input's bytes as they are (so decoding
/// is fuzzed too), `b.md` links to and embeds it; `img.png` and `static/x.png` exist.
fn book_of(data: &[u8]) -> MemFs {
    let mut fs = MemFs::new();
    fs.insert("book/content/a.md", data.to_vec());
    fs.insert("book/content/b.md", SIBLING.as_bytes().to_vec());
    fs.insert("book/content/img.png", tiny_png().to_vec());
    fs.insert("book/static/x.png", tiny_png().to_vec());
    fs
}

/// The whole note parser (decoding, front matter, shortcodes, Markdown, embeds, links,
/// ids, contents): never panics, every diagnostic's span lies inside a file it read, and
/// the model serialises (the `dump` command's output).
pub fn note(data: &[u8]) {
    let fs = book_of(data);
    let parsed = parse_book(&fs, &ParseOptions::new("book/content"), Sources::default());
    check_diagnostics(&parsed.sources, &parsed.diagnostics);
    if let Err(e) = serde_json::to_string(&parsed.book) {
        panic!("the model does not serialise: {e}");
    }
}

fn check_diagnostics(sources: &Sources, diags: &[Diagnostic]) {
    for d in diags {
        let Some(s) = d.span else { continue };
        let Some(f) = sources.get(s.file_id()) else {
            panic!(
                "diagnostic {} points into file {} that was not read",
                d.code, s.file
            );
        };
        assert!(
            s.start <= s.end && s.end as usize <= f.text.len(),
            "diagnostic {} has span {}..{} in {} ({} bytes)",
            d.code,
            s.start,
            s.end,
            f.path.display(),
            f.text.len()
        );
        assert!(
            sources.locate(s).is_some(),
            "diagnostic {} cannot be located",
            d.code
        );
    }
}

/// The XHTML writer: the note through the parser, the asset resolver and the EPUB backend;
/// every XHTML, OPF and NCX file in the EPUB must parse as XML.
pub fn xhtml(data: &[u8]) {
    let fs = book_of(data);
    let (parsed, assets) =
        crate::prepared_book(&fs, Path::new("book"), vec![PathBuf::from("book/static")]);
    let epub = match notes2book_epub::write_epub(
        &parsed.book,
        &assets,
        &notes2book_epub::EpubOptions::default(),
    ) {
        Ok(e) => e,
        Err(d) => panic!("write_epub failed: {}: {}", d.code, d.message),
    };
    for (name, bytes, _) in crate::zip_entries_of(epub.bytes) {
        if !(name.ends_with(".xhtml") || name.ends_with(".opf") || name.ends_with(".ncx")) {
            continue;
        }
        let Ok(text) = std::str::from_utf8(&bytes) else {
            panic!("{name} is not UTF-8");
        };
        let xml = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        };
        if let Err(e) = roxmltree::Document::parse_with_options(text, xml) {
            panic!("{name} is not well-formed XML: {e}\n{text}");
        }
    }
}
