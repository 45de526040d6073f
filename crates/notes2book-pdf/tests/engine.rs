//! The PDF engine on real notes: parse Markdown with the parser, lay it out, write a PDF,
//! and read it back. `PDF_KEEP=DIR` keeps the PDFs for looking at.

use std::path::Path;

use notes2book_model::Sources;
use notes2book_model::vfs::{DiskFs, MemFs};
use notes2book_pdf::{PdfOptions, build};

fn keep(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("PDF_KEEP") {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(Path::new(&dir).join(name), bytes);
    }
}

fn from_notes(files: &[(&str, &str)]) -> notes2book_pdf::Pdf {
    from_notes_with(files, &PdfOptions::default()).0
}

fn build_dir(root: &Path) -> notes2book_pdf::Pdf {
    build_dir_with(root, &PdfOptions::default())
}

fn build_dir_with(root: &Path, options: &PdfOptions) -> notes2book_pdf::Pdf {
    let root = std::fs::canonicalize(root).expect("book root");
    let fs = DiskFs::new(std::slice::from_ref(&root));
    let (parsed, assets) =
        notes2book_tests::prepared_book(&fs, &root, vec![root.join("content/static")]);
    build(&parsed.book, &assets, options)
}

#[test]
fn content_folder_builds() {
    let pdf = build_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    keep("content.pdf", &pdf.bytes);
    assert!(pdf.pages > 5);
    assert!(pdf.bytes.starts_with(b"%PDF-"));
}

/// A big book's pages are compressed as they are written and kept in a temporary file;
/// the PDF is the same byte for byte.
#[test]
fn pages_kept_on_disk_give_the_same_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let held = build_dir(&root);
    let spilled = build_dir_with(
        &root,
        &PdfOptions {
            raw_limit: Some(0),
            ..Default::default()
        },
    );
    keep("held.pdf", &held.bytes);
    keep("spilled.pdf", &spilled.bytes);
    assert!(held.bytes.len() > 100_000);
    assert!(held.bytes == spilled.bytes, "the two files differ");
}

/// `PDF_BOOK=DIR PDF_KEEP=OUT cargo test -p notes2book-pdf --test engine -- --ignored`
#[test]
#[ignore]
fn book_from_env() {
    let Ok(dir) = std::env::var("PDF_BOOK") else {
        return;
    };
    let t = std::time::Instant::now();
    let pdf = build_dir(Path::new(&dir));
    let mut report = format!("{} pages in {:?}\n", pdf.pages, t.elapsed());
    for d in &pdf.diagnostics {
        report.push_str(&format!("{}: {}\n", d.code, d.message));
    }
    std::io::Write::write_all(&mut std::io::stderr(), report.as_bytes()).expect("stderr");
    keep("book.pdf", &pdf.bytes);
}

#[test]
fn small_book_builds() {
    let pdf = from_notes(&[
        (
            "a.md",
            "---\ntitle: First\n---\nSome *text* with an office and efficient fjord. See [b](b.md).[^1]\n\n[^1]: A note.\n",
        ),
        ("b.md", "# Second\n\nMore text.\n"),
    ]);
    keep("small.pdf", &pdf.bytes);
    assert!(pdf.pages >= 3, "title page and two chapters");
}

fn from_notes_with(files: &[(&str, &str)], options: &PdfOptions) -> (notes2book_pdf::Pdf, Sources) {
    let mut fs = MemFs::new();
    for (name, body) in files {
        fs.insert(
            Path::new("book/content").join(name),
            body.as_bytes().to_vec(),
        );
    }
    let (parsed, assets) = notes2book_tests::prepared_book(&fs, Path::new("book"), vec![]);
    (build(&parsed.book, &assets, options), parsed.sources)
}

#[test]
fn characters_no_font_has_give_one_warning_with_where() {
    let (pdf, sources) = from_notes_with(
        &[
            ("a.md", "# A\n\nPlain text.\n\nTime is 時間 in Japanese.\n"),
            ("b.md", "# B\n\nAgain 時間 and 日.\n"),
        ],
        &PdfOptions::default(),
    );
    let missing: Vec<_> = pdf
        .diagnostics
        .iter()
        .filter(|d| d.code == "pdf-missing-glyphs")
        .collect();
    assert_eq!(missing.len(), 1, "{:?}", pdf.diagnostics);
    let d = missing[0];
    assert!(
        d.message.contains("時 (U+6642)") && d.message.contains("日 (U+65E5)"),
        "{}",
        d.message
    );
    assert!(
        d.message
            .starts_with("3 Chinese or Japanese characters are"),
        "{}",
        d.message
    );
    assert!(
        d.hint
            .as_deref()
            .is_some_and(|h| h.contains("fonts-noto-cjk")),
        "{d:?}"
    );
    let loc = d.span.and_then(|s| sources.locate(s)).expect("a location");
    assert!(loc.path.ends_with("a.md"), "{loc:?}");
    assert_eq!(loc.line, 5, "the paragraph where they first occur");
}

#[test]
fn fallback_fonts_from_the_configuration_are_used() {
    // DejaVu Sans has chess symbols; the bundled fonts do not. (.ci/run installs it.)
    let path = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    let bytes = std::fs::read(path).expect("fonts-dejavu-core installed (see .ci/run)");
    let notes = [("a.md", "# A\n\nThe knight ♞ moves.\n")];
    let (without, _) = from_notes_with(&notes, &PdfOptions::default());
    assert!(
        without
            .diagnostics
            .iter()
            .any(|d| d.code == "pdf-missing-glyphs")
    );
    let mut options = PdfOptions::default();
    options.layout.fallback_fonts = vec![notes2book_pdf::FallbackFont {
        name: "DejaVuSans.ttf".into(),
        bytes: bytes.into(),
        index: 0,
    }];
    let (with, _) = from_notes_with(&notes, &options);
    assert!(
        !with
            .diagnostics
            .iter()
            .any(|d| d.code == "pdf-missing-glyphs"),
        "{:?}",
        with.diagnostics
    );
    assert!(
        with.bytes.windows(10).any(|w| w == b"DejaVuSans"),
        "the fallback font is embedded"
    );
}

#[test]
fn a_word_longer_than_the_line_is_broken_and_reported() {
    // A "word" of prose with no break opportunity at all is worth a warning that names it.
    let word = "x".repeat(150);
    let (pdf, _) = from_notes_with(
        &[("a.md", &format!("# A\n\nSee {word} for more.\n"))],
        &PdfOptions::default(),
    );
    let d = pdf.diagnostics.iter().find(|d| d.code == "pdf-overfull");
    assert!(
        d.is_some_and(|d| d.message.contains("`xxxxxxxx")),
        "{:?}",
        pdf.diagnostics
    );
}

#[test]
fn long_urls_and_code_break_at_their_punctuation_without_a_warning() {
    // URLs, paths and code may be cut where they do not fit, as books do; no warning.
    let url = format!(
        "https://example.com/{}?q=%E6%AD%A3%E5%88%99",
        "averyveryverylongpathsegment".repeat(12)
    );
    let ident = "someVeryLongIdentifierName".repeat(8);
    let (pdf, _) = from_notes_with(
        &[(
            "a.md",
            &format!(
                "# A\n\nSee `{url}` or <{url}> and {ident} and {}.\n",
                "=".repeat(120)
            ),
        )],
        &PdfOptions::default(),
    );
    assert!(
        !pdf.diagnostics.iter().any(|d| d.code == "pdf-overfull"),
        "{:?}",
        pdf.diagnostics
    );
}
