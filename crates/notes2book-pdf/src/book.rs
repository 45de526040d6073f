//! Book furniture: the table of contents, and what printpdf cannot write itself (a
//! nested outline, page labels, `/Lang`, the page mode), added through its lopdf document.

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use notes2book_model::{Inline, TocEntry};

use crate::fonts::Style;
use crate::inline::{Align, Draw, Fmt, LinkDest, MUTED};
use crate::layout::{Layouter, VItem};

/// Where a TOC entry's target is: (printed page number, 1-based physical page, y from the
/// page bottom).
pub type Locate<'b> = &'b dyn Fn(usize, Option<&str>) -> Option<(String, usize, f32)>;

/// Whether a TOC entry is shown at `depth`: every chapter (whatever its section depth),
/// and headings down to `depth` levels within their note (2 = the note's `##` headings).
pub fn shown(e: &TocEntry, chapter_depth: &dyn Fn(usize) -> u8, depth: u8) -> bool {
    e.anchor.is_none() || e.level < chapter_depth(e.chapter.0 as usize) + depth
}

/// The entries of the table of contents down to `depth`, flattened in reading order.
pub fn flatten_toc<'t>(
    entries: &'t [TocEntry],
    chapter_depth: &dyn Fn(usize) -> u8,
    depth: u8,
) -> Vec<&'t TocEntry> {
    let mut out = Vec::new();
    let mut stack: Vec<std::slice::Iter<'_, TocEntry>> = vec![entries.iter()];
    while let Some(it) = stack.last_mut() {
        match it.next() {
            Some(e) => {
                if shown(e, chapter_depth, depth) {
                    out.push(e);
                    stack.push(e.children.iter());
                }
            }
            None => {
                stack.pop();
            }
        }
    }
    out
}

/// The lines of the table of contents: titles indented by level, dot leaders, page numbers,
/// every entry a link.
pub fn toc_items(
    lay: &mut Layouter<'_, '_>,
    entries: &[&TocEntry],
    locate: Locate<'_>,
) -> Vec<VItem> {
    let size = lay.geo.size;
    let measure = lay.geo.measure;
    let leading = lay.geo.leading;
    let mut out = Vec::new();
    // Heading.
    for l in lay.cell_lines(
        &[Inline::Text("Contents".into())],
        &Fmt::new(Style::Bold, size * 2.0),
        measure,
        Align::Left,
        size * 2.4,
    ) {
        let mut item = crate::layout::line_item(l, 0.0, size * 2.4);
        item.keep_with_next = true;
        out.push(VItem {
            height: leading * 3.0,
            keep_with_next: true,
            ..VItem::default()
        });
        item.heading = Some((0, "Contents".into()));
        out.push(item);
        out.push(VItem::space(leading * 1.5));
    }
    let num_w = size * 2.5;
    for e in entries {
        let Some((folio, _, _)) = locate(e.chapter.0 as usize, e.anchor.as_deref()) else {
            continue;
        };
        let top_level = e.anchor.is_none() && e.level <= 1;
        let indent = size * 1.6 * f32::from(e.level.saturating_sub(1));
        let style = if top_level {
            Style::Bold
        } else {
            Style::Regular
        };
        let fmt = Fmt::new(style, size);
        if top_level {
            out.push(VItem::space(leading * 0.4));
        }
        let width = (measure - indent - num_w - size).max(measure * 0.3);
        let lines = lay.cell_lines(
            &[Inline::Text(e.title.clone())],
            &fmt,
            width,
            Align::Left,
            leading,
        );
        let n = lines.len();
        for (k, l) in lines.into_iter().enumerate() {
            let end_x = indent + l.width;
            let mut item = crate::layout::line_item(l, indent, leading);
            let baseline = leading * 0.78;
            if k + 1 == n {
                // Dot leaders on a fixed grid, then the page number flush right.
                let mut num_fmt = Fmt::new(style, size);
                num_fmt.color = crate::inline::TEXT;
                let num = lay.label_draw(&folio, &num_fmt);
                let num_width = num.as_ref().map_or(0.0, |(_, w)| *w);
                if let Some((d, w)) = num {
                    item.draws.push(d.shifted(measure - w, baseline));
                }
                let mut dot_fmt = Fmt::new(Style::Regular, size);
                dot_fmt.color = MUTED;
                if let Some((dot, _)) = lay.label_draw(".", &dot_fmt) {
                    let step = size * 0.55;
                    let mut x = ((end_x + size * 0.6) / step).ceil() * step;
                    while x + step < measure - num_width - size * 0.3 {
                        item.draws.push(dot.shifted(x, baseline));
                        x += step;
                    }
                }
            }
            item.keep_with_next = k + 1 < n;
            item.draws.push(Draw::Link {
                x: indent,
                y: 0.0,
                w: measure - indent,
                h: item.height,
                dest: std::sync::Arc::new(LinkDest::Internal {
                    chapter: e.chapter.0 as usize,
                    anchor: e.anchor.clone(),
                }),
            });
            out.push(item);
        }
    }
    out
}

