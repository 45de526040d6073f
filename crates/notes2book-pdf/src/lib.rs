//! PDF backend: the book's frames in, a PDF file out.
//!
//! The layout is the typesetting engine's ([`notes2book_typeset`]); this crate only writes.
//! The body's pages come from the engine a batch at a time and are written at once
//! ([`render`] into [`content`] streams, in parallel), so that a book's laid-out pages are
//! never all in memory: what stays is each page's content stream (compressed, in a
//! temporary file, when a book is big), its tags and its links. Then, through [`writer`],
//! straight into the output, object by object:
//! 1. printpdf embeds and subsets the fonts (for the glyphs the pages used), the images and
//!    the document information, and its objects are copied ([`assemble`]);
//! 2. the pages, their glyphs renumbered for the subsets, their links pointing where
//!    everything turned out to be;
//! 3. the structure tree ([`structure`]), then the page tree, outline, page labels,
//!    `/Lang`, metadata and catalog ([`finish`]).

pub mod assemble;
pub mod content;
pub mod finish;
pub mod images;
pub mod render;
mod spill;
pub mod structure;
pub mod tagging;
pub mod writer;

use std::collections::{BTreeSet, HashMap};

use notes2book_assets::Assets;
use notes2book_model::{Book, Diagnostic, ImageId};
use rayon::prelude::*;

pub use notes2book_typeset::fonts::FallbackFont;
use render::Renderer;

/// How the PDF is made.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// How the book is set.
    pub layout: notes2book_typeset::Options,
    /// Seconds since 1970 for the document dates (from `SOURCE_DATE_EPOCH`).
    pub modified: i64,
    /// Bytes of page content held as drawn before later pages are compressed and moved to
    /// a temporary file until the end (`None`: [`RAW_LIMIT`]). The file is the same
    /// either way.
    pub raw_limit: Option<usize>,
}

/// The PDF and what making it had to say.
#[derive(Debug)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub pages: usize,
    /// Where each body page begins in the book's blocks (for the EPUB's page list).
    pub page_starts: Vec<notes2book_model::PageStart>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Where a written page's content stream is kept until the file is put together (its
/// glyphs are still the faces' own ids then).
#[derive(Debug)]
pub enum Stored {
    /// As drawn.
    Raw(Vec<u8>),
    /// Deflated quickly, in memory.
    Packed(Vec<u8>),
    /// Deflated quickly, in the pages' spill file at this offset and length.
    Spilled { at: u64, len: usize },
}

/// A page written: its content stream, size, tags and links.
#[derive(Debug)]
pub struct Written {
    pub content: Stored,
    pub width: f32,
    pub height: f32,
    pub tags: tagging::PageTags,
    pub links: Vec<content::PageLink>,
}

/// Raw content streams held beyond this are deflated as they are written and moved to a
/// temporary file (a big book's pages would otherwise hold a few hundred megabytes until
/// the end).
/// (16 MB is about 1,100 pages of a text book.)
pub const RAW_LIMIT: usize = 16 << 20;

/// The pages written so far and what they used.
#[derive(Debug)]
pub struct Pages {
    pub(crate) pages: Vec<Written>,
    raw: usize,
    raw_limit: usize,
    pub(crate) spill: spill::Spill,
    pub(crate) glyphs: BTreeSet<(u16, u16)>,
    pub(crate) pictures: BTreeSet<(u16, u16)>,
}

impl Pages {
    fn new(raw_limit: usize) -> Pages {
        Pages {
            pages: Vec::new(),
            raw: 0,
            raw_limit,
            spill: spill::Spill::default(),
            glyphs: BTreeSet::new(),
            pictures: BTreeSet::new(),
        }
    }

