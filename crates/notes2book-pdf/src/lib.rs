//! PDF backend: the finished `Book` and its prepared assets in, PDF bytes out.
//!
//! The layout is ours; printpdf only writes the file. The pipeline:
//! 1. [`fonts`]: the bundled faces (and configured fallbacks), shaping with harfrust.
//! 2. [`inline`]: a paragraph's inlines become boxes, glue and penalties (UAX #14 break
//!    opportunities, hyphenation by the book's language).
//! 3. [`linebreak`]: Knuth–Plass total-fit line breaking.
//! 4. [`layout`]: blocks become a vertical list of lines and unbreakable boxes with keep
//!    rules (widows, orphans, headings kept with what follows).
//! 5. [`paginate`]: the vertical list is cut into pages, footnotes at the foot.
//! 6. [`render`]: pages become printpdf operations; fonts and images are added on one
//!    thread in a fixed order so that the bytes are reproducible.
//!
//! Chapters are laid out in parallel; page numbers are assigned afterwards.

pub mod finish;
pub mod render;

use std::collections::{BTreeMap, HashMap};

use notes2book_assets::Assets;
use notes2book_model::Diagnostic;
use notes2book_model::{Book, ImageId, Inline, Span};
use printpdf::{
    DictItem, ExternalStream, ExternalXObject, FontId, Mm, ParsedFont, PdfDocument, PdfPage,
    PdfSaveOptions, Px, XObjectId,
};
use rayon::prelude::*;

pub use notes2book_typeset::fonts::FallbackFont;
use notes2book_typeset::fonts::{FontSet, Style};
use notes2book_typeset::inline::{self, Align, Fmt, Shaper};
use notes2book_typeset::layout::{self, Geometry, Layouter};
use notes2book_typeset::paginate::{self, Page};
use notes2book_typeset::contents as book;
use render::{Anchors, PageOps, PlacedImage, Renderer};

/// Page margins in points; inner and outer swap on even pages when two-sided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    pub top: f32,
    pub bottom: f32,
    pub inner: f32,
    pub outer: f32,
}

/// How the PDF is made.
#[derive(Debug, Clone)]
pub struct PdfOptions {
    /// Page width and height in points.
    pub page_size: (f32, f32),
    pub margins: Margins,
    /// Body text size in points.
    pub font_size: f32,
    /// Baseline distance as a multiple of the font size.
    pub line_height: f32,
    pub fallback_fonts: Vec<FallbackFont>,
    pub justify: bool,
    pub hyphenate: bool,
    pub two_sided: bool,
    /// A table of contents after the title page.
    pub toc: bool,
    /// Heading depth of the contents and the outline (1 = chapters only).
    pub toc_depth: u8,
    /// Seconds since 1970 for the document dates (from `SOURCE_DATE_EPOCH`).
    pub modified: i64,
}

/// A named page size: `A4`, `Letter`, `A5`, `6x9` (inches), case-insensitive.
pub fn page_size(name: &str) -> Option<(f32, f32)> {
    let mm = |w: f32, h: f32| (w * 72.0 / 25.4, h * 72.0 / 25.4);
    match name.to_ascii_lowercase().replace(' ', "").as_str() {
        "a4" => Some(mm(210.0, 297.0)),
        "a5" => Some(mm(148.0, 210.0)),
        "letter" | "us-letter" => Some((612.0, 792.0)),
        "6x9" | "6x9in" => Some((432.0, 648.0)),
        _ => None,
    }
}

/// The page sizes [`page_size`] knows, for messages.
pub const PAGE_SIZES: &[&str] = &["A4", "Letter", "A5", "6x9"];

impl Default for PdfOptions {
    fn default() -> Self {
        let mm = 72.0 / 25.4;
        PdfOptions {
            page_size: page_size("A4").unwrap_or((595.28, 841.89)),
            margins: Margins {
                top: 25.0 * mm,
                bottom: 30.0 * mm,
                inner: 30.0 * mm,
                outer: 38.0 * mm,
            },
            font_size: 11.0,
            line_height: 1.38,
            fallback_fonts: Vec::new(),
            justify: true,
            hyphenate: true,
            two_sided: false,
            toc: true,
            toc_depth: 2,
            modified: 0,
        }
    }
}

