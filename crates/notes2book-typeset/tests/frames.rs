//! The typesetting engine's output on real notes: frames whose groups say which block
//! they come from and where it was written, furniture marked as such, anchors placed.

use std::path::Path;

use notes2book_model::vfs::MemFs;
use notes2book_typeset::{Document, Options, TagKind, typeset};

fn set(files: &[(&str, &str)], options: &Options) -> (Document, notes2book_model::Sources) {
    let mut fs = MemFs::new();
    for (name, body) in files {
        fs.insert(
            Path::new("book/content").join(name),
            body.as_bytes().to_vec(),
        );
    }
    let (parsed, _) = notes2book_tests::prepared_book(&fs, Path::new("book"), vec![]);
    let doc = typeset(&parsed.book, &|_| None, options);
    (doc, parsed.sources)
}

#[test]
fn groups_carry_the_kind_and_source_line_of_their_block() {
    let note = "# Alpha\n\nFirst paragraph.\n\n- one\n- two\n\n```\ncode\n```\n\n> quoted\n";
    let (doc, sources) = set(&[("a.md", note)], &Options::default());
    let mut seen: Vec<(TagKind, Option<usize>, Option<TagKind>)> = Vec::new();
    for g in doc.pages.iter().flat_map(|p| &p.groups) {
        let Some(tag) = &g.tag else { continue };
        let line = tag.span.and_then(|s| sources.locate(s)).map(|l| l.line);
        let parent = tag.parent.as_ref().map(|p| p.kind);
        if !seen.contains(&(tag.kind, line, parent)) {
            seen.push((tag.kind, line, parent));
        }
    }
    for want in [
        (TagKind::Paragraph, Some(3), None),
        (TagKind::Paragraph, Some(5), Some(TagKind::List)),
        (TagKind::Code, Some(8), None),
        (TagKind::Paragraph, Some(12), Some(TagKind::Quote)),
    ] {
        assert!(seen.contains(&want), "{want:?} not in {seen:?}");
    }
    // Every page's folio is furniture, not text.
    let artifacts = doc
        .pages
        .iter()
        .flat_map(|p| &p.groups)
        .filter(|g| g.tag.as_ref().is_some_and(|t| t.kind == TagKind::Artifact))
        .count();
    assert!(artifacts >= 2, "folios of the contents and the body");
}

#[test]
fn frames_stay_inside_the_page_and_anchors_point_into_them() {
    let body = "Some words. ".repeat(400);
    let note = format!("# Long\n\n{body}\n\n## Later {{#later}}\n\nEnd.\n");
    let options = Options {
        two_sided: true,
        ..Options::default()
    };
    let (doc, _) = set(&[("a.md", &note), ("b.md", "# B\n\nShort.\n")], &options);
    let (w, h) = options.page_size;
    for (i, page) in doc.pages.iter().enumerate() {
        assert_eq!((page.width, page.height), (w, h));
        for g in &page.groups {
            assert!(
                g.x >= 0.0 && g.x < w && g.y >= 0.0 && g.y < h,
                "page {i}: {g:?}"
            );
        }
    }
    // Two-sided: the body starts on a right-hand (odd) page, after title, blank, contents.
    assert_eq!(doc.front_pages % 2, 0);
    let later = doc
        .anchors
        .iter()
        .find(|((_, a), _)| a.as_deref() == Some("later"))
        .map(|(_, at)| *at)
        .expect("the heading's anchor");
    assert!(later.page > doc.front_pages + 1 && later.page <= doc.pages.len());
    assert!(later.y > 0.0 && later.y < options.text_height());
    let outline: Vec<&str> = doc.outline.iter().map(|b| b.title.as_str()).collect();
    assert_eq!(outline, ["Long", "B"]);
}