/// One outline entry with its children.
#[derive(Debug, Clone)]
pub struct Bookmark {
    pub title: String,
    /// 1-based physical page and the y of the target from the page bottom.
    pub page: usize,
    pub top: f32,
    pub children: Vec<Bookmark>,
}

/// Build the outline tree from the table of contents.
pub fn bookmarks(
    entries: &[TocEntry],
    chapter_depth: &dyn Fn(usize) -> u8,
    depth: u8,
    locate: Locate<'_>,
) -> Vec<Bookmark> {
    // Recursion depth is bounded by the book's nesting (sections and six heading levels).
    fn build(
        entries: &[TocEntry],
        chapter_depth: &dyn Fn(usize) -> u8,
        depth: u8,
        locate: Locate<'_>,
    ) -> Vec<Bookmark> {
        let mut out = Vec::new();
        for e in entries {
            if !shown(e, chapter_depth, depth) {
                continue;
            }
            let Some((_, page, top)) = locate(e.chapter.0 as usize, e.anchor.as_deref()) else {
                continue;
            };
            out.push(Bookmark {
                title: e.title.clone(),
                page,
                top,
                children: build(&e.children, chapter_depth, depth, locate),
            });
        }
        out
    }
    build(entries, chapter_depth, depth.min(6), locate)
}

