//! The structure tree of the tagged PDF, built from what each page's marked content
//! belongs to ([`crate::tagging`]), in reading order: Document, a Sect per chapter,
//! headings, paragraphs, lists, tables, figures and formulas with their alternative text,
//! notes, links with their annotations, the contents. Then the ParentTree that maps each
//! MCID and annotation back to its element, `/MarkInfo`, and the pages' `/StructParents`
//! and tab order.

use std::collections::HashMap;
use std::sync::Arc;

use lopdf::{Dictionary, Object};
use notes2book_typeset::frame::{Tag, TagKind};

use crate::assemble::Annots;
use crate::finish::text_string;
use crate::tagging::{Event, Owner, PageTags, struct_type};
use crate::writer::{Id, Out, reference};

/// A kid of a structure element. (Numbers are `u32`, and what few elements have is boxed
/// apart: a big book's tree has hundreds of thousands of elements and kids.)
#[derive(Debug, Clone, Copy)]
enum Kid {
    Elem(u32),
    /// Marked content: page index and MCID.
    Mcid(u32, u32),
    /// A link annotation: page index and its place in the page's links.
    Annot(u32, u32),
}

/// `n` as a kid's number (a book never has four billion pages or elements).
fn n32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Debug)]
struct Elem {
    role: &'static str,
    parent: Option<u32>,
    kids: Vec<Kid>,
    extra: Option<Box<Extra>>,
}

/// What only some elements have.
#[derive(Debug, Default)]
struct Extra {
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
        elem.parent = Some(n32(parent));
        self.elems.push(elem);
        let kids = &mut self.elems[parent].kids;
        if first {
            kids.insert(0, Kid::Elem(n32(i)));
        } else {
            kids.push(Kid::Elem(n32(i)));
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
                parent = item as usize;
            }
        }
        let mut elem = Elem::new(role, None);
        let extra = Extra {
            alt: tag.alt.clone(),
            lang: tag
                .lang
                .clone()
                .filter(|l| !l.eq_ignore_ascii_case(&self.book_lang)),
            id: (tag.kind == TagKind::Footnote).then(|| format!("note-{}", self.elems.len())),
            header: tag.kind == TagKind::TableCell(true),
        };
        let any = extra.alt.is_some() || extra.lang.is_some() || extra.id.is_some();
        if any || extra.header {
            elem.extra = Some(Box::new(extra));
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
            parent: parent.map(n32),
            kids: Vec::new(),
            extra: None,
        }
    }

    fn extra(&self) -> &Extra {
        static NONE: Extra = Extra {
            alt: None,
            lang: None,
            id: None,
            header: false,
        };
        self.extra.as_deref().unwrap_or(&NONE)
    }
}

/// The tree of a book's pages and, for each page, the element each MCID belongs to.
#[derive(Debug)]
pub struct Structure {
    tree: Tree,
    owners: Vec<Vec<u32>>,
}

