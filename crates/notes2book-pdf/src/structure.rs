//! The structure tree of the tagged PDF, built from what each page's marked content
//! belongs to ([`crate::tagging`]), in reading order: Document, a Sect per chapter,
//! headings, paragraphs, lists, tables, figures and formulas with their alternative text,
//! notes, links with their annotations, the contents. Then the ParentTree that maps each
//! MCID and annotation back to its element, `/MarkInfo`, and the pages' `/StructParents`
//! and tab order.

use std::collections::HashMap;
use std::sync::Arc;

use lopdf::{Dictionary, Object, ObjectId};
use notes2book_typeset::frame::{Tag, TagKind};

use crate::finish::text_string;
use crate::tagging::{Event, Owner, PageTags, struct_type};

/// A kid of a structure element.
#[derive(Debug, Clone, Copy)]
enum Kid {
    Elem(usize),
    /// Marked content: page index and MCID.
    Mcid(usize, usize),
    /// A link annotation: page index and its place in the page's links.
    Annot(usize, usize),
}

#[derive(Debug)]
struct Elem {
    role: &'static str,
    parent: Option<usize>,
    kids: Vec<Kid>,
    alt: Option<String>,
    lang: Option<String>,
    /// `/ID`, for notes.
    id: Option<String>,
    /// A table header cell's scope.
    header: bool,
}

/// The tree while it is built: elements in creation order (the root first).
#[derive(Debug)]
struct Tree {
    elems: Vec<Elem>,
    by_tag: HashMap<*const Tag, usize>,
    links: HashMap<(usize, usize), usize>,
    /// The chapter being read: notes without a block around them go there.
    section: usize,
    book_lang: String,
}

impl Tree {
    fn new(book_lang: &str) -> Tree {
        Tree {
            elems: vec![Elem::new("Document", None)],
            by_tag: HashMap::new(),
            links: HashMap::new(),
            section: 0,
            book_lang: book_lang.to_string(),
        }
    }

    fn add(&mut self, mut elem: Elem, parent: usize) -> usize {
        let i = self.elems.len();
        let first = elem.role == "Lbl";
        elem.parent = Some(parent);
        self.elems.push(elem);
        let kids = &mut self.elems[parent].kids;
        if first {
            kids.insert(0, Kid::Elem(i));
        } else {
            kids.push(Kid::Elem(i));
        }
        i
    }

    /// The element of `tag`, made with its ancestors if it is new; `None` for artifacts.
    /// A list item's children go into its LBody.
    fn elem(&mut self, tag: &Arc<Tag>) -> Option<usize> {
        if let Some(&i) = self.by_tag.get(&Arc::as_ptr(tag)) {
            return Some(i);
        }
        let role = struct_type(tag.kind)?;
        let mut parent = match &tag.parent {
            Some(p) => self.elem(p)?,
            None if tag.kind == TagKind::Footnote => self.section,
            None => 0,
        };
        if tag.kind == TagKind::ListLabel {
            // Beside the item's body, before it.
            if let Some(item) = self.elems[parent].parent {
                parent = item;
            }
        }
        let mut elem = Elem::new(role, None);
        elem.alt = tag.alt.clone();
        elem.lang = tag
            .lang
            .clone()
            .filter(|l| !l.eq_ignore_ascii_case(&self.book_lang));
        elem.header = tag.kind == TagKind::TableCell(true);
        if tag.kind == TagKind::Footnote {
            elem.id = Some(format!("note-{}", self.elems.len()));
        }
        let mut i = self.add(elem, parent);
        if tag.kind == TagKind::Chapter {
            self.section = i;
        }
        if tag.kind == TagKind::ListItem {
            i = self.add(Elem::new("LBody", None), i);
        }
        self.by_tag.insert(Arc::as_ptr(tag), i);
        Some(i)
    }

    /// The element of the page's `n`th link, inside `parent`'s.
    fn link(&mut self, page: usize, n: usize, parent: Option<&Arc<Tag>>) -> usize {
        if let Some(&i) = self.links.get(&(page, n)) {
            return i;
        }
        let p = parent.and_then(|t| self.elem(t)).unwrap_or(0);
        let i = self.add(Elem::new("Link", None), p);
        self.links.insert((page, n), i);
        i
    }
}

