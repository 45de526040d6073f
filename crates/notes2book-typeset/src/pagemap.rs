//! Where each body page begins in the book's blocks, for the EPUB's page-break markers:
//! the block of the page's first text and how many characters of that block the pages
//! before it hold.

use std::collections::HashMap;

use notes2book_model::{PageStart, Span};

use crate::frame::Draw;
use crate::layout::VItem;
use crate::paginate::Page;

/// Letters, digits and punctuation an item draws (white space is not drawn).
fn chars(item: &VItem) -> usize {
    item.draws
        .iter()
        .map(|d| match d {
            Draw::Glyphs { glyphs, .. } => glyphs
                .iter()
                .filter_map(|g| g.text.as_deref())
                .map(|t| t.chars().filter(|c| !c.is_whitespace()).count())
                .sum(),
            _ => 0,
        })
        .sum()
}

/// The start of every body page that has text, labelled with its folio (1, 2, …);
/// `body` starts at body page `offset` (0-based) with a chapter's first page.
pub fn page_starts(body: &[Page], offset: usize) -> Vec<PageStart> {
    let mut seen: HashMap<Span, usize> = HashMap::new();
    let mut out = Vec::new();
    for (k, page) in body.iter().enumerate() {
        let mut first = true;
        for (_, item) in &page.body {
            // The innermost block that knows where it came from (a tight list's items
            // may not: then the list).
            let mut tag = item.tag.as_deref();
            while let Some(t) = tag.filter(|t| t.span.is_none()) {
                tag = t.parent.as_deref();
            }
            let Some(span) = tag.and_then(|t| t.span) else {
                continue;
            };
            if first && !item.discardable {
                out.push(PageStart {
                    label: (offset + k + 1).to_string(),
                    block: span,
                    chars: seen.get(&span).copied().unwrap_or(0),
                });
                first = false;
            }
            *seen.entry(span).or_default() += chars(item);
        }
    }
    out
}
