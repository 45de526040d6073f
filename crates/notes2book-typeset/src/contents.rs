//! The table of contents: its entries, its lines with dot leaders and page numbers, and
//! the bookmarks of the outline.

use notes2book_model::{Inline, TocEntry};

use crate::fonts::Style;
use crate::frame::{Draw, LinkDest, MUTED, Position, TEXT, Tag, TagKind};
use crate::inline::{Align, Fmt};
use crate::layout::{Layouter, VItem};

/// Where a TOC entry's target is: its printed page number and its position.
pub type Locate<'b> = &'b dyn Fn(usize, Option<&str>) -> Option<(String, Position)>;

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
    let contents = Tag::new(TagKind::Contents, None, None);
    let heading = Tag::new(TagKind::Title, None, None);
    let size = lay.geo.size;
    let measure = lay.geo.measure;
    let leading = lay.geo.leading;
    let mut out = Vec::new();
    // Heading.
    for l in lay.cell_lines(
        &[Inline::Text("Contents".into())],
        &Fmt::new(Style::Heading, size * 2.0),
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
        item.tag = Some(heading.clone());
        out.push(item);
        out.push(VItem::space(leading * 1.5));
    }
    let num_w = size * 2.5;
    for e in entries {
        let Some((folio, _)) = locate(e.chapter.0 as usize, e.anchor.as_deref()) else {
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
        let entry = Tag::new(TagKind::ContentsEntry, None, Some(contents.clone()));
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
            item.tag = Some(entry.clone());
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
            let baseline = leading * 0.78;
            if k + 1 == n {
                // Dot leaders on a fixed grid, then the page number flush right.
                let mut num_fmt = Fmt::new(style, size);
                num_fmt.color = TEXT;
                let num = lay.label_draw(&folio, &num_fmt);
                let num_width = num.as_ref().map_or(0.0, |(_, w)| *w);
                if let Some((d, w)) = num {
                    item.draws.push(d.shifted(measure - w, baseline));
                }
                let mut dot_fmt = Fmt::new(Style::Regular, size);
                dot_fmt.color = MUTED;
                if let Some((dot, _)) = lay.label_draw(".", &dot_fmt) {
                    // Leaders guide the eye; a reader hears the title and the number.
                    item.draws
                        .push(Draw::Mark(Tag::new(TagKind::Artifact, None, None)));
                    let step = size * 0.55;
                    let mut x = ((end_x + size * 0.6) / step).ceil() * step;
                    while x + step < measure - num_width - size * 0.3 {
                        item.draws.push(dot.shifted(x, baseline));
                        x += step;
                    }
                }
            }
            item.keep_with_next = k + 1 < n;
            out.push(item);
        }
    }
    out
}

/// One outline entry with its children.
#[derive(Debug, Clone)]
pub struct Bookmark {
    pub title: String,
    pub at: Position,
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
            let Some((_, at)) = locate(e.chapter.0 as usize, e.anchor.as_deref()) else {
                continue;
            };
            out.push(Bookmark {
                title: e.title.clone(),
                at,
                children: build(&e.children, chapter_depth, depth, locate),
            });
        }
        out
    }
    build(entries, chapter_depth, depth.min(6), locate)
}
