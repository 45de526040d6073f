//! The written pages into one PDF: printpdf embeds the images, the fonts (subset to the
//! glyphs the pages used, shown to it on one page made for that and then taken out), the
//! colour-emoji pictures and the document information; our pages then join its document
//! with their glyphs renumbered for the subsets and their links resolved.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use notes2book_assets::Assets;
use notes2book_model::{Book, Diagnostic, ImageId};
use notes2book_typeset::document::Anchors;
use notes2book_typeset::fonts::{FaceId, FontSet};
use notes2book_typeset::frame::LinkDest;
use printpdf::{
    Codepoint, FontId, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Pt,
    TextItem, XObjectId,
};
use rayon::prelude::*;

use crate::Written;
use crate::render::{PlacedImage, dest_y, font_name};

/// How hard page contents are compressed: level 2 makes them a fifth larger than level 6
/// (on the benchmark book, 2.3 MB against 1.9 MB in a 13 MB file) in a third of the time.
const CONTENT_LEVEL: u32 = 2;

/// `bytes` deflated (zlib format) with `c`, which is reset first: a page's stream is small,
/// and making a new compressor for each (its tables cleared) cost as much as compressing.
pub fn deflate_with(c: &mut flate2::Compress, bytes: &[u8]) -> Option<Vec<u8>> {
    c.reset();
    let mut out = Vec::with_capacity(bytes.len() / 3 + 64);
    loop {
        let consumed = c.total_in() as usize;
        let status = c
            .compress_vec(
                bytes.get(consumed..).unwrap_or_default(),
                &mut out,
                flate2::FlushCompress::Finish,
            )
            .ok()?;
        match status {
            flate2::Status::StreamEnd => return Some(out),
            _ => out.reserve(out.capacity().max(1024)),
        }
    }
}

fn inflate(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() * 4);
    let mut dec = flate2::write::ZlibDecoder::new(&mut out);
    dec.write_all(bytes).ok()?;
    dec.finish().ok()?;
    Some(out)
}

/// The document being made: printpdf's, with the book's images in it from the start (so
/// that a page never names an image that could not be embedded).
#[derive(Debug)]
pub struct Assembler {
    doc: PdfDocument,
    /// Each embedded XObject and the name the pages use for it.
    xobjects: Vec<(XObjectId, String)>,
    pub images: HashMap<ImageId, PlacedImage>,
}

impl Assembler {
    pub fn new(book: &Book, assets: &Assets, diagnostics: &mut Vec<Diagnostic>) -> Assembler {
        let mut doc = PdfDocument::new(&book.metadata.title);
        let mut images = HashMap::new();
        let mut xobjects = Vec::new();
        let mut by_asset: BTreeMap<u32, PlacedImage> = BTreeMap::new();
        for (i, use_) in book.images.iter().enumerate() {
            let Some(asset) = use_.asset else { continue };
            let Some(enc) = assets.get(asset).and_then(|p| p.pdf.as_ref()) else {
                continue;
            };
            let placed = match by_asset.get(&asset.0) {
                Some(p) => p.clone(),
                None => {
                    let Some(id) = crate::images::add_image(
                        &mut doc,
                        &enc.bytes,
                        enc.media_type,
                        enc.width,
                        enc.height,
                    ) else {
                        diagnostics.push(
                            Diagnostic::warning(
                                "pdf-image",
                                format!("could not put `{}` into the PDF", use_.src),
                            )
                            .at_opt(use_.span),
                        );
                        continue;
                    };
                    let p = PlacedImage {
                        name: format!("Im{}", asset.0),
                        px_w: enc.width as f32,
                        px_h: enc.height as f32,
                    };
                    xobjects.push((id, p.name.clone()));
                    by_asset.insert(asset.0, p.clone());
                    p
                }
            };
            images.insert(ImageId(i as u32), placed);
        }
        Assembler {
            doc,
            xobjects,
            images,
        }
    }
}

/// Everything the pages left to put together.
#[derive(Debug)]
pub struct Parts<'a> {
    pub book: &'a Book,
    pub fonts: &'a FontSet,
    pub canonical: &'a HashMap<(FaceId, u16), String>,
    pub front: crate::Pages,
    pub body: crate::Pages,
    pub anchors: &'a Anchors,
    pub modified: i64,
    pub page_height: f32,
}

