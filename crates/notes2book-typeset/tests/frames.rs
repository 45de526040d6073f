//! The typesetting engine's output on real notes: frames whose groups say which block
//! they come from and where it was written, furniture marked as such, anchors placed.

use std::path::Path;

use notes2book_model::vfs::MemFs;
use notes2book_typeset::{Frame, Options, TagKind, typeset};

/// The book set: its faces and every page in order (the front matter, then the body's
/// pages as the sink got them).
struct Document {
    fonts: notes2book_typeset::fonts::FontSet,
    pages: Vec<Frame>,
    front_pages: usize,
    outline: Vec<notes2book_typeset::contents::Bookmark>,
    anchors: notes2book_typeset::document::Anchors,
    diagnostics: Vec<notes2book_model::Diagnostic>,
}

fn set(files: &[(&str, &str)], options: &Options) -> (Document, notes2book_model::Sources) {
    let mut fs = MemFs::new();
    for (name, body) in files {
        fs.insert(
            Path::new("book/content").join(name),
            body.as_bytes().to_vec(),
        );
    }
    let (parsed, _) = notes2book_tests::prepared_book(&fs, Path::new("book"), vec![]);
    let (fonts, mut diagnostics) = notes2book_typeset::setup_fonts(&parsed.book, options);
    let mut body = Vec::new();
    let mut next = 0;
    let set = typeset(
        &parsed.book,
        &fonts,
        &|_| None,
        options,
        &mut |first, frames| {
            assert_eq!(first, next, "batches come in order");
            next += frames.len();
            body.extend(frames);
        },
    );
    assert_eq!(set.body_pages, body.len());
    diagnostics.extend(set.diagnostics);
    let mut pages = set.front;
    pages.extend(body);
    let doc = Document {
        fonts,
        pages,
        front_pages: set.front_pages,
        outline: set.outline,
        anchors: set.anchors,
        diagnostics,
    };
    (doc, parsed.sources)
}

