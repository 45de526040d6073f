//! Tagged PDF: every text run and picture of every page is marked content that one
//! element of the structure tree owns (or an artifact: running heads, folios, rules,
//! leaders), the tree reads in the order of the page, and the PDF/UA-1 validators pass.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lopdf::{Dictionary, Document, Object, ObjectId};
use notes2book_tests::{pdfua, repo, run_env, stderr, tool};

fn build(dir: &Path, out: &Path) -> PathBuf {
    let o = run_env(dir, &["--pdf", "-o", &out.display().to_string()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::read_dir(out)
        .expect("out dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .expect("a PDF")
}

/// What a piece of page content is marked as.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Marked {
    Mcid(i64),
    Furniture,
    Layout,
    Nothing,
}

/// One page's content: its MCIDs in stream order, and what each text-showing or
/// XObject-painting operator was marked as (and whether it shows text).
#[derive(Debug, Default)]
struct PageScan {
    mcids: Vec<i64>,
    painted: Vec<(Marked, bool)>,
}

fn scan(doc: &Document, page: ObjectId) -> PageScan {
    let bytes = doc.get_page_content(page);
    let content = lopdf::content::Content::decode(&bytes).expect("content decodes");
    let mut stack: Vec<Marked> = Vec::new();
    let mut out = PageScan::default();
    for op in &content.operations {
        match op.operator.as_str() {
            "BMC" | "BDC" => {
                let tag = op.operands.first().and_then(|o| o.as_name().ok());
                let props = op.operands.get(1).and_then(|o| o.as_dict().ok());
                let mcid = props.and_then(|d| d.get(b"MCID").ok()?.as_i64().ok());
                let m = match (tag, mcid) {
                    (_, Some(id)) => {
                        out.mcids.push(id);
                        Marked::Mcid(id)
                    }
                    (Some(b"Artifact"), _) => {
                        let ty = props.and_then(|d| d.get(b"Type").ok()?.as_name().ok());
                        if ty == Some(b"Pagination") {
                            Marked::Furniture
                        } else {
                            Marked::Layout
                        }
                    }
                    _ => Marked::Nothing,
                };
                stack.push(m);
            }
            "EMC" => {
                assert!(stack.pop().is_some(), "EMC without BMC/BDC");
            }
            "Tj" | "TJ" | "'" | "\"" | "Do" => {
                let m = stack
                    .iter()
                    .rev()
                    .copied()
                    .find(|m| *m != Marked::Nothing)
                    .unwrap_or(Marked::Nothing);
                out.painted.push((m, op.operator != "Do"));
            }
            _ => {}
        }
    }
    assert!(stack.is_empty(), "marked content left open: {stack:?}");
    out
}

/// An element of the structure tree in reading order: its role, alternative text, and
/// its marked content as (page index, MCID).
#[derive(Debug)]
struct Elem {
    role: String,
    alt: Option<String>,
    lang: Option<String>,
    content: Vec<(usize, i64)>,
    annots: usize,
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).expect("object"),
        o => o,
    }
}