/// A PDF text string: PDFDocEncoding-safe ASCII as is, anything else as UTF-16BE.
fn text_string(s: &str) -> Object {
    if s.chars().all(|c| (' '..='~').contains(&c)) {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            bytes.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

/// What the lopdf pass adds.
#[derive(Debug)]
pub struct Finish<'a> {
    pub outline: &'a [Bookmark],
    /// Number of front-matter pages (numbered i, ii, ...); the body is numbered from 1.
    pub front_pages: usize,
    pub language: &'a str,
    pub title: &'a str,
}

/// Add the outline, page labels, `/Lang` and viewer preferences, then compress and save.
pub fn finish(mut doc: lopdf::Document, f: &Finish<'_>) -> Vec<u8> {
    let pages = doc.get_pages();
    let page_ids: Vec<ObjectId> = pages.values().copied().collect();
    let outlines_id = doc.new_object_id();
    let (first, last, count) = add_items(&mut doc, f.outline, outlines_id, &page_ids);
    let mut outlines = Dictionary::new();
    outlines.set("Type", Object::Name(b"Outlines".to_vec()));
    if let (Some(a), Some(b)) = (first, last) {
        outlines.set("First", Object::Reference(a));
        outlines.set("Last", Object::Reference(b));
        outlines.set("Count", Object::Integer(count as i64));
    }
    doc.objects
        .insert(outlines_id, Object::Dictionary(outlines));

    let mut nums = Vec::new();
    if f.front_pages > 0 {
        nums.push(Object::Integer(0));
        let mut d = Dictionary::new();
        d.set("S", Object::Name(b"r".to_vec()));
        nums.push(Object::Dictionary(d));
    }
    nums.push(Object::Integer(f.front_pages as i64));
    let mut d = Dictionary::new();
    d.set("S", Object::Name(b"D".to_vec()));
    nums.push(Object::Dictionary(d));
    let mut labels = Dictionary::new();
    labels.set("Nums", Object::Array(nums));

    let mut prefs = Dictionary::new();
    prefs.set("DisplayDocTitle", Object::Boolean(true));
    if let Ok(catalog) = doc.catalog_mut() {
        catalog.set("Outlines", Object::Reference(outlines_id));
        catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
        catalog.set("PageLabels", Object::Dictionary(labels));
        catalog.set("Lang", text_string(f.language));
        catalog.set("ViewerPreferences", Object::Dictionary(prefs));
    }
    // printpdf claims PDF/X in the document info; the file is plain PDF 1.7.
    if let Ok(info_id) = doc.trailer.get(b"Info").and_then(Object::as_reference)
        && let Ok(Object::Dictionary(info)) = doc.get_object_mut(info_id)
    {
        info.remove(b"GTS_PDFXVersion");
        info.remove(b"Trapped");
        info.set("Title", text_string(f.title));
        for key in [&b"Subject"[..], b"Identifier", b"Keywords", b"Author"] {
            let empty = match info.get(key) {
                Ok(Object::String(s, _)) => s.is_empty() || s == &[0xFE, 0xFF],
                _ => false,
            };
            if empty {
                info.remove(key);
            }
        }
    }
    doc.version = "1.7".to_string();
    compress(&mut doc);
    let mut bytes = Vec::new();
    let _ = doc.save_to(&mut bytes);
    bytes
}

/// Add `items` under `parent`; returns (first, last, visible count).
fn add_items(
    doc: &mut lopdf::Document,
    items: &[Bookmark],
    parent: ObjectId,
    pages: &[ObjectId],
) -> (Option<ObjectId>, Option<ObjectId>, usize) {
    let ids: Vec<ObjectId> = items.iter().map(|_| doc.new_object_id()).collect();
    let mut count = 0;
    for (i, item) in items.iter().enumerate() {
        let id = ids[i];
        let (first, last, sub) = add_items(doc, &item.children, id, pages);
        count += 1 + sub;
        let mut d = Dictionary::new();
        d.set("Title", text_string(&item.title));
        d.set("Parent", Object::Reference(parent));
        if i > 0 {
            d.set("Prev", Object::Reference(ids[i - 1]));
        }
        if let Some(next) = ids.get(i + 1) {
            d.set("Next", Object::Reference(*next));
        }
        if let (Some(a), Some(b)) = (first, last) {
            d.set("First", Object::Reference(a));
            d.set("Last", Object::Reference(b));
            // Open: chapters show their sections.
            d.set("Count", Object::Integer(sub as i64));
        }
        if let Some(page) = pages.get(item.page.saturating_sub(1)) {
            d.set(
                "Dest",
                Object::Array(vec![
                    Object::Reference(*page),
                    Object::Name(b"XYZ".to_vec()),
                    Object::Null,
                    Object::Real(item.top),
                    Object::Null,
                ]),
            );
        }
        doc.objects.insert(id, Object::Dictionary(d));
    }
    (ids.first().copied(), ids.last().copied(), count)
}

/// Flate-compress every stream that allows it and has no filter yet, in parallel and at the
/// default level: lopdf's own `compress` works through them one by one at the best level,
/// which took a tenth of a whole build for files a few percent smaller.
fn compress(doc: &mut lopdf::Document) {
    use rayon::prelude::*;
    use std::io::Write as _;
    let streams: Vec<&mut lopdf::Stream> = doc
        .objects
        .values_mut()
        .filter_map(|o| match o {
            Object::Stream(s) if s.allows_compression && s.dict.get(b"Filter").is_err() => Some(s),
            _ => None,
        })
        .collect();
    streams.into_par_iter().for_each(|s| {
        let mut enc = flate2::write::ZlibEncoder::new(
            Vec::with_capacity(s.content.len() / 3),
            flate2::Compression::default(),
        );
        if enc.write_all(&s.content).is_err() {
            return;
        }
        if let Ok(packed) = enc.finish()
            && packed.len() + 19 < s.content.len()
        {
            s.dict.set("Filter", "FlateDecode");
            s.set_content(packed);
        }
    });
}
