//! The written pages into one PDF file: printpdf embeds the images, the fonts (subset to
//! the glyphs the pages used, shown to it on one page made for that and then taken out),
//! the colour-emoji pictures and the document information; those objects are copied into
//! the file, then our pages follow, a few dozen at a time, their glyphs renumbered for the
//! subsets and their links resolved, then the structure tree and the rest ([`crate::finish`]).

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

use crate::finish::text_string;
use crate::render::{PlacedImage, dest_y, font_name};
use crate::structure::Structure;
use crate::tagging::PageTags;
use crate::writer::{self, Id, Out};
use crate::{Stored, Written};

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
    pub canonical: &'a crate::render::Canonical,
    pub front: crate::Pages,
    pub body: crate::Pages,
    pub anchors: &'a Anchors,
    pub modified: i64,
}

/// The PDF, written to `out`.
pub fn assemble(
    a: Assembler,
    parts: Parts<'_>,
    finish: &crate::finish::Finish<'_>,
    out: &mut dyn std::io::Write,
    diagnostics: &mut Vec<Diagnostic>,
) -> std::io::Result<()> {
    let Parts {
        book,
        fonts,
        canonical,
        front,
        body,
        anchors,
        modified,
    } = parts;
    let mut glyphs = front.glyphs.clone();
    glyphs.extend(&body.glyphs);
    let mut pictures = front.pictures.clone();
    pictures.extend(&body.pictures);
    let used = Used {
        book,
        fonts,
        canonical,
        glyphs: &glyphs,
        pictures: &pictures,
        modified,
    };
    let Some(res) = resource_document(a, &used, finish, diagnostics) else {
        diagnostics.push(failed("the fonts' glyph codes could not be read back"));
        return Ok(());
    };
    let mut file = Out::new(out);
    let resources_id = file.reserve();
    let info = res
        .doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .ok();
    let map = copy_objects(&mut file, res.doc, &res.resources, info);
    let mapped = |id: ObjectId| map.get(&id).copied().unwrap_or(0);
    file.object(resources_id, |b| {
        writer::dictionary(b, &res.resources, &mapped)
    });
    let mut pages = [front, body];
    let tags: Vec<PageTags> = pages
        .iter_mut()
        .flat_map(|p| p.pages.iter_mut())
        .map(|w| std::mem::take(&mut w.tags))
        .collect();
    let structure = Structure::build(&tags, finish.language);
    let pages_id = file.reserve();
    let first_page = file.reserve_many(tags.len());
    let page_ids: Vec<Id> = (0..tags.len()).map(|i| first_page + i as Id).collect();
    let ctx = PageContext {
        anchors,
        page_ids: &page_ids,
        page_height: finish.page_height,
        resources_id,
        pages_id,
        structure: &structure,
        tags: &tags,
    };
    let annots = write_pages(&mut file, &ctx, pages, &Renumber::new(&res.codes))?;
    let mut catalog = crate::finish::Catalog {
        pages: pages_id,
        ..Default::default()
    };
    catalog.structure = Some(structure.write(&mut file, &page_ids, &annots));
    crate::finish::write_pages_root(&mut file, pages_id, &page_ids);
    crate::finish::write_rest(&mut file, finish, &page_ids, &mut catalog);
    let catalog_id = file.reserve();
    crate::finish::write_catalog(&mut file, catalog_id, finish, &catalog);
    let mut trailer = Dictionary::from_iter(vec![("Root", writer::reference(catalog_id))]);
    if let Some(info) = info.and_then(|i| map.get(&i)) {
        trailer.set("Info", writer::reference(*info));
    }
    if file.unwritten() > 0 {
        diagnostics.push(failed("an object of the file was never written"));
    }
    file.finish(&trailer)
}

/// What the pages used, for the fonts and pictures to embed.
struct Used<'a> {
    book: &'a Book,
    fonts: &'a FontSet,
    canonical: &'a crate::render::Canonical,
    glyphs: &'a std::collections::BTreeSet<(u16, u16)>,
    pictures: &'a std::collections::BTreeSet<(u16, u16)>,
    modified: i64,
}

/// printpdf's document of what the pages use: the fonts subset, the pictures, the
/// document information; with each glyph's code in its subset and the resources the
/// pages name.
struct Resources {
    doc: lopdf::Document,
    codes: Codes,
    resources: Dictionary,
}