/// The PDF's bytes.
pub fn assemble(
    mut a: Assembler,
    parts: Parts<'_>,
    finish: &crate::finish::Finish<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<u8> {
    let Parts {
        book,
        fonts,
        canonical,
        front,
        body,
        anchors,
        modified,
        page_height,
    } = parts;
    let mut glyphs = front.glyphs.clone();
    glyphs.extend(&body.glyphs);
    let mut pictures = front.pictures.clone();
    pictures.extend(&body.pictures);
    let font_ids = add_fonts(&mut a.doc, fonts, diagnostics);
    a.xobjects
        .extend(crate::render::add_emoji(&mut a.doc, fonts, &pictures));
    // The page that shows printpdf every glyph used, once, in order.
    let mut ops = vec![Op::StartTextSection];
    let mut shown: Vec<(String, Vec<u16>)> = Vec::new();
    for (face, gids) in by_face(&glyphs) {
        let Some(font) = font_ids.get(usize::from(face)).cloned().flatten() else {
            continue;
        };
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(font.clone()),
            size: Pt(10.0),
        });
        let cps = gids
            .iter()
            .map(|&gid| Codepoint {
                gid,
                offset: 0.0,
                cid: canonical.get(&(FaceId(face), gid)).cloned(),
            })
            .collect();
        ops.push(Op::ShowText {
            items: vec![TextItem::GlyphIds(cps)],
        });
        shown.push((font.0.clone(), gids));
    }
    ops.push(Op::EndTextSection);
    a.doc
        .with_pages(vec![PdfPage::new(Mm(10.0), Mm(10.0), ops)]);
    set_info(&mut a.doc, book, modified);
    let save = PdfSaveOptions {
        optimize: false,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = a.doc.to_lopdf_document(&save, &mut warnings);
    drop(a.doc);
    let names: HashMap<String, u16> = font_ids
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.as_ref().map(|f| (f.0.clone(), i as u16)))
        .collect();
    let Some((codes, resources)) = take_glyph_page(&mut lo, &shown, &names) else {
        diagnostics.push(failed("the fonts' glyph codes could not be read back"));
        return Vec::new();
    };
    rename_resources(&mut lo, &resources, &font_ids, &a.xobjects);
    let resources_id = lo.add_object(Object::Dictionary(resources));
    // A table per face, indexed by glyph: a lookup per glyph shown.
    let mut table: Vec<Vec<u16>> = Vec::new();
    for (&(face, gid), &code) in &codes {
        let face = usize::from(face);
        if table.len() <= face {
            table.resize(face + 1, Vec::new());
        }
        let t = &mut table[face];
        if t.len() <= usize::from(gid) {
            t.resize(usize::from(gid) + 1, 0);
        }
        t[usize::from(gid)] = code;
    }
    let table = &table;
    let renumber = |face: u16, gid: u16| {
        table
            .get(usize::from(face))
            .and_then(|t| t.get(usize::from(gid)))
            .copied()
            .unwrap_or(0)
    };
    let mut all: Vec<Written> = front.pages;
    all.extend(body.pages);
    let mut tags = Vec::with_capacity(all.len());
    let page_ids: Vec<ObjectId> = all.iter().map(|_| lo.new_object_id()).collect();
    let pages_id = match lo
        .catalog()
        .and_then(|c| c.get(b"Pages"))
        .and_then(Object::as_reference)
    {
        Ok(id) => id,
        Err(_) => {
            diagnostics.push(failed("the document has no page tree"));
            return Vec::new();
        }
    };
    // Renumber and compress every page's content, in parallel.
    let streams: Vec<(Vec<u8>, Written)> = all
        .into_par_iter()
        .map_init(
            || flate2::Compress::new(flate2::Compression::new(CONTENT_LEVEL), true),
            |c, mut w| {
                let mut raw = if w.packed {
                    inflate(&w.content).unwrap_or_default()
                } else {
                    std::mem::take(&mut w.content)
                };
                crate::content::renumber(&mut raw, &renumber);
                let mut packed = deflate_with(c, &raw).unwrap_or(raw);
                packed.shrink_to_fit();
                (packed, w)
            },
        )
        .collect();
    for ((stream, w), page_id) in streams.into_iter().zip(&page_ids) {
        let mut s = lopdf::Stream::new(
            Dictionary::from_iter(vec![("Filter", Object::Name(b"FlateDecode".to_vec()))]),
            stream,
        );
        s.allows_compression = false;
        let contents = lo.add_object(s);
        let annots: Vec<Object> = w
            .links
            .iter()
            .map(|l| Object::Dictionary(annotation(l, anchors, &page_ids, page_height)))
            .collect();
        let mut page = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Page".to_vec())),
            ("Parent", Object::Reference(pages_id)),
            (
                "MediaBox",
                Object::Array(vec![
                    0.into(),
                    0.into(),
                    Object::Real(w.width),
                    Object::Real(w.height),
                ]),
            ),
            ("Resources", Object::Reference(resources_id)),
            ("Contents", Object::Reference(contents)),
        ]);
        if !annots.is_empty() {
            page.set("Annots", Object::Array(annots));
        }
        lo.objects.insert(*page_id, Object::Dictionary(page));
        tags.push(w.tags);
    }
    if let Ok(Object::Dictionary(pages)) = lo.get_object_mut(pages_id) {
        pages.set(
            "Kids",
            Object::Array(page_ids.iter().map(|id| Object::Reference(*id)).collect()),
        );
        pages.set("Count", Object::Integer(page_ids.len() as i64));
    }
    let f = crate::finish::Finish {
        tags: &tags,
        ..*finish
    };
    crate::finish::finish(lo, &f)
}

