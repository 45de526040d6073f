//! EPUB backend: the finished `Book` and its prepared `Assets` to the bytes of an EPUB 3
//! (with an EPUB 2 NCX for older readers), built with epub-builder.
//!
//! [`write_epub_to`] writes into a file (or [`write_epub`] into memory). It renders every
//! chapter to XHTML from the model (in parallel), splits chapters larger than `split_size`
//! at level-2 headings, places footnotes as EPUB 3 pop-up asides in the file that first
//! refers to them, adds a cover page or a generated title page, an inline contents page and
//! landmarks; epub-builder writes the package documents. The zip is written by us so that
//! the same input gives the same bytes: `mimetype` first and stored, then the images
//! (stored, written while the text is rendered), then the rest in name order, with fixed
//! times, identifier and dates from the input.

mod a11y;
mod contrast;
mod highlight;
mod html;
mod kepub;
mod mathsvg;
mod package;
mod xhtml;

pub use kepub::kepub;

use notes2book_model::Diagnostic;

pub use package::{write_epub, write_epub_to};

/// EPUB options (the `epub:` section of notes2book.yaml) with their defaults.
#[derive(Debug, Clone)]
pub struct EpubOptions {
    /// Headings deeper than this are left out of the table of contents (default 2:
    /// chapters and their `##` sections).
    pub toc_depth: u8,
    /// Largest XHTML file before a chapter is split at level-2 headings (default 250 KB;
    /// older readers choke on larger files).
    pub split_size: usize,
    /// Extra CSS appended after the default stylesheet.
    pub css: Option<String>,
    /// `dcterms:modified`, seconds since 1970 (from `SOURCE_DATE_EPOCH`, else the newest
    /// note date).
    pub modified: i64,
    /// Size from which a warning says the book is over the Send to Kindle limit.
    pub warn_size: usize,
    /// Embed the bundled fonts (Charis SIL for text, JetBrains Mono for code) and use them
    /// (default false: the reader's own font settings win).
    pub embed_fonts: bool,
    /// How formulas are written.
    pub math: MathOutput,
    /// What the publisher states about the book's accessibility.
    pub a11y: Accessibility,
    /// Where the print edition's pages begin (from the PDF built in the same run): each
    /// gets a page-break marker and an entry in the page list.
    pub pages: Vec<notes2book_model::PageStart>,
    /// The print edition the page numbers are those of (`a11y:pageBreakSource`).
    pub page_source: Option<String>,
    /// A folder where highlighted code is kept between runs (`None`: no cache).
    pub cache: Option<std::path::PathBuf>,
}

/// The publisher's accessibility statements (`a11y:` in notes2book.yaml): nothing is
/// claimed by default beyond what the book shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accessibility {
    /// `dcterms:conformsTo`, e.g. "EPUB Accessibility 1.1 - WCAG 2.1 Level AA".
    pub conforms_to: Option<String>,
    /// `a11y:certifiedBy`: who checked it.
    pub certified_by: Option<String>,
    /// `a11y:certifierCredential`.
    pub certifier_credential: Option<String>,
    /// Replaces the generated `schema:accessibilitySummary`.
    pub summary: Option<String>,
}

/// How formulas reach the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MathOutput {
    /// MathML (Apple Books, Kobo, Thorium, calibre show it).
    #[default]
    MathMl,
    /// SVG images drawn by the PDF's math engine, for readers without MathML (Kindle,
    /// older Kobo firmware); the TeX source is their alternative text.
    Svg,
}

impl Default for EpubOptions {
    fn default() -> Self {
        EpubOptions {
            toc_depth: 2,
            split_size: 250_000,
            css: None,
            modified: 0,
            warn_size: 50 * 1024 * 1024,
            embed_fonts: false,
            math: MathOutput::MathMl,
            a11y: Accessibility::default(),
            pages: Vec::new(),
            page_source: None,
            cache: None,
        }
    }
}

/// The EPUB and what building it had to say.
#[derive(Debug)]
pub struct Epub {
    pub bytes: Vec<u8>,
    pub diagnostics: Vec<Diagnostic>,
}

/// An EPUB written into a file or buffer by [`write_epub_to`].
#[derive(Debug)]
pub struct Written<W> {
    /// The output, with the whole EPUB written into it.
    pub out: W,
    pub diagnostics: Vec<Diagnostic>,
}

/// Why [`write_epub_to`] stopped.
#[derive(Debug)]
pub enum EpubError {
    /// The output could not be written (a full disk, say).
    Write(std::io::Error),
    /// The EPUB could not be put together (a bug in notes2book).
    Assemble(Diagnostic),
}

/// The default stylesheet (for tests and for people who want to start from it).
pub fn default_css() -> String {
    format!(
        "{}\n{}",
        include_str!("style.css"),
        contrast::readable(&highlight::css())
    )
}
