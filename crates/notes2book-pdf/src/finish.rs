//! The objects that make a set of pages a book: the page tree, the nested outline, page
//! labels, `/Lang`, the page mode, XMP metadata and the catalog; and the document
//! information printpdf made, mended.

use lopdf::{Dictionary, Object, StringFormat};
use notes2book_typeset::contents::Bookmark;

use crate::writer::{Id, Out, reference};

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

/// What the file says about the book besides its pages.
#[derive(Debug, Clone, Copy)]
pub struct Finish<'a> {
    pub outline: &'a [Bookmark],
    /// Number of front-matter pages (numbered i, ii, ...); the body is numbered from 1.
    pub front_pages: usize,
    pub language: &'a str,
    pub title: &'a str,
    pub authors: &'a [String],
    /// Page height in points, for the outline's destinations.
    pub page_height: f32,
}

/// The printpdf document information, mended: the title as a text string, no PDF/X
/// claim (the file is plain PDF 1.7), no empty entries.
pub fn fix_info(doc: &mut lopdf::Document, f: &Finish<'_>) {
    let Ok(info_id) = doc.trailer.get(b"Info").and_then(Object::as_reference) else {
        return;
    };
    let Ok(Object::Dictionary(info)) = doc.get_object_mut(info_id) else {
        return;
    };
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

/// The objects the catalog points at.
#[derive(Debug, Default)]
pub struct Catalog {
    pub pages: Id,
    pub structure: Option<Id>,
    pub outlines: Option<Id>,
    pub metadata: Option<Id>,
}

/// The page tree: one node holding every page.
pub fn write_pages_root(file: &mut Out<'_>, id: Id, pages: &[Id]) {
    let kids = pages.iter().map(|p| reference(*p)).collect();
    file.dict(
        id,
        &Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Kids", Object::Array(kids)),
            ("Count", Object::Integer(pages.len() as i64)),
        ]),
    );
}

/// The outline and the XMP metadata.
pub fn write_rest(file: &mut Out<'_>, f: &Finish<'_>, pages: &[Id], catalog: &mut Catalog) {
    let outlines_id = file.reserve();
    let (first, last, count) = write_items(file, f.outline, outlines_id, pages, f.page_height);
    let mut outlines = Dictionary::new();
    outlines.set("Type", Object::Name(b"Outlines".to_vec()));
    if let (Some(a), Some(b)) = (first, last) {
        outlines.set("First", reference(a));
        outlines.set("Last", reference(b));
        outlines.set("Count", Object::Integer(count as i64));
    }
    file.dict(outlines_id, &outlines);
    catalog.outlines = Some(outlines_id);
    let xmp_id = file.reserve();
    // Not compressed: tools that read metadata without parsing the file find it as text.
    file.stream(
        xmp_id,
        &Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp(f).as_bytes(),
    );
    catalog.metadata = Some(xmp_id);
}

/// The catalog: pages, outline (shown when the file opens), page labels (front matter in
/// roman numerals, the body from 1), language, structure tree and metadata.
pub fn write_catalog(file: &mut Out<'_>, id: Id, f: &Finish<'_>, c: &Catalog) {
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
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", reference(c.pages));
    catalog.set("PageLayout", Object::Name(b"OneColumn".to_vec()));
    if let Some(o) = c.outlines {
        catalog.set("Outlines", reference(o));
        catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    }
    catalog.set("PageLabels", Object::Dictionary(labels));
    catalog.set("Lang", text_string(f.language));
    catalog.set("ViewerPreferences", Object::Dictionary(prefs));
    if let Some(s) = c.structure {
        catalog.set("StructTreeRoot", reference(s));
        catalog.set(
            "MarkInfo",
            Object::Dictionary(Dictionary::from_iter(vec![(
                "Marked",
                Object::Boolean(true),
            )])),
        );
    }
    if let Some(m) = c.metadata {
        catalog.set("Metadata", reference(m));
    }
    file.dict(id, &catalog);
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

/// Write `items` under `parent`; returns (first, last, visible count).
fn write_items(
    file: &mut Out<'_>,
    items: &[Bookmark],
    parent: Id,
    pages: &[Id],
    page_height: f32,
) -> (Option<Id>, Option<Id>, usize) {
    let first = file.reserve_many(items.len());
    let ids: Vec<Id> = (0..items.len()).map(|i| first + i as Id).collect();
    let mut count = 0;
    for (i, item) in items.iter().enumerate() {
        let id = ids[i];
        let (first, last, sub) = write_items(file, &item.children, id, pages, page_height);
        count += 1 + sub;
        let mut d = Dictionary::new();
        d.set("Title", text_string(&item.title));
        d.set("Parent", reference(parent));
        if i > 0 {
            d.set("Prev", reference(ids[i - 1]));
        }
        if let Some(next) = ids.get(i + 1) {
            d.set("Next", reference(*next));
        }
        if let (Some(a), Some(b)) = (first, last) {
            d.set("First", reference(a));
            d.set("Last", reference(b));
            // Open: chapters show their sections.
            d.set("Count", Object::Integer(sub as i64));
        }
        if let Some(page) = pages.get(item.at.page.saturating_sub(1)) {
            d.set(
                "Dest",
                Object::Array(vec![
                    reference(*page),
                    Object::Name(b"XYZ".to_vec()),
                    Object::Null,
                    Object::Real(crate::render::dest_y(&item.at, page_height)),
                    Object::Null,
                ]),
            );
        }
        file.dict(id, &d);
    }
    (ids.first().copied(), ids.last().copied(), count)
}

/// Flate-compress every stream that allows it and has no filter yet, in parallel and at the
/// default level: lopdf's own `compress` works through them one by one at the best level,
/// which took a tenth of a whole build for files a few percent smaller.
pub fn compress(doc: &mut lopdf::Document) {
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