/// An error that stops the PDF from being written (a bug of ours, never the notes').
fn failed(why: &str) -> Diagnostic {
    Diagnostic::error(
        "pdf-failed",
        format!("the PDF could not be put together: {why}"),
    )
    .hint(
        "please report this with the notes that cause it; `--epub` builds the EPUB alone meanwhile",
    )
}

/// The glyphs used, face by face, each face's in ascending order.
fn by_face(glyphs: &std::collections::BTreeSet<(u16, u16)>) -> Vec<(u16, Vec<u16>)> {
    let mut out: Vec<(u16, Vec<u16>)> = Vec::new();
    for &(face, gid) in glyphs {
        match out.last_mut() {
            Some((f, list)) if *f == face => list.push(gid),
            _ => out.push((face, vec![gid])),
        }
    }
    out
}

/// The subset's code of each (face, glyph).
type Codes = HashMap<(u16, u16), u16>;

/// Take the glyph page out of the document: the code printpdf gave each glyph (read from
/// the page's content, in the order the glyphs were shown), and the page's resources.
fn take_glyph_page(
    lo: &mut lopdf::Document,
    shown: &[(String, Vec<u16>)],
    names: &HashMap<String, u16>,
) -> Option<(Codes, Dictionary)> {
    let (_, page_id) = lo.get_pages().into_iter().next()?;
    let content = lo.get_page_content(page_id);
    let ops = lopdf::content::Content::decode(&content).ok()?;
    let mut codes = HashMap::new();
    let mut face = None;
    let mut order = shown.iter();
    let mut gids: &[u16] = &[];
    for op in ops.operations {
        match op.operator.as_str() {
            "Tf" => {
                let name = op.operands.first().and_then(|o| o.as_name().ok());
                face = name.and_then(|n| names.get(&String::from_utf8_lossy(n).into_owned()));
                gids = order.next().map_or(&[][..], |(_, g)| &g[..]);
            }
            "TJ" | "Tj" => {
                let Some(&face) = face else { continue };
                let strings: Vec<Vec<u8>> = match op.operands.first() {
                    Some(Object::Array(items)) => items
                        .iter()
                        .filter_map(|o| o.as_str().ok().map(<[u8]>::to_vec))
                        .collect(),
                    Some(Object::String(s, _)) => vec![s.clone()],
                    _ => Vec::new(),
                };
                let mut next = gids.iter();
                for s in strings {
                    for pair in s.chunks(2) {
                        let (Some(&gid), [hi, lo]) = (next.next(), pair) else {
                            continue;
                        };
                        codes.insert((face, gid), u16::from_be_bytes([*hi, *lo]));
                    }
                }
            }
            _ => {}
        }
    }
    let page = lo.get_dictionary(page_id).ok()?.clone();
    let resources = match page.get(b"Resources").ok()? {
        Object::Reference(id) => {
            let id = *id;
            let d = lo.get_dictionary(id).ok()?.clone();
            lo.objects.remove(&id);
            d
        }
        Object::Dictionary(d) => d.clone(),
        _ => return None,
    };
    for id in lo.get_page_contents(page_id) {
        lo.objects.remove(&id);
    }
    lo.objects.remove(&page_id);
    Some((codes, resources))
}