/// The fonts, images and emoji embedded by printpdf (the fonts shown every glyph used on
/// one page, which is then taken out); `None` if the glyph codes cannot be read back.
fn resource_document(
    mut a: Assembler,
    used: &Used<'_>,
    finish: &crate::finish::Finish<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Resources> {
    let fonts = used.fonts;
    let font_ids = add_fonts(&mut a.doc, fonts, diagnostics);
    a.xobjects
        .extend(crate::render::add_emoji(&mut a.doc, fonts, used.pictures));
    // The page that shows printpdf every glyph used, once, in order.
    let mut ops = vec![Op::StartTextSection];
    let mut shown: Vec<(String, Vec<u16>)> = Vec::new();
    for (face, gids) in by_face(used.glyphs) {
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
                cid: used.canonical.get(&(FaceId(face), gid)).cloned(),
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
    set_info(&mut a.doc, used.book, used.modified);
    let save = PdfSaveOptions {
        optimize: false,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut doc = a.doc.to_lopdf_document(&save, &mut warnings);
    let names: HashMap<String, u16> = font_ids
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.as_ref().map(|f| (f.0.clone(), i as u16)))
        .collect();
    let (codes, resources) = take_glyph_page(&mut doc, &shown, &names)?;
    rename_resources(&mut doc, &resources, &font_ids, &a.xobjects);
    stable_font_names(&mut doc, &resources, fonts, used.glyphs);
    crate::finish::fix_info(&mut doc, finish);
    crate::finish::compress(&mut doc);
    Some(Resources {
        doc,
        codes,
        resources,
    })
}

/// Every page: its stream made ready with the others of its chunk, then written with its
/// annotations; the annotations written, for the structure tree.
fn write_pages(
    file: &mut Out<'_>,
    ctx: &PageContext<'_>,
    parts: [crate::Pages; 2],
    renumber: &Renumber,
) -> std::io::Result<Annots> {
    let mut annots = Annots::new(ctx.page_ids.len());
    let mut p = 0;
    for part in parts {
        let crate::Pages {
            mut pages,
            mut spill,
            ..
        } = part;
        for chunk in pages.chunks_mut(PAGES_AT_ONCE) {
            let streams = finish_streams(chunk, &mut spill, renumber)?;
            for (w, stream) in chunk.iter().zip(streams) {
                write_page(file, ctx, p, w, &stream, &mut annots);
                p += 1;
            }
        }
    }
    Ok(annots)
}

/// Pages whose streams are made ready at once (in parallel), then written.
const PAGES_AT_ONCE: usize = 64;

/// The subset's code of each face's glyph, in a table per face: a lookup per glyph shown.
struct Renumber(Vec<Vec<u16>>);

impl Renumber {
    fn new(codes: &Codes) -> Renumber {
        let mut table: Vec<Vec<u16>> = Vec::new();
        for (&(face, gid), &code) in codes {
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
        Renumber(table)
    }

    fn code(&self, face: u16, gid: u16) -> u16 {
        self.0
            .get(usize::from(face))
            .and_then(|t| t.get(usize::from(gid)))
            .copied()
            .unwrap_or(0)
    }
}

/// A page's content stream as it goes into the file.
struct PageStream {
    bytes: Vec<u8>,
    deflated: bool,
}

/// The pages' content streams as they go into the file: back from wherever they were
/// kept, glyphs renumbered, compressed (in parallel). A kept stream that cannot be read
/// back is an error, never a blank page.
fn finish_streams(
    chunk: &mut [Written],
    spill: &mut crate::spill::Spill,
    renumber: &Renumber,
) -> std::io::Result<Vec<PageStream>> {
    // Read from the file one after the other; the rest in parallel.
    let mut kept = Vec::with_capacity(chunk.len());
    for w in chunk.iter_mut() {
        let stored = std::mem::replace(&mut w.content, Stored::Raw(Vec::new()));
        kept.push(match stored {
            Stored::Spilled { at, len } => Stored::Packed(spill.get(at, len)?),
            other => other,
        });
    }
    let code = |face, gid| renumber.code(face, gid);
    kept.into_par_iter()
        .map_init(
            || flate2::Compress::new(flate2::Compression::new(CONTENT_LEVEL), true),
            |c, stored| {
                let raw = match stored {
                    Stored::Raw(r) => Some(r),
                    Stored::Packed(p) => inflate(&p),
                    // Read back above.
                    Stored::Spilled { .. } => None,
                };
                let mut raw = raw.ok_or_else(|| {
                    std::io::Error::other(
                        "a page's content kept for the end could not be read back",
                    )
                })?;
                crate::content::renumber(&mut raw, &code);
                Ok(match deflate_with(c, &raw) {
                    Some(bytes) => PageStream {
                        bytes,
                        deflated: true,
                    },
                    None => PageStream {
                        bytes: raw,
                        deflated: false,
                    },
                })
            },
        )
        .collect()
}
/// What writing a page needs besides the page.
struct PageContext<'a> {
    anchors: &'a Anchors,
    page_ids: &'a [Id],
    page_height: f32,
    resources_id: Id,
    pages_id: Id,
    structure: &'a Structure,
    tags: &'a [PageTags],
}

/// Page `p`: its content stream, its link annotations (each an object, for the structure
/// tree to point at) and the page object.
fn write_page(
    file: &mut Out<'_>,
    ctx: &PageContext<'_>,
    p: usize,
    w: &Written,
    stream: &PageStream,
    annots: &mut Annots,
) {
    let contents = file.reserve();
    let mut dict = Dictionary::new();
    if stream.deflated {
        dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    }
    file.stream(contents, &dict, &stream.bytes);
    // The page's k-th annotation is its k-th written link.
    let written: Vec<usize> = ctx.tags.get(p).map_or_else(Vec::new, |t| {
        t.links
            .iter()
            .enumerate()
            .filter(|(_, l)| l.written)
            .map(|(n, _)| n)
            .collect()
    });
    let mut refs = Vec::with_capacity(w.links.len());
    for (k, link) in w.links.iter().enumerate() {
        let mut d = annotation(link, ctx.anchors, ctx.page_ids, ctx.page_height);
        let id = file.reserve();
        if let Some(&n) = written.get(k) {
            let text = ctx.tags.get(p).map_or("", |t| t.links[n].text.as_str());
            let key = annots.add(p, n, id, ctx.structure.link_elem(p, n));
            d.set("StructParent", Object::Integer(key));
            d.set("Contents", text_string(&link_contents(text, &link.dest)));
        }
        file.dict(id, &d);
        refs.push(writer::reference(id));
    }
    let mut page = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Page".to_vec())),
        ("Parent", writer::reference(ctx.pages_id)),
        (
            "MediaBox",
            Object::Array(vec![
                0.into(),
                0.into(),
                Object::Real(w.width),
                Object::Real(w.height),
            ]),
        ),
        ("Resources", writer::reference(ctx.resources_id)),
        ("Contents", writer::reference(contents)),
    ]);
    if !refs.is_empty() {
        page.set("Annots", Object::Array(refs));
    }
    page.set("StructParents", Object::Integer(p as i64));
    page.set("Tabs", Object::Name(b"S".to_vec()));
    file.dict(ctx.page_ids[p], &page);
}

