//! Linking: chapters from the reading order, book-unique ids, embeds, links between notes,
//! and the table of contents.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use notes2book_model::vfs::normalize;
use notes2book_model::{
    Block, Chapter, ChapterId, ChapterKind, Diagnostic, Footnote, ImageId, ImageUse, Inline,
    LinkSyntax, LinkTarget, Span, TocEntry, plain_text, slugify,
};

use crate::note::ParsedNote;
use crate::order::Slot;
use crate::walk;

/// Deepest chain of `![[embeds]]` followed.
pub const MAX_EMBED_DEPTH: usize = 8;

/// A path as written in a link or list, made relative and clean; `None` if it climbs out.
pub fn clean_rel(p: &str) -> Option<PathBuf> {
    let p = p.trim().trim_start_matches("./").trim_start_matches('/');
    normalize(Path::new(p))
}

pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn stem_of(rel: &Path) -> String {
    let name = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if name == "index" || name == "_index" {
        rel.parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or("index")
            .to_owned()
    } else {
        name.to_owned()
    }
}

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

/// Lookup tables for resolving references to notes.
pub struct Index {
    by_path: BTreeMap<PathBuf, ChapterId>,
    by_stem: BTreeMap<String, Vec<ChapterId>>,
    by_title: BTreeMap<String, Vec<ChapterId>>,
    by_url: BTreeMap<String, ChapterId>,
    /// Per chapter: the id an author would write (local) → the book-unique id.
    local_ids: Vec<BTreeMap<String, String>>,
    paths: Vec<Option<PathBuf>>,
    /// Chapter anchors, filled by `assign_ids`.
    anchors: Vec<String>,
}

fn url_of(ch: &Chapter) -> Option<String> {
    let rel = ch.path.as_ref()?;
    let dir = rel.parent().unwrap_or(Path::new(""));
    let name = rel.file_name()?.to_str()?;
    let url = if name == "_index.md" || name == "index.md" {
        dir.to_string_lossy().into_owned()
    } else {
        let slug = ch.front.slug.clone().unwrap_or_else(|| stem_of(rel));
        dir.join(slug).to_string_lossy().into_owned()
    };
    Some(
        format!("/{}/", url.trim_matches('/'))
            .replace("//", "/")
            .to_lowercase(),
    )
}

impl Index {
    pub fn new(chapters: &[Chapter]) -> Self {
        let mut ix = Index {
            by_path: BTreeMap::new(),
            by_stem: BTreeMap::new(),
            by_title: BTreeMap::new(),
            by_url: BTreeMap::new(),
            local_ids: vec![BTreeMap::new(); chapters.len()],
            paths: chapters.iter().map(|c| c.path.clone()).collect(),
            anchors: Vec::new(),
        };
        for ch in chapters {
            if ch.kind == ChapterKind::Part {
                continue;
            }
            if let Some(rel) = &ch.path {
                ix.by_path.insert(rel.clone(), ch.id);
                ix.by_stem
                    .entry(stem_of(rel).to_lowercase())
                    .or_default()
                    .push(ch.id);
            }
            ix.by_title
                .entry(ch.title.trim().to_lowercase())
                .or_default()
                .push(ch.id);
            if let Some(u) = url_of(ch) {
                ix.by_url.entry(u).or_insert(ch.id);
            }
            for alias in &ch.front.aliases {
                let a = format!("/{}/", alias.trim_matches('/')).to_lowercase();
                ix.by_url.entry(a).or_insert(ch.id);
            }
        }
        ix
    }

    fn path_lookup(&self, p: &Path) -> Option<ChapterId> {
        if let Some(&c) = self.by_path.get(p) {
            return Some(c);
        }
        let has_ext = p.extension().is_some_and(|e| e == "md" || e == "markdown");
        if has_ext {
            return None;
        }
        for cand in [
            p.join("_index.md"),
            p.join("index.md"),
            p.with_extension("md"),
            p.with_extension("markdown"),
        ] {
            if let Some(&c) = self.by_path.get(&cand) {
                return Some(c);
            }
        }
        None
    }