    /// Write `frames` (in parallel) and keep them.
    fn write(&mut self, renderer: &Renderer<'_>, frames: Vec<notes2book_typeset::Frame>) {
        let pack = self.raw >= self.raw_limit;
        let written: Vec<(Written, content::Content)> = frames
            .into_par_iter()
            .map_init(
                || flate2::Compress::new(flate2::Compression::fast(), true),
                |z, frame| {
                    let mut c = render::draw_frame(renderer, &frame);
                    let mut bytes = std::mem::take(&mut c.buf);
                    let content = match pack.then(|| assemble::deflate_with(z, &bytes)).flatten() {
                        Some(d) => Stored::Packed(d),
                        None => {
                            // Held to the end: without the room a growing vector keeps.
                            bytes.shrink_to_fit();
                            Stored::Raw(bytes)
                        }
                    };
                    let w = Written {
                        content,
                        width: frame.width,
                        height: frame.height,
                        tags: std::mem::take(&mut c.tags),
                        links: std::mem::take(&mut c.links),
                    };
                    (w, c)
                },
            )
            .collect();
        for (mut w, c) in written {
            match w.content {
                Stored::Raw(ref r) => self.raw += r.len(),
                Stored::Packed(ref mut p) => {
                    if let Some((at, len)) = self.spill.put(p) {
                        w.content = Stored::Spilled { at, len };
                    }
                }
                Stored::Spilled { .. } => {}
            }
            self.glyphs.extend(c.glyphs);
            self.pictures.extend(c.pictures);
            self.pages.push(w);
        }
    }
}

/// The PDF written to `out`, and what making it had to say.
#[derive(Debug)]
pub struct Report {
    pub pages: usize,
    /// Where each body page begins in the book's blocks (for the EPUB's page list).
    pub page_starts: Vec<notes2book_model::PageStart>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lay out the book and write it as PDF bytes.
pub fn build(book: &Book, assets: &Assets, options: &PdfOptions) -> Pdf {
    let mut bytes = Vec::new();
    let (report, written) = write(book, assets, options, &mut bytes);
    if written.is_err() {
        bytes.clear();
    }
    Pdf {
        bytes,
        pages: report.pages,
        page_starts: report.page_starts,
        diagnostics: report.diagnostics,
    }
}

/// Lay out the book and write it to `out` as it goes: what the file needs at the end is
/// kept, not the pages' drawing. The result says whether writing to `out` failed; the
/// file is whole only when it did not.
pub fn write(
    book: &Book,
    assets: &Assets,
    options: &PdfOptions,
    out: &mut dyn std::io::Write,
) -> (Report, std::io::Result<()>) {
    // Natural image sizes (points at 144 dpi), from the PDF variants.
    let image_size = |id: ImageId| -> Option<(f32, f32)> {
        let use_ = book.images.get(id.0 as usize)?;
        let prepared = assets.get(use_.asset?)?;
        let enc = prepared.pdf.as_ref()?;
        Some((enc.width as f32 * 0.5, enc.height as f32 * 0.5))
    };
    let layout = &options.layout;
    let (fonts, mut diagnostics) = notes2book_typeset::setup_fonts(book, layout);
    let assembler = assemble::Assembler::new(book, assets, &mut diagnostics);
    let images = &assembler.images;
    let emoji = std::sync::Mutex::new(HashMap::new());
    let mut canonical = render::Canonical::default();
    let raw_limit = options.raw_limit.unwrap_or(RAW_LIMIT);
    let mut body = Pages::new(raw_limit);
    let page_height = layout.page_size.1;
    let set = notes2book_typeset::typeset(book, &fonts, &image_size, layout, &mut |_, frames| {
        render::canonical_text(&frames, &mut canonical);
        let renderer = Renderer {
            fonts: &fonts,
            canonical: &canonical,
            emoji: &emoji,
            images,
            page_height,
        };
        body.write(&renderer, frames);
    });
    diagnostics.extend(set.diagnostics);
    let mut front = Pages::new(raw_limit);
    render::canonical_text(&set.front, &mut canonical);
    let renderer = Renderer {
        fonts: &fonts,
        canonical: &canonical,
        emoji: &emoji,
        images,
        page_height,
    };
    front.write(&renderer, set.front);
    let page_count = front.pages.len() + body.pages.len();
    let written = assemble::assemble(
        assembler,
        assemble::Parts {
            book,
            fonts: &fonts,
            canonical: &canonical,
            front,
            body,
            anchors: &set.anchors,
            modified: options.modified,
        },
        &finish::Finish {
            outline: &set.outline,
            front_pages: set.front_pages,
            language: &book.metadata.language,
            title: &book.metadata.title,
            authors: &book.metadata.authors,
            page_height,
        },
        out,
        &mut diagnostics,
    );
    let report = Report {
        pages: page_count,
        page_starts: set.page_starts,
        diagnostics,
    };
    (report, written)
}
