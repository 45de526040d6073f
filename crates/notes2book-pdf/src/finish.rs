//! What printpdf cannot write itself, added through its lopdf document: the nested outline,
//! page labels, `/Lang` and the page mode.

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use notes2book_typeset::contents::Bookmark;

/// A PDF text string: PDFDocEncoding-safe ASCII as is, anything else as UTF-16BE.
pub(crate) fn text_string(s: &str) -> Object {
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
    pub authors: &'a [String],
    /// Page height in points, for the outline's destinations.
    pub page_height: f32,
    /// What each page's marked content belongs to, for the structure tree.
    pub tags: &'a [crate::tagging::PageTags],
}

/// Add the outline, page labels, `/Lang` and viewer preferences, then compress and save.
pub fn finish(mut doc: lopdf::Document, f: &Finish<'_>) -> Vec<u8> {
    let pages = doc.get_pages();
    let page_ids: Vec<ObjectId> = pages.values().copied().collect();
    let outlines_id = doc.new_object_id();
    let (first, last, count) =
        add_items(&mut doc, f.outline, outlines_id, &page_ids, f.page_height);
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
    crate::structure::add(&mut doc, &page_ids, f.tags, f.language);
    let mut xmp = lopdf::Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp(f).into_bytes(),
    );
    // Tools that read metadata without parsing the file find it as text.
    xmp.allows_compression = false;
    let xmp_id = doc.add_object(xmp);
    if let Ok(catalog) = doc.catalog_mut() {
        catalog.set("Metadata", Object::Reference(xmp_id));
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

/// The XMP metadata: title, language, authors, and the PDF/UA identification.
fn xmp(f: &Finish<'_>) -> String {
    use notes2book_model::xml_escape;
    let authors: String = f
        .authors
        .iter()
        .map(|a| format!("<rdf:li>{}</rdf:li>", xml_escape(a, false)))
        .collect();
    let creators = if authors.is_empty() {
        String::new()
    } else {
        format!("<dc:creator><rdf:Seq>{authors}</rdf:Seq></dc:creator>\n")
    };
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
         <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" \
         xmlns:pdfuaid=\"http://www.aiim.org/pdfua/ns/id/\">\n\
         <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\n\
         <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>\n\
         {creators}\
         <pdf:Producer>notes2book {version}</pdf:Producer>\n\
         <pdfuaid:part>1</pdfuaid:part>\n\
         </rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>",
        title = xml_escape(f.title, false),
        lang = xml_escape(f.language, false),
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// Add `items` under `parent`; returns (first, last, visible count).
fn add_items(
    doc: &mut lopdf::Document,
    items: &[Bookmark],
    parent: ObjectId,
    pages: &[ObjectId],
    page_height: f32,
) -> (Option<ObjectId>, Option<ObjectId>, usize) {
    let ids: Vec<ObjectId> = items.iter().map(|_| doc.new_object_id()).collect();
    let mut count = 0;
    for (i, item) in items.iter().enumerate() {
        let id = ids[i];
        let (first, last, sub) = add_items(doc, &item.children, id, pages, page_height);
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
        if let Some(page) = pages.get(item.at.page.saturating_sub(1)) {
            d.set(
                "Dest",
                Object::Array(vec![
                    Object::Reference(*page),
                    Object::Name(b"XYZ".to_vec()),
                    Object::Null,
                    Object::Real(crate::render::dest_y(&item.at, page_height)),
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