    /// A note named the way an Obsidian wikilink or a Hugo `ref` names it.
    fn by_name(&self, name: &str, from_dir: &Path) -> Result<Option<ChapterId>, Vec<ChapterId>> {
        let name = name.trim();
        if let Some(p) = normalize(&from_dir.join(name))
            && let Some(c) = self.path_lookup(&p)
        {
            return Ok(Some(c));
        }
        if let Some(p) = clean_rel(name)
            && let Some(c) = self.path_lookup(&p)
        {
            return Ok(Some(c));
        }
        let base = name.rsplit('/').next().unwrap_or(name);
        let base = base
            .strip_suffix(".md")
            .or_else(|| base.strip_suffix(".markdown"))
            .unwrap_or(base);
        for table in [&self.by_stem, &self.by_title] {
            if let Some(list) = table.get(&base.to_lowercase()) {
                return if list.len() == 1 {
                    Ok(Some(list[0]))
                } else {
                    Err(list.clone())
                };
            }
        }
        if let Some(list) = self.by_title.get(&name.to_lowercase()) {
            return if list.len() == 1 {
                Ok(Some(list[0]))
            } else {
                Err(list.clone())
            };
        }
        Ok(None)
    }

    fn anchor_in(&self, ch: ChapterId, anchor: &str) -> Option<String> {
        let ids = self.local_ids.get(ch.0 as usize)?;
        ids.get(anchor)
            .or_else(|| ids.get(&slugify(anchor)))
            .or_else(|| ids.get(&anchor.to_lowercase()))
            .cloned()
    }
}

/// The first of `base`, `base-1`, `base-2`, … that `taken` refuses. `next` remembers where
/// each base's search ended, so n headings with one text cost n steps rather than n²; this
/// is exact as long as the set behind `taken` only grows while `next` is in use.
fn first_free(
    base: &str,
    next: &mut BTreeMap<String, usize>,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut n = next.get(base).copied().unwrap_or(0);
    let id = loop {
        let id = if n == 0 {
            base.to_owned()
        } else {
            format!("{base}-{n}")
        };
        if !taken(&id) {
            break id;
        }
        n += 1;
    };
    next.insert(base.to_owned(), n);
    id
}

