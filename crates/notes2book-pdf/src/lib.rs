//! PDF backend: the book's frames in, PDF bytes out.
//!
//! The layout is the typesetting engine's ([`notes2book_typeset`]); this crate only writes:
//! 1. fonts and images are added to the document on one thread in a fixed order, so that
//!    the bytes are reproducible ([`images`]);
//! 2. [`render`]: every frame becomes printpdf operations, in parallel;
//! 3. [`finish`]: the outline, page labels, `/Lang` and metadata, then compression.

pub mod finish;
pub mod images;
pub mod render;
pub mod structure;
pub mod tagging;

use std::collections::{BTreeMap, HashMap};

use notes2book_assets::Assets;
use notes2book_model::{Book, Diagnostic, ImageId};
use notes2book_typeset::Document;
use printpdf::{FontId, Mm, ParsedFont, PdfDocument, PdfPage, PdfSaveOptions, XObjectId};
use rayon::prelude::*;

pub use notes2book_typeset::fonts::FallbackFont;
use render::{PageOps, PlacedImage, Renderer};

/// How the PDF is made.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// How the book is set.
    pub layout: notes2book_typeset::Options,
    /// Seconds since 1970 for the document dates (from `SOURCE_DATE_EPOCH`).
    pub modified: i64,
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

/// Lay out and write the book as PDF bytes.
pub fn build(book: &Book, assets: &Assets, options: &PdfOptions) -> Pdf {
    // Natural image sizes (points at 144 dpi), from the PDF variants.
    let image_size = |id: ImageId| -> Option<(f32, f32)> {
        let use_ = book.images.get(id.0 as usize)?;
        let prepared = assets.get(use_.asset?)?;
        let enc = prepared.pdf.as_ref()?;
        Some((enc.width as f32 * 0.5, enc.height as f32 * 0.5))
    };
    let document = notes2book_typeset::typeset(book, &image_size, &options.layout);
    write(book, assets, document, options)
}

/// The frames as a PDF document.
fn write(book: &Book, assets: &Assets, document: Document, options: &PdfOptions) -> Pdf {
    let Document {
        fonts,
        pages,
        anchors,
        outline,
        front_pages,
        page_starts,
        mut diagnostics,
    } = document;
    let mut doc = PdfDocument::new(&book.metadata.title);
    let font_ids = add_fonts(&mut doc, &fonts, &mut diagnostics);
    let images = add_images(&mut doc, book, assets, &mut diagnostics);
    let (_, ph) = options.layout.page_size;
    let canonical = render::canonical_text(&pages);
    let emoji = render::add_emoji(&mut doc, &fonts, &pages);
    let renderer = Renderer {
        fonts: &fonts,
        canonical: &canonical,
        emoji: &emoji,
        font_ids: &font_ids,
        images: &images,
        anchors: &anchors,
        page_height: ph,
    };
    // Each frame is dropped as soon as it is operations: holding both for the whole book
    // made the peak memory.
    let (pdf_pages, tags): (Vec<PdfPage>, Vec<tagging::PageTags>) = pages
        .into_par_iter()
        .map(|frame| {
            let mut ops = PageOps::default();
            for g in &frame.groups {
                renderer.draw(&g.draws, (g.x, g.y), g.tag.as_ref(), &mut ops);
            }
            let mm = |pt: f32| Mm(pt * 25.4 / 72.0);
            let (ops, tags) = ops.finish();
            (PdfPage::new(mm(frame.width), mm(frame.height), ops), tags)
        })
        .unzip();
    let page_count = pdf_pages.len();
    doc.with_pages(pdf_pages);
    set_info(&mut doc, book, options.modified);
    let save = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let lo = doc.to_lopdf_document(&save, &mut warnings);
    let bytes = finish::finish(
        lo,
        &finish::Finish {
            outline: &outline,
            front_pages,
            language: &book.metadata.language,
            title: &book.metadata.title,
            authors: &book.metadata.authors,
            page_height: ph,
            tags: &tags,
        },
    );
    Pdf {
        bytes,
        pages: page_count,
        page_starts,
        diagnostics,
    }
}

fn warn(code: &'static str, message: String) -> Diagnostic {
    Diagnostic::warning(code, message)
}

/// Every face, embedded in the order of the font set (a `FaceId` indexes the result).
fn add_fonts(
    doc: &mut PdfDocument,
    fonts: &notes2book_typeset::fonts::FontSet,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<FontId> {
    let mut font_ids: Vec<FontId> = Vec::new();
    for face in &fonts.faces {
        if face.bitmap {
            // Its glyphs are drawn as pictures (render::add_emoji).
            font_ids.push(FontId::new());
            continue;
        }
        let mut w = Vec::new();
        match ParsedFont::from_bytes(&face.bytes, face.index as usize, &mut w) {
            Some(pf) => font_ids.push(doc.add_font(&pf)),
            None => {
                diagnostics.push(warn(
                    "pdf-font",
                    format!("could not embed the font `{}`", face.name),
                ));
                font_ids.push(FontId::new());
            }
        }
    }
    font_ids
}

/// Every image the book uses, each asset embedded once, in the order of first use.
fn add_images(
    doc: &mut PdfDocument,
    book: &Book,
    assets: &Assets,
    diagnostics: &mut Vec<Diagnostic>,
) -> HashMap<ImageId, PlacedImage> {
    let mut images: HashMap<ImageId, PlacedImage> = HashMap::new();
    let mut by_asset: BTreeMap<u32, (XObjectId, f32, f32)> = BTreeMap::new();
    for (i, use_) in book.images.iter().enumerate() {
        let Some(asset) = use_.asset else { continue };
        let Some(enc) = assets.get(asset).and_then(|p| p.pdf.as_ref()) else {
            continue;
        };
        let entry = match by_asset.get(&asset.0) {
            Some(e) => e.clone(),
            None => {
                let Some(id) =
                    images::add_image(doc, &enc.bytes, enc.media_type, enc.width, enc.height)
                else {
                    diagnostics.push(
                        warn(
                            "pdf-image",
                            format!("could not put `{}` into the PDF", use_.src),
                        )
                        .at_opt(use_.span),
                    );
                    continue;
                };
                let e = (id, enc.width as f32, enc.height as f32);
                by_asset.insert(asset.0, e.clone());
                e
            }
        };
        images.insert(
            ImageId(i as u32),
            PlacedImage {
                id: entry.0,
                px_w: entry.1,
                px_h: entry.2,
            },
        );
    }
    images
}

/// The document information: dates from `modified`, authors, subject, keywords.
fn set_info(doc: &mut PdfDocument, book: &Book, modified: i64) {
    let info = &mut doc.metadata.info;
    if let Ok(date) = printpdf::OffsetDateTime::from_unix_timestamp(modified) {
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
    }
    info.author = book.metadata.authors.join(", ");
    info.creator = format!("notes2book {}", env!("CARGO_PKG_VERSION"));
    info.producer = format!("notes2book {}", env!("CARGO_PKG_VERSION"));
    info.subject = book.metadata.description.clone().unwrap_or_default();
    info.keywords = book.metadata.subjects.clone();
}
