//! Headings and links a reader can navigate by, in every output: heading levels without
//! gaps under the chapter title (a note that jumps from `#` to `###` is renumbered, said
//! once per note in a note diagnostic shown with `-v`), no empty headings, and no link
//! without text (it gets its address, or the title of the chapter it leads to).

use notes2book_model::{
    Block, Chapter, Diagnostic, Inline, Link, LinkTarget, plain_text, walk_blocks_mut,
};

/// The diagnostic code for renumbered headings (shown with `-v` only).
pub const RENUMBERED: &str = "heading-renumbered";

pub fn tidy(chapters: &mut [Chapter], diags: &mut Vec<Diagnostic>) {
    let titles: Vec<String> = chapters.iter().map(|c| c.title.clone()).collect();
    for ch in chapters.iter_mut() {
        if let Some(d) = missing_alt(&ch.blocks) {
            diags.push(d);
        }
        drop_empty_headings(&mut ch.blocks);
        if let Some(d) = renumber(&mut ch.blocks) {
            diags.push(d);
        }
        let notes = ch.footnotes.iter_mut().map(|f| &mut f.blocks);
        for blocks in std::iter::once(&mut ch.blocks).chain(notes) {
            walk_blocks_mut(blocks, &mut |b| {
                for inlines in own_inlines(b) {
                    name_links(inlines, &titles);
                }
            });
        }
    }
}

/// One warning per note for its images that nothing describes: no alternative text and
/// no caption. Readers who cannot see them hear nothing.
fn missing_alt(blocks: &[Block]) -> Option<Diagnostic> {
    let mut spans = Vec::new();
    notes2book_model::walk_images(blocks, &mut |described, span| {
        if !described {
            spans.push(span);
        }
    });
    let first = *spans.first()?;
    let n = spans.len();
    let what = if n == 1 {
        "this image has no alternative text".to_owned()
    } else {
        format!(
            "this image and {} more in this note have no alternative text",
            n - 1
        )
    };
    let mut d = Diagnostic::warning(
        "image-no-alt",
        format!("{what}: a reader who cannot see it hears nothing"),
    )
    .hint("say what the image shows: `![a clock face at noon](clock.png)`, or give it a caption");
    if let Some(s) = first {
        d = d.at(s);
    }
    Some(d)
}

fn is_empty_heading(b: &Block) -> bool {
    matches!(b, Block::Heading { content, .. }
        if plain_text(content).trim().is_empty()
            && !content.iter().any(|i| matches!(i, Inline::Image { .. } | Inline::Math { .. })))
}

/// Headings with nothing in them (`### ` alone on a line) are left out.
fn drop_empty_headings(blocks: &mut Vec<Block>) {
    blocks.retain(|b| !is_empty_heading(b));
    walk_blocks_mut(blocks, &mut |b| match b {
        Block::BlockQuote { blocks, .. }
        | Block::Callout { blocks, .. }
        | Block::Details { blocks, .. }
        | Block::Embed { blocks, .. } => blocks.retain(|b| !is_empty_heading(b)),
        Block::List { items, .. } => {
            for i in items {
                i.blocks.retain(|b| !is_empty_heading(b));
            }
        }
        _ => {}
    });
}

/// Levels without gaps: a heading is one level below the nearest heading before it that
/// was written higher, and the first ones are level 2 (the chapter title is 1). A whole
/// note written one or two levels off is only shifted, which needs no word; a note whose
/// levels had to close a gap gets a note at its first such heading.
fn renumber(blocks: &mut [Block]) -> Option<Diagnostic> {
    let mut stack: Vec<(u8, u8)> = Vec::new();
    let mut shift: Option<i16> = None;
    let mut first_gap: Option<(u8, u8, Option<notes2book_model::Span>)> = None;
    walk_blocks_mut(blocks, &mut |b| {
        let Block::Heading { level, span, .. } = b else {
            return;
        };
        let written = *level;
        while stack.last().is_some_and(|(w, _)| *w >= written) {
            stack.pop();
        }
        let new = stack.last().map_or(2, |(_, n)| (n + 1).min(6));
        stack.push((written, new));
        let d = i16::from(written) - i16::from(new);
        match shift {
            None => shift = Some(d),
            Some(s) if s != d && first_gap.is_none() => first_gap = Some((written, new, *span)),
            _ => {}
        }
        *level = new;
    });
    let (written, new, span) = first_gap?;
    let mut d = Diagnostic::note(
        RENUMBERED,
        format!(
            "heading levels skip: this level-{written} heading is more than one level below \
             the heading before it; it is set as level {new}, and the note's other headings \
             are renumbered alike"
        ),
    )
    .hint("use one `#` more per level (`##` under the title, `###` under that) to choose the levels yourself");
    if let Some(s) = span {
        d = d.at(s);
    }
    Some(d)
}