/// Give every chapter an anchor and every heading a book-unique id. Explicit ids
/// (`{#id}`) are kept as written where they can be; automatic ones make way for them. The
/// id of a note's title heading (removed from the body) leads to the chapter's start.
/// An explicit `{#id}` written twice in one note is a warning: `#id` reaches the first only.
pub fn assign_ids(
    chapters: &mut [Chapter],
    ix: &mut Index,
    title_ids: &[Option<String>],
    diags: &mut Vec<Diagnostic>,
) {
    let mut used: BTreeSet<String> = BTreeSet::new();
    let unique = |base: &str, used: &mut BTreeSet<String>, next: &mut BTreeMap<String, usize>| {
        let id = first_free(base, next, |id| used.contains(id));
        used.insert(id.clone());
        id
    };
    let mut next_anchor = BTreeMap::new();
    for ch in chapters.iter_mut() {
        let base = match &ch.path {
            Some(p) => format!("ch-{}", slugify(&stem_of(p)).trim_start_matches("h-")),
            None => format!("part-{}", slugify(&ch.title).trim_start_matches("h-")),
        };
        ch.anchor = unique(&base, &mut used, &mut next_anchor);
    }
    ix.anchors = chapters.iter().map(|c| c.anchor.clone()).collect();
    // Explicit ids first, so that an automatic id elsewhere cannot take their name.
    let is_explicit = |id: &str, content: &[Inline]| id != slugify(&plain_text(content));
    let mut explicit: BTreeSet<String> = BTreeSet::new();
    for ch in chapters.iter_mut() {
        notes2book_model::walk_blocks_mut(&mut ch.blocks, &mut |b| {
            if let Block::Heading {
                id,
                content,
                in_toc: true,
                ..
            } = b
                && is_explicit(id, content)
                && !used.contains(id.as_str())
            {
                explicit.insert(id.clone());
            }
        });
    }
    // Headings of the notes themselves first, across the whole book, so that embedded
    // copies (not in the TOC) take the suffixes. `used` and `explicit` together only grow
    // (an id leaves `explicit` only to join `used`), as `first_free` needs.
    let mut next_global = BTreeMap::new();
    for pass_in_toc in [true, false] {
        for ch in chapters.iter_mut() {
            let mut local_seen: BTreeSet<String> = BTreeSet::new();
            let mut next_local = BTreeMap::new();
            let locals = &mut ix.local_ids[ch.id.0 as usize];
            if pass_in_toc {
                // A removed title heading keeps its id, leading to the chapter's start.
                if let Some(t) = title_ids.get(ch.id.0 as usize).cloned().flatten() {
                    local_seen.insert(t.clone());
                    locals.insert(t, ch.anchor.clone());
                }
            }
            notes2book_model::walk_blocks_mut(&mut ch.blocks, &mut |b| {
                let Block::Heading {
                    id,
                    in_toc,
                    content,
                    span,
                    ..
                } = b
                else {
                    return;
                };
                if *in_toc != pass_in_toc {
                    return;
                }
                let mine = is_explicit(id, content);
                let local = if *in_toc {
                    unique(id, &mut local_seen, &mut next_local)
                } else {
                    id.clone()
                };
                if mine && local != *id {
                    diags.push(
                        Diagnostic::warning(
                            "duplicate-id",
                            format!("the id `{id}` is already used in this note; this heading gets `{local}`, and `#{id}` leads to the first one"),
                        )
                        .at_opt(*span)
                        .hint("give each heading its own {#id}"),
                    );
                }
                let global = if *in_toc && mine && explicit.remove(&local) {
                    used.insert(local.clone());
                    local.clone()
                } else {
                    // Automatic ids make way for explicit ones still to come.
                    let g = first_free(&local, &mut next_global, |g| {
                        used.contains(g) || explicit.contains(g)
                    });
                    used.insert(g.clone());
                    g
                };
                if *in_toc {
                    locals.insert(local, global.clone());
                }
                *id = global;
            });
            if pass_in_toc {
                // `#the-title` leads to the chapter's start unless a heading has that id.
                locals
                    .entry(slugify(&ch.title))
                    .or_insert_with(|| ch.anchor.clone());
            }
        }
    }
}

/// Most blocks one chapter may gain through embeds (against embed bombs).
const MAX_EMBEDDED_BLOCKS: usize = 20_000;