#[test]
fn groups_carry_the_kind_and_source_line_of_their_block() {
    let note = "# Alpha\n\nFirst paragraph.\n\n- one\n- two\n\n```\ncode\n```\n\n> quoted\n\n\
                | a | b |\n|---|---|\n| 1 | 2 |\n";
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
    let chapter = Some(TagKind::Chapter);
    for want in [
        (TagKind::Title, Some(1), chapter),
        (TagKind::Paragraph, Some(3), chapter),
        (TagKind::Paragraph, Some(5), Some(TagKind::ListItem)),
        (TagKind::Code, Some(8), chapter),
        (TagKind::Paragraph, Some(12), Some(TagKind::Quote)),
        (TagKind::TableRow, None, Some(TagKind::Table)),
    ] {
        assert!(seen.contains(&want), "{want:?} not in {seen:?}");
    }
    // Each list item is one of the list's; each cell of a row is marked as the row's.
    let items = doc
        .pages
        .iter()
        .flat_map(|p| &p.groups)
        .filter_map(|g| g.tag.as_ref()?.parent.clone())
        .filter(|t| t.kind == TagKind::ListItem)
        .map(|t| std::sync::Arc::as_ptr(&t))
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(items.len(), 2);
    let cells: Vec<(TagKind, Option<TagKind>)> = doc
        .pages
        .iter()
        .flat_map(|p| &p.groups)
        .flat_map(|g| &g.draws)
        .filter_map(|d| match d {
            notes2book_typeset::frame::Draw::Mark(t) => {
                Some((t.kind, t.parent.as_ref().map(|p| p.kind)))
            }
            _ => None,
        })
        .filter(|(k, _)| matches!(k, TagKind::TableCell(_)))
        .collect();
    let row = Some(TagKind::TableRow);
    assert_eq!(
        cells,
        [
            (TagKind::TableCell(true), row),
            (TagKind::TableCell(true), row),
            (TagKind::TableCell(false), row),
            (TagKind::TableCell(false), row)
        ]
    );
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

/// The ink of a group's drawings, top and bottom (y down), estimated for text from its
/// size and measured for math from the math font's glyph bounds.
fn ink(
    g: &notes2book_typeset::Group,
    math_face: Option<notes2book_typeset::fonts::FaceId>,
) -> Option<(f32, f32)> {
    use notes2book_typeset::frame::Draw;
    let font = notes2book_typeset::math::math_font().expect("math font");
    let (mut top, mut bottom) = (f32::MAX, f32::MIN);
    for d in &g.draws {
        match d {
            Draw::Glyphs {
                face,
                size,
                baseline,
                glyphs,
                ..
            } => {
                let base = g.y + baseline;
                if Some(*face) == math_face {
                    for gl in glyphs {
                        let [_, y0, _, y1] = font.bounds(gl.gid);
                        top = top.min(base - y1 * size / font.upem);
                        bottom = bottom.max(base - y0 * size / font.upem);
                    }
                } else {
                    top = top.min(base - size * 0.72);
                    bottom = bottom.max(base + size * 0.22);
                }
            }
            Draw::Rect { y, h, .. } => {
                top = top.min(g.y + y);
                bottom = bottom.max(g.y + y + h);
            }
            _ => {}
        }
    }
    (top < bottom).then_some((top, bottom))
}

#[test]
fn tall_formulas_in_a_paragraph_get_the_room_they_need() {
    let formula = r"$\dfrac{\sum_{i=1}^{n} x_i^2}{\prod_{j} y_j}$ and $\begin{pmatrix} a \\ b \\ c \end{pmatrix}$ and $\sqrt[3]{\frac{a}{b}}$";
    let para = format!("Some words {formula} then more words to fill the line. ").repeat(12);
    let note = format!("# Tall\n\n{para}\n\n$$\\int_0^1 f(x)\\,dx \\tag{{3}}$$\n");
    let (doc, _) = set(&[("a.md", &note)], &Options::default());
    assert!(doc.diagnostics.is_empty(), "{:?}", doc.diagnostics);
    let math = doc.fonts.math;
    assert!(math.is_some(), "a book with math has the math face");
    let mut lines = 0;
    for page in &doc.pages {
        let mut text: Vec<(f32, f32)> = page
            .groups
            .iter()
            .filter(|g| g.tag.as_ref().is_some_and(|t| t.kind == TagKind::Paragraph))
            .filter_map(|g| ink(g, math))
            .collect();
        text.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in text.windows(2) {
            lines += 1;
            assert!(
                pair[0].1 <= pair[1].0 + 0.01,
                "a line's ink ({:?}) runs into the next line's ({:?})",
                pair[0],
                pair[1]
            );
        }
    }
    assert!(lines >= 8, "the paragraph has lines: {lines}");
}

#[test]
fn a_formula_wider_than_the_line_is_set_smaller_not_into_the_margin() {
    let long = "a_1 + b^2 + ".repeat(60);
    let note = format!("# Wide\n\nText ${long} z$ and more.\n\n$$ {long} z $$\n");
    let options = Options::default();
    let (doc, _) = set(&[("a.md", &note)], &options);
    let scaled = doc
        .diagnostics
        .iter()
        .filter(|d| d.code == "pdf-math-scaled")
        .count();
    assert_eq!(scaled, 2, "{:?}", doc.diagnostics);
    let font = notes2book_typeset::math::math_font().expect("math font");
    let right = options.margins.inner + options.measure();
    for page in &doc.pages {
        for g in &page.groups {
            for d in &g.draws {
                if let notes2book_typeset::frame::Draw::Glyphs {
                    face, size, glyphs, ..
                } = d
                    && Some(*face) == doc.fonts.math
                {
                    for gl in glyphs {
                        let end = g.x + gl.x + font.advance(gl.gid) * size / font.upem;
                        assert!(end <= right + 0.5, "a glyph ends at {end}, past {right}");
                    }
                }
            }
        }
    }
}

#[test]
fn only_a_piece_that_cannot_fit_is_overfull() {
    let overfull = |note: &str| {
        let (doc, _) = set(&[("a.md", note)], &Options::default());
        doc.diagnostics
            .iter()
            .filter(|d| d.code == "pdf-overfull")
            .count()
    };
    // A run of ideographs is one "word" that may break between any two of them; a URL may
    // break after its slashes.
    assert_eq!(
        overfull(&format!(
            "# A\n\n{}\n",
            "这是一个很长的中文段落。".repeat(40)
        )),
        0
    );
    assert_eq!(
        overfull(&format!(
            "# A\n\nSee {}.\n",
            "https://example.org/a-path".repeat(12)
        )),
        0
    );
    // A table cell whose space before closing punctuation cannot break (`, ...)`) gets a
    // column as wide as the piece that makes.
    let words = "word ".repeat(40);
    assert_eq!(
        overfull(&format!(
            "# A\n\n| A | B |\n|---|---|\n| `expr(expr, ...)` | {words} |\n"
        )),
        0
    );
    // A wide table of short columns and JSON: the short ones keep their words, the JSON
    // wraps after its commas and colons.
    let json = r#"[{"id":1,"name":"A","children":[{"id":2,"name":"B"}]},{"id":3,"name":"C"}]"#;
    let table = format!(
        "| key | value | type | atom | id | parent | fullkey | path |\n|---|---|---|---|---|---|---|---|\n| children | {json} | integer | 1 | 3 | 1 | $[0].children[0].name | $[0].children[0] |\n"
    );
    assert_eq!(overfull(&format!("# A\n\n{table}")), 0);
    // One piece longer than the line is still reported.
    assert_eq!(overfull(&format!("# A\n\n{}\n", "x".repeat(300))), 1);
}

/// The fixture's Noto subsets, as fallback fonts.
fn script_fonts() -> Vec<notes2book_typeset::fonts::FallbackFont> {
    let dir = notes2book_tests::repo().join("tests/fixtures/scripts/fonts");
    [
        "NotoSerifCJKsc-subset.otf",
        "NotoNaskhArabic-subset.ttf",
        "NotoSerifHebrew-subset.ttf",
    ]
    .iter()
    .map(|f| notes2book_typeset::fonts::FallbackFont {
        name: f.to_string(),
        bytes: std::fs::read(dir.join(f)).expect("fixture font").into(),
        index: 0,
    })
    .collect()
}

/// The drawings of every paragraph of the document.
fn paragraph_draws(doc: &Document) -> impl Iterator<Item = &notes2book_typeset::frame::Draw> {
    doc.pages
        .iter()
        .flat_map(|p| &p.groups)
        .filter(|g| g.tag.as_ref().is_some_and(|t| t.kind == TagKind::Paragraph))
        .flat_map(|g| &g.draws)
}

/// The default options with the fixture's fonts as fallbacks.
fn script_options() -> Options {
    Options {
        fallback_fonts: script_fonts(),
        ..Options::default()
    }
}

/// Each text line of the first body page: (baseline, leftmost glyph x, rightmost glyph x)
/// in page coordinates, top to bottom.
fn text_lines(doc: &Document) -> Vec<(f32, f32, f32)> {
    use notes2book_typeset::frame::Draw;
    let page = doc
        .pages
        .iter()
        .find(|p| {
            p.groups
                .iter()
                .any(|g| g.tag.as_ref().is_some_and(|t| t.kind == TagKind::Paragraph))
        })
        .expect("a page of text");
    let mut lines: Vec<(f32, f32, f32)> = Vec::new();
    for g in &page.groups {
        if !g.tag.as_ref().is_some_and(|t| t.kind == TagKind::Paragraph) {
            continue;
        }
        for d in &g.draws {
            let Draw::Glyphs {
                baseline, glyphs, ..
            } = d
            else {
                continue;
            };
            let y = g.y + baseline;
            for gl in glyphs {
                let x = g.x + gl.x;
                match lines.iter_mut().find(|l| (l.0 - y).abs() < 0.5) {
                    Some(l) => {
                        l.1 = l.1.min(x);
                        l.2 = l.2.max(x);
                    }
                    None => lines.push((y, x, x)),
                }
            }
        }
    }
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    lines
}

#[test]
fn chinese_is_justified_by_space_between_its_characters() {
    let options = script_options();
    let para =
        "排版引擎应该在汉字之间均匀地增加空隙，使每一行都与右边界对齐，就像一本印刷精美的书。"
            .repeat(3);
    let (doc, _) = set(&[("a.md", &format!("# 书\n\n{para}\n"))], &options);
    let lines = text_lines(&doc);
    assert!(lines.len() >= 4, "{lines:?}");
    // Every line but the last ends with a full-width character at the right edge: their
    // last glyphs start at the same x.
    let right = lines[0].2;
    for l in &lines[..lines.len() - 1] {
        assert!((l.2 - right).abs() < 0.3, "ragged: {l:?} vs {right}");
    }
    assert!(lines[lines.len() - 1].2 <= right + 0.3);
}

#[test]
fn right_to_left_paragraphs_start_at_the_right() {
    let options = script_options();
    let para = "مرحبا بالعالم. هذه فقرة عربية كاملة تبدأ بحرف عربي، وفيها رقم 2024 وكلمة English في الوسط، ويجب أن تكون محاذاة السطور إلى اليمين.";
    let (doc, _) = set(&[("a.md", &format!("# ع\n\n{para}\n"))], &options);
    let lines = text_lines(&doc);
    assert!(lines.len() >= 2, "{lines:?}");
    let (first, last) = (lines[0], lines[lines.len() - 1]);
    // The short last line hangs from the right edge, like the full first line.
    assert!(
        last.1 > first.1 + 50.0,
        "last line starts at the left: {lines:?}"
    );
    assert!(
        (last.2 - first.2).abs() < 12.0,
        "last line does not reach the right: {lines:?}"
    );
    // A right-to-left list: text and markers at the right.
    let (doc, _) = set(&[("a.md", "# ع\n\n- عنصر\n- عنصر آخر\n")], &options);
    let items = text_lines(&doc);
    let (w, _) = options.page_size;
    for l in &items {
        assert!(l.1 > w / 2.0, "a list item starts at the left: {items:?}");
        assert!(l.2 > w - options.margins.outer - 30.0, "{items:?}");
    }
    // The same paragraph in English starts at the left.
    let (doc, _) = set(
        &[(
            "a.md",
            "# E\n\nA short English paragraph that fills more than one line of the page, so that its last line is a short one at the left.\n",
        )],
        &options,
    );
    let en = text_lines(&doc);
    assert!((en[en.len() - 1].1 - en[0].1).abs() < 0.5, "{en:?}");
}

#[test]
fn a_note_in_traditional_chinese_gets_its_glyph_forms() {
    use notes2book_typeset::frame::Draw;
    let options = script_options();
    let hans = "---\ntitle: A\nlang: zh-Hans\n---\n\n骨\n";
    let hant = "---\ntitle: B\nlang: zh-Hant\n---\n\n骨\n";
    let gids = |note: &str| -> Vec<u16> {
        let (doc, _) = set(&[("a.md", note)], &options);
        paragraph_draws(&doc)
            .filter_map(|d| match d {
                Draw::Glyphs { glyphs, .. } => Some(glyphs.iter().map(|g| g.gid)),
                _ => None,
            })
            .flatten()
            .collect()
    };
    let (a, b) = (gids(hans), gids(hant));
    assert_eq!((a.len(), b.len()), (1, 1));
    // The same Pan-CJK face, the note's language's form of 骨 (OpenType locl).
    assert_ne!(a, b);
}

#[test]
fn justified_lines_are_expanded_by_at_most_two_percent_and_only_with_microtype() {
    use notes2book_typeset::frame::Draw;
    let body = "The quick brown fox jumps over the lazy dog, and many more words follow it here. "
        .repeat(30);
    let note = format!("# A\n\n{body}\n");
    let stretches = |options: &Options| -> Vec<f32> {
        let (doc, _) = set(&[("a.md", &note)], options);
        paragraph_draws(&doc)
            .filter_map(|d| match d {
                Draw::Glyphs { stretch, .. } => Some(*stretch),
                _ => None,
            })
            .collect()
    };
    let on = stretches(&Options::default());
    assert!(
        on.iter().all(|s| (0.98 - 1e-4..=1.02 + 1e-4).contains(s)),
        "{on:?}"
    );
    assert!(
        on.iter().any(|s| (s - 1.0).abs() > 1e-3),
        "no line was expanded"
    );
    let off = stretches(&Options {
        microtype: false,
        ..Options::default()
    });
    assert!(off.iter().all(|s| *s == 1.0), "{off:?}");
}
