//! The nested table of contents.

use notes2book_model::{Block, Chapter, TocEntry, plain_text};

/// The nested table of contents: chapters (nested by depth) and their headings.
pub fn toc(chapters: &[Chapter]) -> Vec<TocEntry> {
    let mut flat: Vec<TocEntry> = Vec::new();
    for ch in chapters {
        let level = ch.depth.saturating_add(1);
        flat.push(TocEntry {
            title: ch.toc_title.clone().unwrap_or_else(|| ch.title.clone()),
            chapter: ch.id,
            anchor: None,
            level,
            children: Vec::new(),
        });
        let mut headings = Vec::new();
        collect_headings(&ch.blocks, &mut headings);
        let min = headings.iter().map(|h| h.0).min().unwrap_or(1);
        for (hl, id, title) in headings {
            flat.push(TocEntry {
                title,
                chapter: ch.id,
                anchor: Some(id),
                level: level.saturating_add(hl - min + 1),
                children: Vec::new(),
            });
        }
    }
    nest(flat)
}

fn collect_headings(blocks: &[Block], out: &mut Vec<(u8, String, String)>) {
    for b in blocks {
        if let Block::Heading {
            level,
            id,
            content,
            in_toc: true,
            ..
        } = b
        {
            // An empty heading (`### ` alone) has nothing to show in the contents.
            let title = plain_text(content).trim().to_owned();
            if !title.is_empty() {
                out.push((*level, id.clone(), title));
            }
        }
    }
}

fn nest(flat: Vec<TocEntry>) -> Vec<TocEntry> {
    let mut roots: Vec<TocEntry> = Vec::new();
    let mut stack: Vec<TocEntry> = Vec::new();
    let close = |stack: &mut Vec<TocEntry>, roots: &mut Vec<TocEntry>| {
        if let Some(done) = stack.pop() {
            match stack.last_mut() {
                Some(parent) => parent.children.push(done),
                None => roots.push(done),
            }
        }
    };
    for e in flat {
        while stack.last().is_some_and(|top| top.level >= e.level) {
            close(&mut stack, &mut roots);
        }
        stack.push(e);
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots);
    }
    roots
}