/// Replace `![[Note]]` embeds with the note's content. Each chapter is expanded on its own
/// from the notes as written, so a cycle is cut where it closes, seen from that chapter.
pub fn resolve_embeds(chapters: &mut [Chapter], ix: &Index, diags: &mut Vec<Diagnostic>) {
    let has: Vec<bool> = chapters
        .iter_mut()
        .map(|c| has_embed(&mut c.blocks))
        .collect();
    if !has.iter().any(|&h| h) {
        return;
    }
    let originals: Vec<(Vec<Block>, Vec<Footnote>)> = chapters
        .iter()
        .map(|c| (c.blocks.clone(), c.footnotes.clone()))
        .collect();
    let dirs: Vec<PathBuf> = chapters
        .iter()
        .map(|c| {
            c.path
                .as_ref()
                .and_then(|p| p.parent())
                .map(Path::to_path_buf)
                .unwrap_or_default()
        })
        .collect();
    let mut seen_problems: BTreeSet<(u32, u32, &'static str)> = BTreeSet::new();
    let mut cycles: BTreeSet<Vec<usize>> = BTreeSet::new();
    let mut files: BTreeMap<String, (usize, Option<Span>)> = BTreeMap::new();
    for i in 0..chapters.len() {
        if !has[i] {
            continue;
        }
        let mut ctx = EmbedCtx {
            originals: &originals,
            dirs: &dirs,
            ix,
            budget: MAX_EMBEDDED_BLOCKS,
            problems: Vec::new(),
            cycles: &mut cycles,
            files: &mut files,
        };
        let mut blocks = originals[i].0.clone();
        let mut footnotes = originals[i].1.clone();
        ctx.expand(&mut blocks, &mut footnotes, &mut vec![i]);
        for d in ctx.problems {
            let key = d.span.map_or((0, 0, d.code), |s| (s.file, s.start, d.code));
            if seen_problems.insert(key) {
                diags.push(d);
            }
        }
        chapters[i].blocks = blocks;
        chapters[i].footnotes = footnotes;
    }
    for (ext, (count, span)) in files {
        let (what, hint) = match ext.as_str() {
            "base" => (
                "Obsidian Bases views",
                "a view of the vault's notes exists only inside Obsidian; list the notes in the text instead",
            ),
            "canvas" => (
                "Obsidian canvases",
                "export the canvas as an image (PNG or SVG) and embed that",
            ),
            "pdf" => (
                "PDFs",
                "link to the file on the web, or embed pages of it as images",
            ),
            _ => (
                "audio or video",
                "e-readers and print cannot play it; link to it on the web instead",
            ),
        };
        let shown = if count == 1 {
            "the embed shows the file's name instead".to_owned()
        } else {
            format!("{count} embeds show the file's name instead (the first is here)")
        };
        diags.push(
            Diagnostic::warning(
                "embed-file",
                format!("`.{ext}` files are {what}, which a book cannot embed; {shown}"),
            )
            .at_opt(span)
            .hint(hint),
        );
    }
}

/// Obsidian embeds other than notes and images: views and media that a book cannot show.
const FILE_EMBEDS: &[&str] = &[
    "base", "canvas", "pdf", "mp3", "wav", "m4a", "ogg", "flac", "3gp", "webm", "mp4", "mov",
    "mkv", "ogv",
];

/// The extension of an embed's file when it is one of [`FILE_EMBEDS`], lower case.
fn file_embed(name: &str) -> Option<String> {
    let (_, ext) = name.rsplit_once('.')?;
    let ext = ext.trim().to_ascii_lowercase();
    FILE_EMBEDS.contains(&ext.as_str()).then_some(ext)
}

fn has_embed(blocks: &mut [Block]) -> bool {
    let mut found = false;
    notes2book_model::walk_blocks_mut(blocks, &mut |b| {
        found |= matches!(b, Block::Embed { chapter: None, .. })
    });
    found
}

struct EmbedCtx<'a> {
    /// Cycles already reported (their chapters, sorted): each is reported once.
    cycles: &'a mut BTreeSet<Vec<usize>>,
    originals: &'a [(Vec<Block>, Vec<Footnote>)],
    dirs: &'a [PathBuf],
    ix: &'a Index,
    budget: usize,
    problems: Vec<Diagnostic>,
    /// Embeds of files no book can show, by extension: count and first place.
    files: &'a mut BTreeMap<String, (usize, Option<Span>)>,
}