/// What a link annotation says to a screen reader: the link's text, else (a picture that
/// is a link) where it goes.
fn link_contents(text: &str, dest: &LinkDest) -> String {
    if !text.trim().is_empty() {
        return text.trim().to_string();
    }
    match dest {
        LinkDest::Uri(u) => u.clone(),
        LinkDest::Internal { .. } => "Link within the book".to_string(),
    }
}

/// The printpdf document's objects the pages need (the fonts, pictures and document
/// information, reached from `resources` and `info`), written with new numbers in the
/// order of their old ones; the old number of each to its new one.
fn copy_objects(
    file: &mut Out<'_>,
    mut lo: lopdf::Document,
    resources: &Dictionary,
    info: Option<ObjectId>,
) -> HashMap<ObjectId, Id> {
    // In the order they are first reached (the resources' keys are sorted), not by
    // printpdf's numbers, which follow its names for the fonts.
    let mut seen = std::collections::HashSet::new();
    let mut reached: Vec<ObjectId> = Vec::new();
    let mut todo: Vec<ObjectId> = Vec::new();
    refs_in(&Object::Dictionary(resources.clone()), &mut todo);
    todo.extend(info);
    todo.reverse();
    while let Some(id) = todo.pop() {
        let Some(o) = lo.objects.get(&id) else {
            continue;
        };
        if !seen.insert(id) {
            continue;
        }
        reached.push(id);
        let mut inner = Vec::new();
        refs_in(o, &mut inner);
        todo.extend(inner.into_iter().rev());
    }
    let first = file.reserve_many(reached.len());
    let map: HashMap<ObjectId, Id> = reached
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, first + i as Id))
        .collect();
    let mapped = |id: ObjectId| map.get(&id).copied().unwrap_or(0);
    for id in &reached {
        // Each taken out as it is written: fonts and pictures are not held twice.
        if let Some(o) = lo.objects.remove(id) {
            file.object(map[id], |b| writer::object(b, &o, &mapped));
        }
    }
    map
}

/// Every reference in `o`, pushed onto `out`.
fn refs_in(o: &Object, out: &mut Vec<ObjectId>) {
    match o {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|i| refs_in(i, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, v)| refs_in(v, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, v)| refs_in(v, out)),
        _ => {}
    }
}

/// The link annotations written, for the structure tree: each one's object and the
/// ParentTree key of its element.
#[derive(Debug)]
pub struct Annots {
    /// The page's link number to its annotation's object.
    pub ids: HashMap<(usize, usize), Id>,
    /// Each annotation's key and element, in key order.
    pub keys: Vec<(i64, usize)>,
    next_key: i64,
}

impl Annots {
    /// Keys follow the pages' (one per page, from 0).
    fn new(pages: usize) -> Annots {
        Annots {
            ids: HashMap::new(),
            keys: Vec::new(),
            next_key: pages as i64,
        }
    }