impl Elem {
    fn new(role: &'static str, parent: Option<usize>) -> Elem {
        Elem {
            role,
            parent,
            kids: Vec::new(),
            alt: None,
            lang: None,
            id: None,
            header: false,
        }
    }
}

/// Build the tree from the pages' tags and write it, with the ParentTree, into `doc`.
pub fn add(doc: &mut lopdf::Document, pages: &[ObjectId], tags: &[PageTags], language: &str) {
    let mut tree = Tree::new(language);
    // Which element each MCID of each page belongs to.
    let mut owners: Vec<Vec<usize>> = vec![Vec::new(); tags.len()];
    for (p, page) in tags.iter().enumerate() {
        for event in &page.events {
            match event {
                Event::Declare(tag) => {
                    tree.elem(tag);
                }
                Event::Content(owner) => {
                    let i = match owner {
                        Owner::Block(tag) => tree.elem(tag).unwrap_or(0),
                        Owner::Link { parent, n } => tree.link(p, *n, Some(parent)),
                    };
                    let mcid = owners[p].len();
                    tree.elems[i].kids.push(Kid::Mcid(p, mcid));
                    owners[p].push(i);
                }
            }
        }
        for (n, link) in page.links.iter().enumerate().filter(|(_, l)| l.written) {
            let i = tree.link(p, n, link.parent.as_ref());
            tree.elems[i].kids.push(Kid::Annot(p, n));
        }
    }
    write(doc, pages, tags, &tree, &owners);
}