impl EmbedCtx<'_> {
    fn expand(
        &mut self,
        blocks: &mut [Block],
        footnotes: &mut Vec<Footnote>,
        stack: &mut Vec<usize>,
    ) {
        let host = *stack.last().unwrap_or(&0);
        let mut todo: Vec<(String, Option<Span>)> = Vec::new();
        notes2book_model::walk_blocks_mut(blocks, &mut |b| {
            if let Block::Embed {
                target,
                chapter: None,
                span,
                ..
            } = b
            {
                todo.push((target.clone(), *span));
            }
        });
        if todo.is_empty() {
            return;
        }
        let mut results: Vec<(Option<ChapterId>, Vec<Block>)> = Vec::with_capacity(todo.len());
        for (target, span) in todo {
            results.push(self.one(&target, span, host, footnotes, stack));
        }
        let mut results = results.into_iter();
        notes2book_model::walk_blocks_mut(blocks, &mut |b| {
            if let Block::Embed {
                chapter: chapter @ None,
                blocks: inner,
                ..
            } = b
                && let Some((c, content)) = results.next()
            {
                *chapter = c;
                *inner = content;
            }
        });
    }

    fn one(
        &mut self,
        target: &str,
        span: Option<Span>,
        host: usize,
        footnotes: &mut Vec<Footnote>,
        stack: &mut Vec<usize>,
    ) -> (Option<ChapterId>, Vec<Block>) {
        let (name, heading) = match target.split_once('#') {
            Some((n, h)) => (n, Some(h)),
            None => (target, None),
        };
        if let Some(ext) = file_embed(name) {
            self.files.entry(ext).or_insert((0, span)).0 += 1;
            return (
                None,
                vec![Block::Paragraph {
                    content: vec![Inline::Text(target.to_owned())],
                    span,
                }],
            );
        }
        let found = if name.is_empty() {
            Ok(Some(ChapterId(host as u32)))
        } else {
            self.ix.by_name(name, &self.dirs[host])
        };
        let t = match found {
            Ok(Some(t)) => t,
            Ok(None) | Err(_) => {
                self.problems.push(
                    Diagnostic::warning(
                        "embed-unresolved",
                        format!(
                            "`![[{target}]]` names no note in the book; its name is shown instead"
                        ),
                    )
                    .at_opt(span)
                    .hint("use the note's file name or title"),
                );
                return (
                    None,
                    vec![Block::Paragraph {
                        content: vec![Inline::Text(target.to_owned())],
                        span,
                    }],
                );
            }
        };
        let ti = t.0 as usize;
        if stack.contains(&ti) || stack.len() > MAX_EMBED_DEPTH {
            let mut members: Vec<usize> = match stack.iter().position(|&c| c == ti) {
                Some(p) => stack[p..].to_vec(),
                None => stack.clone(),
            };
            members.sort_unstable();
            if !self.cycles.insert(members) {
                return (Some(t), vec![link_paragraph(target, t, span)]);
            }
            self.problems.push(
                Diagnostic::warning("embed-cycle", format!("`![[{target}]]` embeds a note that embeds this one (or nests deeper than {MAX_EMBED_DEPTH}); a link is shown instead"))
                    .at_opt(span)
                    .hint("remove one of the embeds in the cycle"),
            );
            return (Some(t), vec![link_paragraph(target, t, span)]);
        }
        let (src_blocks, src_notes) = &self.originals[ti];
        let mut copy = match heading {
            Some(h) => section_of(src_blocks, h),
            None => src_blocks.clone(),
        };
        let size = count_blocks(&mut copy);
        if size > self.budget {
            self.problems.push(
                Diagnostic::warning("embed-too-large", format!("`![[{target}]]` would make this chapter larger than {MAX_EMBEDDED_BLOCKS} embedded blocks; a link is shown instead"))
                    .at_opt(span)
                    .hint("embed fewer or smaller notes"),
            );
            return (Some(t), vec![link_paragraph(target, t, span)]);
        }
        self.budget -= size;
        // The footnotes the copy refers to (directly or through each other) join the host
        // chapter's, renumbered after them; the others stay behind.
        let mut wanted: Vec<u32> = Vec::new();
        let collect = |blocks: &mut [Block], wanted: &mut Vec<u32>| {
            walk::inlines_mut(blocks, &mut |inline| {
                if let Inline::FootnoteRef { number, .. } = inline
                    && !wanted.contains(number)
                {
                    wanted.push(*number);
                }
            });
        };
        collect(&mut copy, &mut wanted);
        let mut i = 0;
        while i < wanted.len() {
            if let Some(f) = src_notes.get(wanted[i] as usize - 1) {
                let mut blocks = f.blocks.clone();
                collect(&mut blocks, &mut wanted);
            }
            i += 1;
        }
        let base = footnotes.len() as u32;
        let renumber = |number: &mut u32| {
            if let Some(p) = wanted.iter().position(|w| w == number) {
                *number = base + p as u32 + 1;
            }
        };
        walk::inlines_mut(&mut copy, &mut |inline| {
            if let Inline::FootnoteRef { number, .. } = inline {
                renumber(number);
            }
        });
        for &n in &wanted {
            let Some(f) = src_notes.get(n as usize - 1) else {
                continue;
            };
            let mut f = f.clone();
            walk::inlines_mut(&mut f.blocks, &mut |inline| {
                if let Inline::FootnoteRef { number, .. } = inline {
                    renumber(number);
                }
            });
            footnotes.push(f);
        }
        notes2book_model::walk_blocks_mut(&mut copy, &mut |b| {
            if let Block::Heading { in_toc, .. } = b {
                *in_toc = false;
            }
        });
        stack.push(ti);
        self.expand(&mut copy, footnotes, stack);
        stack.pop();
        (Some(t), copy)
    }
}