fn text(o: &Object) -> String {
    match o {
        Object::String(b, _) if b.starts_with(&[0xFE, 0xFF]) => {
            let units: Vec<u16> = b[2..]
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        Object::String(b, _) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

/// The tree's elements depth first, and all their marked content in the order a screen
/// reader reads it: (page index, MCID, roles from the top, as `Document/Sect/P`).
fn walk(
    doc: &Document,
    pages: &BTreeMap<ObjectId, usize>,
    (d, above): (&Dictionary, &str),
    out: &mut Vec<Elem>,
    read: &mut Vec<(usize, i64, String)>,
) {
    let page_of = |d: &Dictionary| {
        d.get(b"Pg")
            .ok()
            .and_then(|p| p.as_reference().ok())
            .and_then(|id| pages.get(&id).copied())
    };
    let home = page_of(d);
    let at = out.len();
    out.push(Elem {
        role: String::from_utf8_lossy(d.get(b"S").and_then(Object::as_name).unwrap_or(b"?"))
            .into_owned(),
        alt: d.get(b"Alt").ok().map(text),
        lang: d.get(b"Lang").ok().map(text),
        content: Vec::new(),
        annots: 0,
    });
    let path = format!("{above}/{}", out[at].role);
    let kids = match d.get(b"K").map(|k| deref(doc, k)) {
        Ok(Object::Array(a)) => a.clone(),
        Ok(other) => vec![other.clone()],
        Err(_) => Vec::new(),
    };
    for kid in &kids {
        match kid {
            Object::Integer(m) => {
                let p = home.expect("an element with MCIDs has /Pg");
                out[at].content.push((p, *m));
                read.push((p, *m, path.clone()));
            }
            Object::Reference(_) => {
                if let Object::Dictionary(k) = deref(doc, kid) {
                    walk(doc, pages, (k, &path), out, read);
                }
            }
            Object::Dictionary(k) => match k.get(b"Type").and_then(Object::as_name) {
                Ok(b"MCR") => {
                    let p = page_of(k).expect("an MCR has /Pg");
                    let m = k.get(b"MCID").and_then(Object::as_i64).expect("MCID");
                    out[at].content.push((p, m));
                    read.push((p, m, path.clone()));
                }
                Ok(b"OBJR") => {
                    let annot = k.get(b"Obj").map(|o| deref(doc, o)).expect("/Obj");
                    let annot = annot.as_dict().expect("an annotation");
                    assert!(annot.get(b"StructParent").is_ok(), "{annot:?}");
                    assert!(!text(annot.get(b"Contents").expect("/Contents")).is_empty());
                    out[at].annots += 1;
                }
                other => panic!("unexpected kid {other:?}"),
            },
            other => panic!("unexpected kid {other:?}"),
        }
    }
}

/// Scan every page and walk the tree; check that they describe the same content.
fn check_tagged(pdf: &Path) -> Vec<Elem> {
    if let Some(pdfinfo) = tool("pdfinfo") {
        let o = std::process::Command::new(pdfinfo)
            .arg(pdf)
            .output()
            .expect("pdfinfo");
        let info = String::from_utf8_lossy(&o.stdout);
        assert!(info.contains("Tagged:          yes"), "{info}");
    }
    let doc = Document::load(pdf).expect("lopdf reads the PDF");
    let page_ids: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    let pages: BTreeMap<ObjectId, usize> = page_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let catalog = doc.catalog().expect("catalog");
    let marked = catalog
        .get(b"MarkInfo")
        .map(|m| deref(&doc, m))
        .and_then(Object::as_dict)
        .and_then(|m| m.get(b"Marked"))
        .and_then(Object::as_bool);
    assert_eq!(marked.ok(), Some(true));
    let root = deref(
        &doc,
        catalog.get(b"StructTreeRoot").expect("a structure tree"),
    );
    let root = root.as_dict().expect("StructTreeRoot");
    let top = deref(&doc, root.get(b"K").expect("/K"))
        .as_dict()
        .expect("one top element");
    let mut elems = Vec::new();
    let mut read = Vec::new();
    walk(&doc, &pages, (top, ""), &mut elems, &mut read);
    assert_eq!(elems[0].role, "Document");

    let scans: Vec<PageScan> = page_ids.iter().map(|id| scan(&doc, *id)).collect();
    // The tree holds every MCID of every page once, and no other.
    let in_tree: Vec<(usize, i64)> = read.iter().map(|(p, m, _)| (*p, *m)).collect();
    let set: BTreeSet<(usize, i64)> = in_tree.iter().copied().collect();
    assert_eq!(set.len(), in_tree.len(), "an MCID owned twice");
    let in_pages: BTreeSet<(usize, i64)> = scans
        .iter()
        .enumerate()
        .flat_map(|(p, s)| s.mcids.iter().map(move |m| (p, *m)))
        .collect();
    assert_eq!(
        set, in_pages,
        "the tree and the pages' marked content differ"
    );
    // Reading the tree reads each page in the order it is written.
    for p in 0..page_ids.len() {
        let order: Vec<(i64, &str)> = read
            .iter()
            .filter(|(q, _, _)| *q == p)
            .map(|(_, m, r)| (*m, r.as_str()))
            .collect();
        assert!(
            order.is_sorted_by_key(|(m, _)| *m),
            "page {}: tree order {order:?}",
            p + 1
        );
    }
    // Everything painted is content or an artifact; text outside the tree is only
    // furniture (a running head and a folio) and the contents' leaders.
    for (p, s) in scans.iter().enumerate() {
        let count = |m: fn(&(Marked, bool)) -> bool| s.painted.iter().filter(|x| m(x)).count();
        assert_eq!(
            count(|m| m.0 == Marked::Nothing),
            0,
            "page {}: unmarked",
            p + 1
        );
        assert!(count(|m| m.0 == Marked::Furniture) <= 8, "page {}", p + 1);
        let contents_page = read
            .iter()
            .any(|(q, _, path)| *q == p && path.contains("/TOCI"));
        if !contents_page {
            assert_eq!(count(|m| *m == (Marked::Layout, true)), 0, "page {}", p + 1);
        }
    }
    // Every link annotation is in the tree.
    let annots: usize = page_ids
        .iter()
        .filter_map(|id| doc.get_dictionary(*id).ok())
        .map(|d| {
            assert_eq!(
                d.get(b"Tabs").and_then(Object::as_name).ok(),
                Some(&b"S"[..])
            );
            match d.get(b"Annots").map(|a| deref(&doc, a)) {
                Ok(Object::Array(a)) => a.len(),
                _ => 0,
            }
        })
        .sum();
    assert_eq!(annots, elems.iter().map(|e| e.annots).sum::<usize>());
    elems
}

fn assert_pdfua(pdf: &Path) {
    if let Some(report) = pdfua(pdf) {
        assert!(
            report.failures.is_empty(),
            "{:?} on {}:\n{}",
            report.validators,
            pdf.display(),
            report.failures.join("\n")
        );
    }
}

#[test]
fn the_sample_book_is_tagged_and_passes_pdfua() {
    let out = tempfile::tempdir().expect("tmp");
    let pdf = build(&repo(), out.path());
    let elems = check_tagged(&pdf);
    let roles: BTreeSet<&str> = elems.iter().map(|e| e.role.as_str()).collect();
    for r in [
        "Sect", "H1", "H2", "P", "L", "LI", "Lbl", "LBody", "Figure", "Link", "TOC", "TOCI",
    ] {
        assert!(roles.contains(r), "no {r} in {roles:?}");
    }
    for e in elems.iter().filter(|e| e.role == "Figure") {
        assert!(e.alt.as_ref().is_some_and(|a| !a.is_empty()), "{e:?}");
    }
    assert_pdfua(&pdf);
}

const NOTE: &str = "---\ntitle: Everything\n---\n\
Text with a [link](https://example.org/) and a note.[^n]\n\n\
## A section\n\n\
1. first item\n2. second item\n\n\
| Name | Value |\n|------|------:|\n| a | 1 |\n|  | 2 |\n\n\
> A quotation.\n\n\
$$\nE = mc^2\n$$\n\n\
```\nlet x = 1;\n```\n\n\
{{< figure src=\"timeline.png\" alt=\"A timeline of clocks\" caption=\"Clocks through the ages\" >}}\n\n\
![](timeline.png)\n\n\
[^n]: The note's text.\n";

#[test]
fn every_kind_of_block_has_its_element() {
    let dir = tempfile::tempdir().expect("tmp");
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).expect("mkdir");
    std::fs::write(content.join("a.md"), NOTE).expect("write");
    std::fs::write(
        content.join("b.md"),
        "---\ntitle: Auf Deutsch\nlang: de\n---\nEin Absatz.\n",
    )
    .expect("write");
    std::fs::copy(
        repo().join("content/static/images/timeline.png"),
        content.join("timeline.png"),
    )
    .expect("copy");
    let out = dir.path().join("out");
    let pdf = build(dir.path(), &out);
    let elems = check_tagged(&pdf);
    let roles: Vec<&str> = elems.iter().map(|e| e.role.as_str()).collect();
    for r in [
        "Sect",
        "H1",
        "H2",
        "P",
        "L",
        "LI",
        "Lbl",
        "LBody",
        "Table",
        "TR",
        "TH",
        "TD",
        "BlockQuote",
        "Formula",
        "Code",
        "Figure",
        "Caption",
        "Note",
        "Link",
    ] {
        assert!(roles.contains(&r), "no {r} in {roles:?}");
    }
    // Two header cells and four body cells, the empty one included.
    assert_eq!(roles.iter().filter(|r| **r == "TH").count(), 2);
    assert_eq!(roles.iter().filter(|r| **r == "TD").count(), 4);
    // The described picture has its words; the undescribed one is decoration.
    let figures: Vec<&Elem> = elems.iter().filter(|e| e.role == "Figure").collect();
    assert_eq!(figures.len(), 1, "{figures:?}");
    assert_eq!(figures[0].alt.as_deref(), Some("A timeline of clocks"));
    let formula = elems.iter().find(|e| e.role == "Formula").expect("formula");
    assert_eq!(formula.alt.as_deref(), Some("E = mc^2"));
    // The German note's section says so; the English one inherits the book's language.
    let langs: Vec<Option<&str>> = elems
        .iter()
        .filter(|e| e.role == "Sect")
        .map(|e| e.lang.as_deref())
        .collect();
    assert_eq!(langs, [None, Some("de")]);
    // The note's text is in the Note; the link's annotation in the Link.
    let note = elems.iter().position(|e| e.role == "Note").expect("a Note");
    assert_eq!(elems[note + 1].role, "P");
    assert!(!elems[note + 1].content.is_empty());
    assert!(
        elems
            .iter()
            .any(|e| e.role == "Link" && e.annots == 1 && !e.content.is_empty())
    );
    assert_pdfua(&pdf);
}

/// A character no font has is drawn as a box, never as the font's .notdef glyph (which
/// PDF/UA forbids showing), and still reads back.
#[test]
fn a_character_no_font_has_is_a_box_that_reads_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).expect("mkdir");
    std::fs::write(
        content.join("a.md"),
        "# Icons\n\nAn icon \u{E5EE} in the text.\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let pdf = build(dir.path(), &out);
    let doc = Document::load(&pdf).expect("lopdf reads the PDF");
    for (_, page) in doc.get_pages() {
        let content =
            lopdf::content::Content::decode(&doc.get_page_content(page)).expect("content decodes");
        for op in content.operations.iter().filter(|o| o.operator == "TJ") {
            for item in op.operands.iter().flat_map(|o| o.as_array().ok()).flatten() {
                if let Object::String(b, _) = item {
                    assert!(!b.chunks(2).any(|c| c == [0, 0]), "glyph 0 shown: {b:?}");
                }
            }
        }
    }
    if let Some(pdftotext) = tool("pdftotext") {
        let o = std::process::Command::new(pdftotext)
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains('\u{E5EE}'), "{text}");
    }
    check_tagged(&pdf);
    assert_pdfua(&pdf);
}