/// Write the elements, annotations and ParentTree; point the catalog and pages at them.
fn write(
    doc: &mut lopdf::Document,
    pages: &[ObjectId],
    tags: &[PageTags],
    tree: &Tree,
    owners: &[Vec<usize>],
) {
    let root_id = doc.new_object_id();
    let ids: Vec<ObjectId> = tree.elems.iter().map(|_| doc.new_object_id()).collect();
    // Annotations become objects of their own, so that elements can point at them.
    let mut next_key = pages.len() as i64;
    let mut parent_nums: Vec<Object> = Vec::new();
    let mut annots: HashMap<(usize, usize), ObjectId> = HashMap::new();
    let mut annot_keys: Vec<(i64, usize)> = Vec::new();
    for (p, page_id) in pages.iter().enumerate() {
        // The page's k-th annotation is its k-th written link.
        let written: Vec<usize> = tags.get(p).map_or_else(Vec::new, |t| {
            t.links
                .iter()
                .enumerate()
                .filter(|(_, l)| l.written)
                .map(|(n, _)| n)
                .collect()
        });
        let Ok(Object::Dictionary(page)) = doc.get_object(*page_id) else {
            continue;
        };
        let list = match page.get(b"Annots") {
            Ok(Object::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        let mut refs = Vec::new();
        for (k, annot) in list.into_iter().enumerate() {
            let Object::Dictionary(mut d) = annot else {
                refs.push(annot);
                continue;
            };
            let id = doc.new_object_id();
            if let Some(&n) = written.get(k) {
                let elem = tree.links.get(&(p, n)).copied().unwrap_or(0);
                let contents = link_contents(&tags[p].links[n].text, &d);
                d.set("StructParent", Object::Integer(next_key));
                d.set("Contents", text_string(&contents));
                annot_keys.push((next_key, elem));
                annots.insert((p, n), id);
                next_key += 1;
            }
            doc.objects.insert(id, Object::Dictionary(d));
            refs.push(Object::Reference(id));
        }
        if let Ok(Object::Dictionary(page)) = doc.get_object_mut(*page_id) {
            page.set("Annots", Object::Array(refs));
            page.set("StructParents", Object::Integer(p as i64));
            page.set("Tabs", Object::Name(b"S".to_vec()));
        }
        let row: Vec<Object> = owners
            .get(p)
            .map_or(&[][..], |o| &o[..])
            .iter()
            .map(|&i| Object::Reference(ids[i]))
            .collect();
        parent_nums.push(Object::Integer(p as i64));
        parent_nums.push(Object::Array(row));
    }
    for (key, elem) in annot_keys {
        parent_nums.push(Object::Integer(key));
        parent_nums.push(Object::Reference(ids[elem]));
    }
    let mut notes: Vec<(String, ObjectId)> = Vec::new();
    for (i, e) in tree.elems.iter().enumerate() {
        let parent = e.parent.map_or(root_id, |p| ids[p]);
        let d = elem_dict(e, parent, pages, &ids, &annots);
        if let Some(id) = &e.id {
            notes.push((id.clone(), ids[i]));
        }
        doc.objects.insert(ids[i], Object::Dictionary(d));
    }
    notes.sort();
    let parent_tree_id = doc.add_object(Dictionary::from_iter(vec![(
        "Nums",
        Object::Array(parent_nums),
    )]));
    let mut root = Dictionary::new();
    root.set("Type", Object::Name(b"StructTreeRoot".to_vec()));
    root.set("K", Object::Reference(ids[0]));
    root.set("ParentTree", Object::Reference(parent_tree_id));
    root.set("ParentTreeNextKey", Object::Integer(next_key));
    if !notes.is_empty() {
        let names = notes
            .into_iter()
            .flat_map(|(n, id)| [Object::string_literal(n), Object::Reference(id)])
            .collect();
        root.set(
            "IDTree",
            Object::Dictionary(Dictionary::from_iter(vec![("Names", Object::Array(names))])),
        );
    }
    doc.objects.insert(root_id, Object::Dictionary(root));
    if let Ok(catalog) = doc.catalog_mut() {
        catalog.set("StructTreeRoot", Object::Reference(root_id));
        catalog.set(
            "MarkInfo",
            Object::Dictionary(Dictionary::from_iter(vec![(
                "Marked",
                Object::Boolean(true),
            )])),
        );
    }
}

/// What a link annotation says to a screen reader: the link's text, else (a picture that
/// is a link) where it goes.
fn link_contents(text: &str, annot: &Dictionary) -> String {
    if !text.trim().is_empty() {
        return text.trim().to_string();
    }
    let uri = annot
        .get(b"A")
        .and_then(Object::as_dict)
        .and_then(|a| a.get(b"URI"))
        .and_then(Object::as_str);
    match uri {
        Ok(u) => String::from_utf8_lossy(u).into_owned(),
        Err(_) => "Link within the book".to_string(),
    }
}

/// One element's dictionary: its kids as MCIDs (with `/Pg` when on another page than the
/// element's first), elements and annotation references.
fn elem_dict(
    e: &Elem,
    parent: ObjectId,
    pages: &[ObjectId],
    ids: &[ObjectId],
    annots: &HashMap<(usize, usize), ObjectId>,
) -> Dictionary {
    let home = e.kids.iter().find_map(|k| match k {
        Kid::Mcid(p, _) => Some(*p),
        _ => None,
    });
    let page_ref = |p: usize| {
        pages
            .get(p)
            .map_or(Object::Null, |id| Object::Reference(*id))
    };
    let kids: Vec<Object> = e
        .kids
        .iter()
        .map(|k| match *k {
            Kid::Elem(i) => Object::Reference(ids[i]),
            Kid::Mcid(p, m) if Some(p) == home => Object::Integer(m as i64),
            Kid::Mcid(p, m) => Object::Dictionary(Dictionary::from_iter(vec![
                ("Type", Object::Name(b"MCR".to_vec())),
                ("Pg", page_ref(p)),
                ("MCID", Object::Integer(m as i64)),
            ])),
            Kid::Annot(p, n) => Object::Dictionary(Dictionary::from_iter(vec![
                ("Type", Object::Name(b"OBJR".to_vec())),
                ("Pg", page_ref(p)),
                (
                    "Obj",
                    annots
                        .get(&(p, n))
                        .map_or(Object::Null, |id| Object::Reference(*id)),
                ),
            ])),
        })
        .collect();
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"StructElem".to_vec()));
    d.set("S", Object::Name(e.role.as_bytes().to_vec()));
    d.set("P", Object::Reference(parent));
    if let Some(p) = home {
        d.set("Pg", page_ref(p));
    }
    d.set("K", Object::Array(kids));
    if let Some(alt) = &e.alt {
        d.set("Alt", text_string(alt));
    }
    if let Some(lang) = &e.lang {
        d.set("Lang", text_string(lang));
    }
    if let Some(id) = &e.id {
        d.set("ID", Object::string_literal(id.as_str()));
    }
    if e.header {
        d.set(
            "A",
            Object::Dictionary(Dictionary::from_iter(vec![
                ("O", Object::Name(b"Table".to_vec())),
                ("Scope", Object::Name(b"Column".to_vec())),
            ])),
        );
    }
    d
}