/// The inline runs a block holds itself (not those of blocks nested in it).
fn own_inlines(b: &mut Block) -> Vec<&mut Vec<Inline>> {
    match b {
        Block::Paragraph { content, .. } | Block::Heading { content, .. } => vec![content],
        Block::Callout { title, .. } => vec![title],
        Block::Details { summary, .. } => vec![summary],
        Block::Table {
            head,
            rows,
            caption,
            ..
        } => std::iter::once(caption)
            .chain(head.iter_mut())
            .chain(rows.iter_mut().flatten())
            .collect(),
        Block::Figure(f) => vec![&mut f.caption],
        _ => Vec::new(),
    }
}

/// A link with no text to read gets its address, or the title of the chapter it leads to.
fn name_links(inlines: &mut [Inline], titles: &[String]) {
    for i in inlines {
        match i {
            Inline::Link(link) => {
                let Link {
                    content, target, ..
                } = &mut **link;
                let visible = !plain_text(content).trim().is_empty()
                    || content
                        .iter()
                        .any(|c| matches!(c, Inline::Image { .. } | Inline::Math { .. }));
                if visible {
                    name_links(content, titles);
                    continue;
                }
                let name = match target {
                    LinkTarget::External { url } => Some(url.clone()),
                    LinkTarget::Internal { chapter, .. } => titles.get(chapter.0 as usize).cloned(),
                    LinkTarget::Unresolved => None,
                };
                if let Some(name) = name {
                    *content = vec![Inline::Text(name)];
                }
            }
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) | Inline::Highlight(c) => {
                name_links(c, titles)
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heading(level: u8, text: &str) -> Block {
        Block::Heading {
            level,
            id: text.into(),
            classes: Vec::new(),
            content: vec![Inline::Text(text.into())],
            in_toc: true,
            span: None,
        }
    }

    fn levels(blocks: &[Block]) -> Vec<u8> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, .. } => Some(*level),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn levels_close_their_gaps_and_a_uniform_shift_says_nothing() {
        let mut b = vec![
            heading(2, "a"),
            heading(4, "b"),
            heading(4, "c"),
            heading(3, "d"),
            heading(2, "e"),
        ];
        let d = renumber(&mut b).expect("a gap is said");
        assert_eq!(levels(&b), vec![2, 3, 3, 3, 2]);
        assert!(d.message.contains("level-4"), "{}", d.message);
        // `#` sections and `##` subsections: shifted one level, silently.
        let mut b = vec![heading(1, "a"), heading(2, "b"), heading(1, "c")];
        assert!(renumber(&mut b).is_none());
        assert_eq!(levels(&b), vec![2, 3, 2]);
    }

    #[test]
    fn empty_headings_go_and_empty_links_get_a_name() {
        let mut b = vec![heading(3, " "), heading(3, "kept")];
        drop_empty_headings(&mut b);
        assert_eq!(b.len(), 1);
        let mut inl = vec![Inline::Link(Box::new(Link {
            dest: "http://x.org/a".into(),
            target: LinkTarget::External {
                url: "http://x.org/a".into(),
            },
            syntax: notes2book_model::LinkSyntax::Markdown,
            title: None,
            content: vec![Inline::Text("\n".into())],
            span: None,
        }))];
        name_links(&mut inl, &[]);
        assert_eq!(plain_text(&inl), "http://x.org/a");
    }
}