    /// Link `n` of page `p`, written as object `id` and owned by element `elem`: its key.
    fn add(&mut self, p: usize, n: usize, id: Id, elem: usize) -> i64 {
        let key = self.next_key;
        self.next_key += 1;
        self.ids.insert((p, n), id);
        self.keys.push((key, elem));
        key
    }

    pub fn next_key(&self) -> i64 {
        self.next_key
    }
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

/// printpdf names each font (its subset tag and its ToUnicode CMap) after a sequence of
/// the process, so a book built a second time by the same process (`watch`) came out
/// different. Each name is made instead from the face and the glyphs the subset holds.
fn stable_font_names(
    lo: &mut lopdf::Document,
    resources: &Dictionary,
    fonts: &FontSet,
    glyphs: &std::collections::BTreeSet<(u16, u16)>,
) {
    let mut names: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let Ok(Object::Reference(dict_id)) = resources.get(b"Font") else {
        return;
    };
    let Ok(font_dict) = lo.get_dictionary(*dict_id) else {
        return;
    };
    for (key, font) in font_dict.iter() {
        let face = String::from_utf8_lossy(key)
            .strip_prefix('F')
            .and_then(|n| n.parse::<usize>().ok());
        let (Some(face), Ok(id)) = (face, font.as_reference()) else {
            continue;
        };
        let Some(old) = cmap_font_id(lo, id) else {
            continue;
        };
        let mut h = blake3::Hasher::new();
        h.update(&(face as u64).to_le_bytes());
        h.update(
            fonts
                .faces
                .get(face)
                .map_or("", |f| f.name.as_str())
                .as_bytes(),
        );
        let face16 = u16::try_from(face).unwrap_or(u16::MAX);
        for (_, g) in glyphs.range((face16, 0)..=(face16, u16::MAX)) {
            h.update(&g.to_le_bytes());
        }
        let mut bytes = vec![0u8; old.len()];
        h.finalize_xof().fill(&mut bytes);
        let new: Vec<u8> = bytes.iter().map(|b| b'A' + b % 26).collect();
        let mut tag_old = old[..6.min(old.len())].to_vec();
        tag_old.push(b'+');
        let mut tag_new = new[..6.min(new.len())].to_vec();
        tag_new.push(b'+');
        names.push((old, new));
        names.push((tag_old, tag_new));
    }
    for o in lo.objects.values_mut() {
        rename_in(o, &names);
    }
}

/// The name printpdf gave the font `id` (the Type0 dictionary), read from its ToUnicode
/// CMap (`/CMapName /FontSpecific-NAME`).
fn cmap_font_id(lo: &lopdf::Document, id: ObjectId) -> Option<Vec<u8>> {
    let font = lo.get_dictionary(id).ok()?;
    let cmap = font.get(b"ToUnicode").ok()?.as_reference().ok()?;
    let stream = lo.get_object(cmap).ok()?.as_stream().ok()?;
    const MARK: &[u8] = b"/CMapName /FontSpecific-";
    let at = stream.content.windows(MARK.len()).position(|w| w == MARK)? + MARK.len();
    let name: Vec<u8> = stream.content[at..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .copied()
        .collect();
    (name.len() >= 6).then_some(name)
}

/// `o` with every occurrence of each old name replaced (in names, strings and
/// uncompressed streams).
fn rename_in(o: &mut Object, names: &[(Vec<u8>, Vec<u8>)]) {
    match o {
        Object::Name(b) | Object::String(b, _) => replace_bytes(b, names),
        Object::Array(items) => items.iter_mut().for_each(|i| rename_in(i, names)),
        Object::Dictionary(d) => d.iter_mut().for_each(|(_, v)| rename_in(v, names)),
        Object::Stream(s) => {
            s.dict.iter_mut().for_each(|(_, v)| rename_in(v, names));
            if s.dict.get(b"Filter").is_err() {
                replace_bytes(&mut s.content, names);
            }
        }
        _ => {}
    }
}

/// Each old name in `b` replaced by its new one (the same length).
fn replace_bytes(b: &mut [u8], names: &[(Vec<u8>, Vec<u8>)]) {
    for (old, new) in names {
        if old.is_empty() || old.len() != new.len() {
            continue;
        }
        let mut i = 0;
        while i + old.len() <= b.len() {
            if b[i..i + old.len()] == old[..] {
                b[i..i + old.len()].copy_from_slice(new);
                i += old.len();
            } else {
                i += 1;
            }
        }
    }
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
            let mut renamed = renamed;
            renamed.sort_by(|a, b| a.0.cmp(&b.0));
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
    page_ids: &[Id],
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
                        page.map_or(Object::Null, |p| writer::reference(*p)),
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