/// The PDF and what making it had to say.
#[derive(Debug)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub pages: usize,
    pub diagnostics: Vec<Diagnostic>,
}


/// One chapter laid out: its pages and what went wrong.
struct LaidOut {
    pages: Vec<Page>,
    missing: Vec<(char, Option<Span>)>,
    overfull: Vec<Option<Span>>,
    forced: usize,
}

fn warn(code: &'static str, message: String, span: Option<Span>, hint: Option<&str>) -> Diagnostic {
    let d = Diagnostic::warning(code, message).at_opt(span);
    match hint {
        Some(h) => d.hint(h),
        None => d,
    }
}

/// Lay out and write the book as PDF bytes.
pub fn build(book: &Book, assets: &Assets, options: &PdfOptions) -> Pdf {
    let mut diagnostics = Vec::new();
    let (fonts, bad) = FontSet::new(&options.fallback_fonts);
    for name in bad {
        diagnostics.push(warn(
            "pdf-font",
            format!("`{name}` is not a font notes2book can read; it is not used"),
            None,
            Some("give a TrueType or OpenType file (.ttf, .otf)"),
        ));
    }
    let (pw, ph) = options.page_size;
    let m = options.margins;
    let measure = (pw - m.inner - m.outer).max(72.0);
    let text_height = (ph - m.top - m.bottom).max(72.0);
    let geo = Geometry {
        measure,
        page_height: text_height,
        size: options.font_size,
        leading: options.font_size * options.line_height,
        justify: options.justify,
        hyphenate: options.hyphenate,
    };
    // Natural image sizes (points at 144 dpi), from the PDF variants.
    let image_size = |id: ImageId| -> Option<(f32, f32)> {
        let use_ = book.images.get(id.0 as usize)?;
        let prepared = assets.get(use_.asset?)?;
        let enc = prepared.pdf.as_ref()?;
        Some((enc.width as f32 * 0.5, enc.height as f32 * 0.5))
    };
    // Chapters in parallel.
    let laid: Vec<LaidOut> = book
        .chapters
        .par_iter()
        .map(|ch| {
            let shaper = Shaper::new(&fonts, &book.metadata.language, options.hyphenate);
            let mut lay = Layouter {
                shaper,
                geo: geo.clone(),
                images: &image_size,
                book,
            };
            let items = lay.chapter(ch);
            let mut notes = BTreeMap::new();
            for (k, f) in ch.footnotes.iter().enumerate() {
                let n = k as u32 + 1;
                notes.insert(n, lay.footnote(n, &f.blocks));
            }
            let pages = paginate::paginate(items, &notes, text_height, measure);
            let forced = pages.iter().filter(|p| p.forced).count();
            LaidOut {
                pages,
                missing: lay.shaper.missing,
                overfull: lay.shaper.overfull,
                forced,
            }
        })
        .collect();
    // Characters no font has: one warning listing them.
    let mut missing: Vec<(char, Option<Span>)> = Vec::new();
    for l in &laid {
        for (c, s) in &l.missing {
            if !missing.iter().any(|(m, _)| m == c) {
                missing.push((*c, *s));
            }
        }
    }
    if !missing.is_empty() {
        let list: String = missing
            .iter()
            .take(40)
            .map(|(c, _)| format!("{c} (U+{:04X}) ", *c as u32))
            .collect();
        diagnostics.push(warn(
            "pdf-missing-glyphs",
            format!(
                "{} character{} in no font of the PDF: {}",
                missing.len(),
                if missing.len() == 1 { " is" } else { "s are" },
                list.trim_end()
            ),
            missing[0].1,
            Some("add a font that has them under `pdf: fallback_fonts:` (for CJK, e.g. Noto Sans CJK)"),
        ));
    }
    let mut seen_overfull = std::collections::HashSet::new();
    for l in &laid {
        for s in l.overfull.iter().filter(|s| seen_overfull.insert(**s)) {
            diagnostics.push(warn(
                "pdf-overfull",
                "a word or URL is longer than the line; it was broken where it did not fit".into(),
                *s,
                Some("add a space or a break opportunity to the long word or URL"),
            ));
        }
    }
    let forced: usize = laid.iter().map(|l| l.forced).sum();
    if forced > 0 {
        diagnostics.push(warn(
            "pdf-forced-break",
            format!(
                "{forced} page break{} had to split text that should stay together",
                if forced == 1 { "" } else { "s" }
            ),
            None,
            None,
        ));
    }

    // The body: each chapter from a new page (a right-hand page when two-sided).
    let mut body: Vec<(Option<usize>, Page)> = Vec::new();
    for (ci, l) in laid.into_iter().enumerate() {
        if options.two_sided && body.len() % 2 == 1 {
            body.push((None, Page::default()));
        }
        for p in l.pages {
            body.push((Some(ci), p));
        }
    }
    let top_of = |y: f32| ph - m.top - y + 2.0;
    // Where every anchor is in the body: (chapter, anchor) → (body index, y).
    let mut body_anchors: HashMap<(usize, Option<String>), (usize, f32)> = HashMap::new();
    for (bi, (ch, page)) in body.iter().enumerate() {
        let Some(ch) = ch else { continue };
        for (y, item) in &page.body {
            for a in &item.anchors {
                body_anchors
                    .entry((*ch, Some(a.clone())))
                    .or_insert((bi, *y));
                if a == &book.chapters[*ch].anchor {
                    body_anchors.entry((*ch, None)).or_insert((bi, *y));
                }
            }
        }
    }
    let shaper = Shaper::new(&fonts, &book.metadata.language, false);
    let mut lay = Layouter {
        shaper,
        geo: geo.clone(),
        images: &image_size,
        book,
    };
    // Front matter: cover, title page, contents.
    let mut front: Vec<(FrontKind, Page)> = Vec::new();
    if let Some(cover) = book.metadata.cover
        && let Some((w, h)) = image_size(cover)
    {
        // The cover fills the page (inside a small bleed-free margin), aspect kept.
        let (cw, chh) = inline::fit(w, h, pw - 36.0, ph - 36.0);
        let mut page = Page::default();
        page.body.push((
            0.0,
            layout::VItem {
                draws: vec![inline::Draw::Image {
                    image: cover,
                    x: (pw - cw) / 2.0 - m.inner,
                    y: (ph - chh) / 2.0 - m.top,
                    w: cw,
                    h: chh,
                }],
                ..Default::default()
            },
        ));
        front.push((FrontKind::Cover, page));
    }
    front.push((
        FrontKind::Title,
        title_page(&mut lay, book, options, text_height, measure),
    ));
    if options.two_sided {
        front.push((FrontKind::Blank, Page::default()));
    }
    let chapter_depth = |c: usize| book.chapters.get(c).map_or(0, |ch| ch.depth + 1);
    let toc_entries = book::flatten_toc(&book.toc, &chapter_depth, options.toc_depth);
    // Printed body page numbers do not depend on the length of the contents, so the
    // contents can be laid out knowing them.
    let body_locate = |ch: usize, anchor: Option<&str>| -> Option<(String, usize, f32)> {
        let key = (ch, anchor.map(str::to_string));
        let (bi, y) = body_anchors
            .get(&key)
            .or_else(|| body_anchors.get(&(ch, None)))?;
        Some(((bi + 1).to_string(), *bi, *y))
    };
    if options.toc && !toc_entries.is_empty() {
        let items = book::toc_items(&mut lay, &toc_entries, &body_locate);
        for p in paginate::paginate(items, &BTreeMap::new(), text_height, measure) {
            front.push((FrontKind::Contents, p));
        }
        if options.two_sided && front.len() % 2 == 1 {
            front.push((FrontKind::Blank, Page::default()));
        }
    }
    let front_len = front.len();
    let locate = |ch: usize, anchor: Option<&str>| -> Option<(String, usize, f32)> {
        let (folio, bi, y) = body_locate(ch, anchor)?;
        Some((folio, front_len + bi + 1, top_of(y)))
    };
    let mut anchors: Anchors = HashMap::new();
    for ((ch, anchor), (bi, y)) in &body_anchors {
        anchors.insert((*ch, anchor.clone()), (front_len + bi + 1, top_of(*y)));
    }
    let outline = book::bookmarks(&book.toc, &chapter_depth, options.toc_depth.max(1), &locate);

    // Running heads and folios, per page.
    struct Furniture {
        head: Option<String>,
        folio: Option<String>,
    }
    let mut all: Vec<(Furniture, Page)> = Vec::with_capacity(front_len + body.len());
    for (i, (kind, page)) in front.into_iter().enumerate() {
        let folio = match kind {
            FrontKind::Contents => Some(roman(i + 1)),
            _ => None,
        };
        all.push((Furniture { head: None, folio }, page));
    }
    let mut prev_ch: Option<usize> = None;
    for (bi, (ch, page)) in body.into_iter().enumerate() {
        let opening = ch.is_some() && ch != prev_ch;
        if ch.is_some() {
            prev_ch = ch;
        }
        let physical = front_len + bi + 1;
        let head = match ch {
            Some(c) if !opening => {
                let chapter = &book.chapters[c];
                let chapter_title = chapter
                    .toc_title
                    .clone()
                    .unwrap_or_else(|| chapter.title.clone());
                Some(if options.two_sided && physical.is_multiple_of(2) {
                    book.metadata.title.clone()
                } else {
                    chapter_title
                })
            }
            _ => None,
        };
        let folio = ch.map(|_| (bi + 1).to_string());
        all.push((Furniture { head, folio }, page));
    }

    // The document: fonts and images added on this thread in a fixed order.
    let mut doc = PdfDocument::new(&book.metadata.title);
    let mut font_ids: Vec<FontId> = Vec::new();
    for face in &fonts.faces {
        let mut w = Vec::new();
        match ParsedFont::from_bytes(&face.bytes, 0, &mut w) {
            Some(pf) => font_ids.push(doc.add_font(&pf)),
            None => {
                diagnostics.push(warn(
                    "pdf-font",
                    format!("could not embed the font `{}`", face.name),
                    None,
                    None,
                ));
                font_ids.push(FontId::new());
            }
        }
    }
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
                    add_image(&mut doc, &enc.bytes, enc.media_type, enc.width, enc.height)
                else {
                    diagnostics.push(warn(
                        "pdf-image",
                        format!("could not put `{}` into the PDF", use_.src),
                        use_.span,
                        None,
                    ));
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
    let renderer = Renderer {
        fonts: &fonts,
        font_ids: &font_ids,
        images: &images,
        anchors: &anchors,
        page_height: ph,
    };
    let left_of = |physical: usize| {
        if options.two_sided && physical.is_multiple_of(2) {
            m.outer
        } else {
            m.inner
        }
    };
    let small = options.font_size * 0.85;
    // Each laid-out page is dropped as soon as it is operations: holding both for the whole
    // book made the peak memory.
    let pdf_pages: Vec<PdfPage> = all
        .into_par_iter()
        .enumerate()
        .map(|(pi, (furniture, page))| {
            let physical = pi + 1;
            let mut ops = PageOps::default();
            let left = left_of(physical);
            for (y, item) in &page.body {
                renderer.draw(&item.draws, left, m.top + y, &mut ops);
            }
            for (y, item) in &page.notes {
                renderer.draw(&item.draws, left, m.top + y, &mut ops);
            }
            let mut shaper = Shaper::new(&fonts, &book.metadata.language, false);
            let mut line = |text: &str, style: Style, align: Align, top: f32, ops: &mut PageOps| {
                let fmt = Fmt::new(style, small);
                let para = inline::ParaStyle {
                    justify: false,
                    hyphenate: false,
                    align,
                    indent: 0.0,
                };
                let p = inline::prepare(
                    &mut shaper,
                    &[Inline::Text(text.to_string())],
                    &fmt,
                    &para,
                    measure,
                    &|_| None,
                );
                if let Some(l) = inline::set_lines(&mut shaper, &p, measure, &para, small)
                    .into_iter()
                    .next()
                {
                    renderer.draw(&l.draws, left, top, ops);
                }
            };
            // Folios in the outer corner of the foot when two-sided, else centred.
            if let Some(folio) = &furniture.folio {
                let align = if !options.two_sided {
                    Align::Center
                } else if physical % 2 == 0 {
                    Align::Left
                } else {
                    Align::Right
                };
                line(
                    folio,
                    Style::Regular,
                    align,
                    ph - m.bottom + options.font_size * 2.6,
                    &mut ops,
                );
            }
            if let Some(head) = &furniture.head {
                line(
                    head,
                    Style::Italic,
                    Align::Center,
                    m.top - options.font_size * 2.2,
                    &mut ops,
                );
            }
            PdfPage::new(Mm(pw * 25.4 / 72.0), Mm(ph * 25.4 / 72.0), ops.finish())
        })
        .collect();
    let page_count = pdf_pages.len();
    doc.with_pages(pdf_pages);
    let info = &mut doc.metadata.info;
    if let Ok(date) = printpdf::OffsetDateTime::from_unix_timestamp(options.modified) {
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
    }
    info.author = book.metadata.authors.join(", ");
    info.creator = format!("notes2book {}", env!("CARGO_PKG_VERSION"));
    info.producer = format!("notes2book {}", env!("CARGO_PKG_VERSION"));
    info.subject = book.metadata.description.clone().unwrap_or_default();
    info.keywords = book.metadata.subjects.clone();
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
            front_pages: front_len,
            language: &book.metadata.language,
            title: &book.metadata.title,
        },
    );
    Pdf {
        bytes,
        pages: page_count,
        diagnostics,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum FrontKind {
    Cover,
    Title,
    Contents,
    Blank,
}

/// Lower-case roman numerals for front-matter folios.
pub fn roman(mut n: usize) -> String {
    const TABLE: [(usize, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (v, s) in TABLE {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

/// The title page: title, subtitle, authors and date, centred.
fn title_page(
    lay: &mut Layouter<'_, '_>,
    book: &Book,
    options: &PdfOptions,
    text_height: f32,
    measure: f32,
) -> Page {
    let mut page = Page::default();
    let mut y = text_height * 0.25;
    let md = &book.metadata;
    let fs = options.font_size;
    let mut add = |lay: &mut Layouter<'_, '_>, text: &str, style: Style, size: f32, gap: f32| {
        if text.is_empty() {
            y += gap;
            return;
        }
        for l in lay.cell_lines(
            &[Inline::Text(text.to_string())],
            &Fmt::new(style, size),
            measure,
            Align::Center,
            size * 1.25,
        ) {
            let item = layout::line_item(l, 0.0, size * 1.25);
            let h = item.height;
            page.body.push((y, item));
            y += h;
        }
        y += gap;
    };
    add(lay, &md.title, Style::Bold, fs * 2.6, fs * 1.5);
    add(
        lay,
        md.subtitle.as_deref().unwrap_or(""),
        Style::Italic,
        fs * 1.5,
        fs * 3.0,
    );
    add(lay, &md.authors.join(", "), Style::Regular, fs * 1.3, fs);
    if let Some(d) = &md.date {
        add(lay, d.get(..10).unwrap_or(d), Style::Regular, fs, 0.0);
    }
    page
}

/// Put an image into the document: JPEGs byte for byte (DCTDecode), others as pixels.
fn add_image(
    doc: &mut PdfDocument,
    bytes: &[u8],
    media_type: &str,
    width: u32,
    height: u32,
) -> Option<XObjectId> {
    if media_type == "image/jpeg" {
        let components = jpeg_components(bytes)?;
        let color_space = match components {
            1 => "DeviceGray",
            3 => "DeviceRGB",
            _ => return None,
        };
        let mut dict = BTreeMap::new();
        dict.insert("Type".to_string(), DictItem::Name(b"XObject".to_vec()));
        dict.insert("Subtype".to_string(), DictItem::Name(b"Image".to_vec()));
        dict.insert("Width".to_string(), DictItem::Int(i64::from(width)));
        dict.insert("Height".to_string(), DictItem::Int(i64::from(height)));
        dict.insert(
            "ColorSpace".to_string(),
            DictItem::Name(color_space.as_bytes().to_vec()),
        );
        dict.insert("BitsPerComponent".to_string(), DictItem::Int(8));
        dict.insert("Filter".to_string(), DictItem::Name(b"DCTDecode".to_vec()));
        let x = ExternalXObject {
            stream: ExternalStream {
                dict,
                content: bytes.to_vec(),
                compress: false,
            },
            width: Some(Px(width as usize)),
            height: Some(Px(height as usize)),
            dpi: Some(72.0),
        };
        return Some(doc.add_xobject(&x));
    }
    if media_type == "image/png"
        && let Some(x) = png_as_is(bytes)
    {
        return Some(doc.add_xobject(&x));
    }
    // Other images as 8-bit RGB pixels, compressed here. Transparency is flattened onto
    // white, the colour of the page.
    let img = image::load_from_memory(bytes).ok()?;
    let rgba = img.to_rgba8();
    let (w, h) = (rgba.width(), rgba.height());
    let mut rgb = Vec::with_capacity((w as usize) * (h as usize) * 3);
    for p in rgba.pixels() {
        let a = u16::from(p.0[3]);
        for c in &p.0[..3] {
            rgb.push(((u16::from(*c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    let mut dict = BTreeMap::new();
    dict.insert("Type".to_string(), DictItem::Name(b"XObject".to_vec()));
    dict.insert("Subtype".to_string(), DictItem::Name(b"Image".to_vec()));
    dict.insert("Width".to_string(), DictItem::Int(i64::from(w)));
    dict.insert("Height".to_string(), DictItem::Int(i64::from(h)));
    dict.insert(
        "ColorSpace".to_string(),
        DictItem::Name(b"DeviceRGB".to_vec()),
    );
    dict.insert("BitsPerComponent".to_string(), DictItem::Int(8));
    // Compressed here, once: the document then holds (and copies) only the small stream.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, &rgb).ok()?;
    let content = z.finish().ok()?;
    drop(rgb);
    dict.insert(
        "Filter".to_string(),
        DictItem::Name(b"FlateDecode".to_vec()),
    );
    let x = ExternalXObject {
        stream: ExternalStream {
            dict,
            content,
            compress: false,
        },
        width: Some(Px(w as usize)),
        height: Some(Px(h as usize)),
        dpi: Some(72.0),
    };
    Some(doc.add_xobject(&x))
}

/// An 8-bit grey or RGB PNG without interlacing: its zlib data is what a PDF Flate stream
/// with the PNG predictors holds, so it goes in without being decoded or compressed again.
fn png_as_is(bytes: &[u8]) -> Option<ExternalXObject> {
    let h = notes2book_assets::png::header(bytes)?;
    let (colors, space) = match h.color_type {
        0 => (1, "DeviceGray"),
        2 => (3, "DeviceRGB"),
        _ => return None,
    };
    if h.bit_depth != 8 || h.interlaced {
        return None;
    }
    let content = notes2book_assets::png::image_data(bytes)?;
    let mut parms = BTreeMap::new();
    parms.insert("Predictor".to_string(), DictItem::Int(15));
    parms.insert("Colors".to_string(), DictItem::Int(colors));
    parms.insert("BitsPerComponent".to_string(), DictItem::Int(8));
    parms.insert("Columns".to_string(), DictItem::Int(i64::from(h.width)));
    let mut dict = BTreeMap::new();
    dict.insert("Type".to_string(), DictItem::Name(b"XObject".to_vec()));
    dict.insert("Subtype".to_string(), DictItem::Name(b"Image".to_vec()));
    dict.insert("Width".to_string(), DictItem::Int(i64::from(h.width)));
    dict.insert("Height".to_string(), DictItem::Int(i64::from(h.height)));
    dict.insert(
        "ColorSpace".to_string(),
        DictItem::Name(space.as_bytes().to_vec()),
    );
    dict.insert("BitsPerComponent".to_string(), DictItem::Int(8));
    dict.insert(
        "Filter".to_string(),
        DictItem::Name(b"FlateDecode".to_vec()),
    );
    dict.insert("DecodeParms".to_string(), DictItem::Dict { map: parms });
    Some(ExternalXObject {
        stream: ExternalStream {
            dict,
            content,
            compress: false,
        },
        width: Some(Px(h.width as usize)),
        height: Some(Px(h.height as usize)),
        dpi: Some(72.0),
    })
}

/// Number of colour components of a baseline or progressive JPEG (from its SOF marker).
fn jpeg_components(bytes: &[u8]) -> Option<u8> {
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = bytes[i + 1];
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return bytes.get(i + 9).copied();
        }
        if marker == 0xD8 || marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        i += 2 + len;
    }
    None
}