impl Structure {
    /// The tree from the pages' tags, in page order.
    pub fn build(tags: &[PageTags], language: &str) -> Structure {
        let mut tree = Tree::new(language);
        let mut owners: Vec<Vec<u32>> = vec![Vec::new(); tags.len()];
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
                        tree.elems[i].kids.push(Kid::Mcid(n32(p), n32(mcid)));
                        owners[p].push(n32(i));
                    }
                }
            }
            for (n, link) in page.links.iter().enumerate().filter(|(_, l)| l.written) {
                let i = tree.link(p, n, link.parent.as_ref());
                tree.elems[i].kids.push(Kid::Annot(n32(p), n32(n)));
            }
        }
        Structure { tree, owners }
    }

    /// The element of page `p`'s link `n` (the document's when it has none).
    pub fn link_elem(&self, p: usize, n: usize) -> usize {
        self.tree.links.get(&(p, n)).copied().unwrap_or(0)
    }

    /// Write the elements, the ParentTree and the root, once the pages and their
    /// annotations are written; the root's object.
    pub fn write(&self, file: &mut Out<'_>, pages: &[Id], annots: &Annots) -> Id {
        let tree = &self.tree;
        let root_id = file.reserve();
        let first = file.reserve_many(tree.elems.len());
        let ids: Vec<Id> = (0..tree.elems.len()).map(|i| first + i as Id).collect();
        let mut notes: Vec<(String, Id)> = Vec::new();
        for (i, e) in tree.elems.iter().enumerate() {
            let parent = e.parent.map_or(root_id, |p| ids[p as usize]);
            let d = elem_dict(e, parent, pages, &ids, &annots.ids);
            if let Some(id) = &e.extra().id {
                notes.push((id.clone(), ids[i]));
            }
            file.dict(ids[i], &d);
        }
        notes.sort();
        let mut nums: Vec<Object> = Vec::with_capacity(2 * pages.len() + 2 * annots.keys.len());
        for (p, owners) in self.owners.iter().enumerate() {
            let row = owners.iter().map(|&i| reference(ids[i as usize])).collect();
            nums.push(Object::Integer(p as i64));
            nums.push(Object::Array(row));
        }
        for &(key, elem) in &annots.keys {
            nums.push(Object::Integer(key));
            nums.push(reference(ids[elem]));
        }
        let parent_tree_id = file.reserve();
        file.dict(
            parent_tree_id,
            &Dictionary::from_iter(vec![("Nums", Object::Array(nums))]),
        );
        let mut root = Dictionary::new();
        root.set("Type", Object::Name(b"StructTreeRoot".to_vec()));
        root.set("K", reference(ids[0]));
        root.set("ParentTree", reference(parent_tree_id));
        root.set("ParentTreeNextKey", Object::Integer(annots.next_key()));
        if !notes.is_empty() {
            let names = notes
                .into_iter()
                .flat_map(|(n, id)| [Object::string_literal(n), reference(id)])
                .collect();
            root.set(
                "IDTree",
                Object::Dictionary(Dictionary::from_iter(vec![("Names", Object::Array(names))])),
            );
        }
        file.dict(root_id, &root);
        root_id
    }
}

/// One element's dictionary: its kids as MCIDs (with `/Pg` when on another page than the
/// element's first), elements and annotation references.
fn elem_dict(
    e: &Elem,
    parent: Id,
    pages: &[Id],
    ids: &[Id],
    annots: &HashMap<(usize, usize), Id>,
) -> Dictionary {
    let home = e.kids.iter().find_map(|k| match k {
        Kid::Mcid(p, _) => Some(*p as usize),
        _ => None,
    });
    let page_ref = |p: usize| pages.get(p).map_or(Object::Null, |id| reference(*id));
    let kids: Vec<Object> = e
        .kids
        .iter()
        .map(|k| match *k {
            Kid::Elem(i) => reference(ids[i as usize]),
            Kid::Mcid(p, m) if Some(p as usize) == home => Object::Integer(i64::from(m)),
            Kid::Mcid(p, m) => Object::Dictionary(Dictionary::from_iter(vec![
                ("Type", Object::Name(b"MCR".to_vec())),
                ("Pg", page_ref(p as usize)),
                ("MCID", Object::Integer(i64::from(m))),
            ])),
            Kid::Annot(p, n) => Object::Dictionary(Dictionary::from_iter(vec![
                ("Type", Object::Name(b"OBJR".to_vec())),
                ("Pg", page_ref(p as usize)),
                (
                    "Obj",
                    annots
                        .get(&(p as usize, n as usize))
                        .map_or(Object::Null, |id| reference(*id)),
                ),
            ])),
        })
        .collect();
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"StructElem".to_vec()));
    d.set("S", Object::Name(e.role.as_bytes().to_vec()));
    d.set("P", reference(parent));
    if let Some(p) = home {
        d.set("Pg", page_ref(p));
    }
    d.set("K", Object::Array(kids));
    let extra = e.extra();
    if let Some(alt) = &extra.alt {
        d.set("Alt", text_string(alt));
    }
    if let Some(lang) = &extra.lang {
        d.set("Lang", text_string(lang));
    }
    if let Some(id) = &extra.id {
        d.set("ID", Object::string_literal(id.as_str()));
    }
    if extra.header {
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
