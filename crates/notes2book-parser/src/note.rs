//! One note, from decoded text to front matter, title and blocks. Runs in parallel; does no
//! I/O (includes were spliced in before).

use std::collections::BTreeMap;
use std::path::PathBuf;

use notes2book_model::{
    Block, Diagnostic, FileId, Footnote, FrontMatter, ImageUse, Span, Value, plain_text,
};

use crate::markdown::{self, Input};
use crate::segmap::SegMap;
use crate::{frontmatter, listfix, shortcode};

/// A note ready to parse: its decoded (and include-expanded) text.
#[derive(Debug)]
pub struct Loaded {
    pub file: FileId,
    /// Path relative to the input folder.
    pub rel: PathBuf,
    /// The text with includes spliced in, and its map; `None` when the note has no
    /// includes (its text is then the source file's, mapped by `map`).
    pub expanded: Option<(String, SegMap)>,
    pub map: SegMap,
    pub bundle: bool,
}

#[derive(Debug)]
pub struct ParsedNote {
    pub rel: PathBuf,
    pub front: FrontMatter,
    /// Title from front matter or the first H1 (removed from `blocks` then).
    pub title: Option<String>,
    pub blocks: Vec<Block>,
    pub footnotes: Vec<Footnote>,
    pub images: Vec<ImageUse>,
    pub diags: Vec<Diagnostic>,
    pub span: Span,
}

pub fn parse(note: &Loaded, text: &str, site_params: &BTreeMap<String, Value>) -> ParsedNote {
    let mut diags = Vec::new();
    let map = note.expanded.as_ref().map_or(&note.map, |(_, m)| m);
    let whole = map.span(0..text.len().min(1));
    let (front, body_start) = match frontmatter::split(text, note.file) {
        Ok(split) => {
            let front = match frontmatter::parse_values(text, &split, note.file) {
                Ok(values) => frontmatter::typed(values, text, &split, note.file, &mut diags),
                Err(d) => {
                    diags.push(d);
                    FrontMatter::default()
                }
            };
            (front, split.body_start)
        }
        Err(d) => {
            diags.push(d);
            // Unterminated front matter: the note is still read, as if it had none.
            (FrontMatter::default(), 0)
        }
    };
    // Front-matter spans were made against the note's own text: map them.
    for d in &mut diags {
        if let Some(s) = d.span
            && s.file == note.file.0
        {
            let m = map.span(s.start as usize..s.end as usize);
            d.span = Some(m);
        }
    }

    let mut body_owned: Option<(String, SegMap)> = None;
    let body = &text[body_start..];
    let body_map = {
        let mut b = crate::segmap::Builder::with_capacity(body.len());
        b.copy_mapped(text, body_start..text.len(), map);
        b.finish().1
    };
    if let Some((fixed, map, fixes)) = listfix::repair(body, &body_map) {
        for f in &fixes {
            diags.push(
                Diagnostic::warning(
                    "list-indent",
                    format!(
                        "this list item is indented {} columns past its parent's text, which CommonMark reads as text of the item above; it is read as a nested item",
                        f.removed
                    ),
                )
                .at(body_map.span(f.line.clone()))
                .hint(format!("indent nested items to column {} (under the parent's text)", f.parent_col + 1)),
            );
        }
        body_owned = Some((fixed, map));
    }
    let (body, map) = match &body_owned {
        Some((t, m)) => (t.as_str(), m),
        None => (body, &body_map),
    };

    let code = shortcode::code_ranges(body);
    let (shortcodes, replaced, problems) = shortcode::scan(body, &code);
    for p in problems {
        diags.push(
            Diagnostic::warning(p.code, p.message)
                .at(map.span(p.range))
                .hint(p.hint),
        );
    }
    let input = Input {
        body: &replaced,
        original: body,
        base: 0,
        map,
        shortcodes: &shortcodes,
        params: &front.params,
        site_params,
        note_dir: note.rel.parent().map(PathBuf::from).unwrap_or_default(),
        in_bundle: note.bundle,
    };
    let mut out = markdown::convert(&input);
    diags.append(&mut out.diags);

    let mut title = front.title.clone().filter(|t| !t.trim().is_empty());
    if let Some(Block::Heading {
        level: 1, content, ..
    }) = out.blocks.first()
    {
        let h1 = plain_text(content);
        match &title {
            None => {
                title = Some(h1);
                out.blocks.remove(0);
            }
            Some(t) if t.trim().eq_ignore_ascii_case(h1.trim()) => {
                out.blocks.remove(0);
            }
            _ => {}
        }
    }
    ParsedNote {
        rel: note.rel.clone(),
        front,
        title,
        blocks: out.blocks,
        footnotes: out.footnotes,
        images: out.images,
        diags,
        span: whole,
    }
}