/// The global font and XObject dictionaries keyed by the names our pages use (`F<face>`,
/// `Im<asset>`, `E<face>-<glyph>`) instead of printpdf's generated ones, so that the same
/// book gives the same bytes however many documents the process made before.
fn rename_resources(
    lo: &mut lopdf::Document,
    resources: &Dictionary,
    font_ids: &[Option<FontId>],
    xobjects: &[(XObjectId, String)],
) {
    let fonts: HashMap<Vec<u8>, String> = font_ids
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            f.as_ref()
                .map(|f| (f.0.as_bytes().to_vec(), font_name(i as u16)))
        })
        .collect();
    let xs: HashMap<Vec<u8>, String> = xobjects
        .iter()
        .map(|(id, name)| (id.0.as_bytes().to_vec(), name.clone()))
        .collect();
    for (key, names) in [(&b"Font"[..], &fonts), (b"XObject", &xs)] {
        let Ok(Object::Reference(id)) = resources.get(key) else {
            continue;
        };
        if let Ok(Object::Dictionary(d)) = lo.get_object_mut(*id) {
            let renamed: Vec<(Vec<u8>, Object)> = d
                .iter()
                .map(|(k, v)| {
                    let k = names
                        .get(k)
                        .map_or_else(|| k.clone(), |n| n.as_bytes().to_vec());
                    (k, v.clone())
                })
                .collect();
            let mut out = Dictionary::new();
            for (k, v) in renamed {
                out.set(k, v);
            }
            *d = out;
        }
    }
}

/// A link annotation: invisible, inverting when clicked, to its URI or place in the book
/// (a place not found: the book's first page).
fn annotation(
    link: &crate::content::PageLink,
    anchors: &Anchors,
    page_ids: &[ObjectId],
    page_height: f32,
) -> Dictionary {
    let round2 = |v: f32| (v * 100.0).round() / 100.0;
    let action = match &*link.dest {
        LinkDest::Uri(u) => Dictionary::from_iter(vec![
            ("S", Object::Name(b"URI".to_vec())),
            (
                "URI",
                Object::String(u.clone().into_bytes(), StringFormat::Literal),
            ),
        ]),
        LinkDest::Internal { chapter, anchor } => {
            let at = anchors
                .get(&(*chapter, anchor.clone()))
                .or_else(|| anchors.get(&(*chapter, None)));
            let (page, top) = match at {
                Some(at) => (
                    page_ids.get(at.page.saturating_sub(1)),
                    Object::Real(round2(dest_y(at, page_height))),
                ),
                None => (page_ids.first(), Object::Null),
            };
            Dictionary::from_iter(vec![
                ("S", Object::Name(b"GoTo".to_vec())),
                (
                    "D",
                    Object::Array(vec![
                        page.map_or(Object::Null, |p| Object::Reference(*p)),
                        Object::Name(b"XYZ".to_vec()),
                        Object::Null,
                        top,
                        Object::Null,
                    ]),
                ),
            ])
        }
    };
    Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Annot".to_vec())),
        ("Subtype", Object::Name(b"Link".to_vec())),
        (
            "Rect",
            Object::Array(link.rect.iter().map(|v| Object::Real(round2(*v))).collect()),
        ),
        ("A", Object::Dictionary(action)),
        ("Border", Object::Array(vec![0.into(), 0.into(), 0.into()])),
        ("C", Object::Array(Vec::new())),
        ("H", Object::Name(b"I".to_vec())),
    ])
}

/// Every face but the bitmap ones, embedded in the order of the font set (a `FaceId`
/// indexes the result).
fn add_fonts(
    doc: &mut PdfDocument,
    fonts: &FontSet,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Option<FontId>> {
    let mut font_ids = Vec::new();
    for face in &fonts.faces {
        if face.bitmap {
            // Its glyphs are drawn as pictures (render::add_emoji).
            font_ids.push(None);
            continue;
        }
        let mut w = Vec::new();
        match ParsedFont::from_bytes(&face.bytes, face.index as usize, &mut w) {
            Some(pf) => font_ids.push(Some(doc.add_font(&pf))),
            None => {
                diagnostics.push(Diagnostic::warning(
                    "pdf-font",
                    format!("could not embed the font `{}`", face.name),
                ));
                font_ids.push(None);
            }
        }
    }
    font_ids
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