fn count_blocks(blocks: &mut [Block]) -> usize {
    let mut n = 0;
    notes2book_model::walk_blocks_mut(blocks, &mut |_| n += 1);
    n
}

fn link_paragraph(target: &str, t: ChapterId, span: Option<Span>) -> Block {
    let link = notes2book_model::Link {
        dest: target.to_owned(),
        target: LinkTarget::Internal {
            chapter: t,
            anchor: None,
        },
        syntax: LinkSyntax::Wiki,
        title: None,
        content: vec![Inline::Text(target.to_owned())],
        span,
    };
    Block::Paragraph {
        content: vec![Inline::Link(link)],
        span,
    }
}

/// The blocks from the heading named `h` up to the next heading of the same or a higher level.
fn section_of(blocks: &[Block], h: &str) -> Vec<Block> {
    let want = slugify(h);
    let start = blocks.iter().position(|b| matches!(b, Block::Heading { id, content, .. } if *id == want || slugify(&plain_text(content)) == want));
    let Some(start) = start else {
        return blocks.to_vec();
    };
    let level = match &blocks[start] {
        Block::Heading { level, .. } => *level,
        _ => 1,
    };
    let end = blocks[start + 1..]
        .iter()
        .position(|b| matches!(b, Block::Heading { level: l, .. } if *l <= level))
        .map_or(blocks.len(), |e| start + 1 + e);
    blocks[start..end].to_vec()
}

/// Resolve every link in the book to a chapter and anchor.
pub fn resolve_links(chapters: &mut [Chapter], ix: &Index, diags: &mut Vec<Diagnostic>) {
    let titles: Vec<String> = chapters.iter().map(|c| c.title.clone()).collect();
    for ch in chapters.iter_mut() {
        let from = ch.id;
        let rel = ch.path.clone().unwrap_or_default();
        let mut resolve = |inline: &mut Inline| {
            let Inline::Link(link) = inline else { return };
            if link.target != LinkTarget::Unresolved {
                return;
            }
            match resolve_one(&link.dest, link.syntax, from, &rel, ix) {
                Ok((chapter, anchor, warn)) => {
                    if let Some(w) = warn {
                        diags.push(Diagnostic::warning("anchor-unresolved", w).at_opt(link.span).hint("check the heading's id; links go to the note's start meanwhile"));
                    }
                    if link.content.is_empty() {
                        let t = titles.get(chapter.0 as usize).cloned().unwrap_or_default();
                        link.content = vec![Inline::Text(t)];
                    }
                    link.target = LinkTarget::Internal { chapter, anchor };
                }
                Err((code, msg, hint)) => {
                    diags.push(Diagnostic::warning(code, msg).at_opt(link.span).hint(hint));
                    if link.content.is_empty() {
                        link.content = vec![Inline::Text(link.dest.clone())];
                    }
                }
            }
        };
        walk::inlines_mut(&mut ch.blocks, &mut resolve);
        for f in &mut ch.footnotes {
            walk::inlines_mut(&mut f.blocks, &mut resolve);
        }
    }
}

