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

#[derive(Debug, Clone)]
pub struct ParsedNote {
    pub rel: PathBuf,
    pub front: FrontMatter,
    /// Title from front matter or the first H1 (removed from `blocks` then).
    pub title: Option<String>,
    /// Id of the removed title heading, so that links to it lead to the chapter's start.
    pub title_id: Option<String>,
    pub blocks: Vec<Block>,
    pub footnotes: Vec<Footnote>,
    pub images: Vec<ImageUse>,
    pub diags: Vec<Diagnostic>,
    pub span: Span,
}

pub fn parse(note: &Loaded, text: &str, opts: &crate::ParseOptions) -> ParsedNote {
    let site_params = &opts.site_params;
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
            // Broken JSON front matter ends at its first line holding only `}`; broken YAML
            // or TOML (never closed) leaves the note to be read as if it had none.
            let body_start = if text.starts_with('{') {
                let mut pos = 0;
                text.split_inclusive('\n')
                    .find_map(|l| {
                        pos += l.len();
                        (l.trim() == "}").then_some(pos)
                    })
                    .unwrap_or(0)
            } else {
                0
            };
            (FrontMatter::default(), body_start)
        }
    };
    // Problems in front matter in the order of their lines.
    diags.sort_by_key(|d| d.span.map(|s| s.start));
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
    // `{{< param >}}` sees every front-matter key, the typed ones too, as in Hugo.
    let page_params = page_params(&front);
    let input = Input {
        body: &replaced,
        original: body,
        base: 0,
        map,
        shortcodes: &shortcodes,
        params: &page_params,
        site_params,
        note_dir: note.rel.parent().map(PathBuf::from).unwrap_or_default(),
        in_bundle: note.bundle,
        wikilinks: opts.wikilinks,
    };
    let mut out = markdown::convert(&input);
    diags.append(&mut out.diags);

    let mut title = front.title.clone().filter(|t| !t.trim().is_empty());
    let mut title_id = None;
    if let Some(Block::Heading {
        level: 1,
        content,
        id,
        ..
    }) = out.blocks.first()
    {
        let h1 = plain_text(content);
        let same = title
            .as_ref()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(h1.trim()));
        if title.is_none() || same {
            title_id = Some(id.clone());
            title = Some(title.unwrap_or(h1));
            out.blocks.remove(0);
        }
    }
    ParsedNote {
        rel: note.rel.clone(),
        front,
        title,
        title_id,
        blocks: out.blocks,
        footnotes: out.footnotes,
        images: out.images,
        diags,
        span: whole,
    }
}

pub(crate) fn page_params(front: &FrontMatter) -> BTreeMap<String, Value> {
    let mut p = front.params.clone();
    let mut put = |k: &str, v: Option<&String>| {
        if let Some(v) = v {
            p.entry(k.to_owned())
                .or_insert_with(|| Value::String(v.clone()));
        }
    };
    put("title", front.title.as_ref());
    put("linkTitle", front.link_title.as_ref());
    put("date", front.date.as_ref());
    put("lastmod", front.lastmod.as_ref());
    put("publishDate", front.publish_date.as_ref());
    put("description", front.description.as_ref());
    put("summary", front.summary.as_ref());
    put("slug", front.slug.as_ref());
    put("lang", front.lang.as_ref());
    let list = |v: &[String]| Value::List(v.iter().cloned().map(Value::String).collect());
    p.entry("weight".into()).or_insert(Value::Int(front.weight));
    p.entry("draft".into()).or_insert(Value::Bool(front.draft));
    if !front.authors.is_empty() {
        p.entry("authors".into())
            .or_insert_with(|| list(&front.authors));
        p.entry("author".into())
            .or_insert_with(|| Value::String(front.authors.join(", ")));
    }
    if !front.tags.is_empty() {
        p.entry("tags".into()).or_insert_with(|| list(&front.tags));
    }
    if !front.categories.is_empty() {
        p.entry("categories".into())
            .or_insert_with(|| list(&front.categories));
    }
    p
}
