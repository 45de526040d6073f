//! Chapters in reading order, with their images numbered across the book.

use std::collections::BTreeSet;

use notes2book_model::{
    Block, Chapter, ChapterId, ChapterKind, Diagnostic, ImageId, ImageUse, Inline,
};

use super::stem_of;
use crate::note::ParsedNote;
use crate::order::Slot;
use crate::walk;

/// Build the chapters in reading order and the book's image list.
pub fn assemble(
    slots: &[Slot],
    notes: &mut [ParsedNote],
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Chapter>, Vec<ImageUse>, Vec<Option<String>>) {
    let mut chapters = Vec::with_capacity(slots.len());
    let mut title_ids = Vec::with_capacity(slots.len());
    let mut images: Vec<ImageUse> = Vec::new();
    let mut used = BTreeSet::new();
    for slot in slots {
        let id = ChapterId(chapters.len() as u32);
        let Some(i) = slot.note else {
            title_ids.push(None);
            chapters.push(Chapter {
                id,
                kind: ChapterKind::Part,
                depth: slot.depth,
                path: None,
                anchor: String::new(),
                title: slot.label.clone().unwrap_or_default(),
                toc_title: None,
                front: Default::default(),
                blocks: Vec::new(),
                footnotes: Vec::new(),
                span: slot.span,
            });
            continue;
        };
        if !used.insert(i) {
            diags.push(
                Diagnostic::warning(
                    "chapter-twice",
                    format!(
                        "{} is listed twice; only its first place is used",
                        notes[i].rel.display()
                    ),
                )
                .at_opt(slot.span),
            );
            continue;
        }
        let note = &mut notes[i];
        let offset = images.len() as u32;
        images.append(&mut note.images);
        let mut blocks = std::mem::take(&mut note.blocks);
        let mut footnotes = std::mem::take(&mut note.footnotes);
        if offset > 0 {
            let mut shift = |inline: &mut Inline| match inline {
                Inline::Image { image, .. } => *image = ImageId(image.0 + offset),
                Inline::Html { images, .. } => {
                    images.iter_mut().for_each(|i| *i = ImageId(i.0 + offset))
                }
                _ => {}
            };
            let mut shift_fig = |b: &mut Block| match b {
                Block::Figure(f) => f.image = ImageId(f.image.0 + offset),
                Block::Html { images, .. } => {
                    images.iter_mut().for_each(|i| *i = ImageId(i.0 + offset))
                }
                _ => {}
            };
            walk::inlines_mut(&mut blocks, &mut shift);
            notes2book_model::walk_blocks_mut(&mut blocks, &mut shift_fig);
            for f in &mut footnotes {
                walk::inlines_mut(&mut f.blocks, &mut shift);
                notes2book_model::walk_blocks_mut(&mut f.blocks, &mut shift_fig);
            }
        }
        let title = note
            .title
            .clone()
            .or_else(|| slot.label.clone())
            .unwrap_or_else(|| stem_of(&note.rel));
        let toc_title = note
            .front
            .link_title
            .clone()
            .or_else(|| slot.label.clone())
            .filter(|t| t != &title);
        title_ids.push(note.title_id.clone());
        chapters.push(Chapter {
            id,
            kind: slot.kind,
            depth: slot.depth,
            path: Some(note.rel.clone()),
            anchor: String::new(),
            title,
            toc_title,
            front: std::mem::take(&mut note.front),
            blocks,
            footnotes,
            span: Some(note.span),
        });
    }
    (chapters, images, title_ids)
}