type Resolved = (ChapterId, Option<String>, Option<String>);
type Failed = (&'static str, String, String);

fn resolve_one(
    dest: &str,
    syntax: LinkSyntax,
    from: ChapterId,
    rel: &Path,
    ix: &Index,
) -> Result<Resolved, Failed> {
    let from_dir = rel.parent().unwrap_or(Path::new(""));
    let decoded = if syntax == LinkSyntax::Wiki {
        dest.to_owned()
    } else {
        percent_decode(dest)
    };
    let (path, anchor) = match decoded.split_once('#') {
        Some((p, a)) => (p.trim(), Some(a.trim())),
        None => (decoded.trim(), None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let chapter = if path.is_empty() {
        from
    } else {
        let found = match syntax {
            LinkSyntax::Wiki | LinkSyntax::Ref => match ix.by_name(path, from_dir) {
                Ok(c) => c,
                Err(list) => {
                    let names: Vec<String> = list
                        .iter()
                        .map(|c| {
                            ix.paths
                                .get(c.0 as usize)
                                .cloned()
                                .flatten()
                                .map_or(format!("#{}", c.0), |p| p.display().to_string())
                        })
                        .collect();
                    return Err((
                        "link-ambiguous",
                        format!(
                            "`{dest}` names {} notes ({}); it is not linked",
                            list.len(),
                            names.join(", ")
                        ),
                        "use the note's path, e.g. [[folder/note]]".into(),
                    ));
                }
            },
            _ => by_path_or_url(path, from_dir, rel, ix),
        };
        match found {
            Some(c) => c,
            None => {
                let hint = if looks_like_file(path)
                    && !path.ends_with(".md")
                    && !path.ends_with(".markdown")
                {
                    "a book can only link to its notes and to web addresses; link to the file's web address instead"
                } else {
                    "check the file name; paths are relative to the note's folder"
                };
                return Err((
                    "link-unresolved",
                    format!(
                        "`{dest}` does not lead to a note in the book; its text is shown without a link"
                    ),
                    hint.into(),
                ));
            }
        }
    };
    let Some(anchor) = anchor.filter(|a| !a.is_empty()) else {
        return Ok((chapter, None, None));
    };
    if let Some(id) = ix.anchor_in(chapter, anchor) {
        // The chapter's own anchor is its start: no anchor needed.
        let at_start = ix.anchors.get(chapter.0 as usize).is_some_and(|a| a == &id);
        return Ok((chapter, (!at_start).then_some(id), None));
    }
    if path.is_empty() {
        // A bare `#id` that lives in another note.
        for (c, ids) in ix.local_ids.iter().enumerate() {
            if let Some(id) = ids.get(anchor) {
                return Ok((ChapterId(c as u32), Some(id.clone()), None));
            }
        }
        return Err((
            "anchor-unresolved",
            format!(
                "no heading with the id `{anchor}` in this note or any other; its text is shown without a link"
            ),
            "check the heading's id (ids are the heading text in lower case, words joined by `-`)"
                .into(),
        ));
    }
    Ok((
        chapter,
        None,
        Some(format!(
            "`{dest}`: no heading with the id `{anchor}` in that note"
        )),
    ))
}

fn looks_like_file(p: &str) -> bool {
    p.rsplit('/').next().is_some_and(|n| n.contains('.'))
}

fn by_path_or_url(path: &str, from_dir: &Path, rel: &Path, ix: &Index) -> Option<ChapterId> {
    if !path.starts_with('/')
        && let Some(c) = normalize(&from_dir.join(path)).and_then(|p| ix.path_lookup(&p))
    {
        return Some(c);
    }
    if let Some(c) = clean_rel(path).and_then(|p| ix.path_lookup(&p)) {
        return Some(c);
    }
    // Hugo URLs: absolute (`/section/slug/`) or relative to the page's own URL.
    let url = if path.starts_with('/') {
        path.to_owned()
    } else {
        let stem = stem_of(rel);
        let page = if rel
            .file_name()
            .is_some_and(|n| n == "_index.md" || n == "index.md")
        {
            from_dir.to_path_buf()
        } else {
            from_dir.join(stem)
        };
        normalize(&page.join(path))?.to_string_lossy().into_owned()
    };
    let key = format!("/{}/", url.trim_matches('/'))
        .replace("//", "/")
        .to_lowercase();
    ix.by_url.get(&key).copied()
}

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
