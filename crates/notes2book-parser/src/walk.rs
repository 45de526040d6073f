//! Mutable walks over the inlines of the model (the blocks' walk is the model's
//! `walk_blocks_mut`). Recursion is safe here: the converter bounds nesting at
//! `MAX_NESTING` and embeds at `MAX_EMBED_DEPTH`.

use notes2book_model::{Block, Inline};

/// Visit every inline (pre-order) in the blocks, including captions, table cells, terms,
/// callout titles and details summaries.
pub fn inlines_mut(blocks: &mut [Block], f: &mut dyn FnMut(&mut Inline)) {
    notes2book_model::walk_blocks_mut(blocks, &mut |b| match b {
        Block::Paragraph { content, .. } | Block::Heading { content, .. } => {
            inline_list_mut(content, f)
        }
        Block::Callout { title: t, .. } => inline_list_mut(t, f),
        Block::Details { summary, .. } => inline_list_mut(summary, f),
        Block::Table {
            head,
            rows,
            caption,
            ..
        } => {
            inline_list_mut(caption, f);
            for cell in head.iter_mut().chain(rows.iter_mut().flatten()) {
                inline_list_mut(cell, f);
            }
        }
        Block::DefinitionList { items, .. } => {
            for item in items {
                inline_list_mut(&mut item.term, f);
            }
        }
        Block::Figure(fig) => {
            inline_list_mut(&mut fig.caption, f);
            if let Some(link) = &mut fig.link {
                let mut as_inline = Inline::Link(Box::new(link.clone()));
                f(&mut as_inline);
                if let Inline::Link(l) = as_inline {
                    *link = *l;
                }
            }
        }
        _ => {}
    });
}

pub fn inline_list_mut(inlines: &mut [Inline], f: &mut dyn FnMut(&mut Inline)) {
    for i in inlines {
        f(i);
        match i {
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) | Inline::Highlight(c) => {
                inline_list_mut(c, f)
            }
            Inline::Link(l) => inline_list_mut(&mut l.content, f),
            _ => {}
        }
    }
}
