//! The PDF engine on real notes: parse Markdown with the parser, lay it out, write a PDF,
//! and read it back. `PDF_KEEP=DIR` keeps the PDFs for looking at.

use std::path::{Path, PathBuf};

use notes2book_model::Sources;
use notes2book_model::vfs::{DiskFs, MemFs};
use notes2book_parser::{ParseOptions, parse_book};
use notes2book_pdf::{PdfOptions, build};

fn keep(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("PDF_KEEP") {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(Path::new(&dir).join(name), bytes);
    }
}

fn from_notes(files: &[(&str, &str)]) -> notes2book_pdf::Pdf {
    let mut fs = MemFs::new();
    for (name, body) in files {
        fs.insert(
            Path::new("book/content").join(name),
            body.as_bytes().to_vec(),
        );
    }
    let opts = ParseOptions::new("book/content");
    let mut parsed = parse_book(&fs, &opts, Sources::default());
    let resolve = notes2book_assets::ResolveOptions {
        root: PathBuf::from("book"),
        input: opts.input.clone(),
        static_dirs: vec![],
    };
    let _ = notes2book_assets::resolve(&mut parsed.book, &fs, &resolve);
    let (assets, _) = notes2book_assets::prepare(
        &parsed.book,
        &fs,
        Path::new("book"),
        &notes2book_assets::ProcessOptions::default(),
    );
    build(&parsed.book, &assets, &PdfOptions::default())
}

#[test]
fn content_folder_builds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = std::fs::canonicalize(root).expect("repo root");
    let fs = DiskFs::new(std::slice::from_ref(&root));
    let opts = ParseOptions::new(root.join("content"));
    let mut parsed = parse_book(&fs, &opts, Sources::default());
    let resolve = notes2book_assets::ResolveOptions {
        root: root.clone(),
        input: root.join("content"),
        static_dirs: vec![],
    };
    let _ = notes2book_assets::resolve(&mut parsed.book, &fs, &resolve);
    let (assets, _) = notes2book_assets::prepare(
        &parsed.book,
        &fs,
        &root,
        &notes2book_assets::ProcessOptions::default(),
    );
    let pdf = build(&parsed.book, &assets, &PdfOptions::default());
    keep("content.pdf", &pdf.bytes);
    assert!(pdf.pages > 5);
    assert!(pdf.bytes.starts_with(b"%PDF-"));
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
